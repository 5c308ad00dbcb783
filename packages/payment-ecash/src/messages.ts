// The mint's wire messages: JSON, every binary field unpadded base64url, amounts as decimal strings of minor
// units. Parsed by zod after a size check; anything else is an EcashMessageError.
import { z } from 'zod';
import { ED25519_PUBLIC_BYTES, ED25519_SIGNATURE_BYTES, PREFIX_BYTES } from './coin.js';
import { fromBase64Url } from './encoding.js';
import { EcashError, EcashMessageError } from './errors.js';

/**
 * The largest mint request or response accepted, in octets, checked before anything is parsed.
 *
 * @example
 * ```ts
 * import { MAX_MINT_MESSAGE_BYTES } from '@semper/payment-ecash';
 * console.log(MAX_MINT_MESSAGE_BYTES); // 262144
 * ```
 */
export const MAX_MINT_MESSAGE_BYTES = 256 * 1024;
/**
 * The most coins or planchets in one request.
 *
 * @example
 * ```ts
 * import { MAX_COINS_PER_REQUEST } from '@semper/payment-ecash';
 * console.log(MAX_COINS_PER_REQUEST); // 64
 * ```
 */
export const MAX_COINS_PER_REQUEST = 64;
/** The largest RSA modulus accepted on the wire, in octets (8192 bits). */
const MAX_MODULUS_BYTES = 1024;

/** A base64url field whose decoded length is in [min, max]. */
function b64(min: number, max: number = min) {
  return z.string().refine(
    (s) => {
      if (s.length > Math.ceil((max * 4) / 3)) return false;
      const bytes = fromBase64Url(s);
      return bytes !== undefined && bytes.length >= min && bytes.length <= max;
    },
    { message: min === max ? `base64url of ${min} octets` : `base64url of ${min}..${max} octets` },
  );
}

const Id = z.string().regex(/^[A-Za-z0-9._:@-]{1,128}$/, 'an id of 1..128 [A-Za-z0-9._:@-]');
const KeyId = b64(32);
const Amount = z.string().regex(/^(0|[1-9][0-9]{0,17})$/, 'a decimal count of minor units');
const Currency = z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code');
const Time = z
  .string()
  .max(40)
  .refine((s) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,3})?Z$/.test(s) && Number.isFinite(Date.parse(s)), {
    message: 'an ISO 8601 UTC time',
  });
const Blinded = b64(256, MAX_MODULUS_BYTES);
const Signature = b64(ED25519_SIGNATURE_BYTES);

const BlindedPlanchet = z.strictObject({ keyId: KeyId, blindedMsg: Blinded });
const Planchets = z.array(BlindedPlanchet).max(MAX_COINS_PER_REQUEST);

/** One coin given up in a spend: the coin and its holder's Ed25519 signature over the spend's digest. */
const SpentCoin = z.strictObject({
  keyId: KeyId,
  coinPub: b64(ED25519_PUBLIC_BYTES),
  prefix: b64(PREFIX_BYTES),
  signature: Blinded,
  spendSignature: Signature,
});

const Credit = z.strictObject({ account: Id, amount: Amount, currency: Currency, reference: Id });

/**
 * The public part of a denomination key, as the mint publishes it.
 *
 * @example
 * ```ts
 * import { DenominationKeySchema } from '@semper/payment-ecash';
 * const key = DenominationKeySchema.parse(untrustedJson);
 * ```
 */
export const DenominationKeySchema = z.strictObject({
  keyId: KeyId,
  currency: Currency,
  value: Amount,
  publicKey: b64(200, 2100),
  variant: z.literal('RSABSSA-SHA384-PSS-Randomized'),
  validFrom: Time,
  withdrawUntil: Time,
  depositUntil: Time,
  /** The mint's master key's Ed25519 signature over `denominationKeyDigest(mint, key)`. */
  masterSignature: b64(ED25519_SIGNATURE_BYTES),
});

/**
 * What a mint answers to: `keys`, `withdraw` (signed by the account key), `spend` (each coin signed by its
 * coin key; deposits, refreshes and change are all spends), `spend-status`, `refund` and `balance` (signed by
 * the account key).
 *
 * @example
 * ```ts
 * import { MintRequestSchema } from '@semper/payment-ecash';
 * MintRequestSchema.parse({ type: 'keys' });
 * ```
 */
export const MintRequestSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('keys') }),
  z.strictObject({
    type: z.literal('withdraw'),
    account: Id,
    requestId: Id,
    at: Time,
    planchets: Planchets.min(1),
    signature: Signature,
  }),
  z.strictObject({
    type: z.literal('spend'),
    spendId: Id,
    coins: z.array(SpentCoin).min(1).max(MAX_COINS_PER_REQUEST),
    credit: Credit.nullable(),
    change: Planchets,
  }),
  z.strictObject({ type: z.literal('spend-status'), spendDigest: b64(32) }),
  z.strictObject({
    type: z.literal('refund'),
    account: Id,
    refundId: Id,
    spendDigest: b64(32),
    amount: Amount,
    currency: Currency,
    at: Time,
    planchets: Planchets.min(1),
    signature: Signature,
  }),
  z.strictObject({ type: z.literal('balance'), account: Id, at: Time, signature: Signature }),
]);

/**
 * The mint's answer to an accepted spend (deposit): the spend's digest, what was credited, the change.
 *
 * @example
 * ```ts
 * import { SpendAcceptedSchema } from '@semper/payment-ecash';
 * const ok = SpendAcceptedSchema.safeParse(JSON.parse(text)).success;
 * ```
 */
export const SpendAcceptedSchema = z.strictObject({
  type: z.literal('spend'),
  status: z.literal('accepted'),
  spendDigest: b64(32),
  credited: Credit.nullable(),
  changeSignatures: z.array(Blinded).max(MAX_COINS_PER_REQUEST),
  at: Time,
});

/**
 * Why the mint refused a spend (returned, not thrown: it is the coins' fault, not the protocol's).
 *
 * @example
 * ```ts
 * import { SpendRejectionReasons } from '@semper/payment-ecash';
 * console.log(SpendRejectionReasons.includes('double-spent')); // true
 * ```
 */
export const SpendRejectionReasons = [
  'double-spent',
  'coin-expired',
  'invalid-coin',
  'unknown-denomination',
  'value-mismatch',
  'currency-mismatch',
] as const;

/**
 * What a mint answers: one response per request type, or an `error` with a code.
 *
 * @example
 * ```ts
 * import { MintResponseSchema } from '@semper/payment-ecash';
 * MintResponseSchema.parse({ type: 'error', code: 'ERR_ECASH_UNKNOWN_ACCOUNT', message: "no account 'x'" });
 * ```
 */
export const MintResponseSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('keys'),
    mint: Id,
    /** The mint's master public key (Ed25519, raw): wallets pin it and check every key's signature. */
    masterPublicKey: b64(ED25519_PUBLIC_BYTES),
    keys: z.array(DenominationKeySchema).max(1024),
  }),
  z.discriminatedUnion('status', [
    z.strictObject({
      type: z.literal('withdraw'),
      status: z.literal('signed'),
      requestId: Id,
      blindSignatures: z.array(Blinded).min(1).max(MAX_COINS_PER_REQUEST),
    }),
    z.strictObject({
      type: z.literal('withdraw'),
      status: z.literal('insufficient-funds'),
      requestId: Id,
      balance: Amount,
      needed: Amount,
    }),
  ]),
  z.discriminatedUnion('status', [
    SpendAcceptedSchema,
    z.strictObject({
      type: z.literal('spend'),
      status: z.literal('rejected'),
      reason: z.enum(SpendRejectionReasons),
      coins: z.array(b64(ED25519_PUBLIC_BYTES)).max(MAX_COINS_PER_REQUEST),
    }),
  ]),
  z.discriminatedUnion('status', [
    z.strictObject({ type: z.literal('spend-status'), status: z.literal('unknown') }),
    z.strictObject({ type: z.literal('spend-status'), status: z.literal('accepted'), response: SpendAcceptedSchema }),
  ]),
  z.discriminatedUnion('status', [
    z.strictObject({
      type: z.literal('refund'),
      status: z.literal('refunded'),
      refundId: Id,
      blindSignatures: z.array(Blinded).min(1).max(MAX_COINS_PER_REQUEST),
    }),
    z.strictObject({
      type: z.literal('refund'),
      status: z.literal('rejected'),
      refundId: Id,
      reason: z.enum(['exceeds-deposit', 'insufficient-funds', 'value-mismatch', 'unknown-spend']),
    }),
  ]),
  z.strictObject({ type: z.literal('balance'), account: Id, amount: Amount, currency: Currency }),
  z.strictObject({
    type: z.literal('error'),
    code: z.string().regex(/^ERR_[A-Z0-9_]{1,60}$/),
    message: z.string().max(500),
  }),
]);

/**
 * A request a mint answers to (the parsed JSON form).
 *
 * @example
 * ```ts
 * import type { MintRequest } from '@semper/payment-ecash';
 * const request: MintRequest = { type: 'keys' };
 * ```
 */
export type MintRequest = z.infer<typeof MintRequestSchema>;
/**
 * A mint's response (the parsed JSON form).
 *
 * @example
 * ```ts
 * import type { MintResponse } from '@semper/payment-ecash';
 * const r: MintResponse = await client.request({ type: 'keys' });
 * if (r.type === 'error') console.error(r.code);
 * ```
 */
export type MintResponse = z.infer<typeof MintResponseSchema>;
/**
 * A request of one type.
 *
 * @example
 * ```ts
 * import type { MintRequestOf } from '@semper/payment-ecash';
 * const status: MintRequestOf<'spend-status'> = { type: 'spend-status', spendDigest };
 * ```
 */
export type MintRequestOf<T extends MintRequest['type']> = Extract<MintRequest, { type: T }>;
/**
 * A response of one type.
 *
 * @example
 * ```ts
 * import type { MintResponseOf } from '@semper/payment-ecash';
 * declare const r: MintResponseOf<'spend'>;
 * if (r.status === 'rejected') console.log(r.reason);
 * ```
 */
export type MintResponseOf<T extends MintResponse['type']> = Extract<MintResponse, { type: T }>;
/**
 * A denomination key as published.
 *
 * @example
 * ```ts
 * import { callMint, type DenominationKeyJSON } from '@semper/payment-ecash';
 * const keys: DenominationKeyJSON[] = (await callMint(client, { type: 'keys' })).keys;
 * ```
 */
export type DenominationKeyJSON = z.infer<typeof DenominationKeySchema>;
/**
 * A spend the mint accepted.
 *
 * @example
 * ```ts
 * import type { SpendAcceptedJSON } from '@semper/payment-ecash';
 * declare const accepted: SpendAcceptedJSON;
 * console.log(accepted.credited?.amount, accepted.changeSignatures.length);
 * ```
 */
export type SpendAcceptedJSON = z.infer<typeof SpendAcceptedSchema>;
/**
 * Why the mint refused a spend.
 *
 * @example
 * ```ts
 * import type { SpendRejectionReason } from '@semper/payment-ecash';
 * const reason: SpendRejectionReason = 'double-spent';
 * ```
 */
export type SpendRejectionReason = (typeof SpendRejectionReasons)[number];

function issuesOf(error: z.ZodError): string[] {
  return error.issues.slice(0, 10).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
}

/**
 * Parses untrusted bytes as JSON of `schema`: the size is checked first, then the JSON, then the schema.
 * Every failure is an `EcashMessageError` (`ERR_ECASH_MESSAGE_TOO_LARGE` or `ERR_ECASH_MALFORMED_MESSAGE`)
 * naming `what`; the bytes are never echoed.
 *
 * @example
 * ```ts
 * import { MintRequestSchema, parseMessage } from '@semper/payment-ecash';
 * const request = parseMessage(MintRequestSchema, new TextEncoder().encode('{"type":"keys"}'), 'mint request');
 * ```
 */
export function parseMessage<S extends z.ZodType>(
  schema: S,
  bytes: Uint8Array,
  what: string,
  maxBytes: number = MAX_MINT_MESSAGE_BYTES,
): z.infer<S> {
  if (bytes.length > maxBytes) {
    throw new EcashMessageError('ERR_ECASH_MESSAGE_TOO_LARGE', what, [`${bytes.length} octets, at most ${maxBytes}`]);
  }
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (cause) {
    throw new EcashMessageError('ERR_ECASH_MALFORMED_MESSAGE', what, ['not UTF-8 JSON'], { cause });
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new EcashMessageError('ERR_ECASH_MALFORMED_MESSAGE', what, issuesOf(parsed.error));
  return parsed.data;
}

/**
 * JSON bytes of a message.
 *
 * @example
 * ```ts
 * import { encodeMessage } from '@semper/payment-ecash';
 * const bytes = encodeMessage({ type: 'keys' });
 * ```
 */
export function encodeMessage(message: MintRequest | MintResponse | Record<string, unknown>): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(message));
}

/** The bytes of a base64url field that a schema already checked. */
export function bytesOf(field: string): Uint8Array {
  const bytes = fromBase64Url(field);
  if (!bytes) throw new EcashError('ERR_ECASH_MALFORMED_MESSAGE', 'not base64url');
  return bytes;
}
