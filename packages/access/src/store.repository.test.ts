// Everything on PGlite, in one file and on one in-memory database: opening PGlite costs seconds, so it is
// opened once, and each test starts from emptied tables.
import { createPartyContainer, ManualClock, register as registerCore } from '@semper/core';
import { migrate, openStore, register as registerStore, type Store } from '@semper/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccessControl } from './access-control.js';
import { AGENCY_ROLE, AGENCY_STATUSES, createAgencyPolicy, HUB_OPERATOR_ROLE } from './agency.policy.js';
import { register } from './container.js';
import { ACCESS_MIGRATIONS } from './migrations.js';
import { StoreAccessRepository } from './store.repository.js';
import { describeAccessRepositorySuite } from './testing.js';
import { ACCESS_CONTROL, ACCESS_REPOSITORY } from './tokens.js';

let store: Store;
beforeAll(async () => {
  store = await openStore('pglite:memory');
});
afterAll(async () => {
  await store?.close();
});

const TABLES = [
  'access_denials',
  'access_status_changes',
  'access_grants',
  'access_role_privileges',
  'access_roles',
  'access_subjects',
];

async function emptied(): Promise<StoreAccessRepository> {
  await migrate(store, ACCESS_MIGRATIONS); // a no-op after the first time (the repository would do it on first use)
  await store.exec(`TRUNCATE ${TABLES.join(', ')} RESTART IDENTITY CASCADE`);
  return new StoreAccessRepository(store);
}

// First, before anything else touches the database.
describe('StoreAccessRepository on a new database', () => {
  it('migrates on first use, recorded under @semper/access; migrating again is a no-op', async () => {
    expect(await store.query("SELECT to_regclass('access_subjects') AS t")).toEqual([{ t: null }]);
    expect(await new StoreAccessRepository(store).listRoles()).toEqual([]);
    expect(await store.query("SELECT to_regclass('access_subjects')::text AS t")).toEqual([{ t: 'access_subjects' }]);
    const rows = await store.query("SELECT version, name FROM semper_migrations WHERE package = '@semper/access'");
    expect(rows).toEqual([{ version: 1, name: 'init' }]);
    expect(await migrate(store, ACCESS_MIGRATIONS)).toEqual({ package: '@semper/access', applied: [], version: 1 });
  });

  it('with migrate: false, leaves the schema to the composition root (no migration transaction)', async () => {
    const calls: string[] = [];
    const spy = new Proxy(store, {
      get(target, key, receiver) {
        const value = Reflect.get(target, key, receiver);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          calls.push(String(key));
          return value.apply(target, args);
        };
      },
    });
    await new StoreAccessRepository(spy, { migrate: false }).listRoles();
    expect(calls).toEqual(['query']);
  });
});

describeAccessRepositorySuite('store (PGlite)', emptied);

describe('StoreAccessRepository', () => {
  it('keeps denials and status changes in the database, where SQL finds them', async () => {
    const repository = await emptied();
    const clock = new ManualClock('2030-01-01T10:00:00Z');
    const access = new AccessControl({ policy: createAgencyPolicy(), repository, clock, statuses: AGENCY_STATUSES });
    await repository.saveRole(AGENCY_ROLE);
    await repository.saveRole(HUB_OPERATOR_ROLE);
    await repository.saveSubject({ id: 'agency-0042', kind: 'agency' });
    await repository.grantRole('agency-0042', 'agency', { by: 'bootstrap', at: clock.now() });
    await repository.saveSubject({ id: 'op-anna', kind: 'user' });
    await repository.grantRole('op-anna', 'hub-operator', { by: 'bootstrap', at: clock.now() });

    await access.changeStatus('op-anna', 'agency-0042', 2, 'contract signed');
    expect((await access.authorize('agency-0042', 'transfer.send', 'agency:agency-0042')).allowed).toBe(true);
    expect(await access.authorize('agency-0042', 'sdc.export', 'agency:agency-0042')).toMatchObject({
      allowed: false,
      rule: 'agency-status',
    });
    expect(await access.changeStatus('agency-0042', 'agency-0042', 3, 'promote myself')).toMatchObject({
      outcome: 'denied',
    });

    expect(
      await store.query('SELECT subject_id, action, resource, rule, denied_at FROM access_denials ORDER BY seq'),
    ).toEqual([
      {
        subject_id: 'agency-0042',
        action: 'sdc.export',
        resource: 'agency:agency-0042',
        rule: 'agency-status',
        denied_at: new Date('2030-01-01T10:00:00Z'),
      },
      {
        subject_id: 'agency-0042',
        action: 'access.status.change',
        resource: 'subject:agency-0042',
        rule: 'agency-status',
        denied_at: new Date('2030-01-01T10:00:00Z'),
      },
    ]);
    expect(
      await store.query('SELECT subject_id, from_status, to_status, actor_id, reason FROM access_status_changes'),
    ).toEqual([
      { subject_id: 'agency-0042', from_status: null, to_status: 2, actor_id: 'op-anna', reason: 'contract signed' },
    ]);
    expect(await store.query("SELECT status FROM access_subjects WHERE id = 'agency-0042'")).toEqual([{ status: 2 }]);
  });

  it('refuses rows it did not write', async () => {
    const repository = await emptied();
    await store.query("INSERT INTO access_roles (name) VALUES ('bad role')");
    await expect(repository.listRoles()).rejects.toMatchObject({ code: 'ERR_ACCESS_CORRUPT_RECORD' });
  });

  it('is registered on the party STORE by default', async () => {
    await emptied();
    const party = register(registerStore(registerCore(createPartyContainer()), { store }), {
      policy: createAgencyPolicy(),
    });
    expect(party.resolve(ACCESS_REPOSITORY)).toBeInstanceOf(StoreAccessRepository);
    const access = party.resolve<AccessControl>(ACCESS_CONTROL);
    await access.authorize('ghost', 'account.inquiry', 'agency:ghost');
    expect(await store.query('SELECT subject_id, rule FROM access_denials')).toEqual([
      { subject_id: 'ghost', rule: 'unknown-subject' },
    ]);
  });

  it('refuses something that is not a store', () => {
    expect(() => new StoreAccessRepository({} as never)).toThrow(
      expect.objectContaining({ code: 'ERR_ACCESS_INVALID_ARGUMENT' }),
    );
  });
});
