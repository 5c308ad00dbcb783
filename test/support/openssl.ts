// Runs the `openssl` command line tool, the interoperability oracle for CMS and X.509, in a private folder.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface OpensslResult {
  code: number;
  stdout: Buffer;
  stderr: string;
}

/** Runs `openssl ...args` in `cwd`; never throws on a non-zero exit (callers assert on `code`). */
export function openssl(args: string[], opts: { cwd?: string; input?: Uint8Array } = {}): Promise<OpensslResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      'openssl',
      args,
      { cwd: opts.cwd, encoding: 'buffer', maxBuffer: 256 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err && typeof (err as NodeJS.ErrnoException).code === 'string') return reject(err); // spawn failure
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr: stderr.toString('utf8') });
      },
    );
    if (opts.input) child.stdin?.end(opts.input);
    else child.stdin?.end();
  });
}

/** Like {@link openssl} but throws with stderr when the exit code is not 0. */
export async function opensslOk(args: string[], opts: { cwd?: string; input?: Uint8Array } = {}): Promise<Buffer> {
  const r = await openssl(args, opts);
  if (r.code !== 0) throw new Error(`openssl ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}

/** A private scratch folder with helpers to write and read files in it. */
export interface Scratch {
  dir: string;
  path(name: string): string;
  write(name: string, data: string | Uint8Array): Promise<string>;
  read(name: string): Promise<Buffer>;
  dispose(): Promise<void>;
}

export async function scratch(prefix = 'semper-test-'): Promise<Scratch> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return {
    dir,
    path: (name) => join(dir, name),
    write: async (name, data) => {
      const p = join(dir, name);
      await writeFile(p, data);
      return p;
    },
    read: (name) => readFile(join(dir, name)),
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
}
