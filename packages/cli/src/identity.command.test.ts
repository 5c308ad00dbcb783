// `semper identity …` in-process; the outputs are read back with openssl.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Scratch, scratch } from '../../../test/support/openssl.js';
import { errorLine, type RunResult, run, words } from './run.test-util.js';

let s: Scratch;
const env = { PASS: 'correct horse battery staple', WRONG: 'Tr0ub4dor&3' };
const semper = (line: string, ...extra: string[]): Promise<RunResult> =>
  run(words(line, ...extra), { cwd: s.dir, env });

async function ok(line: string, ...extra: string[]): Promise<RunResult> {
  const r = await semper(line, ...extra);
  if (r.code !== 0) throw new Error(`semper ${line} → ${r.code}: ${r.stderr}`);
  expect(r.stderr).toBe('');
  return r;
}

/** `openssl …` in the scratch folder, with PASS and WRONG in its environment; stdout as text. */
function ossl(line: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('openssl', words(line), { cwd: s.dir, env: { ...process.env, ...env } }, (err, stdout, stderr) =>
      err ? reject(new Error(`openssl ${line}: ${stderr}`)) : resolve(stdout.toString()),
    );
  });
}

const mode = async (name: string): Promise<number> => (await stat(s.path(name))).mode & 0o777;

beforeAll(async () => {
  s = await scratch('semper-cli-identity-');
  // One RSA key for the whole file: RSA key generation is slow.
  await ok('identity create --bits 2048 --out-key rsa.key --out-cert rsa.pem --subject', 'CN=RSA Party,O=Example');
});
afterAll(async () => {
  await s?.dispose();
});

describe('identity create', () => {
  it.each([
    ['EC P-256 (default)', '', /ASN1 OID: prime256v1/],
    ['EC P-384', '--ec --curve P-384', /ASN1 OID: secp384r1/],
  ])('%s: openssl reads the key and the certificate, and they match', async (_, flags, curve) => {
    const name = flags === '' ? 'p256' : 'p384';
    await ok(`identity create --subject CN=Alice,O=Example ${flags} --out-key ${name}.key --out-cert ${name}.pem`);
    const subject = await ossl(`x509 -in ${name}.pem -noout -subject -nameopt RFC2253`);
    // The RDN order is the engine's reading of RFC 4514; both attributes must be there.
    expect(subject.trim().replace('subject=', '').split(',').sort()).toEqual(['CN=Alice', 'O=Example']);
    expect(await ossl(`pkey -in ${name}.key -noout -text`)).toMatch(curve);
    expect((await s.read(`${name}.key`)).toString()).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(await ossl(`pkey -in ${name}.key -pubout`)).toBe(await ossl(`x509 -in ${name}.pem -noout -pubkey`));
    expect(await mode(`${name}.key`)).toBe(0o600);
  });

  it('RSA: --bits 2048; the private key file has mode 0600; the certificate is self-signed', async () => {
    expect(await ossl('pkey -in rsa.key -noout -text')).toMatch(/Private-Key: \(2048 bit/);
    expect(await ossl('pkey -in rsa.key -pubout')).toBe(await ossl('x509 -in rsa.pem -noout -pubkey'));
    expect(await mode('rsa.key')).toBe(0o600);
    expect(await ossl('verify -CAfile rsa.pem rsa.pem')).toContain('OK');
  });

  it('--days sets the validity', async () => {
    await ok('identity create --subject CN=Short --days 2 --out-key short.key --out-cert short.pem');
    const end = await ossl('x509 -in short.pem -noout -enddate');
    const days = (Date.parse(end.trim().replace('notAfter=', '')) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(1);
    expect(days).toBeLessThanOrEqual(2.01);
  });

  it('a malformed subject is an input error (exit 2) and writes nothing', async () => {
    const r = await semper('identity create --out-key bad.key --out-cert bad.pem --subject', 'not a name');
    expect(r.code).toBe(2);
    expect(errorLine(r.stderr).message).toMatch(/^--subject: /);
    expect(existsSync(s.path('bad.key'))).toBe(false);
    expect(existsSync(s.path('bad.pem'))).toBe(false);
  });
});

describe('identity pack / unpack', () => {
  beforeAll(async () => {
    await ok('identity pack --key rsa.key --cert rsa.pem --out rsa.id.pem --passout env:PASS');
  });

  it('writes an encrypted PKCS#8 key and the certificate, which openssl reads with -passin', async () => {
    const text = (await s.read('rsa.id.pem')).toString();
    expect(text).toContain('-----BEGIN ENCRYPTED PRIVATE KEY-----');
    expect(text).toContain('-----BEGIN CERTIFICATE-----');
    expect(text).not.toContain('-----BEGIN PRIVATE KEY-----');
    expect(await mode('rsa.id.pem')).toBe(0o600);
    expect(await ossl('pkey -in rsa.id.pem -passin env:PASS -pubout')).toBe(
      await ossl('x509 -in rsa.pem -noout -pubkey'),
    );
    expect(await ossl('x509 -in rsa.id.pem -noout -fingerprint')).toBe(
      await ossl('x509 -in rsa.pem -noout -fingerprint'),
    );
    await expect(ossl('pkey -in rsa.id.pem -passin env:WRONG -noout')).rejects.toThrow();
  });

  it('unpacks what it packed', async () => {
    await ok('identity unpack --in rsa.id.pem --passin env:PASS --out-key rsa2.key --out-cert rsa2.pem');
    expect((await s.read('rsa2.pem')).toString()).toBe((await s.read('rsa.pem')).toString());
    expect(await ossl('pkey -in rsa2.key -pubout')).toBe(await ossl('pkey -in rsa.key -pubout'));
    expect(await mode('rsa2.key')).toBe(0o600);
  });

  it('reads the passphrase from file: and stdin', async () => {
    await s.write('pass.txt', `${env.PASS}\n`);
    await ok('identity unpack --in rsa.id.pem --passin file:pass.txt --out-key f.key --out-cert f.pem');
    const r = await run(words('identity unpack --in rsa.id.pem --passin stdin --out-key i.key --out-cert i.pem'), {
      cwd: s.dir,
      stdin: `${env.PASS}\n`,
    });
    expect(r.code).toBe(0);
    expect(existsSync(s.path('i.key'))).toBe(true);
  });

  it('packs a key openssl wrote (SEC1 EC key) with a chain', async () => {
    await ossl('ecparam -name prime256v1 -genkey -noout -out sec1.key');
    await ossl('req -x509 -key sec1.key -subj /CN=SEC1 -days 3 -out sec1.pem');
    expect((await s.read('sec1.key')).toString()).toMatch(/^-----BEGIN EC PRIVATE KEY-----/);
    await ok('identity pack --key sec1.key --cert sec1.pem --chain rsa.pem --out sec1.id.pem --passin env:PASS');
    await ok(
      'identity unpack --in sec1.id.pem --passin env:PASS --out-key sec1b.key --out-cert sec1b.pem --out-chain sec1b.chain.pem',
    );
    expect((await s.read('sec1b.chain.pem')).toString()).toBe((await s.read('rsa.pem')).toString());
    expect(await ossl('pkey -in sec1b.key -pubout')).toBe(await ossl('pkey -in sec1.key -pubout'));
  });

  it('a wrong passphrase is an input error (exit 2), with nothing written', async () => {
    const r = await semper('identity unpack --in rsa.id.pem --passin env:WRONG --out-key w.key --out-cert w.pem');
    expect(r.code).toBe(2);
    expect(errorLine(r.stderr).code).toBe('ERR_CRYPTO_BAD_PASSPHRASE');
    expect(r.stderr).not.toContain(env.WRONG);
    expect(existsSync(s.path('w.key'))).toBe(false);
  });

  it('an unset variable, no terminal, or a key that is not the certificate’s: exit 2', async () => {
    let r = await semper('identity unpack --in rsa.id.pem --passin env:NOPE --out-key w.key --out-cert w.pem');
    expect(r.code).toBe(2);
    expect(errorLine(r.stderr).code).toBe('ERR_CLI_PASSPHRASE');
    r = await semper('identity unpack --in rsa.id.pem --out-key w.key --out-cert w.pem');
    expect(r.code).toBe(2);
    expect(errorLine(r.stderr)).toMatchObject({
      code: 'ERR_CLI_PASSPHRASE',
      message: expect.stringContaining('--passin'),
    });
    r = await semper('identity pack --key sec1.key --cert rsa.pem --out mix.id.pem --passout env:PASS');
    expect(r.code).toBe(2);
    expect(errorLine(r.stderr).code).toBe('ERR_CLI_KEY_MISMATCH');
    expect(existsSync(s.path('mix.id.pem'))).toBe(false);
  });

  it('a malformed key or packed file is an input error (exit 2)', async () => {
    await s.write('junk.key', '-----BEGIN PRIVATE KEY-----\nMIIBVQIBADANBg==\n-----END PRIVATE KEY-----\n');
    let r = await semper('identity pack --key junk.key --cert rsa.pem --out junk.id.pem --passout env:PASS');
    expect(r.code).toBe(2);
    expect(errorLine(r.stderr)).toMatchObject({
      code: 'ERR_CRYPTO_MALFORMED',
      message: expect.stringMatching(/^junk\.key: /),
    });
    r = await semper('identity unpack --in rsa.pem --passin env:PASS --out-key j.key --out-cert j.pem');
    expect(r.code).toBe(2);
    errorLine(r.stderr);
  });
});
