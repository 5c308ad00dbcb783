import { Money } from '@semper/core';
import { AbstractServiceModule, UnsupportedOperationError } from '@semper/core/spi';
import { AmountExceedsAuthorizedError, PaymentError, RefundExceedsCapturedError } from './errors.js';
import type {
  CaptureContext,
  CaptureOutcome,
  PayeeContext,
  PayerContext,
  PaymentCapabilities,
  PaymentContext,
  PaymentModuleDescriptor,
  PaymentOutcome,
  PaymentRecord,
  PayOutcome,
  Purse,
  ReceiveOutcome,
  RecoveryContext,
  RecoveryOutcome,
  RedeemRefundContext,
  RedeemRefundOutcome,
  RefundContext,
  RefundOutcome,
  TransactionContext,
  VoidOutcome,
} from './types.js';

/** Largest refund token a payer accepts (1 MiB). */
const MAX_REFUND_TOKEN = 1024 * 1024;

const PAYMENT_MODELS = new Set(['cash-like', 'cheque-like', 'account-based']);
const REFUNDS = new Set(['none', 'full', 'partial']);

function paymentCapabilities(descriptor: PaymentModuleDescriptor): PaymentCapabilities {
  const p = (descriptor?.capabilities as { payment?: Partial<PaymentCapabilities> } | undefined)?.payment;
  const where = `payment module '${String(descriptor?.id)}'`;
  if (typeof p !== 'object' || p === null) {
    throw new PaymentError('ERR_PAYMENTS_INVALID_ARGUMENT', `${where}: capabilities.payment is missing`);
  }
  if (!PAYMENT_MODELS.has(p.model as string)) {
    throw new PaymentError(
      'ERR_PAYMENTS_INVALID_ARGUMENT',
      `${where}: payment.model must be cash-like, cheque-like or account-based`,
    );
  }
  if (!Array.isArray(p.currencies) || p.currencies.length === 0 || !p.currencies.every((c) => /^[A-Z]{3}$/.test(c))) {
    throw new PaymentError('ERR_PAYMENTS_INVALID_ARGUMENT', `${where}: payment.currencies must be ISO 4217 codes`);
  }
  for (const c of p.currencies) Money.zero(c); // throws ERR_CORE_UNKNOWN_CURRENCY for an unknown code
  if (typeof p.twoPhase !== 'boolean') {
    throw new PaymentError('ERR_PAYMENTS_INVALID_ARGUMENT', `${where}: payment.twoPhase must be a boolean`);
  }
  if (!REFUNDS.has(p.refunds as string)) {
    throw new PaymentError('ERR_PAYMENTS_INVALID_ARGUMENT', `${where}: payment.refunds must be none, full or partial`);
  }
  if (
    p.authorizationTtlMs !== undefined &&
    (!Number.isSafeInteger(p.authorizationTtlMs) || p.authorizationTtlMs <= 0)
  ) {
    throw new PaymentError(
      'ERR_PAYMENTS_INVALID_ARGUMENT',
      `${where}: payment.authorizationTtlMs must be a positive integer`,
    );
  }
  return Object.freeze({
    model: p.model,
    currencies: Object.freeze([...p.currencies]),
    twoPhase: p.twoPhase,
    refunds: p.refunds,
    ...(p.authorizationTtlMs === undefined ? {} : { authorizationTtlMs: p.authorizationTtlMs }),
  }) as PaymentCapabilities;
}

/**
 * Adds the flat capabilities core's negotiation and policy compare (`model`, `currencies`,
 * `twoPhase`, `refunds`) next to `payment`, so that `{ currencies: 'EUR', twoPhase: true }` works as
 * requirements.
 */
function withFlatCapabilities(descriptor: PaymentModuleDescriptor): PaymentModuleDescriptor {
  const payment = paymentCapabilities(descriptor);
  return {
    ...descriptor,
    capabilities: {
      ...descriptor.capabilities,
      payment,
      model: payment.model,
      currencies: payment.currencies,
      twoPhase: payment.twoPhase,
      refunds: payment.refunds,
    },
  };
}

/**
 * The base of every payment module, and the module writer's guide (webcrypto-core's pattern: the base
 * validates, then calls an `on*` hook; a hook you do not override throws `UnsupportedOperationError`).
 *
 * A payment runs between two instances of one module: the payer's (`onPay`) and the payee's
 * (`onReceive`), which the `PaymentManager`s of the two parties call at the same time and connect with
 * a {@link PaymentPeer} (`ctx.peer`). Later operations run at the payee: `onCapture` and `onVoid` on
 * an authorization, `onRefund` on a captured payment; `onRecover` reconciles, on the manager's start, a
 * transaction a crash left pending; `onOpenPurse` opens the party's instrument.
 *
 * What the base checks before a hook runs (so hooks need not):
 * - pay / receive: the amount is positive and in a declared currency; `authorize` needs `twoPhase`; the
 *   purse is this module's and the local party's;
 * - capture: two-phase, the record is an `authorized` payee record in the same currency, the amount is
 *   positive and ≤ authorized − captured (`ERR_PAYMENTS_AMOUNT_EXCEEDS_AUTHORIZED`); an expired
 *   authorization is returned as declined (`authorization-expired`) without calling the hook;
 * - void: two-phase, an `authorized` payee record;
 * - refund: refunds declared, a `captured` payee record, positive amount ≤ captured − refunded
 *   (`ERR_PAYMENTS_REFUND_EXCEEDS_CAPTURED`); with `refunds: 'full'` only one refund of everything;
 * - and after each hook, that the outcome fits (a `captured` sale of exactly the amount asked, etc.:
 *   `ERR_PAYMENTS_INVALID_OUTCOME` otherwise).
 *
 * Rules for hooks: return declines and cancellations; throw faults (a `PaymentError` subclass, or your
 * own `SemperError`): the manager wraps them in `ERR_PAYMENTS_MODULE_FAULT` with yours as `cause`.
 * Parse every peer message with a schema after a size check. Call `ctx.checkpoint(step, data)` before
 * anything irreversible, so that `onRecover` knows what may have happened.
 *
 * @example
 * ```ts
 * import { Money } from '@semper/core';
 * import {
 *   AbstractPaymentModule, type PayeeContext, type PayerContext, type PayOutcome, type Purse, type ReceiveOutcome,
 * } from '@semper/payments/spi';
 *
 * class HonourPaymentModule extends AbstractPaymentModule {
 *   constructor() {
 *     super({
 *       id: 'acme.honour', version: '1.0.0', block: 'payments',
 *       capabilities: { payment: { model: 'cheque-like', currencies: ['EUR'], twoPhase: false, refunds: 'none' } },
 *     });
 *   }
 *   protected override async onOpenPurse(owner: string): Promise<Purse> {
 *     return { moduleId: this.id, owner };
 *   }
 *   protected override async onPay(ctx: PayerContext): Promise<PayOutcome> {
 *     await ctx.peer.send('iou', new TextEncoder().encode(ctx.amount.toString()));
 *     const answer = new TextDecoder().decode(await ctx.peer.receive('ack', { maxBytes: 16 }));
 *     return answer === 'ok' ? { status: 'captured', amount: ctx.amount } : { status: 'declined', reason: 'refused' };
 *   }
 *   protected override async onReceive(ctx: PayeeContext): Promise<ReceiveOutcome> {
 *     const iou = new TextDecoder().decode(await ctx.peer.receive('iou', { maxBytes: 64 }));
 *     const ok = iou === ctx.amount.toString();
 *     await ctx.peer.send('ack', new TextEncoder().encode(ok ? 'ok' : 'no'));
 *     return ok ? { status: 'captured', amount: ctx.amount } : { status: 'declined', reason: 'refused' };
 *   }
 * }
 * ```
 */
export abstract class AbstractPaymentModule<
  P extends Purse = Purse,
> extends AbstractServiceModule<PaymentModuleDescriptor> {
  /** The payment capabilities, checked (`descriptor.capabilities.payment`). */
  readonly payment: PaymentCapabilities;

  protected constructor(descriptor: PaymentModuleDescriptor) {
    const flat = withFlatCapabilities(descriptor);
    super(flat);
    this.payment = flat.capabilities.payment;
  }

  /**
   * Opens the party's purse (wallet, card, account) with module-specific `config`.
   *
   * @example
   * ```ts
   * declare const module: import('@semper/payments/spi').AbstractPaymentModule;
   * const purse = await module.openPurse('alice', { account: 'ACC-1' });
   * ```
   */
  async openPurse(owner: string, config?: unknown): Promise<P> {
    if (typeof owner !== 'string' || owner.length === 0 || owner.length > 256) {
      throw new PaymentError(
        'ERR_PAYMENTS_INVALID_ARGUMENT',
        'a purse owner is a non-empty party id (at most 256 characters)',
      );
    }
    const purse = await this.onOpenPurse(owner, config);
    this.checkPurse(purse, owner);
    return purse;
  }

  /**
   * Runs the payer side of a payment (called by the `PaymentManager`).
   *
   * @example
   * ```ts
   * // const outcome = await module.pay(payerContext);
   * ```
   */
  async pay(ctx: PayerContext<P>): Promise<PayOutcome> {
    this.checkPayment(ctx, ctx.payer);
    return this.checkPaymentOutcome(ctx, await this.onPay(ctx), 'pay');
  }

  /**
   * Runs the payee side of a payment (called by the `PaymentManager`).
   *
   * @example
   * ```ts
   * // const outcome = await module.receive(payeeContext);
   * ```
   */
  async receive(ctx: PayeeContext<P>): Promise<ReceiveOutcome> {
    this.checkPayment(ctx, ctx.payee);
    return this.checkPaymentOutcome(ctx, await this.onReceive(ctx), 'receive');
  }

  /**
   * Captures (part of) an authorization, at the payee. One capture per authorization: what is not
   * captured is released.
   *
   * @example
   * ```ts
   * // const outcome = await module.capture({ ...ctx, amount: Money.parse('10.00', 'EUR') });
   * ```
   */
  async capture(ctx: CaptureContext<P>): Promise<CaptureOutcome> {
    this.checkTwoPhase('capture');
    this.checkTransaction(ctx, 'authorized', 'capture');
    this.checkAmount(ctx.amount, ctx.record);
    const available = ctx.record.authorized.subtract(ctx.record.captured);
    if (ctx.amount.greaterThan(available)) throw new AmountExceedsAuthorizedError(ctx.amount, available);
    if (ctx.record.expiresAt !== undefined && ctx.clock.now().getTime() >= ctx.record.expiresAt.getTime()) {
      return { status: 'declined', reason: 'authorization-expired' };
    }
    const outcome = await this.onCapture(ctx);
    if (outcome?.status === 'captured') {
      this.checkSameAmount(outcome.amount, ctx.amount, 'capture');
      return outcome;
    }
    return this.checkDeclined(outcome, 'capture');
  }

  /**
   * Releases an authorization, at the payee.
   *
   * @example
   * ```ts
   * // const outcome = await module.voidAuthorization(ctx);
   * ```
   */
  async voidAuthorization(ctx: TransactionContext<P>): Promise<VoidOutcome> {
    this.checkTwoPhase('void');
    this.checkTransaction(ctx, 'authorized', 'void');
    const outcome = await this.onVoid(ctx);
    if (outcome?.status === 'voided') return outcome;
    return this.checkDeclined(outcome, 'void');
  }

  /**
   * Refunds (part of) a captured payment, at the payee.
   *
   * @example
   * ```ts
   * // const outcome = await module.refund({ ...ctx, amount: Money.parse('2.00', 'EUR') });
   * ```
   */
  async refund(ctx: RefundContext<P>): Promise<RefundOutcome> {
    if (this.payment.refunds === 'none') throw new UnsupportedOperationError(`${this.id}.refund`);
    this.checkTransaction(ctx, 'captured', 'refund');
    this.checkAmount(ctx.amount, ctx.record);
    const refundable = ctx.record.captured.subtract(ctx.record.refunded);
    if (ctx.amount.greaterThan(refundable)) throw new RefundExceedsCapturedError(ctx.amount, refundable);
    if (this.payment.refunds === 'full' && !(ctx.record.refunded.isZero() && ctx.amount.equals(ctx.record.captured))) {
      throw new UnsupportedOperationError(`${this.id}.refund of part of a payment (the module refunds in full only)`);
    }
    const outcome = await this.onRefund(ctx);
    if (outcome?.status === 'refunded') {
      this.checkSameAmount(outcome.amount, ctx.amount, 'refund');
      if (outcome.payerToken !== undefined && !(outcome.payerToken instanceof Uint8Array)) {
        throw new PaymentError('ERR_PAYMENTS_INVALID_OUTCOME', `${this.id}.refund: payerToken must be bytes`);
      }
      return outcome;
    }
    return this.checkDeclined(outcome, 'refund');
  }

  /**
   * At the payer: takes in what a payee's refund produced (`RefundOutcome.payerToken`), e.g. fresh
   * coins into the wallet.
   *
   * @example
   * ```ts
   * // const outcome = await module.redeemRefund({ ...ctx, token });
   * ```
   */
  async redeemRefund(ctx: RedeemRefundContext<P>): Promise<RedeemRefundOutcome> {
    if (this.payment.refunds === 'none') throw new UnsupportedOperationError(`${this.id}.redeemRefund`);
    if (ctx.record.role !== 'payer' || ctx.record.moduleId !== this.id) {
      throw new PaymentError(
        'ERR_PAYMENTS_INVALID_STATE',
        `${this.id}.redeemRefund needs a payer record of this module`,
      );
    }
    if (!(ctx.token instanceof Uint8Array) || ctx.token.length === 0 || ctx.token.length > MAX_REFUND_TOKEN) {
      throw new PaymentError('ERR_PAYMENTS_INVALID_ARGUMENT', `a refund token is 1 byte to ${MAX_REFUND_TOKEN} bytes`);
    }
    this.checkPurse(ctx.purse, ctx.record.payer);
    const outcome = await this.onRedeemRefund(ctx);
    if (outcome?.status === 'redeemed') {
      if (
        !Money.isMoney(outcome.amount) ||
        outcome.amount.currency !== ctx.record.amount.currency ||
        !outcome.amount.isPositive()
      ) {
        throw new PaymentError(
          'ERR_PAYMENTS_INVALID_OUTCOME',
          `${this.id}.redeemRefund: a positive amount in the payment's currency`,
        );
      }
      return outcome;
    }
    return this.checkDeclined(outcome, 'redeemRefund');
  }

  /**
   * Reconciles a transaction found pending on the manager's start.
   *
   * @example
   * ```ts
   * // const outcome = await module.recover({ record, purse, clock, signal, evidence });
   * ```
   */
  async recover(ctx: RecoveryContext<P>): Promise<RecoveryOutcome> {
    if (ctx.record.moduleId !== this.id) {
      throw new PaymentError(
        'ERR_PAYMENTS_INVALID_ARGUMENT',
        `record of module '${ctx.record.moduleId}' given to '${this.id}'`,
      );
    }
    const outcome = await this.onRecover(ctx);
    const ok = [
      'captured',
      'authorized',
      'refunded',
      'voided',
      'declined',
      'cancelled',
      'failed',
      'not-done',
      'pending',
    ];
    if (typeof outcome !== 'object' || outcome === null || !ok.includes(outcome.status)) {
      throw new PaymentError('ERR_PAYMENTS_INVALID_OUTCOME', `${this.id}.recover returned no recovery outcome`);
    }
    if ('amount' in outcome && outcome.amount !== undefined) {
      if (
        !Money.isMoney(outcome.amount) ||
        outcome.amount.currency !== ctx.record.amount.currency ||
        outcome.amount.isNegative()
      ) {
        throw new PaymentError(
          'ERR_PAYMENTS_INVALID_OUTCOME',
          `${this.id}.recover: amount must be in the payment's currency`,
        );
      }
    }
    return outcome;
  }

  /** Opens a purse. Default: unsupported. */
  protected onOpenPurse(_owner: string, _config: unknown): Promise<P> {
    return this.unsupported('openPurse');
  }
  /** The payer side of a payment. Default: unsupported. */
  protected onPay(_ctx: PayerContext<P>): Promise<PayOutcome> {
    return this.unsupported('pay');
  }
  /** The payee side of a payment. Default: unsupported. */
  protected onReceive(_ctx: PayeeContext<P>): Promise<ReceiveOutcome> {
    return this.unsupported('receive');
  }
  /** Captures an authorization. Default: unsupported. */
  protected onCapture(_ctx: CaptureContext<P>): Promise<CaptureOutcome> {
    return this.unsupported('capture');
  }
  /** Voids an authorization. Default: unsupported. */
  protected onVoid(_ctx: TransactionContext<P>): Promise<VoidOutcome> {
    return this.unsupported('void');
  }
  /** Refunds. Default: unsupported. */
  protected onRefund(_ctx: RefundContext<P>): Promise<RefundOutcome> {
    return this.unsupported('refund');
  }
  /** Takes in a refund token at the payer. Default: unsupported. */
  protected onRedeemRefund(_ctx: RedeemRefundContext<P>): Promise<RedeemRefundOutcome> {
    return this.unsupported('redeemRefund');
  }
  /** Reconciles a pending transaction. Default: unsupported (the manager then leaves it pending). */
  protected onRecover(_ctx: RecoveryContext<P>): Promise<RecoveryOutcome> {
    return this.unsupported('recover');
  }

  /**
   * Throws `ERR_PAYMENTS_PURSE_MISMATCH` unless `purse` is this module's and `owner`'s.
   *
   * @example
   * ```ts
   * // this.checkPurse(ctx.purse, ctx.payer);
   * ```
   */
  protected checkPurse(purse: Purse | undefined, owner: string): void {
    if (typeof purse !== 'object' || purse === null || purse.moduleId !== this.id) {
      throw new PaymentError('ERR_PAYMENTS_PURSE_MISMATCH', `the purse is not one of module '${this.id}'`);
    }
    if (purse.owner !== owner) {
      throw new PaymentError('ERR_PAYMENTS_PURSE_MISMATCH', `the purse is not party '${owner.slice(0, 64)}''s`);
    }
  }

  private checkPayment(ctx: PaymentContext<P>, owner: string): void {
    if (!Money.isMoney(ctx.amount) || !ctx.amount.isPositive()) {
      throw new PaymentError('ERR_PAYMENTS_INVALID_ARGUMENT', 'a payment amount is positive Money');
    }
    this.checkCapability('currencies', ctx.amount.currency);
    if (ctx.mode === 'authorize') this.checkTwoPhase('authorize');
    else if (ctx.mode !== 'sale')
      throw new PaymentError('ERR_PAYMENTS_INVALID_ARGUMENT', "mode is 'sale' or 'authorize'");
    this.checkPurse(ctx.purse, owner);
  }

  private checkTwoPhase(operation: string): void {
    if (!this.payment.twoPhase) throw new UnsupportedOperationError(`${this.id}.${operation} (not a two-phase module)`);
  }

  private checkTransaction(ctx: TransactionContext<P>, state: PaymentRecord['state'], operation: string): void {
    const r = ctx.record;
    if (r.moduleId !== this.id || r.role !== 'payee') {
      throw new PaymentError(
        'ERR_PAYMENTS_INVALID_STATE',
        `${this.id}.${operation} needs a payee record of this module`,
      );
    }
    if (r.state !== state) {
      throw new PaymentError('ERR_PAYMENTS_INVALID_STATE', `cannot ${operation} a transaction in state '${r.state}'`);
    }
    this.checkPurse(ctx.purse, r.payee);
  }

  private checkAmount(amount: Money, record: PaymentRecord): void {
    if (!Money.isMoney(amount) || !amount.isPositive()) {
      throw new PaymentError('ERR_PAYMENTS_INVALID_ARGUMENT', 'an amount is positive Money');
    }
    if (amount.currency !== record.amount.currency) {
      throw new PaymentError(
        'ERR_PAYMENTS_INVALID_ARGUMENT',
        `the payment is in ${record.amount.currency}, not ${amount.currency}`,
      );
    }
  }

  private checkSameAmount(actual: unknown, expected: Money, operation: string): void {
    if (!Money.isMoney(actual) || !actual.equals(expected)) {
      throw new PaymentError(
        'ERR_PAYMENTS_INVALID_OUTCOME',
        `${this.id}.${operation} returned an amount other than the one asked`,
      );
    }
  }

  private checkDeclined<T>(outcome: T, operation: string): T {
    const o = outcome as { status?: unknown; reason?: unknown } | undefined;
    if (typeof o !== 'object' || o === null || o.status !== 'declined' || typeof o.reason !== 'string') {
      throw new PaymentError('ERR_PAYMENTS_INVALID_OUTCOME', `${this.id}.${operation} returned an unknown outcome`);
    }
    return outcome;
  }

  private checkPaymentOutcome(ctx: PaymentContext<P>, outcome: PaymentOutcome, operation: string): PaymentOutcome {
    const o = outcome as { status?: unknown } | undefined;
    if (typeof o !== 'object' || o === null) {
      throw new PaymentError('ERR_PAYMENTS_INVALID_OUTCOME', `${this.id}.${operation} returned no outcome`);
    }
    switch (outcome.status) {
      case 'captured':
        if (ctx.mode !== 'sale') {
          throw new PaymentError(
            'ERR_PAYMENTS_INVALID_OUTCOME',
            `${this.id}.${operation}: 'captured' answers a sale, not an authorization`,
          );
        }
        this.checkSameAmount(outcome.amount, ctx.amount, operation);
        return outcome;
      case 'authorized':
        if (ctx.mode !== 'authorize') {
          throw new PaymentError(
            'ERR_PAYMENTS_INVALID_OUTCOME',
            `${this.id}.${operation}: 'authorized' answers an authorization, not a sale`,
          );
        }
        this.checkSameAmount(outcome.amount, ctx.amount, operation);
        return outcome;
      case 'declined':
      case 'cancelled':
        if (typeof outcome.reason !== 'string') {
          throw new PaymentError(
            'ERR_PAYMENTS_INVALID_OUTCOME',
            `${this.id}.${operation}: a ${outcome.status} outcome needs a reason`,
          );
        }
        return outcome;
      default:
        throw new PaymentError('ERR_PAYMENTS_INVALID_OUTCOME', `${this.id}.${operation} returned an unknown status`);
    }
  }
}
