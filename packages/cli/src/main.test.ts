// The command's shape without crypto: help, version, usage errors and their exit codes, input limits.
import { truncate } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Scratch, scratch } from '../../../test/support/openssl.js';
import { cliVersion } from './program.js';
import { errorLine, run, words } from './run.test-util.js';

let s: Scratch;
const semper = (...args: string[]) => run(args, { cwd: s.dir });

beforeAll(async () => {
  s = await scratch('semper-cli-main-');
});
afterAll(async () => {
  await s?.dispose();
});

const commands = [
  [],
  ['identity'],
  ['identity', 'create'],
  ['identity', 'pack'],
  ['identity', 'unpack'],
  ['cms'],
  ['cms', 'sign'],
  ['cms', 'verify'],
  ['cms', 'encrypt'],
  ['cms', 'decrypt'],
  ['cms', 'receipt'],
  ['cms', 'verify-receipt'],
  ['req'],
  ['req', 'new'],
  ['ca'],
  ['ca', 'init'],
  ['ca', 'issue'],
  ['ca', 'revoke'],
  ['ca', 'crl'],
  ['ca', 'list'],
  ['ra'],
  ['ra', 'register'],
  ['ra', 'enrol'],
  ['ra', 'show'],
  ['ra', 'renew'],
  ['ra', 'cancel'],
  ['cert'],
  ['cert', 'verify'],
  ['statement'],
  ['statement', 'sign'],
  ['statement', 'verify'],
  ['statement', 'show'],
  ['archive'],
  ['archive', 'verify'],
];

describe('help and version', () => {
  it.each(commands.map((c) => [c.join(' ') || '(top)', c]))(
    'semper %s --help prints usage on stdout, exit 0',
    async (_, cmd) => {
      const r = await semper(...cmd, '--help');
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^Usage: semper/);
      expect(r.stderr).toBe('');
    },
  );

  it('every command has an Example section', async () => {
    for (const cmd of commands.filter((c) => c.length === 2)) {
      const r = await semper(...cmd, '--help');
      expect(r.stdout, cmd.join(' ')).toMatch(/\nExample:\n {2}(\S+=\S+ )?semper /);
    }
  });

  it('lists the commands and the exit codes', async () => {
    const top = await semper('--help');
    for (const c of ['identity', 'cms', 'req', 'ca', 'ra', 'cert', 'statement', 'archive']) {
      expect(top.stdout).toMatch(new RegExp(`\n  ${c} `));
    }
    expect(top.stdout).toContain('Exit codes:');
    const cms = await semper('cms', '--help');
    for (const c of ['sign', 'verify', 'encrypt', 'decrypt', 'receipt', 'verify-receipt'])
      expect(cms.stdout).toContain(c);
  });

  it('semper help cms works like --help', async () => {
    const r = await semper('help', 'cms');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: semper cms/);
  });

  it('--version prints the package version', async () => {
    for (const flag of ['--version', '-V']) {
      const r = await semper(flag);
      expect(r.code).toBe(0);
      expect(r.stdout.trim()).toBe(cliVersion());
      expect(cliVersion()).toMatch(/^\d+\.\d+\.\d+/);
    }
  });
});

describe('usage errors exit 2 with one line on stderr', () => {
  const create = 'identity create --subject CN=x --out-key k --out-cert c';
  const cases: [string, string, RegExp][] = [
    ['no command', '', /command is missing/],
    ['no subcommand', 'cms', /command is missing/],
    ['an unknown command', 'cms sing', /unknown command 'sing'.*sign/],
    ['an unknown option', 'cms verify --in x --CAfile y --bogus', /unknown option '--bogus'/],
    ['a missing required flag', 'cms verify --in x.der', /--CAfile/],
    ['a flag without its value', 'cms verify --CAfile ca.pem --in', /argument missing/],
    ['an excess argument', 'cms verify --in x --CAfile y extra', /too many arguments/],
    ['an invalid --md', 'cms sign --in a --out b --inkey k --md md5', /sha256, sha384 or sha512/],
    ['an invalid --inform', 'cms verify --in a --CAfile c --inform SMIME', /PEM or DER/],
    ['an invalid --curve', `${create} --curve P-521`, /P-256, P-384/],
    ['an invalid --bits', `${create} --bits 1024`, /2048/],
    ['--ec with --rsa', `${create} --ec --rsa`, /cannot be used with/],
    ['--curve with --bits', `${create} --curve P-384 --bits 2048`, /cannot be used with/],
    ['two ciphers', 'cms encrypt --in a --out b --recip r --aes-256-cbc --aes-128-gcm', /cannot be used with/],
    ['--pem with --outform', 'cms encrypt --in a --out b --recip r --pem --outform DER', /cannot be used with/],
    ['a bad --attime', 'cms verify --in a --CAfile c --attime yesterday', /seconds since 1970/],
    ['a bad --econtent-type', 'cms sign --in a --out b --inkey k --econtent-type data', /dotted OID/],
    [
      'a receipt request without an address',
      'cms sign --in a --out b --inkey k --receipt-request',
      /--receipt-request-to/,
    ],
    ['--json with --out -', 'cms verify --in a --CAfile c --json --out -', /stdout/],
    [
      '--crl-check with --crl-check-all',
      'cert verify c.pem --CAfile ca.pem --crl-check --crl-check-all',
      /cannot be used with/,
    ],
    ['an unknown --purpose', 'cert verify c.pem --CAfile ca.pem --purpose smimesign', /sign, encrypt, any/],
    ['cert verify without a certificate', 'cert verify --CAfile ca.pem', /missing required argument 'cert'/],
    ['an unknown --profile', 'ca issue --dir ca --in r.csr --out c.pem --profile server', /signing, encryption/],
    ['a bad --serial', 'ca revoke --dir ca --serial xyz --reason keyCompromise', /hex/],
    ['a bad --reason', 'ca revoke --dir ca --serial 0a --reason removeFromCRL', /keyCompromise/],
    [
      'a bad --expires-in',
      'ra register --dir ca --subject CN=x --profile signing --expires-in 91d',
      /unit s, m, h or d/,
    ],
    ['a bad --max-attempts', 'ra register --dir ca --subject CN=x --profile signing --max-attempts 0', /1 to 100/],
    [
      'two stdin readers',
      'ra enrol --dir ca --id r --secret-in stdin --passin stdin --in r.csr --out c.pem',
      /both want stdin/,
    ],
    [
      '--inkey with --newkey',
      'req new --subject CN=x --inkey k.pem --newkey ec --keyout k2 --out r.csr',
      /cannot be used with/,
    ],
    ['req new without a key', 'req new --subject CN=x --out r.csr', /--inkey .* or --newkey/],
    ['a bad --newkey', 'req new --subject CN=x --newkey dsa --keyout k --out r.csr', /ec:P-384/],
    ['an unknown statement --kind', 'statement sign --kind invoice --in b.json --out s.p7m --inkey k', /offer, order/],
    [
      'ca init with a --passout that is no source',
      'ca init --dir d --subject CN=x --passout hunter2',
      /passphrase source/,
    ],
    [
      'the same file for two outputs',
      'identity create --subject CN=x --out-key same.pem --out-cert same.pem',
      /same file/,
    ],
    [
      'a malformed --passin',
      'identity unpack --in missing.pem --passin hunter2 --out-key k --out-cert c',
      /passphrase source/,
    ],
  ];
  it.each(cases)('%s', async (_, line, message) => {
    const r = await semper(...words(line));
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const e = errorLine(r.stderr);
    expect(e.code).toBe('ERR_CLI_USAGE');
    expect(e.message).toMatch(message);
  });

  it('never echoes a malformed passphrase argument', async () => {
    const r = await semper(...words('identity unpack --in x --passin hunter2 --out-key k --out-cert c'));
    expect(r.stderr).not.toContain('hunter2');
  });
});

describe('input errors exit 2', () => {
  it('a missing input file', async () => {
    const r = await semper('cms', 'verify', '--in', 'missing.der', '--CAfile', 'ca.pem');
    expect(r.code).toBe(2);
    expect(errorLine(r.stderr)).toEqual({
      code: 'ERR_CLI_READ',
      message: 'cannot read missing.der: no such file or directory',
    });
  });

  it('a directory as input', async () => {
    const r = await semper('cms', 'encrypt', '--in', '.', '--out', 'x', '--recip', '.');
    expect(r.code).toBe(2);
    expect(errorLine(r.stderr)).toEqual({ code: 'ERR_CLI_READ', message: 'cannot read .: is a directory' });
  });

  it('an input over 64 MiB is refused before it is read', async () => {
    const big = s.path('big.der');
    await s.write('big.der', '');
    await truncate(big, 64 * 1024 * 1024 + 1); // sparse: costs no disk
    const r = await semper('cms', 'verify', '--in', 'big.der', '--CAfile', 'ca.pem');
    expect(r.code).toBe(2);
    const e = errorLine(r.stderr);
    expect(e.code).toBe('ERR_CLI_TOO_LARGE');
    expect(e.message).toContain('67108864');
  });

  it('stdin over 64 MiB is refused', async () => {
    const chunk = new Uint8Array(1024 * 1024);
    async function* endless() {
      for (let i = 0; i < 65; i++) yield chunk;
    }
    const { Readable } = await import('node:stream');
    const r = await run(['cms', 'verify', '--in', '-', '--CAfile', 'ca.pem'], {
      cwd: s.dir,
      stdin: Readable.from(endless()),
    });
    expect(r.code).toBe(2);
    expect(errorLine(r.stderr).code).toBe('ERR_CLI_TOO_LARGE');
  });

  it('accepts openssl single-dash spellings (-in, -CAfile)', async () => {
    const r = await semper('cms', 'verify', '-in', 'missing.der', '-CAfile', 'ca.pem');
    expect(r.code).toBe(2);
    expect(errorLine(r.stderr).code).toBe('ERR_CLI_READ'); // parsed, then failed on the file
  });
});
