// `semper cms …` in-process: happy paths, verdicts (exit 1) and input errors (exit 2).
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Scratch, scratch } from '../../../test/support/openssl.js';
import { makePki, tamper } from './pki.test-util.js';
import { errorLine, type RunResult, run, words } from './run.test-util.js';

let s: Scratch;
const env = { SEMPER_PASS: 'correct horse battery staple', WRONG_PASS: 'Tr0ub4dor&3' };
const semper = (line: string, ...extra: string[]): Promise<RunResult> =>
  run(words(line, ...extra), { cwd: s.dir, env });

async function ok(line: string, ...extra: string[]): Promise<RunResult> {
  const r = await semper(line, ...extra);
  if (r.code !== 0) throw new Error(`semper ${line} → ${r.code}: ${r.stderr}`);
  expect(r.stderr).toBe('');
  return r;
}

function fails(r: RunResult, exit: number, code: string): string {
  expect(r.code).toBe(exit);
  const e = errorLine(r.stderr);
  expect(e.code).toBe(code);
  return e.message;
}

const ORDER = '{"order":42,"item":"semper handbook"}';

beforeAll(async () => {
  s = await scratch('semper-cli-cms-');
  await makePki(s);
  await s.write('order.json', ORDER);
  await ok('identity pack --key alice.key --cert alice.pem --out alice.id.pem --passout env:SEMPER_PASS');
  // Shared fixtures: a good message from alice (trusted CA) and one from mallory (another CA).
  await ok('cms sign --in order.json --out good.p7m --signer alice.pem --inkey alice.key');
  await ok('cms sign --in order.json --out mallory.p7m --signer mallory.pem --inkey mallory.key');
});
afterAll(async () => {
  await s?.dispose();
});

describe('cms sign / verify', () => {
  it.each(['alice', 'bob'])('signs and verifies (%s), writing the verified content', async (who) => {
    await ok(`cms sign --in order.json --out ${who}.p7m --signer ${who}.pem --inkey ${who}.key`);
    const r = await ok(`cms verify --in ${who}.p7m --CAfile ca.pem --out ${who}.out.json`);
    expect(r.stdout).toMatch(/^Verification successful\n/);
    expect(r.stdout).toMatch(new RegExp(`^signer: .*CN=${who}`, 'm'));
    expect(r.stdout).toMatch(/^content type: +1\.2\.840\.113549\.1\.7\.1 \(id-data\)$/m);
    expect((await s.read(`${who}.out.json`)).toString()).toBe(ORDER);
  });

  it('prints the result as JSON', async () => {
    await ok('cms sign --in order.json --out json.p7m --signer alice.pem --inkey alice.key --md sha384');
    const r = await ok('cms verify --in json.p7m --CAfile ca.pem --json');
    const v = JSON.parse(r.stdout);
    expect(v).toMatchObject({
      verified: true,
      signer: {
        subject: expect.stringContaining('CN=alice'),
        issuer: 'CN=ca',
        serialNumber: expect.stringMatching(/^[0-9a-f]+$/),
      },
      contentType: '1.2.840.113549.1.7.1',
      contentTypeName: 'id-data',
      digestAlgorithm: 'SHA-384',
      detached: false,
      contentLength: ORDER.length,
    });
    expect(Math.abs(Date.parse(v.signingTime) - Date.now())).toBeLessThan(5 * 60_000);
  });

  it('writes and reads PEM; detects PEM input; --inform PEM; the content on stdout with --out -', async () => {
    await ok('cms sign --in order.json --out order.pem --signer alice.pem --inkey alice.key --pem');
    expect((await s.read('order.pem')).toString()).toMatch(/^-----BEGIN CMS-----\n/);
    await ok('cms verify --in order.pem --CAfile ca.pem');
    await ok('cms verify --in order.pem --CAfile ca.pem --inform PEM');
    const r = await semper('cms verify --in order.pem --CAfile ca.pem --out -');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(ORDER); // the content alone on stdout; the report on stderr
    expect(r.stderr).toMatch(/^Verification successful/);
  });

  it('reads stdin and writes stdout (--in - / --out -)', async () => {
    const signed = await run(words('cms sign --in - --out - --signer alice.pem --inkey alice.key'), {
      cwd: s.dir,
      stdin: ORDER,
    });
    expect(signed.code).toBe(0);
    expect(signed.stdoutBytes[0]).toBe(0x30);
    const verified = await run(words('cms verify --in - --CAfile ca.pem --out -'), {
      cwd: s.dir,
      stdin: signed.stdoutBytes,
    });
    expect(verified.code).toBe(0);
    expect(verified.stdout).toBe(ORDER);
  });

  it('signs detached and verifies with --content', async () => {
    await ok('cms sign --in order.json --out detached.p7s --signer bob.pem --inkey bob.key --detached');
    expect((await s.read('detached.p7s')).includes(Buffer.from(ORDER))).toBe(false);
    const r = await ok('cms verify --in detached.p7s --content order.json --CAfile ca.pem --json');
    expect(JSON.parse(r.stdout)).toMatchObject({ verified: true, detached: true });
    await s.write('other.json', '{"order":43}');
    const bad = await semper('cms verify --in detached.p7s --content other.json --CAfile ca.pem');
    fails(bad, 1, 'ERR_CRYPTO_BAD_SIGNATURE');
  });

  it('signs with a packed identity (--inkey ID.pem --passin env:…), no --signer needed', async () => {
    await ok('cms sign --in order.json --out packed.p7m --inkey alice.id.pem --passin env:SEMPER_PASS');
    const r = await ok('cms verify --in packed.p7m --CAfile ca.pem --json');
    expect(JSON.parse(r.stdout).signer.subject).toContain('CN=alice');
  });

  it('accepts openssl single-dash flags', async () => {
    await ok('cms sign -in order.json -out dash.p7m -signer alice.pem -inkey alice.key -md sha512');
    await ok('cms verify -in dash.p7m -CAfile ca.pem -inform DER');
  });

  it('a tampered message is a negative verdict (exit 1), and --out is not written', async () => {
    await s.write('tampered.p7m', tamper(await s.read('good.p7m'), 'semper handbook'));
    const r = await semper('cms verify --in tampered.p7m --CAfile ca.pem --out tampered.out');
    expect(fails(r, 1, 'ERR_CRYPTO_BAD_SIGNATURE')).toMatch(/^tampered\.p7m: /);
    expect(r.stdout).toBe('');
    expect(existsSync(s.path('tampered.out'))).toBe(false);
  });

  it('a signer outside the trusted CAs is a negative verdict (exit 1)', async () => {
    fails(await semper('cms verify --in mallory.p7m --CAfile ca.pem'), 1, 'ERR_CRYPTO_UNTRUSTED_SIGNER');
    fails(await semper('cms verify --in good.p7m --CAfile other-ca.pem'), 1, 'ERR_CRYPTO_UNTRUSTED_SIGNER');
  });

  it('with --json, a failure is reported on stdout too', async () => {
    const r = await semper('cms verify --in mallory.p7m --CAfile ca.pem --json');
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toEqual({
      verified: false,
      error: { code: 'ERR_CRYPTO_UNTRUSTED_SIGNER', message: expect.any(String) },
    });
    errorLine(r.stderr);
  });

  it('checks validity at --attime', async () => {
    const r = await semper('cms verify --in good.p7m --CAfile ca.pem --attime 2000-01-01T00:00:00Z');
    fails(r, 1, 'ERR_CRYPTO_UNTRUSTED_SIGNER');
  });

  it('malformed input is an input error (exit 2)', async () => {
    await s.write('garbage.p7m', 'this is not DER at all');
    fails(await semper('cms verify --in garbage.p7m --CAfile ca.pem'), 2, 'ERR_CRYPTO_MALFORMED');
    const good = await s.read('good.p7m');
    await s.write('truncated.p7m', good.subarray(0, good.length - 10));
    fails(await semper('cms verify --in truncated.p7m --CAfile ca.pem'), 2, 'ERR_CRYPTO_MALFORMED');
    await s.write('bad.pem', '-----BEGIN CMS-----\n!!!not base64!!!\n-----END CMS-----\n');
    fails(await semper('cms verify --in bad.pem --CAfile ca.pem'), 2, 'ERR_CRYPTO_MALFORMED');
    // a CERTIFICATE where CMS is expected
    fails(await semper('cms verify --in alice.pem --CAfile ca.pem'), 2, 'ERR_CLI_BAD_INPUT');
    // a CA file without certificates
    fails(await semper('cms verify --in good.p7m --CAfile order.json'), 2, 'ERR_CRYPTO_MALFORMED');
  });

  it('a key that does not match the certificate is an input error (exit 2)', async () => {
    const r = await semper('cms sign --in order.json --out x.p7m --signer alice.pem --inkey bob.key');
    expect(fails(r, 2, 'ERR_CLI_KEY_MISMATCH')).toContain('bob.key');
    expect(existsSync(s.path('x.p7m'))).toBe(false);
  });

  it('a wrong passphrase is an input error (exit 2)', async () => {
    const r = await semper('cms sign --in order.json --out x.p7m --inkey alice.id.pem --passin env:WRONG_PASS');
    fails(r, 2, 'ERR_CRYPTO_BAD_PASSPHRASE');
    expect(r.stderr).not.toContain(env.WRONG_PASS);
  });

  it('a key without a certificate needs --signer', async () => {
    const r = await semper('cms sign --in order.json --out x.p7m --inkey alice.key');
    expect(fails(r, 2, 'ERR_CLI_USAGE')).toMatch(/--signer is required/);
  });
});

describe('cms encrypt / decrypt', () => {
  it.each(['', '--aes-128-cbc', '--aes-256-cbc', '--aes-128-gcm', '--aes-256-gcm'])(
    'round-trips %j to an RSA and an EC recipient',
    async (flag) => {
      const out = `enc${flag || '-default'}.p7e`;
      await ok(`cms encrypt --in order.json --out ${out} --recip bob.pem --recip alice.pem ${flag}`);
      for (const who of ['alice', 'bob']) {
        await ok(`cms decrypt --in ${out} --out ${out}.${who} --recip ${who}.pem --inkey ${who}.key`);
        expect((await s.read(`${out}.${who}`)).toString()).toBe(ORDER);
      }
    },
  );

  it('writes PEM and decrypts it; decrypts with a packed identity', async () => {
    await ok('cms encrypt --in order.json --out enc.pem --recip alice.pem --outform pem');
    expect((await s.read('enc.pem')).toString()).toMatch(/^-----BEGIN CMS-----/);
    await ok('cms decrypt --in enc.pem --out enc.pem.out --inkey alice.id.pem --passin env:SEMPER_PASS --inform PEM');
    expect((await s.read('enc.pem.out')).toString()).toBe(ORDER);
  });

  it('a message for someone else is a negative verdict (exit 1)', async () => {
    await ok('cms encrypt --in order.json --out for-bob.p7e --recip bob.pem');
    const r = await semper('cms decrypt --in for-bob.p7e --out stolen.json --recip mallory.pem --inkey mallory.key');
    expect(r.code).toBe(1);
    expect(['ERR_CRYPTO_NO_RECIPIENT', 'ERR_CRYPTO_DECRYPTION_FAILED']).toContain(errorLine(r.stderr).code);
    expect(existsSync(s.path('stolen.json'))).toBe(false);
  });

  it('a tampered ciphertext is a negative verdict (exit 1)', async () => {
    await ok('cms encrypt --in order.json --out gcm.p7e --recip alice.pem');
    const bytes = await s.read('gcm.p7e');
    bytes[bytes.length - 30] ^= 0x01; // inside the encrypted content or the tag
    await s.write('gcm-tampered.p7e', bytes);
    const r = await semper('cms decrypt --in gcm-tampered.p7e --out gcm.out --recip alice.pem --inkey alice.key');
    fails(r, 1, 'ERR_CRYPTO_DECRYPTION_FAILED');
    expect(existsSync(s.path('gcm.out'))).toBe(false);
  });

  it('a recipient file with several certificates is refused (exit 2)', async () => {
    await s.write('two.pem', Buffer.concat([await s.read('alice.pem'), await s.read('bob.pem')]));
    fails(await semper('cms encrypt --in order.json --out x.p7e --recip two.pem'), 2, 'ERR_CLI_BAD_INPUT');
  });

  it('a malformed recipient certificate or message is an input error (exit 2)', async () => {
    await s.write('not-a-cert.pem', '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');
    const r = await semper('cms encrypt --in order.json --out x.p7e --recip not-a-cert.pem');
    fails(r, 2, 'ERR_CRYPTO_MALFORMED');
    const d = await semper('cms decrypt --in order.json --out x --recip alice.pem --inkey alice.key');
    fails(d, 2, 'ERR_CRYPTO_MALFORMED');
  });
});

describe('cms receipt / verify-receipt', () => {
  beforeAll(async () => {
    await ok(
      'cms sign --in order.json --out asks.p7m --signer alice.pem --inkey alice.key',
      '--receipt-request-to',
      'alice@example.com',
    );
  });

  it('shows the receipt request when verifying', async () => {
    const r = await ok('cms verify --in asks.p7m --CAfile ca.pem --json');
    expect(JSON.parse(r.stdout).receiptRequest).toMatchObject({ from: 'all', to: ['alice@example.com'] });
  });

  it('makes a receipt and verifies it against the original', async () => {
    await ok('cms receipt --in asks.p7m --out asks.rct --signer bob.pem --inkey bob.key --CAfile ca.pem');
    const text = await ok('cms verify-receipt --in asks.rct --original asks.p7m --CAfile ca.pem');
    expect(text.stdout).toMatch(/^Receipt verification successful\n/);
    const r = await ok('cms verify-receipt --in asks.rct --original asks.p7m --CAfile ca.pem --json');
    expect(JSON.parse(r.stdout)).toMatchObject({
      verified: true,
      signer: { subject: expect.stringContaining('CN=bob') },
      contentIdentifier: expect.stringMatching(/^[0-9a-f]+$/),
    });
  });

  it('a receipt checked against another message is a negative verdict (exit 1)', async () => {
    await ok(
      'cms sign --in order.json --out asks2.p7m --signer alice.pem --inkey alice.key',
      ...['--receipt-request-to', 'alice@example.com', '--receipt-request-from', 'first-tier'],
    );
    const r = await semper('cms verify-receipt --in asks.rct --original asks2.p7m --CAfile ca.pem --json');
    fails(r, 1, 'ERR_CRYPTO_RECEIPT_MISMATCH');
    expect(JSON.parse(r.stdout).verified).toBe(false);
  });

  it('a receipt from an untrusted signer is a negative verdict (exit 1)', async () => {
    await ok(
      'cms receipt --in asks.p7m --out mallory.rct --signer mallory.pem --inkey mallory.key --CAfile ca.pem --pem',
    );
    const r = await semper('cms verify-receipt --in mallory.rct --original asks.p7m --CAfile ca.pem');
    fails(r, 1, 'ERR_CRYPTO_UNTRUSTED_SIGNER');
  });

  it('no receipt for a message from an untrusted signer (exit 1)', async () => {
    const r = await semper(
      'cms receipt --in asks.p7m --out no.rct --signer bob.pem --inkey bob.key --CAfile other-ca.pem',
    );
    fails(r, 1, 'ERR_CRYPTO_UNTRUSTED_SIGNER');
    expect(existsSync(s.path('no.rct'))).toBe(false);
  });

  it('no receipt for a message that asks for none (exit 2)', async () => {
    const r = await semper('cms receipt --in good.p7m --out no.rct --signer bob.pem --inkey bob.key --CAfile ca.pem');
    expect(r.code).toBe(2);
    errorLine(r.stderr);
    expect(existsSync(s.path('no.rct'))).toBe(false);
  });
});
