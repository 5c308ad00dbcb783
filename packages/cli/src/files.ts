import { randomBytes } from 'node:crypto';
import { type FileHandle, open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { CliError } from './errors.js';

/** The largest input the command reads from a file or stdin: 64 MiB (the crypto engine's ASN.1 limit). */
export const MAX_INPUT_BYTES: number = 64 * 1024 * 1024;

/** A stream the command writes to (stdout, stderr). */
export interface OutputStream {
  write(chunk: string | Uint8Array): unknown;
}

/** A stream the command reads from (stdin); `isTTY`/`setRawMode` are used for passphrase prompts. */
export interface InputStream extends AsyncIterable<unknown> {
  readonly isTTY?: boolean;
  setRawMode?(mode: boolean): unknown;
  on(event: 'data', listener: (chunk: unknown) => void): unknown;
  off(event: 'data', listener: (chunk: unknown) => void): unknown;
  setEncoding?(encoding: 'utf8'): unknown;
  resume?(): unknown;
  pause?(): unknown;
}

/**
 * Where the command reads and writes: the standard streams, the environment (for `--passin env:VAR`) and the
 * folder relative file names are resolved against. Every field is optional in {@link main}; the defaults are
 * the process's.
 */
export interface CliIo {
  readonly stdout: OutputStream;
  readonly stderr: OutputStream;
  readonly stdin: InputStream;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
}

/** The name `-` stands for stdin (as input) or stdout (as output). */
export const STDIO = '-';

function ioFailure(code: 'ERR_CLI_READ' | 'ERR_CLI_WRITE', name: string, err: unknown): CliError {
  const errno = (err as NodeJS.ErrnoException | undefined)?.code;
  const why =
    errno === 'ENOENT'
      ? 'no such file or directory'
      : errno === 'EACCES' || errno === 'EPERM'
        ? 'permission denied'
        : errno === 'EISDIR'
          ? 'is a directory'
          : errno === 'ENOTDIR'
            ? 'a path component is not a directory'
            : errno === 'EROFS'
              ? 'read-only file system'
              : errno === 'ENOSPC'
                ? 'no space left on device'
                : (errno ?? 'I/O error');
  return new CliError(code, `cannot ${code === 'ERR_CLI_READ' ? 'read' : 'write'} ${name}: ${why}`, { cause: err });
}

function tooLarge(name: string, limit: number): CliError {
  return new CliError('ERR_CLI_TOO_LARGE', `${name} is larger than the limit of ${limit} bytes`);
}

async function readStream(stream: InputStream, limit: number): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of stream) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : (chunk as Uint8Array);
    total += bytes.length;
    if (total > limit) throw tooLarge('stdin', limit);
    chunks.push(bytes);
  }
  return Buffer.concat(chunks, total);
}

/**
 * Reads a whole input file (or stdin for `-`), refusing anything larger than `limit` before reading it all.
 *
 * @throws {@link CliError} `ERR_CLI_READ` or `ERR_CLI_TOO_LARGE`.
 */
export async function readInput(io: CliIo, name: string, limit: number = MAX_INPUT_BYTES): Promise<Uint8Array> {
  if (name === STDIO) {
    try {
      return await readStream(io.stdin, limit);
    } catch (err) {
      if (err instanceof CliError) throw err;
      throw ioFailure('ERR_CLI_READ', 'stdin', err);
    }
  }
  const path = resolve(io.cwd, name);
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    throw ioFailure('ERR_CLI_READ', name, err);
  }
  try {
    const info = await handle.stat();
    if (info.isDirectory()) throw ioFailure('ERR_CLI_READ', name, Object.assign(new Error(), { code: 'EISDIR' }));
    if (info.size > limit) throw tooLarge(name, limit);
    // The file may grow between stat and read: read at most limit + 1 bytes and check again.
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const buf = Buffer.allocUnsafe(Math.min(limit + 1 - total, 1024 * 1024) || 1);
      const { bytesRead } = await handle.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      total += bytesRead;
      if (total > limit) throw tooLarge(name, limit);
      chunks.push(buf.subarray(0, bytesRead));
    }
    return Buffer.concat(chunks, total);
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw ioFailure('ERR_CLI_READ', name, err);
  } finally {
    await handle.close();
  }
}

/** Reads an input as UTF-8 text (PEM files). */
export async function readText(io: CliIo, name: string, limit: number = MAX_INPUT_BYTES): Promise<string> {
  return Buffer.from(await readInput(io, name, limit)).toString('utf8');
}

/** One output of a command. */
export interface OutputFile {
  /** A file name (relative to {@link CliIo.cwd}) or `-` for stdout. */
  readonly name: string;
  readonly data: string | Uint8Array;
  /** File mode for a new file; `0o600` for private keys. Default `0o666` less the umask. */
  readonly mode?: number;
}

/**
 * Writes outputs atomically: each goes to a temporary file beside its target (created with the final mode,
 * flushed to disk), and only when every one is written are they renamed into place. A failure removes the
 * temporary files, so it never leaves a half-written output; an existing file is replaced whole or not at all.
 *
 * @throws {@link CliError} `ERR_CLI_WRITE`.
 */
export async function writeOutputs(io: CliIo, outputs: readonly OutputFile[]): Promise<void> {
  const staged: { tmp: string; path: string; name: string }[] = [];
  try {
    for (const out of outputs) {
      if (out.name === STDIO) continue;
      const path = resolve(io.cwd, out.name);
      const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
      let handle: FileHandle;
      try {
        handle = await open(tmp, 'wx', out.mode ?? 0o666);
      } catch (err) {
        throw ioFailure('ERR_CLI_WRITE', out.name, err);
      }
      staged.push({ tmp, path, name: out.name });
      try {
        await handle.writeFile(out.data);
        await handle.sync();
      } catch (err) {
        throw ioFailure('ERR_CLI_WRITE', out.name, err);
      } finally {
        await handle.close();
      }
    }
    while (staged.length > 0) {
      const next = staged[0];
      try {
        await rename(next.tmp, next.path);
      } catch (err) {
        throw ioFailure('ERR_CLI_WRITE', next.name, err);
      }
      staged.shift();
    }
  } finally {
    await Promise.all(staged.map((s) => unlink(s.tmp).catch(() => undefined)));
  }
  for (const out of outputs) {
    if (out.name === STDIO) io.stdout.write(out.data);
  }
}
