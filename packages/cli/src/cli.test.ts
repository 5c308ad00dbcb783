// The real command in a child process: `tsx --tsconfig tsconfig.base.json --conditions=@semper/source packages/cli/src/cli.ts …`
import { execFile } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Scratch, scratch } from '../../../test/support/openssl.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const tsx = join(root, 'node_modules/.bin/tsx');
const cli = join(root, 'packages/cli/src/cli.ts');

let s: Scratch;

function spawnSemper(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(
      tsx,
      ['--tsconfig', join(root, 'tsconfig.base.json'), '--conditions=@semper/source', cli, ...args],
      { cwd: s.dir, encoding: 'utf8' },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        done({ code, stdout, stderr });
      },
    );
  });
}

beforeAll(async () => {
  s = await scratch('semper-cli-bin-');
});
afterAll(async () => {
  await s?.dispose();
});

describe('semper as a child process', () => {
  it('--help exits 0 and prints usage', async () => {
    const r = await spawnSemper(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: semper/);
    expect(r.stderr).toBe('');
  });

  it('creates an identity, signs and verifies; a usage error exits 2 with one line', async () => {
    let r = await spawnSemper([
      'identity',
      'create',
      '--subject',
      'CN=Child',
      '--out-key',
      'c.key',
      '--out-cert',
      'c.pem',
    ]);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    await s.write('m.txt', 'hello');
    r = await spawnSemper(['cms', 'sign', '--in', 'm.txt', '--out', 'm.p7m', '--signer', 'c.pem', '--inkey', 'c.key']);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    r = await spawnSemper(['cms', 'verify', '--in', 'm.p7m', '--CAfile', 'c.pem', '--out', '-']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('hello');
    r = await spawnSemper(['cms', 'verify', '--in', 'm.p7m']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^semper: ERR_CLI_USAGE: required option '--CAfile <file>' not specified\n$/);
  });
});
