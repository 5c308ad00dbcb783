import type { Queryable, Store } from '@semper/store';

/**
 * A container in the outbox, as the pump reads it.
 *
 * @example
 * ```ts
 * import type { OutboxEntry } from '@semper/sdc';
 * const line = (e: OutboxEntry) => `${e.type} ${e.containerId} → ${e.recipient} (#${e.sequence}, ${e.bytes.length} bytes)`;
 * ```
 */
export interface OutboxEntry {
  readonly containerId: string;
  readonly recipient: string;
  readonly type: string;
  readonly sequence: bigint;
  readonly inReplyTo: string | null;
  /** The sealed container (DER). */
  readonly bytes: Uint8Array;
  readonly createdAt: Date;
  /** When it was (last) queued: a re-acknowledgement queues the same container again. */
  readonly queuedAt: Date;
  /** When the pump last sent it; null while pending. */
  readonly sentAt: Date | null;
  readonly attempts: number;
  readonly lastError: string | null;
}

interface OutboxRow {
  container_id: string;
  recipient: string;
  type: string;
  sequence: bigint;
  in_reply_to: string | null;
  bytes: Uint8Array;
  created_at: Date;
  queued_at: Date;
  sent_at: Date | null;
  attempts: number;
  last_error: string | null;
}

/**
 * The local outbox (`sdc_outbox`): the services write sealed containers into it in the transaction that
 * makes them; the pump reads `pending()`, sends, and calls `markSent` (or `markFailed`).
 *
 * @example
 * ```ts
 * import { SdcOutbox } from '@semper/sdc';
 * const outbox = new SdcOutbox(store);
 * for (const e of await outbox.pending(50)) {
 *   await transport.send(e.recipient, e.bytes);
 *   await outbox.markSent(e.containerId);
 * }
 * ```
 */
export class SdcOutbox {
  readonly #db: Queryable;

  constructor(db: Store | Queryable) {
    this.#db = db;
  }

  /** Containers not sent yet, oldest first (at most `limit`, default 100). */
  async pending(limit = 100, recipient?: string): Promise<OutboxEntry[]> {
    const rows = await this.#db.query<OutboxRow>(
      `SELECT * FROM sdc_outbox WHERE sent_at IS NULL AND ($2::text IS NULL OR recipient = $2::text)
       ORDER BY queued_at, sequence, container_id LIMIT $1::int4`,
      [Math.max(1, Math.min(10_000, Math.trunc(limit))), recipient ?? null],
    );
    return rows.map(toEntry);
  }

  /** One container by id, sent or not. */
  async get(containerId: string): Promise<OutboxEntry | undefined> {
    const [row] = await this.#db.query<OutboxRow>('SELECT * FROM sdc_outbox WHERE container_id = $1', [containerId]);
    return row === undefined ? undefined : toEntry(row);
  }

  /** Records that the container left (the transport accepted it). Returns false if it was not pending. */
  async markSent(containerId: string, at: Date = new Date()): Promise<boolean> {
    const rows = await this.#db.query(
      'UPDATE sdc_outbox SET sent_at = $2, attempts = attempts + 1, last_error = NULL WHERE container_id = $1 AND sent_at IS NULL RETURNING 1',
      [containerId, at],
    );
    return rows.length > 0;
  }

  /** Records a failed attempt (the container stays pending); `error` is a short reason, no secrets. */
  async markFailed(containerId: string, error: string): Promise<void> {
    await this.#db.query('UPDATE sdc_outbox SET attempts = attempts + 1, last_error = $2 WHERE container_id = $1', [
      containerId,
      error.slice(0, 500),
    ]);
  }

  /** How many containers wait. */
  async countPending(): Promise<number> {
    const [row] = await this.#db.query<{ n: bigint }>('SELECT count(*) AS n FROM sdc_outbox WHERE sent_at IS NULL');
    return Number(row?.n ?? 0n);
  }
}

function toEntry(r: OutboxRow): OutboxEntry {
  return {
    containerId: r.container_id,
    recipient: r.recipient,
    type: r.type,
    sequence: BigInt(r.sequence),
    inReplyTo: r.in_reply_to,
    bytes: r.bytes,
    createdAt: r.created_at,
    queuedAt: r.queued_at,
    sentAt: r.sent_at ?? null,
    attempts: r.attempts,
    lastError: r.last_error,
  };
}

/**
 * A container waiting in the inbox.
 *
 * @example
 * ```ts
 * import type { InboxEntry } from '@semper/sdc';
 * const line = (e: InboxEntry) => `#${e.inboxId} from ${e.source}: ${e.bytes.length} bytes`;
 * ```
 */
export interface InboxEntry {
  readonly inboxId: bigint;
  readonly source: string;
  readonly bytes: Uint8Array;
  readonly receivedAt: Date;
}

/**
 * The local inbox (`sdc_inbox`): the pump stores what it received (`add`, before it acknowledges the
 * transport), and the intake (`SecureDataService.processInbox`) takes it from there.
 *
 * @example
 * ```ts
 * import { SdcInbox } from '@semper/sdc';
 * const inbox = new SdcInbox(store);
 * await inbox.add(bytes, 'mail:INBOX/42');
 * await message.ack();
 * ```
 */
export class SdcInbox {
  readonly #db: Queryable;

  constructor(db: Store | Queryable) {
    this.#db = db;
  }

  /** Stores a received container (copied); returns its inbox id. */
  async add(bytes: Uint8Array, source: string, at: Date = new Date()): Promise<bigint> {
    const [row] = await this.#db.query<{ inbox_id: bigint }>(
      'INSERT INTO sdc_inbox (source, bytes, received_at) VALUES ($1, $2, $3) RETURNING inbox_id',
      [source.slice(0, 500), new Uint8Array(bytes), at],
    );
    return BigInt((row as { inbox_id: bigint }).inbox_id);
  }

  /** Entries not processed yet, oldest first. */
  async pending(limit = 100): Promise<InboxEntry[]> {
    const rows = await this.#db.query<{ inbox_id: bigint; source: string; bytes: Uint8Array; received_at: Date }>(
      'SELECT inbox_id, source, bytes, received_at FROM sdc_inbox WHERE processed_at IS NULL ORDER BY inbox_id LIMIT $1::int4',
      [Math.max(1, Math.min(10_000, Math.trunc(limit)))],
    );
    return rows.map((r) => ({
      inboxId: BigInt(r.inbox_id),
      source: r.source,
      bytes: r.bytes,
      receivedAt: r.received_at,
    }));
  }

  /** Marks an entry processed, with the intake's outcome. */
  async markProcessed(inboxId: bigint, outcome: string, code: string | null, at: Date = new Date()): Promise<void> {
    await this.#db.query('UPDATE sdc_inbox SET processed_at = $2, outcome = $3, code = $4 WHERE inbox_id = $1', [
      inboxId,
      at,
      outcome,
      code,
    ]);
  }

  /** How many entries wait. */
  async countPending(): Promise<number> {
    const [row] = await this.#db.query<{ n: bigint }>('SELECT count(*) AS n FROM sdc_inbox WHERE processed_at IS NULL');
    return Number(row?.n ?? 0n);
  }
}
