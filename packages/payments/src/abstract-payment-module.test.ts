import { ManualClock, Money } from '@semper/core';
import { describe, expect, it } from 'vitest';
import {
  AbstractPaymentModule,
  type CaptureContext,
  type CaptureOutcome,
  type PayerContext,
  type PaymentCapabilities,
  type PaymentModuleDescriptor,
  type PaymentRecord,
  type PayOutcome,
  type Purse,
  type RefundContext,
  type RefundOutcome,
} from './spi.js';

const eur = (t: string) => Money.parse(t, 'EUR');

function descriptor(payment: Partial<PaymentCapabilities> = {}): PaymentModuleDescriptor {
  return {
    id: 'test.module',
    version: '1.0.0',
    block: 'payments',
    capabilities: {
      payment: { model: 'account-based', currencies: ['EUR'], twoPhase: true, refunds: 'partial', ...payment },
    },
  };
}

class Module extends AbstractPaymentModule {
  calls: string[] = [];
  payOutcome: PayOutcome | undefined;
  constructor(payment: Partial<PaymentCapabilities> = {}) {
    super(descriptor(payment));
  }
  protected override async onOpenPurse(owner: string): Promise<Purse> {
    return { moduleId: this.id, owner };
  }
  protected override async onPay(ctx: PayerContext): Promise<PayOutcome> {
    this.calls.push('pay');
    return this.payOutcome ?? { status: 'captured', amount: ctx.amount };
  }
  protected override async onCapture(ctx: CaptureContext): Promise<CaptureOutcome> {
    this.calls.push('capture');
    return { status: 'captured', amount: ctx.amount };
  }
  protected override async onRefund(ctx: RefundContext): Promise<RefundOutcome> {
    this.calls.push('refund');
    return { status: 'refunded', amount: ctx.amount };
  }
}

class Bare extends AbstractPaymentModule {
  constructor() {
    super(descriptor());
  }
}

const clock = new ManualClock('2030-01-01T00:00:00Z');
const hook = {
  transactionId: 'pay_1',
  idempotencyKey: 'k',
  clock,
  signal: new AbortController().signal,
  evidence: async () => undefined,
  checkpoint: async () => undefined,
};
const peer = {
  localParty: 'alice',
  remoteParty: 'shop',
  send: async () => undefined,
  receive: async () => new Uint8Array(),
};

function payer(
  module: AbstractPaymentModule,
  amount: Money,
  mode: 'sale' | 'authorize' = 'sale',
  owner = 'alice',
): PayerContext {
  return {
    ...hook,
    role: 'payer',
    amount,
    mode,
    payer: 'alice',
    payee: 'shop',
    purse: { moduleId: module.id, owner },
    peer,
  };
}

function record(over: Partial<PaymentRecord> = {}): PaymentRecord {
  const zero = eur('0');
  return {
    id: 'pay_1',
    moduleId: 'test.module',
    role: 'payee',
    mode: 'authorize',
    state: 'authorized',
    amount: eur('10.00'),
    authorized: eur('10.00'),
    captured: zero,
    refunded: zero,
    payer: 'alice',
    payee: 'shop',
    createdAt: clock.now(),
    updatedAt: clock.now(),
    ...over,
  };
}

describe('AbstractPaymentModule', () => {
  it('checks the payment capabilities of its descriptor and flattens them for negotiation', () => {
    expect(() => new Module({ model: 'barter' as never })).toThrow(/payment.model/);
    expect(() => new Module({ currencies: ['eur'] })).toThrow(/ISO 4217/);
    expect(() => new Module({ currencies: ['ZZZ'] })).toThrow();
    expect(() => new Module({ refunds: 'some' as never })).toThrow(/refunds/);
    expect(() => new Module({ authorizationTtlMs: -1 })).toThrow(/authorizationTtlMs/);
    const m = new Module();
    expect(m.supports({ currencies: 'EUR', twoPhase: true, model: 'account-based' })).toBe(true);
    expect(m.supports({ currencies: 'USD' })).toBe(false);
    expect(Object.isFrozen(m.descriptor)).toBe(true);
  });

  it('an unimplemented hook throws UnsupportedOperationError', async () => {
    const m = new Bare();
    await expect(m.openPurse('alice')).rejects.toMatchObject({ code: 'ERR_CORE_UNSUPPORTED_OPERATION' });
    await expect(m.pay(payer(m, eur('1.00')))).rejects.toMatchObject({ code: 'ERR_CORE_UNSUPPORTED_OPERATION' });
  });

  it('validates a payment before the hook: amount, currency, mode, purse', async () => {
    const m = new Module();
    await expect(m.pay(payer(m, eur('0')))).rejects.toMatchObject({ code: 'ERR_PAYMENTS_INVALID_ARGUMENT' });
    await expect(m.pay(payer(m, Money.parse('1', 'USD')))).rejects.toMatchObject({
      code: 'ERR_CORE_UNSUPPORTED_OPERATION',
    });
    await expect(m.pay(payer(m, eur('1'), 'sale', 'mallory'))).rejects.toMatchObject({
      code: 'ERR_PAYMENTS_PURSE_MISMATCH',
    });
    const oneShot = new Module({ twoPhase: false });
    await expect(oneShot.pay(payer(oneShot, eur('1'), 'authorize'))).rejects.toMatchObject({
      code: 'ERR_CORE_UNSUPPORTED_OPERATION',
    });
    expect(m.calls).toEqual([]);
    expect(oneShot.calls).toEqual([]);
  });

  it('checks the outcome fits the request', async () => {
    const m = new Module();
    m.payOutcome = { status: 'captured', amount: eur('9.99') };
    await expect(m.pay(payer(m, eur('10.00')))).rejects.toMatchObject({ code: 'ERR_PAYMENTS_INVALID_OUTCOME' });
    m.payOutcome = { status: 'captured', amount: eur('10.00') };
    await expect(m.pay(payer(m, eur('10.00'), 'authorize'))).rejects.toMatchObject({
      code: 'ERR_PAYMENTS_INVALID_OUTCOME',
    });
    m.payOutcome = { status: 'declined' } as never;
    await expect(m.pay(payer(m, eur('10.00')))).rejects.toMatchObject({ code: 'ERR_PAYMENTS_INVALID_OUTCOME' });
    m.payOutcome = { status: 'declined', reason: 'insufficient-funds' };
    await expect(m.pay(payer(m, eur('10.00')))).resolves.toEqual({ status: 'declined', reason: 'insufficient-funds' });
  });

  it('bounds captures by the authorization and refuses expired ones without calling the hook', async () => {
    const m = new Module();
    const purse = { moduleId: m.id, owner: 'shop' };
    await expect(m.capture({ ...hook, record: record(), purse, amount: eur('10.01') })).rejects.toMatchObject({
      code: 'ERR_PAYMENTS_AMOUNT_EXCEEDS_AUTHORIZED',
    });
    await expect(
      m.capture({ ...hook, record: record({ state: 'voided' }), purse, amount: eur('1') }),
    ).rejects.toMatchObject({
      code: 'ERR_PAYMENTS_INVALID_STATE',
    });
    const expired = record({ expiresAt: new Date(clock.now().getTime() - 1) });
    await expect(m.capture({ ...hook, record: expired, purse, amount: eur('1') })).resolves.toEqual({
      status: 'declined',
      reason: 'authorization-expired',
    });
    expect(m.calls).toEqual([]);
    await expect(m.capture({ ...hook, record: record(), purse, amount: eur('10.00') })).resolves.toMatchObject({
      status: 'captured',
    });
  });

  it('bounds refunds by what was captured, and a full-refund module refunds everything at once only', async () => {
    const m = new Module();
    const purse = { moduleId: m.id, owner: 'shop' };
    const captured = record({ state: 'captured', captured: eur('10.00'), refunded: eur('4.00') });
    await expect(m.refund({ ...hook, record: captured, purse, amount: eur('6.01') })).rejects.toMatchObject({
      code: 'ERR_PAYMENTS_REFUND_EXCEEDS_CAPTURED',
    });
    await expect(m.refund({ ...hook, record: captured, purse, amount: eur('6.00') })).resolves.toMatchObject({
      status: 'refunded',
    });
    const full = new Module({ refunds: 'full' });
    const fullPurse = { moduleId: full.id, owner: 'shop' };
    const fresh = record({ state: 'captured', captured: eur('10.00') });
    await expect(full.refund({ ...hook, record: fresh, purse: fullPurse, amount: eur('5.00') })).rejects.toMatchObject({
      code: 'ERR_CORE_UNSUPPORTED_OPERATION',
    });
    await expect(
      full.refund({ ...hook, record: fresh, purse: fullPurse, amount: eur('10.00') }),
    ).resolves.toMatchObject({
      status: 'refunded',
    });
    const none = new Module({ refunds: 'none' });
    await expect(
      none.refund({ ...hook, record: fresh, purse: { moduleId: none.id, owner: 'shop' }, amount: eur('1') }),
    ).rejects.toMatchObject({
      code: 'ERR_CORE_UNSUPPORTED_OPERATION',
    });
  });
});
