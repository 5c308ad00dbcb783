// Crash-safe file writes for the folder transport: write to a temp file in the same directory, fsync it,
// rename it to its final name, fsync the directory. A reader that lists only final names therefore never
// sees a partial file; a crash leaves at most a temp file, which readers ignore and `cleanTempFiles` removes.
import { createHash, randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, open, readdir, rename, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';

/** Temp files start with this; nothing else in a transfer folder does. */
export const TEMP_PREFIX = '.tmp-';
const TEMP = /^\.tmp-([0-9a-f]{8})-(\d{1,10})-[0-9a-f]{12}\.part$/;

const HOST_TAG = createHash('sha256').update(hostname()).digest('hex').slice(0, 8);

/** A new temp file name: `.tmp-<host hash>-<pid>-<random>.part`, so a cleaner can tell whose it is. */
export function tempName(): string {
  return `${TEMP_PREFIX}${HOST_TAG}-${process.pid}-${randomBytes(6).toString('hex')}.part`;
}

/** Whether `name` is a temp file name (any temp file, whoever wrote it). */
export function isTempName(name: string): boolean {
  return name.startsWith(TEMP_PREFIX);
}

/** fsyncs a directory, so that a rename in it is durable; a no-op where directories cannot be opened (Windows). */
export async function syncDirectory(dir: string): Promise<void> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EINVAL' && code !== 'EACCES') throw err;
  } finally {
    await handle?.close();
  }
}

/** Writes `data` to `dir/name` atomically (temp + fsync + rename + fsync of the directory). */
export async function writeFileAtomic(dir: string, name: string, data: Uint8Array, fsync = true): Promise<void> {
  const temp = join(dir, tempName());
  const handle = await open(temp, 'wx');
  try {
    try {
      await handle.writeFile(data);
      if (fsync) await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, join(dir, name));
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    throw err;
  }
  if (fsync) await syncDirectory(dir);
}

/** Renames `from` to `to` (same file system) and fsyncs both directories. */
export async function moveFile(fromDir: string, toDir: string, name: string, fsync = true): Promise<void> {
  await rename(join(fromDir, name), join(toDir, name));
  if (fsync) {
    await syncDirectory(toDir);
    if (toDir !== fromDir) await syncDirectory(fromDir);
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

/**
 * Removes the temp files in `dir` that no live writer can still rename: those of a process of this host
 * that has died (at once), and any older than `maxAgeMs` (whoever wrote them: another host's, on a
 * removable medium). Returns the names removed.
 */
export async function cleanTempFiles(dir: string, maxAgeMs: number, now: number = Date.now()): Promise<string[]> {
  const removed: string[] = [];
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return removed;
  }
  for (const name of names) {
    if (!isTempName(name)) continue;
    const match = TEMP.exec(name);
    let stale = false;
    if (match && match[1] === HOST_TAG && Number(match[2]) !== process.pid && !isAlive(Number(match[2]))) stale = true;
    if (!stale) {
      try {
        stale = now - (await lstat(join(dir, name))).mtimeMs > maxAgeMs;
      } catch {
        continue;
      }
    }
    if (!stale) continue;
    try {
      await unlink(join(dir, name));
      removed.push(name);
    } catch {
      // gone already, or not ours to remove: leave it
    }
  }
  return removed;
}

/**
 * Reads at most `maxBytes` from a regular file (not following a symbolic link); returns `undefined` when it
 * is larger (the size found is in `size`).
 */
export async function readBounded(
  path: string,
  maxBytes: number,
): Promise<{ readonly bytes: Uint8Array | undefined; readonly size: number }> {
  const handle = await open(path, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw Object.assign(new Error('not a regular file'), { code: 'ENOTREG' });
    if (stat.size > maxBytes) return { bytes: undefined, size: stat.size };
    const buffer = Buffer.allocUnsafe(Math.min(stat.size, maxBytes) + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length > maxBytes) return { bytes: undefined, size: length };
      if (length === buffer.length) break;
    }
    return { bytes: new Uint8Array(buffer.buffer, buffer.byteOffset, length), size: length };
  } finally {
    await handle.close();
  }
}
