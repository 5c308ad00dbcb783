import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { StoreError } from './errors.js';
import { openStore } from './open-store.js';
import { parseStoreUrl, redactStoreUrl } from './store-url.js';

describe('parseStoreUrl', () => {
  it('reads pglite:memory, pglite:<dir> and postgres URLs', () => {
    expect(parseStoreUrl('pglite:memory')).toEqual({ backend: 'pglite', dataDir: undefined, url: 'pglite:memory' });
    expect(parseStoreUrl('pglite:./data')).toEqual({
      backend: 'pglite',
      dataDir: resolve('data'),
      url: `pglite:${resolve('data')}`,
    });
    expect(parseStoreUrl('pglite:/var/lib/semper')).toMatchObject({ dataDir: '/var/lib/semper' });
    expect(parseStoreUrl('postgres://app@127.0.0.1:5432/shop')).toEqual({
      backend: 'postgres',
      connectionString: 'postgres://app@127.0.0.1:5432/shop',
      url: 'postgres://app@127.0.0.1:5432/shop',
    });
    expect(parseStoreUrl('postgresql://app:pw@db/shop?sslmode=require')).toMatchObject({
      backend: 'postgres',
      url: 'postgresql://app:***@db/shop?sslmode=require',
    });
    expect(parseStoreUrl('postgres:///shop?host=/run/postgresql')).toMatchObject({ backend: 'postgres' });
  });

  it.each([
    ['mysql://localhost/db'],
    ['sqlite:memory'],
    ['pglite:'],
    ['pglite://x'],
    ['postgres:/relative'],
    ['postgres:///nohost'],
    ['postgres://exa mple/db'],
    [''],
    ['memory'],
  ])('refuses %j with ERR_STORE_INVALID_URL', (url) => {
    let caught: unknown;
    try {
      parseStoreUrl(url);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(StoreError);
    expect(caught).toMatchObject({ code: 'ERR_STORE_INVALID_URL', name: 'StoreError' });
  });

  it('never shows a password in an error message', () => {
    let caught: unknown;
    try {
      parseStoreUrl('mysql://user:hunter2@db/x');
    } catch (err) {
      caught = err;
    }
    expect((caught as Error).message).not.toContain('hunter2');
    expect(redactStoreUrl('postgres://u:p%40ss@h/db')).toBe('postgres://u:***@h/db');
    expect(redactStoreUrl('postgres://u@h/db')).toBe('postgres://u@h/db');
    expect(redactStoreUrl('postgres://h/db?user=u&password=hunter2&sslmode=require')).toBe(
      'postgres://h/db?user=u&password=***&sslmode=require',
    );
    expect(parseStoreUrl('postgresql://h/db?PASSWORD=hunter2').url).not.toContain('hunter2');
  });

  it('openStore rejects a bad URL with a typed error', async () => {
    await expect(openStore('oracle://db')).rejects.toMatchObject({ code: 'ERR_STORE_INVALID_URL' });
  });

  it('openStore reports a server it cannot reach, without the password', async () => {
    // Port 1 on loopback: nothing listens there, so the connection is refused at once.
    const err = await openStore('postgres://app:hunter2@127.0.0.1:1/db', { connectTimeoutMs: 2_000 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: 'ERR_STORE_OPEN_FAILED' });
    expect((err as Error).message).not.toContain('hunter2');
    expect((err as Error).message).toContain('127.0.0.1:1');
  });
});
