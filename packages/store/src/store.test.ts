import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { StoreError } from './errors.js';
import { migrate } from './migrations.js';
import { openStore } from './open-store.js';
import { describeStoreSuite } from './testing.js';

const folders: string[] = [];
async function tempFolder(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'semper-store-'));
  folders.push(dir);
  return dir;
}
afterAll(async () => {
  for (const dir of folders) await rm(dir, { recursive: true, force: true });
});

describeStoreSuite('pglite:memory', () => openStore('pglite:memory'));

describeStoreSuite('pglite:<data folder>', async () => openStore(`pglite:${join(await tempFolder(), 'data')}`));

describe('pglite:<data folder> across opens', () => {
  it('creates the folder, keeps the data after close, and opens it again', async () => {
    const dir = join(await tempFolder(), 'nested', 'store');
    const first = await openStore(`pglite:${dir}`);
    expect(first.url).toBe(`pglite:${dir}`);
    await migrate(first, {
      package: '@test/persist',
      migrations: [{ version: 1, name: 'init', sql: 'create table kept (id bigint primary key, note text)' }],
    });
    await first.transaction(async (tx) => {
      await tx.query('insert into kept values ($1, $2)', [42n, 'survives close']);
    });
    await first.close();

    const second = await openStore(`pglite:${dir}`);
    try {
      expect(await second.query('select id, note from kept')).toEqual([{ id: 42n, note: 'survives close' }]);
      const report = await migrate(second, {
        package: '@test/persist',
        migrations: [{ version: 1, name: 'init', sql: 'create table kept (id bigint primary key, note text)' }],
      });
      expect(report.applied).toEqual([]);
    } finally {
      await second.close();
    }
  });

  it('refuses a second store on a folder that is open, and frees it at close', async () => {
    const dir = join(await tempFolder(), 'locked');
    const first = await openStore(`pglite:${dir}`);
    const err = await openStore(`pglite:${dir}`).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(StoreError);
    expect(err).toMatchObject({ code: 'ERR_STORE_LOCKED' });
    await first.close();
    const again = await openStore(`pglite:${dir}`);
    await again.close();
  });
});
