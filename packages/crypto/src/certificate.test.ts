import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { opensslOk, type Scratch, scratch } from '../../../test/support/openssl.js';
import { Certificate, createSelfSignedCertificate, issueCertificate } from './certificate.js';
import { berBytes, berChildren, berRead, derEncode, derOid, derPrimitive, derTlv, TAG } from './cms-structures.js';
import { CryptoError, MalformedInputError } from './errors.js';
import { generateKeyPair, PrivateKey, type PublicKey } from './keys.js';
import { encodeName } from './name.js';
import { OID } from './oids.js';
import { fromPem, toPem } from './pem.js';
import { createTestPki, type TestPki } from './testing.js';

type Pair = { privateKey: PrivateKey; publicKey: PublicKey };
let s: Scratch;
let n = 0;
const hex = (b: Uint8Array | undefined) => (b === undefined ? undefined : Buffer.from(b).toString('hex'));

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  return undefined;
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => undefined,
    (e: unknown) => e,
  );
}

async function read(name: string): Promise<Certificate> {
  const [c] = Certificate.fromPem((await s.read(name)).toString());
  return c;
}

/** Runs `openssl x509 -in <cert> -noout <args>` on a certificate. */
async function x509(cert: Certificate, ...args: string[]): Promise<string> {
  const f = `x${++n}.pem`;
  await s.write(f, cert.toPem());
  return (await opensslOk(['x509', '-in', f, '-noout', ...args], { cwd: s.dir })).toString('utf8');
}

/** `openssl verify` of `leaf` against `root` with `untrusted` intermediates. */
async function opensslVerify(root: Certificate, untrusted: Certificate[], leaf: Certificate): Promise<string> {
  const k = ++n;
  await s.write(`root${k}.pem`, root.toPem());
  await s.write(`leaf${k}.pem`, leaf.toPem());
  const args = ['verify', '-CAfile', `root${k}.pem`];
  if (untrusted.length > 0) {
    await s.write(`int${k}.pem`, untrusted.map((c) => c.toPem()).join(''));
    args.push('-untrusted', `int${k}.pem`);
  }
  return (await opensslOk([...args, `leaf${k}.pem`], { cwd: s.dir })).toString('utf8');
}

beforeAll(async () => {
  s = await scratch('semper-cert-');
  const o = { cwd: s.dir };
  await opensslOk(
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      'ca.key',
      '-out',
      'ca.pem',
      '-subj',
      '/C=DE/O=semper/CN=OpenSSL Root',
      '-days',
      '30',
      '-set_serial',
      '1',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ],
    o,
  );
  await s.write(
    'leaf.ext',
    [
      'basicConstraints=CA:FALSE',
      'keyUsage=critical,digitalSignature,nonRepudiation,keyAgreement',
      'extendedKeyUsage=emailProtection,clientAuth',
      'subjectKeyIdentifier=hash',
      'authorityKeyIdentifier=keyid',
      'subjectAltName=email:leaf@example.org',
      '',
    ].join('\n'),
  );
  await s.write(
    'int.ext',
    'basicConstraints=critical,CA:TRUE,pathlen:2\nkeyUsage=critical,keyCertSign,digitalSignature,decipherOnly\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n',
  );
  await Promise.all([
    opensslOk(
      [
        'req',
        '-new',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-384',
        '-nodes',
        '-keyout',
        'leaf.key',
        '-subj',
        '/CN=leaf ec/O=semper',
        '-out',
        'leaf.csr',
      ],
      o,
    ),
    opensslOk(
      [
        'req',
        '-new',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        'rsa.key',
        '-subj',
        '/CN=leaf rsa',
        '-out',
        'rsa.csr',
      ],
      o,
    ),
    opensslOk(
      [
        'req',
        '-new',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-keyout',
        'int.key',
        '-subj',
        '/CN=int',
        '-out',
        'int.csr',
      ],
      o,
    ),
  ]);
  const sign = (csr: string, out: string, serial: string, ext?: string, extra: string[] = []) =>
    opensslOk(
      [
        'x509',
        '-req',
        '-in',
        csr,
        '-CA',
        'ca.pem',
        '-CAkey',
        'ca.key',
        '-set_serial',
        serial,
        '-days',
        '10',
        ...(ext ? ['-extfile', ext] : []),
        ...extra,
        '-out',
        out,
      ],
      o,
    );
  await Promise.all([
    sign('leaf.csr', 'leaf.pem', '0x8000000000000001', 'leaf.ext'),
    sign('rsa.csr', 'rsa.pem', '0x0a', 'leaf.ext', ['-sha384']),
    sign('int.csr', 'int.pem', '0x7fffffffffffffffffffffffffffffffffffffff', 'int.ext'),
    sign('leaf.csr', 'v1.pem', '0x00ff'),
  ]);
});

afterAll(async () => {
  await s?.dispose();
});

describe('Certificate.fromPem / fromDer with certificates OpenSSL made', () => {
  it('reads subject, issuer, serial, validity, version and key', async () => {
    const leaf = await read('leaf.pem');
    expect(leaf.subject).toBe('CN=leaf ec, O=semper');
    expect(leaf.issuer).toBe('C=DE, O=semper, CN=OpenSSL Root');
    expect(leaf.version).toBe(3);
    expect(leaf.isSelfIssued).toBe(false);
    expect(leaf.publicKey.equals(PrivateKey.fromPem((await s.read('leaf.key')).toString()).publicKey())).toBe(true);
    expect(leaf.publicKey.curve).toBe('P-384');
    for (const name of ['leaf.pem', 'rsa.pem', 'int.pem', 'v1.pem', 'ca.pem']) {
      const c = await read(name);
      const out = await x509(c, '-serial', '-dates', '-dateopt', 'iso_8601');
      const serial = /serial=([0-9A-F]+)/.exec(out)?.[1];
      expect(c.serialNumber, name).toBe(serial?.toLowerCase());
      const nb = /notBefore=(.+)/.exec(out)?.[1] as string;
      const na = /notAfter=(.+)/.exec(out)?.[1] as string;
      expect(c.notBefore.toISOString(), name).toBe(new Date(nb.replace(' ', 'T')).toISOString());
      expect(c.notAfter.toISOString(), name).toBe(new Date(na.replace(' ', 'T')).toISOString());
      const fp = /Fingerprint=([0-9A-F:]+)/.exec(await x509(c, '-fingerprint', '-sha256'))?.[1];
      expect(await c.fingerprint(), name).toBe(fp?.replace(/:/g, '').toLowerCase());
    }
    expect((await read('leaf.pem')).serialNumber).toBe('8000000000000001');
    expect(hex((await read('leaf.pem')).serialDer)).toBe('008000000000000001');
    expect((await read('rsa.pem')).serialNumber).toBe('0a');
    expect((await read('int.pem')).serialNumber).toBe('7fffffffffffffffffffffffffffffffffffffff');
    expect((await read('v1.pem')).serialNumber).toBe('ff');
  });

  it('reads SKI, AKI, basicConstraints, keyUsage and extendedKeyUsage as OpenSSL prints them', async () => {
    const ca = await read('ca.pem');
    const leaf = await read('leaf.pem');
    const int = await read('int.pem');
    const ski = (text: string) =>
      /Subject Key Identifier:\s*\n\s*([0-9A-F:]+)/.exec(text)?.[1].replace(/:/g, '').toLowerCase();
    const aki = (text: string) =>
      /Authority Key Identifier:\s*\n\s*(?:keyid:)?([0-9A-F:]+)/.exec(text)?.[1].replace(/:/g, '').toLowerCase();
    const leafText = await x509(leaf, '-text');
    expect(hex(leaf.subjectKeyIdentifier)).toBe(ski(leafText));
    expect(hex(leaf.authorityKeyIdentifier)).toBe(aki(leafText));
    expect(hex(leaf.authorityKeyIdentifier)).toBe(hex(ca.subjectKeyIdentifier));
    expect(leaf.basicConstraints).toEqual({ ca: false, pathLength: undefined });
    expect(leaf.keyUsage).toEqual(['digitalSignature', 'nonRepudiation', 'keyAgreement']);
    expect(leaf.extendedKeyUsage).toEqual(['1.3.6.1.5.5.7.3.4', '1.3.6.1.5.5.7.3.2']);
    // The extensions in order, with their criticality; subjectAltName is kept though not decoded.
    expect(leaf.extensions.map((e) => [e.oid, e.critical])).toEqual([
      [OID.basicConstraints, false],
      [OID.keyUsage, true],
      [OID.extKeyUsage, false],
      [OID.subjectKeyIdentifier, false],
      [OID.authorityKeyIdentifier, false],
      ['2.5.29.17', false],
    ]);
    expect(int.basicConstraints).toEqual({ ca: true, pathLength: 2 });
    // decipherOnly is bit 8: a two-byte BIT STRING.
    expect(int.keyUsage).toEqual(['digitalSignature', 'keyCertSign', 'decipherOnly']);
    expect(ca.basicConstraints).toEqual({ ca: true, pathLength: undefined });
    expect(ca.keyUsage).toEqual(['keyCertSign', 'cRLSign']);
    expect(ca.isSelfIssued).toBe(true);
    const v1 = await read('v1.pem');
    expect(v1.version).toBe(1);
    expect(v1.extensions).toEqual([]);
    expect([v1.basicConstraints, v1.keyUsage, v1.extendedKeyUsage, v1.subjectKeyIdentifier]).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });

  it('reads every CERTIFICATE block in order, ignoring other blocks, and writes the same PEM', async () => {
    const text = [
      (await s.read('leaf.pem')).toString(),
      (await s.read('leaf.key')).toString(),
      (await s.read('int.pem')).toString(),
      (await s.read('ca.pem')).toString(),
    ].join('');
    const certs = Certificate.fromPem(text);
    expect(certs.map((c) => c.subject)).toEqual(['CN=leaf ec, O=semper', 'CN=int', 'C=DE, O=semper, CN=OpenSSL Root']);
    expect(certs[0].toPem()).toBe((await s.read('leaf.pem')).toString());
    expect(Certificate.fromPem((await s.read('leaf.key')).toString())).toEqual([]);
    expect(thrown(() => Certificate.fromPem('no PEM here'))).toMatchObject({ code: 'ERR_CRYPTO_MALFORMED' });
    const der = fromPem(text, 'CERTIFICATE')[1].der;
    expect(Certificate.fromDer(der).equals(certs[1])).toBe(true);
    expect(certs[0].equals(certs[1])).toBe(false);
  });

  it('checks signatures: isIssuedBy and verifySignature', async () => {
    const [ca, leaf, rsa, int, v1] = await Promise.all(['ca', 'leaf', 'rsa', 'int', 'v1'].map((f) => read(`${f}.pem`)));
    for (const c of [leaf, rsa, int, v1]) expect(await c.isIssuedBy(ca), c.subject).toBe(true);
    expect(await ca.isIssuedBy(ca)).toBe(true);
    expect(await leaf.isIssuedBy(int)).toBe(false); // name mismatch
    expect(await int.isIssuedBy(leaf)).toBe(false);
    expect(await leaf.verifySignature(ca.publicKey)).toBe(true);
    expect(await leaf.verifySignature(int.publicKey)).toBe(false);
    await expect(leaf.verifySignature(rsa.publicKey)).rejects.toMatchObject({
      code: 'ERR_CRYPTO_UNSUPPORTED_ALGORITHM',
    });
    // Memoized per issuer object.
    expect(leaf.isIssuedBy(ca)).toBe(leaf.isIssuedBy(ca));
    // Same issuer Name, another key: false, whether the AKI contradicts or is absent.
    const impostorKeys = await generateKeyPair({ type: 'ec', curve: 'P-256' });
    const impostor = await issueCertificate(
      { subject: ca.subjectDer, publicKey: impostorKeys.publicKey, basicConstraints: { ca: true } },
      { privateKey: impostorKeys.privateKey },
    );
    expect(impostor.subject).toBe(ca.subject);
    expect(await leaf.isIssuedBy(impostor)).toBe(false);
    expect(await v1.isIssuedBy(impostor)).toBe(false);
  });
});

describe('issueCertificate / createSelfSignedCertificate', () => {
  let pki: TestPki;
  let rsaKeys: Pair;
  let p384: Pair;
  let ed: Pair;

  beforeAll(async () => {
    [pki, rsaKeys, p384, ed] = await Promise.all([
      createTestPki(),
      generateKeyPair({ type: 'rsa', modulusLength: 2048 }),
      generateKeyPair({ type: 'ec', curve: 'P-384' }),
      generateKeyPair({ type: 'ed25519' }),
    ]);
  });

  it('writes a self-signed end-entity certificate that `openssl x509 -text` reads as intended', async () => {
    // Relative to now (whole seconds), so that `openssl verify` accepts it whenever the test runs.
    const notBefore = new Date(Math.floor(Date.now() / 1000) * 1000 - 86_400_000);
    const notAfter = new Date(notBefore.getTime() + 365 * 86_400_000);
    const cert = await createSelfSignedCertificate({ subject: 'CN=Alice, O=Example', keys: p384, notBefore, notAfter });
    expect(cert.subject).toBe('CN=Alice, O=Example');
    expect(cert.issuer).toBe(cert.subject);
    expect(cert.notBefore.toISOString()).toBe(notBefore.toISOString());
    expect(cert.notAfter.toISOString()).toBe(notAfter.toISOString());
    expect(cert.basicConstraints).toEqual({ ca: false, pathLength: undefined });
    expect(cert.keyUsage).toEqual(['digitalSignature', 'nonRepudiation', 'keyAgreement']);
    expect(hex(cert.authorityKeyIdentifier)).toBe(hex(cert.subjectKeyIdentifier));
    expect(cert.subjectKeyIdentifier).toHaveLength(20);
    const text = await x509(cert, '-text');
    expect(text).toMatch(/Version: 3 \(0x2\)/);
    expect(text).toMatch(/Signature Algorithm: ecdsa-with-SHA256/);
    expect(text).toMatch(/X509v3 Basic Constraints: critical\s*\n\s*CA:FALSE/);
    expect(text).toMatch(/X509v3 Key Usage: critical\s*\n\s*Digital Signature, Non Repudiation, Key Agreement/);
    expect(text).toMatch(/NIST CURVE: P-384/);
    expect(await opensslVerify(cert, [], cert)).toMatch(/: OK/);
    // The SKI is RFC 5280 method 1, as OpenSSL's subjectKeyIdentifier=hash computes it.
    expect(/Subject Key Identifier:\s*\n\s*([0-9A-F:]+)/.exec(text)?.[1].replace(/:/g, '').toLowerCase()).toBe(
      hex(cert.subjectKeyIdentifier),
    );
    const rsaCert = await createSelfSignedCertificate({ subject: 'CN=R', keys: rsaKeys });
    expect(rsaCert.keyUsage).toEqual(['digitalSignature', 'nonRepudiation', 'keyEncipherment']);
    expect(await x509(rsaCert, '-text')).toMatch(/Signature Algorithm: sha256WithRSAEncryption/);
    const edCert = await createSelfSignedCertificate({ subject: 'CN=E', keys: ed });
    expect(edCert.keyUsage).toEqual(['digitalSignature', 'nonRepudiation']);
    expect(await x509(edCert, '-text')).toMatch(/Signature Algorithm: ED25519/);
    expect(await opensslVerify(edCert, [], edCert)).toMatch(/: OK/);
  });

  it('writes a self-signed CA certificate', async () => {
    const ca = await createSelfSignedCertificate({ subject: 'CN=My CA', keys: rsaKeys, ca: true });
    expect(ca.basicConstraints).toEqual({ ca: true, pathLength: undefined });
    expect(ca.keyUsage).toEqual(['digitalSignature', 'keyCertSign', 'cRLSign']);
    expect(await x509(ca, '-text')).toMatch(/CA:TRUE/);
  });

  it('issues a root → intermediate → leaf chain (createTestPki) that `openssl verify` accepts', async () => {
    const leaf = await pki.issue('CN=Leaf, O=semper', { extendedKeyUsage: ['1.3.6.1.5.5.7.3.4'] });
    expect(await opensslVerify(pki.root.certificate, [pki.intermediate.certificate], leaf.certificate)).toMatch(/: OK/);
    const text = await x509(pki.intermediate.certificate, '-text');
    expect(text).toMatch(/CA:TRUE, pathlen:0/);
    expect(text).toMatch(/Certificate Sign, CRL Sign/);
    const leafText = await x509(leaf.certificate, '-text');
    expect(leafText).toMatch(/E-mail Protection/);
    expect(hex(leaf.certificate.authorityKeyIdentifier)).toBe(hex(pki.intermediate.certificate.subjectKeyIdentifier));
    expect(await leaf.certificate.isIssuedBy(pki.intermediate.certificate)).toBe(true);
    expect(await leaf.certificate.isIssuedBy(pki.root.certificate)).toBe(false);
    // OpenSSL refuses the chain without the intermediate.
    await expect(opensslVerify(pki.root.certificate, [], leaf.certificate)).rejects.toThrow(
      /unable to get local issuer/,
    );
  });

  it('signs with RSA (SHA-256/384/512), P-384 and Ed25519 issuers, all accepted by OpenSSL', async () => {
    for (const [issuer, digest, alg] of [
      [rsaKeys, 'SHA-256', 'sha256WithRSAEncryption'],
      [rsaKeys, 'SHA-384', 'sha384WithRSAEncryption'],
      [rsaKeys, 'SHA-512', 'sha512WithRSAEncryption'],
      [p384, 'SHA-384', 'ecdsa-with-SHA384'],
      [p384, 'SHA-512', 'ecdsa-with-SHA512'],
      [ed, 'SHA-256', 'ED25519'],
    ] as const) {
      const root = await issueCertificate(
        {
          subject: 'CN=Root',
          publicKey: issuer.publicKey,
          basicConstraints: { ca: true },
          keyUsage: ['keyCertSign'],
          digest,
        },
        { privateKey: issuer.privateKey },
      );
      const leafKeys = await generateKeyPair({ type: 'ec', curve: 'P-256' });
      const leaf = await issueCertificate(
        { subject: 'CN=Leaf', publicKey: leafKeys.publicKey, digest },
        { privateKey: issuer.privateKey, certificate: root },
      );
      expect(await x509(leaf, '-text'), alg).toMatch(new RegExp(`Signature Algorithm: ${alg}`));
      expect(await opensslVerify(root, [], leaf), alg).toMatch(/: OK/);
      expect(await leaf.isIssuedBy(root)).toBe(true);
    }
  });

  it('writes the serial, validity, extensions and EKU it is given', async () => {
    const keys = await generateKeyPair({ type: 'ec', curve: 'P-256' });
    const notBefore = new Date('1949-12-31T23:59:59Z');
    const notAfter = new Date('2050-01-01T00:00:00Z');
    const cert = await issueCertificate(
      {
        subject: encodeName('CN=Custom'),
        publicKey: keys.publicKey,
        serialNumber: '00ABcdef',
        notBefore,
        notAfter,
        basicConstraints: { ca: true, pathLength: 3 },
        keyUsage: ['decipherOnly', 'keyCertSign', 'encipherOnly', 'keyAgreement'],
        extendedKeyUsage: ['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2', '2.25.72544848244786931569371434149594306120'],
        extensions: [{ oid: '1.3.6.1.4.1.99999.7', critical: false, value: Uint8Array.of(0x05, 0x00) }],
      },
      { privateKey: keys.privateKey },
    );
    expect(cert.serialNumber).toBe('abcdef');
    expect(cert.notBefore.toISOString()).toBe(notBefore.toISOString());
    expect(cert.notAfter.toISOString()).toBe(notAfter.toISOString());
    expect(cert.basicConstraints).toEqual({ ca: true, pathLength: 3 });
    expect(cert.keyUsage).toEqual(['keyAgreement', 'keyCertSign', 'encipherOnly', 'decipherOnly']);
    // An arc above 2^53 (a UUID OID) read back in decimal, as OpenSSL prints it.
    expect(cert.extendedKeyUsage).toEqual([
      '1.3.6.1.5.5.7.3.1',
      '1.3.6.1.5.5.7.3.2',
      '2.25.72544848244786931569371434149594306120',
    ]);
    expect(cert.extensions.at(-1)).toMatchObject({ oid: '1.3.6.1.4.1.99999.7', critical: false });
    const out = await x509(cert, '-serial', '-dates', '-dateopt', 'iso_8601', '-text');
    expect(out).toMatch(/serial=ABCDEF/);
    expect(out).toContain('2.25.72544848244786931569371434149594306120');
    expect(out).toMatch(/notBefore=1949-12-31 23:59:59Z/);
    expect(out).toMatch(/notAfter=2050-01-01 00:00:00Z/);
    expect(out).toMatch(/CA:TRUE, pathlen:3/);
    expect(out).toMatch(/Key Agreement, Certificate Sign, Encipher Only, Decipher Only/);
    expect(out).toMatch(/TLS Web Server Authentication, TLS Web Client Authentication/);
    // Serial octets: leading zeros dropped, a sign octet added for a high bit.
    const bytes = await issueCertificate(
      { subject: 'CN=S', publicKey: keys.publicKey, serialNumber: Uint8Array.of(0, 0, 0x80, 1) },
      { privateKey: keys.privateKey },
    );
    expect(hex(bytes.serialDer)).toBe('008001');
    expect(/serial=([0-9A-F]+)/.exec(await x509(bytes, '-serial'))?.[1]).toBe('8001');
    // Default serial: 16 octets on every certificate, positive, no leading zero octet, all different.
    const def = await issueCertificate({ subject: 'CN=D', publicKey: keys.publicKey }, { privateKey: keys.privateKey });
    const serials = new Set<string>();
    for (let n = 0; n < 16; n++) {
      const c =
        n === 0
          ? def
          : await issueCertificate({ subject: 'CN=D', publicKey: keys.publicKey }, { privateKey: keys.privateKey });
      expect(c.serialDer.length).toBe(16);
      expect(c.serialDer[0] & 0xc0).toBe(0x40);
      serials.add(c.serialNumber);
    }
    expect(serials.size).toBe(16);
    expect(def.notAfter.getTime() - def.notBefore.getTime()).toBe(365 * 86_400_000);
    expect(Math.abs(def.notBefore.getTime() - (Date.now() - 60_000))).toBeLessThan(5_000);
  });

  it('refuses bad templates with ERR_CRYPTO_INVALID_ARGUMENT', async () => {
    const keys = p384;
    const issuer = { privateKey: keys.privateKey };
    const base = { subject: 'CN=X', publicKey: keys.publicKey };
    const bad: [string, Record<string, unknown>][] = [
      ['no public key', { subject: 'CN=X' }],
      ['a KeyObject as public key', { subject: 'CN=X', publicKey: keys.publicKey.keyObject }],
      ['a bad subject', { ...base, subject: 'nonsense' }],
      ['a subject with a dotted type that is no OID', { ...base, subject: '1.40=x' }],
      ['a subject DER that is no Name', { ...base, subject: Uint8Array.of(0x04, 0x00) }],
      ['a subject DER that is no ASN.1', { ...base, subject: Uint8Array.of(0x30, 0x05) }],
      ['a non-hex serial', { ...base, serialNumber: 'xyz' }],
      ['a serial of 21 octets', { ...base, serialNumber: 'ff'.repeat(20) }],
      ['serial zero', { ...base, serialNumber: '00' }],
      ['an empty serial', { ...base, serialNumber: new Uint8Array(0) }],
      ['notAfter before notBefore', { ...base, notBefore: new Date(2_000_000), notAfter: new Date(1_000_000) }],
      ['notAfter equal to notBefore', { ...base, notBefore: new Date(1_000_000), notAfter: new Date(1_000_000) }],
      ['an invalid notBefore', { ...base, notBefore: new Date(Number.NaN) }],
      ['notAfter beyond 9999', { ...base, notAfter: new Date('+010000-01-01T00:00:00Z') }],
      ['pathLength without ca', { ...base, basicConstraints: { ca: false, pathLength: 0 } }],
      ['a negative pathLength', { ...base, basicConstraints: { ca: true, pathLength: -1 } }],
      ['a fractional pathLength', { ...base, basicConstraints: { ca: true, pathLength: 1.5 } }],
      ['an empty keyUsage', { ...base, keyUsage: [] }],
      ['an unknown keyUsage', { ...base, keyUsage: ['signEverything'] }],
      ['an empty extendedKeyUsage', { ...base, extendedKeyUsage: [] }],
      ['an extendedKeyUsage that is no OID', { ...base, extendedKeyUsage: ['serverAuth'] }],
      [
        'an extension OID that is no OID',
        { ...base, extensions: [{ oid: 'x', critical: false, value: new Uint8Array(0) }] },
      ],
    ];
    const failures: string[] = [];
    for (const [what, template] of bad) {
      const err = await rejection(issueCertificate(template as never, issuer));
      if (!(err instanceof CryptoError) || err.code !== 'ERR_CRYPTO_INVALID_ARGUMENT') {
        failures.push(`${what}: ${err === undefined ? 'issued' : String(err)}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('refuses a duplicate extension (the certificate it would write does not parse)', async () => {
    const err = await rejection(
      issueCertificate(
        {
          subject: 'CN=X',
          publicKey: p384.publicKey,
          extensions: [{ oid: OID.subjectKeyIdentifier, critical: false, value: Uint8Array.of(4, 1, 1) }],
        },
        { privateKey: p384.privateKey },
      ),
    );
    expect(err).toBeInstanceOf(MalformedInputError);
    expect((err as Error).message).toMatch(/appears twice/);
  });
});

describe('malformed certificates', () => {
  let good: Certificate;
  let keys: Pair;

  beforeAll(async () => {
    keys = await generateKeyPair({ type: 'ec', curve: 'P-256' });
    good = await createSelfSignedCertificate({ subject: 'CN=Good, O=semper', keys });
  });

  /** Re-assembles a certificate from (possibly changed) TBS fields, signature algorithm and value. */
  function assemble(tbsFields: Uint8Array[], sigAlg?: Uint8Array, sigValue?: Uint8Array): Uint8Array {
    const [, alg, sig] = berChildren(berRead(good.der)).map(berBytes);
    return derEncode(derTlv(TAG.sequence, derTlv(TAG.sequence, ...tbsFields), sigAlg ?? alg, sigValue ?? sig));
  }
  function tbsFields(): Uint8Array[] {
    return berChildren(berChildren(berRead(good.der))[0]).map((e) => new Uint8Array(berBytes(e)));
  }
  function withExtensions(exts: Uint8Array[]): Uint8Array {
    const f = tbsFields();
    f[7] = derEncode(derTlv(0xa3, derTlv(TAG.sequence, ...exts)));
    return assemble(f);
  }
  const ext = (oid: string, value: Uint8Array, critical?: Uint8Array) =>
    derEncode(derTlv(TAG.sequence, derOid(oid), critical, derPrimitive(TAG.octetString, value)));

  it('the test certificate itself parses', () => {
    expect(Certificate.fromDer(assemble(tbsFields())).equals(good)).toBe(true);
  });

  it('refuses structural errors with ERR_CRYPTO_MALFORMED', () => {
    const f = tbsFields();
    const altAlg = derEncode(derTlv(TAG.sequence, derOid(OID.ecdsaWithSHA384)));
    const cases: [string, Uint8Array][] = [
      ['empty', new Uint8Array(0)],
      ['not a SEQUENCE', Uint8Array.of(0x04, 0x00)],
      ['an empty SEQUENCE', Uint8Array.of(0x30, 0x00)],
      ['trailing data', new Uint8Array([...good.der, 0])],
      [
        'two outer fields',
        derEncode(derTlv(TAG.sequence, ...berChildren(berRead(good.der)).slice(0, 2).map(berBytes))),
      ],
      ['version 4', assemble([derEncode(derTlv(0xa0, Uint8Array.of(2, 1, 3))), ...f.slice(1)])],
      ['an empty serial', assemble([f[0], Uint8Array.of(2, 0), ...f.slice(2)])],
      ['a 22-octet serial', assemble([f[0], Uint8Array.of(2, 22, ...new Array(22).fill(1)), ...f.slice(2)])],
      ['inner and outer algorithms differ', assemble(f, altAlg)],
      ['no validity', assemble([...f.slice(0, 4), ...f.slice(5)])],
      [
        'a bad notBefore',
        assemble([
          ...f.slice(0, 4),
          derEncode(
            derTlv(
              TAG.sequence,
              derPrimitive(0x17, new TextEncoder().encode('991399000000Z')),
              berBytes(berChildren(berRead(f[4]))[1]),
            ),
          ),
          ...f.slice(5),
        ]),
      ],
      ['extensions in a version 1 certificate', assemble(f.slice(1))],
      ['an empty extensions list', withExtensions([])],
      [
        'a duplicate extension',
        withExtensions([
          ext(OID.keyUsage, Uint8Array.of(3, 2, 7, 0x80)),
          ext(OID.keyUsage, Uint8Array.of(3, 2, 7, 0x80)),
        ]),
      ],
      [
        'critical FALSE written out (not DER)',
        withExtensions([ext(OID.keyUsage, Uint8Array.of(3, 2, 7, 0x80), Uint8Array.of(1, 1, 0))]),
      ],
      [
        'a critical flag that is not 00 or FF',
        withExtensions([ext(OID.keyUsage, Uint8Array.of(3, 2, 7, 0x80), Uint8Array.of(1, 1, 1))]),
      ],
      ['a keyUsage with 8 unused bits', withExtensions([ext(OID.keyUsage, Uint8Array.of(3, 2, 8, 0x80))])],
      ['a keyUsage that is no BIT STRING', withExtensions([ext(OID.keyUsage, Uint8Array.of(4, 1, 0x80))])],
      ['a basicConstraints that is no SEQUENCE', withExtensions([ext(OID.basicConstraints, Uint8Array.of(4, 0))])],
      ['an extension value that is no ASN.1', withExtensions([ext(OID.basicConstraints, Uint8Array.of(0x30, 5))])],
      [
        'a signature with unused bits',
        assemble(f, undefined, derEncode(derPrimitive(TAG.bitString, Uint8Array.of(1, 0x30, 0)))),
      ],
      [
        'a public key that does not parse',
        assemble([
          ...f.slice(0, 6),
          derEncode(
            derTlv(
              TAG.sequence,
              derTlv(TAG.sequence, derOid(OID.ecPublicKey), derOid(OID.secp256r1)),
              derPrimitive(TAG.bitString, Uint8Array.of(0, 4, 1, 2)),
            ),
          ),
          f[7],
        ]),
      ],
      ['a TBSCertificate with an extra field', assemble([...f, Uint8Array.of(5, 0)])],
    ];
    const failures: string[] = [];
    for (const [what, der] of cases) {
      const err = thrown(() => Certificate.fromDer(der));
      if (!(err instanceof MalformedInputError) || err.code !== 'ERR_CRYPTO_MALFORMED') {
        failures.push(`${what}: ${err === undefined ? 'accepted' : String(err)}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('refuses unsupported keys and algorithms with their own codes', () => {
    const f = tbsFields();
    const dsaAlg = derEncode(derTlv(TAG.sequence, derOid('1.2.840.10040.4.3')));
    expect(thrown(() => Certificate.fromDer(assemble([f[0], f[1], dsaAlg, ...f.slice(3)], dsaAlg)))).toMatchObject({
      code: 'ERR_CRYPTO_UNSUPPORTED_ALGORITHM',
    });
  });

  it('refuses oversized and deeply nested input before parsing it', () => {
    const big = new Uint8Array(300_000);
    big.set([0x30, 0x83, 0x04, 0x93, 0xdc]);
    expect(thrown(() => Certificate.fromDer(big))).toMatchObject({ code: 'ERR_CRYPTO_TOO_LARGE' });
    const deep = new Uint8Array(4002);
    for (let i = 0; i < 2000; i++) deep.set([0x30, 0x80], 2 * i);
    expect(thrown(() => Certificate.fromDer(deep))).toMatchObject({ code: 'ERR_CRYPTO_TOO_DEEP' });
    // 40 definite-length SEQUENCEs around a NULL.
    let nested: Uint8Array = Uint8Array.of(5, 0);
    for (let i = 0; i < 40; i++) nested = derEncode(derTlv(TAG.sequence, nested));
    expect(thrown(() => Certificate.fromDer(nested))).toMatchObject({ code: 'ERR_CRYPTO_TOO_DEEP' });
    expect(thrown(() => Certificate.fromDer(good.der, { maxBytes: 100 }))).toMatchObject({
      code: 'ERR_CRYPTO_TOO_LARGE',
    });
    expect(thrown(() => Certificate.fromDer('MIIB' as never))).toMatchObject({ code: 'ERR_CRYPTO_INVALID_ARGUMENT' });
  });

  it('refuses every truncation with a typed error', () => {
    for (let len = 0; len < good.der.length; len++) {
      const err = thrown(() => Certificate.fromDer(good.der.subarray(0, len)));
      expect(err, `length ${len}`).toBeInstanceOf(MalformedInputError);
    }
  });

  it('never throws anything but a CryptoError on a changed byte (property)', () => {
    fc.assert(
      fc.property(fc.nat({ max: good.der.length - 1 }), fc.integer({ min: 1, max: 255 }), (pos, mask) => {
        const bad = good.der.slice();
        bad[pos] ^= mask;
        try {
          const c = Certificate.fromDer(bad);
          expect(c.der).toHaveLength(bad.length);
        } catch (e) {
          expect(e).toBeInstanceOf(CryptoError);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('copies its input', () => {
    const bytes = good.der.slice();
    const c = Certificate.fromDer(bytes);
    bytes.fill(0);
    expect(c.equals(good)).toBe(true);
    expect(toPem('CERTIFICATE', c.der)).toBe(good.toPem());
  });
});
