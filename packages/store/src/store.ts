import type { StoreQueryError } from './errors.js';

/**
 * A row as the store returns it, one property per column. Values come back the same on both backends:
 *
 * | PostgreSQL type | JavaScript value |
 * | --- | --- |
 * | `int2`, `int4`, `oid`, `float4`, `float8` | `number` |
 * | `int8` (`bigint`) | `bigint` (money in minor units stays exact) |
 * | `numeric` | `string` (exact decimal text) |
 * | `bool` | `boolean` |
 * | `text`, `varchar`, `uuid`, `interval`… | `string` |
 * | `bytea` | `Uint8Array` |
 * | `json`, `jsonb` | the parsed value |
 * | `timestamptz` | `Date` |
 * | `timestamp`, `date` (no time zone: no instant) | `string`, as PostgreSQL prints it |
 * | arrays of the above | arrays |
 *
 * @example
 * ```ts
 * import type { Row } from '@semper/store';
 * const row: Row = { id: 1n, amount: 1250n, created_at: new Date() };
 * ```
 */
export type Row = Record<string, unknown>;

/**
 * Something that runs SQL: a {@link Store}, or the transaction handed to `transaction(fn)`.
 *
 * Parameters are `$1`, `$2`… Values go in as: `bigint`, `number`, `string`, `boolean`, `null`/`undefined`
 * (NULL), `Date` (for `timestamptz`), `Uint8Array` (for `bytea`), arrays (for PostgreSQL arrays) and
 * plain objects (sent as JSON text, for `json`/`jsonb`; a JSON array for a `jsonb` parameter is passed as
 * `JSON.stringify(array)`, since a JavaScript array means a PostgreSQL array).
 *
 * @example
 * ```ts
 * import type { Queryable } from '@semper/store';
 * async function balance(db: Queryable, account: string): Promise<bigint> {
 *   const [row] = await db.query<{ balance: bigint }>('select balance from accounts where id = $1', [account]);
 *   return row?.balance ?? 0n;
 * }
 * ```
 */
export interface Queryable {
  /**
   * Runs one statement with parameters and returns its rows (none for a statement without `RETURNING`).
   * Failures throw {@link StoreQueryError} with the SQLSTATE in `sqlState`.
   */
  query<T = Row>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** Runs a script of one or more statements without parameters (e.g. DDL); returns nothing. */
  exec(sql: string): Promise<void>;
}

/**
 * PostgreSQL's transaction isolation levels (`read uncommitted` is `read committed` in PostgreSQL).
 *
 * @example
 * ```ts
 * import type { IsolationLevel } from '@semper/store';
 * const level: IsolationLevel = 'serializable';
 * ```
 */
export type IsolationLevel = 'read committed' | 'repeatable read' | 'serializable';

/**
 * What `onRetry` is told before a transaction is run again.
 *
 * @example
 * ```ts
 * import type { RetryInfo } from '@semper/store';
 * const log = (info: RetryInfo) => console.warn(`retry ${info.attempt} after ${info.error.sqlState}`);
 * ```
 */
export interface RetryInfo {
  /** The attempt that failed, from 1. */
  readonly attempt: number;
  /** Why: a serialization failure (40001) or a deadlock (40P01). */
  readonly error: StoreQueryError;
  /** How long the store waits before the next attempt. */
  readonly delayMs: number;
}

/**
 * Options of {@link Store.transaction}.
 *
 * @example
 * ```ts
 * import type { TransactionOptions } from '@semper/store';
 * const options: TransactionOptions = { isolation: 'serializable', retries: 10 };
 * ```
 */
export interface TransactionOptions {
  /** Default `'read committed'` (PostgreSQL's default). */
  readonly isolation?: IsolationLevel;
  /**
   * How many times to run `fn` again after a serialization failure (40001) or a deadlock (40P01);
   * default {@link DEFAULT_TRANSACTION_RETRIES}. 0 turns retrying off.
   */
  readonly retries?: number;
  /** Start the transaction `READ ONLY`; default false. */
  readonly readOnly?: boolean;
  /** Called before each retry (for logs and metrics). */
  readonly onRetry?: (info: RetryInfo) => void;
}

/**
 * How many times a transaction is retried after a serialization failure or deadlock, unless told.
 *
 * @example
 * ```ts
 * import { DEFAULT_TRANSACTION_RETRIES } from '@semper/store';
 * console.log(DEFAULT_TRANSACTION_RETRIES); // 8
 * ```
 */
export const DEFAULT_TRANSACTION_RETRIES = 8;

/**
 * The store: PostgreSQL, embedded (PGlite) or a server (`pg`), behind one interface. Made by `openStore`.
 *
 * `transaction(fn, options)` runs `fn` in a database transaction and commits when `fn` resolves:
 * - everything `fn` does goes through the `Queryable` it is given (the store itself refuses calls made
 *   from inside `fn`, with `ERR_STORE_NESTED_TRANSACTION`: on PGlite they would wait forever);
 * - on a serialization failure (40001) or deadlock (40P01), anywhere in `fn` or at `COMMIT`, the
 *   transaction is rolled back and `fn` runs again, up to `retries` times, after a short random pause;
 *   so `fn` must be safe to run more than once (no side effects outside the database);
 * - any other failure rolls back and rejects: database errors as {@link StoreQueryError}, a
 *   `SemperError` thrown by `fn` as it is, anything else wrapped in a `StoreError`
 *   `ERR_STORE_TRANSACTION_ABORTED` with the original as `cause`. A statement that failed inside `fn`
 *   aborts the transaction even if `fn` caught the error: nothing is ever half applied.
 *
 * On PGlite (one connection) transactions and statements run one at a time, in call order; on a server
 * each transaction has its own pooled connection.
 *
 * @example
 * ```ts
 * import { openStore } from '@semper/store';
 * const store = await openStore('pglite:memory');
 * await store.exec('create table accounts (id text primary key, balance bigint not null)');
 * await store.query('insert into accounts values ($1, $2), ($3, $4)', ['a', 100n, 'b', 0n]);
 * await store.transaction(
 *   async (tx) => {
 *     await tx.query('update accounts set balance = balance - $2 where id = $1', ['a', 30n]);
 *     await tx.query('update accounts set balance = balance + $2 where id = $1', ['b', 30n]);
 *   },
 *   { isolation: 'serializable' },
 * );
 * await store.close();
 * ```
 */
export interface Store extends Queryable {
  /** Which engine runs the SQL. */
  readonly backend: 'pglite' | 'postgres';
  /** The store's URL, with any password redacted. */
  readonly url: string;
  /** True once `close()` was called. */
  readonly closed: boolean;
  /** Runs `fn` in a transaction (see above) and resolves to what `fn` resolved to. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /** Waits for running work, then closes the database or the pool. Idempotent. */
  close(): Promise<void>;
}
