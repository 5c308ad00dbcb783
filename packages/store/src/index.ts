/**
 * `@semper/store`: PostgreSQL for semper, embedded (PGlite, in a data folder or in memory) by default or
 * a server through `pg`, behind one `Store` interface: parameterised queries, scripts, transactions that
 * retry serialization failures, and per-package plain-SQL migrations. Nothing here opens or registers
 * anything at import time.
 *
 * @packageDocumentation
 */
export { register, type StoreContainer, type StoreRegistrationOptions } from './container.js';
export {
  MigrationError,
  RETRYABLE_SQLSTATES,
  type SqlErrorFields,
  StoreError,
  type StoreErrorCode,
  StoreQueryError,
  sqlStateOf,
} from './errors.js';
export {
  loadMigrations,
  type Migration,
  type MigrationReport,
  type MigrationSet,
  migrate,
  migrationChecksum,
} from './migrations.js';
export { type OpenStoreOptions, openStore } from './open-store.js';
export { PgliteStore } from './pglite.store.js';
export { PostgresStore, type PostgresStoreOptions } from './postgres.store.js';
export {
  DEFAULT_TRANSACTION_RETRIES,
  type IsolationLevel,
  type Queryable,
  type RetryInfo,
  type Row,
  type Store,
  type TransactionOptions,
} from './store.js';
export { parseStoreUrl, redactStoreUrl, type StoreTarget } from './store-url.js';
export { STORE } from './tokens.js';
