import { createHash } from 'node:crypto';
import { agencyResource } from '@semper/access';
import { type Clock, newId, SemperError, SystemClock } from '@semper/core';
import type { Certificate, Identity } from '@semper/crypto';
import { migrate, type Queryable, type Store, StoreError, StoreQueryError } from '@semper/store';
import {
  inspectSdc,
  makeSdcHeader,
  type OpenedSdc,
  type OpenSdcOptions,
  openSdc,
  type SdcHeader,
  type SdcLimits,
  type SdcType,
  sdcPartyId,
  sealSdc,
} from '../format/index.js';
import {
  type DecodedRecordSet,
  decodeRecordSet,
  encodeRecordSet,
  parseBody,
  type RecordSet,
  recordColumnsOf,
  type SdcBodies,
} from './bodies.js';
import { SdcServiceError, type SdcServiceErrorCode } from './errors.js';
import { SdcInbox, SdcOutbox } from './mailbox.js';
import { SDC_MIGRATIONS } from './migrations.js';
import { type CompiledQuery, compileQuery, type SdcAllowList, type SdcQuery } from './query.js';
import {
  defineTable,
  quoteIdentifier,
  RECORD_STATUS,
  type RecordStatus,
  recordTableDdl,
  type SdcTable,
  type SqlValue,
} from './table.js';

/**
 * A peer of the secure data services: its party id (the CN of its certificates, as the format reads it)
 * and the certificate containers to it are encrypted to.
 *
 * @example
 * ```ts
 * import type { SdcPeer } from '@semper/sdc';
 * const hub: SdcPeer = { id: 'hub', certificate: hubIdentity.certificate };
 * ```
 */
export interface SdcPeer {
  readonly id: string;
  readonly certificate: Certificate;
}

/**
 * What decides whether a sender may use a service: `@semper/access`'s `AccessControl` (with the hub's
 * agency status policy) fits. Called with the sender's party id, `sdc.export` or `sdc.import`, and
 * `agency:<sender>/sdc/<table>`.
 *
 * @example
 * ```ts
 * import { AccessControl, AGENCY_STATUSES, createAgencyPolicy, StoreAccessRepository } from '@semper/access';
 * import type { SdcAccessCheck } from '@semper/sdc';
 * const access: SdcAccessCheck = new AccessControl({
 *   policy: createAgencyPolicy(),
 *   repository: new StoreAccessRepository(store),
 *   statuses: AGENCY_STATUSES,
 * });
 * ```
 */
export interface SdcAccessCheck {
  authorize(
    subject: string,
    action: string,
    resource: string,
  ): Promise<{ readonly allowed: boolean; readonly reason?: string }>;
}

/**
 * The steps where tests inject a crash (`faultInjection`): each is inside the transaction it names, after
 * some of its writes and before the others.
 *
 * @example
 * ```ts
 * import type { SdcStep } from '@semper/sdc';
 * const step: SdcStep = 'apply:rows-inserted';
 * ```
 */
export type SdcStep =
  | 'export:rows-collected'
  | 'export:container-queued'
  | 'apply:rows-inserted'
  | 'apply:answer-queued'
  | 'import:answer-queued'
  | 'delivery:recorded';

/**
 * Options of {@link SecureDataService.open}.
 *
 * @example
 * ```ts
 * import type { SecureDataServiceOptions } from '@semper/sdc';
 * const o: SecureDataServiceOptions = {
 *   store,
 *   identity: hub,
 *   trust: validator,
 *   peers: [{ id: 'agency-a', certificate: agencyA.certificate }],
 *   tables: [transfers, rates],
 *   allow: { export: { transfers: ['reference', 'amount'] }, import: { rates: { columns: ['currency', 'rate'] } } },
 *   access,
 * };
 * ```
 */
export interface SecureDataServiceOptions {
  readonly store: Store;
  /** This party's identity: it signs what it sends and decrypts what it receives. */
  readonly identity: Identity;
  /** This party's id; default the CN of `identity.certificate`. */
  readonly partyId?: string;
  /** Who may sign containers here: a `TrustStore` or `@semper/certificates`' `PathValidator` (with CRLs). */
  readonly trust: OpenSdcOptions['trust'];
  /** The known peers; a container from anyone else is rejected. More with `addPeer`. */
  readonly peers: Iterable<SdcPeer>;
  /** The record tables here (created if missing by `open`). */
  readonly tables: readonly SdcTable[];
  /** What peers may send here and query (default: nothing). */
  readonly allow?: SdcAllowList;
  /** The access check for export and import requests (default: none, every known peer may). */
  readonly access?: SdcAccessCheck;
  readonly clock?: Clock;
  /** The `Status` given to rows that arrive (export at the receiver, import response at the requester); default 1. */
  readonly receivedStatus?: RecordStatus;
  /**
   * How far below the highest sequence applied from a sender a container may still be applied, so that
   * containers overtaken in transit (mail does not keep order) are not lost; default
   * {@link DEFAULT_REPLAY_WINDOW}. 0: strictly increasing only. A sequence used by an applied container is
   * always a replay, whatever the window; an exact redelivery is a duplicate.
   */
  readonly replayWindow?: number;
  /** Stricter container limits than the format's. */
  readonly limits?: Partial<SdcLimits>;
  /** Default true: `open` applies the migrations and creates the record tables. */
  readonly migrate?: boolean;
  /** For tests: called at each {@link SdcStep}; a throw there aborts the transaction. */
  readonly faultInjection?: (step: SdcStep) => void | Promise<void>;
}

/**
 * The default {@link SecureDataServiceOptions.replayWindow}: a container may be overtaken by up to 1,000
 * later ones of its sender and still be applied.
 *
 * @example
 * ```ts
 * import { DEFAULT_REPLAY_WINDOW } from '@semper/sdc';
 * console.log(DEFAULT_REPLAY_WINDOW); // 1000
 * ```
 */
export const DEFAULT_REPLAY_WINDOW = 1000;

/**
 * What the intake did with a container. Never thrown:
 * - `accepted`: applied (or, for an import request, answered), once;
 * - `duplicate`: seen and applied before, byte for byte: its answer (the same receipt) is queued again;
 * - `refused`: authentic and fresh, but its content was refused (schema, row, query, access): nothing
 *   applied, answered with an error container;
 * - `rejected`: not authentic, not fresh, not for us, from no known peer, or not a container at all:
 *   nothing applied, nothing answered.
 * Every outcome is logged in `sdc_intake_log`.
 *
 * @example
 * ```ts
 * import type { IntakeOutcome } from '@semper/sdc';
 * const line = (o: IntakeOutcome) => (o.status === 'rejected' || o.status === 'refused' ? `${o.status} ${o.code}` : o.status);
 * ```
 */
export type IntakeOutcome =
  | {
      readonly status: 'accepted';
      readonly containerId: string;
      readonly sender: string;
      readonly type: SdcType;
      readonly rows: number;
      readonly answerId?: string;
    }
  | { readonly status: 'duplicate'; readonly containerId: string; readonly sender: string; readonly answerId?: string }
  | {
      readonly status: 'refused';
      readonly containerId: string;
      readonly sender: string;
      readonly code: string;
      readonly reason: string;
      readonly answerId: string;
    }
  | {
      readonly status: 'rejected';
      readonly code: string;
      readonly reason: string;
      readonly containerId?: string;
      readonly sender?: string;
    };

/**
 * What {@link SecureDataService.exportTable} did.
 *
 * @example
 * ```ts
 * import type { ExportOutcome } from '@semper/sdc';
 * const rows = (o: ExportOutcome) => (o.outcome === 'exported' ? o.rows : 0);
 * ```
 */
export type ExportOutcome =
  | {
      readonly outcome: 'exported';
      readonly containerId: string;
      readonly rows: number;
      readonly numeros: readonly bigint[];
    }
  | { readonly outcome: 'empty' };

/**
 * A container sent that expects an answer, and what came back.
 *
 * @example
 * ```ts
 * import type { Delivery } from '@semper/sdc';
 * const done = (d: Delivery) => d.deliveredAt !== null;
 * ```
 */
export interface Delivery {
  readonly containerId: string;
  readonly recipient: string;
  readonly type: string;
  readonly sequence: bigint;
  readonly createdAt: Date;
  readonly table: string | null;
  readonly numeros: readonly bigint[];
  readonly deliveredAt: Date | null;
  /** `applied` (a receipt came), `answered` (an import response came), `error` (an error container came). */
  readonly outcome: 'applied' | 'answered' | 'error' | null;
  readonly answerId: string | null;
  readonly errorCode: string | null;
  readonly rowsApplied: number | null;
  /** For an import request: the answer carried fewer rows than matched (the peer's limit). */
  readonly truncated: boolean;
}

/**
 * One line of the intake log.
 *
 * @example
 * ```ts
 * import type { IntakeLogEntry } from '@semper/sdc';
 * const line = (e: IntakeLogEntry) => `${e.at.toISOString()} ${e.status} ${e.code ?? ''} ${e.containerId ?? '-'}`;
 * ```
 */
export interface IntakeLogEntry {
  readonly at: Date;
  readonly source: string | null;
  readonly containerId: string | null;
  readonly sender: string | null;
  readonly sequence: bigint | null;
  readonly type: string | null;
  readonly status: 'accepted' | 'duplicate' | 'refused' | 'rejected';
  readonly code: string | null;
  readonly reason: string | null;
  readonly answerId: string | null;
}

/** A rejection inside the intake (never escapes `receive`); a SemperError, so transactions pass it on as it is. */
class Rejection extends SemperError<string> {
  readonly reason: string;

  constructor(code: string, reason: string) {
    super(code, reason);
    this.reason = reason;
  }
}

const MAX_PARAMS = 30_000;

function sha256(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(bytes).digest());
}

function b64url(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64url');
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;
}

/** A store fault (not the container's): thrown to the caller, who retries later. */
function isStoreFault(e: unknown): boolean {
  if (e instanceof StoreQueryError) {
    const s = e.sqlState ?? '';
    return !(s.startsWith('22') || s.startsWith('23'));
  }
  return e instanceof StoreError;
}

/**
 * The secure data services of one party (an agency or the hub), on its store:
 *
 * - **export** ({@link exportTable}): the rows with Status 2 of a table go into a container to a peer and
 *   move to Status 3, in the transaction that writes the container to the outbox;
 * - **import** ({@link requestImport}): a structured query to a peer, which answers at once with the
 *   rows (checked against its allow-list), placed in the local table with new Numeros;
 * - **intake** ({@link receive}, {@link processInbox}): each container is checked (format, signature,
 *   trust and revocation, recipient, known sender, freshness, access status), then applied in one
 *   transaction with its answer (a signed receipt, the import response), or refused whole with an error
 *   container; a container delivered twice is acknowledged again with the same receipt and applied once;
 * - **delivery**: receipts, responses and errors that come back are recorded against what was sent (an
 *   export refused by the other side puts its rows back to Status 2).
 *
 * @example
 * ```ts
 * import { SecureDataService } from '@semper/sdc';
 * const agency = await SecureDataService.open({
 *   store, identity: agencyIdentity, trust, peers: [{ id: 'hub', certificate: hubCertificate }], tables: [transfers],
 * });
 * const out = await agency.exportTable('transfers', { to: 'hub' });
 * // … the pump carries the outbox to the hub, whose intake applies it and answers with a receipt …
 * const outcome = await agency.receive(receiptBytes); // { status: 'accepted', type: 'receipt', … }
 * ```
 */
export class SecureDataService {
  readonly store: Store;
  readonly partyId: string;
  readonly outbox: SdcOutbox;
  readonly inbox: SdcInbox;
  readonly #o: SecureDataServiceOptions;
  #trust: OpenSdcOptions['trust'];
  readonly #peers = new Map<string, SdcPeer>();
  readonly #tables = new Map<string, SdcTable>();
  readonly #clock: Clock;

  /** Use {@link SecureDataService.open} (it migrates). */
  constructor(options: SecureDataServiceOptions) {
    if (options?.store === undefined || options.identity === undefined || options.trust === undefined) {
      throw new SdcServiceError('ERR_SDC_INVALID_ARGUMENT', 'the services need a store, an identity and a trust');
    }
    const w = options.replayWindow;
    if (w !== undefined && (!Number.isSafeInteger(w) || w < 0)) {
      throw new SdcServiceError('ERR_SDC_INVALID_ARGUMENT', 'replayWindow is a non-negative integer');
    }
    this.#o = options;
    this.#trust = options.trust;
    this.store = options.store;
    this.partyId = options.partyId ?? sdcPartyId(options.identity.certificate);
    this.#clock = options.clock ?? new SystemClock();
    for (const p of options.peers ?? []) this.addPeer(p);
    for (const t of options.tables ?? []) {
      const d = defineTable(t);
      this.#tables.set(d.name, d);
    }
    this.outbox = new SdcOutbox(this.store);
    this.inbox = new SdcInbox(this.store);
  }

  /**
   * Makes the services and (unless `migrate: false`) applies `SDC_MIGRATIONS` and creates the record tables.
   *
   * @example
   * ```ts
   * const hub = await SecureDataService.open({ store, identity, trust, peers, tables, allow, access });
   * ```
   */
  static async open(options: SecureDataServiceOptions): Promise<SecureDataService> {
    const s = new SecureDataService(options);
    if (options.migrate !== false) await s.migrate();
    return s;
  }

  /**
   * Applies `SDC_MIGRATIONS` and creates the record tables that do not exist (idempotent).
   *
   * @example
   * ```ts
   * const sdc = container.resolve<SecureDataService>(SECURE_DATA_SERVICE);
   * await sdc.migrate();
   * ```
   */
  async migrate(): Promise<void> {
    await migrate(this.store, SDC_MIGRATIONS);
    for (const t of this.#tables.values()) await this.store.exec(recordTableDdl(t));
  }

  /**
   * Adds (or replaces) a peer.
   *
   * @example
   * ```ts
   * hub.addPeer({ id: 'agency-c', certificate: agencyC.certificate });
   * ```
   */
  addPeer(peer: SdcPeer): void {
    if (typeof peer?.id !== 'string' || peer.id === '' || typeof peer.certificate?.equals !== 'function') {
      throw new SdcServiceError('ERR_SDC_INVALID_ARGUMENT', 'a peer is { id, certificate }');
    }
    this.#peers.set(peer.id, peer);
  }

  /**
   * Replaces the trust (e.g. a `PathValidator` with a fresh CRL); containers opened from now on use it.
   *
   * @example
   * ```ts
   * hub.setTrust(new PathValidator([root], { crls: [latestCrl], revocation: 'leaf' }));
   * ```
   */
  setTrust(trust: OpenSdcOptions['trust']): void {
    if (trust === undefined || trust === null)
      throw new SdcServiceError('ERR_SDC_INVALID_ARGUMENT', 'a trust is needed');
    this.#trust = trust;
  }

  /** The table descriptions. */
  get tables(): readonly SdcTable[] {
    return [...this.#tables.values()];
  }

  #table(name: string): SdcTable {
    const t = this.#tables.get(name);
    if (t === undefined)
      throw new SdcServiceError('ERR_SDC_UNKNOWN_TABLE', `no table ${JSON.stringify(name)} is described`);
    return t;
  }

  #peer(id: string): SdcPeer {
    const p = this.#peers.get(id);
    if (p === undefined) throw new SdcServiceError('ERR_SDC_UNKNOWN_PEER', `no peer ${JSON.stringify(id)}`);
    return p;
  }

  async #fault(step: SdcStep): Promise<void> {
    await this.#o.faultInjection?.(step);
  }

  /** Seals a container to a peer and queues it, in `tx`; returns its id and bytes. */
  async #send(
    tx: Queryable,
    to: SdcPeer,
    type: SdcType,
    body: unknown,
    inReplyTo?: string,
  ): Promise<{ id: string; bytes: Uint8Array; sequence: bigint }> {
    const [seq] = await tx.query<{ last: bigint }>(
      `INSERT INTO sdc_sequences (recipient, last) VALUES ($1, 1)
       ON CONFLICT (recipient) DO UPDATE SET last = sdc_sequences.last + 1 RETURNING last`,
      [to.id],
    );
    const sequence = BigInt((seq as { last: bigint }).last);
    const now = this.#clock.now();
    const header = makeSdcHeader({
      id: newId('sdc'),
      type,
      sender: this.partyId,
      recipient: to.id,
      createdAt: now,
      sequence,
      ...(inReplyTo === undefined ? {} : { inReplyTo }),
    });
    const bytes = await sealSdc({ header, body }, { signer: this.#o.identity, recipient: to.certificate });
    await tx.query(
      `INSERT INTO sdc_outbox (container_id, recipient, type, sequence, in_reply_to, bytes, created_at, queued_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $7)`,
      [header.id, to.id, type, sequence, inReplyTo ?? null, bytes, now],
    );
    return { id: header.id, bytes, sequence };
  }

  /**
   * Exports the rows with Status 2 of a table (at most `limit`, default 1,000, lowest Numero first) to a
   * peer: one container, queued in the outbox, and the rows moved to Status 3, in one transaction. The
   * delivery is recorded; the peer's receipt completes it, its error container puts the rows back to 2.
   *
   * @throws SdcServiceError `ERR_SDC_UNKNOWN_TABLE`, `ERR_SDC_UNKNOWN_PEER`.
   * @example
   * ```ts
   * const r = await agency.exportTable('transfers', { to: 'hub' });
   * if (r.outcome === 'exported') console.log(`${r.rows} rows in ${r.containerId}`);
   * ```
   */
  async exportTable(tableName: string, o: { readonly to: string; readonly limit?: number }): Promise<ExportOutcome> {
    const table = this.#table(tableName);
    const to = this.#peer(o.to);
    const limit = Math.max(1, Math.min(o.limit ?? 1000, 10_000));
    return this.store.transaction(async (tx) => {
      const cols = table.columns.map((c) => quoteIdentifier(c.name)).join(', ');
      const rows = await tx.query<Record<string, unknown>>(
        `SELECT "Numero", ${cols} FROM ${quoteIdentifier(table.name)} WHERE "Status" = 2 ORDER BY "Numero" LIMIT $1::int4 FOR UPDATE`,
        [limit],
      );
      if (rows.length === 0) return { outcome: 'empty' as const };
      const numeros = rows.map((r) => BigInt(r.Numero as bigint));
      await tx.query(`UPDATE ${quoteIdentifier(table.name)} SET "Status" = 3 WHERE "Numero" = ANY($1::int8[])`, [
        numeros,
      ]);
      await this.#fault('export:rows-collected');
      const recordSet = encodeRecordSet(table, table.columns, rows);
      const sent = await this.#send(tx, to, 'export', { recordSet });
      await this.#fault('export:container-queued');
      await tx.query(
        `INSERT INTO sdc_deliveries (container_id, recipient, type, sequence, created_at, table_name, numeros)
         VALUES ($1, $2, 'export', $3, $4, $5, $6::int8[])`,
        [sent.id, to.id, sent.sequence, this.#clock.now(), table.name, numeros],
      );
      return { outcome: 'exported' as const, containerId: sent.id, rows: rows.length, numeros };
    });
  }

  /**
   * Asks a peer for rows: a structured query (never SQL) in an import request, queued in the outbox. The
   * answer (an import response) is placed in the local table of the same name, which must be described
   * here; rows get new Numeros and Status `receivedStatus`.
   *
   * @throws SdcServiceError `ERR_SDC_UNKNOWN_TABLE`, `ERR_SDC_UNKNOWN_PEER`.
   * @example
   * ```ts
   * const { containerId } = await agency.requestImport({ table: 'rates', where: { field: 'currency', op: '=', value: 'XOF' } }, { from: 'hub' });
   * ```
   */
  async requestImport(query: SdcQuery, o: { readonly from: string }): Promise<{ readonly containerId: string }> {
    const table = this.#table(query?.table);
    const to = this.#peer(o.from);
    return this.store.transaction(async (tx) => {
      const sent = await this.#send(tx, to, 'import-request', { query });
      await tx.query(
        `INSERT INTO sdc_deliveries (container_id, recipient, type, sequence, created_at, table_name)
         VALUES ($1, $2, 'import-request', $3, $4, $5)`,
        [sent.id, to.id, sent.sequence, this.#clock.now(), table.name],
      );
      return { containerId: sent.id };
    });
  }

  /**
   * Sends a text message to a peer (answered with a receipt).
   *
   * @example
   * ```ts
   * await hub.sendMessage('agency-a', 'new rates from Monday', 'rates');
   * ```
   */
  async sendMessage(to: string, text: string, subject?: string): Promise<{ readonly containerId: string }> {
    const peer = this.#peer(to);
    const body = parseBody('message', subject === undefined ? { text } : { subject, text });
    return this.store.transaction(async (tx) => {
      const sent = await this.#send(tx, peer, 'message', body);
      await tx.query(
        `INSERT INTO sdc_deliveries (container_id, recipient, type, sequence, created_at) VALUES ($1, $2, 'message', $3, $4)`,
        [sent.id, peer.id, sent.sequence, this.#clock.now()],
      );
      return { containerId: sent.id };
    });
  }

  async processInbox(limit = 100): Promise<IntakeOutcome[]> {
    const entries = await this.inbox.pending(limit);
    const out = await this.receiveMany(entries.map((e) => ({ bytes: e.bytes, source: e.source })));
    for (const [i, e] of entries.entries()) {
      const r = out[i] as IntakeOutcome;
      await this.inbox.markProcessed(e.inboxId, r.status, 'code' in r ? r.code : null, this.#clock.now());
    }
    return out;
  }

  /**
   * The intake: checks one container and applies it exactly once (see {@link IntakeOutcome}). Never throws
   * for anything in the container; throws only when the store itself fails (then nothing was applied and
   * the container should be offered again). The outcome is logged before it is returned.
   *
   * @example
   * ```ts
   * const r = await hub.receive(bytes, { source: 'folder:in/0001.sdc' });
   * if (r.status === 'rejected') console.warn(r.code, r.reason);
   * ```
   */
  async receive(bytes: Uint8Array, o: { readonly source?: string } = {}): Promise<IntakeOutcome> {
    const [r] = await this.receiveMany([{ bytes, source: o.source }]);
    return r as IntakeOutcome;
  }

  /**
   * {@link receive} for several containers, in order; the rejections' log lines are written together,
   * before it returns (accepted and refused containers are logged in the transaction that applies or
   * answers them).
   *
   * @example
   * ```ts
   * const outcomes = await hub.receiveMany(files.map((f) => ({ bytes: f.bytes, source: f.name })));
   * ```
   */
  async receiveMany(
    inputs: readonly { readonly bytes: Uint8Array; readonly source?: string }[],
  ): Promise<IntakeOutcome[]> {
    const out: IntakeOutcome[] = [];
    const rejected: LogLine[] = [];
    // Access decisions that allowed, kept for this call only (a status change is seen by the next call).
    const allowed = new Set<string>();
    try {
      for (const input of inputs) {
        const bytes = input?.bytes;
        const copy = new Uint8Array(bytes instanceof Uint8Array ? bytes : new Uint8Array(0));
        const ctx: Ctx = { digest: sha256(copy), source: input?.source?.slice(0, 500) ?? null, allowed };
        let r: IntakeOutcome;
        try {
          r = await this.#intake(copy, ctx);
        } catch (e) {
          if (!(e instanceof Rejection) && isStoreFault(e)) throw e;
          const [code, reason] =
            e instanceof Rejection
              ? [e.code, e.reason]
              : e instanceof SemperError
                ? [e.code, e.message]
                : ['ERR_SDC_INTAKE_FAILED', 'the intake failed on this container'];
          rejected.push(this.#line(ctx, 'rejected', code, reason, null));
          const h = ctx.header;
          r = { status: 'rejected', code, reason, ...(h === undefined ? {} : { containerId: h.id, sender: h.sender }) };
        }
        out.push(r);
      }
    } finally {
      await this.#writeLog(this.store, rejected);
    }
    return out;
  }

  async #intake(bytes: Uint8Array, ctx: Ctx): Promise<IntakeOutcome> {
    // 1. Without decrypting: the clear header (format, size, depth checked by the format).
    const clear = inspectSdc(bytes, { limits: this.#o.limits }).header;
    ctx.header = clear;
    if (clear.recipient !== this.partyId) {
      throw new Rejection('ERR_SDC_WRONG_RECIPIENT', 'the container is addressed to another party');
    }
    if (!this.#peers.has(clear.sender)) throw new Rejection('ERR_SDC_UNKNOWN_SENDER', 'the sender is not a known peer');
    // 2. Decrypt, verify the signature and the signer's chain (trust, revocation), compare the headers.
    const opened = await openSdc(bytes, {
      identity: this.#o.identity,
      trust: this.#trust,
      at: this.#clock.now(),
      recipient: this.partyId,
      limits: this.#o.limits,
    });
    ctx.header = opened.header;
    const h = opened.header;
    // 3. Seen before (a duplicate, a refusal delivered again, or a replay)? Fresh?
    const seen = await this.#seen(h, ctx);
    if (seen !== undefined) return seen;
    await this.#checkFresh(this.store, h, false);
    // 4. Apply, or refuse with an error container.
    try {
      const prepared = await this.#preflight(opened, ctx);
      return await this.store.transaction(async (tx) => this.#apply(tx, opened, prepared, ctx));
    } catch (e) {
      if (e instanceof SdcServiceError && REFUSALS.has(e.code)) return this.#refuse(h, ctx, e.code, e.message);
      if (e instanceof SeenMeanwhile || (e instanceof StoreQueryError && e.sqlState === '23505')) {
        // Another intake applied the same container meanwhile: it is a duplicate now.
        const again = await this.#seen(h, ctx);
        if (again !== undefined) return again;
      }
      if (e instanceof StoreQueryError && !isStoreFault(e)) {
        return this.#refuse(h, ctx, 'ERR_SDC_BAD_ROW', 'a row does not fit the table');
      }
      throw e;
    }
  }

  /** A container seen before: the same bytes applied (duplicate: answer again) or refused (refuse again), or a replay. */
  async #seen(h: SdcHeader, ctx: Ctx): Promise<IntakeOutcome | undefined> {
    const [prev] = await this.store.query<{
      src: string;
      sender: string;
      digest: Uint8Array;
      answer_id: string | null;
      code: string | null;
      reason: string | null;
    }>(
      `(SELECT 'received' AS src, sender, digest, answer_id, NULL::text AS code, NULL::text AS reason
          FROM sdc_received WHERE container_id = $1)
       UNION ALL
       (SELECT 'refused', sender, digest, answer_id, code, reason FROM sdc_intake_log
          WHERE container_id = $1 AND sender = $2 AND status = 'refused' AND digest = $3 AND answer_id IS NOT NULL
          ORDER BY log_id LIMIT 1)
       ORDER BY 1 LIMIT 1`,
      [h.id, h.sender, ctx.digest],
    );
    if (prev === undefined) return undefined;
    if (prev.src === 'received' && (prev.sender !== h.sender || !equal(prev.digest, ctx.digest))) {
      throw new Rejection('ERR_SDC_REPLAY', 'a container with this id was applied before, with other content');
    }
    return this.store.transaction(async (tx) => {
      if (prev.answer_id !== null) {
        await tx.query('UPDATE sdc_outbox SET sent_at = NULL, queued_at = $2 WHERE container_id = $1', [
          prev.answer_id,
          this.#clock.now(),
        ]);
      }
      if (prev.src === 'received') {
        await this.#log(tx, ctx, 'duplicate', null, 'applied before: answered again', prev.answer_id);
        return {
          status: 'duplicate' as const,
          containerId: h.id,
          sender: h.sender,
          ...(prev.answer_id === null ? {} : { answerId: prev.answer_id }),
        };
      }
      const code = prev.code ?? 'ERR_SDC_BODY_INVALID';
      const reason = prev.reason ?? 'refused before';
      await this.#log(tx, ctx, 'refused', code, reason, prev.answer_id);
      return {
        status: 'refused' as const,
        containerId: h.id,
        sender: h.sender,
        code,
        reason,
        answerId: prev.answer_id as string,
      };
    });
  }

  /**
   * Freshness (`lock`: in the applying transaction, under the sender's row lock): a sequence already used
   * by another applied container of the sender, or older than the replay window below the highest applied
   * one, is a replay. (An exact redelivery never gets here: it is a duplicate.)
   */
  async #checkFresh(db: Queryable, h: SdcHeader, lock: boolean, id?: string): Promise<void> {
    const sequence = BigInt(h.sequence);
    let last: bigint | undefined;
    if (lock) {
      // Takes (or creates) the sender's row and locks it until the transaction ends.
      const [state] = await db.query<{ last_sequence: bigint }>(
        `INSERT INTO sdc_peer_state (sender, last_sequence, updated_at) VALUES ($1, 0, $2)
         ON CONFLICT (sender) DO UPDATE SET sender = EXCLUDED.sender RETURNING last_sequence`,
        [h.sender, this.#clock.now()],
      );
      last = BigInt((state as { last_sequence: bigint }).last_sequence);
      const clash = await db.query<{ container_id: string }>(
        'SELECT container_id FROM sdc_received WHERE container_id = $1 OR (sender = $2 AND sequence = $3)',
        [id ?? '', h.sender, sequence],
      );
      // Under the lock: another intake may have applied this very container while we waited for it.
      if (clash.some((c) => c.container_id === id)) throw new SeenMeanwhile();
      if (clash.length > 0) throw USED_SEQUENCE();
    } else {
      const [state] = await db.query<{ last: bigint | null; used: boolean }>(
        `SELECT (SELECT last_sequence FROM sdc_peer_state WHERE sender = $1) AS last,
                EXISTS (SELECT 1 FROM sdc_received WHERE sender = $1 AND sequence = $2) AS used`,
        [h.sender, sequence],
      );
      if (state?.used === true) throw USED_SEQUENCE();
      last = state?.last === null || state?.last === undefined ? undefined : BigInt(state.last);
    }
    const window = BigInt(this.#o.replayWindow ?? DEFAULT_REPLAY_WINDOW);
    if (last !== undefined && (window === 0n ? sequence <= last : sequence <= last - window)) {
      throw new Rejection(
        'ERR_SDC_REPLAY',
        window === 0n
          ? 'the sequence number is not above the last one applied from this sender'
          : `the sequence number is ${window} or more below the last one applied from this sender`,
      );
    }
  }

  /**
   * What is checked before the transaction: the body's schema, the sender's access (which uses the store),
   * the record set against the table, the query against the allow-list. A refusal here starts no transaction.
   */
  async #preflight(opened: OpenedSdc, ctx: Ctx): Promise<Prepared> {
    const h = opened.header;
    if (h.type === 'export') {
      const body = parseBody('export', opened.body);
      const table = body.recordSet.table;
      await this.#authorize(h.sender, 'sdc.export', table, ctx.allowed);
      const allowed = this.#o.allow?.export;
      const decoded = decodeRecordSet(
        body.recordSet as RecordSet,
        this.#tables.get(table),
        allowed !== undefined && Object.hasOwn(allowed, table) ? allowed[table] : undefined,
      );
      return { type: 'export', decoded };
    }
    if (h.type === 'import-request') {
      const q = parseBody('import-request', opened.body).query;
      await this.#authorize(h.sender, 'sdc.import', typeof q.table === 'string' ? q.table : '', ctx.allowed);
      return { type: 'import-request', query: compileQuery(q, this.#o.allow ?? {}, this.tables, h.sender) };
    }
    if (h.type === 'message') return { type: 'message', body: parseBody('message', opened.body) };
    return { type: 'answer' };
  }

  async #apply(tx: Queryable, opened: OpenedSdc, prepared: Prepared, ctx: Ctx): Promise<IntakeOutcome> {
    const h = opened.header;
    const sequence = BigInt(h.sequence);
    await this.#checkFresh(tx, h, true, h.id);
    const peer = this.#peer(h.sender);
    let rows = 0;
    let answerId: string | null = null;
    let code: string | null = null;
    switch (h.type) {
      case 'export': {
        if (prepared.type !== 'export') throw new SdcServiceError('ERR_SDC_INTAKE_FAILED', 'not prepared');
        const decoded = prepared.decoded;
        rows = await this.#insert(tx, decoded.table, decoded.columns, decoded.rows);
        await this.#fault('apply:rows-inserted');
        answerId = (await this.#send(tx, peer, 'receipt', { for: h.id, digest: b64url(ctx.digest), rows }, h.id)).id;
        await this.#fault('apply:answer-queued');
        break;
      }
      case 'message': {
        if (prepared.type !== 'message') throw new SdcServiceError('ERR_SDC_INTAKE_FAILED', 'not prepared');
        const body = prepared.body;
        await tx.query(
          'INSERT INTO sdc_messages (container_id, sender, subject, text, received_at) VALUES ($1, $2, $3, $4, $5)',
          [h.id, h.sender, body.subject ?? null, body.text, this.#clock.now()],
        );
        answerId = (await this.#send(tx, peer, 'receipt', { for: h.id, digest: b64url(ctx.digest), rows: 0 }, h.id)).id;
        await this.#fault('apply:answer-queued');
        break;
      }
      case 'import-request': {
        if (prepared.type !== 'import-request') throw new SdcServiceError('ERR_SDC_INTAKE_FAILED', 'not prepared');
        const q = prepared.query;
        const found = await tx.query<Record<string, unknown>>(q.sql, q.params);
        const truncated = found.length > q.limit;
        const recordSet = encodeRecordSet(q.table, recordColumnsOf(q.columns, q.table), found.slice(0, q.limit));
        rows = Math.min(found.length, q.limit);
        const sent = await this.#send(tx, peer, 'import-response', { recordSet, truncated }, h.id);
        answerId = sent.id;
        await tx.query(
          `INSERT INTO sdc_deliveries (container_id, recipient, type, sequence, created_at, table_name)
           VALUES ($1, $2, 'import-response', $3, $4, $5)`,
          [sent.id, peer.id, sent.sequence, this.#clock.now(), q.table.name],
        );
        await this.#fault('import:answer-queued');
        break;
      }
      case 'import-response': {
        // An answer: to a request of ours, still waiting, first (anything else is unsolicited, unanswered).
        const d = await this.#delivery(tx, h, h.inReplyTo, 'import-request');
        const body = parseBody('import-response', opened.body);
        if (d.table_name !== body.recordSet.table) {
          throw new SdcServiceError('ERR_SDC_SCHEMA_MISMATCH', 'the response is for another table than the request');
        }
        const table = this.#table(d.table_name);
        const decoded = decodeRecordSet(
          body.recordSet as RecordSet,
          table,
          table.columns.map((c) => c.name),
        );
        rows = await this.#insert(tx, table, decoded.columns, decoded.rows);
        await this.#fault('apply:rows-inserted');
        answerId = (await this.#send(tx, peer, 'receipt', { for: h.id, digest: b64url(ctx.digest), rows }, h.id)).id;
        await this.#fault('apply:answer-queued');
        await this.#delivered(tx, d.container_id, 'answered', h.id, ctx.digest, null, rows);
        if (body.truncated) {
          await tx.query('UPDATE sdc_deliveries SET truncated = true WHERE container_id = $1', [d.container_id]);
        }
        break;
      }
      case 'receipt': {
        // Receipts and errors are never answered: whatever is wrong with one is a rejection.
        const d = await this.#delivery(tx, h, h.inReplyTo, undefined);
        const body = rejectInvalid(() => parseBody('receipt', opened.body));
        if (body.for !== d.container_id) throw new Rejection('ERR_SDC_UNSOLICITED', 'the receipt names two containers');
        const [sent] = await tx.query<{ bytes: Uint8Array }>('SELECT bytes FROM sdc_outbox WHERE container_id = $1', [
          d.container_id,
        ]);
        if (sent === undefined || body.digest !== b64url(sha256(sent.bytes))) {
          throw new Rejection('ERR_SDC_UNSOLICITED', 'the receipt is for other bytes than those sent');
        }
        rows = body.rows;
        await this.#delivered(tx, d.container_id, 'applied', h.id, ctx.digest, null, rows);
        break;
      }
      case 'error': {
        const d = await this.#delivery(tx, h, h.inReplyTo, undefined);
        const body = rejectInvalid(() => parseBody('error', opened.body));
        if (body.for !== d.container_id) throw new Rejection('ERR_SDC_UNSOLICITED', 'the error names two containers');
        code = body.code;
        if (d.type === 'export' && d.table_name !== null && d.numeros !== null && this.#tables.has(d.table_name)) {
          // The other side applied nothing: the rows are exportable again.
          await tx.query(
            `UPDATE ${quoteIdentifier(this.#table(d.table_name).name)} SET "Status" = 2 WHERE "Status" = 3 AND "Numero" = ANY($1::int8[])`,
            [d.numeros],
          );
        }
        await this.#delivered(tx, d.container_id, 'error', h.id, ctx.digest, body.code, 0);
        break;
      }
    }
    await this.#fault('delivery:recorded');
    // One round trip: the container applied, the sender's replay line, the log line.
    const line = this.#line(ctx, 'accepted', code, null, answerId);
    await tx.query(
      `WITH received AS (
         INSERT INTO sdc_received (container_id, sender, sequence, type, digest, applied_at, answer_id, rows_applied)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ), line AS (
         UPDATE sdc_peer_state SET last_sequence = GREATEST(last_sequence, $3), updated_at = $6 WHERE sender = $2
       )
       INSERT INTO sdc_intake_log (at, source, container_id, sender, sequence, type, status, code, reason, answer_id, digest)
       VALUES (${line.map((_, k) => `$${k + 9}${LOG_CASTS[k]}`).join(', ')})`,
      [h.id, h.sender, sequence, h.type, ctx.digest, this.#clock.now(), answerId, rows, ...line],
    );
    return {
      status: 'accepted',
      containerId: h.id,
      sender: h.sender,
      type: h.type,
      rows,
      ...(answerId === null ? {} : { answerId }),
    };
  }

  async #authorize(
    sender: string,
    action: 'sdc.export' | 'sdc.import',
    table: string,
    allowed: Set<string>,
  ): Promise<void> {
    const access = this.#o.access;
    if (access === undefined) return;
    const t = /^[a-z][a-z0-9_]{0,62}$/.test(table) ? table : 'invalid';
    const key = `${sender}\u0000${action}\u0000${t}`;
    if (allowed.has(key)) return;
    let decision: { allowed: boolean; reason?: string };
    try {
      decision = await access.authorize(sender, action, `${agencyResource(sender)}/sdc/${t}`);
    } catch (e) {
      if (isStoreFault(e)) throw e;
      decision = { allowed: false, reason: 'the sender is not a subject of the access policy' };
    }
    if (!decision.allowed) {
      throw new SdcServiceError('ERR_SDC_ACCESS_DENIED', `${action} is not allowed: ${decision.reason ?? 'denied'}`);
    }
    allowed.add(key);
  }

  /** The delivery a receipt, error or response answers: sent by us to its sender, not answered yet. */
  async #delivery(
    tx: Queryable,
    h: SdcHeader,
    containerId: string | undefined,
    type: string | undefined,
  ): Promise<{ container_id: string; type: string; table_name: string | null; numeros: bigint[] | null }> {
    const [d] =
      containerId === undefined
        ? []
        : await tx.query<{ container_id: string; type: string; table_name: string | null; numeros: bigint[] | null }>(
            `SELECT container_id, type, table_name, numeros FROM sdc_deliveries
             WHERE container_id = $1 AND recipient = $2 AND delivered_at IS NULL FOR UPDATE`,
            [containerId, h.sender],
          );
    if (d === undefined || (type !== undefined && d.type !== type)) {
      throw new Rejection('ERR_SDC_UNSOLICITED', 'the container answers nothing awaiting an answer from this sender');
    }
    return d;
  }

  async #delivered(
    tx: Queryable,
    containerId: string,
    outcome: 'applied' | 'answered' | 'error',
    answerId: string,
    digest: Uint8Array,
    errorCode: string | null,
    rows: number,
  ): Promise<void> {
    await tx.query(
      `UPDATE sdc_deliveries SET delivered_at = $2, outcome = $3, answer_id = $4, answer_digest = $5, error_code = $6, rows_applied = $7
       WHERE container_id = $1`,
      [containerId, this.#clock.now(), outcome, answerId, digest, errorCode, rows],
    );
  }

  async #insert(
    tx: Queryable,
    table: SdcTable,
    columns: readonly { name: string; type: string }[],
    rows: readonly (readonly SqlValue[])[],
  ): Promise<number> {
    if (rows.length === 0) return 0;
    const status = this.#o.receivedStatus ?? RECORD_STATUS.created;
    const names = ['"Status"', ...columns.map((c) => quoteIdentifier(c.name))].join(', ');
    const per = Math.max(1, Math.floor(MAX_PARAMS / (columns.length + 1)));
    let n = 0;
    for (let i = 0; i < rows.length; i += per) {
      const chunk = rows.slice(i, i + per);
      const params: unknown[] = [];
      const tuples = chunk.map((r) => {
        params.push(status);
        const ph = [`$${params.length}::int2`];
        r.forEach((v, k) => {
          params.push(v);
          const sqlType = SQL_TYPE_OF[(columns[k] as { type: string }).type];
          ph.push(`$${params.length}::${sqlType}`);
        });
        return `(${ph.join(', ')})`;
      });
      const res = await tx.query(
        `INSERT INTO ${quoteIdentifier(table.name)} (${names}) VALUES ${tuples.join(', ')} RETURNING "Numero"`,
        params,
      );
      n += res.length;
    }
    return n;
  }

  async #refuse(h: SdcHeader, ctx: Ctx, code: SdcServiceErrorCode, reason: string): Promise<IntakeOutcome> {
    const peer = this.#peer(h.sender);
    return this.store.transaction(async (tx) => {
      const sent = await this.#send(tx, peer, 'error', { for: h.id, code, reason: reason.slice(0, 1000) }, h.id);
      await this.#log(tx, ctx, 'refused', code, reason, sent.id);
      return { status: 'refused' as const, containerId: h.id, sender: h.sender, code, reason, answerId: sent.id };
    });
  }

  #line(
    ctx: Ctx,
    status: IntakeLogEntry['status'],
    code: string | null,
    reason: string | null,
    answerId: string | null,
  ): LogLine {
    const h = ctx.header;
    return [
      this.#clock.now(),
      ctx.source,
      h?.id ?? null,
      h?.sender ?? null,
      h === undefined ? null : BigInt(h.sequence),
      h?.type ?? null,
      status,
      code,
      reason === null ? null : reason.slice(0, 1000),
      answerId,
      ctx.digest,
    ];
  }

  async #log(
    db: Queryable,
    ctx: Ctx,
    status: IntakeLogEntry['status'],
    code: string | null,
    reason: string | null,
    answerId: string | null,
  ): Promise<void> {
    await this.#writeLog(db, [this.#line(ctx, status, code, reason, answerId)]);
  }

  async #writeLog(db: Queryable, lines: readonly LogLine[]): Promise<void> {
    if (lines.length === 1) {
      const line = lines[0] as LogLine;
      await db.query(
        `INSERT INTO sdc_intake_log (at, source, container_id, sender, sequence, type, status, code, reason, answer_id, digest)
         VALUES (${line.map((_, k) => `$${k + 1}${LOG_CASTS[k]}`).join(', ')})`,
        line,
      );
      return;
    }
    // Many lines: one array parameter per column (far fewer parameters to bind than one per value).
    for (let i = 0; i < lines.length; i += 2000) {
      const chunk = lines.slice(i, i + 2000);
      const columns = LOG_CASTS.map((_, k) => chunk.map((line) => line[k]));
      await db.query(
        `INSERT INTO sdc_intake_log (at, source, container_id, sender, sequence, type, status, code, reason, answer_id, digest)
         SELECT * FROM unnest(${LOG_CASTS.map((c, k) => `$${k + 1}${c}[]`).join(', ')})`,
        columns,
      );
    }
  }

  /**
   * The deliveries (containers sent that expect an answer), oldest first; `pending: true` for those
   * still unanswered.
   *
   * @example
   * ```ts
   * const waiting = await agency.deliveries({ pending: true });
   * ```
   */
  async deliveries(o: { readonly pending?: boolean; readonly recipient?: string } = {}): Promise<Delivery[]> {
    const rows = await this.store.query<Record<string, unknown>>(
      `SELECT * FROM sdc_deliveries WHERE ($1::bool IS NOT TRUE OR delivered_at IS NULL) AND ($2::text IS NULL OR recipient = $2::text)
       ORDER BY created_at, sequence`,
      [o.pending ?? null, o.recipient ?? null],
    );
    return rows.map((r) => ({
      containerId: r.container_id as string,
      recipient: r.recipient as string,
      type: r.type as string,
      sequence: BigInt(r.sequence as bigint),
      createdAt: r.created_at as Date,
      table: (r.table_name as string | null) ?? null,
      numeros: ((r.numeros as bigint[] | null) ?? []).map((x) => BigInt(x)),
      deliveredAt: (r.delivered_at as Date | null) ?? null,
      outcome: (r.outcome as Delivery['outcome']) ?? null,
      answerId: (r.answer_id as string | null) ?? null,
      errorCode: (r.error_code as string | null) ?? null,
      rowsApplied: (r.rows_applied as number | null) ?? null,
      truncated: r.truncated === true,
    }));
  }

  /**
   * The intake log, oldest first (optionally one status or one code only, at most `limit`, default 1,000).
   *
   * @example
   * ```ts
   * const replays = await hub.intakeLog({ code: 'ERR_SDC_REPLAY' });
   * ```
   */
  async intakeLog(
    o: { readonly status?: IntakeLogEntry['status']; readonly code?: string; readonly limit?: number } = {},
  ): Promise<IntakeLogEntry[]> {
    const rows = await this.store.query<Record<string, unknown>>(
      `SELECT * FROM sdc_intake_log WHERE ($1::text IS NULL OR status = $1::text) AND ($2::text IS NULL OR code = $2::text)
       ORDER BY log_id LIMIT $3::int4`,
      [o.status ?? null, o.code ?? null, Math.max(1, Math.min(o.limit ?? 1000, 1_000_000))],
    );
    return rows.map((r) => ({
      at: r.at as Date,
      source: (r.source as string | null) ?? null,
      containerId: (r.container_id as string | null) ?? null,
      sender: (r.sender as string | null) ?? null,
      sequence: r.sequence === null ? null : BigInt(r.sequence as bigint),
      type: (r.type as string | null) ?? null,
      status: r.status as IntakeLogEntry['status'],
      code: (r.code as string | null) ?? null,
      reason: (r.reason as string | null) ?? null,
      answerId: (r.answer_id as string | null) ?? null,
    }));
  }

  /**
   * The intake log counted by status and code (`'accepted'`, `'rejected ERR_SDC_REPLAY'`, …).
   *
   * @example
   * ```ts
   * console.log(await hub.intakeCounts()); // { accepted: 12, 'rejected ERR_SDC_REPLAY': 1 }
   * ```
   */
  async intakeCounts(): Promise<Record<string, number>> {
    const rows = await this.store.query<{ status: string; code: string | null; n: bigint }>(
      'SELECT status, code, count(*) AS n FROM sdc_intake_log GROUP BY status, code ORDER BY status, code',
    );
    const out: Record<string, number> = {};
    for (const r of rows) {
      const key = r.status === 'accepted' || r.status === 'duplicate' ? r.status : `${r.status} ${r.code ?? ''}`.trim();
      out[key] = (out[key] ?? 0) + Number(r.n);
    }
    return out;
  }
}

/** A line of the intake log, as the parameters of its INSERT. */
type LogLine = [
  Date,
  string | null,
  string | null,
  string | null,
  bigint | null,
  string | null,
  string,
  string | null,
  string | null,
  string | null,
  Uint8Array,
];
const LOG_CASTS = [
  '::timestamptz',
  '::text',
  '::text',
  '::text',
  '::int8',
  '::text',
  '::text',
  '::text',
  '::text',
  '::text',
  '::bytea',
];

/** What {@link SecureDataService} checked and prepared before the applying transaction. */
type Prepared =
  | { readonly type: 'export'; readonly decoded: DecodedRecordSet }
  | { readonly type: 'import-request'; readonly query: CompiledQuery }
  | { readonly type: 'message'; readonly body: SdcBodies['message'] }
  | { readonly type: 'answer' };

interface Ctx {
  readonly digest: Uint8Array;
  readonly source: string | null;
  /** Access decisions that allowed, in this `receiveMany` call. */
  readonly allowed: Set<string>;
  header?: SdcHeader;
}

const SQL_TYPE_OF: Record<string, string> = {
  text: 'text',
  integer: 'int4',
  bigint: 'int8',
  numeric: 'numeric',
  boolean: 'bool',
  date: 'date',
  timestamptz: 'timestamptz',
};

const USED_SEQUENCE = () =>
  new Rejection('ERR_SDC_REPLAY', 'another container of this sender with this sequence number was applied');

/** The container was applied by another intake while this one waited for the sender's lock. */
class SeenMeanwhile extends SemperError<'ERR_SDC_REPLAY'> {
  constructor() {
    super('ERR_SDC_REPLAY', 'the container was applied meanwhile');
  }
}

/** Runs a body parser, turning its refusal into a rejection (for receipts and errors, which are never answered). */
function rejectInvalid<T>(parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    if (e instanceof SdcServiceError) throw new Rejection(e.code, e.message);
    throw e;
  }
}

/** Content refusals: answered with an error container (the sender is authentic and the container fresh). */
const REFUSALS = new Set<SdcServiceErrorCode>([
  'ERR_SDC_ACCESS_DENIED',
  'ERR_SDC_BODY_INVALID',
  'ERR_SDC_SCHEMA_MISMATCH',
  'ERR_SDC_BAD_ROW',
  'ERR_SDC_TABLE_NOT_ALLOWED',
  'ERR_SDC_COLUMN_NOT_ALLOWED',
  'ERR_SDC_QUERY_INVALID',
  'ERR_SDC_TOO_MANY_ROWS',
  'ERR_SDC_UNKNOWN_TABLE',
]);
