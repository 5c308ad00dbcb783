/**
 * Signed checkpoints: a party's CMS SignedData over its chain head (archive, sequence number, head hash,
 * time), version 1 (`semper.archive.checkpoint`). The signed content is RFC 8785 canonical JSON, so the
 * same checkpoint always has the same bytes, and `openssl cms -verify` prints it.
 */
import type { Certificate, ChainValidator, Identity, VerifyOptions } from '@semper/crypto';
import { signData, verifySignedData } from '@semper/crypto';
import { ArchiveError, invalidArgument } from './errors.js';
import { isHash } from './record-encoding.js';

/**
 * The `type` of a checkpoint's signed content.
 *
 * @example
 * ```ts
 * import { CHECKPOINT_TYPE } from '@semper/archive';
 * console.log(CHECKPOINT_TYPE); // semper.archive.checkpoint
 * ```
 */
export const CHECKPOINT_TYPE = 'semper.archive.checkpoint';

/** The version of the checkpoint content this package writes and reads. */
const CHECKPOINT_VERSION = 1;

/** Longest checkpoint content read (it is about 200 bytes). */
const MAX_CHECKPOINT_CONTENT = 4096;

/**
 * What a checkpoint says: record `seq` of archive `archive` has hash `headHash`, as of `at`.
 *
 * @example
 * ```ts
 * import type { CheckpointContent } from '@semper/archive';
 * const c: CheckpointContent = { archive: 'merchant', seq: 10, headHash: 'ab'.repeat(32), at: new Date() };
 * ```
 */
export interface CheckpointContent {
  readonly archive: string;
  readonly seq: number;
  /** The hash of record `seq`, lowercase hex. */
  readonly headHash: string;
  readonly at: Date;
}

/**
 * A signed checkpoint: its content and the DER CMS SignedData that carries it.
 *
 * @example
 * ```ts
 * import type { Checkpoint } from '@semper/archive';
 * const show = (c: Checkpoint) => `${c.archive}#${c.seq} ${c.headHash} ${c.at.toISOString()}`;
 * ```
 */
export interface Checkpoint extends CheckpointContent {
  /** DER `ContentInfo(SignedData)`, attached content: `openssl cms -verify -inform DER` checks it. */
  readonly signed: Uint8Array;
}

/**
 * The canonical bytes of a checkpoint's content (RFC 8785: keys sorted, no white space):
 * `{"archive":…,"at":"…Z","headHash":"…","seq":…,"type":"semper.archive.checkpoint","version":1}`.
 *
 * @example
 * ```ts
 * import { encodeCheckpointContent } from '@semper/archive';
 * const bytes = encodeCheckpointContent({ archive: 'a', seq: 1, headHash: '00'.repeat(32), at: new Date(0) });
 * ```
 */
export function encodeCheckpointContent(c: CheckpointContent): Uint8Array {
  if (typeof c?.archive !== 'string' || c.archive === '') throw invalidArgument('a checkpoint names its archive');
  if (!Number.isSafeInteger(c.seq) || c.seq < 1) throw invalidArgument('a checkpoint seq is a positive integer');
  if (!isHash(c.headHash)) throw invalidArgument('a checkpoint headHash is 64 lowercase hex digits');
  if (!(c.at instanceof Date) || !Number.isFinite(c.at.getTime())) throw invalidArgument('a checkpoint at is a Date');
  // Keys in RFC 8785 order (UTF-16 code units); strings as ECMAScript's JSON.stringify writes them.
  const json = `{"archive":${JSON.stringify(c.archive)},"at":${JSON.stringify(c.at.toISOString())},"headHash":"${c.headHash}","seq":${c.seq},"type":"${CHECKPOINT_TYPE}","version":${CHECKPOINT_VERSION}}`;
  return new TextEncoder().encode(json);
}

function invalidCheckpoint(message: string): ArchiveError {
  return new ArchiveError('ERR_ARCHIVE_CHECKPOINT_INVALID', message);
}

/**
 * Reads a checkpoint's content strictly: exactly the canonical bytes {@link encodeCheckpointContent}
 * writes, or `ERR_ARCHIVE_CHECKPOINT_INVALID`.
 *
 * @example
 * ```ts
 * import { decodeCheckpointContent, encodeCheckpointContent } from '@semper/archive';
 * const c = decodeCheckpointContent(encodeCheckpointContent({ archive: 'a', seq: 1, headHash: '00'.repeat(32), at: new Date(0) }));
 * ```
 */
export function decodeCheckpointContent(bytes: Uint8Array): CheckpointContent {
  if (!(bytes instanceof Uint8Array) || bytes.length > MAX_CHECKPOINT_CONTENT) {
    throw invalidCheckpoint('the signed content is not a checkpoint (too large)');
  }
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (err) {
    throw new ArchiveError('ERR_ARCHIVE_CHECKPOINT_INVALID', 'the signed content is not JSON', { cause: err });
  }
  const o = value as Record<string, unknown>;
  if (typeof o !== 'object' || o === null || Array.isArray(o) || o.type !== CHECKPOINT_TYPE) {
    throw invalidCheckpoint(`the signed content is not a ${CHECKPOINT_TYPE}`);
  }
  if (o.version !== CHECKPOINT_VERSION) {
    throw invalidCheckpoint(`checkpoint version ${String(o.version)} is not supported (only ${CHECKPOINT_VERSION})`);
  }
  const at = typeof o.at === 'string' ? new Date(o.at) : new Date(Number.NaN);
  if (
    typeof o.archive !== 'string' ||
    o.archive === '' ||
    typeof o.seq !== 'number' ||
    !Number.isSafeInteger(o.seq) ||
    o.seq < 1 ||
    !isHash(o.headHash) ||
    !Number.isFinite(at.getTime())
  ) {
    throw invalidCheckpoint('the checkpoint content has a missing or malformed field');
  }
  const content: CheckpointContent = { archive: o.archive, seq: o.seq, headHash: o.headHash, at };
  const canonical = encodeCheckpointContent(content);
  if (canonical.length !== bytes.length || !canonical.every((b, i) => b === bytes[i])) {
    throw invalidCheckpoint('the checkpoint content is not in canonical form');
  }
  return content;
}

/**
 * Signs a checkpoint as `signer`: CMS SignedData (SHA-256, signing time = `content.at`, the signer's
 * chain included) over {@link encodeCheckpointContent}.
 *
 * @example
 * ```ts
 * import { signCheckpoint } from '@semper/archive';
 * const checkpoint = await signCheckpoint({ archive: 'merchant', seq: 10, headHash, at: new Date() }, merchant);
 * ```
 */
export async function signCheckpoint(content: CheckpointContent, signer: Identity): Promise<Checkpoint> {
  const bytes = encodeCheckpointContent(content);
  const signed = await signData(bytes, { signer, signingTime: content.at });
  return { ...content, signed };
}

/**
 * Options of {@link verifyCheckpoint}.
 *
 * @example
 * ```ts
 * import type { VerifyCheckpointOptions } from '@semper/archive';
 * const o: VerifyCheckpointOptions = { trust, expected: { archive: 'merchant', seq: 10, at } };
 * ```
 */
export interface VerifyCheckpointOptions {
  /** Trust anchors (a `TrustStore`) or any chain validator. */
  readonly trust: VerifyOptions['trust'] & ChainValidator;
  /**
   * What the checkpoint must say (from the database row or the bundle manifest). `at` is also the time
   * at which the signer's chain is validated, unless `validationTime` is given: a checkpoint stays
   * verifiable after its signer's certificate expired.
   */
  readonly expected: { readonly archive: string; readonly seq: number; readonly at: Date; readonly headHash?: string };
  /** Require this signer certificate (the archiving party's). */
  readonly signer?: Certificate;
  /** Validate the signer's chain at this time instead of the checkpoint's time. */
  readonly validationTime?: Date;
}

/**
 * A verified checkpoint and its signer.
 *
 * @example
 * ```ts
 * import type { VerifiedCheckpoint } from '@semper/archive';
 * const who = (v: VerifiedCheckpoint) => v.signer.subject;
 * ```
 */
export interface VerifiedCheckpoint extends Checkpoint {
  readonly signer: Certificate;
}

/**
 * Verifies a signed checkpoint: the CMS signature and the signer's chain (at the checkpoint's time), then
 * that its content is a canonical checkpoint saying what `expected` says.
 *
 * @throws `@semper/crypto`'s `CryptoError` for a bad signature, an untrusted signer or malformed CMS;
 * {@link ArchiveError} `ERR_ARCHIVE_CHECKPOINT_INVALID` when the content is not the expected checkpoint
 * or the signer is not the required one.
 *
 * @example
 * ```ts
 * import { verifyCheckpoint } from '@semper/archive';
 * const v = await verifyCheckpoint(checkpoint.signed, { trust, expected: checkpoint });
 * console.log(v.signer.subject, v.seq, v.headHash);
 * ```
 */
export async function verifyCheckpoint(signed: Uint8Array, o: VerifyCheckpointOptions): Promise<VerifiedCheckpoint> {
  const expected = o.expected;
  const verified = await verifySignedData(signed, { trust: o.trust, at: o.validationTime ?? expected.at });
  const content = decodeCheckpointContent(verified.content);
  if (content.archive !== expected.archive) {
    throw invalidCheckpoint(`the checkpoint is of archive '${content.archive}', not '${expected.archive}'`);
  }
  if (content.seq !== expected.seq) {
    throw invalidCheckpoint(`the checkpoint signs record ${content.seq}, not ${expected.seq}`);
  }
  if (content.at.getTime() !== expected.at.getTime()) {
    throw invalidCheckpoint(
      `the checkpoint is signed as of ${content.at.toISOString()}, not ${expected.at.toISOString()}`,
    );
  }
  if (expected.headHash !== undefined && content.headHash !== expected.headHash) {
    throw invalidCheckpoint(`the checkpoint signs another head hash for record ${content.seq}`);
  }
  if (o.signer !== undefined && !verified.signer.equals(o.signer)) {
    throw invalidCheckpoint(`the checkpoint is signed by ${verified.signer.subject}, not by ${o.signer.subject}`);
  }
  return { ...content, signed, signer: verified.signer };
}
