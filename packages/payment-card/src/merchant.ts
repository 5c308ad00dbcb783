import type { Channel } from '@semper/comms';
import { type Clock, type EventBus, type EventInput, Money, newId, SystemClock } from '@semper/core';
import type { Certificate, Identity } from '@semper/crypto';
import { migrate, type Queryable, type Store } from '@semper/store';
import { checkCardRole } from './card-pki.js';
import { CardError } from './errors.js';
import type { CardEvent, CardLogger } from './events.js';
import { CARD_CONTENT_TYPE, isCardErrorCode } from './gateway.server.js';
import {
  checkId,
  type DeclineReason,
  decodeJson,
  fromB64,
  type GatewayRequest,
  type GatewayResult,
  gatewayResponseSchema,
  MAX_INFO_BYTES,
  moneyFromJson,
  moneyToJson,
  orderInformationSchema,
  purchaseRequestSchema,
  sameMoney,
  sha256,
  toB64,
} from './messages.js';
import { CARD_MERCHANT_MIGRATIONS } from './migrations.js';
import { type CardTrust, openSignedJson, signJson, verifyDualSignature } from './signed.js';

/**
 * Options of {@link CardMerchant.open}.
 *
 * @example
 * ```ts
 * const o: CardMerchantOptions = { identity: shop, merchantId: 'shop-1', store, channel, gateway: { address: 'mem:gateway', chain: gateway.chain }, trust: { cardholders: brand, gateway: brand } };
 * ```
 */
export interface CardMerchantOptions {
  /** The merchant's identity (a `merchant` certificate): it signs init messages, answers and gateway requests. */
  readonly identity: Identity;
  /** The id the acquirer knows the merchant by. */
  readonly merchantId: string;
  /** The merchant's own store. */
  readonly store: Store;
  /** The channel the gateway is reached over. */
  readonly channel: Channel;
  /** The gateway's address and certificate chain (leaf first): payment information is encrypted to the leaf. */
  readonly gateway: { readonly address: string; readonly chain: readonly Certificate[] };
  readonly trust: { readonly cardholders: CardTrust; readonly gateway: CardTrust };
  readonly clock?: Clock;
  readonly logger?: CardLogger;
  readonly events?: EventBus<CardEvent>;
  /** Deadline of a gateway request; default 30 s. */
  readonly requestTimeoutMs?: number;
  /**
   * Called with every message the merchant sends or receives (init, purchase request and answer,
   * gateway requests and responses), to keep as evidence — e.g. `@semper/archive`'s `append`, or the
   * payment manager's `ctx.evidence`. A failure here fails the operation.
   */
  readonly evidence?: CardEvidenceSink;
}

/**
 * Where the merchant hands the messages it keeps as evidence.
 *
 * @example
 * ```ts
 * const evidence: CardEvidenceSink = (r) => archive.append({ dealId: r.transactionId, step: r.step, direction: r.direction, content: r.content });
 * ```
 */
export type CardEvidenceSink = (record: {
  readonly transactionId: string;
  readonly step: string;
  readonly direction: 'sent' | 'received';
  readonly peer: 'cardholder' | 'gateway';
  readonly content: Uint8Array;
}) => Promise<unknown>;

/**
 * The outcome of a purchase at the merchant: authorized (or captured, for a sale) or declined, with the
 * signed answer to give the cardholder.
 *
 * @example
 * ```ts
 * const outcome: PurchaseOutcome = await merchant.handlePurchaseRequest(preq);
 * if (outcome.status === 'declined') console.log(outcome.reason);
 * ```
 */
export type PurchaseOutcome =
  | {
      readonly status: 'authorized' | 'captured';
      readonly transactionId: string;
      readonly authorizationId: string;
      readonly authCode: string;
      readonly amount: Money;
      readonly expiresAt: Date;
      readonly cardholder: string;
      readonly response: Uint8Array;
    }
  | {
      readonly status: 'declined';
      readonly transactionId: string;
      readonly reason: DeclineReason;
      readonly response: Uint8Array;
    };

/**
 * The outcome of a capture, void or refund: done (with the authorization's amounts now) or declined (an
 * authorization that expired).
 *
 * @example
 * ```ts
 * const r: SettlementOutcome = await merchant.capture('tx_1', Money.parse('10.00', 'EUR'));
 * if (r.status === 'captured') console.log(r.captured.toString());
 * ```
 */
export type SettlementOutcome =
  | {
      readonly status: 'captured' | 'voided' | 'refunded';
      readonly transactionId: string;
      readonly authorizationId: string;
      readonly authorized: Money;
      readonly captured: Money;
      readonly refunded: Money;
    }
  | { readonly status: 'declined'; readonly transactionId: string; readonly reason: DeclineReason };

/**
 * Options of a capture, void or refund: the operation id (the idempotency key at the gateway; default a
 * fresh one) and where this call's evidence goes (default the merchant's `evidence` option).
 *
 * @example
 * ```ts
 * const o: SettlementOptions = { operationId: 'tx_1.capture' };
 * ```
 */
export interface SettlementOptions {
  readonly operationId?: string;
  readonly evidence?: CardEvidenceSink;
}

interface PaymentRow {
  transaction_id: string;
  currency: string;
  amount: bigint;
  description: string;
  nonce: Uint8Array;
  status: string;
  authorization_id: string | null;
  captured: bigint;
  refunded: bigint;
}

/**
 * The merchant's side of the card protocol. It starts a purchase with a signed init message (transaction,
 * amount, nonce, the gateway's certificates); checks the cardholder's purchase request — the order
 * information against what was offered, and the dual signature over it and the PI digest — without ever
 * being able to read the payment information; forwards the encrypted PI with the OI digest to the gateway
 * in a signed request; and captures, voids and refunds through the gateway. It keeps its records (the OI,
 * the digests, the dual signature, the encrypted PI, the gateway's signed answers) in its own store.
 *
 * @example
 * ```ts
 * import { CardMerchant } from '@semper/payment-card';
 * const merchant = await CardMerchant.open({ identity: shop, merchantId: 'shop-1', store, channel, gateway: { address: 'mem:gateway', chain: gateway.chain }, trust: { cardholders: brand, gateway: brand } });
 * const init = await merchant.createInit({ transactionId: 'tx_1', amount: Money.parse('12.50', 'EUR'), description: '2 books' });
 * const outcome = await merchant.handlePurchaseRequest(await cardholder.createPurchaseRequest(init).then((p) => p.request));
 * ```
 */
export class CardMerchant {
  readonly merchantId: string;
  readonly #o: CardMerchantOptions;
  readonly #store: Store;
  readonly #clock: Clock;
  readonly #log: CardLogger;
  readonly #gatewayCert: Certificate;

  private constructor(o: CardMerchantOptions) {
    this.#o = o;
    this.merchantId = o.merchantId;
    this.#store = o.store;
    this.#clock = o.clock ?? new SystemClock();
    this.#log = o.logger ?? (() => undefined);
    this.#gatewayCert = o.gateway.chain[0] as Certificate;
  }

  /**
   * Migrates the merchant's tables and returns the merchant.
   *
   * @example
   * ```ts
   * const merchant = await CardMerchant.open(options);
   * ```
   */
  static async open(o: CardMerchantOptions): Promise<CardMerchant> {
    if (o?.identity?.certificate === undefined || o.store === undefined || o.channel === undefined) {
      throw new CardError('ERR_CARD_INVALID_ARGUMENT', 'CardMerchant.open needs identity, store and channel');
    }
    checkId(o.merchantId, 'merchantId');
    checkCardRole(o.identity.certificate, 'merchant');
    if (!Array.isArray(o.gateway?.chain) || o.gateway.chain.length === 0 || typeof o.gateway.address !== 'string') {
      throw new CardError('ERR_CARD_INVALID_ARGUMENT', 'gateway needs an address and a certificate chain');
    }
    checkCardRole(o.gateway.chain[0] as Certificate, 'gateway');
    await migrate(o.store, CARD_MERCHANT_MIGRATIONS);
    return new CardMerchant(o);
  }

  async #evidence(
    sink: CardEvidenceSink | undefined,
    transactionId: string,
    step: string,
    direction: 'sent' | 'received',
    peer: 'cardholder' | 'gateway',
    content: Uint8Array,
  ): Promise<void> {
    await (sink ?? this.#o.evidence)?.({ transactionId, step, direction, peer, content });
  }

  #emit(event: EventInput<CardEvent>): void {
    this.#o.events?.emit(event);
  }

  /**
   * Starts a purchase: records it and returns the signed init message for the cardholder.
   *
   * @example
   * ```ts
   * const init = await merchant.createInit({ transactionId: 'tx_1', amount: Money.parse('12.50', 'EUR'), description: '2 books' });
   * ```
   */
  async createInit(o: {
    readonly evidence?: CardEvidenceSink;
    readonly transactionId: string;
    readonly amount: Money;
    readonly description?: string;
  }): Promise<Uint8Array> {
    checkId(o.transactionId, 'transactionId');
    if (!Money.isMoney(o.amount) || !o.amount.isPositive()) {
      throw new CardError('ERR_CARD_INVALID_ARGUMENT', 'amount must be a positive Money');
    }
    const description = o.description ?? '';
    if (description.length > 1000)
      throw new CardError('ERR_CARD_INVALID_ARGUMENT', 'description: at most 1000 characters');
    const nonce = globalThis.crypto.getRandomValues(new Uint8Array(32));
    const now = this.#clock.now();
    const body = {
      v: 1,
      kind: 'card.init',
      transactionId: o.transactionId,
      merchantId: this.merchantId,
      amount: moneyToJson(o.amount),
      description,
      nonce: toB64(nonce),
      gatewayChain: this.#o.gateway.chain.map((c) => toB64(c.der)),
      at: now.toISOString(),
    };
    const { signed } = await signJson(body, this.#o.identity);
    const inserted = await this.#store.query(
      `INSERT INTO card_merchant_payments (transaction_id, merchant_id, currency, amount, description, nonce, status, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, 'initiated', $7, $7) ON CONFLICT (transaction_id) DO NOTHING RETURNING transaction_id`,
      [o.transactionId, this.merchantId, o.amount.currency, o.amount.amount, description, nonce, now],
    );
    if (inserted.length === 0)
      throw new CardError('ERR_CARD_INVALID_ARGUMENT', `transaction ${o.transactionId} exists already`);
    this.#log({
      level: 'info',
      message: 'purchase initiated',
      fields: { transactionId: o.transactionId, amount: o.amount.toString() },
    });
    this.#emit({ type: 'card.initiated', transactionId: o.transactionId, amount: o.amount.toString() });
    await this.#evidence(o.evidence, o.transactionId, 'card.init', 'sent', 'cardholder', signed);
    return signed;
  }

  /**
   * Checks a purchase request and has the gateway authorise it (and capture it at once with
   * `capture: true`). `operationId` is the idempotency key at the gateway (default: derived from the
   * transaction, so a repeat of the same request gets the first answer).
   *
   * @throws {@link CardError} `ERR_CARD_MALFORMED`, `ERR_CARD_BAD_DUAL_SIGNATURE`, `ERR_CARD_MISMATCH` (the OI
   * is not what was offered), `ERR_CARD_INVALID_STATE` (not an initiated purchase), or what the gateway
   * rejected.
   *
   * @example
   * ```ts
   * const outcome = await merchant.handlePurchaseRequest(preqBytes, { capture: false });
   * ```
   */
  async handlePurchaseRequest(
    raw: Uint8Array,
    o: { readonly capture?: boolean; readonly operationId?: string; readonly evidence?: CardEvidenceSink } = {},
  ): Promise<PurchaseOutcome> {
    const bytes = new Uint8Array(raw);
    const preq = decodeJson(bytes, purchaseRequestSchema, 'purchase request');
    const oiBytes = fromB64(preq.oi);
    const oi = decodeJson(oiBytes, orderInformationSchema, 'order information', MAX_INFO_BYTES);
    const [row] = await this.#store.query<PaymentRow>(
      'SELECT * FROM card_merchant_payments WHERE transaction_id = $1',
      [oi.transactionId],
    );
    if (row === undefined)
      throw new CardError('ERR_CARD_MISMATCH', 'the order information names no purchase of this merchant');
    if (oi.merchantId !== this.merchantId)
      throw new CardError('ERR_CARD_MISMATCH', 'the order information names another merchant');
    if (!sameMoney(oi.amount, { amount: row.amount.toString(), currency: row.currency })) {
      throw new CardError('ERR_CARD_MISMATCH', 'the order information states another amount');
    }
    if (oi.nonce !== toB64(row.nonce))
      throw new CardError('ERR_CARD_MISMATCH', 'the order information answers another init');
    await this.#evidence(o.evidence, oi.transactionId, 'card.purchase-request', 'received', 'cardholder', bytes);
    const oimd = await sha256(oiBytes);
    const pimd = fromB64(preq.pimd);
    const holder = await verifyDualSignature(fromB64(preq.dualSignature), {
      pimd,
      oimd,
      trust: this.#o.trust.cardholders,
      at: this.#clock.now(),
    });
    const operationId = o.operationId ?? `${oi.transactionId}.authorize`;
    checkId(operationId, 'operationId');
    if (row.status !== 'initiated') {
      // A repeat of the purchase: the gateway answers it from its idempotency record (or refuses a replay).
      this.#log({
        level: 'info',
        message: 'purchase request repeated',
        fields: { transactionId: oi.transactionId, status: row.status },
      });
    }
    this.#log({
      level: 'debug',
      message: 'purchase request received',
      fields: { transactionId: oi.transactionId, cardholder: holder.subject, bytes: bytes.length, request: preq },
    });
    this.#emit({
      type: 'card.purchase-received',
      transactionId: oi.transactionId,
      cardholder: holder.subject,
      bytes: bytes.length,
    });
    const now = this.#clock.now();
    await this.#store.query(
      `UPDATE card_merchant_payments SET order_information = $2, oimd = $3, pimd = $4, dual_signature = $5, pi_envelope = $6,
       cardholder = $7, updated_at = $8 WHERE transaction_id = $1`,
      [
        oi.transactionId,
        oiBytes,
        oimd,
        pimd,
        fromB64(preq.dualSignature),
        fromB64(preq.piEnvelope),
        holder.subject,
        now,
      ],
    );
    const capture = o.capture ?? false;
    const result = await this.#gateway(o.evidence, oi.transactionId, {
      v: 1,
      kind: 'card.gw.authorize',
      operationId,
      merchantId: this.merchantId,
      transactionId: oi.transactionId,
      amount: oi.amount,
      capture,
      oimd: toB64(oimd),
      dualSignature: preq.dualSignature,
      piEnvelope: preq.piEnvelope,
    });
    const amount = moneyFromJson(oi.amount, 'order information');
    if (result.status === 'declined') {
      await this.#update(oi.transactionId, { status: 'declined', decline_reason: result.reason });
      this.#log({
        level: 'info',
        message: 'purchase declined',
        fields: { transactionId: oi.transactionId, reason: result.reason },
      });
      this.#emit({ type: 'card.declined', transactionId: oi.transactionId, reason: result.reason });
      const response = await this.#answer(o.evidence, oi.transactionId, oi.nonce, {
        status: 'declined',
        reason: result.reason,
      });
      return { status: 'declined', transactionId: oi.transactionId, reason: result.reason, response };
    }
    if (result.status !== 'authorized' && result.status !== 'captured') {
      throw new CardError('ERR_CARD_PROTOCOL', `the gateway answered an authorization with ${result.status}`);
    }
    if (result.transactionId !== oi.transactionId || !sameMoney(result.authorized, oi.amount)) {
      throw new CardError('ERR_CARD_PROTOCOL', 'the gateway authorized another transaction or amount');
    }
    const authCode = result.authCode ?? '';
    await this.#update(oi.transactionId, {
      status: result.status,
      authorization_id: result.authorizationId,
      auth_code: authCode,
      captured: BigInt(result.captured.amount),
      expires_at: new Date(result.expiresAt),
    });
    this.#log({
      level: 'info',
      message: `purchase ${result.status}`,
      fields: { transactionId: oi.transactionId, authorizationId: result.authorizationId, amount: amount.toString() },
    });
    this.#emit({
      type: 'card.authorized',
      transactionId: oi.transactionId,
      authorizationId: result.authorizationId,
      amount: amount.toString(),
    });
    if (result.status === 'captured')
      this.#emit({ type: 'card.captured', transactionId: oi.transactionId, amount: amount.toString() });
    const response = await this.#answer(o.evidence, oi.transactionId, oi.nonce, {
      status: result.status,
      authorizationId: result.authorizationId,
      authCode,
    });
    return {
      status: result.status,
      transactionId: oi.transactionId,
      authorizationId: result.authorizationId,
      authCode,
      amount,
      expiresAt: new Date(result.expiresAt),
      cardholder: holder.subject,
      response,
    };
  }

  /**
   * Captures `amount` (at most what is still authorized) of an authorized purchase.
   *
   * @example
   * ```ts
   * const r = await merchant.capture('tx_1', Money.parse('12.50', 'EUR'), { operationId: 'tx_1.capture' });
   * ```
   */
  capture(
    transactionId: string,
    amount: Money,
    o: SettlementOptions & { readonly final?: boolean } = {},
  ): Promise<SettlementOutcome> {
    return this.#settle(transactionId, 'capture', amount, o);
  }

  /**
   * Voids an authorization that nothing was captured of.
   *
   * @example
   * ```ts
   * await merchant.void('tx_1');
   * ```
   */
  void(transactionId: string, o: SettlementOptions = {}): Promise<SettlementOutcome> {
    return this.#settle(transactionId, 'void', undefined, o);
  }

  /**
   * Refunds `amount` (at most what was captured and not yet refunded).
   *
   * @example
   * ```ts
   * await merchant.refund('tx_1', Money.parse('2.50', 'EUR'));
   * ```
   */
  refund(transactionId: string, amount: Money, o: SettlementOptions = {}): Promise<SettlementOutcome> {
    return this.#settle(transactionId, 'refund', amount, o);
  }

  /**
   * What the gateway knows of a transaction (for reconciliation after a crash).
   *
   * @example
   * ```ts
   * const result = await merchant.queryGateway('tx_1');
   * ```
   */
  async queryGateway(transactionId: string, o: { readonly evidence?: CardEvidenceSink } = {}): Promise<GatewayResult> {
    checkId(transactionId, 'transactionId');
    return this.#gateway(o.evidence, transactionId, {
      v: 1,
      kind: 'card.gw.status',
      operationId: newId('status'),
      merchantId: this.merchantId,
      transactionId,
    });
  }

  async #settle(
    transactionId: string,
    kind: 'capture' | 'void' | 'refund',
    amount: Money | undefined,
    o: SettlementOptions & { readonly final?: boolean },
  ): Promise<SettlementOutcome> {
    checkId(transactionId, 'transactionId');
    const opId = checkId(o.operationId ?? newId('op'), 'operationId');
    const [row] = await this.#store.query<PaymentRow>(
      'SELECT * FROM card_merchant_payments WHERE transaction_id = $1',
      [transactionId],
    );
    if (row === undefined || row.authorization_id === null) {
      throw new CardError('ERR_CARD_UNKNOWN_AUTHORIZATION', `transaction ${transactionId} has no authorization`);
    }
    if (amount !== undefined) {
      if (!Money.isMoney(amount) || !amount.isPositive() || amount.currency !== row.currency) {
        throw new CardError(
          'ERR_CARD_INVALID_ARGUMENT',
          'amount must be a positive Money in the currency of the purchase',
        );
      }
      // Checked here to fail fast; the gateway, the authority, checks again.
      if (kind === 'capture' && row.captured + amount.amount > row.amount) {
        throw new CardError('ERR_CARD_AMOUNT_EXCEEDS_AUTHORIZED', 'the captures would exceed the authorized amount');
      }
      if (kind === 'refund' && row.refunded + amount.amount > row.captured) {
        throw new CardError('ERR_CARD_REFUND_EXCEEDS_CAPTURED', 'the refunds would exceed the captured amount');
      }
    }
    const base = {
      v: 1 as const,
      operationId: opId,
      merchantId: this.merchantId,
      authorizationId: row.authorization_id,
    };
    const request: GatewayRequest =
      kind === 'void'
        ? { ...base, kind: 'card.gw.void' }
        : kind === 'capture'
          ? {
              ...base,
              kind: 'card.gw.capture',
              amount: moneyToJson(amount as Money),
              ...(o.final ? { final: true } : {}),
            }
          : { ...base, kind: 'card.gw.refund', amount: moneyToJson(amount as Money) };
    const result = await this.#gateway(o.evidence, transactionId, request);
    if (result.status === 'declined') {
      this.#log({ level: 'info', message: `${kind} declined`, fields: { transactionId, reason: result.reason } });
      return { status: 'declined', transactionId, reason: result.reason };
    }
    const expected = { capture: 'captured', void: 'voided', refund: 'refunded' }[kind];
    if (result.status !== expected)
      throw new CardError('ERR_CARD_PROTOCOL', `the gateway answered a ${kind} with ${result.status}`);
    const r = result as Extract<GatewayResult, { status: 'captured' | 'voided' | 'refunded' }>;
    if (r.authorizationId !== row.authorization_id)
      throw new CardError('ERR_CARD_PROTOCOL', 'the gateway answered for another authorization');
    const captured = moneyFromJson(r.captured, 'gateway response');
    const refunded = moneyFromJson(r.refunded, 'gateway response');
    await this.#update(transactionId, {
      status: kind === 'void' ? 'voided' : 'captured',
      captured: captured.amount,
      refunded: refunded.amount,
    });
    const done = amount?.toString();
    this.#log({ level: 'info', message: `${kind} done`, fields: { transactionId, amount: done } });
    if (kind === 'capture') this.#emit({ type: 'card.captured', transactionId, amount: done as string });
    if (kind === 'void') this.#emit({ type: 'card.voided', transactionId });
    if (kind === 'refund') this.#emit({ type: 'card.refunded', transactionId, amount: done as string });
    return {
      status: r.status,
      transactionId,
      authorizationId: r.authorizationId,
      authorized: moneyFromJson(r.authorized, 'gateway response'),
      captured,
      refunded,
    };
  }

  async #update(transactionId: string, fields: Record<string, unknown>): Promise<void> {
    const keys = Object.keys(fields);
    const sets = keys.map((k, i) => `${k} = $${i + 2}`).join(', ');
    await this.#store.query(
      `UPDATE card_merchant_payments SET ${sets}, updated_at = $${keys.length + 2} WHERE transaction_id = $1`,
      [transactionId, ...keys.map((k) => fields[k]), this.#clock.now()],
    );
  }

  async #answer(
    sink: CardEvidenceSink | undefined,
    transactionId: string,
    nonce: string,
    r: {
      status: 'authorized' | 'captured' | 'declined';
      reason?: DeclineReason;
      authorizationId?: string;
      authCode?: string;
    },
  ): Promise<Uint8Array> {
    const { signed } = await signJson({ v: 1, kind: 'card.pres', transactionId, nonce, ...r }, this.#o.identity);
    await this.#evidence(sink, transactionId, 'card.purchase-response', 'sent', 'cardholder', signed);
    return signed;
  }

  /** Signs `request`, sends it to the gateway, checks the signed answer is the gateway's and answers it. */
  async #gateway(
    sink: CardEvidenceSink | undefined,
    transactionId: string,
    request: GatewayRequest,
  ): Promise<GatewayResult> {
    const { signed, content } = await signJson(request, this.#o.identity);
    await this.#evidence(sink, transactionId, request.kind, 'sent', 'gateway', signed);
    let body: Uint8Array;
    try {
      const response = await this.#o.channel.request(
        this.#o.gateway.address,
        { contentType: CARD_CONTENT_TYPE, body: signed },
        { timeoutMs: this.#o.requestTimeoutMs ?? 30_000 },
      );
      body = new Uint8Array(response.body);
    } catch (err) {
      throw new CardError('ERR_CARD_GATEWAY_UNAVAILABLE', `the gateway did not answer the ${request.kind}`, {
        cause: err,
      });
    }
    const opened = await openSignedJson(body, gatewayResponseSchema, 'gateway response', {
      trust: this.#o.trust.gateway,
      at: this.#clock.now(),
      role: 'gateway',
      pinned: this.#gatewayCert,
    });
    const res = opened.value;
    const digest = toB64(await sha256(content));
    // A request the gateway could not even read is answered with the digest of its bytes and no operation id.
    const sameRequest =
      (res.requestDigest === digest && res.operationId === request.operationId) ||
      (res.result.status === 'rejected' && res.operationId === '' && res.requestDigest === toB64(await sha256(signed)));
    if (!sameRequest) throw new CardError('ERR_CARD_PROTOCOL', 'the gateway response answers another request');
    if (request.kind !== 'card.gw.status') await this.#record(transactionId, request, signed, body);
    if (res.result.status === 'rejected') {
      const code = isCardErrorCode(res.result.code) ? res.result.code : 'ERR_CARD_PROTOCOL';
      throw new CardError(code, `the gateway rejected the ${request.kind}: ${res.result.message}`);
    }
    return res.result;
  }

  async #record(
    transactionId: string,
    request: GatewayRequest,
    signed: Uint8Array,
    response: Uint8Array,
    q: Queryable = this.#store,
  ): Promise<void> {
    await q.query(
      `INSERT INTO card_merchant_gateway_messages (operation_id, transaction_id, kind, request, response, at)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (operation_id) DO UPDATE SET response = EXCLUDED.response, at = EXCLUDED.at`,
      [`${request.operationId}`, transactionId, request.kind, signed, response, this.#clock.now()],
    );
  }
}
