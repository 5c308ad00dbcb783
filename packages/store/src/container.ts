import { StoreError } from './errors.js';
import { type OpenStoreOptions, openStore } from './open-store.js';
import type { Queryable, Row, Store, TransactionOptions } from './store.js';
import { parseStoreUrl } from './store-url.js';
import { STORE } from './tokens.js';

/**
 * The part of a DI container that {@link register} uses; a tsyringe `DependencyContainer` (from
 * `createPartyContainer()` of `@semper/core`) is one.
 *
 * @example
 * ```ts
 * import { createPartyContainer } from '@semper/core';
 * import type { StoreContainer } from '@semper/store';
 * const container: StoreContainer = createPartyContainer();
 * ```
 */
export interface StoreContainer {
  register<T>(token: symbol, provider: { useValue: T }): unknown;
}

/**
 * Options of {@link register}: an open store, or a URL (and options) to open on first use.
 *
 * @example
 * ```ts
 * import type { StoreRegistrationOptions } from '@semper/store';
 * const fromConfig: StoreRegistrationOptions = { url: 'postgres://hub@db.internal/hub', options: { maxConnections: 20 } };
 * ```
 */
export type StoreRegistrationOptions =
  | { readonly store: Store }
  | { readonly url: string; readonly options?: OpenStoreOptions };

/**
 * A store that opens `url` on its first use (so that `register` stays synchronous). A failed opening
 * is tried again by the next call.
 */
class LazyStore implements Store {
  readonly backend: 'pglite' | 'postgres';
  readonly url: string;
  readonly #url: string;
  readonly #options: OpenStoreOptions;
  #opening: Promise<Store> | undefined;
  #closed = false;

  constructor(url: string, options: OpenStoreOptions) {
    const target = parseStoreUrl(url); // a bad URL fails at registration, not at first use
    this.backend = target.backend;
    this.url = target.url;
    this.#url = url;
    this.#options = options;
  }

  get closed(): boolean {
    return this.#closed;
  }

  #store(what: string): Promise<Store> {
    if (this.#closed) return Promise.reject(new StoreError('ERR_STORE_CLOSED', `${what}() on a closed store`));
    this.#opening ??= openStore(this.#url, this.#options).catch((err: unknown) => {
      this.#opening = undefined;
      throw err;
    });
    return this.#opening;
  }

  async query<T = Row>(sql: string, params?: readonly unknown[]): Promise<T[]> {
    return (await this.#store('query')).query<T>(sql, params);
  }

  async exec(sql: string): Promise<void> {
    return (await this.#store('exec')).exec(sql);
  }

  async transaction<T>(fn: (tx: Queryable) => Promise<T>, options?: TransactionOptions): Promise<T> {
    return (await this.#store('transaction')).transaction(fn, options);
  }

  async close(): Promise<void> {
    this.#closed = true;
    const opening = this.#opening;
    if (!opening) return;
    const store = await opening.catch(() => undefined);
    await store?.close();
  }
}

/**
 * Registers the party's store under {@link STORE} in `container` (nothing is registered at import
 * time): the given open store, or one that opens `url` on first use. The composition root that
 * registered it closes it (`container.resolve<Store>(STORE).close()`). Returns `container`.
 *
 * @example
 * ```ts
 * import { createPartyContainer } from '@semper/core';
 * import { register, STORE, type Store } from '@semper/store';
 * const merchant = register(createPartyContainer(), { url: 'pglite:./merchant-data' });
 * const store = merchant.resolve<Store>(STORE);
 * await store.query('select 1');
 * await store.close();
 * ```
 */
export function register<C extends StoreContainer>(container: C, options: StoreRegistrationOptions): C {
  if (typeof container !== 'object' || container === null || typeof container.register !== 'function') {
    throw new StoreError('ERR_STORE_INVALID_ARGUMENT', 'register needs a DI container');
  }
  if (typeof options !== 'object' || options === null) {
    throw new StoreError('ERR_STORE_INVALID_ARGUMENT', 'register needs { store } or { url }');
  }
  let store: Store;
  if ('store' in options) {
    const given = options.store;
    if (typeof given !== 'object' || given === null || typeof given.transaction !== 'function') {
      throw new StoreError('ERR_STORE_INVALID_ARGUMENT', 'options.store is not a Store');
    }
    store = given;
  } else if ('url' in options) {
    store = new LazyStore(options.url, options.options ?? {});
  } else {
    throw new StoreError('ERR_STORE_INVALID_ARGUMENT', 'register needs { store } or { url }');
  }
  container.register<Store>(STORE, { useValue: store });
  return container;
}
