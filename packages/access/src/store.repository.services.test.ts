// The access repository suite on a real PostgreSQL server (started by test/setup/services.global.ts): the
// same SQL as on PGlite.
import { migrate, openStore, type Store } from '@semper/store';
import { afterAll, beforeAll } from 'vitest';
import { describeOnPostgres } from '../../../test/support/postgres-database.js';
import { ACCESS_MIGRATIONS } from './migrations.js';
import { StoreAccessRepository } from './store.repository.js';
import { describeAccessRepositorySuite } from './testing.js';

describeOnPostgres('access repository on a PostgreSQL server', 'access_suite', ({ url }) => {
  let store: Store;

  beforeAll(async () => {
    store = await openStore(url, { maxConnections: 10 });
  });
  afterAll(async () => {
    await store?.close();
  });

  describeAccessRepositorySuite('store (PostgreSQL)', async () => {
    await migrate(store, ACCESS_MIGRATIONS);
    await store.exec(
      'TRUNCATE access_denials, access_status_changes, access_grants, access_role_privileges, access_roles, access_subjects RESTART IDENTITY CASCADE',
    );
    return new StoreAccessRepository(store);
  });
});
