import { PassThrough } from 'node:stream';
import { CLOCK, type Clock, createPartyContainer, ManualClock, Money, register as registerCore } from '@semper/core';
import { describe, expect, it } from 'vitest';
import { register } from './container.js';
import { sha256Hex } from './digest.js';
import { PolicyTrustedIo } from './policy.trusted-io.js';
import { TerminalTrustedIo } from './terminal.trusted-io.js';
import { ScriptedTrustedIo } from './testing.js';
import { TRUSTED_IO } from './tokens.js';

describe('register', () => {
  it('uses the token Symbol.for("semper.trustedio.TrustedIo")', () => {
    expect(TRUSTED_IO).toBe(Symbol.for('semper.trustedio.TrustedIo'));
  });

  it('registers a given implementation', () => {
    const io = new ScriptedTrustedIo();
    expect(register(createPartyContainer(), { io }).resolve(TRUSTED_IO)).toBe(io);
    expect(createPartyContainer().isRegistered(TRUSTED_IO, true)).toBe(false);
  });

  it("makes a policy implementation on the party's clock, bus and preferences, once", async () => {
    const clock = new ManualClock('2030-01-01T10:00:00Z');
    const party = registerCore(createPartyContainer(), {
      clock,
      preferences: {
        spendingLimits: { EUR: Money.parse('50', 'EUR') },
        preferredModules: { payments: ['payment-sim'] },
      },
    });
    register(party, {
      policy: { rules: [{ name: 'within-limit', effect: 'approve', kinds: ['payment'], limit: 'preferences' }] },
    });
    const io = party.resolve<PolicyTrustedIo>(TRUSTED_IO);
    expect(io).toBeInstanceOf(PolicyTrustedIo);
    expect(party.resolve(TRUSTED_IO)).toBe(io);
    const digest = sha256Hex(new Uint8Array(4));
    expect(await io.confirm({ kind: 'payment', title: 'Pay', amount: Money.parse('50', 'EUR'), digest })).toMatchObject(
      {
        approved: true,
      },
    );
    expect(await io.confirm({ kind: 'payment', title: 'Pay', amount: Money.parse('51', 'EUR'), digest })).toMatchObject(
      {
        code: 'over-limit',
      },
    );
    expect(
      await io.choose({ purpose: 'm', block: 'payments', options: [{ id: 'payment-sim', label: 'Sim' }] }),
    ).toMatchObject({ by: 'preferences' });
    expect(io.decisions[0]?.at).toEqual(party.resolve<Clock>(CLOCK).now());
  });

  it('makes a terminal implementation on the given streams', async () => {
    const output = new PassThrough();
    const party = register(createPartyContainer(), { terminal: { input: new PassThrough(), output } });
    const io = party.resolve<TerminalTrustedIo>(TRUSTED_IO);
    expect(io).toBeInstanceOf(TerminalTrustedIo);
    await io.notify('hello');
    expect(String(output.read())).toBe('[info] hello\n');
  });

  it('refuses bad options', () => {
    const invalid = expect.objectContaining({ code: 'ERR_TRUSTEDIO_INVALID_ARGUMENT' });
    expect(() => register(createPartyContainer(), {} as never)).toThrow(invalid);
    expect(() => register(createPartyContainer(), { io: {} as never })).toThrow(invalid);
    expect(() => register(null as never, { io: new ScriptedTrustedIo() })).toThrow(invalid);
    expect(() => register(createPartyContainer(), { policy: null as never })).toThrow(invalid);
  });
});
