/**
 * `@semper/archive`: each party's evidence archive. Append-only, hash-chained records of everything the
 * party sent and received (deal, protocol step, direction, the exact bytes and their SHA-256, time,
 * position), stored on `@semper/store`; checkpoints signed by the party (CMS SignedData); `verify()`,
 * which locates the first record altered, removed, reordered or truncated; and per-deal evidence
 * bundles that anyone verifies offline (`verifyBundle`, `verifyBundleFile`) and whose signed items
 * `openssl cms -verify` checks. Nothing here opens or registers anything at import time.
 *
 * @packageDocumentation
 */
export {
  BUNDLE_FORMAT,
  BUNDLE_VERSION,
  type BundleCheckpoint,
  type BundleEntry,
  type BundleLimits,
  type BundleManifest,
  type BundleRecord,
  type BundleSegment,
  DEFAULT_BUNDLE_LIMITS,
  type ParsedBundle,
  readBundle,
} from './bundle.js';
export {
  type BundleCheckpointReport,
  type BundleRecordReport,
  type BundleReport,
  type BundleVerdict,
  type VerifyBundleFileOptions,
  type VerifyBundleOptions,
  verifyBundle,
  verifyBundleFile,
} from './bundle-verify.js';
export {
  CHECKPOINT_TYPE,
  type Checkpoint,
  type CheckpointContent,
  decodeCheckpointContent,
  encodeCheckpointContent,
  signCheckpoint,
  type VerifiedCheckpoint,
  type VerifyCheckpointOptions,
  verifyCheckpoint,
} from './checkpoint.js';
export { type ArchiveContainer, type ArchiveRegistrationOptions, register } from './container.js';
export { ArchiveError, type ArchiveErrorCode, BundleFormatError } from './errors.js';
export type { ArchiveEvent, ArchiveEventType } from './events.js';
export {
  type AppendInput,
  type ArchivedRecord,
  type ArchiveHead,
  type ArchiveOptions,
  type ArchiveVerification,
  EvidenceArchive,
  type ExportBundleOptions,
  openArchive,
  type VerifyArchiveOptions,
} from './evidence-archive.js';
export type { ArchiveIssue, ArchiveIssueKind } from './issues.js';
export { ARCHIVE_MIGRATIONS } from './migrations.js';
export {
  type Direction,
  encodeRecordBody,
  encodeRecordLink,
  GENESIS_HASH,
  linkHash,
  RECORD_ENCODING,
  type RecordFields,
  recordBodyHash,
  recordHash,
  SIGNED_DATA_CONTENT_TYPE,
  sha256Hex,
} from './record-encoding.js';
export { EVIDENCE_ARCHIVE } from './tokens.js';
