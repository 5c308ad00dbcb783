import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { PGlite, TransactionAbortedError } from '@electric-sql/pglite';
import { AbstractStore, CommitRolledBack, type TransactionConfig, type TransactionSession } from './abstract.store.js';
import { lockDataDir } from './data-dir.lock.js';
import { StoreError } from './errors.js';
import type { Row } from './store.js';
import { pgliteParsers } from './value-types.js';

/** The folder, inside the store folder, that PGlite uses as its PostgreSQL data directory. */
const PGDATA = 'pgdata';

/**
 * The embedded backend: PostgreSQL compiled to WebAssembly (PGlite), in memory or in a data folder. It
 * has a single connection, so statements and transactions run one at a time, in call order (PGlite's
 * own transaction lock keeps a statement from slipping into another caller's transaction).
 *
 * The store folder holds `pgdata/` (PGlite's PostgreSQL data directory) and `semper-store.lock`, which
 * keeps a second store, in this process or another, from opening the folder at the same time.
 *
 * @example
 * ```ts
 * import { PgliteStore } from '@semper/store';
 * const store = await PgliteStore.open('./data'); // or PgliteStore.open(undefined) for memory
 * await store.close();
 * ```
 */
export class PgliteStore extends AbstractStore {
  readonly backend = 'pglite' as const;
  /** The store folder, or undefined in memory. */
  readonly dataDir: string | undefined;
  readonly #db: PGlite;
  readonly #unlock: (() => Promise<void>) | undefined;

  private constructor(db: PGlite, dataDir: string | undefined, unlock: (() => Promise<void>) | undefined) {
    super(dataDir === undefined ? 'pglite:memory' : `pglite:${dataDir}`);
    this.#db = db;
    this.dataDir = dataDir;
    this.#unlock = unlock;
  }

  /**
   * Opens (creating if needed) the store folder `dataDir`, an absolute path, or a memory database when
   * `dataDir` is undefined. Throws `ERR_STORE_LOCKED` when the folder is open elsewhere and
   * `ERR_STORE_OPEN_FAILED` when PGlite cannot start.
   *
   * @example
   * ```ts
   * import { PgliteStore } from '@semper/store';
   * const store = await PgliteStore.open(undefined);
   * console.log(await store.query('select 1 as one')); // [{ one: 1 }]
   * await store.close();
   * ```
   */
  static async open(dataDir: string | undefined): Promise<PgliteStore> {
    let unlock: (() => Promise<void>) | undefined;
    if (dataDir !== undefined) {
      try {
        await mkdir(join(dataDir, PGDATA), { recursive: true, mode: 0o700 });
      } catch (err) {
        throw new StoreError('ERR_STORE_OPEN_FAILED', `cannot create the store folder ${dataDir}`, { cause: err });
      }
      unlock = await lockDataDir(dataDir);
    }
    try {
      const db = await PGlite.create({
        dataDir: dataDir === undefined ? undefined : join(dataDir, PGDATA),
        parsers: pgliteParsers,
      });
      return new PgliteStore(db, dataDir, unlock);
    } catch (err) {
      await unlock?.();
      throw new StoreError(
        'ERR_STORE_OPEN_FAILED',
        `PGlite could not open ${dataDir ?? 'a memory database'}: ${err instanceof Error ? err.message : String(err)}`,
        { cause: err },
      );
    }
  }

  /** @internal */
  protected override async onQuery(sql: string, params: unknown[]): Promise<Row[]> {
    return (await this.#db.query<Row>(sql, params)).rows;
  }

  /** @internal */
  protected override async onExec(sql: string): Promise<void> {
    await this.#db.exec(sql);
  }

  /** @internal */
  protected override async onTransaction<T>(
    config: TransactionConfig,
    body: (session: TransactionSession) => Promise<T>,
  ): Promise<T> {
    try {
      return await this.#db.transaction(async (tx) => {
        await tx.exec(
          `SET TRANSACTION ISOLATION LEVEL ${config.isolation.toUpperCase()}${config.readOnly ? ', READ ONLY' : ''}`,
        );
        return body({
          query: async (sql, params) => (await tx.query<Row>(sql, params)).rows,
          exec: async (sql) => {
            await tx.exec(sql);
          },
        });
      });
    } catch (err) {
      if (err instanceof TransactionAbortedError) throw new CommitRolledBack();
      throw err;
    }
  }

  /** @internal */
  protected override async onClose(): Promise<void> {
    try {
      await this.#db.close();
    } finally {
      await this.#unlock?.();
    }
  }
}
