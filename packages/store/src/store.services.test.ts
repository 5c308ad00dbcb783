// The store suite on a real PostgreSQL server, started by test/setup/services.global.ts.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeOnPostgres } from '../../../test/support/postgres-database.js';
import { migrate } from './migrations.js';
import { openStore } from './open-store.js';
import type { Store } from './store.js';
import { describeStoreSuite } from './testing.js';

describeOnPostgres('PostgreSQL server', 'store_suite', ({ url, admin }) => {
  it('is PostgreSQL 15 or later', async () => {
    const [row] = await admin().query<{ v: number }>(`select current_setting('server_version_num')::int as v`);
    expect(row?.v).toBeGreaterThanOrEqual(150000);
  });

  describeStoreSuite('postgres', () => openStore(url, { maxConnections: 10 }));

  describe('server-only behaviour', () => {
    let a: Store;
    let b: Store;
    beforeAll(async () => {
      a = await openStore(url);
      b = await openStore(url);
    });
    afterAll(async () => {
      await a?.close();
      await b?.close();
    });

    it('applies each migration once when two pools (like two processes) migrate at the same time', async () => {
      const t = `race2_${randomBytes(3).toString('hex')}`;
      const set = {
        package: `@test/${t}`,
        migrations: [
          { version: 1, name: 'init', sql: `create table ${t} (n int)` },
          { version: 2, name: 'one', sql: `insert into ${t} values (1)` },
          { version: 3, name: 'two', sql: `select pg_sleep(0.05); insert into ${t} values (2)` },
        ],
      };
      const [ra, rb] = await Promise.all([migrate(a, set), migrate(b, set)]);
      expect([...ra.applied, ...rb.applied].map((m) => m.version).sort()).toEqual([1, 2, 3]);
      expect(await a.query(`select n from ${t} order by n`)).toEqual([{ n: 1 }, { n: 2 }]);
    });

    it('survives a connection killed in the middle of a transaction', async () => {
      const t = `killed_${randomBytes(3).toString('hex')}`;
      await a.exec(`create table ${t} (x int)`);
      const err = await a
        .transaction(async (tx) => {
          await tx.query(`insert into ${t} values (1)`);
          const [row] = await tx.query<{ pid: number }>('select pg_backend_pid() as pid');
          await b.query('select pg_terminate_backend($1)', [row?.pid]);
          await tx.query(`insert into ${t} values (2)`);
        })
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(err).toMatchObject({ code: 'ERR_STORE_QUERY_FAILED' });
      expect(await a.query(`select * from ${t}`)).toEqual([]); // nothing committed
      expect(await a.query('select 1 as one')).toEqual([{ one: 1 }]); // the pool replaced the connection
    });

    it('fails with ERR_STORE_CONNECTION_FAILED when the pool has no free connection in time', async () => {
      const small = await openStore(url, { maxConnections: 1, connectTimeoutMs: 200 });
      try {
        let release: () => void = () => undefined;
        const held = small.transaction(
          () =>
            new Promise<void>((resolve) => {
              release = resolve;
            }),
        );
        await new Promise((resolve) => setTimeout(resolve, 50));
        await expect(small.transaction(async () => 1)).rejects.toMatchObject({
          code: 'ERR_STORE_CONNECTION_FAILED',
        });
        release();
        await held;
      } finally {
        await small.close();
      }
    });
  });
});
