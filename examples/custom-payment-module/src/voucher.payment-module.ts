import type { Money } from '@semper/core';
import {
  AbstractPaymentModule,
  type PayeeContext,
  type PayerContext,
  type PayOutcome,
  PaymentProtocolError,
  type Purse,
  type ReceiveOutcome,
  type RecoveryContext,
  type RecoveryOutcome,
  type RefundContext,
  type RefundOutcome,
} from '@semper/payments/spi';
import { z } from 'zod';
import { VoucherError, type VoucherIssuer } from './voucher.issuer.js';

/** A party's voucher: the code stays inside (never in records, evidence or messages). */
export interface VoucherPurse extends Purse {
  /** @internal the secret code, for the module only */
  readonly code?: string;
  balance?(): Promise<Money>;
}

const tokenMessage = z.discriminatedUnion('status', [
  z.strictObject({ v: z.literal(1), status: z.literal('reserved'), token: z.string().regex(/^[A-Za-z0-9_-]{16,64}$/) }),
  z.strictObject({ v: z.literal(1), status: z.literal('declined'), reason: z.string().max(100) }),
]);
const receiptMessage = z.strictObject({
  v: z.literal(1),
  status: z.enum(['redeemed', 'declined']),
  reason: z.string().max(100).optional(),
});
const purseConfig = z.strictObject({ code: z.string().regex(/^V-[0-9a-f]{32}$/) }).optional();

function encode(value: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(value));
}

function decode<T>(schema: z.ZodType<T>, bytes: Uint8Array, step: string): T {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (err) {
    throw new PaymentProtocolError(step, 'not UTF-8 JSON', { cause: err });
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new PaymentProtocolError(step, 'not a valid message');
  return parsed.data;
}

/**
 * A prepaid-voucher payment module (`example.voucher`), written from docs/guides/payment-modules.md:
 * cash-like, one currency, full refunds. The payer asks the issuer to reserve the amount of its voucher
 * for this payee and transaction and sends the payee the one-time token (never the code); the payee
 * redeems the token at the issuer and sends a receipt; the payer believes the issuer, not the receipt.
 * Recovery asks the issuer to settle the transaction: redeemed → captured, anything else is released
 * (nothing moved).
 */
export class VoucherPaymentModule extends AbstractPaymentModule<VoucherPurse> {
  readonly #issuer: VoucherIssuer;

  constructor(issuer: VoucherIssuer, currency = 'EUR') {
    super({
      id: 'example.voucher',
      version: '1.0.0',
      block: 'payments',
      jurisdictions: ['*'],
      capabilities: { payment: { model: 'cash-like', currencies: [currency], twoPhase: false, refunds: 'full' } },
    });
    this.#issuer = issuer;
  }

  protected override async onOpenPurse(owner: string, config: unknown): Promise<VoucherPurse> {
    const parsed = purseConfig.safeParse(config);
    if (!parsed.success)
      throw new VoucherError('ERR_VOUCHER_INVALID_ARGUMENT', 'a voucher purse takes { code } or nothing');
    const code = parsed.data?.code;
    if (code === undefined) return { moduleId: this.id, owner, label: 'voucher acceptance' }; // a payee
    if ((await this.#issuer.balance(code)) === undefined)
      throw new VoucherError('ERR_VOUCHER_UNKNOWN', 'no such voucher');
    const issuer = this.#issuer;
    return Object.freeze({
      moduleId: this.id,
      owner,
      label: `voucher …${code.slice(-4)}`,
      code,
      balance: async () => (await issuer.balance(code)) as Money,
    });
  }

  protected override async onPay(ctx: PayerContext<VoucherPurse>): Promise<PayOutcome> {
    const code = ctx.purse.code;
    if (code === undefined) throw new VoucherError('ERR_VOUCHER_INVALID_ARGUMENT', 'this purse holds no voucher');
    await ctx.checkpoint('reserve');
    this.#issuer.check('payer', 'before-reserve');
    const reserved = await this.#issuer.reserve({
      code,
      transaction: ctx.transactionId,
      payee: ctx.payee,
      amount: ctx.amount,
    });
    this.#issuer.check('payer', 'after-reserve');
    if (reserved.status === 'declined') {
      await ctx.peer.send('token', encode({ v: 1, status: 'declined', reason: reserved.reason }));
      return { status: 'declined', reason: reserved.reason };
    }
    await ctx.peer.send('token', encode({ v: 1, status: 'reserved', token: reserved.token }));
    decode(receiptMessage, await ctx.peer.receive('receipt', { maxBytes: 512 }), 'receipt');
    // The issuer decides, not the payee's receipt: a reservation not redeemed is released now.
    const state = await this.#issuer.settle(ctx.transactionId);
    return state === 'redeemed'
      ? { status: 'captured', amount: ctx.amount }
      : { status: 'declined', reason: 'refused' };
  }

  protected override async onReceive(ctx: PayeeContext<VoucherPurse>): Promise<ReceiveOutcome> {
    const message = decode(tokenMessage, await ctx.peer.receive('token', { maxBytes: 512 }), 'token');
    if (message.status === 'declined') return { status: 'declined', reason: message.reason };
    this.#issuer.check('payee', 'before-redeem');
    const redeemed = await this.#issuer.redeem({
      transaction: ctx.transactionId,
      payee: ctx.payee,
      token: message.token,
      amount: ctx.amount,
    });
    this.#issuer.check('payee', 'after-redeem');
    await ctx.peer.send(
      'receipt',
      encode({ v: 1, status: redeemed.status, ...(redeemed.status === 'declined' ? { reason: redeemed.reason } : {}) }),
    );
    return redeemed.status === 'redeemed'
      ? { status: 'captured', amount: ctx.amount }
      : { status: 'declined', reason: redeemed.reason };
  }

  protected override async onRefund(ctx: RefundContext<VoucherPurse>): Promise<RefundOutcome> {
    const r = await this.#issuer.refund(ctx.transactionId);
    return r.status === 'refunded'
      ? { status: 'refunded', amount: ctx.amount }
      : { status: 'declined', reason: r.reason };
  }

  protected override async onRecover(ctx: RecoveryContext<VoucherPurse>): Promise<RecoveryOutcome> {
    const pending = ctx.record.pending;
    if (pending?.operation === 'refund') {
      return (await this.#issuer.state(ctx.record.id)) === 'refunded'
        ? { status: 'refunded', amount: pending.amount ?? ctx.record.captured }
        : { status: 'not-done' };
    }
    const state = await this.#issuer.settle(ctx.record.id);
    return state === 'redeemed' || state === 'refunded'
      ? { status: 'captured', amount: ctx.record.amount }
      : { status: 'failed', reason: `the issuer says ${state}` };
  }
}
