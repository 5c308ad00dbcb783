// One PGlite data folder, one process, one store: PGlite has no postmaster to stop a second writer, and
// two engines writing one folder corrupt it. A lock file beside PGlite's own folder says who has it.
import { open, readFile, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { StoreError } from './errors.js';

const LOCK_FILE = 'semper-store.lock';

/** Lock files this process holds. */
const held = new Set<string>();

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes the lock of the store folder `dir` (which must exist), or throws `ERR_STORE_LOCKED` when this
 * process or another live one holds it. A lock left by a process that is gone (same host) is taken over.
 * Resolves to the function that releases it.
 *
 * @internal
 */
export async function lockDataDir(dir: string): Promise<() => Promise<void>> {
  const path = join(dir, LOCK_FILE);
  if (held.has(path)) {
    throw new StoreError('ERR_STORE_LOCKED', `the store folder ${dir} is already open in this process`);
  }
  const me = hostname();
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const handle = await open(path, 'wx', 0o600);
      try {
        await handle.writeFile(`${process.pid}\n${me}\n`);
      } finally {
        await handle.close();
      }
      held.add(path);
      let released = false;
      return async () => {
        if (released) return;
        released = true;
        held.delete(path);
        await unlink(path).catch(() => undefined);
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new StoreError('ERR_STORE_OPEN_FAILED', `cannot create the lock file ${path}`, { cause: err });
      }
    }
    const [pidText = '', host = ''] = (await readFile(path, 'utf8').catch(() => '')).split('\n');
    const pid = Number(pidText);
    const owner = Number.isInteger(pid) && pid > 0 ? `process ${pid} on ${host || 'an unknown host'}` : 'another store';
    if (pid === process.pid || host !== me || !(Number.isInteger(pid) && pid > 0) || isAlive(pid)) {
      // Held by a live process, by a store of this process not closed, or by another host: not ours to break.
      // (An empty file is a lock being written right now.)
      if (pidText !== '' || attempt === 2) {
        throw new StoreError(
          'ERR_STORE_LOCKED',
          `the store folder ${dir} is in use by ${owner} (remove ${path} only if no process uses the folder)`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
      continue;
    }
    await unlink(path).catch(() => undefined); // stale: its process is gone
  }
  throw new StoreError('ERR_STORE_LOCKED', `cannot take the lock ${path}`);
}
