import type { Channel } from '@semper/comms';
import { type Clock, Money, SystemClock } from '@semper/core';
import type { Identity } from '@semper/crypto';
import {
  AbstractPaymentModule,
  type CaptureContext,
  type CaptureOutcome,
  type DeclineReason,
  type PayeeContext,
  type PayerContext,
  type PaymentHookContext,
  type PaymentModuleDescriptor,
  type PaymentRole,
  type PayOutcome,
  type Purse,
  type ReceiveOutcome,
  type RecoveryContext,
  type RecoveryOutcome,
  type RefundContext,
  type RefundOutcome,
  type TransactionContext,
  type VoidOutcome,
} from '@semper/payments/spi';
import { type CardDetails, Cardholder } from './cardholder.js';
import { CardError } from './errors.js';
import { DEFAULT_AUTHORIZATION_TTL_MS } from './gateway.server.js';
import type { CardEvidenceSink, CardMerchant } from './merchant.js';
import type { DeclineReason as CardDeclineReason, GatewayResult } from './messages.js';
import { MAX_MESSAGE_BYTES } from './messages.js';
import type { CardTrust } from './signed.js';

/** The module id. @example `manager.pay({ modules: [CARD_MODULE_ID] })` */
export const CARD_MODULE_ID = 'semper.card';

/**
 * The steps of the card protocol over the `PaymentPeer`, in order, and the module's own named steps that
 * `beforeStep` sees: `authorize`, and `capture`, `void`, `refund` (before the merchant's call to the
 * gateway) and `capture-done`, `void-done`, `refund-done` (after it).
 *
 * @example
 * ```ts
 * import { CARD_STEPS } from '@semper/payment-card';
 * console.log(CARD_STEPS.init); // 'init'
 * ```
 */
export const CARD_STEPS = {
  /** payee → payer: the merchant's signed init (transaction, amount, nonce, gateway certificates). */
  init: 'init',
  /** payer → payee: the purchase request (OI, PIMD, dual signature, PI encrypted to the gateway). */
  purchaseRequest: 'purchase-request',
  /** payee: the authorization request to the gateway. */
  authorize: 'authorize',
  /** payee → payer: the merchant's signed answer. */
  purchaseResponse: 'purchase-response',
} as const;

/**
 * A purse of the card module: the payer's card (with its cardholder identity) or the payee's merchant
 * account at the acquirer.
 *
 * @example
 * ```ts
 * const purse: CardPurse = await module.openPurse('alice', { identity, card });
 * ```
 */
export interface CardPurse extends Purse {
  readonly kind: 'card' | 'merchant';
}

/**
 * What `openPurse` takes: for a payer, the cardholder's identity and card (and optionally how to read the
 * card's available amount); for a payee, nothing (the module's merchant) or a balance function.
 *
 * @example
 * ```ts
 * const config: CardPurseConfig = { identity: alice, card: { pan, expiry, cvv } };
 * ```
 */
export interface CardPurseConfig {
  readonly identity?: Identity;
  readonly card?: CardDetails;
  readonly label?: string;
  readonly balance?: () => Promise<Money>;
}

/**
 * Options of the {@link CardPaymentModule}.
 *
 * @example
 * ```ts
 * const o: CardPaymentModuleOptions = { trust: { merchants: brand, gateways: brand }, merchant, currencies: ['EUR'] };
 * ```
 */
export interface CardPaymentModuleOptions {
  /** Trust of the payer side: merchants (their init and answers) and gateways (their certificates). */
  readonly trust: { readonly merchants: CardTrust; readonly gateways: CardTrust };
  /** The payee side: the merchant (absent on a payer-only installation). */
  readonly merchant?: CardMerchant;
  /** The payer's way to the gateway, for inquiries after a crash (absent: such payments stay pending). */
  readonly gateway?: { readonly channel: Channel; readonly address: string };
  /** Default ['EUR']. */
  readonly currencies?: readonly string[];
  /** Must be the gateway's; default {@link DEFAULT_AUTHORIZATION_TTL_MS}. */
  readonly authorizationTtlMs?: number;
  readonly clock?: Clock;
  /** Called before each named step (see {@link CARD_STEPS}) — for traces, and for tests that inject faults. */
  readonly beforeStep?: (role: PaymentRole, step: string) => void | Promise<void>;
}

const REASONS: Record<CardDeclineReason, DeclineReason> = {
  'card-unknown': 'instrument-invalid',
  'card-expired': 'instrument-expired',
  'card-blocked': 'instrument-invalid',
  'cvv-mismatch': 'instrument-invalid',
  'cardholder-mismatch': 'instrument-invalid',
  'currency-not-supported': 'refused',
  'limit-exceeded': 'limit-exceeded',
  'insufficient-funds': 'insufficient-funds',
  'authorization-expired': 'authorization-expired',
};

function declined(reason: CardDeclineReason): { status: 'declined'; reason: DeclineReason; message: string } {
  return { status: 'declined', reason: REASONS[reason], message: `card: ${reason}` };
}

/** An operation id for the gateway from the manager's idempotency key (stable, and unique per transaction). */
async function operationId(transactionId: string, kind: string, idempotencyKey: string): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest('SHA-256', new TextEncoder().encode(idempotencyKey));
  return `${transactionId}.${kind}.${Buffer.from(digest).toString('hex').slice(0, 24)}`.slice(0, 128);
}

/**
 * The merchant's messages with the gateway as evidence: `local` (they are not with the payer, whom `in`
 * and `out` mean), the direction in the step name (`gateway.sent.card.gw.authorize`, …).
 */
function evidenceOf(ctx: Pick<PaymentHookContext, 'evidence'>): CardEvidenceSink {
  return (r) => ctx.evidence(`gateway.${r.direction}.${r.step}`, 'local', r.content);
}

/**
 * Card payments as a semper payment module: cheque-like, two-phase (authorize → capture or void, with
 * expiry), partial refunds, in the line of SET and iKP.
 *
 * Over the managers' `PaymentPeer`:
 * 1. payee → payer `init`: the merchant's signed init (transaction = the manager's, amount, nonce, the
 *    gateway's certificate chain); the payer checks the signer, the gateway's chain and that the amount is
 *    the one the user confirmed;
 * 2. payer → payee `purchase-request`: order information in clear, PIMD, the dual signature, and the payment
 *    information (card data) encrypted to the gateway — the merchant cannot read it;
 * 3. the payee checks the dual signature over the OI and forwards the encrypted PI to the gateway, which
 *    authorises at the issuer (and captures at once for a sale);
 * 4. payee → payer `purchase-response`: the merchant's signed answer, authorized/captured or declined.
 *
 * Capture, void and refund go from the merchant to the gateway (a capture of less than the authorization
 * releases the rest). Recovery asks the gateway: the payee as the merchant, the payer as the cardholder
 * (an inquiry signed with its certificate).
 *
 * @example
 * ```ts
 * import { CardPaymentModule } from '@semper/payment-card';
 * const payee = new CardPaymentModule({ trust: { merchants: brand, gateways: brand }, merchant });
 * const payer = new CardPaymentModule({ trust: { merchants: brand, gateways: brand } });
 * const card = await payer.openPurse('alice', { identity: alice, card: { pan, expiry, cvv } });
 * ```
 */
export class CardPaymentModule extends AbstractPaymentModule<CardPurse> {
  readonly #o: CardPaymentModuleOptions;
  readonly #holders = new Map<string, Cardholder>();
  readonly #clock: Clock;

  constructor(o: CardPaymentModuleOptions) {
    const descriptor: PaymentModuleDescriptor = {
      id: CARD_MODULE_ID,
      version: '0.1.0',
      block: 'payments',
      jurisdictions: ['*'],
      capabilities: {
        payment: {
          model: 'cheque-like',
          currencies: [...(o?.currencies ?? ['EUR'])],
          twoPhase: true,
          authorizationTtlMs: o?.authorizationTtlMs ?? DEFAULT_AUTHORIZATION_TTL_MS,
          refunds: 'partial',
        },
        protocol: 'SET-like dual signature',
      },
    };
    super(descriptor);
    if (o?.trust?.merchants === undefined || o.trust.gateways === undefined) {
      throw new CardError('ERR_CARD_INVALID_ARGUMENT', 'CardPaymentModule needs trust for merchants and gateways');
    }
    this.#o = o;
    this.#clock = o.clock ?? new SystemClock();
  }

  async #step(role: PaymentRole, step: string): Promise<void> {
    await this.#o.beforeStep?.(role, step);
  }

  #merchant(): CardMerchant {
    if (this.#o.merchant === undefined) {
      throw new CardError('ERR_CARD_INVALID_ARGUMENT', 'this card module has no merchant (it is payer-only)');
    }
    return this.#o.merchant;
  }

  protected override async onOpenPurse(owner: string, config: unknown): Promise<CardPurse> {
    const c = (config ?? {}) as CardPurseConfig;
    const balance = c.balance;
    if (c.card !== undefined || c.identity !== undefined) {
      if (c.card === undefined || c.identity === undefined) {
        throw new CardError('ERR_CARD_INVALID_ARGUMENT', 'a card purse needs both identity and card');
      }
      this.#holders.set(
        owner,
        new Cardholder({ identity: c.identity, card: c.card, trust: this.#o.trust, clock: this.#clock }),
      );
      return {
        moduleId: this.id,
        owner,
        kind: 'card',
        label: c.label ?? `card ending ${c.card.pan.slice(-4)}`,
        ...(balance ? { balance } : {}),
      };
    }
    this.#merchant();
    return {
      moduleId: this.id,
      owner,
      kind: 'merchant',
      label: c.label ?? 'merchant account',
      ...(balance ? { balance } : {}),
    };
  }

  #holder(owner: string): Cardholder {
    const holder = this.#holders.get(owner);
    if (holder === undefined)
      throw new CardError('ERR_CARD_INVALID_ARGUMENT', `no card purse open for ${owner.slice(0, 64)}`);
    return holder;
  }

  protected override async onPay(ctx: PayerContext<CardPurse>): Promise<PayOutcome> {
    const holder = this.#holder(ctx.payer);
    await this.#step('payer', CARD_STEPS.init);
    const init = await ctx.peer.receive(CARD_STEPS.init, { maxBytes: MAX_MESSAGE_BYTES });
    const { request, pending } = await holder.createPurchaseRequest(init, { amount: ctx.amount });
    if (pending.transactionId !== ctx.transactionId) {
      throw new CardError('ERR_CARD_MISMATCH', 'the merchant started another transaction than this payment');
    }
    await this.#step('payer', CARD_STEPS.purchaseRequest);
    // From here the gateway may authorise: recovery must ask it.
    await ctx.checkpoint(CARD_STEPS.purchaseRequest, { merchantId: pending.merchantId });
    await ctx.peer.send(CARD_STEPS.purchaseRequest, request);
    await this.#step('payer', CARD_STEPS.purchaseResponse);
    const answer = await holder.readPurchaseResponse(
      await ctx.peer.receive(CARD_STEPS.purchaseResponse, { maxBytes: MAX_MESSAGE_BYTES }),
      pending,
    );
    if (answer.status === 'declined')
      return { ...declined(answer.reason), moduleData: { merchantId: pending.merchantId } };
    const moduleData = {
      merchantId: pending.merchantId,
      authorizationId: answer.authorizationId,
      authCode: answer.authCode,
    };
    const expected = ctx.mode === 'sale' ? 'captured' : 'authorized';
    if (answer.status !== expected)
      throw new CardError('ERR_CARD_PROTOCOL', `the merchant answered a ${ctx.mode} with ${answer.status}`);
    return answer.status === 'captured'
      ? { status: 'captured', amount: ctx.amount, moduleData }
      : { status: 'authorized', amount: ctx.amount, moduleData };
  }

  protected override async onReceive(ctx: PayeeContext<CardPurse>): Promise<ReceiveOutcome> {
    const merchant = this.#merchant();
    const evidence = evidenceOf(ctx);
    await this.#step('payee', CARD_STEPS.init);
    const init = await merchant.createInit({
      transactionId: ctx.transactionId,
      amount: ctx.amount,
      description: ctx.reference ?? '',
      evidence: async () => undefined, // the peer archives it
    });
    await ctx.peer.send(CARD_STEPS.init, init);
    await this.#step('payee', CARD_STEPS.purchaseRequest);
    const preq = await ctx.peer.receive(CARD_STEPS.purchaseRequest, { maxBytes: MAX_MESSAGE_BYTES });
    await this.#step('payee', CARD_STEPS.authorize);
    await ctx.checkpoint(CARD_STEPS.authorize);
    const outcome = await merchant.handlePurchaseRequest(preq, {
      capture: ctx.mode === 'sale',
      operationId: await operationId(ctx.transactionId, 'authorize', ctx.idempotencyKey),
      evidence: async (r) => (r.peer === 'gateway' ? evidence(r) : undefined),
    });
    await this.#step('payee', CARD_STEPS.purchaseResponse);
    await ctx.peer.send(CARD_STEPS.purchaseResponse, outcome.response);
    if (outcome.status === 'declined') return declined(outcome.reason);
    const moduleData = { authorizationId: outcome.authorizationId, authCode: outcome.authCode };
    return outcome.status === 'captured'
      ? { status: 'captured', amount: outcome.amount, moduleData }
      : { status: 'authorized', amount: outcome.amount, expiresAt: outcome.expiresAt, moduleData };
  }

  protected override async onCapture(ctx: CaptureContext<CardPurse>): Promise<CaptureOutcome> {
    await this.#step('payee', 'capture');
    const r = await this.#merchant().capture(ctx.record.id, ctx.amount, {
      operationId: await operationId(ctx.record.id, 'capture', ctx.idempotencyKey),
      final: true,
      evidence: evidenceOf(ctx),
    });
    await this.#step('payee', 'capture-done');
    if (r.status === 'declined') return declined(r.reason);
    return { status: 'captured', amount: ctx.amount };
  }

  protected override async onVoid(ctx: TransactionContext<CardPurse>): Promise<VoidOutcome> {
    await this.#step('payee', 'void');
    const r = await this.#merchant().void(ctx.record.id, {
      operationId: await operationId(ctx.record.id, 'void', ctx.idempotencyKey),
      evidence: evidenceOf(ctx),
    });
    await this.#step('payee', 'void-done');
    if (r.status === 'declined') return declined(r.reason);
    return { status: 'voided' };
  }

  protected override async onRefund(ctx: RefundContext<CardPurse>): Promise<RefundOutcome> {
    await this.#step('payee', 'refund');
    const r = await this.#merchant().refund(ctx.record.id, ctx.amount, {
      operationId: await operationId(ctx.record.id, 'refund', ctx.idempotencyKey),
      evidence: evidenceOf(ctx),
    });
    await this.#step('payee', 'refund-done');
    if (r.status === 'declined') return declined(r.reason);
    return { status: 'refunded', amount: ctx.amount };
  }

  protected override async onRecover(ctx: RecoveryContext<CardPurse>): Promise<RecoveryOutcome> {
    const { record } = ctx;
    const operation = record.pending?.operation;
    if (record.role === 'payer') {
      if (record.lastStep !== CARD_STEPS.purchaseRequest) {
        return { status: 'failed', reason: 'the purchase request was never sent' };
      }
      const merchantId = (record.moduleData as { merchantId?: unknown } | undefined)?.merchantId;
      const holder = this.#holders.get(record.payer);
      if (this.#o.gateway === undefined || holder === undefined || typeof merchantId !== 'string') {
        return { status: 'pending', reason: 'no way to ask the gateway' };
      }
      return this.#recovered(await holder.inquire(this.#o.gateway, merchantId, record.id), record.mode, 'receive');
    }
    const result = await this.#merchant().queryGateway(record.id, { evidence: evidenceOf(ctx) });
    if (operation === 'receive' || operation === undefined) return this.#recovered(result, record.mode, 'receive');
    const money = (j: { amount: string; currency: string }) => Money.fromJSON(j);
    if (result.status === 'not-found' || result.status === 'rejected')
      return { status: 'not-done', reason: result.status };
    if (operation === 'capture') {
      if (result.status === 'declined' && result.reason === 'authorization-expired')
        return { status: 'declined', reason: 'authorization-expired' };
      if (result.status !== 'captured' && result.status !== 'refunded') return { status: 'not-done' };
      const more = money(result.captured).subtract(record.captured);
      return more.isPositive() ? { status: 'captured', amount: more } : { status: 'not-done' };
    }
    if (operation === 'void') return result.status === 'voided' ? { status: 'voided' } : { status: 'not-done' };
    if (operation === 'refund') {
      if (result.status !== 'refunded') return { status: 'not-done' };
      const more = money(result.refunded).subtract(record.refunded);
      return more.isPositive() ? { status: 'refunded', amount: more } : { status: 'not-done' };
    }
    return { status: 'pending', reason: `unknown operation ${String(operation)}` };
  }

  #recovered(result: GatewayResult, mode: 'sale' | 'authorize', _op: string): RecoveryOutcome {
    switch (result.status) {
      case 'not-found':
        return { status: 'failed', reason: 'the gateway has no authorization' };
      case 'declined':
        return { status: 'declined', reason: REASONS[result.reason] };
      case 'authorized':
        return {
          status: 'authorized',
          amount: Money.fromJSON(result.authorized),
          moduleData: { authorizationId: result.authorizationId },
        };
      case 'captured':
      case 'refunded':
        return mode === 'sale'
          ? {
              status: 'captured',
              amount: Money.fromJSON(result.captured),
              moduleData: { authorizationId: result.authorizationId },
            }
          : {
              status: 'authorized',
              amount: Money.fromJSON(result.authorized),
              moduleData: { authorizationId: result.authorizationId },
            };
      case 'voided':
        return { status: 'voided' };
      case 'rejected':
        return { status: 'pending', reason: result.code };
    }
  }
}
