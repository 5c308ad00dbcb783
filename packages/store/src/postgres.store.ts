import type pg from 'pg';
import { AbstractStore, CommitRolledBack, type TransactionConfig, type TransactionSession } from './abstract.store.js';
import { StoreError, toQueryError } from './errors.js';
import type { Row } from './store.js';
import { redactStoreUrl } from './store-url.js';
import { makePgTypeParsers } from './value-types.js';

/**
 * Options of a server store (see `openStore`).
 *
 * @example
 * ```ts
 * import type { PostgresStoreOptions } from '@semper/store';
 * const options: PostgresStoreOptions = { maxConnections: 20, connectTimeoutMs: 5_000, applicationName: 'hub' };
 * ```
 */
export interface PostgresStoreOptions {
  /** The most connections the pool opens; default 10. */
  readonly maxConnections?: number;
  /** How long to wait for a connection (new, or free in the pool) before failing; default 10 000 ms. */
  readonly connectTimeoutMs?: number;
  /** `application_name`, shown in `pg_stat_activity`; default `semper`. */
  readonly applicationName?: string;
}

const noop = () => undefined;

/** One statement over the extended protocol, as PGlite's query() does (pg's `queryMode` is untyped). */
function extended(text: string, values: unknown[]): pg.QueryConfig {
  const config = { text, values, queryMode: 'extended' };
  return config;
}

/**
 * The server backend: a `pg` connection pool. Each transaction runs on a connection of its own, taken
 * from the pool for the whole transaction; plain statements take any free connection.
 *
 * @example
 * ```ts
 * import { PostgresStore } from '@semper/store';
 * const store = await PostgresStore.open('postgres://app@127.0.0.1:5432/shop', { maxConnections: 5 });
 * await store.close();
 * ```
 */
export class PostgresStore extends AbstractStore {
  readonly backend = 'postgres' as const;
  readonly #pool: pg.Pool;

  private constructor(pool: pg.Pool, url: string) {
    super(url);
    this.#pool = pool;
  }

  /**
   * Makes the pool and checks that the server answers (`select 1`); throws `ERR_STORE_OPEN_FAILED`
   * (password redacted) when it does not.
   *
   * @example
   * ```ts
   * import { PostgresStore } from '@semper/store';
   * const store = await PostgresStore.open(process.env.DATABASE_URL!);
   * await store.close();
   * ```
   */
  static async open(connectionString: string, options: PostgresStoreOptions = {}): Promise<PostgresStore> {
    const max = options.maxConnections ?? 10;
    const connectionTimeoutMillis = options.connectTimeoutMs ?? 10_000;
    if (!Number.isInteger(max) || max < 1) {
      throw new StoreError('ERR_STORE_INVALID_ARGUMENT', 'maxConnections is a positive integer');
    }
    if (!Number.isInteger(connectionTimeoutMillis) || connectionTimeoutMillis < 1) {
      throw new StoreError('ERR_STORE_INVALID_ARGUMENT', 'connectTimeoutMs is a positive integer');
    }
    const url = redactStoreUrl(connectionString);
    let driver: typeof pg;
    try {
      // Loaded here, not at import: a PGlite-only application never loads pg.
      driver = (await import('pg')).default;
    } catch (err) {
      throw new StoreError('ERR_STORE_OPEN_FAILED', `cannot load the pg driver: ${(err as Error)?.message}`, {
        cause: err,
      });
    }
    const pool = new driver.Pool({
      connectionString,
      max,
      connectionTimeoutMillis,
      application_name: options.applicationName ?? 'semper',
      types: makePgTypeParsers(driver.types),
    });
    // An idle connection that breaks (server restart) is dropped by the pool; without a listener the
    // 'error' event would crash the process.
    pool.on('error', noop);
    try {
      await pool.query('select 1');
    } catch (err) {
      await pool.end().catch(noop);
      throw new StoreError(
        'ERR_STORE_OPEN_FAILED',
        `cannot connect to ${url}: ${err instanceof Error ? err.message : String(err)}`,
        { cause: err },
      );
    }
    return new PostgresStore(pool, url);
  }

  /** @internal */
  protected override async onQuery(sql: string, params: unknown[]): Promise<Row[]> {
    // Always the extended protocol, as PGlite's query(): one statement, typed parameters.
    return (await this.#pool.query<Row>(extended(sql, params))).rows;
  }

  /** @internal */
  protected override async onExec(sql: string): Promise<void> {
    await this.#pool.query(sql);
  }

  /** @internal */
  protected override async onTransaction<T>(
    config: TransactionConfig,
    body: (session: TransactionSession) => Promise<T>,
  ): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.#pool.connect();
    } catch (err) {
      throw new StoreError(
        'ERR_STORE_CONNECTION_FAILED',
        `no connection to ${this.url}: ${err instanceof Error ? err.message : String(err)}`,
        { cause: err },
      );
    }
    // A connection that breaks while checked out reports on the client: keep it from crashing the process.
    client.on('error', noop);
    let released = false;
    const release = (broken?: Error) => {
      if (released) return;
      released = true;
      client.off('error', noop);
      client.release(broken);
    };
    const run = async (sql: string) => {
      try {
        return await client.query(sql);
      } catch (err) {
        throw toQueryError(err);
      }
    };
    try {
      await run(`BEGIN ISOLATION LEVEL ${config.isolation.toUpperCase()}${config.readOnly ? ' READ ONLY' : ''}`);
      const result = await body({
        query: async (sql, params) => (await client.query<Row>(extended(sql, params))).rows,
        exec: async (sql) => {
          await client.query(sql);
        },
      });
      const commit = await run('COMMIT');
      if (commit.command === 'ROLLBACK') throw new CommitRolledBack();
      release();
      return result;
    } catch (err) {
      if (!released) {
        // After a failed COMMIT the transaction is already over, and ROLLBACK only warns. A connection
        // that cannot even roll back is broken: the pool destroys it instead of reusing it.
        try {
          await client.query('ROLLBACK');
          release();
        } catch (rollbackError) {
          release(rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError)));
        }
      }
      throw err;
    }
  }

  /** @internal */
  protected override async onClose(): Promise<void> {
    await this.#pool.end();
  }
}
