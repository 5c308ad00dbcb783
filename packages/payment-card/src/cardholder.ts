import type { Channel } from '@semper/comms';
import { type Clock, type Money, newId, SystemClock } from '@semper/core';
import { Certificate, CryptoError, encryptData, type Identity, MalformedInputError } from '@semper/crypto';
import { checkCardRole } from './card-pki.js';
import { CardError, malformed } from './errors.js';
import {
  type DeclineReason,
  encodeJson,
  type GatewayResult,
  gatewayResponseSchema,
  sha256,
  fromB64,
  moneyFromJson,
  type PurchaseInit,
  purchaseInitSchema,
  purchaseResponseSchema,
  toB64,
} from './messages.js';
import { CARD_CONTENT_TYPE, isCardErrorCode } from './gateway.server.js';
import { type CardTrust, createDualSignature, openSignedJson, signJson } from './signed.js';

/**
 * The card data the cardholder's device holds. Never logged, never sent in clear.
 *
 * @example
 * ```ts
 * const card: CardDetails = { pan: '4999990123456789', expiry: '2029-12', cvv: '123' };
 * ```
 */
export interface CardDetails {
  readonly pan: string;
  /** `YYYY-MM`. */
  readonly expiry: string;
  readonly cvv: string;
}

/**
 * Options of a {@link Cardholder}.
 *
 * @example
 * ```ts
 * const o: CardholderOptions = { identity: alice, card, trust: { merchants: brand, gateways: brand } };
 * ```
 */
export interface CardholderOptions {
  /** The cardholder's identity (a `cardholder` certificate): it makes the dual signature. */
  readonly identity: Identity;
  readonly card: CardDetails;
  readonly trust: { readonly merchants: CardTrust; readonly gateways: CardTrust };
  readonly clock?: Clock;
}

/**
 * What the cardholder keeps between sending a purchase request and reading the answer.
 *
 * @example
 * ```ts
 * const { request, pending } = await cardholder.createPurchaseRequest(init);
 * console.log(pending.transactionId, pending.amount.toString());
 * ```
 */
export interface PendingPurchase {
  readonly transactionId: string;
  readonly merchantId: string;
  readonly amount: Money;
  readonly description: string;
  readonly nonce: string;
  /** The merchant's certificate (the init's signer): the answer must be signed by it. */
  readonly merchant: Certificate;
  /** The gateway's certificate the PI was encrypted to. */
  readonly gateway: Certificate;
}

/**
 * The merchant's answer, as the cardholder reads it.
 *
 * @example
 * ```ts
 * const answer: PurchaseAnswer = await cardholder.readPurchaseResponse(bytes, pending);
 * ```
 */
export type PurchaseAnswer =
  | {
      readonly status: 'authorized' | 'captured';
      readonly transactionId: string;
      readonly authorizationId: string;
      readonly authCode: string;
    }
  | { readonly status: 'declined'; readonly transactionId: string; readonly reason: DeclineReason };

/**
 * The cardholder's side of the card protocol (SET's cardholder wallet). From the merchant's signed init it
 * builds the purchase request: order information (OI) in clear for the merchant; payment information (PI:
 * card number, expiry, CVV, amount, transaction, merchant and a 32-byte salt) encrypted to the gateway in
 * a CMS AuthEnvelopedData (AES-256-GCM); and the dual signature binding both.
 *
 * @example
 * ```ts
 * import { Cardholder } from '@semper/payment-card';
 * const alice = new Cardholder({ identity, card, trust: { merchants: brand, gateways: brand } });
 * const { request, pending } = await alice.createPurchaseRequest(init, { amount: Money.parse('12.50', 'EUR') });
 * ```
 */
export class Cardholder {
  readonly #o: CardholderOptions;
  readonly #clock: Clock;

  constructor(o: CardholderOptions) {
    if (o?.identity?.certificate === undefined || o.card === undefined || o.trust === undefined) {
      throw new CardError('ERR_CARD_INVALID_ARGUMENT', 'a Cardholder needs identity, card and trust');
    }
    checkCardRole(o.identity.certificate, 'cardholder');
    this.#o = o;
    this.#clock = o.clock ?? new SystemClock();
  }

  /**
   * Reads and checks a merchant's signed init message (signer a trusted merchant, the gateway chain
   * trusted and a gateway's).
   *
   * @example
   * ```ts
   * const { init, merchant, gateway } = await cardholder.readInit(initBytes);
   * ```
   */
  async readInit(bytes: Uint8Array): Promise<{ init: PurchaseInit; merchant: Certificate; gateway: Certificate }> {
    const at = this.#clock.now();
    const opened = await openSignedJson(bytes, purchaseInitSchema, 'purchase init', {
      trust: this.#o.trust.merchants,
      at,
      role: 'merchant',
    });
    let chain: Certificate[];
    try {
      chain = opened.value.gatewayChain.map((c) => Certificate.fromDer(fromB64(c)));
    } catch (err) {
      throw malformed('purchase init: gateway certificate', err);
    }
    const gateway = chain[0] as Certificate;
    try {
      await this.#o.trust.gateways.buildChain(gateway, chain.slice(1), at);
    } catch (err) {
      if (err instanceof MalformedInputError) throw malformed('purchase init: gateway certificate', err);
      if (err instanceof CryptoError)
        throw new CardError('ERR_CARD_BAD_SIGNATURE', `gateway certificate: ${err.message}`, { cause: err });
      throw err;
    }
    checkCardRole(gateway, 'gateway');
    return { init: opened.value, merchant: opened.signer, gateway };
  }

  /**
   * Builds the purchase request for a merchant's init. With `expect`, refuses an init for another amount
   * or merchant (`ERR_CARD_MISMATCH`) — what the user confirmed must be what is signed.
   *
   * @example
   * ```ts
   * const { request, pending } = await cardholder.createPurchaseRequest(initBytes, { amount: Money.parse('12.50', 'EUR') });
   * ```
   */
  async createPurchaseRequest(
    initBytes: Uint8Array,
    expect: { readonly amount?: Money; readonly merchantId?: string } = {},
  ): Promise<{ request: Uint8Array; pending: PendingPurchase }> {
    const { init, merchant, gateway } = await this.readInit(initBytes);
    const amount = moneyFromJson(init.amount, 'purchase init');
    if (!amount.isPositive()) throw malformed('purchase init: amount must be positive');
    if (expect.amount !== undefined && !expect.amount.equals(amount)) {
      throw new CardError(
        'ERR_CARD_MISMATCH',
        `the merchant asks for ${amount.toString()}, not ${expect.amount.toString()}`,
      );
    }
    if (expect.merchantId !== undefined && expect.merchantId !== init.merchantId) {
      throw new CardError('ERR_CARD_MISMATCH', 'the init is from another merchant');
    }
    const oi = encodeJson({
      v: 1,
      kind: 'card.oi',
      transactionId: init.transactionId,
      merchantId: init.merchantId,
      amount: init.amount,
      description: init.description,
      nonce: init.nonce,
      at: this.#clock.now().toISOString(),
    });
    const { card } = this.#o;
    const pi = encodeJson({
      v: 1,
      kind: 'card.pi',
      pan: card.pan,
      expiry: card.expiry,
      cvv: card.cvv,
      transactionId: init.transactionId,
      merchantId: init.merchantId,
      amount: init.amount,
      salt: toB64(globalThis.crypto.getRandomValues(new Uint8Array(32))),
    });
    const dual = await createDualSignature(pi, oi, this.#o.identity);
    const envelope = await encryptData(pi, { recipients: [gateway] });
    pi.fill(0);
    const request = encodeJson({
      v: 1,
      kind: 'card.preq',
      oi: toB64(oi),
      pimd: toB64(dual.pimd),
      dualSignature: toB64(dual.signature),
      piEnvelope: toB64(envelope),
    });
    return {
      request,
      pending: {
        transactionId: init.transactionId,
        merchantId: init.merchantId,
        amount,
        description: init.description,
        nonce: init.nonce,
        merchant,
        gateway,
      },
    };
  }

  /**
   * Asks the gateway what became of a purchase (after a crash, when the merchant's answer never came): a
   * request signed by the cardholder; the gateway answers only about authorizations this cardholder's
   * certificate signed. Returns the gateway's result (`not-found` when there is none).
   *
   * @example
   * ```ts
   * const result = await cardholder.inquire({ channel, address: 'mem:gateway' }, 'shop-1', 'tx_1');
   * if (result.status === 'authorized') console.log('the payment went through');
   * ```
   */
  async inquire(
    gateway: { readonly channel: Channel; readonly address: string; readonly timeoutMs?: number },
    merchantId: string,
    transactionId: string,
  ): Promise<GatewayResult> {
    const request = { v: 1, kind: 'card.gw.inquiry', operationId: newId('inquiry'), merchantId, transactionId };
    const { signed, content } = await signJson(request, this.#o.identity);
    let body: Uint8Array;
    try {
      const response = await gateway.channel.request(
        gateway.address,
        { contentType: CARD_CONTENT_TYPE, body: signed },
        { timeoutMs: gateway.timeoutMs ?? 30_000 },
      );
      body = new Uint8Array(response.body);
    } catch (err) {
      throw new CardError('ERR_CARD_GATEWAY_UNAVAILABLE', 'the gateway did not answer the inquiry', { cause: err });
    }
    const { value } = await openSignedJson(body, gatewayResponseSchema, 'gateway response', {
      trust: this.#o.trust.gateways,
      at: this.#clock.now(),
      role: 'gateway',
    });
    if (value.operationId !== request.operationId || value.requestDigest !== toB64(await sha256(content))) {
      throw new CardError('ERR_CARD_PROTOCOL', 'the gateway response answers another request');
    }
    if (value.result.status === 'rejected') {
      const code = isCardErrorCode(value.result.code) ? value.result.code : 'ERR_CARD_PROTOCOL';
      throw new CardError(code, `the gateway rejected the inquiry: ${value.result.message}`);
    }
    return value.result;
  }

  /**
   * Reads the merchant's signed answer: signed by the merchant of the init, for this transaction and nonce.
   *
   * @example
   * ```ts
   * const answer = await cardholder.readPurchaseResponse(bytes, pending);
   * if (answer.status === 'authorized') console.log(answer.authCode);
   * ```
   */
  async readPurchaseResponse(bytes: Uint8Array, pending: PendingPurchase): Promise<PurchaseAnswer> {
    const { value } = await openSignedJson(bytes, purchaseResponseSchema, 'purchase response', {
      trust: this.#o.trust.merchants,
      at: this.#clock.now(),
      role: 'merchant',
      pinned: pending.merchant,
    });
    if (value.transactionId !== pending.transactionId || value.nonce !== pending.nonce) {
      throw new CardError('ERR_CARD_PROTOCOL', 'the purchase response answers another purchase');
    }
    if (value.status === 'declined') {
      if (value.reason === undefined) throw malformed('purchase response: a decline without a reason');
      return { status: 'declined', transactionId: value.transactionId, reason: value.reason };
    }
    if (value.authorizationId === undefined || value.authCode === undefined) {
      throw malformed('purchase response: an authorization without its id and code');
    }
    return {
      status: value.status,
      transactionId: value.transactionId,
      authorizationId: value.authorizationId,
      authCode: value.authCode,
    };
  }
}
