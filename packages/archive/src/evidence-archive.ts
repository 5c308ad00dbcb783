import { writeFile } from 'node:fs/promises';
import { type Clock, EventBus, type EventInput, type SemperEvent, SemperError, SystemClock } from '@semper/core';
import { type Certificate, type Identity, TrustStore, type VerifyOptions } from '@semper/crypto';
import { migrate, type Queryable, type Store } from '@semper/store';
import {
  type BundleCheckpoint,
  type BundleEntry,
  type BundleManifest,
  type BundleSegment,
  BUNDLE_FORMAT,
  BUNDLE_VERSION,
  checkpointFileName,
  recordFileName,
  writeBundle,
} from './bundle.js';
import { type Checkpoint, signCheckpoint, verifyCheckpoint } from './checkpoint.js';
import { ArchiveError, invalidArgument } from './errors.js';
import type { ArchiveEvent } from './events.js';
import { type ArchiveIssue, sortIssues } from './issues.js';
import { ARCHIVE_MIGRATIONS } from './migrations.js';
import {
  type Direction,
  GENESIS_HASH,
  isHash,
  linkHash,
  RECORD_ENCODING,
  type RecordFields,
  recordBodyHash,
  sha256Hex,
} from './record-encoding.js';

/**
 * Options of {@link EvidenceArchive} and {@link openArchive}.
 *
 * @example
 * ```ts
 * import type { ArchiveOptions } from '@semper/archive';
 * const options: ArchiveOptions = { store, name: 'merchant', identity: merchant, checkpointEvery: 100 };
 * ```
 */
export interface ArchiveOptions {
  /** Where the records live (`@semper/store`: PGlite or a PostgreSQL server). */
  readonly store: Store;
  /**
   * The archive's name: one chain per name, several may share a database. 1 to 64 characters, a letter
   * or digit then letters, digits, `_ . : -`. Default `default`.
   */
  readonly name?: string;
  /** The party's identity, which signs checkpoints. Without it the archive records but cannot checkpoint. */
  readonly identity?: Identity;
  /**
   * What `verify()` trusts for checkpoint signatures (default: the identity's own certificate, so that
   * only this party's checkpoints count).
   */
  readonly trust?: VerifyOptions['trust'];
  /**
   * Sign a checkpoint after every `checkpointEvery`-th record (when `seq` is a multiple of it); 0 or
   * absent: only on demand ({@link EvidenceArchive.checkpoint}). Needs `identity`.
   */
  readonly checkpointEvery?: number;
  /** Where record and checkpoint times come from (default: the system clock). */
  readonly clock?: Clock;
  /** The party's event bus: archive events are published there too. */
  readonly events?: EventBus;
  /** Largest content accepted by `append`; default 16 MiB. */
  readonly maxContentBytes?: number;
}

/**
 * What {@link EvidenceArchive.append} takes.
 *
 * @example
 * ```ts
 * import type { AppendInput } from '@semper/archive';
 * const input: AppendInput = { dealId: 'deal_42', step: 'order', direction: 'received', content: signedOrder, peer: 'CN=Buyer' };
 * ```
 */
export interface AppendInput {
  /** The deal or transaction id (1–200 characters). */
  readonly dealId: string;
  /** The protocol step (1–200 characters): `offer`, `order`, `payment.deposit`, `delivery.receipt`… */
  readonly step: string;
  readonly direction: Direction;
  /** The exact bytes sent or received. */
  readonly content: Uint8Array;
  /** The other party, if known (up to 1024 characters). */
  readonly peer?: string;
  /** Media type (up to 200 characters); default `application/octet-stream`. Use `SIGNED_DATA_CONTENT_TYPE` for a CMS signed statement. */
  readonly contentType?: string;
}

/**
 * A record as archived: its hashed fields, its content and its hash.
 *
 * @example
 * ```ts
 * import type { ArchivedRecord } from '@semper/archive';
 * const line = (r: ArchivedRecord) => `#${r.seq} ${r.at.toISOString()} ${r.direction} ${r.step} ${r.contentDigest}`;
 * ```
 */
export interface ArchivedRecord extends RecordFields {
  readonly content: Uint8Array;
  /** SHA-256 over the record's link (see the README's record format), lowercase hex. */
  readonly hash: string;
}

/**
 * The last record of an archive.
 *
 * @example
 * ```ts
 * import type { ArchiveHead } from '@semper/archive';
 * const head: ArchiveHead = { seq: 12, hash: 'ab'.repeat(32) };
 * ```
 */
export interface ArchiveHead {
  readonly seq: number;
  readonly hash: string;
}

/**
 * Options of {@link EvidenceArchive.verify}.
 *
 * @example
 * ```ts
 * import type { VerifyArchiveOptions } from '@semper/archive';
 * const o: VerifyArchiveOptions = { trust: new TrustStore([ca]), signer: merchant.certificate };
 * ```
 */
export interface VerifyArchiveOptions {
  /** Trust for checkpoint signatures (default: the archive's `trust`, else its identity's certificate). */
  readonly trust?: VerifyOptions['trust'];
  /** Require this checkpoint signer. */
  readonly signer?: Certificate;
  /** Validate checkpoint signers' chains at this time instead of each checkpoint's time. */
  readonly validationTime?: Date;
}

/**
 * What {@link EvidenceArchive.verify} found. `ok` is true when there is no issue; otherwise `first` is
 * the first problem (the earliest record altered, removed, reordered or truncated; else the first
 * checkpoint problem) and `issues` lists them all in that order.
 *
 * @example
 * ```ts
 * const result = await archive.verify();
 * if (!result.ok) console.error(result.first?.kind, result.first?.message);
 * ```
 */
export interface ArchiveVerification {
  readonly ok: boolean;
  readonly archive: string;
  /** Records read. */
  readonly records: number;
  /** The last record as found (undefined for an empty archive). */
  readonly head: ArchiveHead | undefined;
  readonly checkpoints: { readonly total: number; readonly valid: number };
  readonly issues: readonly ArchiveIssue[];
  readonly first: ArchiveIssue | undefined;
}

/**
 * Options of {@link EvidenceArchive.exportBundle}.
 *
 * @example
 * ```ts
 * const bytes = await archive.exportBundle('deal_42', { checkpoint: false });
 * ```
 */
export interface ExportBundleOptions {
  /**
   * Sign a checkpoint first when the deal's last record is not yet covered by one (default true; needs
   * the identity). Without a covering checkpoint, a verifier reports the records `not-covered`.
   */
  readonly checkpoint?: boolean;
}

/** A record row as selected (content optional). */
interface RecordRow {
  seq: bigint;
  deal_id: string;
  step: string;
  direction: string;
  peer: string | null;
  content_type: string;
  content?: Uint8Array | null;
  content_digest: Uint8Array;
  at: Date;
  prev_hash: Uint8Array;
  hash: Uint8Array;
}

interface CheckpointRow {
  seq: bigint;
  head_hash: Uint8Array;
  at: Date;
  signed: Uint8Array;
}

/** A record row with its hashes worked out. */
interface RowView {
  readonly seq: number;
  readonly row: RecordRow;
  readonly prevHash: string;
  readonly hash: string;
  /** undefined when the stored fields cannot even be encoded (a digest of the wrong length…). */
  readonly bodyHash: string | undefined;
  readonly hashOk: boolean;
}

const RECORD_COLUMNS = 'seq, deal_id, step, direction, peer, content_type, content_digest, at, prev_hash, hash';
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/;
const DEFAULT_CONTENT_TYPE = 'application/octet-stream';
const DEFAULT_MAX_CONTENT = 16 * 1024 * 1024;
const PAGE = 200;
/** How far from its position a moved record is looked for, when its predecessor is gone. */
const MOVE_WINDOW = 256;

const hex = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('hex');
const bytesOf = (h: string): Uint8Array => new Uint8Array(Buffer.from(h, 'hex'));

function toNumber(value: bigint | number): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new ArchiveError('ERR_ARCHIVE_INCONSISTENT', 'a sequence number is out of range');
  return n;
}

function checkText(value: unknown, what: string, max: number): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > max) {
    throw invalidArgument(`${what} is a non-empty string of at most ${max} characters`);
  }
  if (value.includes('\0') || Buffer.from(value, 'utf8').toString('utf8') !== value) {
    throw invalidArgument(`${what} contains a NUL character or is not well-formed Unicode`);
  }
  return value;
}

function fieldsOf(archive: string, row: RecordRow): Omit<RecordFields, 'seq' | 'prevHash'> {
  return {
    archive,
    at: row.at,
    direction: row.direction as Direction,
    dealId: row.deal_id,
    step: row.step,
    ...(row.peer === null ? {} : { peer: row.peer }),
    contentType: row.content_type,
    contentDigest: hex(row.content_digest),
  };
}

function toRecord(archive: string, row: RecordRow): ArchivedRecord {
  return {
    ...fieldsOf(archive, row),
    seq: toNumber(row.seq),
    prevHash: hex(row.prev_hash),
    content: row.content ?? new Uint8Array(),
    hash: hex(row.hash),
  };
}

function toCheckpoint(archive: string, row: CheckpointRow): Checkpoint {
  return { archive, seq: toNumber(row.seq), headHash: hex(row.head_hash), at: row.at, signed: row.signed };
}

function errorSummary(err: unknown): { code: string; message: string } {
  if (err instanceof SemperError) return { code: err.code, message: err.message };
  return { code: 'ERR_UNKNOWN', message: err instanceof Error ? err.message : String(err) };
}

/**
 * A party's evidence archive: an append-only, hash-chained log of every business item it sent or
 * received, with the protocol step, kept in `@semper/store` (PGlite or PostgreSQL), checkpointed with
 * the party's signature, verifiable in place ({@link EvidenceArchive.verify}) and exportable per deal
 * as an evidence bundle that anyone verifies offline (`verifyBundle`).
 *
 * - **Append-only**: `append` adds record `seq + 1` whose hash covers its fields, the digest of its
 *   exact bytes and the previous record's hash. Appends from any number of callers, connections or
 *   processes are serialized by a row lock on the archive's head, so the chain never forks (the table
 *   also refuses two records with one predecessor); the database refuses `UPDATE`, `DELETE` and
 *   `TRUNCATE` of records (a trigger), and whatever gets around that, `verify` detects and locates.
 * - **Checkpoints**: CMS SignedData by the party over (archive, seq, head hash, time), every
 *   `checkpointEvery` records or on demand.
 * - **Events**: `archive.record-appended`, `archive.checkpoint-made`, `archive.checkpoint-failed` and
 *   `archive.verification-failed`, on {@link EvidenceArchive.events$} and on the party's bus.
 *
 * The schema is migrated on first use (or by {@link openArchive}).
 *
 * @example
 * ```ts
 * import { EvidenceArchive } from '@semper/archive';
 * const archive = new EvidenceArchive({ store, name: 'merchant', identity: merchant, checkpointEvery: 100 });
 * await archive.append({ dealId: 'deal_42', step: 'offer', direction: 'sent', content: signedOffer });
 * const result = await archive.verify();
 * ```
 */
export class EvidenceArchive {
  /** The archive's name (its chain). */
  readonly name: string;
  /** This archive's events (hot; nothing is replayed to late subscribers). */
  readonly events$: EventBus<ArchiveEvent>['events$'];
  readonly #store: Store;
  readonly #identity: Identity | undefined;
  readonly #trust: VerifyOptions['trust'] | undefined;
  readonly #every: number;
  readonly #clock: Clock;
  readonly #bus: EventBus<ArchiveEvent>;
  readonly #partyBus: EventBus | undefined;
  readonly #maxContent: number;
  #ready: Promise<void> | undefined;

  constructor(options: ArchiveOptions) {
    if (typeof options !== 'object' || options === null) throw invalidArgument('EvidenceArchive needs options');
    const store = options.store;
    if (typeof store !== 'object' || store === null || typeof store.transaction !== 'function') {
      throw invalidArgument('options.store is not a Store');
    }
    const name = options.name ?? 'default';
    if (typeof name !== 'string' || !NAME.test(name)) {
      throw invalidArgument('an archive name is 1 to 64 characters: a letter or digit, then letters, digits, _ . : -');
    }
    const every = options.checkpointEvery ?? 0;
    if (!Number.isSafeInteger(every) || every < 0) throw invalidArgument('checkpointEvery is a non-negative integer');
    if (every > 0 && options.identity === undefined) throw invalidArgument('checkpointEvery needs an identity to sign');
    const identity = options.identity;
    if (identity !== undefined && (typeof identity !== 'object' || identity?.certificate === undefined)) {
      throw invalidArgument('options.identity is not an Identity');
    }
    const maxContent = options.maxContentBytes ?? DEFAULT_MAX_CONTENT;
    if (!Number.isSafeInteger(maxContent) || maxContent < 1)
      throw invalidArgument('maxContentBytes is a positive integer');
    this.name = name;
    this.#store = store;
    this.#identity = identity;
    this.#trust = options.trust;
    this.#every = every;
    this.#clock = options.clock ?? new SystemClock();
    this.#bus = new EventBus<ArchiveEvent>(this.#clock);
    this.#partyBus = options.events;
    this.#maxContent = maxContent;
    this.events$ = this.#bus.events$;
  }

  /**
   * Applies the archive's migrations (once; later calls wait for the same run). Every other method
   * calls it first.
   *
   * @example
   * ```ts
   * await archive.ready();
   * ```
   */
  ready(): Promise<void> {
    this.#ready ??= migrate(this.#store, ARCHIVE_MIGRATIONS).then(
      () => undefined,
      (err: unknown) => {
        this.#ready = undefined;
        throw err;
      },
    );
    return this.#ready;
  }

  #emit(event: EventInput<ArchiveEvent>): void {
    const published = this.#bus.emit(event);
    try {
      this.#partyBus?.emit(published as unknown as EventInput<SemperEvent>);
    } catch {
      // A completed party bus (the party is shutting down) does not stop the archive.
    }
  }

  /**
   * Appends a record: the exact `content` (copied), its SHA-256, the time from the clock, the next
   * sequence number and the chain hash, in one transaction that holds the archive's head lock. Resolves
   * once the record is committed; then publishes `archive.record-appended` and, every `checkpointEvery`
   * records, signs a checkpoint as {@link EvidenceArchive.checkpoint} does (a failure — e.g. the records
   * since the last checkpoint no longer verify — is published as `archive.checkpoint-failed`, and does
   * not undo the record).
   *
   * @throws {@link ArchiveError} `ERR_ARCHIVE_INVALID_ARGUMENT` for bad input; `ERR_ARCHIVE_INCONSISTENT`
   * when the head and the last record disagree (the archive was tampered with: nothing is appended to it).
   *
   * @example
   * ```ts
   * const record = await archive.append({ dealId: 'deal_42', step: 'order', direction: 'received', content: bytes });
   * console.log(record.seq, record.hash);
   * ```
   */
  async append(input: AppendInput): Promise<ArchivedRecord> {
    if (typeof input !== 'object' || input === null)
      throw invalidArgument('append needs { dealId, step, direction, content }');
    const dealId = checkText(input.dealId, 'dealId', 200);
    const step = checkText(input.step, 'step', 200);
    const peer = input.peer === undefined ? undefined : checkText(input.peer, 'peer', 1024);
    const contentType = checkText(input.contentType ?? DEFAULT_CONTENT_TYPE, 'contentType', 200);
    const direction = input.direction;
    if (direction !== 'sent' && direction !== 'received') throw invalidArgument("direction is 'sent' or 'received'");
    if (!(input.content instanceof Uint8Array)) throw invalidArgument('content is a Uint8Array');
    if (input.content.length > this.#maxContent) {
      throw invalidArgument(`content is larger than ${this.#maxContent} bytes`);
    }
    const content = new Uint8Array(input.content);
    const contentDigest = sha256Hex(content);
    await this.ready();
    const record = await this.#store.transaction(async (tx) => {
      const head = await this.#lockHead(tx);
      const at = this.#clock.now();
      const fields: RecordFields = {
        archive: this.name,
        seq: head.seq + 1,
        at,
        direction,
        dealId,
        step,
        ...(peer === undefined ? {} : { peer }),
        contentType,
        contentDigest,
        prevHash: head.hash,
      };
      const hash = linkHash(fields.seq, fields.prevHash, recordBodyHash(fields));
      await tx.query(
        `INSERT INTO archive_records (archive, seq, deal_id, step, direction, peer, content_type, content,
           content_digest, at, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
        [
          this.name,
          BigInt(fields.seq),
          dealId,
          step,
          direction,
          peer ?? null,
          contentType,
          content,
          bytesOf(contentDigest),
          at,
          bytesOf(fields.prevHash),
          bytesOf(hash),
        ],
      );
      await tx.query('UPDATE archive_heads SET seq = $2, hash = $3, updated_at = $4 WHERE archive = $1', [
        this.name,
        BigInt(fields.seq),
        bytesOf(hash),
        at,
      ]);
      return { ...fields, content, hash } satisfies ArchivedRecord;
    });
    this.#emit({
      type: 'archive.record-appended',
      at: record.at,
      archive: this.name,
      seq: record.seq,
      dealId,
      step,
      direction,
      contentDigest,
      hash: record.hash,
    });
    if (this.#every > 0 && record.seq % this.#every === 0) {
      try {
        await this.#checkpointAt({ seq: record.seq, hash: record.hash });
      } catch (err) {
        this.#emit({ type: 'archive.checkpoint-failed', archive: this.name, seq: record.seq, ...errorSummary(err) });
      }
    }
    return record;
  }

  /** Locks the head row (creating it for a new archive) and checks it against the last record. */
  async #lockHead(tx: Queryable): Promise<ArchiveHead> {
    await tx.query(
      'INSERT INTO archive_heads (archive, seq, hash) VALUES ($1, 0, $2) ON CONFLICT (archive) DO NOTHING',
      [this.name, bytesOf(GENESIS_HASH)],
    );
    const [head] = await tx.query<{ seq: bigint; hash: Uint8Array }>(
      'SELECT seq, hash FROM archive_heads WHERE archive = $1 FOR UPDATE',
      [this.name],
    );
    const [last] = await tx.query<{ seq: bigint; hash: Uint8Array }>(
      'SELECT seq, hash FROM archive_records WHERE archive = $1 ORDER BY seq DESC LIMIT 1',
      [this.name],
    );
    const headSeq = toNumber(head!.seq);
    const headHash = hex(head!.hash);
    if (
      headSeq !== (last === undefined ? 0 : toNumber(last.seq)) ||
      headHash !== (last ? hex(last.hash) : GENESIS_HASH)
    ) {
      throw new ArchiveError(
        'ERR_ARCHIVE_INCONSISTENT',
        `archive '${this.name}': its head (record ${headSeq}) is not its last record (${last ? toNumber(last.seq) : 'none'}); run verify()`,
      );
    }
    return { seq: headSeq, hash: headHash };
  }

  /**
   * Signs a checkpoint over the current head now (or returns the existing one if the head is already
   * checkpointed) and stores it; publishes `archive.checkpoint-made`. It first checks the records since
   * the previous checkpoint (intact, in order, chained to the hash that checkpoint signs, up to the head),
   * so that a checkpoint never endorses a chain altered since the last one.
   *
   * @throws {@link ArchiveError} `ERR_ARCHIVE_NO_SIGNER` without an identity, `ERR_ARCHIVE_EMPTY` for an
   * empty archive, `ERR_ARCHIVE_INCONSISTENT` when that check fails (run `verify()` to locate why).
   *
   * @example
   * ```ts
   * const checkpoint = await archive.checkpoint();
   * writeFileSync(`checkpoint-${checkpoint.seq}.der`, checkpoint.signed); // openssl cms -verify -inform DER …
   * ```
   */
  async checkpoint(): Promise<Checkpoint> {
    if (this.#identity === undefined) {
      throw new ArchiveError('ERR_ARCHIVE_NO_SIGNER', `archive '${this.name}' has no identity to sign checkpoints`);
    }
    await this.ready();
    const [row] = await this.#store.query<{ seq: bigint; hash: Uint8Array }>(
      'SELECT seq, hash FROM archive_heads WHERE archive = $1',
      [this.name],
    );
    if (row === undefined || row.seq === 0n) {
      throw new ArchiveError('ERR_ARCHIVE_EMPTY', `archive '${this.name}' holds no record yet`);
    }
    return this.#checkpointAt({ seq: toNumber(row.seq), hash: hex(row.hash) });
  }

  async #checkpointAt(head: ArchiveHead): Promise<Checkpoint> {
    const identity = this.#identity;
    if (identity === undefined) throw new ArchiveError('ERR_ARCHIVE_NO_SIGNER', 'no identity to sign checkpoints');
    const existing = await this.#checkpointRow(head.seq);
    if (existing !== undefined) return existing;
    await this.#store.transaction((tx) => this.#checkSinceLastCheckpoint(tx, head), {
      isolation: 'repeatable read',
      readOnly: true,
    });
    const checkpoint = await signCheckpoint(
      { archive: this.name, seq: head.seq, headHash: head.hash, at: this.#clock.now() },
      identity,
    );
    const inserted = await this.#store.query(
      `INSERT INTO archive_checkpoints (archive, seq, head_hash, at, signed) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (archive, seq) DO NOTHING RETURNING seq`,
      [this.name, BigInt(head.seq), bytesOf(head.hash), checkpoint.at, checkpoint.signed],
    );
    if (inserted.length === 0) return (await this.#checkpointRow(head.seq))!; // made meanwhile by another caller
    this.#emit({
      type: 'archive.checkpoint-made',
      at: checkpoint.at,
      archive: this.name,
      seq: head.seq,
      headHash: head.hash,
    });
    return checkpoint;
  }

  /**
   * Before signing `head`: the records from the last checkpoint to the archive's head row must still be
   * the chain that checkpoint signed, intact and in order, and pass through `head` — so that a checkpoint
   * never endorses a chain altered since the previous one. (Cost: the records since that checkpoint.)
   */
  async #checkSinceLastCheckpoint(tx: Queryable, head: ArchiveHead): Promise<void> {
    const refuse = (why: string) =>
      new ArchiveError(
        'ERR_ARCHIVE_INCONSISTENT',
        `archive '${this.name}': no checkpoint signed, ${why}; run verify()`,
      );
    const [headRow] = await tx.query<{ seq: bigint; hash: Uint8Array }>(
      'SELECT seq, hash FROM archive_heads WHERE archive = $1',
      [this.name],
    );
    const last = headRow === undefined ? 0 : toNumber(headRow.seq);
    if (last < head.seq) throw refuse(`the archive head is before record ${head.seq}`);
    const [beyond] = await tx.query<{ seq: bigint | null }>(
      'SELECT max(seq) AS seq FROM archive_checkpoints WHERE archive = $1',
      [this.name],
    );
    if (beyond?.seq != null && toNumber(beyond.seq) > last) {
      throw refuse(`checkpoint ${toNumber(beyond.seq)} signs a record after the archive head (${last})`);
    }
    const [cp] = await tx.query<{ seq: bigint; head_hash: Uint8Array }>(
      'SELECT seq, head_hash FROM archive_checkpoints WHERE archive = $1 AND seq <= $2 ORDER BY seq DESC LIMIT 1',
      [this.name, BigInt(head.seq)],
    );
    let seq = cp === undefined ? 0 : toNumber(cp.seq);
    let prevHash = cp === undefined ? GENESIS_HASH : hex(cp.head_hash);
    if (cp !== undefined) {
      const [atCp] = await tx.query<{ hash: Uint8Array }>(
        'SELECT hash FROM archive_records WHERE archive = $1 AND seq = $2',
        [this.name, cp.seq],
      );
      if (atCp === undefined || hex(atCp.hash) !== prevHash) {
        throw refuse(`record ${seq} no longer has the hash its checkpoint signs`);
      }
    }
    let passed = seq === head.seq && prevHash === head.hash;
    for (;;) {
      const rows = await tx.query<RecordRow>(
        `SELECT ${RECORD_COLUMNS}, content FROM archive_records WHERE archive = $1 AND seq > $2 AND seq <= $3
         ORDER BY seq LIMIT ${PAGE}`,
        [this.name, BigInt(seq), BigInt(last)],
      );
      for (const row of rows) {
        const v = this.#view(row);
        const intact = row.content != null && sha256Hex(row.content) === hex(row.content_digest);
        if (v.seq !== seq + 1 || v.prevHash !== prevHash || !v.hashOk || !intact) {
          throw refuse(`record ${seq + 1} does not verify`);
        }
        seq = v.seq;
        prevHash = v.hash;
        if (seq === head.seq) passed = prevHash === head.hash;
      }
      if (rows.length < PAGE) break;
    }
    if (seq !== last || prevHash !== hex(headRow!.hash)) throw refuse(`the archive head is not its last record`);
    if (!passed) throw refuse(`record ${head.seq} is not the one to sign`);
  }

  async #checkpointRow(seq: number): Promise<Checkpoint | undefined> {
    const [row] = await this.#store.query<CheckpointRow>(
      'SELECT seq, head_hash, at, signed FROM archive_checkpoints WHERE archive = $1 AND seq = $2',
      [this.name, BigInt(seq)],
    );
    return row === undefined ? undefined : toCheckpoint(this.name, row);
  }

  /**
   * The last record's position and hash, or undefined for an empty archive.
   *
   * @example
   * ```ts
   * const head = await archive.head(); // { seq: 12, hash: '…' }
   * ```
   */
  async head(): Promise<ArchiveHead | undefined> {
    await this.ready();
    const [last] = await this.#store.query<{ seq: bigint; hash: Uint8Array }>(
      'SELECT seq, hash FROM archive_records WHERE archive = $1 ORDER BY seq DESC LIMIT 1',
      [this.name],
    );
    return last === undefined ? undefined : { seq: toNumber(last.seq), hash: hex(last.hash) };
  }

  /**
   * The record at `seq`, as stored (not verified: see {@link EvidenceArchive.verify}).
   *
   * @example
   * ```ts
   * const first = await archive.record(1);
   * ```
   */
  async record(seq: number): Promise<ArchivedRecord | undefined> {
    if (!Number.isSafeInteger(seq) || seq < 1) throw invalidArgument('seq is a positive integer');
    await this.ready();
    const [row] = await this.#store.query<RecordRow>(
      `SELECT ${RECORD_COLUMNS}, content FROM archive_records WHERE archive = $1 AND seq = $2`,
      [this.name, BigInt(seq)],
    );
    return row === undefined ? undefined : toRecord(this.name, row);
  }

  /**
   * Records in chain order, optionally of one deal and from a position on (`after`: exclusive), at most
   * `limit` (default 1000).
   *
   * @example
   * ```ts
   * const dealRecords = await archive.records({ dealId: 'deal_42' });
   * ```
   */
  async records(
    filter: { readonly dealId?: string; readonly after?: number; readonly limit?: number } = {},
  ): Promise<ArchivedRecord[]> {
    const after = filter.after ?? 0;
    const limit = filter.limit ?? 1000;
    if (!Number.isSafeInteger(after) || after < 0) throw invalidArgument('after is a non-negative integer');
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > 100_000) throw invalidArgument('limit is 1 to 100000');
    await this.ready();
    const rows =
      filter.dealId === undefined
        ? await this.#store.query<RecordRow>(
            `SELECT ${RECORD_COLUMNS}, content FROM archive_records WHERE archive = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
            [this.name, BigInt(after), limit],
          )
        : await this.#store.query<RecordRow>(
            `SELECT ${RECORD_COLUMNS}, content FROM archive_records WHERE archive = $1 AND deal_id = $2 AND seq > $3
             ORDER BY seq LIMIT $4`,
            [this.name, checkText(filter.dealId, 'dealId', 200), BigInt(after), limit],
          );
    return rows.map((r) => toRecord(this.name, r));
  }

  /**
   * The stored checkpoints, in chain order (not verified: see {@link EvidenceArchive.verify}).
   *
   * @example
   * ```ts
   * const latest = (await archive.checkpoints()).at(-1);
   * ```
   */
  async checkpoints(): Promise<Checkpoint[]> {
    await this.ready();
    const rows = await this.#store.query<CheckpointRow>(
      'SELECT seq, head_hash, at, signed FROM archive_checkpoints WHERE archive = $1 ORDER BY seq',
      [this.name],
    );
    return rows.map((r) => toCheckpoint(this.name, r));
  }

  #view(row: RecordRow, seq: number = toNumber(row.seq)): RowView {
    const prevHash = hex(row.prev_hash);
    const hash = hex(row.hash);
    let bodyHash: string | undefined;
    try {
      bodyHash = recordBodyHash(fieldsOf(this.name, row));
    } catch {
      bodyHash = undefined;
    }
    let hashOk = false;
    try {
      hashOk = bodyHash !== undefined && linkHash(seq, prevHash, bodyHash) === hash;
    } catch {
      hashOk = false;
    }
    return { seq, row, prevHash, hash, bodyHash, hashOk };
  }

  /**
   * Walks the whole chain, in one consistent snapshot, and checks every record (its content against its
   * digest, its fields against its hash, its link to its predecessor, its position), the head, and every
   * checkpoint (signature, signer's chain at the checkpoint's time, content, and the chain's hash at that
   * position). Names the first record altered, removed, reordered or truncated, and every checkpoint
   * that fails; publishes `archive.verification-failed` when anything is wrong.
   *
   * A chain rewritten and re-hashed from some record on is consistent in itself: only a signed
   * checkpoint past that record shows it (`checkpoint-mismatch`, located between two checkpoints).
   * The walk reads every record once (in pages); on PGlite, which has one connection, appends wait for it.
   *
   * @throws {@link ArchiveError} `ERR_ARCHIVE_INVALID_ARGUMENT` when there are checkpoints but nothing to
   * trust (no `trust` option, no identity).
   *
   * @example
   * ```ts
   * const result = await archive.verify();
   * if (!result.ok) {
   *   const first = result.first!;
   *   console.error(first.kind, 'seq' in first ? first.seq : '', first.message); // e.g. altered 17 …
   * }
   * ```
   */
  async verify(options: VerifyArchiveOptions = {}): Promise<ArchiveVerification> {
    await this.ready();
    const trust =
      options.trust ?? this.#trust ?? (this.#identity ? new TrustStore([this.#identity.certificate]) : undefined);
    const walked = await this.#store.transaction((tx) => this.#walk(tx), {
      isolation: 'repeatable read',
      readOnly: true,
    });
    const issues = [...walked.issues];
    if (walked.checkpoints.length > 0 && trust === undefined) {
      throw invalidArgument('verify needs trust (or an identity) to check the checkpoints');
    }
    // Checkpoints: signature and content, then what they say against the chain.
    const checked = await Promise.all(
      walked.checkpoints.map(async (cp) => {
        try {
          await verifyCheckpoint(cp.signed, {
            trust: trust!,
            expected: cp,
            ...(options.signer ? { signer: options.signer } : {}),
            ...(options.validationTime ? { validationTime: options.validationTime } : {}),
          });
          return { cp, error: undefined };
        } catch (err) {
          if (!(err instanceof SemperError)) throw err;
          return { cp, error: errorSummary(err) };
        }
      }),
    );
    let valid = 0;
    let matchedUpTo = 0;
    let truncatedThrough = walked.lastSeq;
    const firstRecordIssue = issues.reduce<number>(
      (min, i) => ('seq' in i ? Math.min(min, i.seq) : min),
      Number.POSITIVE_INFINITY,
    );
    for (const { cp, error } of checked) {
      if (error !== undefined) {
        issues.push({
          kind: 'checkpoint-invalid',
          checkpointSeq: cp.seq,
          code: error.code,
          message: `checkpoint ${cp.seq} does not verify: ${error.message}`,
        });
        continue;
      }
      valid++;
      if (cp.seq > walked.lastSeq) {
        truncatedThrough = Math.max(truncatedThrough, cp.seq);
        continue;
      }
      const stored = walked.hashAt.get(cp.seq);
      if (stored === cp.headHash) {
        matchedUpTo = cp.seq;
      } else if (stored !== undefined && firstRecordIssue > cp.seq) {
        issues.push({
          kind: 'checkpoint-mismatch',
          checkpointSeq: cp.seq,
          from: matchedUpTo + 1,
          message: `checkpoint ${cp.seq} signs another chain: a record in ${matchedUpTo + 1}–${cp.seq} was altered and the chain re-hashed`,
        });
      }
    }
    const headSeq = walked.headRow?.seq ?? 0;
    if (truncatedThrough > walked.lastSeq || headSeq > walked.lastSeq) {
      const through = Math.max(truncatedThrough, headSeq);
      const evidence = truncatedThrough > walked.lastSeq ? 'checkpoint' : 'head';
      issues.push({
        kind: 'truncated',
        seq: walked.lastSeq + 1,
        through,
        evidence,
        message: `records ${walked.lastSeq + 1}–${through} were removed from the end of the archive (${
          evidence === 'checkpoint'
            ? `a signed checkpoint proves records up to ${truncatedThrough}`
            : `its head is record ${headSeq}`
        }${evidence === 'checkpoint' && headSeq > truncatedThrough ? `, its head record ${headSeq}` : ''})`,
      });
    } else if (walked.headRow !== undefined && (headSeq < walked.lastSeq || walked.headRow.hash !== walked.lastHash)) {
      issues.push({
        kind: 'head-mismatch',
        seq: walked.lastSeq,
        message: `the archive head (record ${headSeq}) does not describe the last record (${walked.lastSeq})`,
      });
    } else if (walked.headRow === undefined && walked.count > 0) {
      issues.push({ kind: 'head-mismatch', seq: walked.lastSeq, message: 'the archive head is missing' });
    }
    const sorted = sortIssues(issues);
    const result: ArchiveVerification = {
      ok: sorted.length === 0,
      archive: this.name,
      records: walked.count,
      head: walked.count === 0 ? undefined : { seq: walked.lastSeq, hash: walked.lastHash },
      checkpoints: { total: walked.checkpoints.length, valid },
      issues: sorted,
      first: sorted[0],
    };
    if (!result.ok) {
      this.#emit({ type: 'archive.verification-failed', archive: this.name, source: 'archive', issues: sorted });
    }
    return result;
  }

  /** The chain walk of `verify`, inside one read-only snapshot. */
  async #walk(tx: Queryable): Promise<{
    issues: ArchiveIssue[];
    count: number;
    lastSeq: number;
    lastHash: string;
    headRow: ArchiveHead | undefined;
    checkpoints: Checkpoint[];
    hashAt: Map<number, string>;
  }> {
    const [head] = await tx.query<{ seq: bigint; hash: Uint8Array }>(
      'SELECT seq, hash FROM archive_heads WHERE archive = $1',
      [this.name],
    );
    const checkpoints = (
      await tx.query<CheckpointRow>(
        'SELECT seq, head_hash, at, signed FROM archive_checkpoints WHERE archive = $1 ORDER BY seq',
        [this.name],
      )
    ).map((r) => toCheckpoint(this.name, r));
    const wanted = new Set(checkpoints.map((c) => c.seq));
    const hashAt = new Map<number, string>();
    const issues: ArchiveIssue[] = [];

    const byHash = new Map<string, RowView | null>();
    const lookup = async (hash: string): Promise<RowView | undefined> => {
      if (!byHash.has(hash)) {
        const [row] = await tx.query<RecordRow>(
          `SELECT ${RECORD_COLUMNS} FROM archive_records WHERE archive = $1 AND hash = $2 LIMIT 1`,
          [this.name, bytesOf(hash)],
        );
        byHash.set(hash, row === undefined ? null : this.#view(row));
      }
      return byHash.get(hash) ?? undefined;
    };
    const predecessorMissing = async (v: RowView) =>
      v.prevHash !== GENESIS_HASH && (await lookup(v.prevHash)) === undefined;
    /** The position a record was written at (its hash says), or undefined if none is found. */
    const original = async (v: RowView, depth = 0): Promise<number | undefined> => {
      if (v.hashOk) return v.seq;
      const body = v.bodyHash;
      if (body === undefined || !isHash(v.prevHash) || !isHash(v.hash) || depth > 16) return undefined;
      const fits = (seq: number) => seq >= 1 && linkHash(seq, v.prevHash, body) === v.hash;
      if (v.prevHash === GENESIS_HASH) return fits(1) ? 1 : undefined;
      const p = await lookup(v.prevHash);
      if (p !== undefined) {
        const po = await original(p, depth + 1);
        return po !== undefined && fits(po + 1) ? po + 1 : undefined;
      }
      for (let d = 1; d <= MOVE_WINDOW; d++) {
        if (fits(v.seq + d)) return v.seq + d;
        if (fits(v.seq - d)) return v.seq - d;
      }
      return undefined;
    };

    let expected = 1;
    let prevHash = GENESIS_HASH;
    let prevOrig = 0;
    let prevHadIssue = false;
    let count = 0;
    let lastSeq = 0;
    let lastHash = GENESIS_HASH;
    for (;;) {
      const rows = await tx.query<RecordRow>(
        `SELECT ${RECORD_COLUMNS}, content FROM archive_records WHERE archive = $1 AND seq > $2 ORDER BY seq LIMIT ${PAGE}`,
        [this.name, BigInt(lastSeq)],
      );
      for (const row of rows) {
        const v = this.#view(row);
        count++;
        const before = issues.length;
        const digestOk = row.content != null && sha256Hex(row.content) === hex(row.content_digest);
        const linkOk = v.prevHash === prevHash;
        const orig = await original(v);
        if (orig === undefined) {
          issues.push({
            kind: 'altered',
            seq: v.seq,
            part: 'record',
            message: `record ${v.seq} was altered: its fields${digestOk ? '' : ' and content'} no longer match its hash`,
          });
        } else if (orig !== v.seq) {
          if (linkOk && orig === prevOrig + 1) {
            // Part of a run renumbered after a removal, reported at its start.
          } else if (orig > prevOrig + 1 && (await predecessorMissing(v))) {
            issues.push({
              kind: 'removed',
              seq: prevOrig + 1,
              through: orig - 1,
              message: `records ${prevOrig + 1}–${orig - 1} were removed and the records after them renumbered (position ${v.seq} holds record ${orig})`,
            });
          } else {
            issues.push({
              kind: 'reordered',
              seq: v.seq,
              originalSeq: orig,
              message: `record ${v.seq} was moved: it was written as record ${orig}`,
            });
          }
        } else {
          if (v.seq > expected && (await predecessorMissing(v))) {
            issues.push({
              kind: 'removed',
              seq: expected,
              through: v.seq - 1,
              message:
                v.seq - 1 === expected
                  ? `record ${expected} was removed`
                  : `records ${expected}–${v.seq - 1} were removed`,
            });
          } else if (!linkOk && !prevHadIssue && v.seq === expected && expected > 1) {
            issues.push({
              kind: 'altered',
              seq: v.seq - 1,
              part: 'rewritten',
              message: `record ${v.seq - 1} was replaced: its hash is not the one record ${v.seq} was chained to`,
            });
          }
          if (!digestOk) {
            issues.push({
              kind: 'altered',
              seq: v.seq,
              part: 'content',
              message: `record ${v.seq} was altered: its content no longer matches its SHA-256 digest`,
            });
          }
        }
        if (wanted.has(v.seq)) hashAt.set(v.seq, v.hash);
        prevHadIssue = issues.length > before;
        prevHash = v.hash;
        prevOrig = orig ?? v.seq;
        expected = v.seq + 1;
        lastSeq = v.seq;
        lastHash = v.hash;
      }
      if (rows.length < PAGE) break;
    }
    return {
      issues,
      count,
      lastSeq,
      lastHash,
      headRow: head === undefined ? undefined : { seq: toNumber(head.seq), hash: hex(head.hash) },
      checkpoints,
      hashAt,
    };
  }

  /**
   * Exports the evidence of one deal as a bundle (see the README's bundle format): every record of the
   * deal with its exact bytes, the chain links between them up to a signed checkpoint (other deals'
   * records only as body hashes), and those checkpoints. Signs a checkpoint first if the deal's last
   * record is not yet covered (unless `checkpoint: false`, or there is no identity). The archive is read
   * in one consistent snapshot.
   *
   * @throws {@link ArchiveError} `ERR_ARCHIVE_DEAL_NOT_FOUND` when the archive holds no record of the deal;
   * `ERR_ARCHIVE_INCONSISTENT` when a checkpoint is needed but the records since the last one do not
   * verify (`checkpoint: false` exports anyway, and the verifier then reports what is wrong).
   *
   * @example
   * ```ts
   * import { verifyBundle } from '@semper/archive';
   * const bundle = await archive.exportBundle('deal_42');
   * const report = await verifyBundle(bundle, { trust });
   * ```
   */
  async exportBundle(dealId: string, options: ExportBundleOptions = {}): Promise<Uint8Array> {
    checkText(dealId, 'dealId', 200);
    await this.ready();
    const dealSeqs = async (q: Queryable) =>
      (
        await q.query<{ seq: bigint }>(
          'SELECT seq FROM archive_records WHERE archive = $1 AND deal_id = $2 ORDER BY seq',
          [this.name, dealId],
        )
      ).map((r) => toNumber(r.seq));
    const seqs = await dealSeqs(this.#store);
    if (seqs.length === 0) {
      throw new ArchiveError('ERR_ARCHIVE_DEAL_NOT_FOUND', `archive '${this.name}' holds no record of deal ${dealId}`);
    }
    if (options.checkpoint !== false && this.#identity !== undefined) {
      const [row] = await this.#store.query<{ seq: bigint | null }>(
        'SELECT max(seq) AS seq FROM archive_checkpoints WHERE archive = $1',
        [this.name],
      );
      if (row?.seq == null || toNumber(row.seq) < seqs[seqs.length - 1]) await this.checkpoint();
    }
    const exportedAt = this.#clock.now();
    const { segments, items } = await this.#store.transaction(
      async (tx) => {
        const deal = await dealSeqs(tx);
        const cps = (
          await tx.query<CheckpointRow>(
            'SELECT seq, head_hash, at, signed FROM archive_checkpoints WHERE archive = $1 AND seq >= $2 ORDER BY seq',
            [this.name, BigInt(deal[0])],
          )
        ).map((r) => toCheckpoint(this.name, r));
        const items = new Map<string, Uint8Array>();
        const segments: BundleSegment[] = [];
        let i = 0;
        while (i < deal.length) {
          const start = deal[i];
          const cover = cps.find((c) => c.seq >= start);
          const end = cover?.seq ?? deal[deal.length - 1];
          while (i < deal.length && deal[i] <= end) i++;
          segments.push(await this.#segment(tx, dealId, start, end, cps, items));
        }
        return { segments, items };
      },
      { isolation: 'repeatable read', readOnly: true },
    );
    const manifest: BundleManifest = {
      format: BUNDLE_FORMAT,
      version: BUNDLE_VERSION,
      recordEncoding: RECORD_ENCODING,
      archive: this.name,
      dealId,
      exportedAt: exportedAt.toISOString(),
      segments,
    };
    return writeBundle(manifest, items);
  }

  async #segment(
    tx: Queryable,
    dealId: string,
    start: number,
    end: number,
    cps: readonly Checkpoint[],
    items: Map<string, Uint8Array>,
  ): Promise<BundleSegment> {
    const entries: BundleEntry[] = [];
    let prevHash: string | undefined;
    let after = start - 1;
    for (;;) {
      const rows = await tx.query<RecordRow>(
        `SELECT ${RECORD_COLUMNS}, CASE WHEN deal_id = $4 THEN content END AS content FROM archive_records
         WHERE archive = $1 AND seq > $2 AND seq <= $3 ORDER BY seq LIMIT ${PAGE * 5}`,
        [this.name, BigInt(after), BigInt(end), dealId],
      );
      for (const row of rows) {
        const r = toRecord(this.name, row);
        prevHash ??= r.prevHash;
        if (row.deal_id === dealId) {
          const file = recordFileName(r.seq, r.contentType);
          items.set(file, r.content);
          entries.push({
            seq: r.seq,
            hash: r.hash,
            record: {
              file,
              at: r.at.toISOString(),
              direction: r.direction,
              dealId,
              step: r.step,
              ...(r.peer === undefined ? {} : { peer: r.peer }),
              contentType: r.contentType,
              contentLength: r.content.length,
              contentDigest: r.contentDigest,
            },
          });
        } else {
          const v = this.#view(row);
          if (v.bodyHash === undefined) {
            throw new ArchiveError('ERR_ARCHIVE_INCONSISTENT', `record ${r.seq} is damaged; run verify()`);
          }
          entries.push({ seq: r.seq, hash: r.hash, bodyHash: v.bodyHash });
        }
        after = r.seq;
      }
      if (rows.length < PAGE * 5) break;
    }
    const checkpoints: BundleCheckpoint[] = [];
    for (const c of cps) {
      if (c.seq < start || c.seq > end || !entries.some((e) => e.seq === c.seq)) continue;
      const file = checkpointFileName(c.seq);
      items.set(file, c.signed);
      checkpoints.push({ seq: c.seq, at: c.at.toISOString(), headHash: c.headHash, file });
    }
    return { prevHash: prevHash ?? GENESIS_HASH, entries, checkpoints };
  }

  /**
   * {@link EvidenceArchive.exportBundle} to a file (refusing to overwrite one unless `overwrite`).
   *
   * @throws {@link ArchiveError} `ERR_ARCHIVE_BUNDLE_IO` when the file cannot be written.
   *
   * @example
   * ```ts
   * const { bytes } = await archive.exportBundleFile('deal_42', './deal_42.semper-bundle.tar');
   * ```
   */
  async exportBundleFile(
    dealId: string,
    path: string,
    options: ExportBundleOptions & { readonly overwrite?: boolean } = {},
  ): Promise<{ readonly path: string; readonly bytes: number }> {
    if (typeof path !== 'string' || path === '') throw invalidArgument('path is a file name');
    const bundle = await this.exportBundle(dealId, options);
    try {
      await writeFile(path, bundle, { flag: options.overwrite ? 'w' : 'wx' });
    } catch (err) {
      throw new ArchiveError('ERR_ARCHIVE_BUNDLE_IO', `cannot write the bundle to ${path}`, { cause: err });
    }
    return { path, bytes: bundle.length };
  }
}

/**
 * Creates an {@link EvidenceArchive} and applies its migrations.
 *
 * @example
 * ```ts
 * import { openArchive } from '@semper/archive';
 * import { openStore } from '@semper/store';
 * const store = await openStore('pglite:./merchant-data');
 * const archive = await openArchive({ store, name: 'merchant', identity: merchant, checkpointEvery: 100 });
 * ```
 */
export async function openArchive(options: ArchiveOptions): Promise<EvidenceArchive> {
  const archive = new EvidenceArchive(options);
  await archive.ready();
  return archive;
}
