import { createPartyContainer } from '@semper/core';
import { describe, expect, it } from 'vitest';
import { register } from './container.js';
import { openStore } from './open-store.js';
import type { Store } from './store.js';
import { STORE } from './tokens.js';

describe('register', () => {
  it('uses the token Symbol.for("semper.store.Store")', () => {
    expect(STORE).toBe(Symbol.for('semper.store.Store'));
  });

  it('registers an open store, one per party container', async () => {
    const store = await openStore('pglite:memory');
    try {
      const party = register(createPartyContainer(), { store });
      expect(party.resolve<Store>(STORE)).toBe(store);
      expect(createPartyContainer().isRegistered(STORE, true)).toBe(false); // nothing at import time, nor elsewhere
    } finally {
      await store.close();
    }
  });

  it('registers a store that opens its URL on first use and closes', async () => {
    const party = register(createPartyContainer(), { url: 'pglite:memory' });
    const store = party.resolve<Store>(STORE);
    expect(store.backend).toBe('pglite');
    expect(store.url).toBe('pglite:memory');
    expect(await store.transaction((tx) => tx.query('select 41 + 1 as n'))).toEqual([{ n: 42 }]);
    await store.close();
    expect(store.closed).toBe(true);
    await expect(store.query('select 1')).rejects.toMatchObject({ code: 'ERR_STORE_CLOSED' });
  });

  it('refuses a bad URL at registration and bad arguments', () => {
    expect(() => register(createPartyContainer(), { url: 'ftp://x' })).toThrow(
      expect.objectContaining({ code: 'ERR_STORE_INVALID_URL' }),
    );
    expect(() => register(createPartyContainer(), {} as never)).toThrow(
      expect.objectContaining({ code: 'ERR_STORE_INVALID_ARGUMENT' }),
    );
    expect(() => register({} as never, { url: 'pglite:memory' })).toThrow(
      expect.objectContaining({ code: 'ERR_STORE_INVALID_ARGUMENT' }),
    );
    expect(() => register(createPartyContainer(), { store: {} as Store })).toThrow(
      expect.objectContaining({ code: 'ERR_STORE_INVALID_ARGUMENT' }),
    );
  });
});
