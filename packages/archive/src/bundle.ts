/**
 * The evidence bundle format, version 1 (`semper.archive.bundle`): a ustar file holding `manifest.json`
 * (first) and DER/binary items. The README's "Bundle format" section is the specification.
 */
import { BundleFormatError } from './errors.js';
import { readTar, type TarFile, writeTar } from './bundle-tar.js';
import { type Direction, isHash, RECORD_ENCODING, SIGNED_DATA_CONTENT_TYPE } from './record-encoding.js';

/**
 * The `format` of a bundle manifest.
 *
 * @example
 * ```ts
 * import { BUNDLE_FORMAT, BUNDLE_VERSION } from '@semper/archive';
 * console.log(`${BUNDLE_FORMAT} v${BUNDLE_VERSION}`); // semper.archive.bundle v1
 * ```
 */
export const BUNDLE_FORMAT = 'semper.archive.bundle';

/**
 * The bundle `version` this package writes and reads.
 *
 * @example
 * ```ts
 * import { BUNDLE_VERSION } from '@semper/archive';
 * if (manifest.version !== BUNDLE_VERSION) throw new Error('unsupported');
 * ```
 */
export const BUNDLE_VERSION = 1;

/** The manifest's name in the tar file (always its first entry). */
const MANIFEST = 'manifest.json';

/**
 * A record of the deal, in a bundle: its fields, and the item holding its exact bytes.
 *
 * @example
 * ```ts
 * import type { BundleRecord } from '@semper/archive';
 * const label = (r: BundleRecord) => `${r.at} ${r.direction} ${r.step} (${r.contentLength} bytes, ${r.file})`;
 * ```
 */
export interface BundleRecord {
  /** The item: `records/<seq>.der` (a CMS signed statement) or `records/<seq>.bin`. */
  readonly file: string;
  /** ISO 8601, milliseconds, `Z`. */
  readonly at: string;
  readonly direction: Direction;
  readonly dealId: string;
  readonly step: string;
  readonly peer?: string;
  readonly contentType: string;
  readonly contentLength: number;
  /** SHA-256 of the item, lowercase hex. */
  readonly contentDigest: string;
}

/**
 * One position of a segment's chain: a record of the deal (`record`) or another record, shown by its
 * body hash only (`bodyHash`: nothing about other deals is disclosed). `hash` is the record's hash as
 * the archive held it: informative (the verifier recomputes every hash), it locates an alteration.
 *
 * @example
 * ```ts
 * import type { BundleEntry } from '@semper/archive';
 * const isDealRecord = (e: BundleEntry) => 'record' in e;
 * ```
 */
export type BundleEntry =
  | { readonly seq: number; readonly hash: string; readonly record: BundleRecord }
  | { readonly seq: number; readonly hash: string; readonly bodyHash: string };

/**
 * A signed checkpoint of a segment: where it is (`seq`), what it is said to sign, and its item
 * (`checkpoints/<seq>.der`, a CMS SignedData). The verifier checks the listed values against the signed ones.
 *
 * @example
 * ```ts
 * import type { BundleCheckpoint } from '@semper/archive';
 * const c: BundleCheckpoint = { seq: 10, at: '2030-01-01T00:00:00.000Z', headHash: 'ab'.repeat(32), file: 'checkpoints/10.der' };
 * ```
 */
export interface BundleCheckpoint {
  readonly seq: number;
  readonly at: string;
  readonly headHash: string;
  readonly file: string;
}

/**
 * A contiguous stretch of the chain: from the first record of the deal it holds to the signed checkpoint
 * that covers its last one. `prevHash` is the hash of the record before the stretch.
 *
 * @example
 * ```ts
 * import type { BundleSegment } from '@semper/archive';
 * const span = (s: BundleSegment) => [s.entries[0]?.seq, s.entries.at(-1)?.seq];
 * ```
 */
export interface BundleSegment {
  readonly prevHash: string;
  readonly entries: readonly BundleEntry[];
  readonly checkpoints: readonly BundleCheckpoint[];
}

/**
 * `manifest.json` of a bundle, version 1.
 *
 * @example
 * ```ts
 * import type { BundleManifest } from '@semper/archive';
 * const dealRecords = (m: BundleManifest) => m.segments.flatMap((s) => s.entries.filter((e) => 'record' in e));
 * ```
 */
export interface BundleManifest {
  readonly format: typeof BUNDLE_FORMAT;
  readonly version: typeof BUNDLE_VERSION;
  readonly recordEncoding: typeof RECORD_ENCODING;
  readonly archive: string;
  readonly dealId: string;
  /** ISO 8601, milliseconds, `Z`. */
  readonly exportedAt: string;
  readonly segments: readonly BundleSegment[];
}

/**
 * Size and count limits of bundle reading; every one is checked before the part it limits is parsed.
 *
 * @example
 * ```ts
 * import { DEFAULT_BUNDLE_LIMITS, type BundleLimits } from '@semper/archive';
 * const small: BundleLimits = { ...DEFAULT_BUNDLE_LIMITS, maxBundleBytes: 8 * 1024 * 1024 };
 * ```
 */
export interface BundleLimits {
  /** The whole file; default 256 MiB. */
  readonly maxBundleBytes: number;
  /** `manifest.json`; default 32 MiB. */
  readonly maxManifestBytes: number;
  /** Any one item; default 64 MiB. */
  readonly maxItemBytes: number;
  /** Files in the tar; default 100,000. */
  readonly maxFiles: number;
  /** Chain positions over all segments; default 1,000,000. */
  readonly maxEntries: number;
}

/**
 * The default {@link BundleLimits}.
 *
 * @example
 * ```ts
 * import { DEFAULT_BUNDLE_LIMITS } from '@semper/archive';
 * console.log(DEFAULT_BUNDLE_LIMITS.maxBundleBytes); // 268435456
 * ```
 */
export const DEFAULT_BUNDLE_LIMITS: BundleLimits = Object.freeze({
  maxBundleBytes: 256 * 1024 * 1024,
  maxManifestBytes: 32 * 1024 * 1024,
  maxItemBytes: 64 * 1024 * 1024,
  maxFiles: 100_000,
  maxEntries: 1_000_000,
});

/**
 * A bundle as read: its manifest (checked against the schema) and its items by file name.
 *
 * @example
 * ```ts
 * import { readBundle } from '@semper/archive';
 * const { manifest, items } = readBundle(bytes);
 * for (const c of manifest.segments.flatMap((s) => s.checkpoints)) writeFileSync(`cp-${c.seq}.der`, items.get(c.file)!);
 * ```
 */
export interface ParsedBundle {
  readonly manifest: BundleManifest;
  readonly items: ReadonlyMap<string, Uint8Array>;
}

// ---------------------------------------------------------------------------------------------------------
// The schema of manifest.json (strict: unknown keys, wrong types and bad references are refused)
// ---------------------------------------------------------------------------------------------------------

const ARCHIVE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/;
const MAX_TEXT = 1024;

function malformed(path: string, message: string): BundleFormatError {
  return new BundleFormatError('ERR_ARCHIVE_BUNDLE_MALFORMED', `malformed bundle manifest: ${path} ${message}`);
}

type Json = Record<string, unknown>;

function object(value: unknown, path: string, required: readonly string[], optional: readonly string[] = []): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw malformed(path, 'is not an object');
  const o = value as Json;
  for (const key of Object.keys(o)) {
    if (!required.includes(key) && !optional.includes(key))
      throw malformed(path, `has an unknown key '${key.slice(0, 40)}'`);
  }
  for (const key of required) if (!Object.hasOwn(o, key)) throw malformed(path, `lacks '${key}'`);
  return o;
}

function text(value: unknown, path: string, max = MAX_TEXT): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > max || value.includes('\0')) {
    throw malformed(path, `is not a non-empty string of at most ${max} characters`);
  }
  if (Buffer.from(value, 'utf8').toString('utf8') !== value) throw malformed(path, 'is not well-formed Unicode');
  return value;
}

function time(value: unknown, path: string): string {
  const s = text(value, path, 30);
  const d = new Date(s);
  if (!Number.isFinite(d.getTime()) || d.toISOString() !== s) throw malformed(path, 'is not an ISO 8601 UTC time');
  return s;
}

function positive(value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw malformed(path, 'is not a positive integer');
  }
  return value;
}

function hash(value: unknown, path: string): string {
  if (!isHash(value)) throw malformed(path, 'is not 64 lowercase hex digits');
  return value;
}

function array(value: unknown, path: string, min: number): unknown[] {
  if (!Array.isArray(value) || value.length < min) throw malformed(path, `is not an array of at least ${min}`);
  return value;
}

/** The item name of a record, from its position and content type. @internal */
export function recordFileName(seq: number, contentType: string): string {
  return `records/${seq}.${contentType === SIGNED_DATA_CONTENT_TYPE ? 'der' : 'bin'}`;
}

/** The item name of a checkpoint. @internal */
export function checkpointFileName(seq: number): string {
  return `checkpoints/${seq}.der`;
}

function parseRecord(value: unknown, path: string, seq: number, dealId: string): BundleRecord {
  const o = object(
    value,
    path,
    ['file', 'at', 'direction', 'dealId', 'step', 'contentType', 'contentLength', 'contentDigest'],
    ['peer'],
  );
  const contentType = text(o.contentType, `${path}.contentType`, 200);
  const file = text(o.file, `${path}.file`, 100);
  if (file !== recordFileName(seq, contentType))
    throw malformed(`${path}.file`, `is not ${recordFileName(seq, contentType)}`);
  if (o.direction !== 'sent' && o.direction !== 'received')
    throw malformed(`${path}.direction`, "is not 'sent' or 'received'");
  if (o.dealId !== dealId) throw malformed(`${path}.dealId`, 'is not the deal of the bundle');
  const contentLength = o.contentLength;
  if (typeof contentLength !== 'number' || !Number.isSafeInteger(contentLength) || contentLength < 0) {
    throw malformed(`${path}.contentLength`, 'is not a non-negative integer');
  }
  return {
    file,
    at: time(o.at, `${path}.at`),
    direction: o.direction,
    dealId,
    step: text(o.step, `${path}.step`, 200),
    ...(o.peer === undefined ? {} : { peer: text(o.peer, `${path}.peer`) }),
    contentType,
    contentLength,
    contentDigest: hash(o.contentDigest, `${path}.contentDigest`),
  };
}

function parseManifest(value: unknown, limits: BundleLimits): BundleManifest {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const head = value as Json;
    if (head.format !== BUNDLE_FORMAT) {
      throw new BundleFormatError('ERR_ARCHIVE_BUNDLE_UNSUPPORTED', `not a ${BUNDLE_FORMAT} (format)`);
    }
    if (head.version !== BUNDLE_VERSION) {
      throw new BundleFormatError(
        'ERR_ARCHIVE_BUNDLE_UNSUPPORTED',
        `${BUNDLE_FORMAT} version ${String(head.version).slice(0, 20)} is not supported (only ${BUNDLE_VERSION})`,
      );
    }
    if (head.recordEncoding !== RECORD_ENCODING) {
      throw new BundleFormatError(
        'ERR_ARCHIVE_BUNDLE_UNSUPPORTED',
        `record encoding ${String(head.recordEncoding).slice(0, 40)} is not supported (only ${RECORD_ENCODING})`,
      );
    }
  }
  const o = object(value, 'manifest', [
    'format',
    'version',
    'recordEncoding',
    'archive',
    'dealId',
    'exportedAt',
    'segments',
  ]);
  const archive = text(o.archive, 'archive', 64);
  if (!ARCHIVE_NAME.test(archive)) throw malformed('archive', 'is not an archive name');
  const dealId = text(o.dealId, 'dealId', 200);
  const exportedAt = time(o.exportedAt, 'exportedAt');
  let total = 0;
  let records = 0;
  const segments = array(o.segments, 'segments', 1).map((sv, si): BundleSegment => {
    const sp = `segments[${si}]`;
    const s = object(sv, sp, ['prevHash', 'entries', 'checkpoints']);
    const rawEntries = array(s.entries, `${sp}.entries`, 1);
    total += rawEntries.length;
    if (total > limits.maxEntries) {
      throw new BundleFormatError(
        'ERR_ARCHIVE_BUNDLE_TOO_LARGE',
        `the bundle has more than ${limits.maxEntries} entries`,
      );
    }
    const entries = rawEntries.map((ev, ei): BundleEntry => {
      const ep = `${sp}.entries[${ei}]`;
      const isRecord = typeof ev === 'object' && ev !== null && Object.hasOwn(ev, 'record');
      const e = object(ev, ep, ['seq', 'hash', isRecord ? 'record' : 'bodyHash']);
      const seq = positive(e.seq, `${ep}.seq`);
      const h = hash(e.hash, `${ep}.hash`);
      if (!isRecord) return { seq, hash: h, bodyHash: hash(e.bodyHash, `${ep}.bodyHash`) };
      records++;
      return { seq, hash: h, record: parseRecord(e.record, `${ep}.record`, seq, dealId) };
    });
    let low = Number.POSITIVE_INFINITY;
    let high = 0;
    for (const e of entries) {
      low = Math.min(low, e.seq);
      high = Math.max(high, e.seq);
    }
    const checkpoints = array(s.checkpoints, `${sp}.checkpoints`, 0).map((cv, ci): BundleCheckpoint => {
      const cp = `${sp}.checkpoints[${ci}]`;
      const c = object(cv, cp, ['seq', 'at', 'headHash', 'file']);
      const seq = positive(c.seq, `${cp}.seq`);
      if (seq < low || seq > high) throw malformed(`${cp}.seq`, 'is outside its segment');
      const file = text(c.file, `${cp}.file`, 100);
      if (file !== checkpointFileName(seq)) throw malformed(`${cp}.file`, `is not ${checkpointFileName(seq)}`);
      return { seq, at: time(c.at, `${cp}.at`), headHash: hash(c.headHash, `${cp}.headHash`), file };
    });
    return { prevHash: hash(s.prevHash, `${sp}.prevHash`), entries, checkpoints };
  });
  if (records === 0) throw malformed('segments', 'hold no record of the deal');
  return {
    format: BUNDLE_FORMAT,
    version: BUNDLE_VERSION,
    recordEncoding: RECORD_ENCODING,
    archive,
    dealId,
    exportedAt,
    segments,
  };
}

function resolveLimits(limits: Partial<BundleLimits> | undefined): BundleLimits {
  const merged = { ...DEFAULT_BUNDLE_LIMITS, ...limits };
  for (const [k, v] of Object.entries(merged)) {
    if (!Number.isSafeInteger(v) || v < 1) {
      throw new BundleFormatError('ERR_ARCHIVE_BUNDLE_MALFORMED', `limits.${k} is not a positive integer`);
    }
  }
  return merged;
}

/**
 * Reads a bundle's bytes strictly — the tar layout, `manifest.json` against the version 1 schema, and
 * the references between them (every item named by the manifest is present, every item is named once)
 * — without verifying anything cryptographic (that is {@link verifyBundle}'s work).
 *
 * @throws {@link BundleFormatError}: `ERR_ARCHIVE_BUNDLE_TOO_LARGE` (a limit), `ERR_ARCHIVE_BUNDLE_UNSUPPORTED`
 * (another format, version or record encoding), `ERR_ARCHIVE_BUNDLE_MALFORMED` (anything else).
 *
 * @example
 * ```ts
 * import { readBundle } from '@semper/archive';
 * const { manifest, items } = readBundle(readFileSync('deal-42.tar'));
 * console.log(manifest.dealId, [...items.keys()]);
 * ```
 */
export function readBundle(bytes: Uint8Array, limits?: Partial<BundleLimits>): ParsedBundle {
  const l = resolveLimits(limits);
  if (!(bytes instanceof Uint8Array)) throw new BundleFormatError('ERR_ARCHIVE_BUNDLE_MALFORMED', 'a bundle is bytes');
  if (bytes.length > l.maxBundleBytes) {
    throw new BundleFormatError('ERR_ARCHIVE_BUNDLE_TOO_LARGE', `the bundle is larger than ${l.maxBundleBytes} bytes`);
  }
  const files = readTar(bytes, {
    maxFiles: l.maxFiles,
    maxFileBytes: Math.max(l.maxItemBytes, l.maxManifestBytes),
  });
  const first = files[0];
  if (first?.name !== MANIFEST) {
    throw new BundleFormatError('ERR_ARCHIVE_BUNDLE_MALFORMED', `malformed bundle: ${MANIFEST} is not its first file`);
  }
  if (first.data.length > l.maxManifestBytes) {
    throw new BundleFormatError(
      'ERR_ARCHIVE_BUNDLE_TOO_LARGE',
      `${MANIFEST} is larger than ${l.maxManifestBytes} bytes`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(first.data));
  } catch (err) {
    throw new BundleFormatError('ERR_ARCHIVE_BUNDLE_MALFORMED', `malformed bundle: ${MANIFEST} is not UTF-8 JSON`, {
      cause: err,
    });
  }
  const manifest = parseManifest(json, l);
  const items = new Map<string, Uint8Array>();
  for (const f of files.slice(1)) {
    if (f.data.length > l.maxItemBytes) {
      throw new BundleFormatError('ERR_ARCHIVE_BUNDLE_TOO_LARGE', `${f.name} is larger than ${l.maxItemBytes} bytes`);
    }
    items.set(f.name, f.data);
  }
  const referenced = new Set<string>();
  const reference = (file: string, path: string) => {
    if (!items.has(file)) throw malformed(path, `names ${file}, which the bundle does not hold`);
    if (referenced.has(file)) throw malformed(path, `names ${file} a second time`);
    referenced.add(file);
  };
  manifest.segments.forEach((s, si) => {
    s.entries.forEach((e, ei) => {
      if ('record' in e) reference(e.record.file, `segments[${si}].entries[${ei}].record.file`);
    });
    s.checkpoints.forEach((c, ci) => {
      reference(c.file, `segments[${si}].checkpoints[${ci}].file`);
    });
  });
  for (const name of items.keys()) {
    if (!referenced.has(name)) throw malformed('manifest', `does not name the bundle's file ${name}`);
  }
  return { manifest, items };
}

/**
 * Writes a bundle: `manifest.json` first, then the items in the order given.
 *
 * @internal
 */
export function writeBundle(manifest: BundleManifest, items: ReadonlyMap<string, Uint8Array>): Uint8Array {
  const files: TarFile[] = [
    { name: MANIFEST, data: new TextEncoder().encode(`${JSON.stringify(manifest, null, 1)}\n`) },
    ...[...items].map(([name, data]) => ({ name, data })),
  ];
  return writeTar(files, Math.floor(Date.parse(manifest.exportedAt) / 1000));
}
