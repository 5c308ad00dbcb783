import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MigrationError, StoreError } from './errors.js';
import { loadMigrations, migrationChecksum } from './migrations.js';

describe('loadMigrations', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'semper-migrations-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads NNNN_name.sql files in version order and ignores other files', async () => {
    await writeFile(join(dir, '0002_ledger.sql'), 'create table ledger (id int);\n');
    await writeFile(join(dir, '0001_init.sql'), 'create table deals (id int);\n');
    await writeFile(join(dir, '0010_add-index.v2.sql'), 'create index on deals (id);\n');
    await writeFile(join(dir, 'README.md'), '# migrations');
    expect(await loadMigrations(dir)).toEqual([
      { version: 1, name: 'init', sql: 'create table deals (id int);\n' },
      { version: 2, name: 'ledger', sql: 'create table ledger (id int);\n' },
      { version: 10, name: 'add-index.v2', sql: 'create index on deals (id);\n' },
    ]);
  });

  it('refuses a .sql file not named NNNN_name.sql', async () => {
    await writeFile(join(dir, 'init.sql'), 'select 1');
    const err = await loadMigrations(dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MigrationError);
    expect(err).toMatchObject({ code: 'ERR_STORE_MIGRATION_INVALID' });
  });

  it('refuses two files with one version', async () => {
    await writeFile(join(dir, '0001_init.sql'), 'select 1');
    await writeFile(join(dir, '001_other.sql'), 'select 2');
    await writeFile(join(dir, '00001_again.sql'), 'select 3');
    await expect(loadMigrations(dir)).rejects.toMatchObject({ code: 'ERR_STORE_MIGRATION_DUPLICATE', version: 1 });
  });

  it('reports a folder it cannot read', async () => {
    const err = await loadMigrations(join(dir, 'missing')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreError);
    expect(err).toMatchObject({ code: 'ERR_STORE_INVALID_ARGUMENT' });
    expect((err as Error).cause).toMatchObject({ code: 'ENOENT' });
  });
});

describe('migrationChecksum', () => {
  it('is the SHA-256 of the SQL, blind to CRLF and a byte-order mark', () => {
    // printf 'select 1\n' | sha256sum
    expect(migrationChecksum('select 1\n')).toBe('8903abffd68710879da59014708c6187f8e839fadc2bdf94ae73a036aa591623');
    expect(migrationChecksum('select 1\r\n')).toBe(migrationChecksum('select 1\n'));
    expect(migrationChecksum('\uFEFFselect 1\n')).toBe(migrationChecksum('select 1\n'));
    expect(migrationChecksum('select 2\n')).not.toBe(migrationChecksum('select 1\n'));
  });
});
