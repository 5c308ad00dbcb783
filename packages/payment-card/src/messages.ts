/**
 * The card protocol's messages, in the line of SET: their zod schemas (every message from the wire is
 * size-checked, then parsed by one of these before any logic sees it), and the JSON encoding they travel
 * in. Digests and signatures are always over the exact bytes that travel, so no canonicalisation is needed.
 */
import { Money } from '@semper/core';
import { z } from 'zod';
import { CardError, malformed } from './errors.js';

/** Largest purchase request / gateway request accepted, in bytes. */
export const MAX_MESSAGE_BYTES = 256 * 1024;
/** Largest order or payment information accepted, in bytes. */
export const MAX_INFO_BYTES = 8 * 1024;

const ID = /^[A-Za-z0-9_.:-]{1,128}$/;
const B64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** An identifier: 1–128 of `[A-Za-z0-9_.:-]`. */
const id = z.string().regex(ID);
const b64 = (maxBytes: number) =>
  z
    .string()
    .max(Math.ceil(maxBytes / 3) * 4)
    .regex(B64)
    .refine((s) => s.length % 4 === 0, 'base64 length');
const digest = b64(32).refine((s) => s.length === 44, 'a SHA-256 digest');
const iso = z.iso.datetime({ offset: false });

/**
 * The JSON form of an amount: integer minor units as a canonical decimal string, and an ISO 4217 code.
 *
 * @example
 * ```ts
 * import { moneySchema } from '@semper/payment-card';
 * moneySchema.parse({ amount: '1250', currency: 'EUR' });
 * ```
 */
export const moneySchema = z
  .object({ amount: z.string().regex(/^(0|[1-9][0-9]{0,30})$/), currency: z.string().regex(/^[A-Z]{3}$/) })
  .strict();

/**
 * Order information (OI): what the merchant sees in clear — the transaction, the merchant, the amount and
 * a description of the goods. Never card data.
 *
 * @example
 * ```ts
 * import { orderInformationSchema } from '@semper/payment-card';
 * const oi = orderInformationSchema.parse(JSON.parse(new TextDecoder().decode(oiBytes)));
 * ```
 */
export const orderInformationSchema = z
  .object({
    v: z.literal(1),
    kind: z.literal('card.oi'),
    transactionId: id,
    merchantId: id,
    amount: moneySchema,
    description: z.string().max(1000),
    /** The merchant's nonce from the init message (binds the OI to this purchase). */
    nonce: b64(64),
    at: iso,
  })
  .strict();
/** Order information, parsed. @example `const oi: OrderInformation = parseOrderInformation(bytes);` */
export type OrderInformation = z.infer<typeof orderInformationSchema>;

/**
 * Payment information (PI): the card data and the payment it authorises, encrypted to the gateway. `salt`
 * (32 random bytes) keeps the PI digest, which the merchant sees, from revealing the card number by a search.
 *
 * @example
 * ```ts
 * import { paymentInformationSchema } from '@semper/payment-card';
 * const pi = paymentInformationSchema.parse(JSON.parse(new TextDecoder().decode(piBytes)));
 * ```
 */
export const paymentInformationSchema = z
  .object({
    v: z.literal(1),
    kind: z.literal('card.pi'),
    pan: z.string().regex(/^[0-9]{12,19}$/),
    /** `YYYY-MM`: the card is valid through the end of that month. */
    expiry: z.string().regex(/^[0-9]{4}-(0[1-9]|1[0-2])$/),
    cvv: z.string().regex(/^[0-9]{3,4}$/),
    transactionId: id,
    merchantId: id,
    amount: moneySchema,
    salt: digest,
  })
  .strict();
/** Payment information, parsed. @example `const pi: PaymentInformation = …;` */
export type PaymentInformation = z.infer<typeof paymentInformationSchema>;

/**
 * The merchant's init message (SET's PInitRes), signed by the merchant: the transaction, the amount, a
 * nonce and the gateway's certificate chain the cardholder encrypts the PI to.
 *
 * @example
 * ```ts
 * import { purchaseInitSchema } from '@semper/payment-card';
 * const init = purchaseInitSchema.parse(json);
 * ```
 */
export const purchaseInitSchema = z
  .object({
    v: z.literal(1),
    kind: z.literal('card.init'),
    transactionId: id,
    merchantId: id,
    amount: moneySchema,
    description: z.string().max(1000),
    nonce: b64(64),
    /** The gateway's certificate, then its intermediates (DER, base64). */
    gatewayChain: z
      .array(b64(16 * 1024))
      .min(1)
      .max(4),
    at: iso,
  })
  .strict();
/** The init message, parsed. @example `const init: PurchaseInit = …;` */
export type PurchaseInit = z.infer<typeof purchaseInitSchema>;

/**
 * The purchase request (SET's PReq), cardholder → merchant: the OI in clear, the PI digest, the dual
 * signature over PIMD‖OIMD and the PI in a CMS AuthEnvelopedData to the gateway.
 *
 * @example
 * ```ts
 * import { purchaseRequestSchema } from '@semper/payment-card';
 * const preq = purchaseRequestSchema.parse(json);
 * ```
 */
export const purchaseRequestSchema = z
  .object({
    v: z.literal(1),
    kind: z.literal('card.preq'),
    oi: b64(MAX_INFO_BYTES),
    pimd: digest,
    dualSignature: b64(64 * 1024),
    piEnvelope: b64(64 * 1024),
  })
  .strict();
/** A purchase request, parsed. @example `const preq: PurchaseRequest = …;` */
export type PurchaseRequest = z.infer<typeof purchaseRequestSchema>;

/**
 * Why an authorization or a capture was declined (an outcome, not a fault).
 *
 * @example
 * ```ts
 * import { declineReasonSchema } from '@semper/payment-card';
 * declineReasonSchema.options; // ['card-unknown', 'card-expired', …]
 * ```
 */
export const declineReasonSchema = z.enum([
  'card-unknown',
  'card-expired',
  'card-blocked',
  'cvv-mismatch',
  'cardholder-mismatch',
  'currency-not-supported',
  'limit-exceeded',
  'insufficient-funds',
  'authorization-expired',
]);
/** A decline reason. @example `const r: DeclineReason = 'insufficient-funds';` */
export type DeclineReason = z.infer<typeof declineReasonSchema>;

/**
 * The merchant's signed answer to the cardholder (SET's PRes).
 *
 * @example
 * ```ts
 * import { purchaseResponseSchema } from '@semper/payment-card';
 * const pres = purchaseResponseSchema.parse(json);
 * ```
 */
export const purchaseResponseSchema = z
  .object({
    v: z.literal(1),
    kind: z.literal('card.pres'),
    transactionId: id,
    nonce: b64(64),
    status: z.enum(['authorized', 'captured', 'declined']),
    reason: declineReasonSchema.optional(),
    authorizationId: id.optional(),
    authCode: z
      .string()
      .regex(/^[A-Z0-9]{6}$/)
      .optional(),
  })
  .strict();
/** The merchant's answer, parsed. @example `const pres: PurchaseResponse = …;` */
export type PurchaseResponse = z.infer<typeof purchaseResponseSchema>;

const gwBase = { v: z.literal(1), operationId: id, merchantId: id };

/**
 * A request from the merchant to the gateway, signed by the merchant (CMS SignedData). `operationId` is
 * the idempotency key: the same id with the same request returns the first answer.
 *
 * @example
 * ```ts
 * import { gatewayRequestSchema } from '@semper/payment-card';
 * const req = gatewayRequestSchema.parse(json);
 * if (req.kind === 'card.gw.capture') console.log(req.authorizationId);
 * ```
 */
export const gatewayRequestSchema = z.discriminatedUnion('kind', [
  z
    .object({
      ...gwBase,
      kind: z.literal('card.gw.authorize'),
      transactionId: id,
      amount: moneySchema,
      /** Authorize and capture at once (a sale). */
      capture: z.boolean(),
      oimd: digest,
      dualSignature: b64(64 * 1024),
      piEnvelope: b64(64 * 1024),
    })
    .strict(),
  z
    .object({
      ...gwBase,
      kind: z.literal('card.gw.capture'),
      authorizationId: id,
      amount: moneySchema,
      /** The last capture: what stays authorized is released. */
      final: z.boolean().optional(),
    })
    .strict(),
  z.object({ ...gwBase, kind: z.literal('card.gw.void'), authorizationId: id }).strict(),
  z.object({ ...gwBase, kind: z.literal('card.gw.refund'), authorizationId: id, amount: moneySchema }).strict(),
  z.object({ ...gwBase, kind: z.literal('card.gw.status'), transactionId: id }).strict(),
  /** Signed by the cardholder: what became of its purchase `transactionId` at `merchantId` (after a crash). */
  z.object({ ...gwBase, kind: z.literal('card.gw.inquiry'), transactionId: id }).strict(),
]);
/** A gateway request, parsed. @example `const r: GatewayRequest = { v: 1, kind: 'card.gw.void', … };` */
export type GatewayRequest = z.infer<typeof gatewayRequestSchema>;

const authorizationView = {
  authorizationId: id,
  transactionId: id,
  authorized: moneySchema,
  captured: moneySchema,
  refunded: moneySchema,
  expiresAt: iso,
  authCode: z
    .string()
    .regex(/^[A-Z0-9]{6}$/)
    .optional(),
};

/**
 * What the gateway answers, signed by the gateway. `rejected` carries a fault the gateway found (a bad
 * dual signature, a mismatch, a bound exceeded): the merchant throws it as a {@link CardError} with that code.
 *
 * @example
 * ```ts
 * import { gatewayResultSchema } from '@semper/payment-card';
 * const result = gatewayResultSchema.parse(json);
 * ```
 */
export const gatewayResultSchema = z.discriminatedUnion('status', [
  z
    .object({ status: z.literal('authorized'), ...authorizationView, authCode: z.string().regex(/^[A-Z0-9]{6}$/) })
    .strict(),
  z.object({ status: z.literal('captured'), ...authorizationView }).strict(),
  z.object({ status: z.literal('voided'), ...authorizationView }).strict(),
  z.object({ status: z.literal('refunded'), ...authorizationView }).strict(),
  z
    .object({
      status: z.literal('declined'),
      reason: declineReasonSchema,
      authorizationId: id.optional(),
      transactionId: id.optional(),
    })
    .strict(),
  z.object({ status: z.literal('not-found') }).strict(),
  z
    .object({
      status: z.literal('rejected'),
      code: z.string().regex(/^ERR_CARD_[A-Z_]{1,64}$/),
      message: z.string().max(500),
    })
    .strict(),
]);
/** A gateway result, parsed. @example `if (r.status === 'declined') console.log(r.reason);` */
export type GatewayResult = z.infer<typeof gatewayResultSchema>;

/**
 * The gateway's response: the result, bound to the request by its operation id and the SHA-256 of the
 * request's content.
 *
 * @example
 * ```ts
 * import { gatewayResponseSchema } from '@semper/payment-card';
 * const res = gatewayResponseSchema.parse(json);
 * ```
 */
export const gatewayResponseSchema = z
  .object({
    v: z.literal(1),
    kind: z.literal('card.gw.response'),
    operationId: id.or(z.literal('')),
    requestDigest: digest,
    result: gatewayResultSchema,
  })
  .strict();
/** A gateway response, parsed. @example `const res: GatewayResponse = …;` */
export type GatewayResponse = z.infer<typeof gatewayResponseSchema>;

// ---------------------------------------------------------------------------------------------------------
// Encoding helpers (internal).

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** @internal */
export function encodeJson(value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value));
}

/** @internal Size check, UTF-8, JSON, then the schema; every failure is `ERR_CARD_MALFORMED`. */
export function decodeJson<S extends z.ZodType>(
  bytes: Uint8Array,
  schema: S,
  what: string,
  max = MAX_MESSAGE_BYTES,
): z.infer<S> {
  if (!(bytes instanceof Uint8Array)) throw malformed(`${what}: not bytes`);
  if (bytes.length > max) throw malformed(`${what}: ${bytes.length} bytes, over the limit of ${max}`);
  let json: unknown;
  try {
    json = JSON.parse(decoder.decode(bytes));
  } catch (err) {
    throw malformed(`${what}: not UTF-8 JSON`, err);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    // zod's issues name paths and expectations, never the values: no card data in the message.
    const where = parsed.error.issues
      .slice(0, 3)
      .map((i) => `${i.path.join('.') || '(root)'}: ${i.code}`)
      .join('; ');
    throw malformed(`${what}: ${where}`);
  }
  return parsed.data;
}

/** @internal */
export function toB64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/** @internal (the schema has checked the alphabet and the length) */
export function fromB64(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'base64'));
}

/** @internal */
export function moneyToJson(m: Money): z.infer<typeof moneySchema> {
  return { amount: m.amount.toString(), currency: m.currency };
}

/** @internal */
export function moneyFromJson(j: z.infer<typeof moneySchema>, what: string): Money {
  try {
    return Money.fromJSON(j);
  } catch (err) {
    throw malformed(`${what}: amount`, err);
  }
}

/** @internal */
export async function sha256(bytes: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
}

/** @internal */
export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** @internal */
export function sameMoney(a: z.infer<typeof moneySchema>, b: z.infer<typeof moneySchema>): boolean {
  return a.amount === b.amount && a.currency === b.currency;
}

/** @internal */
export function checkId(value: string, what: string): string {
  if (typeof value !== 'string' || !ID.test(value)) {
    throw new CardError('ERR_CARD_INVALID_ARGUMENT', `${what} must be 1-128 of [A-Za-z0-9_.:-]`);
  }
  return value;
}
