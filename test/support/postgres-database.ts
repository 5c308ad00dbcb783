// A database of its own on the PostgreSQL server of the services run (test/setup/services.global.ts), for one
// suite: made in beforeAll, dropped (with its connections) in afterAll. Where the run has no server, the suite
// is one skipped test that says why.
import { randomBytes } from 'node:crypto';
import { openStore, type Store } from '@semper/store';
import { afterAll, beforeAll, describe, inject, it } from 'vitest';
import type {} from '../setup/services.global.js';

/** `url` with its database replaced by `database`. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/** What {@link describeOnPostgres} gives its body. */
export interface PostgresDatabase {
  /** The suite's database name (`<prefix>_<8 hex digits>`). */
  readonly name: string;
  /** The suite's database (valid from the body on; it exists from beforeAll). */
  readonly url: string;
  /** The server's admin connection (open between beforeAll and afterAll). */
  admin(): Store;
}

/**
 * `describe(title, …)` with a fresh database `<prefix>_<random>` for `body`, or a skipped test with the reason
 * the services run gave for having no server.
 */
export function describeOnPostgres(title: string, prefix: string, body: (db: PostgresDatabase) => void): void {
  const pgUrl = inject('pgUrl');
  const pgUnavailable = inject('pgUnavailable');
  if (pgUnavailable) {
    describe(title, () => {
      it.skip(`not run: ${pgUnavailable}`, () => undefined);
    });
    return;
  }
  describe(title, () => {
    const database = `${prefix}_${randomBytes(4).toString('hex')}`;
    let admin: Store | undefined;
    beforeAll(async () => {
      admin = await openStore(pgUrl);
      await admin.exec(`create database ${database}`);
    });
    afterAll(async () => {
      if (!admin) return;
      await admin.exec(`drop database if exists ${database} with (force)`);
      await admin.close();
    });
    body({ name: database, url: withDatabase(pgUrl, database), admin: () => admin as Store });
  });
}
