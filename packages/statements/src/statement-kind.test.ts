import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { StatementsError } from './errors.js';
import { builtinStatementKinds } from './kinds/builtin.js';
import { offerKind } from './kinds/offer.kind.js';
import { orderKind } from './kinds/order.kind.js';
import { DEFAULT_MAX_BODY_BYTES, defineStatementKind, isKindName, StatementKinds } from './statement-kind.js';

const v1 = defineStatementKind({ kind: 'acme.note', version: 1, description: 'v1', schema: z.string() });
const v2 = defineStatementKind({
  kind: 'acme.note',
  version: 2,
  description: 'v2',
  schema: z.strictObject({ text: z.string() }),
});

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(StatementsError);
    return (err as StatementsError).code;
  }
  throw new Error('expected a throw');
}

describe('defineStatementKind', () => {
  it('returns the definition frozen, with defaults', () => {
    expect(Object.isFrozen(v1)).toBe(true);
    expect(v1).toMatchObject({ kind: 'acme.note', version: 1, maxBodyBytes: DEFAULT_MAX_BODY_BYTES });
    expect(defineStatementKind({ kind: 'x', version: 3, schema: z.null() }).description).toBe('');
  });

  it('refuses malformed definitions', () => {
    for (const kind of ['', 'Offer', 'offer_2', '-offer', 'offer-', 'acme..x', '1offer', 'a'.repeat(65)]) {
      expect(isKindName(kind)).toBe(false);
      expect(codeOf(() => defineStatementKind({ kind, version: 1, schema: z.null() }))).toBe(
        'ERR_STATEMENTS_INVALID_ARGUMENT',
      );
    }
    for (const version of [0, -1, 1.5, Number.NaN, 2 ** 31]) {
      expect(codeOf(() => defineStatementKind({ kind: 'x', version, schema: z.null() }))).toBe(
        'ERR_STATEMENTS_INVALID_ARGUMENT',
      );
    }
    expect(codeOf(() => defineStatementKind({ kind: 'x', version: 1, schema: {} as never }))).toBe(
      'ERR_STATEMENTS_INVALID_ARGUMENT',
    );
    expect(codeOf(() => defineStatementKind({ kind: 'x', version: 1, schema: z.null(), maxBodyBytes: 1 }))).toBe(
      'ERR_STATEMENTS_INVALID_ARGUMENT',
    );
    expect(codeOf(() => defineStatementKind({ kind: 'x', version: 1, schema: z.null(), signers: 1 as never }))).toBe(
      'ERR_STATEMENTS_INVALID_ARGUMENT',
    );
    expect(codeOf(() => defineStatementKind(null as never))).toBe('ERR_STATEMENTS_INVALID_ARGUMENT');
    expect(isKindName('acme.warranty-claim')).toBe(true);
  });
});

describe('StatementKinds', () => {
  it('holds versions side by side; by name, the latest', () => {
    const kinds = new StatementKinds([v2, v1]);
    expect(kinds.get('acme.note')).toBe(v2);
    expect(kinds.get('acme.note', 1)).toBe(v1);
    expect(kinds.get('acme.note', 3)).toBeUndefined();
    expect(kinds.get('other')).toBeUndefined();
    expect(kinds.versions('acme.note')).toEqual([1, 2]);
    expect(kinds.has('acme.note', 2)).toBe(true);
    expect(kinds.size).toBe(2);
    expect([...kinds]).toEqual([v1, v2]);
  });

  it('is immutable: with() makes a new registry', () => {
    const more = builtinStatementKinds.with(v1, v1);
    expect(more.size).toBe(builtinStatementKinds.size + 1);
    expect(builtinStatementKinds.has('acme.note')).toBe(false);
    expect(more.list().map((k) => k.kind)).toContain('acme.note');
    expect(new StatementKinds([offerKind, orderKind]).names()).toEqual(['offer', 'order']);
  });

  it('refuses two definitions of one kind and version, and non-kinds', () => {
    const other = defineStatementKind({ kind: 'acme.note', version: 1, schema: z.number() });
    expect(codeOf(() => new StatementKinds([v1, other]))).toBe('ERR_STATEMENTS_KIND_CONFLICT');
    expect(codeOf(() => builtinStatementKinds.with(v1).with(other))).toBe('ERR_STATEMENTS_KIND_CONFLICT');
    expect(codeOf(() => new StatementKinds([{ kind: 'x' } as never]))).toBe('ERR_STATEMENTS_INVALID_ARGUMENT');
  });
});
