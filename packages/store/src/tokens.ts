/**
 * DI token of the party's `Store` (`semper.store.Store`), registered by `register`.
 *
 * @example
 * ```ts
 * import { createPartyContainer } from '@semper/core';
 * import { register, STORE, type Store } from '@semper/store';
 * const party = register(createPartyContainer(), { url: 'pglite:./merchant-data' });
 * const store = party.resolve<Store>(STORE);
 * ```
 */
export const STORE: unique symbol = Symbol.for('semper.store.Store');
