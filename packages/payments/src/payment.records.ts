import { createHash } from 'node:crypto';
import { Money } from '@semper/core';
import type { Queryable, Row } from '@semper/store';
import { IdempotencyConflictError, PaymentError } from './errors.js';
import type {
  JsonValue,
  PaymentMode,
  PaymentOperation,
  PaymentRecord,
  PaymentRole,
  PendingOperation,
  TransactionState,
} from './types.js';

/** A record as the manager keeps it: the module's view plus where the other party is. */
export interface StoredRecord extends PaymentRecord {
  readonly peerAddress?: string;
  readonly reference?: string;
}

const COLUMNS = `id, module_id, role, mode, state, currency, amount::text AS amount, authorized::text AS authorized,
  captured::text AS captured, refunded::text AS refunded, payer, payee, peer_address, reference, expires_at, reason,
  last_step, module_data, pending_operation, pending_key, pending_amount::text AS pending_amount, pending_since,
  created_at, updated_at`;

function toDate(v: unknown): Date {
  return v instanceof Date ? v : new Date(String(v));
}

function money(v: unknown, currency: string): Money {
  return Money.of(BigInt(String(v)), currency);
}

function json(v: unknown): JsonValue | undefined {
  if (v === null || v === undefined) return undefined;
  return (typeof v === 'string' ? JSON.parse(v) : v) as JsonValue;
}

/** @internal */
export function rowToRecord(row: Row): StoredRecord {
  const currency = String(row.currency);
  const pending: PendingOperation | undefined =
    row.pending_operation === null || row.pending_operation === undefined
      ? undefined
      : {
          operation: row.pending_operation as PaymentOperation,
          idempotencyKey: String(row.pending_key),
          ...(row.pending_amount === null ? {} : { amount: money(row.pending_amount, currency) }),
          startedAt: toDate(row.pending_since),
        };
  const moduleData = json(row.module_data);
  return Object.freeze({
    id: String(row.id),
    moduleId: String(row.module_id),
    role: row.role as PaymentRole,
    mode: row.mode as PaymentMode,
    state: row.state as TransactionState,
    amount: money(row.amount, currency),
    authorized: money(row.authorized, currency),
    captured: money(row.captured, currency),
    refunded: money(row.refunded, currency),
    payer: String(row.payer),
    payee: String(row.payee),
    ...(row.expires_at === null ? {} : { expiresAt: toDate(row.expires_at) }),
    ...(row.reason === null ? {} : { reason: String(row.reason) }),
    ...(row.last_step === null ? {} : { lastStep: String(row.last_step) }),
    ...(moduleData === undefined ? {} : { moduleData }),
    ...(pending === undefined ? {} : { pending }),
    ...(row.peer_address === null ? {} : { peerAddress: String(row.peer_address) }),
    ...(row.reference === null ? {} : { reference: String(row.reference) }),
    createdAt: toDate(row.created_at),
    updatedAt: toDate(row.updated_at),
  });
}

/** @internal */
export async function readRecord(
  q: Queryable,
  party: string,
  id: string,
  forUpdate = false,
): Promise<StoredRecord | undefined> {
  const rows = await q.query(
    `SELECT ${COLUMNS} FROM payment_transactions WHERE party = $1 AND id = $2${forUpdate ? ' FOR UPDATE' : ''}`,
    [party, id],
  );
  return rows[0] === undefined ? undefined : rowToRecord(rows[0]);
}

/** @internal */
export async function listRecords(
  q: Queryable,
  party: string,
  filter: { readonly pendingOnly?: boolean; readonly limit?: number } = {},
): Promise<StoredRecord[]> {
  const where = filter.pendingOnly ? 'AND pending_operation IS NOT NULL' : '';
  const rows = await q.query(
    `SELECT ${COLUMNS} FROM payment_transactions WHERE party = $1 ${where} ORDER BY created_at, id LIMIT $2`,
    [party, filter.limit ?? 10_000],
  );
  return rows.map(rowToRecord);
}

/** @internal */
export interface NewRecord {
  readonly id: string;
  readonly moduleId: string;
  readonly role: PaymentRole;
  readonly mode: PaymentMode;
  readonly amount: Money;
  readonly payer: string;
  readonly payee: string;
  readonly peerAddress?: string;
  readonly reference?: string;
  readonly pendingOperation: PaymentOperation;
  readonly pendingKey: string;
  readonly at: Date;
}

/** Inserts a pending record; throws `ERR_PAYMENTS_INVALID_STATE` when the id exists. @internal */
export async function insertRecord(q: Queryable, party: string, r: NewRecord): Promise<void> {
  const inserted = await q.query(
    `INSERT INTO payment_transactions (id, module_id, role, mode, state, currency, amount, payer, payee, peer_address,
       reference, pending_operation, pending_key, pending_amount, pending_since, created_at, updated_at, party)
     VALUES ($1, $2, $3, $4, 'pending', $5, $6::numeric, $7, $8, $9, $10, $11, $12, $6::numeric, $13, $13, $13, $14)
     ON CONFLICT (party, id) DO NOTHING RETURNING id`,
    [
      r.id,
      r.moduleId,
      r.role,
      r.mode,
      r.amount.currency,
      r.amount.amount.toString(),
      r.payer,
      r.payee,
      r.peerAddress ?? null,
      r.reference ?? null,
      r.pendingOperation,
      r.pendingKey,
      r.at,
      party,
    ],
  );
  if (inserted.length === 0) {
    throw new PaymentError('ERR_PAYMENTS_INVALID_STATE', `a transaction '${r.id.slice(0, 100)}' exists already`);
  }
}

/** The changes an outcome makes to a record. @internal */
export interface RecordChange {
  readonly state?: TransactionState;
  readonly authorized?: Money;
  readonly captured?: Money;
  readonly refunded?: Money;
  readonly expiresAt?: Date | null;
  readonly reason?: string | null;
  readonly moduleData?: JsonValue;
  readonly lastStep?: string;
  /** Set a pending operation, or clear it with `null`. */
  readonly pending?: { readonly operation: PaymentOperation; readonly key: string; readonly amount?: Money } | null;
}

/** @internal */
export async function updateRecord(
  q: Queryable,
  party: string,
  id: string,
  change: RecordChange,
  at: Date,
): Promise<void> {
  const sets: string[] = ['updated_at = $3'];
  const params: unknown[] = [party, id, at];
  const set = (column: string, value: unknown, cast = '') => {
    params.push(value);
    sets.push(`${column} = $${params.length}${cast}`);
  };
  if (change.state !== undefined) set('state', change.state);
  if (change.authorized !== undefined) set('authorized', change.authorized.amount.toString(), '::numeric');
  if (change.captured !== undefined) set('captured', change.captured.amount.toString(), '::numeric');
  if (change.refunded !== undefined) set('refunded', change.refunded.amount.toString(), '::numeric');
  if (change.expiresAt !== undefined) set('expires_at', change.expiresAt);
  if (change.reason !== undefined) set('reason', change.reason === null ? null : change.reason.slice(0, 500));
  if (change.moduleData !== undefined) set('module_data', JSON.stringify(change.moduleData), '::jsonb');
  if (change.lastStep !== undefined) set('last_step', change.lastStep);
  if (change.pending !== undefined) {
    const p = change.pending;
    set('pending_operation', p?.operation ?? null);
    set('pending_key', p?.key ?? null);
    set('pending_amount', p?.amount === undefined ? null : p.amount.amount.toString(), '::numeric');
    set('pending_since', p === null ? null : at);
  }
  await q.query(`UPDATE payment_transactions SET ${sets.join(', ')} WHERE party = $1 AND id = $2`, params);
}

/** Appends to a transaction's history. @internal */
export async function logOperation(
  q: Queryable,
  party: string,
  entry: {
    readonly transactionId: string;
    readonly operation: PaymentOperation | 'redeem' | 'recover' | 'expire';
    readonly status: string;
    readonly amount?: Money;
    readonly key?: string;
    readonly reason?: string;
    readonly at: Date;
  },
): Promise<void> {
  await q.query(
    `INSERT INTO payment_operations (transaction_id, seq, operation, status, amount, idempotency_key, reason, at, party)
     VALUES ($1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM payment_operations WHERE party = $8 AND transaction_id = $1), $2, $3,
       $4::numeric, $5, $6, $7, $8)`,
    [
      entry.transactionId,
      entry.operation,
      entry.status,
      entry.amount === undefined ? null : entry.amount.amount.toString(),
      entry.key ?? null,
      entry.reason?.slice(0, 500) ?? null,
      entry.at,
      party,
    ],
  );
}

/** One entry of a transaction's history. */
export interface OperationEntry {
  readonly seq: number;
  readonly operation: string;
  readonly status: string;
  readonly amount?: Money;
  readonly idempotencyKey?: string;
  readonly reason?: string;
  readonly at: Date;
}

/** @internal */
export async function readOperations(
  q: Queryable,
  party: string,
  id: string,
  currency: string,
): Promise<OperationEntry[]> {
  const rows = await q.query(
    `SELECT seq, operation, status, amount::text AS amount, idempotency_key, reason, at FROM payment_operations
     WHERE party = $1 AND transaction_id = $2 ORDER BY seq`,
    [party, id],
  );
  return rows.map((r) => ({
    seq: Number(r.seq),
    operation: String(r.operation),
    status: String(r.status),
    ...(r.amount === null ? {} : { amount: money(r.amount, currency) }),
    ...(r.idempotency_key === null ? {} : { idempotencyKey: String(r.idempotency_key) }),
    ...(r.reason === null ? {} : { reason: String(r.reason) }),
    at: toDate(r.at),
  }));
}

/** JSON with sorted keys, for digests. @internal */
export function stableJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'bigint') return JSON.stringify(value.toString());
    return JSON.stringify(value) ?? 'null';
  }
  if (Money.isMoney(value)) return stableJson(value.toJSON());
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
}

/** SHA-256 hex. @internal */
export function sha256(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

const KEY = /^[\x21-\x7e]{1,200}$/;

/** @internal */
export function checkIdempotencyKey(key: unknown): string {
  if (typeof key !== 'string' || !KEY.test(key)) {
    throw new PaymentError(
      'ERR_PAYMENTS_INVALID_ARGUMENT',
      'an idempotency key is 1 to 200 printable ASCII characters without spaces',
    );
  }
  return key;
}

/** An idempotency row. @internal */
export interface IdempotencyRow {
  readonly state: 'started' | 'done';
  readonly transactionId?: string;
  readonly result?: JsonValue;
}

/**
 * Claims `key` for `operation` with `digest`: returns `undefined` when newly claimed, the row when the
 * same request was made before; throws `ERR_PAYMENTS_IDEMPOTENCY_CONFLICT` for another request.
 * @internal
 */
export async function claimIdempotencyKey(
  q: Queryable,
  party: string,
  key: string,
  operation: string,
  digest: string,
  transactionId: string | undefined,
  at: Date,
): Promise<IdempotencyRow | undefined> {
  const inserted = await q.query(
    `INSERT INTO payment_idempotency (key, operation, digest, transaction_id, state, created_at, updated_at, party)
     VALUES ($1, $2, $3, $4, 'started', $5, $5, $6) ON CONFLICT (party, key) DO NOTHING RETURNING key`,
    [key, operation, digest, transactionId ?? null, at, party],
  );
  if (inserted.length > 0) return undefined;
  const rows = await q.query(
    'SELECT operation, digest, transaction_id, state, result FROM payment_idempotency WHERE party = $1 AND key = $2',
    [party, key],
  );
  const row = rows[0];
  if (row === undefined) throw new PaymentError('ERR_PAYMENTS_INVALID_STATE', 'idempotency key vanished');
  if (row.digest !== digest) throw new IdempotencyConflictError(key, String(row.operation));
  const result = json(row.result);
  return {
    state: row.state as 'started' | 'done',
    ...(row.transaction_id === null ? {} : { transactionId: String(row.transaction_id) }),
    ...(result === undefined ? {} : { result }),
  };
}

/** @internal */
export async function completeIdempotencyKey(
  q: Queryable,
  party: string,
  key: string,
  result: JsonValue,
  transactionId: string | undefined,
  at: Date,
): Promise<void> {
  await q.query(
    `UPDATE payment_idempotency SET state = 'done', result = $2::jsonb, transaction_id = COALESCE($3, transaction_id),
       updated_at = $4 WHERE party = $5 AND key = $1`,
    [key, JSON.stringify(result), transactionId ?? null, at, party],
  );
}

/** @internal */
export async function releaseIdempotencyKey(q: Queryable, party: string, key: string): Promise<void> {
  await q.query(`DELETE FROM payment_idempotency WHERE party = $1 AND key = $2 AND state = 'started'`, [party, key]);
}

/** @internal */
export async function setIdempotencyTransaction(
  q: Queryable,
  party: string,
  key: string,
  transactionId: string,
): Promise<void> {
  await q.query('UPDATE payment_idempotency SET transaction_id = $3 WHERE party = $1 AND key = $2', [
    party,
    key,
    transactionId,
  ]);
}

/** Keys started and never finished whose transaction has no record (a crash during negotiation). @internal */
export async function orphanedIdempotencyKeys(q: Queryable, party: string): Promise<string[]> {
  const rows = await q.query(
    `SELECT i.key FROM payment_idempotency i
       LEFT JOIN payment_transactions t ON t.party = i.party AND t.id = i.transaction_id
     WHERE i.party = $1 AND i.state = 'started' AND (t.id IS NULL OR t.pending_operation IS NULL OR t.pending_key <> i.key)`,
    [party],
  );
  return rows.map((r) => String(r.key));
}
