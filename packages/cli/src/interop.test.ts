// The command against `openssl cms`, both ways: what semper writes openssl reads, and the reverse.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openssl, opensslOk, type Scratch, scratch } from '../../../test/support/openssl.js';
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

const CONTENT = 'pay 100.00 EUR to agency 4711\r\nline two\n';

beforeAll(async () => {
  s = await scratch('semper-cli-interop-');
  await makePki(s);
  await s.write('content.txt', CONTENT);
});
afterAll(async () => {
  await s?.dispose();
});

const signers = ['alice', 'bob'] as const; // EC P-256, RSA 2048

describe('semper cms sign → openssl cms -verify', () => {
  it.each(signers)('%s, attached, DER', async (who) => {
    await ok(`cms sign --in content.txt --out s-${who}.der --signer ${who}.pem --inkey ${who}.key`);
    const out = await ossl(`cms -verify -binary -inform DER -in s-${who}.der -CAfile ca.pem`);
    expect(out.toString()).toBe(CONTENT);
  });

  it.each(signers)('%s, detached, PEM, sha512', async (who) => {
    await ok(
      `cms sign --in content.txt --out d-${who}.pem --signer ${who}.pem --inkey ${who}.key --detached --pem --md sha512`,
    );
    await ossl(
      `cms -verify -binary -inform PEM -in d-${who}.pem -content content.txt -CAfile ca.pem -out d-${who}.out`,
    );
    expect((await s.read(`d-${who}.out`)).toString()).toBe(CONTENT);
  });

  it('openssl rejects it against another CA', async () => {
    const r = await openssl(words('cms -verify -binary -inform DER -in s-alice.der -CAfile other-ca.pem'), {
      cwd: s.dir,
    });
    expect(r.code).not.toBe(0);
  });
});

describe('openssl cms -sign → semper cms verify', () => {
  it.each(signers)('%s, attached (-nodetach), DER', async (who) => {
    await ossl(
      `cms -sign -binary -nodetach -in content.txt -signer ${who}.pem -inkey ${who}.key -outform DER -out o-${who}.der`,
    );
    const r = await ok(`cms verify --in o-${who}.der --CAfile ca.pem --out o-${who}.out --json`);
    expect((await s.read(`o-${who}.out`)).toString()).toBe(CONTENT);
    const v = JSON.parse(r.stdout);
    expect(v.signer.subject).toContain(`CN=${who}`);
    const serial = (await ossl(`x509 -in ${who}.pem -noout -serial`)).toString().trim().replace('serial=', '');
    // Both print the serial's octets in hex (openssl `serial=0A1B…`, semper `0a1b…`); stripping leading zeros
    // here made the test fail whenever the random serial started with a 0 nibble.
    expect(v.signer.serialNumber).toBe(serial.toLowerCase());
    expect(v.signingTime).not.toBeNull();
  });

  it.each(signers)('%s, openssl defaults (detached), PEM, -md sha384', async (who) => {
    await ossl(
      `cms -sign -binary -in content.txt -signer ${who}.pem -inkey ${who}.key -outform PEM -md sha384 -out od-${who}.pem`,
    );
    const r = await ok(`cms verify --in od-${who}.pem --content content.txt --CAfile ca.pem --inform PEM --json`);
    expect(JSON.parse(r.stdout)).toMatchObject({ verified: true, digestAlgorithm: 'SHA-384', detached: true });
  });

  it('a tampered openssl signature is a negative verdict (exit 1)', async () => {
    await s.write('content2.txt', `${CONTENT}!`);
    const r = await semper('cms verify --in od-alice.pem --content content2.txt --CAfile ca.pem');
    expect(r.code).toBe(1);
    expect(errorLine(r.stderr).code).toBe('ERR_CRYPTO_BAD_SIGNATURE');
  });
});

const recipients = ['bob', 'alice'] as const; // RSA (key transport), EC (key agreement)
const ciphers = ['', '--aes-128-gcm', '--aes-256-gcm', '--aes-128-cbc', '--aes-256-cbc'];

describe('semper cms encrypt → openssl cms -decrypt', () => {
  for (const who of recipients) {
    it.each(ciphers)(`${who}: %j`, async (flag) => {
      const out = `e-${who}${flag || '-default'}.der`;
      await ok(`cms encrypt --in content.txt --out ${out} --recip ${who}.pem ${flag}`);
      const plain = await ossl(`cms -decrypt -binary -inform DER -in ${out} -recip ${who}.pem -inkey ${who}.key`);
      expect(plain.toString()).toBe(CONTENT);
    });
  }

  it('PEM output, two recipients', async () => {
    await ok('cms encrypt --in content.txt --out e-two.pem --recip alice.pem --recip bob.pem --pem');
    for (const who of recipients) {
      const plain = await ossl(`cms -decrypt -binary -inform PEM -in e-two.pem -recip ${who}.pem -inkey ${who}.key`);
      expect(plain.toString()).toBe(CONTENT);
    }
  });
});

describe('openssl cms -encrypt → semper cms decrypt', () => {
  it.each(recipients)('%s, openssl defaults', async (who) => {
    await ossl(`cms -encrypt -binary -in content.txt -outform DER -out oe-${who}.der ${who}.pem`);
    await ok(`cms decrypt --in oe-${who}.der --out oe-${who}.out --recip ${who}.pem --inkey ${who}.key`);
    expect((await s.read(`oe-${who}.out`)).toString()).toBe(CONTENT);
  });

  it.each(recipients)('%s, -aes-256-gcm, PEM', async (who) => {
    await ossl(`cms -encrypt -binary -aes-256-gcm -in content.txt -outform PEM -out og-${who}.pem ${who}.pem`);
    await ok(`cms decrypt --in og-${who}.pem --out og-${who}.out --recip ${who}.pem --inkey ${who}.key`);
    expect((await s.read(`og-${who}.out`)).toString()).toBe(CONTENT);
  });

  it('RSA-OAEP key transport (-keyopt rsa_padding_mode:oaep)', async () => {
    await ossl(
      'cms -encrypt -binary -in content.txt -outform DER -out oaep.der -recip bob.pem -keyopt rsa_padding_mode:oaep',
    );
    await ok('cms decrypt --in oaep.der --out oaep.out --recip bob.pem --inkey bob.key');
    expect((await s.read('oaep.out')).toString()).toBe(CONTENT);
  });
});

describe('signed receipts (RFC 2634)', () => {
  it('openssl asks → semper cms receipt → openssl cms -verify_receipt', async () => {
    await ossl(
      'cms -sign -binary -nodetach -in content.txt -signer alice.pem -inkey alice.key -receipt_request_all ' +
        '-receipt_request_to alice@example.com -outform DER -out rr.der',
    );
    await ok('cms receipt --in rr.der --out rr.rct --signer bob.pem --inkey bob.key --CAfile ca.pem');
    await ossl('cms -verify_receipt rr.rct -rctform DER -in rr.der -inform DER -CAfile ca.pem');
    await ok('cms verify-receipt --in rr.rct --original rr.der --CAfile ca.pem'); // and semper agrees
  });

  it('semper asks → openssl cms -sign_receipt → semper cms verify-receipt', async () => {
    await ok(
      'cms sign --in content.txt --out sr.der --signer alice.pem --inkey alice.key --receipt-request-to alice@example.com',
    );
    await ossl('cms -sign_receipt -in sr.der -inform DER -signer bob.pem -inkey bob.key -outform DER -out sr.rct');
    const r = await ok('cms verify-receipt --in sr.rct --original sr.der --CAfile ca.pem --json');
    expect(JSON.parse(r.stdout).signer.subject).toContain('CN=bob');
    await ossl('cms -verify_receipt sr.rct -rctform DER -in sr.der -inform DER -CAfile ca.pem');
  });
});
