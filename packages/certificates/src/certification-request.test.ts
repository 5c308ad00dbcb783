// PKCS#10 certification requests, both ways with OpenSSL:
//   OpenSSL → semper: `openssl req -new` requests (EC P-256/P-384, RSA PKCS#1 v1.5 and PSS, Ed25519, with and
//   without requested extensions) parse and verify; SHA-1 and weak keys are refused.
//   semper → OpenSSL: createCertificationRequest output passes `openssl req -verify`, subject and extensions intact.
// Malformed input: truncation, trailing bytes, BER, the size and nesting guards, random corruption (fast-check).
import { CryptoError, generateKeyPair, type KeySpec, PrivateKey } from '@semper/crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openssl, opensslOk, type Scratch, scratch } from '../../../test/support/openssl.js';
import {
  CertificationRequest,
  createCertificationRequest,
  verifyCertificationRequest,
} from './certification-request.js';
import { CertificatesError } from './errors.js';

let s: Scratch;
let n = 0;
const fromOpenssl: Record<string, { pem: string; key?: PrivateKey }> = {};

/** `openssl req -new` with a new key made by `newkey` and extra arguments. */
async function opensslRequest(
  newkey: string[],
  subj: string,
  extra: string[] = [],
): Promise<{ pem: string; key?: PrivateKey }> {
  const id = ++n;
  await opensslOk(
    ['req', '-new', ...newkey, '-nodes', '-keyout', `k${id}.pem`, '-subj', subj, '-out', `r${id}.pem`, ...extra],
    { cwd: s.dir },
  );
  const pem = (await s.read(`r${id}.pem`)).toString('utf8');
  try {
    return { pem, key: PrivateKey.fromPem((await s.read(`k${id}.pem`)).toString('utf8')) };
  } catch {
    return { pem }; // a key semper does not use (P-521)
  }
}

function rejection(fn: () => unknown): Promise<unknown> {
  return (async () => {
    try {
      await fn();
    } catch (err) {
      return err;
    }
    throw new Error('expected a rejection');
  })();
}

beforeAll(async () => {
  s = await scratch('semper-csr-');
  const entries = await Promise.all([
    opensslRequest(['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'], '/CN=Alice/O=Example/C=DE', [
      '-addext',
      'subjectAltName=email:alice@example.com',
      '-addext',
      'keyUsage=critical,digitalSignature',
    ]),
    opensslRequest(['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-384', '-sha384'], '/CN=Bob P-384'),
    opensslRequest(['-newkey', 'rsa:2048'], '/CN=Carol RSA/O=Example\\, Inc.'),
    opensslRequest(
      ['-newkey', 'rsa:2048', '-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:32'],
      '/CN=Dave PSS',
    ),
    opensslRequest(['-newkey', 'ed25519'], '/CN=Erin Ed25519'),
    opensslRequest(['-newkey', 'rsa:2048', '-sha1'], '/CN=Old SHA-1'),
    opensslRequest(['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-521'], '/CN=P-521'),
  ]);
  const names = ['ec', 'p384', 'rsa', 'pss', 'ed25519', 'sha1', 'p521'];
  names.forEach((name, i) => {
    fromOpenssl[name] = entries[i]!;
  });
});

afterAll(async () => {
  await s?.dispose();
});

describe('requests made by openssl req', () => {
  it.each([
    ['ec', 'CN=Alice, O=Example, C=DE', 'ecdsa-with-SHA256', 'ec'],
    ['p384', 'CN=Bob P-384', 'ecdsa-with-SHA384', 'ec'],
    ['rsa', 'CN=Carol RSA, O=Example\\, Inc.', 'sha256WithRSAEncryption', 'rsa'],
    ['pss', 'CN=Dave PSS', 'RSASSA-PSS-SHA256', 'rsa'],
    ['ed25519', 'CN=Erin Ed25519', 'Ed25519', 'ed25519'],
  ])('%s: parses, subject and key read, proof of possession verifies', async (name, subject, alg, type) => {
    const { pem, key } = fromOpenssl[name]!;
    const request = CertificationRequest.fromPem(pem);
    expect(request.subject).toBe(subject);
    expect(request.signatureAlgorithm).toBe(alg);
    expect(request.publicKey.type).toBe(type);
    expect(request.publicKey.equals(key!.publicKey())).toBe(true);
    expect(await request.verify()).toBe(true);
    expect((await verifyCertificationRequest(request.der)).subject).toBe(subject);
    expect(CertificationRequest.from(request.toPem()).der).toEqual(request.der);
  });

  it('reads the requested extensions (which a CA module does not have to honour)', () => {
    const request = CertificationRequest.fromPem(fromOpenssl.ec!.pem);
    expect(request.extensions.map((e) => [e.oid, e.critical])).toEqual([
      ['2.5.29.17', false],
      ['2.5.29.15', true],
    ]);
    expect(Buffer.from(request.extension('2.5.29.17')!.value).toString('latin1')).toContain('alice@example.com');
    expect(request.attributes.map((a) => a.oid)).toEqual(['1.2.840.113549.1.9.14']);
  });

  it('refuses SHA-1 signatures and keys semper does not use, with typed errors', async () => {
    expect(await rejection(() => CertificationRequest.fromPem(fromOpenssl.sha1!.pem))).toMatchObject({
      code: 'ERR_CERTIFICATES_UNSUPPORTED_ALGORITHM',
    });
    const p521 = await rejection(() => CertificationRequest.fromPem(fromOpenssl.p521!.pem));
    expect(p521).toBeInstanceOf(CertificatesError);
    expect(p521).toMatchObject({ code: 'ERR_CERTIFICATES_UNSUPPORTED_KEY' });
    expect((p521 as CertificatesError).cause).toBeInstanceOf(CryptoError);
  });

  it('refuses a request whose signature is not by its own key: ERR_CERTIFICATES_POP_FAILED', async () => {
    const der = CertificationRequest.fromPem(fromOpenssl.rsa!.pem).der;
    const tampered = new Uint8Array(der);
    const at = Buffer.from(tampered).indexOf('Carol');
    tampered[at] = 'K'.charCodeAt(0);
    const request = CertificationRequest.fromDer(tampered);
    expect(request.subject).toBe('CN=Karol RSA, O=Example\\, Inc.');
    expect(await request.verify()).toBe(false);
    expect(await rejection(() => verifyCertificationRequest(tampered))).toMatchObject({
      code: 'ERR_CERTIFICATES_POP_FAILED',
      name: 'CertificatesError',
    });
  });
});

describe('requests made by semper', () => {
  const specs: [string, KeySpec][] = [
    ['EC P-256', { type: 'ec', curve: 'P-256' }],
    ['EC P-384', { type: 'ec', curve: 'P-384' }],
    ['RSA 2048', { type: 'rsa', modulusLength: 2048 }],
    ['Ed25519', { type: 'ed25519' }],
  ];
  it.each(specs)('%s: openssl req -verify accepts it, subject and extensions intact', async (_name, spec) => {
    const keys = await generateKeyPair(spec);
    const email = Buffer.from('alice@example.com', 'latin1');
    const san = Uint8Array.from([0x30, email.length + 2, 0x81, email.length, ...email]); // email:alice@example.com
    const request = await createCertificationRequest({
      subject: 'CN=Agency 42, O=Hub\\, Ltd., C=DE',
      keys,
      extensions: [{ oid: '2.5.29.17', critical: false, value: san }],
    });
    expect(await request.verify()).toBe(true);
    const f = await s.write(`semper-${++n}.csr`, request.toPem());
    const r = await openssl(['req', '-in', f, '-verify', '-noout', '-subject', '-text'], { cwd: s.dir });
    expect(r.code, r.stderr).toBe(0);
    const out = r.stdout.toString('utf8') + r.stderr;
    expect(out).toMatch(/verify OK/i);
    expect(out).toContain('subject=CN = Agency 42, O = "Hub, Ltd.", C = DE');
    expect(out).toContain('email:alice@example.com');
    // And the DER form too.
    const der = await s.write(`semper-${n}.der`, request.der);
    expect((await openssl(['req', '-inform', 'DER', '-in', der, '-verify', '-noout'])).code).toBe(0);
  });

  it('takes the subject as DER and derives the public key; refuses a foreign public key and bad extensions', async () => {
    const keys = await generateKeyPair({ type: 'ec', curve: 'P-256' });
    const other = await generateKeyPair({ type: 'ec', curve: 'P-256' });
    const first = await createCertificationRequest({
      subject: 'CN=DER subject',
      keys: { privateKey: keys.privateKey },
    });
    const again = await createCertificationRequest({ subject: first.subjectDer, keys });
    expect(again.subject).toBe('CN=DER subject');
    expect(
      await rejection(() =>
        createCertificationRequest({ subject: 'CN=x', keys: { ...keys, publicKey: other.publicKey } }),
      ),
    ).toMatchObject({
      code: 'ERR_CERTIFICATES_UNSUPPORTED_KEY',
    });
    expect(await rejection(() => createCertificationRequest({ subject: 'not a DN', keys }))).toMatchObject({
      code: 'ERR_CERTIFICATES_INVALID_ARGUMENT',
    });
    expect(
      await rejection(() =>
        createCertificationRequest({
          subject: 'CN=x',
          keys,
          extensions: [{ oid: 'nope', critical: false, value: new Uint8Array(2) }],
        }),
      ),
    ).toMatchObject({ code: 'ERR_CERTIFICATES_INVALID_ARGUMENT' });
  });
});

describe('malformed input', () => {
  let good: CertificationRequest;
  beforeAll(async () => {
    good = await createCertificationRequest({
      subject: 'CN=Malformed Tests',
      keys: await generateKeyPair({ type: 'ec', curve: 'P-256' }),
    });
  });

  it.each([
    ['truncated', (d: Uint8Array) => d.subarray(0, d.length - 1)],
    ['trailing bytes', (d: Uint8Array) => Uint8Array.from([...d, 0])],
    ['empty', () => new Uint8Array(0)],
    ['not a SEQUENCE', (d: Uint8Array) => Uint8Array.from([0x31, ...d.subarray(1)])],
    ['a certificate-shaped SEQUENCE of two', () => Uint8Array.of(0x30, 0x04, 0x30, 0x00, 0x30, 0x00)],
    [
      'BER indefinite length',
      (d: Uint8Array) => {
        const header = d[1]! < 0x80 ? 2 : 2 + (d[1]! & 0x7f);
        return Uint8Array.from([0x30, 0x80, ...d.subarray(header), 0, 0]);
      },
    ],
    [
      'version 2',
      (d: Uint8Array) => {
        const copy = new Uint8Array(d);
        const at = Buffer.from(copy).indexOf(Uint8Array.of(0x02, 0x01, 0x00));
        copy[at + 2] = 1;
        return copy;
      },
    ],
  ])('%s: ERR_CERTIFICATES_MALFORMED', async (_name, mutate) => {
    const err = await rejection(() => CertificationRequest.fromDer(mutate(good.der)));
    expect(err).toBeInstanceOf(CertificatesError);
    expect(err).toMatchObject({ code: 'ERR_CERTIFICATES_MALFORMED' });
  });

  it('applies the size and nesting guards before parsing', async () => {
    const big = new Uint8Array(70 * 1024);
    big.set([0x30, 0x83, 0x01, 0x17, 0xfc]);
    expect(await rejection(() => CertificationRequest.fromDer(big))).toMatchObject({
      code: 'ERR_CERTIFICATES_TOO_LARGE',
    });
    let deep = Uint8Array.of(0x05, 0x00);
    for (let i = 0; i < 40; i++) deep = Uint8Array.from([0x30, deep.length, ...deep]);
    expect(await rejection(() => CertificationRequest.fromDer(deep))).toMatchObject({
      code: 'ERR_CERTIFICATES_TOO_DEEP',
    });
    expect(await rejection(() => CertificationRequest.fromDer(good.der, { maxBytes: 100 }))).toMatchObject({
      code: 'ERR_CERTIFICATES_TOO_LARGE',
    });
  });

  it('PEM without a request block, and wrong input types', async () => {
    expect(await rejection(() => CertificationRequest.fromPem('hello'))).toMatchObject({
      code: 'ERR_CERTIFICATES_MALFORMED',
    });
    expect(
      await rejection(() =>
        CertificationRequest.fromPem('-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n'),
      ),
    ).toMatchObject({ code: 'ERR_CERTIFICATES_MALFORMED' });
    expect(await rejection(() => CertificationRequest.fromDer('x' as unknown as Uint8Array))).toMatchObject({
      code: 'ERR_CERTIFICATES_INVALID_ARGUMENT',
    });
    expect(
      CertificationRequest.fromPem(good.toPem().replace(/CERTIFICATE REQUEST/g, 'NEW CERTIFICATE REQUEST')).subject,
    ).toBe('CN=Malformed Tests');
  });

  it('any corruption of a request is a typed error or a failed proof of possession, never a crash', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: good.der.length - 1 }), fc.integer({ min: 1, max: 255 }), async (at, xor) => {
        const copy = new Uint8Array(good.der);
        copy[at]! ^= xor;
        let request: CertificationRequest;
        try {
          request = CertificationRequest.fromDer(copy);
        } catch (err) {
          expect(err).toBeInstanceOf(CertificatesError);
          return;
        }
        try {
          expect(await request.verify()).toBe(false);
        } catch (err) {
          expect(err).toBeInstanceOf(CertificatesError);
        }
      }),
      { numRuns: 300 },
    );
  });
});
