import { newId } from '@semper/core';
import { type Certificate, commonNameOf } from '@semper/crypto';
import { z } from 'zod';
import { SdcError } from './errors.js';

/**
 * The format version this code writes and reads.
 *
 * @example
 * ```ts
 * import { SDC_FORMAT } from '@semper/sdc';
 * console.log(SDC_FORMAT); // semper-sdc/1
 * ```
 */
export const SDC_FORMAT = 'semper-sdc/1';

/**
 * The container types of `semper-sdc/1`.
 *
 * @example
 * ```ts
 * import { SDC_TYPES } from '@semper/sdc';
 * SDC_TYPES.includes('export'); // true
 * ```
 */
export const SDC_TYPES = ['export', 'import-request', 'import-response', 'message', 'receipt', 'error'] as const;

/**
 * A container type.
 *
 * @example
 * ```ts
 * import type { SdcType } from '@semper/sdc';
 * const t: SdcType = 'receipt';
 * ```
 */
export type SdcType = (typeof SDC_TYPES)[number];

const containerId = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'a container id is 1 to 64 letters, digits, "_" or "-"');
// A party id: printable text without control characters or surrounding spaces, 1 to 256 characters.
const partyId = z
  .string()
  .min(1)
  .max(256)
  .regex(
    /^[^\s\p{Cc}\p{Cs}](?:[^\p{Cc}\p{Cs}]*[^\s\p{Cc}\p{Cs}])?$/u,
    'a party id is printable text without surrounding spaces',
  );
// A per-sender sequence number: a decimal string without leading zeros, 0 to 2^64 - 1.
const sequence = z
  .string()
  .regex(/^(?:0|[1-9][0-9]{0,19})$/, 'a sequence number is a decimal string without leading zeros')
  .refine(
    (s) => /^[0-9]{1,20}$/.test(s) && BigInt(s) <= 0xffff_ffff_ffff_ffffn,
    'a sequence number is at most 2^64 - 1',
  );
// RFC 3339 in UTC with a Z, as Date.prototype.toISOString writes it (milliseconds optional).
const timestamp = z.iso.datetime({ precision: undefined, offset: false, local: false });

/**
 * The zod schema of an SDC header, `semper-sdc/1` (docs/specs/sdc-format.md §3). Strict: an unknown member
 * is refused (a new member is a new format version).
 *
 * @example
 * ```ts
 * import { sdcHeaderSchema } from '@semper/sdc';
 * const ok = sdcHeaderSchema.safeParse(JSON.parse(text)).success;
 * ```
 */
export const sdcHeaderSchema = z.strictObject({
  /** The format version: `semper-sdc/1`. */
  format: z.literal(SDC_FORMAT),
  /** The container id, unique per sender: a UUID, a ULID or a prefixed semper id. */
  id: containerId,
  type: z.enum(SDC_TYPES),
  /** The sending party's id. */
  sender: partyId,
  /** The receiving party's id. */
  recipient: partyId,
  /** When the container was made (UTC, RFC 3339 with `Z`). */
  createdAt: timestamp,
  /** Per-sender sequence number, strictly increasing, as a decimal string. */
  sequence,
  /** The id of the container this one answers. */
  inReplyTo: containerId.optional(),
});

/**
 * An SDC header as it travels (signed inside, and in clear outside).
 *
 * @example
 * ```ts
 * import type { SdcHeader } from '@semper/sdc';
 * const h: SdcHeader = { format: 'semper-sdc/1', id: 'sdc_01JD3Q4ZC0M2G4ZCQ5V0NB7XQ8', type: 'export', sender: 'agency-1', recipient: 'hub', createdAt: '2026-12-01T10:00:00.000Z', sequence: '7' };
 * ```
 */
export type SdcHeader = z.output<typeof sdcHeaderSchema>;

/**
 * What a caller gives to make a header: `type` is required; `format`, `id` (a new `sdc_…` id) and
 * `createdAt` (now) have defaults; `sender` and `recipient` default to the party ids of the signer's and the
 * recipient's certificates when sealing; `sequence` may be a bigint, a safe integer or a decimal string.
 *
 * @example
 * ```ts
 * import type { SdcHeaderInput } from '@semper/sdc';
 * const h: SdcHeaderInput = { type: 'export', sequence: 8n };
 * ```
 */
export interface SdcHeaderInput {
  readonly format?: typeof SDC_FORMAT;
  readonly id?: string;
  readonly type: SdcType;
  readonly sender?: string;
  readonly recipient?: string;
  readonly createdAt?: string | Date;
  readonly sequence: bigint | number | string;
  readonly inReplyTo?: string;
}

/**
 * Completes and checks a header: fills the defaults of {@link SdcHeaderInput} and validates the result with
 * {@link sdcHeaderSchema}.
 *
 * @throws {@link SdcError} `ERR_SDC_INVALID_ARGUMENT` naming the first invalid fields.
 *
 * @example
 * ```ts
 * import { makeSdcHeader } from '@semper/sdc';
 * const header = makeSdcHeader({ type: 'message', sender: 'hub', recipient: 'agency-1', sequence: 1 });
 * console.log(header.id, header.createdAt);
 * ```
 */
export function makeSdcHeader(input: SdcHeaderInput): SdcHeader {
  if (input === null || typeof input !== 'object') {
    throw new SdcError('ERR_SDC_INVALID_ARGUMENT', 'a header must be an object');
  }
  let seq: unknown = input.sequence;
  if (typeof seq === 'bigint') seq = seq.toString();
  else if (typeof seq === 'number' && Number.isSafeInteger(seq)) seq = String(seq);
  const createdAt =
    input.createdAt instanceof Date ? input.createdAt.toISOString() : (input.createdAt ?? new Date().toISOString());
  const candidate: Record<string, unknown> = {
    format: input.format ?? SDC_FORMAT,
    id: input.id ?? newId('sdc'),
    type: input.type,
    sender: input.sender,
    recipient: input.recipient,
    createdAt,
    sequence: seq,
  };
  if (input.inReplyTo !== undefined) candidate.inReplyTo = input.inReplyTo;
  const parsed = sdcHeaderSchema.safeParse(candidate);
  if (!parsed.success) {
    throw new SdcError('ERR_SDC_INVALID_ARGUMENT', `invalid header: ${describeIssues(parsed.error)}`);
  }
  return parsed.data;
}

/**
 * `path: message` of the first few zod issues, without the values (which may be untrusted or secret). Paths
 * and zod's messages can quote member names of untrusted input: control characters are replaced and the
 * whole is cut at 300 characters, so that a message stays one short line.
 */
export function describeIssues(error: z.ZodError): string {
  const shown = error.issues
    .slice(0, 3)
    .map((i) => `${i.path.length === 0 ? '(root)' : i.path.map(String).join('.')}: ${i.message}`);
  const text = shown.join('; ') + (error.issues.length > 3 ? ` (+${error.issues.length - 3} more)` : '');
  const clean = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, '?');
  return clean.length > 300 ? `${clean.slice(0, 299)}…` : clean;
}

/**
 * The default party id of a certificate: the value of the first CN of its subject, or the whole subject
 * (RFC 4514) when it has no CN. `sealSdc` uses it for a missing `sender`/`recipient`, `openSdc` to check that
 * the sender is the signer and the recipient the opener, unless the caller gives its own `partyOf`.
 *
 * @example
 * ```ts
 * import { sdcPartyId } from '@semper/sdc';
 * sdcPartyId(agencyCertificate); // e.g. 'agency-1' for CN=agency-1, O=Example Transfers
 * ```
 */
export function sdcPartyId(certificate: Certificate): string {
  return commonNameOf(certificate.subjectDer) ?? certificate.subject;
}
