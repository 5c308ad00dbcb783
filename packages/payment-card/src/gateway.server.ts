import type { Channel, ReceiveOptions } from '@semper/comms';
import { type Clock, Money, SystemClock } from '@semper/core';
import { type Certificate, CryptoError, decryptData, type Identity, MalformedInputError } from '@semper/crypto';
import { migrate, type Queryable, type Store, sqlStateOf } from '@semper/store';
import { cardRolesOf, checkCardRole } from './card-pki.js';
import { CardError, type CardErrorCode, malformed } from './errors.js';
import type { CardLogger } from './events.js';
import { IssuerSimulator } from './issuer.js';
import {
  checkId,
  decodeJson,
  fromB64,
  type GatewayRequest,
  type GatewayResult,
  gatewayRequestSchema,
  MAX_INFO_BYTES,
  moneyFromJson,
  type PaymentInformation,
  paymentInformationSchema,
  sameMoney,
  sha256,
} from './messages.js';
import { CARD_GATEWAY_MIGRATIONS } from './migrations.js';
import { type CardTrust, openSignedJson, signJson, verifyDualSignature } from './signed.js';

/**
 * The content type of every card protocol message on a comms channel (CMS SignedData).
 *
 * @example
 * ```ts
 * import { CARD_CONTENT_TYPE } from '@semper/payment-card';
 * await channel.request(gatewayAddress, { contentType: CARD_CONTENT_TYPE, body });
 * ```
 */
export const CARD_CONTENT_TYPE = 'application/cms; smime-type=signed-data';

/** Default lifetime of an authorization: 7 days. @example `const ttl = DEFAULT_AUTHORIZATION_TTL_MS;` */
export const DEFAULT_AUTHORIZATION_TTL_MS = 7 * 86_400_000;

/**
 * A merchant the acquirer signed up: its id and the certificate it signs requests with.
 *
 * @example
 * ```ts
 * const m: MerchantRegistration = { id: 'shop-1', certificate: shop.certificate };
 * ```
 */
export interface MerchantRegistration {
  readonly id: string;
  readonly certificate: Certificate;
}

/**
 * Options of {@link PaymentGateway.open}.
 *
 * @example
 * ```ts
 * const o: PaymentGatewayOptions = { identity: gw, store, trust: { cardholders: brand, merchants: brand }, merchants: [{ id: 'shop-1', certificate: shop.certificate }] };
 * ```
 */
export interface PaymentGatewayOptions {
  /** The gateway's identity: it decrypts payment information and signs responses (a `gateway` certificate). */
  readonly identity: Identity;
  /** The gateway's own store (it also holds the issuer simulator's tables). */
  readonly store: Store;
  readonly trust: { readonly cardholders: CardTrust; readonly merchants: CardTrust };
  readonly merchants?: readonly MerchantRegistration[];
  readonly clock?: Clock;
  /** How long an authorization may be captured; default {@link DEFAULT_AUTHORIZATION_TTL_MS}. */
  readonly authorizationTtlMs?: number;
  readonly logger?: CardLogger;
}

interface AuthorizationRow {
  authorization_id: string;
  merchant_id: string;
  transaction_id: string;
  hold_id: string | null;
  currency: string;
  amount: bigint;
  captured: bigint;
  refunded: bigint;
  closed: boolean;
  status: 'authorized' | 'captured' | 'voided' | 'expired' | 'declined';
  decline_reason: string | null;
  auth_code: string | null;
  expires_at: Date;
}

interface PreparedAuthorization {
  readonly pi: PaymentInformation;
  readonly holderSha: Uint8Array;
  readonly cardholder: string;
}

const KNOWN_CODES: ReadonlySet<string> = new Set<CardErrorCode>([
  'ERR_CARD_INVALID_ARGUMENT',
  'ERR_CARD_MALFORMED',
  'ERR_CARD_BAD_DUAL_SIGNATURE',
  'ERR_CARD_BAD_SIGNATURE',
  'ERR_CARD_DECRYPTION_FAILED',
  'ERR_CARD_MISMATCH',
  'ERR_CARD_UNKNOWN_MERCHANT',
  'ERR_CARD_UNKNOWN_AUTHORIZATION',
  'ERR_CARD_INVALID_STATE',
  'ERR_CARD_AMOUNT_EXCEEDS_AUTHORIZED',
  'ERR_CARD_REFUND_EXCEEDS_CAPTURED',
  'ERR_CARD_IDEMPOTENCY_CONFLICT',
  'ERR_CARD_PROTOCOL',
  'ERR_CARD_GATEWAY_UNAVAILABLE',
]);

/** @internal Whether `code` is one of this package's codes. */
export function isCardErrorCode(code: string): code is CardErrorCode {
  return KNOWN_CODES.has(code);
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

function fault(code: CardErrorCode, message: string): CardError {
  return new CardError(code, message);
}

/**
 * The payment gateway (SET's acquirer gateway): it receives the merchant's signed requests over a comms
 * channel, decrypts the payment information, checks the cardholder's dual signature against it and the
 * order information digest the merchant computed, checks that the PI's amount, transaction and merchant
 * agree with the merchant's request, and authorises against the {@link IssuerSimulator}; then capture
 * (up to what was authorized), void, refund (up to what was captured), and expiry of authorizations.
 *
 * Every response is signed by the gateway and bound to the request (operation id and request digest).
 * Each operation runs in one database transaction together with the issuer's hold or posting and the
 * stored response, so a repeat of an operation id gets the same bytes, and a crash leaves nothing half
 * done. Faults found in a request (bad signature, mismatch, a bound exceeded) are answered as signed
 * `rejected` results; only infrastructure faults throw (and the channel delivers the request again).
 *
 * @example
 * ```ts
 * import { PaymentGateway } from '@semper/payment-card';
 * const gateway = await PaymentGateway.open({ identity: gw, store, trust: { cardholders: brand, merchants: brand }, merchants: [{ id: 'shop-1', certificate: shop.certificate }] });
 * const card = await gateway.issuer.issueCard({ currency: 'EUR', balance: Money.parse('100.00', 'EUR') });
 * await gateway.serve(new Channel(createMemoryTransport({ broker, name: 'gateway' })));
 * ```
 */
export class PaymentGateway {
  /** The issuer simulator the gateway authorises against (in the gateway's store). */
  readonly issuer: IssuerSimulator;
  readonly #o: PaymentGatewayOptions;
  readonly #store: Store;
  readonly #clock: Clock;
  readonly #ttl: number;
  readonly #merchants = new Map<string, Certificate>();
  readonly #log: CardLogger;

  private constructor(o: PaymentGatewayOptions) {
    this.#o = o;
    this.#store = o.store;
    this.#clock = o.clock ?? new SystemClock();
    this.#ttl = o.authorizationTtlMs ?? DEFAULT_AUTHORIZATION_TTL_MS;
    this.#log = o.logger ?? (() => undefined);
    this.issuer = new IssuerSimulator(o.store, { clock: this.#clock });
    for (const m of o.merchants ?? []) this.registerMerchant(m.id, m.certificate);
  }

  /**
   * Migrates the gateway's and the issuer's tables and returns the gateway.
   *
   * @example
   * ```ts
   * const gateway = await PaymentGateway.open({ identity, store, trust: { cardholders: brand, merchants: brand } });
   * ```
   */
  static async open(o: PaymentGatewayOptions): Promise<PaymentGateway> {
    if (
      o?.identity?.certificate === undefined ||
      o.store === undefined ||
      o.trust?.cardholders === undefined ||
      o.trust.merchants === undefined
    ) {
      throw new CardError('ERR_CARD_INVALID_ARGUMENT', 'PaymentGateway.open needs identity, store and trust');
    }
    checkCardRole(o.identity.certificate, 'gateway');
    if (
      o.authorizationTtlMs !== undefined &&
      !(Number.isSafeInteger(o.authorizationTtlMs) && o.authorizationTtlMs > 0)
    ) {
      throw new CardError('ERR_CARD_INVALID_ARGUMENT', 'authorizationTtlMs must be a positive integer');
    }
    await migrate(o.store, CARD_GATEWAY_MIGRATIONS);
    const gateway = new PaymentGateway(o);
    await IssuerSimulator.open(o.store, { clock: gateway.#clock });
    return gateway;
  }

  /** The gateway's certificate chain (leaf first), which merchants send to cardholders. @example `const chain = gateway.chain;` */
  get chain(): readonly Certificate[] {
    return this.#o.identity.chain;
  }

  /**
   * Signs up a merchant: requests signed by `certificate` may act for `id`.
   *
   * @example
   * ```ts
   * gateway.registerMerchant('shop-2', shop2.certificate);
   * ```
   */
  registerMerchant(id: string, certificate: Certificate): void {
    checkId(id, 'merchant id');
    checkCardRole(certificate, 'merchant');
    this.#merchants.set(id, certificate);
  }

  /**
   * Answers the channel's requests with {@link PaymentGateway.handle}.
   *
   * @example
   * ```ts
   * await gateway.serve(channel, { concurrency: 4 });
   * ```
   */
  async serve(channel: Channel, options?: ReceiveOptions): Promise<void> {
    await channel.start(
      {
        onRequest: async (request) => ({ contentType: CARD_CONTENT_TYPE, body: await this.handle(request.body) }),
      },
      options,
    );
  }

  /**
   * Handles one signed merchant request and returns the signed response. Throws only for infrastructure
   * faults (the store), never for what the request contains.
   *
   * @example
   * ```ts
   * const responseBytes = await gateway.handle(requestBytes);
   * ```
   */
  async handle(raw: Uint8Array): Promise<Uint8Array> {
    const bytes = new Uint8Array(raw);
    const at = this.#clock.now();
    let req: GatewayRequest;
    let digest: Uint8Array;
    let signer: Certificate;
    try {
      // Merchants sign requests; cardholders sign inquiries. Each role's chain goes to that role's trust.
      const { cardholders, merchants } = this.#o.trust;
      const trust: CardTrust = {
        buildChain: (leaf, intermediates, when) =>
          (cardRolesOf(leaf).includes('cardholder') ? cardholders : merchants).buildChain(leaf, intermediates, when),
      };
      const opened = await openSignedJson(bytes, gatewayRequestSchema, 'gateway request', { trust, at, role: null });
      checkCardRole(opened.signer, opened.value.kind === 'card.gw.inquiry' ? 'cardholder' : 'merchant');
      req = opened.value;
      signer = opened.signer;
      digest = await sha256(opened.content);
    } catch (err) {
      return this.#reject('', await sha256(bytes), err);
    }
    try {
      if (req.kind === 'card.gw.inquiry') {
        return await this.#sign(
          req.operationId,
          digest,
          await this.#inquiry(req.merchantId, req.transactionId, signer),
        );
      }
      const registered = this.#merchants.get(req.merchantId);
      if (registered === undefined || !registered.equals(signer)) {
        throw fault('ERR_CARD_UNKNOWN_MERCHANT', `merchant ${req.merchantId} is not registered with this certificate`);
      }
      if (req.kind === 'card.gw.status') {
        return await this.#sign(
          req.operationId,
          digest,
          await this.#status(this.#store, req.merchantId, req.transactionId),
        );
      }
      const earlier = await this.#earlier(this.#store, req, digest);
      if (earlier !== undefined) return earlier;
      const prepared = req.kind === 'card.gw.authorize' ? await this.#prepare(req, at) : undefined;
      try {
        return await this.#store.transaction(async (tx) => {
          // Two deliveries of one operation at once (two gateway processes, a retried request) run one
          // after the other: the second finds the first's answer.
          await tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [
            `card-op\n${req.merchantId}\n${req.operationId}`,
          ]);
          const again = await this.#earlier(tx, req, digest);
          if (again !== undefined) return again;
          const result = await this.#apply(tx, req, prepared);
          const response = await this.#sign(req.operationId, digest, result);
          await tx.query(
            `INSERT INTO card_gateway_operations (merchant_id, operation_id, kind, request_digest, response, at)
             VALUES ($1, $2, $3, $4, $5, $6)`,
            [req.merchantId, req.operationId, req.kind, digest, response, this.#clock.now()],
          );
          this.#log({
            level: 'info',
            message: `gateway ${req.kind}: ${result.status}`,
            fields: { merchantId: req.merchantId, operationId: req.operationId },
          });
          return response;
        });
      } catch (err) {
        // A concurrent duplicate of the same operation committed first: answer as it was answered.
        if (sqlStateOf(err) === '23505') {
          const first = await this.#earlier(this.#store, req, digest);
          if (first !== undefined) return first;
        }
        throw err;
      }
    } catch (err) {
      return this.#reject(req.operationId, digest, err);
    }
  }

  /**
   * What the acquirer owes a merchant: captured minus refunded, over all its authorizations in `currency`.
   *
   * @example
   * ```ts
   * const owed = await gateway.merchantBalance('shop-1', 'EUR');
   * ```
   */
  async merchantBalance(merchantId: string, currency: string): Promise<Money> {
    const [row] = await this.#store.query<{ total: bigint | string | null }>(
      `SELECT COALESCE(SUM(captured - refunded), 0)::bigint AS total FROM card_gateway_authorizations
       WHERE merchant_id = $1 AND currency = $2`,
      [merchantId, currency],
    );
    return Money.of(BigInt(row?.total ?? 0), currency);
  }

  /**
   * Marks authorizations whose time ran out as expired and releases their holds at the issuer.
   * Returns how many expired.
   *
   * @example
   * ```ts
   * const expired = await gateway.expireAuthorizations();
   * ```
   */
  async expireAuthorizations(): Promise<number> {
    const now = this.#clock.now();
    return this.#store.transaction(async (tx) => {
      const rows = await tx.query<AuthorizationRow>(
        `SELECT * FROM card_gateway_authorizations WHERE status = 'authorized' AND expires_at <= $1 FOR UPDATE`,
        [now],
      );
      for (const row of rows) await this.#expire(tx, row);
      return rows.length;
    });
  }

  async #expire(tx: Queryable, row: AuthorizationRow): Promise<void> {
    if (row.hold_id !== null) await this.issuer.release(`${row.authorization_id}:expiry`, row.hold_id, tx);
    await tx.query(
      `UPDATE card_gateway_authorizations SET status = CASE WHEN captured = 0 THEN 'expired' ELSE status END,
       updated_at = $2 WHERE authorization_id = $1`,
      [row.authorization_id, this.#clock.now()],
    );
  }

  async #earlier(q: Queryable, req: GatewayRequest, digest: Uint8Array): Promise<Uint8Array | undefined> {
    const [row] = await q.query<{ request_digest: Uint8Array; response: Uint8Array }>(
      'SELECT request_digest, response FROM card_gateway_operations WHERE merchant_id = $1 AND operation_id = $2',
      [req.merchantId, req.operationId],
    );
    if (row === undefined) return undefined;
    if (hex(row.request_digest) !== hex(digest)) {
      throw fault('ERR_CARD_IDEMPOTENCY_CONFLICT', `operation ${req.operationId} was used for another request`);
    }
    return row.response;
  }

  /** Outside the transaction: decrypt the PI, check the dual signature and that everything agrees. */
  async #prepare(
    req: Extract<GatewayRequest, { kind: 'card.gw.authorize' }>,
    at: Date,
  ): Promise<PreparedAuthorization> {
    let piBytes: Uint8Array;
    try {
      piBytes = (await decryptData(fromB64(req.piEnvelope), { identity: this.#o.identity })).content;
    } catch (err) {
      if (err instanceof MalformedInputError) throw malformed('payment information envelope', err);
      if (err instanceof CryptoError) {
        throw new CardError(
          'ERR_CARD_DECRYPTION_FAILED',
          'the payment information does not open with the gateway key',
          {
            cause: err,
          },
        );
      }
      throw err;
    }
    const pi = decodeJson(piBytes, paymentInformationSchema, 'payment information', MAX_INFO_BYTES);
    const pimd = await sha256(piBytes);
    const holder = await verifyDualSignature(fromB64(req.dualSignature), {
      pimd,
      oimd: fromB64(req.oimd),
      trust: this.#o.trust.cardholders,
      at,
    });
    if (pi.transactionId !== req.transactionId) {
      throw fault('ERR_CARD_MISMATCH', 'the payment information is for another transaction');
    }
    if (pi.merchantId !== req.merchantId)
      throw fault('ERR_CARD_MISMATCH', 'the payment information is for another merchant');
    if (!sameMoney(pi.amount, req.amount))
      throw fault('ERR_CARD_MISMATCH', 'the payment information states another amount');
    if (moneyFromJson(pi.amount, 'payment information').amount <= 0n)
      throw malformed('payment information: amount must be positive');
    return { pi, holderSha: await sha256(holder.der), cardholder: holder.subject };
  }

  async #apply(
    tx: Queryable,
    req: GatewayRequest,
    prepared: PreparedAuthorization | undefined,
  ): Promise<GatewayResult> {
    const now = this.#clock.now();
    switch (req.kind) {
      case 'card.gw.authorize': {
        if (prepared === undefined) throw new CardError('ERR_CARD_INVALID_ARGUMENT', 'authorize without prepared PI');
        const amount = moneyFromJson(req.amount, 'authorize');
        const [live] = await tx.query<{ authorization_id: string }>(
          `SELECT authorization_id FROM card_gateway_authorizations
           WHERE merchant_id = $1 AND transaction_id = $2 AND status <> 'declined'`,
          [req.merchantId, req.transactionId],
        );
        if (live !== undefined)
          throw fault('ERR_CARD_PROTOCOL', `transaction ${req.transactionId} is already authorized`);
        const authorizationId = `auth_${hex(await sha256(new TextEncoder().encode(`${req.merchantId}\n${req.operationId}`))).slice(0, 32)}`;
        const expiresAt = new Date(now.getTime() + this.#ttl);
        const decision = await this.issuer.authorize(
          {
            holdId: authorizationId,
            pan: prepared.pi.pan,
            expiry: prepared.pi.expiry,
            cvv: prepared.pi.cvv,
            amount,
            holderCertSha256: prepared.holderSha,
            expiresAt,
          },
          tx,
        );
        const approved = decision.status === 'approved';
        await tx.query(
          `INSERT INTO card_gateway_authorizations (authorization_id, merchant_id, transaction_id, operation_id, hold_id,
             currency, amount, captured, status, decline_reason, auth_code, cardholder_cert_sha256, created_at, expires_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $13)`,
          [
            authorizationId,
            req.merchantId,
            req.transactionId,
            req.operationId,
            approved ? decision.holdId : null,
            amount.currency,
            amount.amount,
            approved && req.capture ? amount.amount : 0n,
            approved ? (req.capture ? 'captured' : 'authorized') : 'declined',
            approved ? null : decision.reason,
            approved ? decision.authCode : null,
            prepared.holderSha,
            now,
            expiresAt,
          ],
        );
        if (!approved) {
          return { status: 'declined', reason: decision.reason, authorizationId, transactionId: req.transactionId };
        }
        if (req.capture) await this.issuer.capture(`${req.merchantId}/${req.operationId}`, decision.holdId, amount, tx);
        const row = await this.#row(tx, req.merchantId, authorizationId);
        return req.capture
          ? { status: 'captured', ...this.#view(row) }
          : { status: 'authorized', ...this.#view(row), authCode: decision.authCode };
      }
      case 'card.gw.capture': {
        const row = await this.#row(tx, req.merchantId, req.authorizationId);
        const amount = this.#amountFor(row, req.amount);
        if (row.status === 'declined' || row.status === 'voided') {
          throw fault('ERR_CARD_INVALID_STATE', `cannot capture a ${row.status} authorization`);
        }
        if (row.status === 'expired' || row.expires_at.getTime() <= now.getTime()) {
          if (row.status !== 'expired') await this.#expire(tx, row);
          return {
            status: 'declined',
            reason: 'authorization-expired',
            authorizationId: row.authorization_id,
            transactionId: row.transaction_id,
          };
        }
        if (row.closed) throw fault('ERR_CARD_INVALID_STATE', 'the authorization was closed by a final capture');
        if (row.captured + amount.amount > row.amount) {
          throw fault('ERR_CARD_AMOUNT_EXCEEDS_AUTHORIZED', 'the captures would exceed the authorized amount');
        }
        await this.issuer.capture(`${req.merchantId}/${req.operationId}`, row.hold_id as string, amount, tx);
        // A final capture releases what stays authorized (SET's capture of less than the authorization).
        const final = req.final === true;
        if (final) await this.issuer.release(`${req.merchantId}/${req.operationId}:release`, row.hold_id as string, tx);
        await tx.query(
          `UPDATE card_gateway_authorizations SET captured = captured + $2, status = 'captured', closed = $4, updated_at = $3
           WHERE authorization_id = $1`,
          [row.authorization_id, amount.amount, now, final],
        );
        return { status: 'captured', ...this.#view(await this.#row(tx, req.merchantId, row.authorization_id)) };
      }
      case 'card.gw.void': {
        const row = await this.#row(tx, req.merchantId, req.authorizationId);
        if (row.status !== 'authorized' || row.captured !== 0n) {
          throw fault('ERR_CARD_INVALID_STATE', `cannot void a ${row.status} authorization`);
        }
        await this.issuer.release(`${req.merchantId}/${req.operationId}`, row.hold_id as string, tx);
        await tx.query(
          `UPDATE card_gateway_authorizations SET status = 'voided', updated_at = $2 WHERE authorization_id = $1`,
          [row.authorization_id, now],
        );
        return { status: 'voided', ...this.#view(await this.#row(tx, req.merchantId, row.authorization_id)) };
      }
      case 'card.gw.refund': {
        const row = await this.#row(tx, req.merchantId, req.authorizationId);
        const amount = this.#amountFor(row, req.amount);
        if (row.captured === 0n) throw fault('ERR_CARD_INVALID_STATE', `cannot refund a ${row.status} authorization`);
        if (row.refunded + amount.amount > row.captured) {
          throw fault('ERR_CARD_REFUND_EXCEEDS_CAPTURED', 'the refunds would exceed the captured amount');
        }
        await this.issuer.refund(`${req.merchantId}/${req.operationId}`, row.hold_id as string, amount, tx);
        await tx.query(
          `UPDATE card_gateway_authorizations SET refunded = refunded + $2, updated_at = $3 WHERE authorization_id = $1`,
          [row.authorization_id, amount.amount, now],
        );
        return { status: 'refunded', ...this.#view(await this.#row(tx, req.merchantId, row.authorization_id)) };
      }
      case 'card.gw.status':
        return this.#status(tx, req.merchantId, req.transactionId);
      case 'card.gw.inquiry':
        throw fault('ERR_CARD_PROTOCOL', 'an inquiry changes nothing');
    }
  }

  /** The cardholder's view: only an authorization its own certificate signed for. */
  async #inquiry(merchantId: string, transactionId: string, signer: Certificate): Promise<GatewayResult> {
    const holder = hex(await sha256(signer.der));
    const [row] = await this.#store.query<{ cardholder_cert_sha256: Uint8Array | null }>(
      `SELECT cardholder_cert_sha256 FROM card_gateway_authorizations WHERE merchant_id = $1 AND transaction_id = $2
       ORDER BY (status <> 'declined') DESC, created_at DESC LIMIT 1`,
      [merchantId, transactionId],
    );
    if (row?.cardholder_cert_sha256 == null || hex(row.cardholder_cert_sha256) !== holder)
      return { status: 'not-found' };
    return this.#status(this.#store, merchantId, transactionId);
  }

  #amountFor(row: AuthorizationRow, json: { amount: string; currency: string }): Money {
    const amount = moneyFromJson(json, 'request');
    if (amount.currency !== row.currency) throw fault('ERR_CARD_MISMATCH', 'the amount is in another currency');
    if (amount.amount <= 0n) throw malformed('request: amount must be positive');
    return amount;
  }

  async #row(q: Queryable, merchantId: string, authorizationId: string): Promise<AuthorizationRow> {
    const [row] = await q.query<AuthorizationRow>(
      'SELECT * FROM card_gateway_authorizations WHERE authorization_id = $1 AND merchant_id = $2 FOR UPDATE',
      [authorizationId, merchantId],
    );
    if (row === undefined) throw fault('ERR_CARD_UNKNOWN_AUTHORIZATION', `no authorization ${authorizationId}`);
    return row;
  }

  async #status(q: Queryable, merchantId: string, transactionId: string): Promise<GatewayResult> {
    const [row] = await q.query<AuthorizationRow>(
      `SELECT * FROM card_gateway_authorizations WHERE merchant_id = $1 AND transaction_id = $2
       ORDER BY (status <> 'declined') DESC, created_at DESC LIMIT 1`,
      [merchantId, transactionId],
    );
    if (row === undefined) return { status: 'not-found' };
    if (row.status === 'declined') {
      return {
        status: 'declined',
        reason: row.decline_reason as Extract<GatewayResult, { status: 'declined' }>['reason'],
        authorizationId: row.authorization_id,
        transactionId: row.transaction_id,
      };
    }
    const view = this.#view(row);
    if (row.status === 'expired')
      return {
        status: 'declined',
        reason: 'authorization-expired',
        authorizationId: row.authorization_id,
        transactionId,
      };
    if (row.status === 'voided') return { status: 'voided', ...view };
    if (row.refunded > 0n) return { status: 'refunded', ...view };
    if (row.status === 'captured') return { status: 'captured', ...view };
    return { status: 'authorized', ...view, authCode: row.auth_code ?? '000000' };
  }

  #view(row: AuthorizationRow) {
    const m = (v: bigint) => ({ amount: v.toString(), currency: row.currency });
    return {
      authorizationId: row.authorization_id,
      transactionId: row.transaction_id,
      authorized: m(row.amount),
      captured: m(row.captured),
      refunded: m(row.refunded),
      expiresAt: row.expires_at.toISOString(),
      ...(row.auth_code === null ? {} : { authCode: row.auth_code }),
    };
  }

  async #sign(operationId: string, digest: Uint8Array, result: GatewayResult): Promise<Uint8Array> {
    const body = {
      v: 1,
      kind: 'card.gw.response',
      operationId,
      requestDigest: Buffer.from(digest).toString('base64'),
      result,
    };
    return (await signJson(body, this.#o.identity)).signed;
  }

  async #reject(operationId: string, digest: Uint8Array, err: unknown): Promise<Uint8Array> {
    if (!(err instanceof CardError)) throw err;
    this.#log({ level: 'warn', message: `gateway rejected a request: ${err.code}`, fields: { operationId } });
    return this.#sign(operationId, digest, { status: 'rejected', code: err.code, message: err.message.slice(0, 500) });
  }
}
