/**
 * `@semper/store/testing`: the store's conformance suite, a vitest suite parameterised by a factory of
 * stores (like jose's `tap/` suites). Run it for every backend, and for any other `Store`:
 *
 * ```ts
 * import { openStore } from '@semper/store';
 * import { describeStoreSuite } from '@semper/store/testing';
 * describeStoreSuite('pglite:memory', () => openStore('pglite:memory'));
 * ```
 *
 * @packageDocumentation
 */
import { randomBytes } from 'node:crypto';
import { SemperError } from '@semper/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MigrationError, StoreError, StoreQueryError } from './errors.js';
import { type Migration, migrate, migrationChecksum } from './migrations.js';
import type { Queryable, RetryInfo, Store } from './store.js';

/**
 * Options of {@link describeStoreSuite}.
 *
 * @example
 * ```ts
 * import type { StoreSuiteOptions } from '@semper/store/testing';
 * const options: StoreSuiteOptions = { concurrency: 8 };
 * ```
 */
export interface StoreSuiteOptions {
  /**
   * How many transactions race in the concurrency tests; default 8. On a server it must not exceed the
   * pool size (each transaction holds a connection while it waits for the others).
   */
  readonly concurrency?: number;
}

/** A barrier for the first attempts of `n` racing transactions: each waits until all have arrived. */
function barrier(n: number, timeoutMs = 5_000): { arrive(): Promise<void> } {
  let arrived = 0;
  let open: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  // A safety net only: the tests assert on outcomes, so a barrier that times out makes a test fail, not hang.
  const timer = setTimeout(() => open(), timeoutMs);
  return {
    arrive() {
      arrived += 1;
      if (arrived >= n) {
        clearTimeout(timer);
        open();
      }
      return opened;
    },
  };
}

/** Raises `sqlState` from inside the database (a real server error, the same on every backend). */
function raise(db: Queryable, sqlState: string): Promise<void> {
  return db.exec(`DO $$ BEGIN RAISE EXCEPTION 'raised by the store suite' USING ERRCODE = '${sqlState}'; END $$`);
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection, but the promise resolved');
}

/**
 * Declares a vitest suite `name` that checks a {@link Store} made by `factory` (called once, before the
 * suite; the suite closes the store at the end, and its last test checks `close()`): queries and scripts,
 * parameter round trips (bigint, bytea, jsonb, timestamptz…), typed errors with SQLSTATEs, transactions
 * (commit, rollback, isolation, nested use, use after the end), retries on real serialization failures
 * and deadlocks, concurrent transactions, and migrations (apply, skip, checksum, gap, duplicate, failure,
 * concurrent migrators). Tables get names unique to the run, so a shared server can be used.
 *
 * @example
 * ```ts
 * import { openStore } from '@semper/store';
 * import { describeStoreSuite } from '@semper/store/testing';
 * describeStoreSuite('postgres', () => openStore(process.env.DATABASE_URL!));
 * ```
 */
export function describeStoreSuite(name: string, factory: () => Promise<Store>, options: StoreSuiteOptions = {}): void {
  const concurrency = options.concurrency ?? 8;
  describe(name, () => {
    let store: Store;
    const run = randomBytes(4).toString('hex');
    let counter = 0;
    /** A table or package name unique to this run and this test. */
    const unique = (base: string) => `${base}_${run}_${++counter}`;

    beforeAll(async () => {
      store = await factory();
    });
    afterAll(async () => {
      await store?.close();
    });

    describe('queries', () => {
      it('reports its backend and is open', () => {
        expect(['pglite', 'postgres']).toContain(store.backend);
        expect(store.closed).toBe(false);
        expect(store.url).not.toMatch(/:[^:@/]+@/); // no password
      });

      it('creates, reads, updates and deletes rows', async () => {
        const t = unique('crud');
        await store.exec(`create table ${t} (id serial primary key, label text not null, qty int not null)`);
        const inserted = await store.query<{ id: number }>(
          `insert into ${t} (label, qty) values ($1, $2), ($3, $4) returning id`,
          ['apple', 3, 'pear', 5],
        );
        expect(inserted.map((r) => r.id)).toEqual([1, 2]);
        expect(await store.query(`select label, qty from ${t} order by id`)).toEqual([
          { label: 'apple', qty: 3 },
          { label: 'pear', qty: 5 },
        ]);
        const updated = await store.query(`update ${t} set qty = qty + $1 where label = $2 returning qty`, [
          10,
          'pear',
        ]);
        expect(updated).toEqual([{ qty: 15 }]);
        expect(await store.query(`delete from ${t} where id = $1 returning label`, [1])).toEqual([{ label: 'apple' }]);
        expect(await store.query(`select count(*)::int as n from ${t}`)).toEqual([{ n: 1 }]);
        expect(await store.query(`update ${t} set qty = 0 where id = -1`)).toEqual([]);
      });

      it('runs multi-statement scripts with exec, and refuses them in query', async () => {
        const t = unique('script');
        await store.exec(`create table ${t} (x int); insert into ${t} values (1); insert into ${t} values (2);`);
        expect(await store.query(`select sum(x)::int as s from ${t}`)).toEqual([{ s: 3 }]);
        const err = await rejection(store.query(`select 1; select 2`));
        expect(err).toBeInstanceOf(StoreQueryError);
        expect((err as StoreQueryError).sqlState).toBe('42601');
      });

      it('round-trips parameters: integers, bigint, numeric, text, bool, null, bytea, jsonb, timestamptz, date, arrays', async () => {
        const t = unique('types');
        await store.exec(`create table ${t} (
          i int, b bigint, n numeric, s text, f boolean, z text, y bytea, j jsonb, ts timestamptz, d date,
          tl timestamp, ia bigint[], sa text[], ja jsonb, d8 double precision)`);
        const bytes = new Uint8Array(256).map((_, i) => i);
        const json = { amount: '12.50', nested: { list: [1, 'two', null, true] }, unicode: 'Grüße € 😀' };
        const when = new Date('2031-05-06T07:08:09.123Z');
        const big = 9_223_372_036_854_775_807n; // int8 max: beyond Number's exact range
        await store.query(
          `insert into ${t} values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
          [
            -2_147_483_648,
            big,
            '12345678901234567890.000000001',
            'it\'s "quoted" \\ and ünïcödé',
            true,
            null,
            bytes,
            json,
            when,
            '2031-05-06',
            '2031-05-06 07:08:09.5',
            [1n, -2n, big],
            ['a', 'b,c', '"d"'],
            JSON.stringify([1, { x: 2 }]),
            0.1,
          ],
        );
        const [row] = await store.query(`select * from ${t}`);
        expect(row).toEqual({
          i: -2_147_483_648,
          b: big,
          n: '12345678901234567890.000000001',
          s: 'it\'s "quoted" \\ and ünïcödé',
          f: true,
          z: null,
          y: bytes,
          j: json,
          ts: when,
          d: '2031-05-06',
          tl: '2031-05-06 07:08:09.5',
          ia: [1n, -2n, big],
          sa: ['a', 'b,c', '"d"'],
          ja: [1, { x: 2 }],
          d8: 0.1,
        });
        expect(typeof row?.b).toBe('bigint');
        expect(row?.y).toBeInstanceOf(Uint8Array);
        expect(Object.getPrototypeOf(row?.y)).toBe(Uint8Array.prototype);
        expect(row?.ts).toBeInstanceOf(Date);
        // Small int8 values are bigints too, not numbers, and bigint parameters compute exactly.
        expect(await store.query('select $1::bigint + 1 as v, count(*) as c from (values (1)) v', [big - 1n])).toEqual([
          { v: big, c: 1n },
        ]);
        // Plain objects are JSON; bigints inside become strings.
        expect(await store.query('select $1::jsonb as v', [{ minor: 1250n, ok: true }])).toEqual([
          { v: { minor: '1250', ok: true } },
        ]);
        expect(await store.query('select $1::text as v, $2::int as w', [undefined, null])).toEqual([
          { v: null, w: null },
        ]);
      });

      it('refuses parameters it cannot send the same way on every backend', async () => {
        const err = await rejection(store.query('select $1::text', [new Map()]));
        expect(err).toBeInstanceOf(StoreError);
        expect((err as StoreError).code).toBe('ERR_STORE_INVALID_ARGUMENT');
        expect(((await rejection(store.query('', []))) as StoreError).code).toBe('ERR_STORE_INVALID_ARGUMENT');
      });

      it('throws typed errors with the SQLSTATE for bad SQL', async () => {
        const syntax = await rejection(store.query('selec 1'));
        expect(syntax).toBeInstanceOf(StoreQueryError);
        expect(syntax).toBeInstanceOf(SemperError);
        expect(syntax).toMatchObject({ code: 'ERR_STORE_QUERY_FAILED', sqlState: '42601', name: 'StoreQueryError' });
        expect((syntax as Error).cause).toBeDefined();

        expect(await rejection(store.query('select * from no_such_table_anywhere'))).toMatchObject({
          sqlState: '42P01',
        });
        expect(await rejection(store.exec('create table (oops'))).toMatchObject({ sqlState: '42601' });
        expect(await rejection(store.query('select 1 / $1::int', [0]))).toMatchObject({ sqlState: '22012' });

        const t = unique('uniq');
        await store.exec(`create table ${t} (k text constraint ${t}_k unique)`);
        await store.query(`insert into ${t} values ($1)`, ['secret-value']);
        const dup = (await rejection(store.query(`insert into ${t} values ($1)`, ['secret-value']))) as StoreQueryError;
        expect(dup).toMatchObject({ code: 'ERR_STORE_QUERY_FAILED', sqlState: '23505', constraint: `${t}_k` });
        expect(dup.message).not.toContain('secret-value'); // row data stays in the cause's detail
      });
    });

    describe('transactions', () => {
      it('commits what the function did and resolves to its result', async () => {
        const t = unique('commit');
        await store.exec(`create table ${t} (x int)`);
        const result = await store.transaction(async (tx) => {
          await tx.query(`insert into ${t} values ($1), ($2)`, [1, 2]);
          const [row] = await tx.query<{ n: number }>(`select count(*)::int as n from ${t}`);
          return row?.n;
        });
        expect(result).toBe(2);
        expect(await store.query(`select x from ${t} order by x`)).toEqual([{ x: 1 }, { x: 2 }]);
      });

      it('rolls back everything when the function throws, and wraps a plain error', async () => {
        const t = unique('rollback');
        await store.exec(`create table ${t} (x int)`);
        const boom = new Error('boom');
        const err = await rejection(
          store.transaction(async (tx) => {
            await tx.query(`insert into ${t} values (1)`);
            await tx.exec(`insert into ${t} values (2); create table ${t}_side (y int)`);
            throw boom;
          }),
        );
        expect(err).toBeInstanceOf(StoreError);
        expect(err).toMatchObject({ code: 'ERR_STORE_TRANSACTION_ABORTED' });
        expect((err as Error).cause).toBe(boom);
        expect(await store.query(`select * from ${t}`)).toEqual([]);
        expect(await store.query('select to_regclass($1) as r', [`${t}_side`])).toEqual([{ r: null }]);
      });

      it('passes a SemperError from the function through unchanged, after rolling back', async () => {
        const t = unique('semper');
        await store.exec(`create table ${t} (x int)`);
        const fault = new SemperError('ERR_TEST_FAULT', 'a business fault');
        const err = await rejection(
          store.transaction(async (tx) => {
            await tx.query(`insert into ${t} values (1)`);
            throw fault;
          }),
        );
        expect(err).toBe(fault);
        expect(await store.query(`select * from ${t}`)).toEqual([]);
      });

      it('rolls back when a statement fails, with the StoreQueryError', async () => {
        const t = unique('stmtfail');
        await store.exec(`create table ${t} (x int primary key)`);
        const err = await rejection(
          store.transaction(async (tx) => {
            await tx.query(`insert into ${t} values (1)`);
            await tx.query(`insert into ${t} values (1)`);
          }),
        );
        expect(err).toMatchObject({ code: 'ERR_STORE_QUERY_FAILED', sqlState: '23505' });
        expect(await store.query(`select * from ${t}`)).toEqual([]);
      });

      it('does not commit when a failed statement was caught inside the function', async () => {
        const t = unique('swallow');
        await store.exec(`create table ${t} (x int primary key)`);
        const err = await rejection(
          store.transaction(async (tx) => {
            await tx.query(`insert into ${t} values (1)`);
            await tx.query(`insert into ${t} values (1)`).catch(() => undefined);
            return 'looks fine';
          }),
        );
        expect(err).toMatchObject({ code: 'ERR_STORE_TRANSACTION_ABORTED' });
        expect((err as Error).cause).toMatchObject({ sqlState: '23505' });
        expect(await store.query(`select * from ${t}`)).toEqual([]);
      });

      it('sets the isolation level and read-only mode', async () => {
        for (const isolation of ['read committed', 'repeatable read', 'serializable'] as const) {
          const rows = await store.transaction((tx) => tx.query('show transaction_isolation'), { isolation });
          expect(rows).toEqual([{ transaction_isolation: isolation }]);
        }
        expect(await store.transaction((tx) => tx.query('show transaction_isolation'))).toEqual([
          { transaction_isolation: 'read committed' },
        ]);
        const t = unique('ro');
        await store.exec(`create table ${t} (x int)`);
        const err = await rejection(
          store.transaction((tx) => tx.query(`insert into ${t} values (1)`), { readOnly: true }),
        );
        expect(err).toMatchObject({ sqlState: '25006' });
        const bad = await rejection(store.transaction(async () => 1, { isolation: 'chaos' as 'serializable' }));
        expect(bad).toMatchObject({ code: 'ERR_STORE_INVALID_ARGUMENT' });
        expect(await rejection(store.transaction(async () => 1, { retries: -1 }))).toMatchObject({
          code: 'ERR_STORE_INVALID_ARGUMENT',
        });
      });

      it('refuses nested use of the store inside a transaction, and use of tx after the end', async () => {
        const t = unique('nested');
        await store.exec(`create table ${t} (x int)`);
        let leaked: Queryable | undefined;
        const nestedTx = await rejection(
          store.transaction(async (tx) => {
            leaked = tx;
            await tx.query(`insert into ${t} values (1)`);
            await store.transaction(async (inner) => inner.query('select 1'));
          }),
        );
        expect(nestedTx).toMatchObject({ code: 'ERR_STORE_NESTED_TRANSACTION' });
        expect(await store.query(`select * from ${t}`)).toEqual([]); // the outer one rolled back

        const nestedQuery = await rejection(
          store.transaction(async () => {
            await store.query('select 1');
          }),
        );
        expect(nestedQuery).toMatchObject({ code: 'ERR_STORE_NESTED_TRANSACTION' });
        const nestedExec = await rejection(store.transaction(() => store.exec('select 1')));
        expect(nestedExec).toMatchObject({ code: 'ERR_STORE_NESTED_TRANSACTION' });

        const after = await rejection((leaked as Queryable).query('select 1'));
        expect(after).toMatchObject({ code: 'ERR_STORE_TRANSACTION_CLOSED' });
        // The store is still usable: nothing waits on the failed transactions.
        expect(await store.query('select 1 as one')).toEqual([{ one: 1 }]);
      });

      it('keeps concurrent transactions and statements apart', async () => {
        const t = unique('interleave');
        await store.exec(`create table ${t} (tx int, step int)`);
        const transactions: Promise<unknown>[] = Array.from({ length: concurrency }, (_, i) =>
          store.transaction(async (tx) => {
            await tx.query(`insert into ${t} values ($1, 1)`, [i]);
            await new Promise((resolve) => setTimeout(resolve, 5));
            await tx.query(`insert into ${t} values ($1, 2)`, [i]);
            if (i % 2 === 1) throw new Error(`odd ${i} fails`);
            return i;
          }),
        );
        // Plain statements issued meanwhile never run inside another caller's transaction: they only ever
        // see whole committed transactions (an even number of rows).
        const counts: Promise<unknown>[] = Array.from({ length: concurrency }, () =>
          store.query<{ n: number }>(`select count(*)::int as n from ${t}`).then(([row]) => row?.n),
        );
        const outcomes = await Promise.allSettled([...transactions, ...counts]);
        const committed = outcomes.slice(0, concurrency).map((o) => o.status);
        expect(committed).toEqual(Array.from({ length: concurrency }, (_, i) => (i % 2 ? 'rejected' : 'fulfilled')));
        for (const seen of outcomes.slice(concurrency)) {
          expect(seen.status).toBe('fulfilled');
          expect(((seen as PromiseFulfilledResult<number>).value ?? 1) % 2).toBe(0);
        }
        const rows = await store.query<{ tx: number; n: number }>(
          `select tx, count(*)::int as n from ${t} group by tx order by tx`,
        );
        expect(rows).toEqual(
          Array.from({ length: concurrency }, (_, i) => i)
            .filter((i) => i % 2 === 0)
            .map((i) => ({ tx: i, n: 2 })),
        );
      });
    });

    describe('retries', () => {
      for (const sqlState of ['40001', '40P01']) {
        it(`rolls back and runs the function again after SQLSTATE ${sqlState}`, async () => {
          const t = unique('retry');
          await store.exec(`create table ${t} (attempt int)`);
          let calls = 0;
          const retries: RetryInfo[] = [];
          const result = await store.transaction(
            async (tx) => {
              calls += 1;
              await tx.query(`insert into ${t} values ($1)`, [calls]);
              if (calls === 1) await raise(tx, sqlState);
              return calls;
            },
            { onRetry: (info) => retries.push(info) },
          );
          expect(result).toBe(2);
          expect(await store.query(`select attempt from ${t}`)).toEqual([{ attempt: 2 }]); // attempt 1 is gone
          expect(retries).toHaveLength(1);
          expect(retries[0]?.attempt).toBe(1);
          expect(retries[0]?.error).toBeInstanceOf(StoreQueryError);
          expect(retries[0]?.error.sqlState).toBe(sqlState);
          expect(retries[0]?.delayMs).toBeGreaterThanOrEqual(0);
        });
      }

      it('retries even when the function caught the serialization failure', async () => {
        let calls = 0;
        const result = await store.transaction(async (tx) => {
          calls += 1;
          if (calls === 1) await raise(tx, '40001').catch(() => undefined);
          return calls;
        });
        expect(result).toBe(2);
      });

      it('gives up after the retries with ERR_STORE_SERIALIZATION_FAILURE', async () => {
        let calls = 0;
        const err = await rejection(
          store.transaction(
            async (tx) => {
              calls += 1;
              await raise(tx, '40001');
            },
            { retries: 2 },
          ),
        );
        expect(calls).toBe(3);
        expect(err).toBeInstanceOf(StoreQueryError);
        expect(err).toMatchObject({ code: 'ERR_STORE_SERIALIZATION_FAILURE', sqlState: '40001', attempts: 3 });
        let once = 0;
        await rejection(
          store.transaction(
            async (tx) => {
              once += 1;
              await raise(tx, '40P01');
            },
            { retries: 0 },
          ),
        );
        expect(once).toBe(1);
      });

      it('does not retry other errors', async () => {
        let calls = 0;
        const err = await rejection(
          store.transaction(async (tx) => {
            calls += 1;
            await raise(tx, '23505');
          }),
        );
        expect(calls).toBe(1);
        expect(err).toMatchObject({ code: 'ERR_STORE_QUERY_FAILED', sqlState: '23505' });
      });

      it(`gives exactly N for N concurrent read-modify-write increments under SERIALIZABLE`, async () => {
        const t = unique('counter');
        await store.exec(`create table ${t} (id int primary key, value int not null); insert into ${t} values (1, 0)`);
        // On a server, every first attempt reads the counter before any writes it: real conflicts.
        const gate = store.backend === 'pglite' ? undefined : barrier(concurrency);
        let attempts = 0;
        await Promise.all(
          Array.from({ length: concurrency }, () => {
            let first = true;
            return store.transaction(
              async (tx) => {
                attempts += 1;
                const [row] = await tx.query<{ value: number }>(`select value from ${t} where id = 1`);
                if (first && gate) await gate.arrive();
                first = false;
                await tx.query(`update ${t} set value = $1 where id = 1`, [(row?.value ?? 0) + 1]);
              },
              { isolation: 'serializable', retries: 50 },
            );
          }),
        );
        expect(await store.query(`select value from ${t}`)).toEqual([{ value: concurrency }]);
        if (store.backend === 'pglite')
          expect(attempts).toBe(concurrency); // one at a time: no conflict
        else expect(attempts).toBeGreaterThanOrEqual(2 * concurrency - 1); // each loser retried at least once
      });

      it('resolves a real deadlock by retrying the victim', async (ctx) => {
        if (store.backend === 'pglite') {
          const reason = 'PGlite runs one transaction at a time, so two transactions cannot deadlock';
          console.log(`${name}: deadlock test skipped: ${reason}`);
          ctx.skip(reason);
        }
        const t = unique('deadlock');
        await store.exec(
          `create table ${t} (id int primary key, n int not null); insert into ${t} values (1, 0), (2, 0)`,
        );
        const gate = barrier(2);
        let attempts = 0;
        const retried: string[] = [];
        const lockInOrder = (first: number, second: number) => {
          let firstAttempt = true;
          return store.transaction(
            async (tx) => {
              attempts += 1;
              await tx.query(`update ${t} set n = n + 1 where id = $1`, [first]);
              if (firstAttempt) {
                firstAttempt = false;
                await gate.arrive();
              }
              await tx.query(`update ${t} set n = n + 1 where id = $1`, [second]);
            },
            { onRetry: (info) => retried.push(info.error.sqlState ?? '') },
          );
        };
        await Promise.all([lockInOrder(1, 2), lockInOrder(2, 1)]);
        expect(await store.query(`select id, n from ${t} order by id`)).toEqual([
          { id: 1, n: 2 },
          { id: 2, n: 2 },
        ]);
        expect(attempts).toBe(3);
        expect(retried).toEqual(['40P01']);
      });
    });

    describe('migrations', () => {
      const v1 = (t: string): Migration => ({
        version: 1,
        name: 'init',
        sql: `create table ${t} (id int primary key)`,
      });
      const v2 = (t: string): Migration => ({
        version: 2,
        name: 'seed',
        sql: `insert into ${t} values (1);\ninsert into ${t} values (2);`,
      });
      const v3 = (t: string): Migration => ({ version: 3, name: 'more', sql: `insert into ${t} values (3)` });

      it('applies migrations in order, records them, skips them the next time', async () => {
        const pkg = `@test/${unique('pkg')}`;
        const t = unique('mig');
        const first = await migrate(store, { package: pkg, migrations: [v2(t), v1(t)] });
        expect(first).toEqual({
          package: pkg,
          applied: [
            { version: 1, name: 'init' },
            { version: 2, name: 'seed' },
          ],
          version: 2,
        });
        const recorded = await store.query<{ version: number; name: string; checksum: string; applied_at: Date }>(
          'select version, name, checksum, applied_at from semper_migrations where package = $1 order by version',
          [pkg],
        );
        expect(recorded.map((r) => [r.version, r.name, r.checksum])).toEqual([
          [1, 'init', migrationChecksum(v1(t).sql)],
          [2, 'seed', migrationChecksum(v2(t).sql)],
        ]);
        expect(recorded[0]?.checksum).toMatch(/^[0-9a-f]{64}$/);
        expect(recorded[0]?.applied_at).toBeInstanceOf(Date);

        const again = await migrate(store, { package: pkg, migrations: [v1(t), v2(t)] });
        expect(again).toEqual({ package: pkg, applied: [], version: 2 });
        expect(await store.query(`select count(*)::int as n from ${t}`)).toEqual([{ n: 2 }]); // v2 ran once

        const third = await migrate(store, { package: pkg, migrations: [v1(t), v2(t), v3(t)] });
        expect(third.applied).toEqual([{ version: 3, name: 'more' }]);
        expect(await store.query(`select count(*)::int as n from ${t}`)).toEqual([{ n: 3 }]);
      });

      it('counts versions per package', async () => {
        const t1 = unique('pa');
        const t2 = unique('pb');
        const a = await migrate(store, { package: `@test/${t1}`, migrations: [v1(t1)] });
        const b = await migrate(store, { package: `@test/${t2}`, migrations: [v1(t2)] });
        expect([a.applied.length, b.applied.length]).toEqual([1, 1]);
      });

      it('refuses an applied migration whose SQL changed, before applying anything', async () => {
        const pkg = `@test/${unique('pkg')}`;
        const t = unique('sum');
        await migrate(store, { package: pkg, migrations: [v1(t)] });
        const edited = { ...v1(t), sql: `${v1(t).sql}, label text` };
        const err = await rejection(migrate(store, { package: pkg, migrations: [edited, v2(t)] }));
        expect(err).toBeInstanceOf(MigrationError);
        expect(err).toMatchObject({ code: 'ERR_STORE_MIGRATION_CHECKSUM', package: pkg, version: 1 });
        expect(await store.query(`select count(*)::int as n from ${t}`)).toEqual([{ n: 0 }]); // v2 not applied
        // Line ends do not count: a CRLF checkout of the same file matches.
        const crlf = { ...v1(t), sql: v1(t).sql.replace(/\n/g, '\r\n') };
        expect((await migrate(store, { package: pkg, migrations: [crlf] })).applied).toEqual([]);
      });

      it('refuses gaps, duplicates, malformed migrations and a database ahead of the code', async () => {
        const pkg = `@test/${unique('pkg')}`;
        const t = unique('bad');
        const gap = await rejection(migrate(store, { package: pkg, migrations: [v1(t), v3(t)] }));
        expect(gap).toMatchObject({ code: 'ERR_STORE_MIGRATION_GAP', version: 2 });
        const noOne = await rejection(migrate(store, { package: pkg, migrations: [v2(t)] }));
        expect(noOne).toMatchObject({ code: 'ERR_STORE_MIGRATION_GAP', version: 1 });
        const dup = await rejection(migrate(store, { package: pkg, migrations: [v1(t), { ...v1(t), name: 'again' }] }));
        expect(dup).toMatchObject({ code: 'ERR_STORE_MIGRATION_DUPLICATE', version: 1 });
        for (const bad of [
          { version: 0, name: 'zero', sql: 'select 1' },
          { version: 1.5, name: 'half', sql: 'select 1' },
          { version: 1, name: 'has space', sql: 'select 1' },
          { version: 1, name: 'empty', sql: '  ' },
        ]) {
          expect(await rejection(migrate(store, { package: pkg, migrations: [bad] }))).toMatchObject({
            code: 'ERR_STORE_MIGRATION_INVALID',
          });
        }
        expect(await store.query('select to_regclass($1) as r', [t])).toEqual([{ r: null }]); // nothing applied
        expect(await store.query('select count(*)::int as n from semper_migrations where package = $1', [pkg])).toEqual(
          [{ n: 0 }],
        );

        await migrate(store, { package: pkg, migrations: [v1(t), v2(t)] });
        const ahead = await rejection(migrate(store, { package: pkg, migrations: [v1(t)] }));
        expect(ahead).toMatchObject({ code: 'ERR_STORE_MIGRATION_AHEAD', version: 2 });
      });

      it('applies nothing of a failing migration and keeps the ones before it', async () => {
        const pkg = `@test/${unique('pkg')}`;
        const t = unique('fail');
        const broken: Migration = {
          version: 2,
          name: 'broken',
          sql: `create table ${t}_half (x int); insert into ${t} values (1); select 1 / 0;`,
        };
        const err = await rejection(migrate(store, { package: pkg, migrations: [v1(t), broken] }));
        expect(err).toBeInstanceOf(MigrationError);
        expect(err).toMatchObject({ code: 'ERR_STORE_MIGRATION_FAILED', package: pkg, version: 2 });
        expect((err as Error).cause).toMatchObject({ sqlState: '22012' });
        expect(await store.query('select to_regclass($1) as r', [`${t}_half`])).toEqual([{ r: null }]);
        expect(await store.query(`select count(*)::int as n from ${t}`)).toEqual([{ n: 0 }]);
        expect(
          await store.query('select version from semper_migrations where package = $1 order by version', [pkg]),
        ).toEqual([{ version: 1 }]);
      });

      it('applies each migration once when several migrators run at the same time', async () => {
        const pkg = `@test/${unique('pkg')}`;
        const t = unique('race');
        // v1 has no IF NOT EXISTS: applying it twice would fail; v2 and v3 would double the rows.
        const set = { package: pkg, migrations: [v1(t), v2(t), v3(t)] };
        const reports = await Promise.all(Array.from({ length: 4 }, () => migrate(store, set)));
        const applied = reports.flatMap((r) => r.applied.map((m) => m.version)).sort();
        expect(applied).toEqual([1, 2, 3]);
        expect(await store.query(`select count(*)::int as n from ${t}`)).toEqual([{ n: 3 }]);
      });
    });

    describe('close', () => {
      it('lets running work finish, then refuses new work; close() is idempotent', async () => {
        const t = unique('close');
        await store.exec(`create table ${t} (x int)`);
        const slow = store.transaction(async (tx) => {
          await new Promise((resolve) => setTimeout(resolve, 50));
          await tx.query(`insert into ${t} values (1)`);
          return 'committed';
        });
        const closing = store.close();
        expect(store.closed).toBe(true);
        const refused = await rejection(store.query('select 1'));
        expect(refused).toMatchObject({ code: 'ERR_STORE_CLOSED' });
        expect(await slow).toBe('committed');
        await closing;
        await store.close();
        expect(await rejection(store.transaction(async () => 1))).toMatchObject({ code: 'ERR_STORE_CLOSED' });
      });
    });
  });
}
