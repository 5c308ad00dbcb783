import { EventBus, ManualClock, Money, Preferences } from '@semper/core';
import { recordEvents } from '@semper/core/testing';
import { describe, expect, it, vi } from 'vitest';
import { confirmThenSign } from './confirmation.js';
import { sha256Hex } from './digest.js';
import type { ConfirmationItem } from './item.js';
import { type ConfirmationRule, DEFAULT_REFUSE_RULE, PolicyTrustedIo } from './policy.trusted-io.js';
import { describeTrustedIoSuite } from './testing.js';

describeTrustedIoSuite('policy', (options) => {
  const confirm: boolean[] = [];
  const choose: string[] = [];
  const secrets: string[] = [];
  const io = new PolicyTrustedIo({
    ...options,
    rules: [{ name: 'harness', effect: 'approve', when: () => confirm.shift() === true }],
    choice: () => choose.shift(),
    secrets: () => secrets.shift(),
  });
  return {
    io,
    approveNext: () => confirm.push(true),
    refuseNext: () => confirm.push(false),
    chooseNext: (id) => choose.push(id),
    provideNext: (secret) => secrets.push(secret),
  };
});

const EUR = (v: string) => Money.parse(v, 'EUR');
const bytes = new TextEncoder().encode('payment body');
const payment = (overrides: Partial<ConfirmationItem> = {}): ConfirmationItem => ({
  kind: 'payment',
  title: 'Pay',
  amount: EUR('42.50'),
  payee: 'acme-books',
  digest: sha256Hex(bytes),
  ...overrides,
});
const small: ConfirmationRule = {
  name: 'small-payments',
  effect: 'approve',
  kinds: ['payment'],
  payees: ['acme-books', 'corner-shop'],
  limit: EUR('50.00'),
};

describe('PolicyTrustedIo rules', () => {
  const io = new PolicyTrustedIo({ rules: [small] });

  it('approves payments up to the limit to the listed merchants', async () => {
    for (const amount of ['0.00', '42.50', '50.00']) {
      expect(await io.confirm(payment({ amount: EUR(amount) }))).toMatchObject({ approved: true });
    }
    expect(await io.confirm(payment({ payee: 'corner-shop' }))).toMatchObject({ approved: true });
    const result = await io.confirm(payment());
    expect(result.approved && [result.confirmation.by, result.confirmation.rule]).toEqual(['policy', 'small-payments']);
  });

  it('refuses above the limit', async () => {
    expect(await io.confirm(payment({ amount: EUR('50.01') }))).toMatchObject({
      approved: false,
      code: 'over-limit',
      rule: DEFAULT_REFUSE_RULE,
      reason: "rule 'small-payments': 50.01 EUR is above its limit of 50.00 EUR",
    });
  });

  it('refuses another currency (never converts, never throws)', async () => {
    for (const amount of [Money.parse('10.00', 'USD'), Money.parse('10', 'JPY'), Money.parse('1.000', 'KWD')]) {
      expect(await io.confirm(payment({ amount }))).toMatchObject({
        approved: false,
        code: 'currency-mismatch',
        reason: `rule 'small-payments': its limit is in EUR, the amount in ${amount.currency}`,
      });
    }
  });

  it('refuses unknown merchants, and payments that name none', async () => {
    expect(await io.confirm(payment({ payee: 'mallory-mart' }))).toMatchObject({
      approved: false,
      code: 'unknown-payee',
      reason: "rule 'small-payments': 'mallory-mart' is not one of its payees",
    });
    expect(await io.confirm(payment({ payee: 'ACME-BOOKS' }))).toMatchObject({ code: 'unknown-payee' });
    expect(await io.confirm(payment({ payee: undefined }))).toMatchObject({ code: 'unknown-payee' });
  });

  it('refuses payments without an amount, and kinds no rule covers', async () => {
    expect(await io.confirm(payment({ amount: undefined }))).toMatchObject({ code: 'no-amount' });
    expect(await io.confirm(payment({ kind: 'order' }))).toMatchObject({
      approved: false,
      code: 'no-rule',
      rule: DEFAULT_REFUSE_RULE,
      reason: "no rule approves an item of kind 'order'",
    });
    expect(await new PolicyTrustedIo({ rules: [] }).confirm(payment())).toMatchObject({ code: 'no-rule' });
  });

  it('decides by the first rule that applies and holds; refusing rules win when first', async () => {
    const blocked: ConfirmationRule = {
      name: 'blocked-merchant',
      effect: 'refuse',
      payees: ['corner-shop'],
      description: 'corner-shop is under investigation',
    };
    const policy = new PolicyTrustedIo({ rules: [blocked, small] });
    expect(await policy.confirm(payment({ payee: 'corner-shop' }))).toMatchObject({
      approved: false,
      code: 'refused-by-rule',
      rule: 'blocked-merchant',
      reason: 'corner-shop is under investigation',
    });
    expect(await policy.confirm(payment())).toMatchObject({ approved: true });
    // A second approving rule covers what the first does not; the first unmet condition is reported otherwise.
    const usd: ConfirmationRule = {
      name: 'small-usd',
      effect: 'approve',
      kinds: ['payment'],
      limit: Money.parse('20', 'USD'),
    };
    const both = new PolicyTrustedIo({ rules: [small, usd] });
    expect(await both.confirm(payment({ amount: Money.parse('19.99', 'USD') }))).toMatchObject({ approved: true });
    expect(await both.confirm(payment({ amount: Money.parse('20.01', 'USD') }))).toMatchObject({
      code: 'currency-mismatch', // small-payments' condition, met first in rule order
    });
  });

  it('takes limits from the preferences, read at each confirmation, and never approves without one', async () => {
    let prefs = Preferences.from({ spendingLimits: { EUR: EUR('20') } });
    const policy = new PolicyTrustedIo({
      rules: [{ name: 'within-my-limit', effect: 'approve', kinds: ['payment'], limit: 'preferences' }],
      preferences: () => prefs,
    });
    expect(await policy.confirm(payment({ amount: EUR('20.00') }))).toMatchObject({ approved: true });
    expect(await policy.confirm(payment({ amount: EUR('20.01') }))).toMatchObject({ code: 'over-limit' });
    expect(await policy.confirm(payment({ amount: Money.parse('1', 'USD') }))).toMatchObject({
      code: 'no-limit',
      reason: "rule 'within-my-limit': no spending limit in USD in the preferences",
    });
    prefs = prefs.merge({ spendingLimits: { EUR: EUR('100') } });
    expect(await policy.confirm(payment({ amount: EUR('99') }))).toMatchObject({ approved: true });
    expect(await new PolicyTrustedIo({ rules: policy.rules }).confirm(payment())).toMatchObject({ code: 'no-limit' });
  });

  it('restricts currencies, and requires a trusted payee root when told', async () => {
    const policy = new PolicyTrustedIo({
      rules: [{ name: 'trusted-eur', effect: 'approve', currencies: ['EUR'], trustedRootsOnly: true }],
      preferences: Preferences.from({ trustedRoots: ['sha256:root-a'] }),
    });
    expect(await policy.confirm(payment({ payeeRoot: 'sha256:root-a' }))).toMatchObject({ approved: true });
    expect(await policy.confirm(payment({ payeeRoot: 'sha256:root-b' }))).toMatchObject({ code: 'untrusted-root' });
    expect(await policy.confirm(payment())).toMatchObject({ code: 'untrusted-root' });
    expect(
      await policy.confirm(payment({ amount: Money.parse('1', 'CHF'), payeeRoot: 'sha256:root-a' })),
    ).toMatchObject({
      code: 'currency-mismatch',
      reason: "rule 'trusted-eur' covers EUR, not CHF",
    });
  });

  it('records every decision: the log, events$, the party bus and onDecision, with the item as decided', async () => {
    const clock = new ManualClock('2030-01-01T10:00:00Z');
    const bus = new EventBus(clock);
    const onDecision = vi.fn();
    const policy = new PolicyTrustedIo({ rules: [small], clock, events: bus, onDecision });
    const events = recordEvents(policy.events$);
    const onBus = recordEvents(bus.events$);
    const sign = vi.fn(async () => 'sig');
    await confirmThenSign(
      policy,
      { kind: 'payment', title: 'Pay', amount: EUR('10'), payee: 'acme-books' },
      bytes,
      sign,
    );
    await policy.confirm(payment({ amount: EUR('60') }));
    await policy.confirm(payment({ payee: 'mallory-mart' }));
    await policy.confirm(payment({ amount: Money.parse('5', 'USD') }));
    await policy.choose({ purpose: 'payment module', options: [{ id: 'payment-card', label: 'Card' }] });
    await policy.askSecret('PIN');
    const expected = [
      ['trustedio.confirmed', 'small-payments', undefined],
      ['trustedio.signed', undefined, undefined],
      ['trustedio.refused', DEFAULT_REFUSE_RULE, 'over-limit'],
      ['trustedio.refused', DEFAULT_REFUSE_RULE, 'unknown-payee'],
      ['trustedio.refused', DEFAULT_REFUSE_RULE, 'currency-mismatch'],
      ['trustedio.not-chosen', undefined, 'undecided'],
      ['trustedio.secret-requested', undefined, undefined],
    ];
    const summary = (e: Record<string, unknown>) => [e.type, e.rule, e.code];
    expect(policy.decisions.map(summary)).toEqual(expected);
    expect(events.values).toEqual(policy.decisions);
    expect(onBus.values).toEqual(policy.decisions);
    expect(onDecision.mock.calls.map(([e]) => e)).toEqual(policy.decisions);
    expect(new Set(policy.decisions.map((d) => d.decisionId)).size).toBe(6); // signed shares its confirmation's id
    expect(policy.decisions[2]).toMatchObject({ item: { amount: EUR('60'), payee: 'acme-books' } });
  });

  it('keeps at most maxLogEntries decisions in memory', async () => {
    const policy = new PolicyTrustedIo({ rules: [], maxLogEntries: 2 });
    for (const text of ['a', 'b', 'c']) await policy.notify(text);
    expect(policy.decisions.map((d) => d.type === 'trustedio.notified' && d.text)).toEqual(['b', 'c']);
  });

  it('chooses by preferences, then by its choice setting', async () => {
    const request = {
      purpose: 'payment module',
      block: 'payments',
      options: [
        { id: 'payment-card', label: 'Card' },
        { id: 'payment-sim', label: 'Simulation' },
      ],
    };
    const preferences = Preferences.from({ preferredModules: { payments: ['payment-ecash', 'payment-sim'] } });
    expect(await new PolicyTrustedIo({ rules: [], preferences }).choose(request)).toMatchObject({
      chosen: true,
      id: 'payment-sim',
      by: 'preferences',
    });
    expect(await new PolicyTrustedIo({ rules: [] }).choose(request)).toMatchObject({
      chosen: false,
      code: 'undecided',
    });
    expect(await new PolicyTrustedIo({ rules: [], choice: 'first' }).choose(request)).toMatchObject({
      chosen: true,
      id: 'payment-card',
      by: 'policy',
    });
    await expect(
      new PolicyTrustedIo({ rules: [], choice: () => 'payment-ecash' }).choose(request),
    ).rejects.toMatchObject({ code: 'ERR_TRUSTEDIO_INVALID_ANSWER' });
  });

  it('gives secrets from its source only', async () => {
    const policy = new PolicyTrustedIo({ rules: [], secrets: async (p) => (p.id === 'pin' ? '1234' : undefined) });
    expect(await policy.askSecret({ id: 'pin', label: 'PIN' })).toMatchObject({ provided: true, secret: '1234' });
    expect(await policy.askSecret({ id: 'other', label: 'Other' })).toMatchObject({
      provided: false,
      code: 'unavailable',
    });
    expect(await new PolicyTrustedIo({ rules: [] }).askSecret('PIN')).toMatchObject({ provided: false });
  });

  it('refuses malformed rules and options', () => {
    const invalid = expect.objectContaining({ code: 'ERR_TRUSTEDIO_INVALID_ARGUMENT' });
    const make = (rule: Partial<ConfirmationRule>) => () =>
      new PolicyTrustedIo({ rules: [{ name: 'r', effect: 'approve', ...rule } as ConfirmationRule] });
    expect(make({ name: 'Bad Name' })).toThrow(invalid);
    expect(make({ name: DEFAULT_REFUSE_RULE })).toThrow(invalid);
    expect(make({ effect: 'maybe' as never })).toThrow(invalid);
    expect(make({ limit: 50 as never })).toThrow(invalid);
    expect(make({ limit: EUR('-1') })).toThrow(invalid);
    expect(make({ currencies: ['EURO'] })).toThrow(invalid);
    expect(make({ payees: [''] })).toThrow(invalid);
    expect(make({ when: true as never })).toThrow(invalid);
    expect(() => new PolicyTrustedIo({ rules: [small, small] })).toThrow(invalid);
    expect(() => new PolicyTrustedIo({ rules: 'all' as never })).toThrow(invalid);
    expect(() => new PolicyTrustedIo({ rules: [], choice: 'last' as never })).toThrow(invalid);
  });
});
