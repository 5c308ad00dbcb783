// Throwaway mail servers for tests: Postfix (SMTP submission with STARTTLS and AUTH) delivering over LMTP
// to Dovecot (POP3 and IMAP), all on free loopback ports, all state in a private folder, stopped by pid.
//
// The work is done by the scripts in ./mail/ (install.sh, start.sh, stop.sh), which a developer can also
// run by hand; this module finds the binaries, picks the ports, runs the scripts, watches over the servers
// (a watchdog process stops them if this process dies without calling `stop()`) and checks that they are
// really gone after `stop()`.
import { execFile, spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { findFreePort } from './postgres.js';
import { forgetAtExit, spawnWatchdog, stopAtExit } from './process.js';

/** The folder of the harness scripts (`install.sh`, `start.sh`, `stop.sh`). */
export const MAIL_SCRIPTS_DIR: string = resolve(import.meta.dirname, 'mail');

/** The test domain of the mailboxes. */
export const MAIL_TEST_DOMAIN = 'sdc.test';

/** The parties' mailboxes, `<name>@sdc.test` with password `<name>pass`. */
export const MAIL_PARTIES: readonly string[] = ['hub', 'agency1', 'agency2'];

/** Where Postfix and Dovecot are, when they can be run. */
export interface MailServerBinaries {
  readonly available: true;
  /** The folder holding `postfix` and `dovecot`. */
  readonly sbin: string;
  /** e.g. `Postfix 3.7.11, Dovecot 2.3.19.1`. */
  readonly version: string;
}

/** Why the mail servers cannot be started here. */
export interface MailServersUnavailable {
  readonly available: false;
  readonly reason: string;
}

/** A mailbox of the running servers. */
export interface MailboxAccount {
  /** `name@domain`: the address, and the login for SMTP AUTH, POP3 and IMAP. */
  readonly address: string;
  readonly password: string;
}

/** Where the servers listen; plain data, so that it can be handed to test workers (`provide`/`inject`). */
export interface MailServersInfo {
  /** Always `127.0.0.1`. */
  readonly host: string;
  readonly domain: string;
  /** SMTP submission: STARTTLS offered, AUTH PLAIN/LOGIN required. */
  readonly smtpPort: number;
  /** SMTP without TLS or AUTH (for the test domain only). */
  readonly smtpPlainPort: number;
  /** POP3, plain text or STARTTLS (STLS). */
  readonly pop3Port: number;
  /** IMAP, plain text or STARTTLS. */
  readonly imapPort: number;
  /** POP3 over implicit TLS (POP3S). */
  readonly pop3sPort: number;
  /** IMAP over implicit TLS (IMAPS). */
  readonly imapsPort: number;
  /** The self-made server certificate (PEM) that clients trust; it covers `localhost` and `127.0.0.1`. */
  readonly ca: string;
  /** Mailboxes by name (`hub`, `agency1`, `agency2`, and any extra ones asked for). */
  readonly mailboxes: Readonly<Record<string, MailboxAccount>>;
}

/** A running pair of servers, from {@link startMailServers}. */
export interface MailServers extends MailServersInfo {
  /** The private folder holding configuration, mail, queue and logs. */
  readonly baseDir: string;
  readonly logDir: string;
  /** The masters' pids. */
  readonly pids: { readonly postfix: number; readonly dovecot: number };
  readonly version: string;
  /** How long `start.sh` took, in milliseconds (configuration, certificate, both servers, every port open). */
  readonly startMs: number;
  /** The plain data of these servers (for `provide`). */
  info(): MailServersInfo;
  /** Stops both servers by pid (stop.sh), checks their pids are gone, then removes the folder. */
  stop(): Promise<void>;
}

/** Options of {@link startMailServers}. */
export interface StartMailServersOptions {
  /** Names of extra mailboxes besides the parties' (password `<name>pass`). */
  readonly extraMailboxes?: readonly string[];
  /** The binaries; default {@link findMailServers}(). */
  readonly binaries?: MailServerBinaries;
  /** Keep the folder after `stop()` (to read the logs); default false. */
  readonly keep?: boolean;
  /**
   * Where the private folder is made: default `$SEMPER_MAIL_DIR`, else `/dev/shm` when it is a writable
   * memory file system (Postfix fsyncs every queued message, Dovecot every delivery: on a disk that
   * costs 20–40 ms a message), else the OS temp folder.
   */
  readonly parentDir?: string;
}

const TOOLS = ['postfix', 'dovecot'];
const DEFAULT_SBIN_DIRS = ['/usr/sbin', '/usr/local/sbin', '/sbin'];

function candidateDirs(): string[] {
  // An explicit folder is the only one looked in: a wrong setting must not silently pick other binaries,
  // and pointing it at an empty folder is how a machine without the servers is tried on one that has them.
  if (process.env.SEMPER_MAIL_SBIN) return [process.env.SEMPER_MAIL_SBIN];
  const dirs = [...DEFAULT_SBIN_DIRS, ...(process.env.PATH ?? '').split(delimiter).filter(Boolean)];
  return [...new Set(dirs)];
}

function versionOf(file: string, args: string[], pattern: RegExp): string | undefined {
  const r = spawnSync(file, args, { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } });
  const text = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  return r.status === 0 ? (pattern.exec(text)?.[1] ?? text.trim()) : undefined;
}

/**
 * Finds Postfix and Dovecot and checks they can be started here: both binaries (only in
 * `$SEMPER_MAIL_SBIN` when it is set; otherwise `/usr/sbin`, `/usr/local/sbin`, `/sbin`, `$PATH`), their
 * versions, Dovecot's POP3, IMAP and LMTP services, the `postfix` user and `dovecot` group, `openssl`,
 * `bash` and `ps`, and root (both servers start as root and drop privileges). Returns why not otherwise.
 *
 * @example
 * ```ts
 * const found = findMailServers();
 * if (!found.available) console.log(`no mail servers: ${found.reason}`);
 * ```
 */
export function findMailServers(): MailServerBinaries | MailServersUnavailable {
  const dirs = candidateDirs();
  const sbin = dirs.find((dir) => TOOLS.every((tool) => existsSync(join(dir, tool))));
  const install = `install them with \`sudo ${join('test/harness/mail', 'install.sh')}\` (Debian/Ubuntu)`;
  if (!sbin) {
    return {
      available: false,
      reason: process.env.SEMPER_MAIL_SBIN
        ? `no Postfix and Dovecot (${TOOLS.join(', ')}) in SEMPER_MAIL_SBIN=${process.env.SEMPER_MAIL_SBIN}`
        : `Postfix and Dovecot are not installed (no ${TOOLS.join(', ')} in ${dirs.join(', ')}); ${install}`,
    };
  }
  const postfixVersion = versionOf(join(sbin, 'postconf'), ['-d', '-h', 'mail_version'], /^(\S+)/);
  const dovecotVersion = versionOf(join(sbin, 'dovecot'), ['--version'], /^(\S+)/);
  if (!dovecotVersion) return { available: false, reason: `${join(sbin, 'dovecot')} --version failed` };
  if (!postfixVersion) return { available: false, reason: `${join(sbin, 'postconf')} -d mail_version failed` };
  const libexec = '/usr/lib/dovecot';
  if (sbin === '/usr/sbin' && existsSync(libexec)) {
    const missing = ['pop3', 'imap', 'lmtp'].filter((s) => !existsSync(join(libexec, s)));
    if (missing.length > 0) return { available: false, reason: `Dovecot lacks ${missing.join(', ')}; ${install}` };
  }
  if (spawnSync('id', ['-u', 'postfix'], { stdio: 'ignore' }).status !== 0) {
    return { available: false, reason: `no user postfix (Postfix's package creates it); ${install}` };
  }
  if (!hasGroup('dovecot')) {
    return { available: false, reason: `no group dovecot (Dovecot's package creates it); ${install}` };
  }
  for (const tool of ['openssl', 'bash', 'ps']) {
    if (spawnSync(tool, tool === 'openssl' ? ['version'] : ['--version'], { stdio: 'ignore' }).status !== 0) {
      return { available: false, reason: `no working ${tool} on the PATH (the harness scripts need it)` };
    }
  }
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    return {
      available: false,
      reason: 'the mail servers need root (Postfix and Dovecot start as root and drop privileges); run as root',
    };
  }
  return { available: true, sbin, version: `Postfix ${postfixVersion}, Dovecot ${dovecotVersion}` };
}

function hasGroup(name: string): boolean {
  try {
    return readFileSync('/etc/group', 'utf8')
      .split('\n')
      .some((line) => line.startsWith(`${name}:`));
  } catch {
    return false;
  }
}

/**
 * Installs Postfix and Dovecot with `test/harness/mail/install.sh` (Debian/Ubuntu, root, apt-get, no
 * prompts, no system service started; does nothing when they are installed). Rejects with the script's
 * output on failure.
 *
 * @example
 * ```ts
 * if (!findMailServers().available) await installMailServers();
 * ```
 */
export function installMailServers(): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    execFile(
      'bash',
      [join(MAIL_SCRIPTS_DIR, 'install.sh')],
      { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`install.sh failed: ${(stderr || stdout || err.message).trim()}`));
        else resolvePromise(stdout.trim());
      },
    );
  });
}

interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

function runScript(script: string, env: Record<string, string>): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    execFile(
      'bash',
      [join(MAIL_SCRIPTS_DIR, script)],
      { encoding: 'utf8', timeout: 60_000, env: { ...process.env, LC_ALL: 'C', ...env } },
      (err, stdout, stderr) => {
        if (err && typeof (err as NodeJS.ErrnoException).code === 'string') return reject(err);
        resolvePromise({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

/** Whether `pid` runs (a zombie, dead but not yet reaped by init, does not). */
function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^Z/.test(stat.slice(stat.lastIndexOf(')') + 2));
  } catch {
    return false;
  }
}

/** The live pids of session `sid` (the master's pid). */
function sessionMembers(sid: number): number[] {
  const r = spawnSync('ps', ['-eo', 'pid=,sid=,stat='], { encoding: 'utf8' });
  return (r.stdout ?? '')
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(([pid, s, stat]) => Number(s) === sid && Number(pid) > 0 && !stat?.startsWith('Z'))
    .map(([pid]) => Number(pid));
}

async function readPid(file: string): Promise<number | undefined> {
  try {
    const pid = Number((await readFile(file, 'utf8')).trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The watchdog's program (CommonJS, run by `node -e`): it holds the read end of a pipe from this process
 * and ignores the terminal's signals; when the pipe closes — this process exited, however it ended
 * (crash, SIGKILL, an `exit` hook that never ran) — it runs stop.sh on the folder (stop by pid file) and
 * removes the folder. `stop()` ends it with SIGTERM first, so it does nothing on a normal stop.
 */
const WATCHDOG = `
const { spawnSync } = require('node:child_process');
const { rmSync } = require('node:fs');
const c = JSON.parse(process.argv[1]);
for (const signal of ['SIGINT', 'SIGHUP', 'SIGQUIT', 'SIGPIPE']) process.on(signal, () => {});
let done = false;
const cleanup = () => {
  if (done) return;
  done = true;
  spawnSync('bash', [c.stop], { env: { ...process.env, MH_DIR: c.baseDir }, stdio: 'ignore', timeout: 30000 });
  if (!c.keep) rmSync(c.baseDir, { recursive: true, force: true });
  process.exit(0);
};
process.stdin.on('data', () => {});
process.stdin.on('end', cleanup);
process.stdin.on('close', cleanup);
process.stdin.on('error', cleanup);
process.stdin.resume();
`;

function startWatchdog(baseDir: string, keep: boolean): () => void {
  return spawnWatchdog(WATCHDOG, { stop: join(MAIL_SCRIPTS_DIR, 'stop.sh'), baseDir, keep });
}

function defaultParentDir(): string {
  if (process.env.SEMPER_MAIL_DIR) return process.env.SEMPER_MAIL_DIR;
  try {
    accessSync('/dev/shm', constants.W_OK);
    if (statSync('/dev/shm').isDirectory()) return '/dev/shm';
  } catch {
    // no memory file system here
  }
  return tmpdir();
}

/**
 * Starts Postfix and Dovecot for tests (test/harness/mail/start.sh) in a new private folder under the OS
 * temp folder, on seven free loopback ports (SMTP submission, plain SMTP, POP3, IMAP, POP3S, IMAPS, LMTP), with the
 * parties' mailboxes `hub|agency1|agency2@sdc.test` (password `<name>pass`) and any extra ones. Throws,
 * with the end of the servers' logs, when they do not come up (after stopping whatever did).
 *
 * Nothing is left behind when the caller cannot call `stop()`: an `exit` hook stops the servers when this
 * process exits normally, and a watchdog process stops them by pid file when it dies in any other way.
 *
 * @example
 * ```ts
 * const mail = await startMailServers();
 * try {
 *   console.log(mail.smtpPort, mail.mailboxes.hub.address); // 40123 hub@sdc.test
 * } finally {
 *   await mail.stop();
 * }
 * ```
 */
export async function startMailServers(options: StartMailServersOptions = {}): Promise<MailServers> {
  let bin: MailServerBinaries;
  if (options.binaries) bin = options.binaries;
  else {
    const found = findMailServers();
    if (!found.available) throw new Error(`cannot start the mail servers: ${found.reason}`);
    bin = found;
  }
  const keep = options.keep ?? false;
  const names = [...new Set([...MAIL_PARTIES, ...(options.extraMailboxes ?? [])])];
  for (const name of names) {
    if (!/^[a-z0-9][a-z0-9.-]*$/.test(name)) throw new Error(`bad mailbox name: ${name}`);
  }
  const mailboxes: Record<string, MailboxAccount> = {};
  for (const name of names) mailboxes[name] = { address: `${name}@${MAIL_TEST_DOMAIN}`, password: `${name}pass` };
  const baseDir = await mkdtemp(join(options.parentDir ?? defaultParentDir(), 'semper-mail-'));
  const endWatchdog = startWatchdog(baseDir, keep);
  const stopScript = () => runScript('stop.sh', { MH_DIR: baseDir });
  try {
    // A port found free may be taken before a server binds it: try again with new ports.
    for (let attempt = 1; ; attempt++) {
      const ports: number[] = [];
      while (ports.length < 7) {
        const port = await findFreePort();
        if (!ports.includes(port)) ports.push(port);
      }
      const [smtpPort, smtpPlainPort, pop3Port, imapPort, pop3sPort, imapsPort, lmtpPort] = ports as [
        number,
        number,
        number,
        number,
        number,
        number,
        number,
      ];
      const started = performance.now();
      const result = await runScript('start.sh', {
        MH_DIR: baseDir,
        MH_SBIN: bin.sbin,
        MH_DOMAIN: MAIL_TEST_DOMAIN,
        MH_USERS: names.map((name) => `${name}:${mailboxes[name]!.password}`).join(' '),
        MH_SMTP_PORT: String(smtpPort),
        MH_SMTP_PLAIN_PORT: String(smtpPlainPort),
        MH_POP3_PORT: String(pop3Port),
        MH_IMAP_PORT: String(imapPort),
        MH_POP3S_PORT: String(pop3sPort),
        MH_IMAPS_PORT: String(imapsPort),
        MH_LMTP_PORT: String(lmtpPort),
      });
      const startMs = Math.round(performance.now() - started);
      if (result.code === 0) {
        const run = join(baseDir, 'run');
        const postfix = await readPid(join(run, 'postfix.pid'));
        const dovecot = await readPid(join(run, 'dovecot.pid'));
        if (!postfix || !dovecot) throw new Error(`start.sh left no pid files in ${run}`);
        const ca = await readFile(join(baseDir, 'etc', 'tls', 'cert.pem'), 'utf8');
        const info: MailServersInfo = {
          host: '127.0.0.1',
          domain: MAIL_TEST_DOMAIN,
          smtpPort,
          smtpPlainPort,
          pop3Port,
          imapPort,
          pop3sPort,
          imapsPort,
          ca,
          mailboxes,
        };
        return track({ info, baseDir, pids: { postfix, dovecot }, version: bin.version, startMs, keep, endWatchdog });
      }
      await stopScript().catch(() => undefined);
      const text = `${result.stderr}${result.stdout}`.trim();
      if (attempt >= 3 || !/did not open|address already in use/i.test(text)) {
        throw new Error(`start.sh failed (${result.code}): ${text}`);
      }
    }
  } catch (err) {
    await stopScript().catch(() => undefined);
    endWatchdog();
    if (!keep) await rm(baseDir, { recursive: true, force: true });
    throw err;
  }
}

function track(s: {
  info: MailServersInfo;
  baseDir: string;
  pids: { postfix: number; dovecot: number };
  version: string;
  startMs: number;
  keep: boolean;
  endWatchdog: () => void;
}): MailServers {
  const { info, baseDir, pids, keep, endWatchdog } = s;
  const masters = [pids.postfix, pids.dovecot];
  const stopNow = () => {
    spawnSync('bash', [join(MAIL_SCRIPTS_DIR, 'stop.sh')], {
      env: { ...process.env, MH_DIR: baseDir },
      stdio: 'ignore',
      timeout: 30_000,
    });
    endWatchdog();
    if (!keep) rmSync(baseDir, { recursive: true, force: true });
  };
  stopAtExit(`mail:${baseDir}`, stopNow);
  let stopping: Promise<void> | undefined;
  const stop = async (): Promise<void> => {
    const result = await runScript('stop.sh', { MH_DIR: baseDir });
    // stop.sh signalled the masters' sessions; check here too that nothing of theirs is left.
    const left = masters.filter(isAlive).concat(masters.flatMap(sessionMembers));
    forgetAtExit(`mail:${baseDir}`);
    endWatchdog();
    if (!keep) await rm(baseDir, { recursive: true, force: true });
    if (result.code !== 0 || left.length > 0) {
      throw new Error(
        `the mail servers did not stop cleanly (stop.sh ${result.code}: ${result.stderr.trim()}); still running: ${[...new Set(left)].join(', ') || 'nothing'}`,
      );
    }
  };
  return {
    ...info,
    baseDir,
    logDir: join(baseDir, 'log'),
    pids,
    version: s.version,
    startMs: s.startMs,
    info: () => info,
    stop: () => {
      stopping ??= stop();
      return stopping;
    },
  };
}
