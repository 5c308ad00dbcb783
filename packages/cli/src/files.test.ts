import { chmod, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Scratch, scratch } from '../../../test/support/openssl.js';
import { CliError } from './errors.js';
import { type CliIo, type InputStream, readInput, writeOutputs } from './files.js';

let s: Scratch;
let io: CliIo;
const stdout: (string | Uint8Array)[] = [];

beforeAll(async () => {
  s = await scratch('semper-cli-files-');
  io = {
    stdout: { write: (c) => stdout.push(c) },
    stderr: { write: () => true },
    stdin: Readable.from([Buffer.from('from stdin')]) as unknown as InputStream,
    env: {},
    cwd: s.dir,
  };
});
afterAll(async () => {
  await s?.dispose();
});

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(CliError);
    return (err as CliError).code;
  }
  throw new Error('expected a failure');
}

describe('readInput', () => {
  it('reads a file relative to cwd, and stdin for -', async () => {
    await s.write('a.txt', 'hello');
    expect(Buffer.from(await readInput(io, 'a.txt')).toString()).toBe('hello');
    expect(Buffer.from(await readInput(io, '-')).toString()).toBe('from stdin');
  });

  it('refuses a file over the limit', async () => {
    await s.write('b.txt', '12345');
    expect(await codeOf(readInput(io, 'b.txt', 4))).toBe('ERR_CLI_TOO_LARGE');
    expect(Buffer.from(await readInput(io, 'b.txt', 5)).toString()).toBe('12345');
  });

  it('reports an unreadable file', async () => {
    if (process.getuid?.() === 0) return; // root reads anything
    await s.write('secret.txt', 'x');
    await chmod(s.path('secret.txt'), 0o000);
    expect(await codeOf(readInput(io, 'secret.txt'))).toBe('ERR_CLI_READ');
  });
});

describe('writeOutputs', () => {
  it('writes files with the mode asked, replacing existing ones whole', async () => {
    await s.write('key.pem', 'old');
    await chmod(s.path('key.pem'), 0o644);
    await writeOutputs(io, [
      { name: 'key.pem', data: 'new key', mode: 0o600 },
      { name: 'cert.pem', data: new Uint8Array([1, 2, 3]) },
    ]);
    expect((await readFile(s.path('key.pem'))).toString()).toBe('new key');
    expect((await stat(s.path('key.pem'))).mode & 0o777).toBe(0o600);
    expect([...(await readFile(s.path('cert.pem')))]).toEqual([1, 2, 3]);
  });

  it('writes - to stdout', async () => {
    stdout.length = 0;
    await writeOutputs(io, [{ name: '-', data: 'to stdout' }]);
    expect(stdout).toEqual(['to stdout']);
  });

  it('leaves nothing behind when one output cannot be written', async () => {
    await mkdir(s.path('w'));
    await writeFile(s.path('w/keep.pem'), 'original');
    const code = await codeOf(
      writeOutputs({ ...io, cwd: s.path('w') }, [
        { name: 'keep.pem', data: 'replaced' },
        { name: 'no/such/dir/out.pem', data: 'x' },
      ]),
    );
    expect(code).toBe('ERR_CLI_WRITE');
    expect(await readdir(s.path('w'))).toEqual(['keep.pem']); // no temporary file, no partial output
    expect((await readFile(s.path('w/keep.pem'))).toString()).toBe('original');
  });
});
