import { describe, expect, it } from 'vitest';
import { AbstractServiceModule } from './abstract-service-module.js';
import { UnsupportedOperationError } from './errors.js';
import { Money } from './money.js';
import { defineDescriptor, isDeclaredForJurisdiction, matchRequirements, type ModuleDescriptor } from './module.js';

const base: ModuleDescriptor = { id: 'payment-sim', version: '1.0.0', block: 'payments', capabilities: {} };

describe('defineDescriptor', () => {
  it('returns a frozen copy of a well-formed descriptor', () => {
    const caps = { currencies: ['EUR'] };
    const d = defineDescriptor({ ...base, capabilities: caps, jurisdictions: ['FR', 'DE'] });
    expect(d).toEqual({ ...base, capabilities: caps, jurisdictions: ['FR', 'DE'] });
    expect(Object.isFrozen(d)).toBe(true);
    expect(Object.isFrozen(d.capabilities)).toBe(true);
    expect(Object.isFrozen(d.jurisdictions)).toBe(true);
    caps.currencies = ['USD'];
    expect(d.capabilities).toEqual({ currencies: ['EUR'] });
  });

  it.each([
    ['acme.card', true],
    ['payment-ecash', true],
    ['a', true],
    ['x2', true],
    ['Payment', false],
    ['-x', false],
    ['x-', false],
    ['a..b', false],
    ['a_b', false],
    ['', false],
    ['a'.repeat(65), false],
  ])('id %j well-formed: %s', (id, ok) => {
    const run = () => defineDescriptor({ ...base, id });
    if (ok) expect(run().id).toBe(id);
    else expect(run).toThrowError(expect.objectContaining({ code: 'ERR_CORE_INVALID_DESCRIPTOR' }));
  });

  it.each([
    [{ version: '1.0' }, /semver/],
    [{ version: 1 }, /semver/],
    [{ block: 'Payments' }, /block/],
    [{ block: '' }, /block/],
    [{ capabilities: null }, /capabilities/],
    [{ capabilities: [] }, /capabilities/],
    [{ jurisdictions: [] }, /non-empty/],
    [{ jurisdictions: ['de'] }, /alpha-2/],
    [{ jurisdictions: ['DEU'] }, /alpha-2/],
    [{ jurisdictions: ['*', 'DE'] }, /alpha-2/],
    [{ jurisdictions: ['DE', 'DE'] }, /duplicates/],
    [{ jurisdictions: 'DE' }, /non-empty list/],
  ])('refuses %j', (patch, message) => {
    expect(() => defineDescriptor({ ...base, ...patch } as never)).toThrowError(
      expect.objectContaining({ code: 'ERR_CORE_INVALID_DESCRIPTOR', message: expect.stringMatching(message) }),
    );
  });

  it('refuses a non-object', () => {
    expect(() => defineDescriptor(null as never)).toThrowError(/object/);
  });
});

describe('isDeclaredForJurisdiction', () => {
  it('follows the declared list, the wildcard, or no declaration', () => {
    expect(isDeclaredForJurisdiction(base, 'DE')).toBe(true);
    expect(isDeclaredForJurisdiction({ ...base, jurisdictions: ['*'] }, 'DE')).toBe(true);
    expect(isDeclaredForJurisdiction({ ...base, jurisdictions: ['FR'] }, 'FR')).toBe(true);
    expect(isDeclaredForJurisdiction({ ...base, jurisdictions: ['FR'] }, 'DE')).toBe(false);
  });
});

describe('matchRequirements', () => {
  const caps = { currencies: ['EUR', 'USD'], model: 'cash-like', twoPhase: true, maxParts: 3 };
  it.each([
    [undefined, true],
    [{}, true],
    [{ currencies: 'EUR' }, true],
    [{ currencies: ['EUR', 'USD'] }, true],
    [{ currencies: ['EUR', 'CHF'] }, false],
    [{ currencies: 'CHF' }, false],
    [{ model: 'cash-like' }, true],
    [{ model: 'account-based' }, false],
    [{ model: ['cash-like'] }, true],
    [{ twoPhase: true }, true],
    [{ twoPhase: false }, false],
    [{ maxParts: 3 }, true],
    [{ maxParts: '3' }, false],
    [{ refunds: true }, false],
    [{ toString: true }, false],
  ])('%j → %s', (requirements, ok) => {
    expect(matchRequirements(caps, requirements).ok).toBe(ok);
  });

  it('names the first unmet capability (in key order) and why', () => {
    expect(matchRequirements(caps, { refunds: true, currencies: 'CHF' })).toEqual({
      ok: false,
      capability: 'currencies',
      reason: `capability 'currencies' is ["EUR","USD"], which does not meet "CHF"`,
    });
    expect(matchRequirements(caps, { refunds: true })).toEqual({
      ok: false,
      capability: 'refunds',
      reason: "capability 'refunds' is not declared",
    });
  });
});

type PayResult = { outcome: 'paid'; receipt: string } | { outcome: 'declined'; reason: string };
type PaymentDescriptor = ModuleDescriptor<{ currencies: readonly string[]; refunds: boolean }>;

abstract class AbstractPaymentModule extends AbstractServiceModule<PaymentDescriptor> {
  async pay(amount: Money): Promise<PayResult> {
    this.checkPay(amount);
    return this.onPay(amount);
  }
  async refund(receipt: string): Promise<void> {
    this.checkCapability('refunds', true);
    return this.onRefund(receipt);
  }
  protected checkPay(amount: Money): void {
    this.checkCapability('currencies', amount.currency);
  }
  protected onPay(_amount: Money): Promise<PayResult> {
    return this.unsupported('pay');
  }
  protected onRefund(_receipt: string): Promise<void> {
    return this.unsupported('refund');
  }
}

class SimPaymentModule extends AbstractPaymentModule {
  readonly paid: Money[] = [];
  constructor(refunds = false) {
    super({ id: 'payment-sim', version: '1.0.0', block: 'payments', capabilities: { currencies: ['EUR'], refunds } });
  }
  protected override async onPay(amount: Money): Promise<PayResult> {
    this.paid.push(amount);
    return amount.greaterThan(Money.parse('100', 'EUR'))
      ? { outcome: 'declined', reason: 'over the limit' }
      : { outcome: 'paid', receipt: `r-${amount.amount}` };
  }
}

describe('AbstractServiceModule', () => {
  it('checks, then calls the hook', async () => {
    const m = new SimPaymentModule();
    expect(m.id).toBe('payment-sim');
    expect(Object.isFrozen(m.descriptor)).toBe(true);
    await expect(m.pay(Money.parse('1', 'EUR'))).resolves.toEqual({ outcome: 'paid', receipt: 'r-100' });
    await expect(m.pay(Money.parse('101', 'EUR'))).resolves.toEqual({ outcome: 'declined', reason: 'over the limit' });
  });

  it('refuses in the check, before the hook, what the capabilities do not cover', async () => {
    const m = new SimPaymentModule();
    const err = await m.pay(Money.parse('1', 'USD')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnsupportedOperationError);
    expect(err).toMatchObject({
      code: 'ERR_CORE_UNSUPPORTED_OPERATION',
      message: expect.stringContaining('currencies'),
    });
    expect(m.paid).toHaveLength(0);
  });

  it('throws UnsupportedOperationError from an unimplemented hook', async () => {
    const m = new SimPaymentModule(true);
    const err = await m.refund('r-1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnsupportedOperationError);
    expect((err as Error).message).toBe('operation not supported: payment-sim.refund');
  });

  it('answers supports() from its capabilities', () => {
    const m = new SimPaymentModule(false);
    expect(m.supports({ currencies: 'EUR' })).toBe(true);
    expect(m.supports({ currencies: 'EUR', refunds: true })).toBe(false);
  });

  it('refuses a malformed descriptor at construction', () => {
    class Bad extends AbstractServiceModule {
      constructor() {
        super({ id: 'Bad Id', version: '1.0.0', block: 'payments', capabilities: {} });
      }
    }
    expect(() => new Bad()).toThrowError(expect.objectContaining({ code: 'ERR_CORE_INVALID_DESCRIPTOR' }));
  });
});
