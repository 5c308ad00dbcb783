// What the server harnesses (postgres.ts, mail.ts) share: a watchdog process that cleans up after a test
// process that died, and stopping at a normal exit what the caller never stopped.
import { spawn } from 'node:child_process';

/**
 * Starts `script` (Node code, given its config as JSON in `process.argv[1]`) as a detached watchdog: its own
 * process group, so a Ctrl-C to the test run does not kill it before it has cleaned up, and neither the
 * process nor its stdin pipe keeps this process alive. The script sees its stdin close when this process
 * dies, however it dies. Returns the function that ends it (on a normal stop).
 */
export function spawnWatchdog(script: string, config: unknown): () => void {
  const child = spawn(process.execPath, ['-e', script, JSON.stringify(config)], {
    detached: true,
    stdio: ['pipe', 'ignore', 'ignore'],
    env: { PATH: process.env.PATH ?? '', LC_ALL: 'C', LANG: 'C' },
  });
  child.on('error', () => undefined);
  child.stdin?.on('error', () => undefined);
  child.unref();
  (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  return () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  };
}

/** Servers started by this process, stopped at exit if the caller never called `stop()`. */
const running = new Map<string, () => void>();
let exitHookInstalled = false;

/** Runs `stopNow` (synchronous) when this process exits normally, unless {@link forgetAtExit} comes first. */
export function stopAtExit(key: string, stopNow: () => void): void {
  running.set(key, stopNow);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const stop of running.values()) stop();
  });
}

/** The server under `key` was stopped: nothing to do for it at exit. */
export function forgetAtExit(key: string): void {
  running.delete(key);
}
