import { PgliteStore } from './pglite.store.js';
import { PostgresStore, type PostgresStoreOptions } from './postgres.store.js';
import type { Store } from './store.js';
import { parseStoreUrl } from './store-url.js';

/**
 * Options of {@link openStore}. The pool options apply to a server; PGlite has one connection.
 *
 * @example
 * ```ts
 * import type { OpenStoreOptions } from '@semper/store';
 * const options: OpenStoreOptions = { maxConnections: 20 };
 * ```
 */
export type OpenStoreOptions = PostgresStoreOptions;

/**
 * Opens the store at `url`:
 * - `pglite:<dir>`: embedded PostgreSQL (PGlite) in the store folder `<dir>`, created if missing; the
 *   default for a party's own data, with no server to install;
 * - `pglite:memory`: embedded, in memory, gone at `close()` (tests, demos);
 * - `postgres://…` / `postgresql://…`: a PostgreSQL server, through a `pg` pool.
 *
 * Throws `StoreError` `ERR_STORE_INVALID_URL` for any other URL, `ERR_STORE_LOCKED` when the PGlite
 * folder is open elsewhere, `ERR_STORE_OPEN_FAILED` when the database cannot be opened or reached.
 *
 * @example
 * ```ts
 * import { openStore } from '@semper/store';
 * const store = await openStore(process.env.SEMPER_STORE ?? 'pglite:./data');
 * const [{ now }] = await store.query<{ now: Date }>('select now() as now');
 * await store.close();
 * ```
 */
export async function openStore(url: string, options: OpenStoreOptions = {}): Promise<Store> {
  const target = parseStoreUrl(url);
  if (target.backend === 'pglite') return PgliteStore.open(target.dataDir);
  return PostgresStore.open(target.connectionString, options);
}
