// `semper sdc seal|open|inspect`: containers the CLI seals open with openssl cms -decrypt then -verify and
// with `semper sdc open` (exit 0); each rejection is exit 1 with its ERR_SDC_ reason on one line; bad usage
// and unreadable material are exit 2.
import { readFile, stat } from 'node:fs/promises';
import { canonicalize } from '@semper/statements';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { opensslOk, type Scratch, scratch } from '../../../test/support/openssl.js';
import { makePki } from './pki.test-util.js';
import { errorLine, type RunResult, run, words } from './run.test-util.js';

let s: Scratch;
const semper = (line: string, ...extra: string[]): Promise<RunResult> => run(words(line, ...extra), { cwd: s.dir });
const ossl = (line: string): Promise<Buffer> => opensslOk(words(line), { cwd: s.dir });

async function ok(line: string, ...extra: string[]): Promise<RunResult> {
  const r = await semper(line, ...extra);
  if (r.code !== 0) throw new Error(`semper ${line} → ${r.code}: ${r.stderr}`);
  return r;
}

async function fails(exit: 1 | 2, line: string, ...extra: string[]): Promise<string> {
  const r = await semper(line, ...extra);
  expect(r.code, `${line}: ${r.stderr}`).toBe(exit);
  return errorLine(r.stderr).code;
}

const body = { table: 'transfers', rows: [{ Numero: 1, Status: 2, amount: '1250', currency: 'EUR', name: 'Zoë' }] };
const seal = 'sdc seal --in body.json --signer alice.pem --inkey alice.key --recip bob.pem';
const openAsBob = 'sdc open --recip bob.pem --inkey bob.key --CAfile ca.pem';

beforeAll(async () => {
  s = await scratch('semper-cli-sdc-');
  await makePki(s);
  await s.write('body.json', JSON.stringify(body, null, 2));
  await Promise.all([
    ok(`${seal} --out c.der --type export --sequence 7 --id sdc_cli_1`),
    ok(`${seal} --out c.sdc --type import-request --sequence 8 --in-reply-to sdc_cli_1`),
    ok(`${seal} --out c.eml --type receipt`),
  ]);
}, 120_000);

afterAll(async () => {
  await s?.dispose();
});

describe('semper sdc seal', () => {
  it('writes a container that openssl cms -decrypt then -verify opens, in each form', async () => {
    const armoured = (await readFile(s.path('c.sdc'), 'utf8')).split('\n');
    await s.write('c.b64', `${armoured.slice(1, -2).join('\n')}\n`);
    await ossl('base64 -d -in c.b64 -out c-from-sdc.der');
    for (const [file, inform] of [
      ['c.der', 'DER'],
      ['c-from-sdc.der', 'DER'],
      ['c.eml', 'SMIME'],
    ] as const) {
      await ossl(
        `cms -decrypt -binary -inform ${inform} -in ${file} -recip bob.pem -inkey bob.key -out ${file}.signed`,
      );
      const content = await ossl(`cms -verify -binary -inform DER -in ${file}.signed -CAfile ca.pem`);
      const parsed = JSON.parse(content.toString('utf8'));
      expect(parsed.body, file).toEqual(body);
      expect(content.toString('utf8'), file).toBe(canonicalize(parsed));
    }
  });

  it('takes a protected key with --passin, and header fields from the options and the certificates', async () => {
    await ossl('pkcs8 -topk8 -v2 aes-256-cbc -in alice.key -out alice-protected.key -passout pass:s3cret');
    const r = await run(
      words(
        'sdc seal --in body.json --out p.sdc --signer alice.pem --inkey alice-protected.key --passin env:PW --recip bob.pem --type message --sequence 3',
      ),
      { cwd: s.dir, env: { PW: 's3cret' } },
    );
    expect(r.code, r.stderr).toBe(0);
    const shown = JSON.parse((await ok('sdc inspect --in p.sdc --json')).stdout);
    expect(shown.header).toMatchObject({ sender: 'alice', recipient: 'bob', type: 'message', sequence: '3' });
    const wrong = await run(
      words(
        'sdc seal --in body.json --out q.sdc --signer alice.pem --inkey alice-protected.key --passin pass:nope --recip bob.pem',
      ),
      {
        cwd: s.dir,
      },
    );
    expect(wrong.code).toBe(2);
    expect(errorLine(wrong.stderr).code).toBe('ERR_CRYPTO_BAD_PASSPHRASE');
  });

  it('bad usage or input is exit code 2, one line, nothing written', async () => {
    await s.write('not.json', '{"a":');
    expect(await fails(2, `${seal} --out x.der --type transfer`)).toBe('ERR_CLI_USAGE');
    expect(await fails(2, `${seal} --out x.der --sequence -1`)).toBe('ERR_CLI_USAGE');
    expect(await fails(2, `${seal} --out x.der --id ${'x'.repeat(65)}`)).toBe('ERR_CLI_USAGE');
    expect(await fails(2, 'sdc seal --in body.json --out x.der --signer alice.pem --inkey alice.key')).toBe(
      'ERR_CLI_USAGE',
    );
    expect(
      await fails(2, 'sdc seal --in not.json --out x.der --signer alice.pem --inkey alice.key --recip bob.pem'),
    ).toBe('ERR_CLI_BAD_INPUT');
    expect(
      await fails(2, 'sdc seal --in missing.json --out x.der --signer alice.pem --inkey alice.key --recip bob.pem'),
    ).toBe('ERR_CLI_READ');
    expect(await fails(2, `${seal} --out x.der --sender`, ' ')).toBe('ERR_SDC_INVALID_ARGUMENT');
    expect(
      await fails(2, 'sdc seal --in body.json --out x.der --signer alice.pem --inkey bob.key --recip bob.pem'),
    ).toBe('ERR_CLI_KEY_MISMATCH');
    await expect(stat(s.path('x.der'))).rejects.toThrow();
  });
});

describe('semper sdc inspect', () => {
  it('shows the clear header of each form without a key, as a report or JSON', async () => {
    const r = await ok('sdc inspect --in c.der');
    expect(r.stdout).toMatch(/^UNVERIFIED: /);
    expect(r.stdout).toMatch(/id:\s+sdc_cli_1/);
    expect(r.stdout).toMatch(/type:\s+export/);
    expect(r.stdout).toMatch(/sender:\s+alice/);
    expect(r.stdout).toMatch(/sequence:\s+7/);
    expect(r.stdout).toMatch(/encryption:\s+AES-256-GCM/);
    const j = JSON.parse((await ok('sdc inspect --in c.sdc --json')).stdout);
    expect(j).toMatchObject({
      unverified: true,
      recipients: 1,
      header: { type: 'import-request', sequence: '8', inReplyTo: 'sdc_cli_1' },
    });
    const m = JSON.parse((await ok('sdc inspect --in c.eml --json')).stdout);
    expect(m.header.type).toBe('receipt');
    expect(Number(m.header.sequence)).toBeGreaterThan(1_700_000_000_000); // default: milliseconds since 1970
  });

  it('an unreadable container is exit code 2', async () => {
    await s.write('garbage.bin', new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x01]));
    expect(await fails(2, 'sdc inspect --in garbage.bin')).toBe('ERR_SDC_MALFORMED');
    expect(await fails(2, 'sdc inspect --in nothing-here.sdc')).toBe('ERR_CLI_READ');
    expect(await fails(2, 'sdc inspect --in c.der --inform XML')).toBe('ERR_CLI_USAGE');
  });
});

describe('semper sdc open', () => {
  it('opens each form (exit 0): writes the canonical body, prints the header and the signer', async () => {
    for (const f of ['c.der', 'c.sdc', 'c.eml']) {
      const r = await ok(`${openAsBob} --in ${f} --out ${f}.json`);
      expect(r.stdout).toMatch(/^Container opened/);
      expect(r.stdout).toMatch(/signer:\s+CN=alice/);
      expect(await readFile(s.path(`${f}.json`), 'utf8')).toBe(canonicalize(body));
    }
    const j = JSON.parse((await ok(`${openAsBob} --in c.der --json`)).stdout);
    expect(j).toMatchObject({ opened: true, header: { id: 'sdc_cli_1', sender: 'alice', recipient: 'bob' }, body });
    const toStdout = await ok(`${openAsBob} --in c.der --out -`);
    expect(toStdout.stdout).toBe(canonicalize(body));
    expect(toStdout.stderr).toMatch(/^Container opened/);
  });

  it('rejections are exit code 1 with the typed reason, and write nothing', async () => {
    // Not for alice: her certificate has no recipient info, and the header names bob.
    expect(
      await fails(1, 'sdc open --in c.der --out r1.json --recip alice.pem --inkey alice.key --CAfile ca.pem'),
    ).toBe('ERR_SDC_WRONG_RECIPIENT');
    // The sender does not chain to other-ca.
    expect(
      await fails(1, 'sdc open --in c.der --out r2.json --recip bob.pem --inkey bob.key --CAfile other-ca.pem'),
    ).toBe('ERR_SDC_UNTRUSTED_SIGNER');
    // A changed byte of the ciphertext.
    const der = new Uint8Array(await readFile(s.path('c.der')));
    const bad = new Uint8Array(der);
    bad[Math.floor(der.length / 2)] ^= 0x01;
    await s.write('bad.der', bad);
    expect(await fails(1, `${openAsBob} --in bad.der --out r3.json`)).toMatch(/^ERR_SDC_(DECRYPT_FAILED|MALFORMED)$/);
    // A changed clear header.
    const at = Buffer.from(der).lastIndexOf('"sequence":"7"') + '"sequence":"'.length;
    const swapped = new Uint8Array(der);
    swapped[at] = '8'.charCodeAt(0);
    await s.write('swapped.der', swapped);
    expect(await fails(1, `${openAsBob} --in swapped.der --out r4.json`)).toBe('ERR_SDC_HEADER_MISMATCH');
    // Truncated, and not a container at all.
    await s.write('short.der', der.subarray(0, 100));
    expect(await fails(1, `${openAsBob} --in short.der --out r5.json`)).toBe('ERR_SDC_MALFORMED');
    await s.write('garbage.sdc', '-----BEGIN SEMPER SDC-----\n!!!!\n-----END SEMPER SDC-----\n');
    expect(await fails(1, `${openAsBob} --in garbage.sdc --out r6.json`)).toBe('ERR_SDC_MALFORMED');
    // Over the size limits: a DER file past 16 MiB, any file past 23 MiB.
    await s.write('big.der', new Uint8Array(17 * 1024 * 1024).fill(0x30));
    expect(await fails(1, `${openAsBob} --in big.der --out r8.json`)).toBe('ERR_SDC_TOO_LARGE');
    await s.write('huge.sdc', 'A'.repeat(24 * 1024 * 1024));
    expect(await fails(1, `${openAsBob} --in huge.sdc --out r9.json`)).toBe('ERR_SDC_TOO_LARGE');
    // The sender's certificate expired by then.
    expect(await fails(1, `${openAsBob} --in c.der --out r10.json --attime 2100-01-01T00:00:00Z`)).toBe(
      'ERR_SDC_UNTRUSTED_SIGNER',
    );
    // Another expected recipient.
    expect(await fails(1, `${openAsBob} --in c.der --out r7.json --recipient hub`)).toBe('ERR_SDC_WRONG_RECIPIENT');
    for (let i = 1; i <= 10; i++) await expect(stat(s.path(`r${i}.json`))).rejects.toThrow();
    const j = await semper(`${openAsBob} --in c.der --CAfile other-ca.pem --json`);
    expect(j.code).toBe(1);
    expect(JSON.parse(j.stdout)).toMatchObject({ opened: false, error: { code: 'ERR_SDC_UNTRUSTED_SIGNER' } });
  });

  it('bad usage and unreadable material are exit code 2', async () => {
    expect(await fails(2, 'sdc open --in c.der --recip bob.pem --inkey bob.key')).toBe('ERR_CLI_USAGE'); // no --CAfile
    expect(await fails(2, `${openAsBob} --in missing.der`)).toBe('ERR_CLI_READ');
    expect(await fails(2, 'sdc open --in c.der --recip bob.pem --inkey nokey.pem --CAfile ca.pem')).toBe(
      'ERR_CLI_READ',
    );
    expect(await fails(2, `${openAsBob} --in c.der --json --out -`)).toBe('ERR_CLI_USAGE');
    expect(await fails(2, `${openAsBob} --in c.der --attime yesterday`)).toBe('ERR_CLI_USAGE');
    expect(await fails(2, 'sdc open --in c.der --recip alice.pem --inkey bob.key --CAfile ca.pem')).toBe(
      'ERR_CLI_KEY_MISMATCH',
    );
  });
});
