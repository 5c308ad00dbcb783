import { CLOCK, createPartyContainer, ManualClock, register as registerCore } from '@semper/core';
import { container as rootContainer } from 'tsyringe';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { register } from './container.js';
import { orderConfirmation } from './examples.test-util.js';
import { createFixture, type Fixture } from './fixture.test-util.js';
import * as api from './index.js';
import { builtinStatementKinds } from './kinds/builtin.js';
import { StatementManager } from './statement.manager.js';
import { defineStatementKind, type StatementKinds } from './statement-kind.js';
import { STATEMENT_KINDS, STATEMENT_MANAGER, STATEMENT_MANAGER_OPTIONS } from './tokens.js';

let f: Fixture;
beforeAll(async () => {
  f = await createFixture();
});

const noteKind = defineStatementKind({
  kind: 'acme.note',
  version: 1,
  description: 'A note; for the tests.',
  schema: z.strictObject({ text: z.string() }),
});

describe('register', () => {
  it('registers nothing at import time', () => {
    expect(api.register).toBe(register);
    for (const token of [STATEMENT_MANAGER, STATEMENT_KINDS, STATEMENT_MANAGER_OPTIONS]) {
      expect(rootContainer.isRegistered(token, true)).toBe(false);
    }
    expect(STATEMENT_MANAGER).toBe(Symbol.for('semper.statements.StatementManager'));
    expect(STATEMENT_KINDS).toBe(Symbol.for('semper.statements.StatementKinds'));
    expect(STATEMENT_MANAGER_OPTIONS).toBe(Symbol.for('semper.statements.StatementManagerOptions'));
  });

  it("wires a manager per party container, on the party's clock, with the given kinds and trust", async () => {
    const clock = new ManualClock(f.clock.now());
    const merchant = register(registerCore(createPartyContainer(), { clock }), {
      kinds: [noteKind],
      trust: f.pki.trust,
    });
    const statements = merchant.resolve<StatementManager>(STATEMENT_MANAGER);
    expect(statements).toBeInstanceOf(StatementManager);
    expect(merchant.resolve<StatementManager>(STATEMENT_MANAGER)).toBe(statements);
    expect(statements.kinds.has('acme.note')).toBe(true);
    expect(statements.kinds.has('offer')).toBe(true);
    expect(merchant.resolve<StatementKinds>(STATEMENT_KINDS)).toBe(statements.kinds);

    const signed = await statements.signStatement(noteKind, { text: 'hello' }, f.merchant);
    expect(signed.signingTime.getTime()).toBe(Math.floor(clock.now().getTime() / 1000) * 1000);
    expect((await statements.verifyStatement(signed.bytes, { kinds: [noteKind] })).body.text).toBe('hello'); // the registered trust

    const buyer = register(registerCore(createPartyContainer(), { clock }), { builtinKinds: false, kinds: [noteKind] });
    const other = buyer.resolve<StatementManager>(STATEMENT_MANAGER);
    expect(other).not.toBe(statements);
    expect(other.kinds.names()).toEqual(['acme.note']);
    await expect(other.signStatement('order-confirmation', orderConfirmation, f.merchant)).rejects.toMatchObject({
      code: 'ERR_STATEMENTS_UNKNOWN_KIND',
    });
    await expect(other.verifyStatement(signed.bytes)).rejects.toMatchObject({
      code: 'ERR_STATEMENTS_INVALID_ARGUMENT',
    });
  });

  it('applies the limits given', () => {
    const party = register(registerCore(createPartyContainer()), { limits: { maxDepth: 8 } });
    expect(party.resolve<StatementManager>(STATEMENT_MANAGER).limits.maxDepth).toBe(8);
  });

  it("refuses a container without core's clock, bad options, and conflicting kinds, at registration", () => {
    const bare = createPartyContainer();
    expect(bare.isRegistered(CLOCK, true)).toBe(false);
    expect(() => register(bare)).toThrow(/CLOCK/);
    expect(() => register(null as never)).toThrow(api.StatementsError);
    const party = registerCore(createPartyContainer());
    expect(() => register(party, null as never)).toThrow(api.StatementsError);
    expect(() => register(party, { limits: { maxStatementBytes: -1 } })).toThrow(api.StatementsError);
    const impostor = defineStatementKind({
      kind: 'offer',
      version: 1,
      description: 'Not the real one.',
      schema: z.unknown(),
    });
    expect(() => register(party, { kinds: [impostor] })).toThrow(
      expect.objectContaining({ code: 'ERR_STATEMENTS_KIND_CONFLICT' }),
    );
    expect(party.isRegistered(STATEMENT_MANAGER)).toBe(false);
    expect(builtinStatementKinds.get('offer')).not.toBe(impostor);
  });
});
