// Random mutations of statements never crash the reader: every failure is a SemperError, and whatever
// still verifies is exactly what was signed.
import { SemperError } from '@semper/core';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodeStatementContent, statementDigest } from './envelope.js';
import { order } from './examples.test-util.js';
import { createFixture, type Fixture, signRaw } from './fixture.test-util.js';
import type { SignedStatement } from './statement.js';

let f: Fixture;
let signed: SignedStatement;
let content: Uint8Array;
beforeAll(async () => {
  f = await createFixture();
  signed = await f.statements.signStatement('order', order, f.buyer);
  content = encodeStatementContent({ kind: 'order', version: 1, body: signed.body });
});

type Mutation =
  | { type: 'flip'; at: number; bit: number }
  | { type: 'set'; at: number; value: number }
  | { type: 'insert'; at: number; value: number }
  | { type: 'delete'; at: number; count: number }
  | { type: 'truncate'; at: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ type: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ type: fc.constant('set' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ type: fc.constant('insert' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ type: fc.constant('delete' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 16 }) }),
  fc.record({ type: fc.constant('truncate' as const), at: fc.nat() }),
);

function mutate(bytes: Uint8Array, mutations: readonly Mutation[]): Uint8Array {
  let out = Array.from(bytes);
  for (const m of mutations) {
    const at = out.length === 0 ? 0 : m.at % out.length;
    if (m.type === 'flip') out[at] ^= 1 << m.bit;
    else if (m.type === 'set') out[at] = m.value;
    else if (m.type === 'insert') out.splice(at, 0, m.value);
    else if (m.type === 'delete') out.splice(at, m.count);
    else out = out.slice(0, at);
  }
  return new Uint8Array(out);
}

async function outcome(run: () => Promise<{ digest: string }>): Promise<'rejected' | string> {
  try {
    return (await run()).digest;
  } catch (err) {
    if (!(err instanceof SemperError)) throw new Error(`not a SemperError: ${String(err)}`, { cause: err });
    expect(err.code).toMatch(/^ERR_[A-Z]+_[A-Z_]+$/);
    return 'rejected';
  }
}

describe('mutated statements', () => {
  it('verifyStatement and showStatement reject changed bytes with a SemperError, or read the original', async () => {
    let rejected = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 3 }), async (mutations) => {
        const bytes = mutate(signed.bytes, mutations);
        const verified = await outcome(() => f.statements.verifyStatement(bytes, { trust: f.pki.trust }));
        if (verified === 'rejected') rejected++;
        else expect(verified).toBe(signed.digest);
        const shown = await outcome(() => f.statements.showStatement(bytes));
        if (shown !== 'rejected') expect(shown).toBe(signed.digest);
      }),
      { numRuns: 250 },
    );
    expect(rejected).toBeGreaterThan(200);
  });

  it('validly signed but mutated content is refused with a SemperError, or verifies as exactly that content', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 2 }), async (mutations) => {
        const changed = mutate(content, mutations);
        const bytes = await signRaw(changed, f.buyer);
        const verified = await outcome(() => f.statements.verifyStatement(bytes, { trust: f.pki.trust }));
        if (verified !== 'rejected') expect(verified).toBe(statementDigest(changed));
      }),
      { numRuns: 120 },
    );
  });
});
