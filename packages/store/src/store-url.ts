import { resolve } from 'node:path';
import { StoreError } from './errors.js';

/**
 * Where a store lives, as parsed by {@link parseStoreUrl}: an embedded PGlite database in a data folder
 * or in memory, or a PostgreSQL server.
 *
 * @example
 * ```ts
 * import { parseStoreUrl, type StoreTarget } from '@semper/store';
 * const target: StoreTarget = parseStoreUrl('pglite:./data');
 * if (target.backend === 'pglite') console.log(target.dataDir); // absolute path of ./data
 * ```
 */
export type StoreTarget =
  | { readonly backend: 'pglite'; readonly dataDir: string; readonly url: string }
  | { readonly backend: 'pglite'; readonly dataDir: undefined; readonly url: 'pglite:memory' }
  | { readonly backend: 'postgres'; readonly connectionString: string; readonly url: string };

/**
 * `url` with the password, if any, replaced by `***`: safe for logs and error messages. Both places a
 * libpq URL can carry one are redacted: the user-info part and a `password=` query parameter.
 *
 * @example
 * ```ts
 * import { redactStoreUrl } from '@semper/store';
 * redactStoreUrl('postgres://app:s3cret@db.example/shop'); // 'postgres://app:***@db.example/shop'
 * redactStoreUrl('postgres://db.example/shop?user=app&password=s3cret'); // '…?user=app&password=***'
 * ```
 */
export function redactStoreUrl(url: string): string {
  return url
    .replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/?#@]*):[^@/?#]*@/i, '$1:***@')
    .replace(/([?&]password=)[^&#]*/gi, '$1***');
}

/**
 * Parses a store URL:
 * - `pglite:memory`: an embedded PGlite database that lives as long as the store;
 * - `pglite:<dir>`: an embedded PGlite database in the data folder `<dir>` (relative to the current
 *   folder, created if missing);
 * - `postgres://…` or `postgresql://…`: a PostgreSQL server (libpq connection URL).
 *
 * Throws {@link StoreError} `ERR_STORE_INVALID_URL` otherwise; the message never shows a password.
 *
 * @example
 * ```ts
 * import { parseStoreUrl } from '@semper/store';
 * parseStoreUrl('pglite:memory'); // { backend: 'pglite', dataDir: undefined, url: 'pglite:memory' }
 * parseStoreUrl('postgres://app@127.0.0.1:5432/shop').backend; // 'postgres'
 * ```
 */
export function parseStoreUrl(url: string): StoreTarget {
  if (typeof url !== 'string' || url.trim() === '') {
    throw new StoreError('ERR_STORE_INVALID_URL', 'a store URL is a non-empty string');
  }
  if (url.startsWith('pglite:')) {
    const rest = url.slice('pglite:'.length);
    if (rest === 'memory') return { backend: 'pglite', dataDir: undefined, url: 'pglite:memory' };
    if (rest.trim() === '' || rest.startsWith('//')) {
      throw new StoreError(
        'ERR_STORE_INVALID_URL',
        `invalid store URL '${url}': expected pglite:memory or pglite:<data folder> (e.g. pglite:./data)`,
      );
    }
    if (rest.includes('\0')) throw new StoreError('ERR_STORE_INVALID_URL', 'invalid store URL: NUL in the data folder');
    const dataDir = resolve(rest);
    return { backend: 'pglite', dataDir, url: `pglite:${dataDir}` };
  }
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
  if (scheme === 'postgres' || scheme === 'postgresql') {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch (err) {
      throw new StoreError('ERR_STORE_INVALID_URL', `invalid PostgreSQL URL '${redactStoreUrl(url)}'`, { cause: err });
    }
    if (!url.slice(scheme.length).startsWith('://')) {
      throw new StoreError(
        'ERR_STORE_INVALID_URL',
        `invalid PostgreSQL URL '${redactStoreUrl(url)}': expected ${scheme}://…`,
      );
    }
    if (parsed.hostname === '' && !parsed.searchParams.has('host')) {
      throw new StoreError(
        'ERR_STORE_INVALID_URL',
        `invalid PostgreSQL URL '${redactStoreUrl(url)}': no host (give one, or ?host=/socket/folder)`,
      );
    }
    return { backend: 'postgres', connectionString: url, url: redactStoreUrl(url) };
  }
  throw new StoreError(
    'ERR_STORE_INVALID_URL',
    `unsupported store URL '${redactStoreUrl(url)}': expected pglite:<dir>, pglite:memory, postgres://… or postgresql://…`,
  );
}
