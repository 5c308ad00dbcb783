import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MigrationError, StoreError } from './errors.js';
import type { Queryable, Store } from './store.js';

/**
 * One plain-SQL migration of a package. `version`s run 1, 2, 3… in order; `sql` may hold several
 * statements and runs in one transaction with its bookkeeping row (so it must not contain `BEGIN`,
 * `COMMIT` or statements that refuse a transaction, such as `CREATE INDEX CONCURRENTLY`).
 *
 * @example
 * ```ts
 * import type { Migration } from '@semper/store';
 * const init: Migration = { version: 1, name: 'init', sql: 'create table deals (id text primary key)' };
 * ```
 */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

/**
 * What {@link migrate} applies: the migrations of one package.
 *
 * @example
 * ```ts
 * import type { MigrationSet } from '@semper/store';
 * const set: MigrationSet = { package: '@semper/archive', migrations: [{ version: 1, name: 'init', sql: 'select 1' }] };
 * ```
 */
export interface MigrationSet {
  /** The owner, e.g. `@semper/archive`: versions are counted per package. */
  readonly package: string;
  readonly migrations: readonly Migration[];
}

/**
 * What {@link migrate} did.
 *
 * @example
 * ```ts
 * import type { MigrationReport } from '@semper/store';
 * const report: MigrationReport = { package: '@semper/x', applied: [{ version: 2, name: 'ledger' }], version: 2 };
 * ```
 */
export interface MigrationReport {
  readonly package: string;
  /** The migrations this call applied, in order (none when the database was up to date). */
  readonly applied: readonly { readonly version: number; readonly name: string }[];
  /** The package's schema version now. */
  readonly version: number;
}

/** The bookkeeping table, the same on PGlite and on a server. */
const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS semper_migrations (
  package    text        NOT NULL,
  version    integer     NOT NULL CHECK (version > 0),
  name       text        NOT NULL,
  checksum   text        NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (package, version)
)`;

/**
 * The advisory lock every migration transaction takes first (`pg_advisory_xact_lock`): migrators in
 * other processes wait for it, then see what was applied meanwhile. ("semper" in ASCII.)
 */
const MIGRATION_LOCK_KEY = '126879464973682';

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const FILE = /^(\d{4,})_([A-Za-z0-9][A-Za-z0-9_.-]*)\.sql$/;

/**
 * The checksum recorded for a migration: SHA-256, hex, of its SQL with CRLF line ends turned into LF
 * (so a checkout on another OS does not change it) and without a leading byte-order mark.
 *
 * @example
 * ```ts
 * import { migrationChecksum } from '@semper/store';
 * migrationChecksum('select 1\r\n') === migrationChecksum('select 1\n'); // true
 * ```
 */
export function migrationChecksum(sql: string): string {
  const text = sql.replace(/^\uFEFF/, '').replace(/\r\n/g, '\n');
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** Checks a set and returns its migrations sorted by version; throws MigrationError otherwise. */
function checkSet(set: MigrationSet): Migration[] {
  if (typeof set !== 'object' || set === null) {
    throw new StoreError('ERR_STORE_INVALID_ARGUMENT', 'migrate needs { package, migrations }');
  }
  const pkg = set.package;
  if (typeof pkg !== 'string' || pkg.trim() === '' || pkg.length > 200) {
    throw new StoreError('ERR_STORE_INVALID_ARGUMENT', 'the migrations’ package is a non-empty name');
  }
  if (!Array.isArray(set.migrations)) {
    throw new MigrationError('ERR_STORE_MIGRATION_INVALID', `migrations of ${pkg} are not an array`, { package: pkg });
  }
  const seen = new Map<number, Migration>();
  for (const m of set.migrations as readonly Migration[]) {
    const version = m?.version;
    if (!Number.isSafeInteger(version) || version < 1 || version > 2_147_483_647) {
      throw new MigrationError(
        'ERR_STORE_MIGRATION_INVALID',
        `${pkg}: migration version ${String(version)} is not a positive integer`,
        { package: pkg },
      );
    }
    if (typeof m.name !== 'string' || !NAME.test(m.name)) {
      throw new MigrationError(
        'ERR_STORE_MIGRATION_INVALID',
        `${pkg}: migration ${version} has no valid name (letters, digits, _ . -)`,
        { package: pkg, version },
      );
    }
    if (typeof m.sql !== 'string' || m.sql.trim() === '') {
      throw new MigrationError('ERR_STORE_MIGRATION_INVALID', `${pkg}: migration ${version} has no SQL`, {
        package: pkg,
        version,
      });
    }
    if (seen.has(version)) {
      throw new MigrationError(
        'ERR_STORE_MIGRATION_DUPLICATE',
        `${pkg}: two migrations have version ${version} ('${seen.get(version)?.name}' and '${m.name}')`,
        { package: pkg, version },
      );
    }
    seen.set(version, m);
  }
  const sorted = [...seen.values()].sort((a, b) => a.version - b.version);
  sorted.forEach((m, index) => {
    if (m.version !== index + 1) {
      throw new MigrationError(
        'ERR_STORE_MIGRATION_GAP',
        `${pkg}: migration ${index + 1} is missing (the next one given is ${m.version})`,
        { package: pkg, version: index + 1 },
      );
    }
  });
  return sorted;
}

interface AppliedRow {
  version: number;
  name: string;
  checksum: string;
}

/** Under the lock: creates the table if needed and reads what the package has applied. */
async function lockAndRead(tx: Queryable, pkg: string): Promise<Map<number, AppliedRow>> {
  await tx.query(`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`);
  await tx.exec(CREATE_TABLE);
  const rows = await tx.query<AppliedRow>(
    'SELECT version, name, checksum FROM semper_migrations WHERE package = $1 ORDER BY version',
    [pkg],
  );
  return new Map(rows.map((row) => [row.version, row]));
}

/** Throws when the database holds a migration that differs from, or is unknown to, the given list. */
function compare(pkg: string, migrations: readonly Migration[], applied: Map<number, AppliedRow>): void {
  for (const row of applied.values()) {
    const m = migrations[row.version - 1];
    if (!m) {
      throw new MigrationError(
        'ERR_STORE_MIGRATION_AHEAD',
        `${pkg}: the database has migration ${row.version} ('${row.name}'), which this code does not know (it knows up to ${migrations.length})`,
        { package: pkg, version: row.version },
      );
    }
    if (row.checksum !== migrationChecksum(m.sql)) {
      throw new MigrationError(
        'ERR_STORE_MIGRATION_CHECKSUM',
        `${pkg}: migration ${row.version} ('${row.name}') was applied with other SQL than is given now (checksum ${row.checksum.slice(0, 12)}… vs ${migrationChecksum(m.sql).slice(0, 12)}…); write a new migration instead of editing an applied one`,
        { package: pkg, version: row.version },
      );
    }
  }
}

/**
 * Brings a package's schema up to date: applies, in version order, each migration not yet recorded in
 * `semper_migrations` (package, version, name, checksum, applied_at), each in its own transaction
 * together with its bookkeeping row, so a migration is applied entirely or not at all.
 *
 * Before anything is applied it checks that versions run 1, 2, 3… (`ERR_STORE_MIGRATION_GAP`,
 * `…_DUPLICATE`, `…_INVALID`), that every applied migration still has the same SQL
 * (`ERR_STORE_MIGRATION_CHECKSUM`) and that the database is not ahead of the code
 * (`ERR_STORE_MIGRATION_AHEAD`). A failing migration throws `ERR_STORE_MIGRATION_FAILED` (its
 * `StoreQueryError` as `cause`); the ones before it stay applied.
 *
 * Safe to run from several processes against one server at once: every migration transaction first
 * takes a transaction-scoped advisory lock and re-reads the table, so each migration is applied once.
 *
 * @example
 * ```ts
 * import { migrate, openStore } from '@semper/store';
 * const store = await openStore('pglite:memory');
 * const report = await migrate(store, {
 *   package: '@semper/archive',
 *   migrations: [
 *     { version: 1, name: 'init', sql: 'create table evidence (seq bigint primary key, body bytea not null)' },
 *     { version: 2, name: 'hash', sql: 'alter table evidence add column hash bytea' },
 *   ],
 * });
 * console.log(report.applied.map((m) => m.version), report.version); // [1, 2] 2
 * await store.close();
 * ```
 */
export async function migrate(store: Store, set: MigrationSet): Promise<MigrationReport> {
  const migrations = checkSet(set);
  const pkg = set.package;
  const initial = await store.transaction(
    async (tx) => {
      const applied = await lockAndRead(tx, pkg);
      compare(pkg, migrations, applied);
      return applied;
    },
    { isolation: 'read committed' },
  );
  const done: { version: number; name: string }[] = [];
  for (const m of migrations) {
    if (initial.has(m.version)) continue;
    // READ COMMITTED: each statement sees what other migrators committed before it, including while we
    // waited for the lock.
    const appliedNow = await store
      .transaction(
        async (tx) => {
          const applied = await lockAndRead(tx, pkg);
          compare(pkg, migrations, applied);
          if (applied.has(m.version)) return false; // another process applied it meanwhile
          try {
            await tx.exec(m.sql);
          } catch (err) {
            throw new MigrationError(
              'ERR_STORE_MIGRATION_FAILED',
              `${pkg}: migration ${m.version} ('${m.name}') failed: ${err instanceof Error ? err.message : String(err)}`,
              { package: pkg, version: m.version },
              { cause: err },
            );
          }
          await tx.query('INSERT INTO semper_migrations (package, version, name, checksum) VALUES ($1, $2, $3, $4)', [
            pkg,
            m.version,
            m.name,
            migrationChecksum(m.sql),
          ]);
          return true;
        },
        { isolation: 'read committed' },
      )
      .catch((err: unknown) => {
        if (err instanceof StoreError && err.code === 'ERR_STORE_TRANSACTION_ABORTED') {
          throw new MigrationError(
            'ERR_STORE_MIGRATION_FAILED',
            `${pkg}: migration ${m.version} ('${m.name}') was rolled back`,
            { package: pkg, version: m.version },
            { cause: err },
          );
        }
        throw err;
      });
    if (appliedNow) done.push({ version: m.version, name: m.name });
  }
  return { package: pkg, applied: done, version: migrations.length };
}

/**
 * Reads a package's migrations from a folder of `NNNN_name.sql` files (`0001_init.sql`,
 * `0002_ledger.sql`…): the number is the version, the rest the name. Other files (a README) are
 * ignored; a `.sql` file not named that way, or two files with one version, is an error.
 *
 * @example
 * ```ts
 * import { loadMigrations, migrate, openStore } from '@semper/store';
 * const store = await openStore('pglite:./data');
 * await migrate(store, { package: '@semper/hub', migrations: await loadMigrations(new URL('../migrations', import.meta.url).pathname) });
 * await store.close();
 * ```
 */
export async function loadMigrations(dir: string): Promise<Migration[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    throw new StoreError('ERR_STORE_INVALID_ARGUMENT', `cannot read the migrations folder ${dir}`, { cause: err });
  }
  const migrations: Migration[] = [];
  const byVersion = new Map<number, string>();
  for (const file of names.sort()) {
    if (!file.toLowerCase().endsWith('.sql')) continue;
    const match = FILE.exec(file);
    if (!match) {
      throw new MigrationError(
        'ERR_STORE_MIGRATION_INVALID',
        `${join(dir, file)}: a migration file is named NNNN_name.sql (e.g. 0001_init.sql)`,
        { package: dir },
      );
    }
    const version = Number(match[1]);
    const other = byVersion.get(version);
    if (other !== undefined) {
      throw new MigrationError(
        'ERR_STORE_MIGRATION_DUPLICATE',
        `${dir}: ${other} and ${file} have the same version ${version}`,
        { package: dir, version },
      );
    }
    byVersion.set(version, file);
    migrations.push({ version, name: match[2] as string, sql: await readFile(join(dir, file), 'utf8') });
  }
  return migrations.sort((a, b) => a.version - b.version);
}
