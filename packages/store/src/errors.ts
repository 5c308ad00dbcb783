import { SemperError } from '@semper/core';

/** Codes thrown by `@semper/store`. */
export type StoreErrorCode =
  /** The store URL is not `pglite:<dir>`, `pglite:memory`, `postgres://…` or `postgresql://…`. */
  | 'ERR_STORE_INVALID_URL'
  /** A caller's argument is invalid (a programming or configuration error). */
  | 'ERR_STORE_INVALID_ARGUMENT'
  /** The database could not be opened: PGlite failed to start, or the server refused the first connection. */
  | 'ERR_STORE_OPEN_FAILED'
  /** A PGlite data folder is already open, in this process or in another live one. */
  | 'ERR_STORE_LOCKED'
  /** A connection to the server could not be had (pool exhausted until the timeout, server down). */
  | 'ERR_STORE_CONNECTION_FAILED'
  /** The store was closed (or is closing) and takes no new work. */
  | 'ERR_STORE_CLOSED'
  /** A statement failed; `sqlState` holds PostgreSQL's SQLSTATE when the server gave one. */
  | 'ERR_STORE_QUERY_FAILED'
  /** A transaction kept failing with 40001 or 40P01 until its retries ran out. */
  | 'ERR_STORE_SERIALIZATION_FAILURE'
  /** A transaction was rolled back: its function threw, or a statement in it failed and was caught. */
  | 'ERR_STORE_TRANSACTION_ABORTED'
  /** The store was used from inside one of its own transactions instead of through the transaction. */
  | 'ERR_STORE_NESTED_TRANSACTION'
  /** A transaction's `Queryable` was used after the transaction ended. */
  | 'ERR_STORE_TRANSACTION_CLOSED'
  /** An applied migration's recorded checksum differs from the SQL given now. */
  | 'ERR_STORE_MIGRATION_CHECKSUM'
  /** Migration versions do not run 1, 2, 3… without a hole. */
  | 'ERR_STORE_MIGRATION_GAP'
  /** Two migrations of one package have the same version. */
  | 'ERR_STORE_MIGRATION_DUPLICATE'
  /** A migration is malformed: bad version, name, file name or empty SQL. */
  | 'ERR_STORE_MIGRATION_INVALID'
  /** The database has migrations of the package that the given list does not know (it is newer than this code). */
  | 'ERR_STORE_MIGRATION_AHEAD'
  /** A migration's SQL failed; nothing of that migration was applied. */
  | 'ERR_STORE_MIGRATION_FAILED';

/**
 * The root of the store's errors. Every fault `@semper/store` throws is a `StoreError` (or a subclass),
 * with the driver's error, when there is one, as `cause`.
 *
 * @example
 * ```ts
 * import { openStore, StoreError } from '@semper/store';
 * try {
 *   await openStore('mysql://localhost/db');
 * } catch (err) {
 *   if (err instanceof StoreError) console.error(err.code); // ERR_STORE_INVALID_URL
 * }
 * ```
 */
export class StoreError<Code extends StoreErrorCode = StoreErrorCode> extends SemperError<Code> {}

/**
 * The fields of a PostgreSQL error that say where it happened, without the data that caused it.
 *
 * @example
 * ```ts
 * import type { SqlErrorFields } from '@semper/store';
 * const where: SqlErrorFields = { sqlState: '23505', constraint: 'accounts_pkey', table: 'accounts' };
 * ```
 */
export interface SqlErrorFields {
  /** PostgreSQL's SQLSTATE, e.g. `23505` (unique violation), `40001` (serialization failure). */
  readonly sqlState?: string;
  readonly severity?: string;
  readonly constraint?: string;
  readonly table?: string;
  readonly column?: string;
  readonly schema?: string;
}

/**
 * A statement or a transaction failed in the database. `sqlState` preserves PostgreSQL's SQLSTATE
 * (`code` is the store's own code); the driver's error is the `cause` (its `detail` may hold row data,
 * so it is not copied into the message).
 *
 * @example
 * ```ts
 * import { openStore, StoreQueryError } from '@semper/store';
 * const store = await openStore('pglite:memory');
 * try {
 *   await store.query('select * from missing_table');
 * } catch (err) {
 *   if (err instanceof StoreQueryError) console.error(err.code, err.sqlState); // ERR_STORE_QUERY_FAILED 42P01
 * }
 * await store.close();
 * ```
 */
export class StoreQueryError extends StoreError<'ERR_STORE_QUERY_FAILED' | 'ERR_STORE_SERIALIZATION_FAILURE'> {
  /** PostgreSQL's SQLSTATE, when the server gave one. */
  readonly sqlState?: string;
  readonly severity?: string;
  readonly constraint?: string;
  readonly table?: string;
  readonly column?: string;
  readonly schema?: string;
  /** For `ERR_STORE_SERIALIZATION_FAILURE`: how many times the transaction was tried. */
  readonly attempts?: number;

  constructor(
    code: 'ERR_STORE_QUERY_FAILED' | 'ERR_STORE_SERIALIZATION_FAILURE',
    message: string,
    fields: SqlErrorFields & { readonly attempts?: number } = {},
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
    if (fields.sqlState !== undefined) this.sqlState = fields.sqlState;
    if (fields.severity !== undefined) this.severity = fields.severity;
    if (fields.constraint !== undefined) this.constraint = fields.constraint;
    if (fields.table !== undefined) this.table = fields.table;
    if (fields.column !== undefined) this.column = fields.column;
    if (fields.schema !== undefined) this.schema = fields.schema;
    if (fields.attempts !== undefined) this.attempts = fields.attempts;
  }
}

/**
 * A migration could not be applied or does not match the database. `package` and, when one migration
 * is at fault, `version` say which.
 *
 * @example
 * ```ts
 * import { MigrationError, migrate, openStore } from '@semper/store';
 * const store = await openStore('pglite:memory');
 * try {
 *   await migrate(store, { package: '@semper/x', migrations: [{ version: 2, name: 'late', sql: 'select 1' }] });
 * } catch (err) {
 *   if (err instanceof MigrationError) console.error(err.code, err.package); // ERR_STORE_MIGRATION_GAP @semper/x
 * }
 * await store.close();
 * ```
 */
export class MigrationError extends StoreError<
  | 'ERR_STORE_MIGRATION_CHECKSUM'
  | 'ERR_STORE_MIGRATION_GAP'
  | 'ERR_STORE_MIGRATION_DUPLICATE'
  | 'ERR_STORE_MIGRATION_INVALID'
  | 'ERR_STORE_MIGRATION_AHEAD'
  | 'ERR_STORE_MIGRATION_FAILED'
> {
  /** The package whose migrations are at fault (for `loadMigrations`, the folder). */
  readonly package: string;
  /** The migration at fault, when there is one. */
  readonly version?: number;

  constructor(
    code: MigrationError['code'],
    message: string,
    where: { readonly package: string; readonly version?: number },
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
    this.package = where.package;
    if (where.version !== undefined) this.version = where.version;
  }
}

/**
 * SQLSTATEs after which a transaction is rolled back and run again: serialization failure, deadlock.
 *
 * @example
 * ```ts
 * import { RETRYABLE_SQLSTATES } from '@semper/store';
 * RETRYABLE_SQLSTATES.has('40001'); // true
 * ```
 */
export const RETRYABLE_SQLSTATES: ReadonlySet<string> = new Set(['40001', '40P01']);

/** A driver's database error (pg's or PGlite's `DatabaseError`), recognised by its shape. */
interface DriverDatabaseError {
  readonly message: string;
  readonly code: string;
  readonly severity: string;
  readonly constraint?: string;
  readonly table?: string;
  readonly column?: string;
  readonly schema?: string;
}

/**
 * Whether `err` is an error reported by the PostgreSQL server (pg's or PGlite's `DatabaseError`).
 *
 * @internal
 */
export function isDriverDatabaseError(err: unknown): err is DriverDatabaseError {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { code?: unknown; severity?: unknown };
  return typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code) && typeof e.severity === 'string';
}

/**
 * The SQLSTATE carried by `err` (a `StoreQueryError` or a driver's database error) or, failing that, by
 * the first error in its `cause` chain that has one.
 *
 * @example
 * ```ts
 * import { sqlStateOf } from '@semper/store';
 * try {
 *   await store.query('insert into accounts values ($1)', ['dup']);
 * } catch (err) {
 *   if (sqlStateOf(err) === '23505') console.log('already there');
 * }
 * ```
 */
export function sqlStateOf(err: unknown): string | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 8 && typeof current === 'object' && current !== null; depth++) {
    if (current instanceof StoreQueryError && current.sqlState) return current.sqlState;
    if (isDriverDatabaseError(current)) return current.code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * Turns whatever a driver threw for a statement into a {@link StoreQueryError} (store errors pass through).
 *
 * @internal
 */
export function toQueryError(err: unknown): StoreError {
  if (err instanceof StoreError) return err;
  if (isDriverDatabaseError(err)) {
    return new StoreQueryError(
      'ERR_STORE_QUERY_FAILED',
      `${err.message} (SQLSTATE ${err.code})`,
      {
        sqlState: err.code,
        severity: err.severity,
        constraint: err.constraint,
        table: err.table,
        column: err.column,
        schema: err.schema,
      },
      { cause: err },
    );
  }
  const message = err instanceof Error ? err.message : String(err);
  return new StoreQueryError('ERR_STORE_QUERY_FAILED', `statement failed: ${message}`, {}, { cause: err });
}
