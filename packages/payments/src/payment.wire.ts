import { z } from 'zod';
import { PaymentProtocolError } from './errors.js';

/** Header: the payment protocol version. @internal */
export const PAYMENT_HEADER = 'semper-payment';
/** Header: the transaction id. @internal */
export const TX_HEADER = 'semper-payment-tx';
/** Header: the step. @internal */
export const STEP_HEADER = 'semper-payment-step';
/** Header: the sending party. @internal */
export const PARTY_HEADER = 'semper-payment-party';
/** Content type of the manager's own messages. @internal */
export const NEGOTIATION_CONTENT_TYPE = 'application/vnd.semper.payment+json';
/** Content type of a module's messages. @internal */
export const MODULE_CONTENT_TYPE = 'application/vnd.semper.payment-module';

/** Content type of a payee's signed request (a CMS SignedData). @internal */
export const SIGNED_REQUEST_CONTENT_TYPE = 'application/vnd.semper.payment-request+cms';
/** eContentType of a signed payment request: a UUID OID (2.25.<uuid>, ITU-T X.667). @internal */
export const PAYMENT_REQUEST_ECONTENT_TYPE = '2.25.156010945770229119896755314808449798037';

/** The manager's steps; a module's steps travel as `m.<step>`. @internal */
export const STEP_REQUEST = 'p.request';
/** @internal */
export const STEP_SELECT = 'p.select';
/** @internal */
export const STEP_REFUSE = 'p.refuse';
/** @internal */
export const STEP_ABORT = 'p.abort';

/** A module step name: what `PaymentPeer.send/receive` accept. */
export const MODULE_STEP = /^[a-z0-9][a-z0-9._-]{0,63}$/;
/** A transaction id as it may arrive from the other party. */
export const TRANSACTION_ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$/;
/** A party id: printable, no spaces. */
export const PARTY_ID = /^[\x21-\x7e]{1,256}$/;

/** Largest negotiation message (64 KiB). @internal */
export const MAX_NEGOTIATION_BYTES = 64 * 1024;

const moduleId = z
  .string()
  .max(64)
  .regex(/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*$/);
const version = z.string().max(64);
const scalar = z.union([z.string().max(256), z.number(), z.boolean()]);
const capabilities = z.record(z.string().max(64), z.union([scalar, z.array(scalar).max(64)])).optional();

/** The payee's request: what it asks and which modules it accepts. @internal */
export const requestSchema = z.strictObject({
  v: z.literal(1),
  transactionId: z.string().regex(TRANSACTION_ID),
  payee: z.string().regex(PARTY_ID),
  amount: z.strictObject({
    amount: z.string().regex(/^[1-9][0-9]{0,37}$/),
    currency: z.string().regex(/^[A-Z]{3}$/),
  }),
  mode: z.enum(['sale', 'authorize']),
  reference: z.string().max(200).optional(),
  modules: z
    .array(z.strictObject({ id: moduleId, version, capabilities }))
    .min(1)
    .max(32),
});
/** @internal */
export type WireRequest = z.infer<typeof requestSchema>;

/** The payer's choice. @internal */
export const selectSchema = z.strictObject({
  v: z.literal(1),
  transactionId: z.string().regex(TRANSACTION_ID),
  payer: z.string().regex(PARTY_ID),
  module: z.strictObject({ id: moduleId, version }),
});
/** @internal */
export type WireSelect = z.infer<typeof selectSchema>;

/** The payer's refusal, or either side's abort. @internal */
export const refuseSchema = z.strictObject({
  v: z.literal(1),
  transactionId: z.string().regex(TRANSACTION_ID),
  reason: z.string().max(200),
});
/** @internal */
export type WireRefuse = z.infer<typeof refuseSchema>;

/** Encodes a negotiation message. @internal */
export function encodeWire(value: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(value));
}

/** Parses a negotiation message after a size check; a bad one is a `PaymentProtocolError`. @internal */
export function decodeWire<T>(schema: z.ZodType<T>, bytes: Uint8Array, step: string): T {
  if (bytes.length > MAX_NEGOTIATION_BYTES)
    throw new PaymentProtocolError(step, `more than ${MAX_NEGOTIATION_BYTES} bytes`);
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (err) {
    throw new PaymentProtocolError(step, 'not UTF-8 JSON', { cause: err });
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const paths = parsed.error.issues.map((i) => i.path.join('.') || '(root)').slice(0, 8);
    throw new PaymentProtocolError(step, `invalid message at ${paths.join(', ')}`);
  }
  return parsed.data;
}
