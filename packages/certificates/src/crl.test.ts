import { generateKeyPair, type KeySpec, type PrivateKey } from '@semper/crypto';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { CertificateRevocationList, issueCrl, type RevocationReason } from './crl.js';
import { CertificatesError } from './errors.js';
import { integer, oid, T, time, tlv } from './validation/der.js';
import { signatureAlgorithmFor, signValue } from './validation/signature.js';
import { makeCa, makeCertificate, newKeys, type TestCa } from './validation/test-pki.test-util.js';

let ca: TestCa;
const thisUpdate = new Date('2030-01-01T00:00:00Z');
const nextUpdate = new Date('2030-01-08T00:00:00Z');

beforeAll(async () => {
  ca = await makeCa('CN=CRL CA, O=semper');
});

function issuer(c: TestCa = ca) {
  return { privateKey: c.keys.privateKey, certificate: c.certificate };
}

async function codeOf(p: Promise<unknown> | (() => unknown)): Promise<string | undefined> {
  try {
    await (typeof p === 'function' ? p() : p);
    return undefined;
  } catch (e) {
    expect(e).toBeInstanceOf(CertificatesError);
    return (e as CertificatesError).code;
  }
}

/** A CRL written by hand: `entries` and `extensions` are DER, signed by `key`. */
async function rawCrl(
  o: {
    version?: bigint | null;
    entries?: Uint8Array[];
    extensions?: Uint8Array[];
    key?: PrivateKey;
    nextUpdate?: Date | null;
  } = {},
): Promise<Uint8Array> {
  const key = o.key ?? ca.keys.privateKey;
  const alg = signatureAlgorithmFor(key, 'SHA-256');
  const tbs = tlv(
    T.sequence,
    o.version === null ? undefined : integer(o.version ?? 1n),
    alg,
    ca.certificate.subjectDer,
    time(thisUpdate),
    o.nextUpdate === null ? undefined : time(o.nextUpdate ?? nextUpdate),
    o.entries?.length ? tlv(T.sequence, ...o.entries) : undefined,
    o.extensions?.length ? tlv(0xa0, tlv(T.sequence, ...o.extensions)) : undefined,
  );
  const sig = await signValue(key, 'SHA-256', tbs);
  return tlv(T.sequence, tbs, alg, tlv(T.bitString, Uint8Array.of(0), sig));
}

function extension(extOid: string, critical: boolean, value: Uint8Array): Uint8Array {
  return tlv(T.sequence, oid(extOid), critical ? Uint8Array.of(1, 1, 0xff) : undefined, tlv(T.octetString, value));
}

function entry(serial: number, exts: Uint8Array[] = []): Uint8Array {
  return tlv(T.sequence, integer(BigInt(serial)), time(thisUpdate), exts.length ? tlv(T.sequence, ...exts) : undefined);
}

describe('issueCrl', () => {
  it('writes a v2 CRL with issuer, dates, entries, reasons, AKI and cRLNumber, and reads it back', async () => {
    const crl = await issueCrl({
      issuer: issuer(),
      entries: [
        {
          serialNumber: '0a1b',
          revocationDate: thisUpdate,
          reason: 'keyCompromise',
          invalidityDate: new Date('2029-12-31T12:00:00Z'),
        },
        { serialNumber: Uint8Array.of(0x00, 0x80), revocationDate: thisUpdate },
        { serialNumber: 'ff', revocationDate: thisUpdate, reason: 'unspecified' },
      ],
      thisUpdate,
      nextUpdate,
      crlNumber: 42n,
    });
    expect(crl.version).toBe(2);
    expect(crl.issuer).toBe('CN=CRL CA, O=semper');
    expect(crl.thisUpdate).toEqual(thisUpdate);
    expect(crl.nextUpdate).toEqual(nextUpdate);
    expect(crl.crlNumber).toBe(42n);
    expect(crl.authorityKeyIdentifier).toEqual(ca.certificate.subjectKeyIdentifier);
    expect(crl.signatureAlgorithm).toBe('1.2.840.10045.4.3.2');
    expect(crl.entries.map((e) => e.serialNumber)).toEqual(['0a1b', '80', 'ff']);
    expect(crl.entries[0].reason).toBe('keyCompromise');
    expect(crl.entries[0].invalidityDate).toEqual(new Date('2029-12-31T12:00:00Z'));
    expect(crl.entries[1].reason).toBeUndefined();
    expect(crl.entries[2].reason).toBeUndefined(); // unspecified is not written
    expect(crl.isRevoked('0a1b')).toBe(true);
    expect(crl.isRevoked('a1b')).toBe(true);
    expect(crl.isRevoked(Uint8Array.of(0x0a, 0x1b))).toBe(true);
    expect(crl.isRevoked(Uint8Array.of(0x00, 0x80))).toBe(true);
    expect(crl.isRevoked('0080')).toBe(true);
    expect(crl.isRevoked('0b')).toBe(false);
    expect(crl.entry('ff')?.revocationDate).toEqual(thisUpdate);
    expect(await crl.verifySignature(ca.certificate)).toBe(true);
    expect(await crl.verifySignature(ca.certificate.publicKey)).toBe(true);
    expect(await crl.verifySignature((await newKeys()).publicKey)).toBe(false);
    expect(CertificateRevocationList.fromPem(crl.toPem())[0].der).toEqual(crl.der);
    expect(crl.toPem()).toMatch(/^-----BEGIN X509 CRL-----\n/);
  });

  it('signs with EC P-384, RSA and Ed25519 keys too', async () => {
    const specs: KeySpec[] = [
      { type: 'ec', curve: 'P-384' },
      { type: 'rsa', modulusLength: 2048 },
      { type: 'ed25519' },
    ];
    for (const spec of specs) {
      const keys = await generateKeyPair(spec);
      const c = await makeCertificate({ subject: `CN=${spec.type} CA`, keys, ca: true, digest: 'SHA-384' });
      const crl = await issueCrl({
        issuer: { privateKey: keys.privateKey, certificate: c },
        nextUpdate: new Date(Date.now() + 86_400_000),
        crlNumber: 1,
        digest: 'SHA-384',
      });
      expect(await crl.verifySignature(c), spec.type).toBe(true);
    }
  });

  it('round-trips any set of entries (property)', async () => {
    const reasons: RevocationReason[] = [
      'keyCompromise',
      'cACompromise',
      'superseded',
      'certificateHold',
      'removeFromCRL',
      'privilegeWithdrawn',
      'aACompromise',
    ];
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.bigInt({ min: 1n, max: (1n << 159n) - 1n }), { maxLength: 8 }),
        fc.array(fc.constantFrom(...reasons, undefined), { minLength: 8, maxLength: 8 }),
        fc.bigInt({ min: 0n, max: (1n << 159n) - 1n }),
        async (serials, rs, crlNumber) => {
          const crl = await issueCrl({
            issuer: issuer(),
            entries: serials.map((s, i) => ({
              serialNumber: s.toString(16),
              revocationDate: thisUpdate,
              reason: rs[i],
            })),
            thisUpdate,
            nextUpdate,
            crlNumber,
          });
          const again = CertificateRevocationList.fromDer(crl.der);
          expect(again.crlNumber).toBe(crlNumber);
          expect(again.entries.map((e) => BigInt(`0x${e.serialNumber}`))).toEqual(serials);
          expect(again.entries.map((e) => e.reason)).toEqual(serials.map((_, i) => rs[i]));
          for (const [i, s] of serials.entries())
            expect(again.isRevoked(s.toString(16))).toBe(rs[i] !== 'removeFromCRL');
        },
      ),
      { numRuns: 25 },
    );
  });

  it('refuses bad templates with ERR_CERTIFICATES_INVALID_ARGUMENT', async () => {
    const other = await newKeys();
    const base = { issuer: issuer(), thisUpdate, nextUpdate, crlNumber: 1 };
    const noCrlSign = await makeCa('CN=No cRLSign', { keyUsage: ['keyCertSign'] });
    const cases: unknown[] = [
      { ...base, issuer: { privateKey: other.privateKey, certificate: ca.certificate } },
      { ...base, issuer: issuer(noCrlSign) },
      { ...base, nextUpdate: thisUpdate },
      { ...base, nextUpdate: new Date(Number.NaN) },
      { ...base, crlNumber: -1 },
      { ...base, crlNumber: 1.5 },
      { ...base, crlNumber: 1n << 160n },
      { ...base, entries: [{ serialNumber: 'xyz', revocationDate: thisUpdate }] },
      { ...base, entries: [{ serialNumber: Uint8Array.of(0, 1), revocationDate: thisUpdate }] },
      { ...base, entries: [{ serialNumber: '01', revocationDate: thisUpdate, reason: 'bored' }] },
      { ...base, entries: [{ serialNumber: '01', revocationDate: 'yesterday' }] },
      { ...base, digest: 'SHA-1' },
      { ...base, issuer: undefined },
    ];
    for (const t of cases) {
      expect(
        await codeOf(issueCrl(t as Parameters<typeof issueCrl>[0])),
        JSON.stringify(t, (_k, v) => (typeof v === 'bigint' ? String(v) : v)),
      ).toBe('ERR_CERTIFICATES_INVALID_ARGUMENT');
    }
  });
});

describe('CertificateRevocationList.fromDer', () => {
  it('reads a version 1 CRL without extensions', async () => {
    const crl = CertificateRevocationList.fromDer(
      await rawCrl({ version: null, entries: [entry(5)], nextUpdate: null }),
    );
    expect(crl.version).toBe(1);
    expect(crl.nextUpdate).toBeUndefined();
    expect(crl.crlNumber).toBeUndefined();
    expect(crl.isRevoked(Uint8Array.of(5))).toBe(true);
    expect(crl.isCurrentAt(new Date('2099-01-01T00:00:00Z'))).toBe(true);
    expect(crl.isCurrentAt(new Date('2029-01-01T00:00:00Z'))).toBe(false);
  });

  it('reads the issuingDistributionPoint and deltaCRLIndicator', async () => {
    const uri = new TextEncoder().encode('http://crl.semper.example/ca.crl');
    const idp = tlv(
      T.sequence,
      tlv(0xa0, tlv(0xa0, tlv(0x86, uri))),
      Uint8Array.of(0x81, 1, 0xff),
      tlv(0x83, Uint8Array.of(6, 0x40 | 0x20)),
    );
    const crl = CertificateRevocationList.fromDer(
      await rawCrl({
        extensions: [
          extension('2.5.29.20', false, integer(3n)),
          extension('2.5.29.28', true, idp),
          extension('2.5.29.27', true, integer(2n)),
        ],
      }),
    );
    expect(crl.issuingDistributionPoint).toEqual({
      fullName: ['http://crl.semper.example/ca.crl'],
      relativeName: false,
      onlyContainsUserCerts: true,
      onlyContainsCACerts: false,
      onlySomeReasons: ['keyCompromise', 'cACompromise'],
      indirectCrl: false,
      onlyContainsAttributeCerts: false,
    });
    expect(crl.deltaCrlIndicator).toBe(2n);
  });

  it('refuses unknown critical CRL and entry extensions, accepts unknown non-critical ones', async () => {
    const unknown = (critical: boolean) => extension('1.3.6.1.4.1.55738.666.1', critical, Uint8Array.of(5, 0));
    expect(
      await codeOf(async () => CertificateRevocationList.fromDer(await rawCrl({ extensions: [unknown(true)] }))),
    ).toBe('ERR_CERTIFICATES_UNSUPPORTED_CRITICAL_EXTENSION');
    expect(
      await codeOf(async () =>
        CertificateRevocationList.fromDer(await rawCrl({ entries: [entry(1, [unknown(true)])] })),
      ),
    ).toBe('ERR_CERTIFICATES_UNSUPPORTED_CRITICAL_EXTENSION');
    const ok = CertificateRevocationList.fromDer(
      await rawCrl({ extensions: [unknown(false)], entries: [entry(1, [unknown(false)])] }),
    );
    expect(ok.extensions).toHaveLength(1);
    expect(ok.entries[0].extensions).toHaveLength(1);
  });

  it('refuses malformed input with a typed error, never a raw one', async () => {
    const good = await rawCrl({ entries: [entry(1)] });
    const badInputs: [string, Uint8Array | Promise<Uint8Array>][] = [
      ['empty', new Uint8Array(0)],
      ['truncated', good.subarray(0, good.length - 1)],
      ['trailing', Uint8Array.from([...good, 0])],
      ['not a sequence', Uint8Array.of(0x04, 0x00)],
      ['version 3', rawCrl({ version: 2n })],
      ['extensions in v1', rawCrl({ version: null, extensions: [extension('2.5.29.20', false, integer(1n))] })],
      [
        'duplicate extensions',
        rawCrl({
          extensions: [extension('2.5.29.20', false, integer(1n)), extension('2.5.29.20', false, integer(2n))],
        }),
      ],
      ['bad reason code', rawCrl({ entries: [entry(1, [extension('2.5.29.21', false, integer(7n, T.enumerated))])] })],
      ['bad cRLNumber', rawCrl({ extensions: [extension('2.5.29.20', false, Uint8Array.of(4, 0))] })],
      [
        'certificateIssuer without indirectCRL',
        rawCrl({
          entries: [entry(1, [extension('2.5.29.29', true, tlv(T.sequence, tlv(0x82, Uint8Array.of(0x61))))])],
        }),
      ],
    ];
    for (const [what, input] of badInputs) {
      const bytes = await input;
      expect(await codeOf(() => CertificateRevocationList.fromDer(bytes)), what).toBe('ERR_CERTIFICATES_MALFORMED');
    }
    // Every single-byte corruption is refused or changes nothing a check relies on; never a raw error.
    for (let i = 0; i < good.length; i += 7) {
      const bad = Uint8Array.from(good);
      bad[i] ^= 0x5a;
      try {
        const crl = CertificateRevocationList.fromDer(bad);
        expect(await crl.verifySignature(ca.certificate).catch(() => false)).toBe(false);
      } catch (e) {
        expect(e).toBeInstanceOf(CertificatesError);
      }
    }
    expect(await codeOf(() => CertificateRevocationList.fromPem('no pem here'))).toBe('ERR_CERTIFICATES_MALFORMED');
    expect(await codeOf(() => CertificateRevocationList.fromDer('x' as unknown as Uint8Array))).toBe(
      'ERR_CERTIFICATES_INVALID_ARGUMENT',
    );
  });

  it('checks size and nesting first', async () => {
    const good = await rawCrl();
    expect(await codeOf(() => CertificateRevocationList.fromDer(good, { maxBytes: 16 }))).toBe(
      'ERR_CERTIFICATES_TOO_LARGE',
    );
    let deep: Uint8Array = Uint8Array.of(0x05, 0x00);
    for (let i = 0; i < 40; i++) deep = tlv(T.sequence, deep);
    expect(await codeOf(() => CertificateRevocationList.fromDer(deep))).toBe('ERR_CERTIFICATES_TOO_DEEP');
  });

  it('refuses SHA-1 signatures at verification (ERR_CERTIFICATES_UNSUPPORTED_ALGORITHM)', async () => {
    const sha1Alg = tlv(T.sequence, oid('1.2.840.10045.4.1'));
    const tbs = tlv(T.sequence, integer(1n), sha1Alg, ca.certificate.subjectDer, time(thisUpdate), time(nextUpdate));
    const crl = CertificateRevocationList.fromDer(
      tlv(T.sequence, tbs, sha1Alg, tlv(T.bitString, Uint8Array.of(0, 0x30, 0))),
    );
    expect(crl.signatureAlgorithm).toBe('1.2.840.10045.4.1');
    expect(await codeOf(crl.verifySignature(ca.certificate))).toBe('ERR_CERTIFICATES_UNSUPPORTED_ALGORITHM');
    expect(await codeOf(crl.verifySignature({} as never))).toBe('ERR_CERTIFICATES_INVALID_ARGUMENT');
  });
});
