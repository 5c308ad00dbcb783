// A throwaway PostgreSQL server for tests: `initdb` into a private folder, `pg_ctl start` on a free
// loopback port with trust authentication, and `stop()` that waits until the postmaster is really gone.
//
// PostgreSQL refuses to run as root, so when this process is root the server's commands run as the
// `postgres` user through `runuser`, in a folder that user owns. Otherwise they run as the current user.
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { chmod, chown, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { forgetAtExit, spawnWatchdog, stopAtExit } from './process.js';

/** Where the PostgreSQL binaries are and how to run them, when they can be run. */
export interface PostgresBinaries {
  readonly available: true;
  /** The folder holding `initdb`, `pg_ctl` and `postgres`. */
  readonly binDir: string;
  /** `postgres --version`, e.g. `postgres (PostgreSQL) 15.14`. */
  readonly version: string;
  /** The major version, e.g. 15. */
  readonly major: number;
  /** The user the server runs as when this process is root (through `runuser`); absent otherwise. */
  readonly runAs?: { readonly user: string; readonly uid: number; readonly gid: number; readonly runuser: string };
}

/** Why a server cannot be started here. */
export interface PostgresUnavailable {
  readonly available: false;
  readonly reason: string;
}

/** Options of {@link startPostgres}. */
export interface StartPostgresOptions {
  /** The TCP port on 127.0.0.1; default a free one (found by binding port 0). */
  readonly port?: number;
  /** The binaries to use; default {@link findPostgresBinaries}(). */
  readonly binaries?: PostgresBinaries;
  /** Keep the folder after `stop()` (for looking at the log); default false. */
  readonly keep?: boolean;
}

/** A running server, from {@link startPostgres}. */
export interface PostgresServer {
  /** `postgres://postgres@127.0.0.1:<port>/postgres` (trust authentication, no password). */
  readonly url: string;
  readonly port: number;
  /** The cluster's data folder (inside {@link PostgresServer.baseDir}). */
  readonly dataDir: string;
  /** The private folder holding the data folder, the unix socket and the log. */
  readonly baseDir: string;
  readonly logFile: string;
  /** The postmaster's pid, read from `postmaster.pid`. */
  readonly pid: number;
  readonly version: string;
  /** Stops the server (`pg_ctl stop -m fast`), checks that its pid is gone, then removes the folder. */
  stop(): Promise<void>;
}

const DEFAULT_BIN_DIRS = ['/usr/lib/postgresql', '/usr/local/pgsql/bin', '/opt/homebrew/bin', '/usr/local/bin'];
const SERVER_TOOLS = ['initdb', 'pg_ctl', 'postgres'];

function hasTools(dir: string): boolean {
  return SERVER_TOOLS.every((tool) => existsSync(join(dir, tool)));
}

function candidateBinDirs(): string[] {
  // An explicit folder is the only one looked in: a wrong setting must not silently pick other binaries
  // (and pointing it at an empty folder is how the "no server here" case is tried on a machine that has one).
  if (process.env.SEMPER_PG_BIN) return [process.env.SEMPER_PG_BIN];
  const dirs: string[] = [];
  // Debian/Ubuntu layout: /usr/lib/postgresql/<major>/bin, newest major first.
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian)) {
    const majors = readdirSync(debian)
      .filter((name) => /^\d+$/.test(name))
      .sort((a, b) => Number(b) - Number(a));
    for (const major of majors) dirs.push(join(debian, major, 'bin'));
  }
  const pgConfig = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8' });
  if (pgConfig.status === 0 && pgConfig.stdout.trim()) dirs.push(pgConfig.stdout.trim());
  for (const dir of (process.env.PATH ?? '').split(delimiter)) if (dir) dirs.push(dir);
  for (const dir of DEFAULT_BIN_DIRS) dirs.push(dir);
  return [...new Set(dirs)];
}

function userIds(user: string): { uid: number; gid: number } | undefined {
  const uid = spawnSync('id', ['-u', user], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', user], { encoding: 'utf8' });
  if (uid.status !== 0 || gid.status !== 0) return undefined;
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

function findExecutable(name: string, extra: readonly string[]): string | undefined {
  for (const dir of [...(process.env.PATH ?? '').split(delimiter), ...extra]) {
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

/**
 * Finds PostgreSQL's server binaries (`initdb`, `pg_ctl`, `postgres`) and, when this process is root,
 * a way to run them as another user. Looks only in `$SEMPER_PG_BIN` when it is set; otherwise in
 * `/usr/lib/postgresql/<major>/bin` (newest first), `pg_config --bindir`, `$PATH` and common folders. Returns why not when they cannot be
 * used: no binaries, `postgres --version` fails, root without a `postgres` user or without `runuser`.
 *
 * @example
 * ```ts
 * const found = findPostgresBinaries();
 * if (!found.available) console.log(`no server: ${found.reason}`);
 * ```
 */
export function findPostgresBinaries(): PostgresBinaries | PostgresUnavailable {
  const dirs = candidateBinDirs();
  const binDir = dirs.find(hasTools);
  if (!binDir) {
    return {
      available: false,
      reason: process.env.SEMPER_PG_BIN
        ? `no PostgreSQL server binaries (${SERVER_TOOLS.join(', ')}) in SEMPER_PG_BIN=${process.env.SEMPER_PG_BIN}`
        : `no PostgreSQL server binaries (${SERVER_TOOLS.join(', ')}) found; looked in ${dirs.join(', ')} (set SEMPER_PG_BIN to their folder)`,
    };
  }
  const version = spawnSync(join(binDir, 'postgres'), ['--version'], { encoding: 'utf8' });
  if (version.status !== 0) {
    return {
      available: false,
      reason: `${join(binDir, 'postgres')} --version failed: ${(version.stderr || version.error?.message || '').trim()}`,
    };
  }
  const versionText = version.stdout.trim();
  const major = Number(/\(PostgreSQL\)\s+(\d+)/.exec(versionText)?.[1] ?? Number.NaN);
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot) return { available: true, binDir, version: versionText, major };

  const user = process.env.SEMPER_PG_USER ?? 'postgres';
  const ids = userIds(user);
  if (!ids) {
    return {
      available: false,
      reason: `running as root and PostgreSQL refuses root, but there is no '${user}' user to run it as (set SEMPER_PG_USER)`,
    };
  }
  if (ids.uid === 0) return { available: false, reason: `running as root and user '${user}' is root too` };
  const runuser = findExecutable('runuser', ['/usr/sbin', '/sbin', '/usr/bin', '/bin']);
  if (!runuser) {
    return {
      available: false,
      reason: `running as root and cannot switch to user '${user}': no runuser on this machine`,
    };
  }
  const probe = spawnSync(runuser, ['-u', user, '--', join(binDir, 'postgres'), '--version'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    return {
      available: false,
      reason: `running as root and cannot switch to user '${user}' with runuser: ${(probe.stderr || probe.error?.message || '').trim()}`,
    };
  }
  return { available: true, binDir, version: versionText, major, runAs: { user, ...ids, runuser } };
}

/** A free TCP port on 127.0.0.1 (bound to port 0, then released). */
export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('could not find a free port'))));
    });
  });
}

interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs one of the server's tools, as the server's user when root; never throws on a non-zero exit. */
function runTool(bin: PostgresBinaries, tool: string, args: string[], cwd: string): Promise<RunResult> {
  const file = bin.runAs ? bin.runAs.runuser : join(bin.binDir, tool);
  const argv = bin.runAs ? ['-u', bin.runAs.user, '--', join(bin.binDir, tool), ...args] : args;
  return new Promise((resolve, reject) => {
    execFile(
      file,
      argv,
      // cwd: a folder the server's user can enter (pg_ctl and initdb complain otherwise).
      { cwd, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024, env: { ...process.env, LC_ALL: 'C', LANG: 'C' } },
      (err, stdout, stderr) => {
        if (err && typeof (err as NodeJS.ErrnoException).code === 'string') return reject(err);
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

async function readPostmasterPid(dataDir: string): Promise<number | undefined> {
  try {
    const first = (await readFile(join(dataDir, 'postmaster.pid'), 'utf8')).split('\n')[0];
    const pid = Number(first);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function waitGone(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
}

async function tail(file: string, lines = 20): Promise<string> {
  try {
    return (await readFile(file, 'utf8')).trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** `pg_ctl` as the server's user: the command and its leading arguments. */
function pgCtlCommand(bin: PostgresBinaries): [string, ...string[]] {
  const pgCtl = join(bin.binDir, 'pg_ctl');
  return bin.runAs ? [bin.runAs.runuser, '-u', bin.runAs.user, '--', pgCtl] : [pgCtl];
}

/**
 * The watchdog's program (CommonJS, run by `node -e`). It holds the read end of a pipe from this process
 * and ignores the terminal's signals; when the pipe closes — this process exited, however it ended
 * (crash, SIGHUP, SIGKILL, an `exit` hook that never ran) — it stops the server by its pid file
 * (`pg_ctl stop -m immediate`, then a signal to the pid in `postmaster.pid` if that did not do it)
 * and removes the folder. `stop()` ends it with SIGTERM first, so it does nothing on a normal stop.
 */
const WATCHDOG = `
const { spawnSync } = require('node:child_process');
const { readFileSync, rmSync } = require('node:fs');
const { join } = require('node:path');
const c = JSON.parse(process.argv[1]);
for (const signal of ['SIGINT', 'SIGHUP', 'SIGQUIT', 'SIGPIPE']) process.on(signal, () => {});
const pidOf = () => { try { const n = Number(readFileSync(join(c.dataDir, 'postmaster.pid'), 'utf8').split('\\n')[0]); return n > 0 ? n : 0; } catch { return 0; } };
const alive = (pid) => { try { process.kill(pid, 0); return true; } catch (e) { return e.code === 'EPERM'; } };
let done = false;
const cleanup = () => {
  if (done) return;
  done = true;
  const pid = pidOf();
  if (pid && alive(pid)) {
    spawnSync(c.cmd[0], [...c.cmd.slice(1), 'stop', '-D', c.dataDir, '-m', 'immediate', '-w', '-t', '30'], { cwd: c.baseDir, stdio: 'ignore' });
    if (alive(pid)) { try { process.kill(pid, 'SIGKILL'); } catch {} }
  }
  if (!c.keep) rmSync(c.baseDir, { recursive: true, force: true });
  process.exit(0);
};
process.stdin.on('data', () => {});
process.stdin.on('end', cleanup);
process.stdin.on('close', cleanup);
process.stdin.on('error', cleanup);
process.stdin.resume();
`;

/**
 * Starts the watchdog of the server in `baseDir`: a detached Node process (its own process group, so a
 * Ctrl-C to the test run does not kill it before it has cleaned up) that does not keep this process
 * alive. Resolves to the function that ends it (on a normal stop).
 */
function startWatchdog(bin: PostgresBinaries, s: { baseDir: string; dataDir: string; keep: boolean }): () => void {
  return spawnWatchdog(WATCHDOG, { cmd: pgCtlCommand(bin), baseDir: s.baseDir, dataDir: s.dataDir, keep: s.keep });
}

/**
 * Starts a private PostgreSQL server for tests: `initdb -A trust` (superuser `postgres`, UTF-8, C
 * locale, `--no-sync`) in a new folder under the OS temp folder, then `pg_ctl start` listening on
 * 127.0.0.1 only (the unix socket in that folder), with `fsync=off`. Throws, with the end of the server
 * log, when a step fails. `stop()` runs `pg_ctl stop -m fast`, checks the pid from `postmaster.pid` is
 * gone (signalling that pid if `pg_ctl` did not stop it), and removes the folder.
 *
 * Nothing is left behind when the caller cannot call `stop()`: a server still running when this process
 * exits normally or on SIGINT/SIGTERM is stopped by an `exit` hook, and a watchdog process stops it by
 * its pid file when this process dies in any other way (SIGHUP, SIGKILL, a crash).
 *
 * @example
 * ```ts
 * const pg = await startPostgres();
 * try {
 *   console.log(pg.url); // postgres://postgres@127.0.0.1:54321/postgres
 * } finally {
 *   await pg.stop();
 * }
 * ```
 */
export async function startPostgres(options: StartPostgresOptions = {}): Promise<PostgresServer> {
  let bin: PostgresBinaries;
  if (options.binaries) bin = options.binaries;
  else {
    const found = findPostgresBinaries();
    if (!found.available) throw new Error(`cannot start PostgreSQL: ${found.reason}`);
    bin = found;
  }
  const keep = options.keep ?? false;
  const baseDir = await mkdtemp(join(tmpdir(), 'semper-pg-'));
  const dataDir = join(baseDir, 'data');
  const logFile = join(baseDir, 'postgres.log');
  let endWatchdog: (() => void) | undefined;
  try {
    await chmod(baseDir, 0o700);
    if (bin.runAs) await chown(baseDir, bin.runAs.uid, bin.runAs.gid);
    // Before anything runs in the folder: from here on, dying leaves nothing behind.
    endWatchdog = startWatchdog(bin, { baseDir, dataDir, keep });

    const init = await runTool(
      bin,
      'initdb',
      ['-D', dataDir, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale=C', '--no-sync', '--no-instructions'],
      baseDir,
    );
    if (init.code !== 0) throw new Error(`initdb failed (${init.code}): ${init.stderr.trim() || init.stdout.trim()}`);

    // A port found free may be taken before the server binds it: try a few times when none was given.
    const attempts = options.port === undefined ? 3 : 1;
    for (let attempt = 1; ; attempt++) {
      const port = options.port ?? (await findFreePort());
      const serverOptions = [
        `-p ${port}`,
        "-c listen_addresses='127.0.0.1'",
        `-c unix_socket_directories='${baseDir}'`,
        '-c fsync=off',
        '-c synchronous_commit=off',
        '-c full_page_writes=off',
        '-c max_connections=50',
      ].join(' ');
      const start = await runTool(
        bin,
        'pg_ctl',
        ['start', '-D', dataDir, '-l', logFile, '-w', '-t', '60', '-o', serverOptions],
        baseDir,
      );
      if (start.code === 0) {
        const pid = await readPostmasterPid(dataDir);
        if (!pid) throw new Error(`PostgreSQL started but ${join(dataDir, 'postmaster.pid')} has no pid`);
        return track(bin, { baseDir, dataDir, logFile, port, pid, keep, endWatchdog });
      }
      if (attempt >= attempts) {
        throw new Error(
          `pg_ctl start failed (${start.code}): ${start.stderr.trim() || start.stdout.trim()}\n--- ${logFile} ---\n${await tail(logFile)}`,
        );
      }
    }
  } catch (err) {
    // Nothing is left running on failure: a half-started server is stopped, the folder removed.
    const pid = await readPostmasterPid(dataDir);
    if (pid && isAlive(pid)) {
      await runTool(bin, 'pg_ctl', ['stop', '-D', dataDir, '-m', 'immediate', '-w'], baseDir).catch(() => undefined);
      if (isAlive(pid)) killQuietly(pid, 'SIGKILL');
    }
    endWatchdog?.();
    if (!keep) await rm(baseDir, { recursive: true, force: true });
    throw err;
  }
}

function killQuietly(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

function track(
  bin: PostgresBinaries,
  s: {
    baseDir: string;
    dataDir: string;
    logFile: string;
    port: number;
    pid: number;
    keep: boolean;
    endWatchdog: () => void;
  },
): PostgresServer {
  const { baseDir, dataDir, logFile, port, pid, keep, endWatchdog } = s;
  const stopNow = () => {
    const [file, ...lead] = pgCtlCommand(bin);
    spawnSync(file, [...lead, 'stop', '-D', dataDir, '-m', 'immediate', '-w', '-t', '30'], {
      cwd: baseDir,
      stdio: 'ignore',
    });
    if (isAlive(pid)) killQuietly(pid, 'SIGKILL');
    endWatchdog();
    if (!keep) rmSync(baseDir, { recursive: true, force: true });
  };
  stopAtExit(`postgres:${pid}`, stopNow);
  let stopping: Promise<void> | undefined;
  const stop = async (): Promise<void> => {
    const result = await runTool(bin, 'pg_ctl', ['stop', '-D', dataDir, '-m', 'fast', '-w', '-t', '60'], baseDir);
    let gone = await waitGone(pid, 15_000);
    let forced = '';
    if (!gone) {
      // pg_ctl did not stop it: SIGQUIT is PostgreSQL's immediate shutdown; SIGKILL if even that is ignored.
      killQuietly(pid, 'SIGQUIT');
      gone = await waitGone(pid, 5_000);
      forced = 'SIGQUIT';
      if (!gone) {
        killQuietly(pid, 'SIGKILL');
        gone = await waitGone(pid, 5_000);
        forced = 'SIGKILL';
      }
    }
    forgetAtExit(`postgres:${pid}`);
    endWatchdog();
    const log = forced ? await tail(logFile) : '';
    if (!keep) await rm(baseDir, { recursive: true, force: true });
    if (forced) {
      throw new Error(
        `PostgreSQL (pid ${pid}) did not stop with pg_ctl stop (${result.code}: ${result.stderr.trim()}); ${gone ? `stopped with ${forced}` : 'still running after SIGKILL'}\n${log}`,
      );
    }
  };
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    dataDir,
    baseDir,
    logFile,
    pid,
    version: bin.version,
    stop: () => {
      stopping ??= stop();
      return stopping;
    },
  };
}
