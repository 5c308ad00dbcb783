// The access repository suite on a real PostgreSQL server (started by test/setup/services.global.ts): the
// same SQL as on PGlite.
import { randomBytes } from 'node:crypto';
import { migrate, openStore, type Store } from '@semper/store';
import { afterAll, beforeAll, describe, inject, it } from 'vitest';
import type {} from '../../../test/setup/services.global.js';
import { ACCESS_MIGRATIONS } from './migrations.js';
import { StoreAccessRepository } from './store.repository.js';
import { describeAccessRepositorySuite } from './testing.js';

const pgUrl = inject('pgUrl');
const pgUnavailable = inject('pgUnavailable');

if (pgUnavailable) {
  describe('access repository on a PostgreSQL server', () => {
    it.skip(`not run: ${pgUnavailable}`, () => undefined);
  });
} else {
  describe('access repository on a PostgreSQL server', () => {
    const database = `access_suite_${randomBytes(4).toString('hex')}`;
    const url = new URL(pgUrl);
    url.pathname = `/${database}`;
    let admin: Store;
    let store: Store;

    beforeAll(async () => {
      admin = await openStore(pgUrl);
      await admin.exec(`create database ${database}`);
      store = await openStore(url.toString(), { maxConnections: 10 });
    });
    afterAll(async () => {
      await store?.close();
      if (!admin) return;
      await admin.exec(`drop database if exists ${database} with (force)`);
      await admin.close();
    });

    describeAccessRepositorySuite('store (PostgreSQL)', async () => {
      await migrate(store, ACCESS_MIGRATIONS);
      await store.exec(
        'TRUNCATE access_denials, access_status_changes, access_grants, access_role_privileges, access_roles, access_subjects RESTART IDENTITY CASCADE',
      );
      return new StoreAccessRepository(store);
    });
  });
}
