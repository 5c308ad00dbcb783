/**
 * The hashed encoding of archive records, version 1 (`semper.archive.record.v1`). The README's "Record
 * format" section is the specification; this file is its reference implementation.
 *
 * ```
 * body = "semper.archive.record.v1/body" 0x00
 *        str(archive) i64(at) u8(direction) str(dealId) str(step) opt(peer) str(contentType) digest[32]
 * link = "semper.archive.record.v1/link" 0x00  u64(seq) prevHash[32] SHA-256(body)[32]
 * hash = SHA-256(link)
 * ```
 */
import { createHash } from 'node:crypto';
import { invalidArgument } from './errors.js';

/**
 * The name and version of the record encoding this package writes and reads: the domain prefix of the
 * hashed bytes, and the `recordEncoding` of a bundle's manifest.
 *
 * @example
 * ```ts
 * import { RECORD_ENCODING } from '@semper/archive';
 * console.log(RECORD_ENCODING); // semper.archive.record.v1
 * ```
 */
export const RECORD_ENCODING = 'semper.archive.record.v1';

/**
 * The `prevHash` of the first record of every archive: 32 zero bytes, in hex.
 *
 * @example
 * ```ts
 * import { GENESIS_HASH } from '@semper/archive';
 * GENESIS_HASH.length; // 64
 * ```
 */
export const GENESIS_HASH: string = '0'.repeat(64);

/**
 * The content type under which a CMS SignedData (a signed statement, DER) is archived: a bundle
 * verifier checks the signature of every record of this type, and exports its bytes as `.der`.
 *
 * @example
 * ```ts
 * import { SIGNED_DATA_CONTENT_TYPE } from '@semper/archive';
 * await archive.append({ dealId, step: 'offer', direction: 'sent', content: signedOffer, contentType: SIGNED_DATA_CONTENT_TYPE });
 * ```
 */
export const SIGNED_DATA_CONTENT_TYPE = 'application/pkcs7-mime; smime-type=signed-data';

/**
 * Whether a record was sent by the archiving party or received by it.
 *
 * @example
 * ```ts
 * import type { Direction } from '@semper/archive';
 * const d: Direction = 'received';
 * ```
 */
export type Direction = 'sent' | 'received';

/**
 * The fields of a record that its hash covers (the content itself through its SHA-256 digest).
 *
 * @example
 * ```ts
 * import type { RecordFields } from '@semper/archive';
 * const fields: RecordFields = {
 *   archive: 'merchant', seq: 1, at: new Date('2030-01-01T00:00:00Z'), direction: 'sent',
 *   dealId: 'deal_01J0000000000000000000000', step: 'offer', contentType: 'application/octet-stream',
 *   contentDigest: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', prevHash: '0'.repeat(64),
 * };
 * ```
 */
export interface RecordFields {
  /** The archive (chain) name. */
  readonly archive: string;
  /** Position in the chain, from 1. */
  readonly seq: number;
  /** When the record was archived (millisecond precision). */
  readonly at: Date;
  readonly direction: Direction;
  /** The deal or transaction the record belongs to. */
  readonly dealId: string;
  /** The protocol step (`offer`, `order`, `payment.deposit`…). */
  readonly step: string;
  /** The other party, if known (e.g. its certificate subject or endpoint). */
  readonly peer?: string;
  /** Media type of the content. */
  readonly contentType: string;
  /** SHA-256 of the content, lowercase hex. */
  readonly contentDigest: string;
  /** The previous record's hash ({@link GENESIS_HASH} for the first), lowercase hex. */
  readonly prevHash: string;
}

const BODY_DOMAIN = Buffer.from(`${RECORD_ENCODING}/body\0`, 'latin1');
const LINK_DOMAIN = Buffer.from(`${RECORD_ENCODING}/link\0`, 'latin1');
const DIRECTION_BYTE: Readonly<Record<Direction, number>> = { sent: 0x01, received: 0x02 };
const HEX64 = /^[0-9a-f]{64}$/;

/**
 * SHA-256 of `bytes`, lowercase hex.
 *
 * @example
 * ```ts
 * import { sha256Hex } from '@semper/archive';
 * sha256Hex(new Uint8Array()); // 'e3b0c442…b855'
 * ```
 */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Whether `value` is 64 lowercase hex digits (a SHA-256 value). @internal */
export function isHash(value: unknown): value is string {
  return typeof value === 'string' && HEX64.test(value);
}

function checkHash(value: string, what: string): Buffer {
  if (!isHash(value)) throw invalidArgument(`${what} is not 64 lowercase hex digits`);
  return Buffer.from(value, 'hex');
}

function checkSeq(seq: number): void {
  if (!Number.isSafeInteger(seq) || seq < 1) throw invalidArgument('seq is a positive safe integer');
}

function str(value: string, what: string): Buffer {
  if (typeof value !== 'string') throw invalidArgument(`${what} is not a string`);
  const bytes = Buffer.from(value, 'utf8');
  if (bytes.toString('utf8') !== value) throw invalidArgument(`${what} is not well-formed Unicode`);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(bytes.length);
  return Buffer.concat([len, bytes]);
}

/**
 * The hashed body of a record (everything but its position: `seq` and `prevHash` are in the link).
 *
 * @example
 * ```ts
 * import { encodeRecordBody } from '@semper/archive';
 * const body = encodeRecordBody(fields); // starts with "semper.archive.record.v1/body\0"
 * ```
 */
export function encodeRecordBody(f: Omit<RecordFields, 'seq' | 'prevHash'>): Uint8Array {
  const ms = f.at instanceof Date ? f.at.getTime() : Number.NaN;
  if (!Number.isFinite(ms)) throw invalidArgument('at is not a valid Date');
  const at = Buffer.alloc(8);
  at.writeBigInt64BE(BigInt(ms));
  const direction = DIRECTION_BYTE[f.direction];
  if (direction === undefined) throw invalidArgument("direction is 'sent' or 'received'");
  const peer = f.peer === undefined ? Buffer.of(0) : Buffer.concat([Buffer.of(1), str(f.peer, 'peer')]);
  return Buffer.concat([
    BODY_DOMAIN,
    str(f.archive, 'archive'),
    at,
    Buffer.of(direction),
    str(f.dealId, 'dealId'),
    str(f.step, 'step'),
    peer,
    str(f.contentType, 'contentType'),
    checkHash(f.contentDigest, 'contentDigest'),
  ]);
}

/**
 * SHA-256 of {@link encodeRecordBody}, lowercase hex: what a bundle shows for a record of another deal.
 *
 * @example
 * ```ts
 * import { recordBodyHash } from '@semper/archive';
 * const bodyHash = recordBodyHash(fields);
 * ```
 */
export function recordBodyHash(f: Omit<RecordFields, 'seq' | 'prevHash'>): string {
  return sha256Hex(encodeRecordBody(f));
}

/**
 * The hashed link of a record: its position, its predecessor's hash and its body hash.
 *
 * @example
 * ```ts
 * import { encodeRecordLink, GENESIS_HASH } from '@semper/archive';
 * const link = encodeRecordLink(1, GENESIS_HASH, bodyHash); // 30 + 8 + 32 + 32 bytes
 * ```
 */
export function encodeRecordLink(seq: number, prevHash: string, bodyHash: string): Uint8Array {
  checkSeq(seq);
  const s = Buffer.alloc(8);
  s.writeBigUInt64BE(BigInt(seq));
  return Buffer.concat([LINK_DOMAIN, s, checkHash(prevHash, 'prevHash'), checkHash(bodyHash, 'bodyHash')]);
}

/**
 * The hash of a record given its body hash: SHA-256 of {@link encodeRecordLink}, lowercase hex.
 *
 * @example
 * ```ts
 * import { linkHash, GENESIS_HASH } from '@semper/archive';
 * const hash = linkHash(1, GENESIS_HASH, bodyHash);
 * ```
 */
export function linkHash(seq: number, prevHash: string, bodyHash: string): string {
  return sha256Hex(encodeRecordLink(seq, prevHash, bodyHash));
}

/**
 * The hash of a record: `linkHash(seq, prevHash, recordBodyHash(fields))`.
 *
 * @example
 * ```ts
 * import { recordHash } from '@semper/archive';
 * const hash = recordHash({ ...fields, seq: 1, prevHash: '0'.repeat(64) });
 * ```
 */
export function recordHash(f: RecordFields): string {
  return linkHash(f.seq, f.prevHash, recordBodyHash(f));
}
