import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Scratch, scratch } from '../../../test/support/openssl.js';
import { CliError } from './errors.js';
import type { CliIo, InputStream } from './files.js';
import { getNewPassphrase, getPassphrase, parsePassphraseSource } from './passphrase.js';
import { fakeTty } from './run.test-util.js';

let s: Scratch;
let prompts: string;

function ioWith(stdin: InputStream, env: Record<string, string> = {}): CliIo {
  prompts = '';
  return {
    stdout: { write: () => true },
    stderr: { write: (c) => (prompts += String(c)) },
    stdin,
    env,
    cwd: s.dir,
  };
}
const noStdin = (): InputStream => Readable.from([]) as unknown as InputStream;

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(CliError);
    return (err as CliError).code;
  }
  throw new Error('expected a failure');
}

beforeAll(async () => {
  s = await scratch('semper-cli-pass-');
});
afterAll(async () => {
  await s?.dispose();
});

describe('parsePassphraseSource', () => {
  it('parses the openssl forms', () => {
    expect(parsePassphraseSource('pass:a:b')).toEqual({ kind: 'pass', value: 'a:b' });
    expect(parsePassphraseSource('env:PW')).toEqual({ kind: 'env', name: 'PW' });
    expect(parsePassphraseSource('file:/x/y')).toEqual({ kind: 'file', path: '/x/y' });
    expect(parsePassphraseSource('stdin')).toEqual({ kind: 'stdin' });
  });

  it.each(['secret', 'env:', 'file:', 'fd:3', ''])('refuses %j without repeating it', (spec) => {
    expect(() => parsePassphraseSource(spec)).toThrow(/env:VAR, file:PATH, stdin or pass:TEXT$/);
  });
});

describe('getPassphrase', () => {
  it('reads env:, file: (first line) and stdin (first line)', async () => {
    expect(await getPassphrase(ioWith(noStdin(), { PW: 'from env' }), 'env:PW', '')).toBe('from env');
    await s.write('pw.txt', 'from file\r\nsecond line\n');
    expect(await getPassphrase(ioWith(noStdin()), 'file:pw.txt', '')).toBe('from file');
    const stdin = Readable.from([Buffer.from('from stdin\nmore')]) as unknown as InputStream;
    expect(await getPassphrase(ioWith(stdin), 'stdin', '')).toBe('from stdin');
  });

  it('fails on an unset variable or a missing file', async () => {
    expect(await codeOf(getPassphrase(ioWith(noStdin()), 'env:NOPE', ''))).toBe('ERR_CLI_PASSPHRASE');
    expect(await codeOf(getPassphrase(ioWith(noStdin()), 'file:nope.txt', ''))).toBe('ERR_CLI_READ');
  });

  it('asks on a terminal without echo: raw mode, backspace, Ctrl-U', async () => {
    const tty = fakeTty();
    const io = ioWith(tty as unknown as InputStream);
    const answer = getPassphrase(io, undefined, 'Pass phrase: ');
    tty.type('xx\u0015sec');
    tty.type('rex\u007ft\r');
    expect(await answer).toBe('secret');
    expect(prompts).toBe('Pass phrase: \n'); // nothing typed is echoed
    expect(tty.rawModes).toEqual([true, false]);
  });

  it('is cancelled by Ctrl-C', async () => {
    const tty = fakeTty();
    const answer = getPassphrase(ioWith(tty as unknown as InputStream), undefined, '? ');
    tty.type('abc\u0003');
    expect(await codeOf(answer)).toBe('ERR_CLI_CANCELLED');
    expect(tty.rawModes).toEqual([true, false]);
  });

  it('refuses to ask when stdin is no terminal', async () => {
    expect(await codeOf(getPassphrase(ioWith(noStdin()), undefined, '? '))).toBe('ERR_CLI_PASSPHRASE');
  });
});

describe('getNewPassphrase', () => {
  it('asks twice and compares', async () => {
    const tty = fakeTty();
    const answer = getNewPassphrase(ioWith(tty as unknown as InputStream), undefined, 'New: ');
    tty.type('one\r');
    await new Promise((r) => setTimeout(r, 10));
    tty.type('one\r');
    expect(await answer).toBe('one');
    expect(prompts).toBe('New: \nVerifying - New: \n');
  });

  it('fails when the two entries differ', async () => {
    const tty = fakeTty();
    const answer = getNewPassphrase(ioWith(tty as unknown as InputStream), undefined, 'New: ');
    tty.type('one\r');
    await new Promise((r) => setTimeout(r, 10));
    tty.type('two\r');
    expect(await codeOf(answer)).toBe('ERR_CLI_PASSPHRASE');
  });

  it('refuses an empty passphrase', async () => {
    expect(await codeOf(getNewPassphrase(ioWith(noStdin(), { PW: '' }), 'env:PW', ''))).toBe('ERR_CLI_PASSPHRASE');
  });
});
