/**
 * Offline verification of evidence bundles: no database, only the bundle's bytes and the verifier's trust.
 */
import { readFile, stat } from 'node:fs/promises';
import type { EventBus, EventInput, SemperEvent } from '@semper/core';
import { SemperError } from '@semper/core';
import { Certificate, TrustStore, type VerifyOptions, verifySignedData } from '@semper/crypto';
import {
  BUNDLE_FORMAT,
  BUNDLE_VERSION,
  type BundleLimits,
  type BundleRecord,
  DEFAULT_BUNDLE_LIMITS,
  readBundle,
} from './bundle.js';
import { verifyCheckpoint } from './checkpoint.js';
import { ArchiveError, BundleFormatError, invalidArgument } from './errors.js';
import type { ArchiveEvent } from './events.js';
import { type ArchiveIssue, sortIssues } from './issues.js';
import { linkHash, RECORD_ENCODING, recordBodyHash, SIGNED_DATA_CONTENT_TYPE, sha256Hex } from './record-encoding.js';

/**
 * Options of {@link verifyBundle}.
 *
 * @example
 * ```ts
 * import type { VerifyBundleOptions } from '@semper/archive';
 * const o: VerifyBundleOptions = { trust: new TrustStore([merchantCa, buyerCa]), signer: merchantCert };
 * ```
 */
export interface VerifyBundleOptions {
  /** Trust for the checkpoints' signers (and the statements', unless `statementTrust`). */
  readonly trust: VerifyOptions['trust'];
  /** Require this checkpoint signer (the archiving party's certificate). */
  readonly signer?: Certificate;
  /** Verify the records archived as CMS signed statements (`SIGNED_DATA_CONTENT_TYPE`); default true. */
  readonly statements?: boolean;
  /** Trust for the statements' signers (default `trust`). */
  readonly statementTrust?: VerifyOptions['trust'];
  /**
   * Validate every signer's chain at this time. Default: each checkpoint at its signed time, each
   * statement at the time it was archived (evidence stays verifiable after certificates expire).
   */
  readonly validationTime?: Date;
  readonly limits?: Partial<BundleLimits>;
  /** Publish `archive.verification-failed` here when the verdict is not valid. */
  readonly events?: EventBus;
}

/**
 * The verdict on a bundle: `valid` (every record of the deal is proven by a valid signed checkpoint, its
 * bytes are intact, its signed statement verifies), `invalid` (something does not verify: see `issues`),
 * or `malformed` (the file is not a readable bundle; only from {@link verifyBundleFile}).
 *
 * @example
 * ```ts
 * import type { BundleVerdict } from '@semper/archive';
 * const exitCode = (v: BundleVerdict) => ({ valid: 0, invalid: 1, malformed: 2 })[v];
 * ```
 */
export type BundleVerdict = 'valid' | 'invalid' | 'malformed';

/**
 * One record of the deal, as the verifier found it.
 *
 * @example
 * ```ts
 * import type { BundleRecordReport } from '@semper/archive';
 * const proven = (r: BundleRecordReport) => r.content === 'intact' && r.coveredBy !== undefined;
 * ```
 */
export interface BundleRecordReport {
  readonly seq: number;
  readonly at: string;
  readonly direction: 'sent' | 'received';
  readonly step: string;
  readonly peer?: string;
  readonly contentType: string;
  readonly contentLength: number;
  readonly contentDigest: string;
  readonly file: string;
  /** Whether the item's bytes match the record's digest. */
  readonly content: 'intact' | 'altered';
  /** The valid checkpoint that proves the record (undefined: not proven). */
  readonly coveredBy?: number;
  /** For a CMS signed statement: whether it verifies, and its signer. */
  readonly statement?: {
    readonly verified: boolean;
    readonly signer?: string;
    readonly signingTime?: string;
    readonly code?: string;
    readonly message?: string;
  };
}

/**
 * One checkpoint of the bundle, as the verifier found it.
 *
 * @example
 * ```ts
 * import type { BundleCheckpointReport } from '@semper/archive';
 * const ok = (c: BundleCheckpointReport) => c.valid && c.matches;
 * ```
 */
export interface BundleCheckpointReport {
  readonly seq: number;
  readonly at: string;
  readonly headHash: string;
  readonly file: string;
  /** Signature, signer and content verify. */
  readonly valid: boolean;
  /** The chain recomputed from the bundle reaches the signed head hash. */
  readonly matches: boolean;
  readonly signer?: string;
  readonly code?: string;
  readonly message?: string;
}

/**
 * What {@link verifyBundle} and {@link verifyBundleFile} report: the verdict, what was checked, every
 * issue (first problem first), and the same as human-readable `lines`. The report is plain JSON data
 * (times as ISO strings): `JSON.stringify(report)` is its machine form.
 *
 * @example
 * ```ts
 * const report = await verifyBundleFile('deal_42.tar', { trustPem });
 * process.stdout.write(json ? `${JSON.stringify(report, null, 2)}\n` : `${report.lines.join('\n')}\n`);
 * process.exitCode = report.verdict === 'valid' ? 0 : report.verdict === 'invalid' ? 1 : 2;
 * ```
 */
export interface BundleReport {
  readonly verdict: BundleVerdict;
  /** The file verified (from {@link verifyBundleFile}). */
  readonly file?: string;
  /** `semper.archive.bundle v1` (absent when malformed). */
  readonly format?: string;
  readonly recordEncoding?: string;
  readonly archive?: string;
  readonly dealId?: string;
  readonly exportedAt?: string;
  readonly records: readonly BundleRecordReport[];
  readonly checkpoints: readonly BundleCheckpointReport[];
  readonly issues: readonly ArchiveIssue[];
  readonly lines: readonly string[];
}

function summary(err: unknown): { code: string; message: string } {
  if (err instanceof SemperError) return { code: err.code, message: err.message };
  throw err;
}

function bodyOf(archive: string, r: BundleRecord): string {
  return recordBodyHash({
    archive,
    at: new Date(r.at),
    direction: r.direction,
    dealId: r.dealId,
    step: r.step,
    ...(r.peer === undefined ? {} : { peer: r.peer }),
    contentType: r.contentType,
    contentDigest: r.contentDigest,
  });
}

/**
 * Verifies an evidence bundle offline: recomputes every record's hash and the chain of each segment
 * from the bytes in the bundle, checks each item against its digest, verifies every checkpoint (CMS
 * signature, signer's chain at the checkpoint's time, canonical content naming this archive and
 * position) and that the recomputed chain reaches the signed head hash, and verifies every archived
 * CMS signed statement. Names the first record altered, removed or reordered in the bundle.
 *
 * @throws {@link BundleFormatError} when the bytes are not a readable bundle (malformed, over a limit,
 * unsupported version) — {@link verifyBundleFile} turns that into a `malformed` verdict instead.
 *
 * @example
 * ```ts
 * import { verifyBundle } from '@semper/archive';
 * import { TrustStore } from '@semper/crypto';
 * const report = await verifyBundle(bytes, { trust: new TrustStore([ca]) });
 * console.log(report.verdict, report.issues[0]?.message);
 * ```
 */
export async function verifyBundle(bytes: Uint8Array, options: VerifyBundleOptions): Promise<BundleReport> {
  if (typeof options?.trust?.buildChain !== 'function') throw invalidArgument('verifyBundle needs { trust }');
  const { manifest, items } = readBundle(bytes, options.limits);
  const issues: ArchiveIssue[] = [];
  const records: BundleRecordReport[] = [];
  const checkpoints: BundleCheckpointReport[] = [];
  const statementTrust = options.statementTrust ?? options.trust;

  for (const segment of manifest.segments) {
    const segmentIssues: ArchiveIssue[] = [];
    const computed = new Map<number, string>();
    const segmentRecords: { report: BundleRecordReport; index: number }[] = [];
    let prev = segment.prevHash;
    let expected = segment.entries[0].seq;
    let structural = false;
    let firstMismatch: number | undefined;
    const later = new Map<number, number>(); // seq → how many entries still to come list it
    for (const e of segment.entries) later.set(e.seq, (later.get(e.seq) ?? 0) + 1);
    for (const e of segment.entries) {
      later.set(e.seq, (later.get(e.seq) ?? 1) - 1);
      if (!structural && e.seq !== expected) {
        // Only the first break of the order is reported: after it, positions mean nothing.
        structural = true;
        if (e.seq < expected || (later.get(expected) ?? 0) > 0) {
          segmentIssues.push({
            kind: 'reordered',
            seq: expected,
            originalSeq: e.seq,
            message: `the bundle's chain is out of order: record ${e.seq} is where record ${expected} belongs`,
          });
        } else {
          segmentIssues.push({
            kind: 'removed',
            seq: expected,
            through: e.seq - 1,
            message:
              e.seq - 1 === expected
                ? `record ${expected} was removed from the bundle's chain`
                : `records ${expected}–${e.seq - 1} were removed from the bundle's chain`,
          });
        }
      }
      let body: string;
      if ('record' in e) {
        const r = e.record;
        const data = items.get(r.file)!;
        const intact = data.length === r.contentLength && sha256Hex(data) === r.contentDigest;
        if (!intact) {
          segmentIssues.push({
            kind: 'altered',
            seq: e.seq,
            part: 'content',
            message: `record ${e.seq} was altered: ${r.file} does not match the record's SHA-256 digest`,
          });
        }
        let statement: BundleRecordReport['statement'];
        if (intact && options.statements !== false && r.contentType === SIGNED_DATA_CONTENT_TYPE) {
          try {
            const v = await verifySignedData(data, {
              trust: statementTrust,
              at: options.validationTime ?? new Date(r.at),
            });
            statement = { verified: true, signer: v.signer.subject, signingTime: v.signingTime?.toISOString() };
          } catch (err) {
            const s = summary(err);
            statement = { verified: false, ...s };
            segmentIssues.push({
              kind: 'statement-invalid',
              seq: e.seq,
              code: s.code,
              message: `record ${e.seq} is a signed statement that does not verify: ${s.message}`,
            });
          }
        }
        segmentRecords.push({
          index: records.length + segmentRecords.length,
          report: {
            seq: e.seq,
            at: r.at,
            direction: r.direction,
            step: r.step,
            ...(r.peer === undefined ? {} : { peer: r.peer }),
            contentType: r.contentType,
            contentLength: r.contentLength,
            contentDigest: r.contentDigest,
            file: r.file,
            content: intact ? 'intact' : 'altered',
            ...(statement ? { statement } : {}),
          },
        });
        body = bodyOf(manifest.archive, r);
      } else {
        body = e.bodyHash;
      }
      const h = linkHash(e.seq, prev, body);
      if (h !== e.hash && firstMismatch === undefined) firstMismatch = e.seq;
      if (!computed.has(e.seq)) computed.set(e.seq, h);
      prev = h;
      expected = Math.max(expected, e.seq + 1);
    }

    const matched: number[] = [];
    let chainIssue = false;
    if (!structural && firstMismatch !== undefined) {
      chainIssue = true;
      segmentIssues.push({
        kind: 'altered',
        seq: firstMismatch,
        part: 'record',
        message: `record ${firstMismatch} was altered in the bundle: its fields no longer give its hash`,
      });
    }
    for (const c of segment.checkpoints) {
      const signed = items.get(c.file)!;
      let valid = false;
      let signer: string | undefined;
      let failure: { code: string; message: string } | undefined;
      try {
        const v = await verifyCheckpoint(signed, {
          trust: options.trust,
          expected: { archive: manifest.archive, seq: c.seq, at: new Date(c.at), headHash: c.headHash },
          ...(options.signer ? { signer: options.signer } : {}),
          ...(options.validationTime ? { validationTime: options.validationTime } : {}),
        });
        valid = true;
        signer = v.signer.subject;
      } catch (err) {
        failure = summary(err);
        segmentIssues.push({
          kind: 'checkpoint-invalid',
          checkpointSeq: c.seq,
          code: failure.code,
          message: `checkpoint ${c.seq} does not verify: ${failure.message}`,
        });
      }
      const matches = valid && computed.get(c.seq) === c.headHash;
      if (matches) matched.push(c.seq);
      else if (valid && !structural && !chainIssue) {
        chainIssue = true;
        segmentIssues.push({
          kind: 'checkpoint-mismatch',
          checkpointSeq: c.seq,
          from: segment.entries[0].seq,
          message: `checkpoint ${c.seq} signs another chain than the bundle's (records ${segment.entries[0].seq}–${c.seq})`,
        });
      }
      checkpoints.push({
        seq: c.seq,
        at: c.at,
        headHash: c.headHash,
        file: c.file,
        valid,
        matches,
        ...(signer ? { signer } : {}),
        ...(failure ?? {}),
      });
    }
    const quiet = segmentIssues.length === 0;
    for (const { report } of segmentRecords) {
      const coveredBy = matched.filter((m) => m >= report.seq).sort((a, b) => a - b)[0];
      records.push(coveredBy === undefined ? report : { ...report, coveredBy });
      if (coveredBy === undefined && quiet) {
        issues.push({
          kind: 'not-covered',
          seq: report.seq,
          message: `record ${report.seq} is not covered by a valid signed checkpoint`,
        });
      }
    }
    issues.push(...segmentIssues);
  }

  const sorted = sortIssues(issues);
  const verdict: BundleVerdict = sorted.length === 0 ? 'valid' : 'invalid';
  const report = {
    verdict,
    format: `${BUNDLE_FORMAT} v${BUNDLE_VERSION}`,
    recordEncoding: RECORD_ENCODING,
    archive: manifest.archive,
    dealId: manifest.dealId,
    exportedAt: manifest.exportedAt,
    records,
    checkpoints,
    issues: sorted,
  };
  if (verdict !== 'valid' && options.events) {
    const event: EventInput<ArchiveEvent> = {
      type: 'archive.verification-failed',
      archive: manifest.archive,
      source: 'bundle',
      dealId: manifest.dealId,
      issues: sorted,
    };
    try {
      options.events.emit(event as unknown as EventInput<SemperEvent>);
    } catch {
      // a completed bus does not change the verdict
    }
  }
  return { ...report, lines: reportLines(report) };
}

/**
 * Options of {@link verifyBundleFile}: those of {@link verifyBundle}, with the trust given either as a
 * validator or as PEM text (one or more `CERTIFICATE` blocks, e.g. the content of `--trust ca.pem`).
 *
 * @example
 * ```ts
 * import type { VerifyBundleFileOptions } from '@semper/archive';
 * const o: VerifyBundleFileOptions = { trustPem: readFileSync('ca.pem', 'utf8') };
 * ```
 */
export interface VerifyBundleFileOptions extends Omit<VerifyBundleOptions, 'trust'> {
  readonly trust?: VerifyOptions['trust'];
  readonly trustPem?: string | Uint8Array;
}

/**
 * Verifies a bundle file for the command line (`semper archive verify BUNDLE`): like
 * {@link verifyBundle}, but a file that is not a readable bundle gives the verdict `malformed` (with the
 * reason as the only issue) instead of an exception, and the report names the file. A suggested mapping
 * to exit codes: `valid` 0, `invalid` 1, `malformed` 2.
 *
 * @throws {@link ArchiveError} `ERR_ARCHIVE_BUNDLE_IO` when the file cannot be read;
 * `ERR_ARCHIVE_INVALID_ARGUMENT` without trust or with a `trustPem` holding no certificate; crypto's
 * `MalformedInputError` for a malformed `trustPem`.
 *
 * @example
 * ```ts
 * import { readFileSync } from 'node:fs';
 * import { verifyBundleFile } from '@semper/archive';
 * const report = await verifyBundleFile('deal_42.tar', { trustPem: readFileSync('ca.pem', 'utf8') });
 * console.log(report.lines.join('\n'));
 * ```
 */
export async function verifyBundleFile(path: string, options: VerifyBundleFileOptions): Promise<BundleReport> {
  if (typeof path !== 'string' || path === '') throw invalidArgument('path is a file name');
  let trust = options?.trust;
  if (trust === undefined && options?.trustPem !== undefined) {
    const pem = typeof options.trustPem === 'string' ? options.trustPem : new TextDecoder().decode(options.trustPem);
    const certs = Certificate.fromPem(pem);
    if (certs.length === 0) throw invalidArgument('trustPem holds no CERTIFICATE');
    trust = new TrustStore(certs);
  }
  if (trust === undefined) throw invalidArgument('verifyBundleFile needs trust or trustPem');
  const maxBytes = options.limits?.maxBundleBytes ?? DEFAULT_BUNDLE_LIMITS.maxBundleBytes;
  let bytes: Uint8Array;
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new Error('not a regular file');
    if (info.size > maxBytes) {
      return malformedReport(
        path,
        new BundleFormatError('ERR_ARCHIVE_BUNDLE_TOO_LARGE', `the bundle is larger than ${maxBytes} bytes`),
      );
    }
    bytes = await readFile(path);
  } catch (err) {
    throw new ArchiveError('ERR_ARCHIVE_BUNDLE_IO', `cannot read the bundle ${path}`, { cause: err });
  }
  try {
    const report = await verifyBundle(bytes, { ...options, trust });
    return { ...report, file: path, lines: reportLines({ ...report, file: path }) };
  } catch (err) {
    if (err instanceof BundleFormatError) return malformedReport(path, err);
    throw err;
  }
}

function malformedReport(file: string, err: BundleFormatError): BundleReport {
  const report = {
    verdict: 'malformed' as const,
    file,
    records: [],
    checkpoints: [],
    issues: [{ kind: 'malformed' as const, code: err.code, message: err.message }],
  };
  return { ...report, lines: reportLines(report) };
}

const short = (h: string) => h.slice(0, 16);

function where(issue: ArchiveIssue): string {
  if ('seq' in issue) return `record ${issue.seq}`;
  if ('checkpointSeq' in issue) return `checkpoint ${issue.checkpointSeq}`;
  return 'bundle';
}

/** The human form of a report, one line each. */
function reportLines(r: Omit<BundleReport, 'lines'>): string[] {
  const n = r.issues.length;
  const lines = [
    `semper evidence bundle: ${r.verdict.toUpperCase()}${n > 0 ? ` (${n} problem${n === 1 ? '' : 's'})` : ''}`,
  ];
  const field = (name: string, value: string | undefined) => {
    if (value !== undefined) lines.push(`  ${`${name}:`.padEnd(13)}${value}`);
  };
  field('file', r.file);
  field('format', r.format && `${r.format}, records ${r.recordEncoding}`);
  field('archive', r.archive);
  field('deal', r.dealId);
  field('exported', r.exportedAt);
  if (r.verdict !== 'malformed') {
    const covered = r.records.filter((x) => x.coveredBy !== undefined).length;
    field(
      'records',
      `${r.records.length} of the deal, ${covered === r.records.length ? 'all' : `${covered}`} covered by a valid signed checkpoint`,
    );
    const valid = r.checkpoints.filter((c) => c.valid && c.matches).length;
    const signers = [...new Set(r.checkpoints.flatMap((c) => (c.signer ? [c.signer] : [])))];
    field(
      'checkpoints',
      `${r.checkpoints.length}, ${valid === r.checkpoints.length ? 'all' : `${valid}`} valid${signers.length ? ` (signed by ${signers.join('; ')})` : ''}`,
    );
    const statements = r.records.filter((x) => x.statement !== undefined);
    if (statements.length > 0) {
      const ok = statements.filter((x) => x.statement?.verified).length;
      field('statements', `${statements.length} CMS signed, ${ok === statements.length ? 'all' : `${ok}`} verified`);
    }
    for (const x of r.records) {
      const proof = x.coveredBy === undefined ? 'NOT PROVEN' : `checkpoint ${x.coveredBy}`;
      const statement =
        x.statement === undefined
          ? ''
          : x.statement.verified
            ? `  statement by ${x.statement.signer}`
            : '  statement DOES NOT VERIFY';
      lines.push(
        `  record ${String(x.seq).padEnd(6)} ${x.at}  ${x.direction.padEnd(8)}  ${x.step}  ${x.contentLength} bytes  sha256:${short(x.contentDigest)}  ${x.content === 'intact' ? proof : 'CONTENT ALTERED'}${statement}`,
      );
    }
    for (const c of r.checkpoints) {
      lines.push(
        `  checkpoint ${String(c.seq).padEnd(2)} ${c.at}  head ${short(c.headHash)}  ${c.valid ? (c.matches ? `valid, signed by ${c.signer}` : 'valid signature, but another chain') : `INVALID (${c.code})`}`,
      );
    }
  }
  for (const issue of r.issues) lines.push(`  problem: ${where(issue)}: ${issue.message}`);
  return lines;
}
