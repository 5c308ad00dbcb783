import { AsyncLocalStorage } from 'node:async_hooks';
import { SemperError } from '@semper/core';
import { RETRYABLE_SQLSTATES, StoreError, StoreQueryError, sqlStateOf, toQueryError } from './errors.js';
import {
  DEFAULT_TRANSACTION_RETRIES,
  type IsolationLevel,
  type Queryable,
  type Row,
  type Store,
  type TransactionOptions,
} from './store.js';
import { prepareParams } from './value-types.js';

/** What a backend's transaction hook is asked to start. @internal */
export interface TransactionConfig {
  readonly isolation: IsolationLevel;
  readonly readOnly: boolean;
}

/** The statements of one open transaction, as a backend runs them (raw driver errors, parameters prepared). @internal */
export interface TransactionSession {
  query(sql: string, params: unknown[]): Promise<Row[]>;
  exec(sql: string): Promise<void>;
}

/**
 * Thrown by a backend's `onTransaction` when `COMMIT` turned into a rollback because a statement had
 * failed in the transaction (PostgreSQL reports success with the tag `ROLLBACK` in that case).
 *
 * @internal
 */
export class CommitRolledBack extends Error {
  constructor() {
    super('COMMIT rolled back an aborted transaction');
    this.name = 'CommitRolledBack';
  }
}

const ISOLATION_LEVELS: ReadonlySet<string> = new Set(['read committed', 'repeatable read', 'serializable']);
const MAX_RETRIES = 100;
const BACKOFF_BASE_MS = 4;
const BACKOFF_CAP_MS = 200;

/** The state of one attempt of one transaction, visible to code running inside its function. */
interface TransactionScope {
  active: boolean;
  /** The last statement failure seen in this attempt (even if `fn` caught it). */
  failure?: StoreError;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The pause before retry number `attempt` (from 1): exponential, capped, with "equal jitter". */
function backoffMs(attempt: number): number {
  const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
}

/**
 * The part of a store that is the same on every backend: argument checks, error mapping, the retry loop,
 * nested-use detection and orderly closing. A backend (`PgliteStore`, `PostgresStore`) implements the
 * `on*` hooks, which see prepared parameters and may throw raw driver errors. Not exported from the
 * package: the two backends are the only ones.
 *
 * @internal
 */
export abstract class AbstractStore implements Store {
  abstract readonly backend: 'pglite' | 'postgres';
  readonly url: string;
  readonly #scope = new AsyncLocalStorage<TransactionScope>();
  readonly #inFlight = new Set<Promise<unknown>>();
  #closed = false;
  #closing: Promise<void> | undefined;

  constructor(url: string) {
    this.url = url;
  }

  get closed(): boolean {
    return this.#closed;
  }

  protected abstract onQuery(sql: string, params: unknown[]): Promise<Row[]>;
  protected abstract onExec(sql: string): Promise<void>;
  protected abstract onTransaction<T>(
    config: TransactionConfig,
    body: (session: TransactionSession) => Promise<T>,
  ): Promise<T>;
  protected abstract onClose(): Promise<void>;

  query<T = Row>(sql: string, params?: readonly unknown[]): Promise<T[]> {
    return this.#run('query', async () => {
      checkSql(sql);
      const prepared = prepareParams(params);
      try {
        return (await this.onQuery(sql, prepared)) as T[];
      } catch (err) {
        throw toQueryError(err);
      }
    });
  }

  exec(sql: string): Promise<void> {
    return this.#run('exec', async () => {
      checkSql(sql);
      try {
        await this.onExec(sql);
      } catch (err) {
        throw toQueryError(err);
      }
    });
  }

  transaction<T>(fn: (tx: Queryable) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    return this.#run('transaction', async () => {
      if (typeof fn !== 'function') throw new StoreError('ERR_STORE_INVALID_ARGUMENT', 'transaction needs a function');
      const config = checkTransactionOptions(options);
      const retries = options.retries ?? DEFAULT_TRANSACTION_RETRIES;
      for (let attempt = 1; ; attempt++) {
        const scope: TransactionScope = { active: true };
        let error: unknown;
        try {
          return await this.onTransaction(config, (session) =>
            this.#scope.run(scope, () => fn(transactionQueryable(session, scope))),
          );
        } catch (err) {
          error = err;
        } finally {
          scope.active = false;
        }
        // A serialization failure or deadlock anywhere in the attempt (even one `fn` caught, or one at
        // COMMIT) means the attempt saw an inconsistent world: run it again from the start.
        const retryable = [error, scope.failure].find((e) => RETRYABLE_SQLSTATES.has(sqlStateOf(e) ?? ''));
        if (retryable !== undefined) {
          const cause = toQueryError(retryable) as StoreQueryError;
          if (attempt > retries) {
            throw new StoreQueryError(
              'ERR_STORE_SERIALIZATION_FAILURE',
              `transaction failed after ${attempt} attempt(s): ${cause.message}`,
              {
                sqlState: cause.sqlState,
                severity: cause.severity,
                constraint: cause.constraint,
                table: cause.table,
                column: cause.column,
                schema: cause.schema,
                attempts: attempt,
              },
              { cause },
            );
          }
          const delayMs = backoffMs(attempt);
          options.onRetry?.({ attempt, error: cause, delayMs });
          await sleep(delayMs);
          continue;
        }
        throw transactionError(error, scope);
      }
    });
  }

  close(): Promise<void> {
    if (this.#scope.getStore()?.active) {
      return Promise.reject(
        new StoreError(
          'ERR_STORE_NESTED_TRANSACTION',
          'close() was called from inside one of the store’s transactions',
        ),
      );
    }
    this.#closed = true;
    this.#closing ??= (async () => {
      // Work already started finishes (and commits) first; new work was refused from the line above.
      while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
      await this.onClose();
    })();
    return this.#closing;
  }

  /** Runs `work` as tracked, refusing it when closed or when called from inside a transaction. */
  #run<R>(what: string, work: () => Promise<R>): Promise<R> {
    if (this.#closed) return Promise.reject(new StoreError('ERR_STORE_CLOSED', `${what}() on a closed store`));
    if (this.#scope.getStore()?.active) {
      return Promise.reject(
        new StoreError(
          'ERR_STORE_NESTED_TRANSACTION',
          `store.${what}() was called from inside one of its transactions; use the transaction's Queryable (tx.query/tx.exec) instead`,
        ),
      );
    }
    const promise = work();
    this.#inFlight.add(promise);
    const forget = () => this.#inFlight.delete(promise);
    promise.then(forget, forget);
    return promise;
  }
}

function checkSql(sql: unknown): void {
  if (typeof sql !== 'string' || sql.trim() === '') {
    throw new StoreError('ERR_STORE_INVALID_ARGUMENT', 'SQL text is a non-empty string');
  }
}

function checkTransactionOptions(options: TransactionOptions): TransactionConfig {
  if (typeof options !== 'object' || options === null) {
    throw new StoreError('ERR_STORE_INVALID_ARGUMENT', 'transaction options are an object');
  }
  const isolation = options.isolation ?? 'read committed';
  if (!ISOLATION_LEVELS.has(isolation)) {
    throw new StoreError('ERR_STORE_INVALID_ARGUMENT', `unknown isolation level '${String(isolation)}'`);
  }
  const retries = options.retries ?? DEFAULT_TRANSACTION_RETRIES;
  if (!Number.isInteger(retries) || retries < 0 || retries > MAX_RETRIES) {
    throw new StoreError('ERR_STORE_INVALID_ARGUMENT', `retries is an integer from 0 to ${MAX_RETRIES}`);
  }
  if (options.onRetry !== undefined && typeof options.onRetry !== 'function') {
    throw new StoreError('ERR_STORE_INVALID_ARGUMENT', 'onRetry is a function');
  }
  return { isolation, readOnly: options.readOnly === true };
}

/** The `Queryable` handed to a transaction's function: closes with the attempt, records failures. */
function transactionQueryable(session: TransactionSession, scope: TransactionScope): Queryable {
  const guard = async <R>(what: string, work: () => Promise<R>): Promise<R> => {
    if (!scope.active) {
      throw new StoreError('ERR_STORE_TRANSACTION_CLOSED', `tx.${what}() after its transaction ended`);
    }
    try {
      return await work();
    } catch (err) {
      const error = toQueryError(err);
      if (scope.active) scope.failure = error;
      throw error;
    }
  };
  return {
    query: <T = Row>(sql: string, params?: readonly unknown[]) =>
      guard('query', async () => {
        checkSql(sql);
        return (await session.query(sql, prepareParams(params))) as T[];
      }),
    exec: (sql: string) =>
      guard('exec', async () => {
        checkSql(sql);
        await session.exec(sql);
      }),
  };
}

/** What a failed (not retried) transaction rejects with. */
function transactionError(error: unknown, scope: TransactionScope): unknown {
  if (error instanceof CommitRolledBack) {
    return new StoreError(
      'ERR_STORE_TRANSACTION_ABORTED',
      'a statement failed inside the transaction (and was caught), so it was rolled back instead of committed',
      { cause: scope.failure },
    );
  }
  if (error instanceof SemperError) return error;
  if (sqlStateOf(error) !== undefined) return toQueryError(error);
  return new StoreError(
    'ERR_STORE_TRANSACTION_ABORTED',
    `the transaction was rolled back: its function threw ${error instanceof Error ? error.name : typeof error}`,
    { cause: error },
  );
}
