import { constants, sign as nodeSign, verify as nodeVerify } from 'node:crypto';
import * as asn1js from 'asn1js';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { berRead, derEncode, derOid, derTlv, TAG } from './cms-structures.js';
import { CryptoError, MalformedInputError, UnsupportedAlgorithmError } from './errors.js';
import { generateKeyPair, type PrivateKey, type PublicKey } from './keys.js';
import { OID } from './oids.js';
import {
  type DigestName,
  digest,
  digestAlgorithmIdentifier,
  digestForKey,
  ecdsaDerToRaw,
  ecdsaRawToDer,
  isDigestName,
  parseDigestAlgorithm,
  parseSignatureAlgorithm,
  signatureAlgorithmIdentifier,
  signBytes,
  verifyBytes,
} from './signature.js';

type Pair = { privateKey: PrivateKey; publicKey: PublicKey };
let p256: Pair;
let p384: Pair;
let rsa: Pair;
let ed: Pair;
const data = new TextEncoder().encode('the signed bytes');
const digests: DigestName[] = ['SHA-256', 'SHA-384', 'SHA-512'];

beforeAll(async () => {
  [p256, p384, rsa, ed] = await Promise.all([
    generateKeyPair({ type: 'ec', curve: 'P-256' }),
    generateKeyPair({ type: 'ec', curve: 'P-384' }),
    generateKeyPair({ type: 'rsa', modulusLength: 2048 }),
    generateKeyPair({ type: 'ed25519' }),
  ]);
});

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  return undefined;
}

function alg(oid: string, params?: Uint8Array): Uint8Array {
  return derEncode(derTlv(TAG.sequence, derOid(oid), params));
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('ECDSA signature encodings', () => {
  it('converts r || s to a minimal DER Ecdsa-Sig-Value and back (property, P-256 and P-384 sizes)', () => {
    // Integers with leading zero bytes and high bits set are the interesting ones.
    const half = (n: number) =>
      fc.oneof(
        fc.uint8Array({ minLength: n, maxLength: n }),
        fc
          .tuple(fc.nat({ max: n }), fc.uint8Array({ minLength: n, maxLength: n }))
          .map(([zeros, b]) => b.map((x, i) => (i < zeros ? 0 : x))),
      );
    for (const n of [32, 48]) {
      fc.assert(
        fc.property(half(n), half(n), (r, s) => {
          const raw = new Uint8Array([...r, ...s]);
          const der = ecdsaRawToDer(raw);
          // A DER SEQUENCE of two minimal non-negative INTEGERs, as asn1js reads it.
          const parsed = asn1js.fromBER(der);
          expect(parsed.offset).toBe(der.length);
          expect(Buffer.from(parsed.result.toBER()).equals(Buffer.from(der))).toBe(true);
          const ints = (parsed.result as asn1js.Sequence).valueBlock.value as asn1js.Integer[];
          expect(ints).toHaveLength(2);
          expect(ints[0].toBigInt()).toBe(BigInt(`0x${hex(r) || '0'}`));
          expect(ints[1].toBigInt()).toBe(BigInt(`0x${hex(s) || '0'}`));
          // And back.
          const back = ecdsaDerToRaw(der, n);
          expect(back && hex(back)).toBe(hex(raw));
        }),
        { numRuns: 300 },
      );
    }
  });

  it('agrees with node:crypto (dsaEncoding der / ieee-p1363) both ways', async () => {
    for (const [pair, n, hash] of [
      [p256, 32, 'sha256'],
      [p384, 48, 'sha384'],
    ] as const) {
      for (let i = 0; i < 10; i++) {
        const nodeDer = new Uint8Array(nodeSign(hash, data, { key: pair.privateKey.keyObject, dsaEncoding: 'der' }));
        const raw = ecdsaDerToRaw(nodeDer, n);
        expect(raw).toBeDefined();
        expect(hex(ecdsaRawToDer(raw as Uint8Array))).toBe(hex(nodeDer));
        expect(
          nodeVerify(hash, data, { key: pair.publicKey.keyObject, dsaEncoding: 'ieee-p1363' }, raw as Uint8Array),
        ).toBe(true);
        const ours = await signBytes(pair.privateKey, hash === 'sha256' ? 'SHA-256' : 'SHA-384', data);
        expect(nodeVerify(hash, data, { key: pair.publicKey.keyObject, dsaEncoding: 'der' }, ours)).toBe(true);
      }
    }
  });

  it('refuses what is not a strict DER Ecdsa-Sig-Value', () => {
    const r = new Uint8Array(32).fill(0x11);
    const good = ecdsaRawToDer(new Uint8Array([...r, ...r]));
    const int = (c: number[]) => Uint8Array.of(0x02, c.length, ...c);
    const seq = (...parts: Uint8Array[]) => derEncode(derTlv(TAG.sequence, ...parts));
    const cases: [string, Uint8Array, number][] = [
      ['empty', new Uint8Array(0), 32],
      ['not a SEQUENCE', Uint8Array.of(0x31, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01), 32],
      ['one INTEGER', seq(int([1])), 32],
      ['three INTEGERs', seq(int([1]), int([1]), int([1])), 32],
      ['an OCTET STRING', seq(int([1]), Uint8Array.of(0x04, 0x01, 0x01)), 32],
      ['a negative r', seq(int([0x80]), int([1])), 32],
      ['a non-minimal r', seq(int([0x00, 0x01]), int([1])), 32],
      ['an empty INTEGER', seq(Uint8Array.of(0x02, 0x00), int([1])), 32],
      ['r longer than the curve', seq(int(new Array(33).fill(1)), int([1])), 32],
      ['trailing data', new Uint8Array([...good, 0x00]), 32],
      ['indefinite length', Uint8Array.of(0x30, 0x80, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01, 0x00, 0x00), 32],
      ['truncated', good.subarray(0, good.length - 1), 32],
      // DER lengths are minimal: 30 81 xx for a short SEQUENCE, 02 81 20 for a 32-byte INTEGER are BER only.
      ['a long-form SEQUENCE length', new Uint8Array([0x30, 0x81, ...good.subarray(1)]), 32],
      ['a long-form INTEGER length', seq(Uint8Array.of(0x02, 0x81, 0x20, ...r), Uint8Array.of(0x02, 0x20, ...r)), 32],
    ];
    const accepted = cases.filter(([, der, n]) => ecdsaDerToRaw(der, n) !== undefined).map(([what]) => what);
    expect(accepted).toEqual([]);
    expect(ecdsaDerToRaw(good, 32)).toBeDefined();
    expect(ecdsaDerToRaw(seq(int([0x00, 0x80]), int([0])), 32)).toBeDefined(); // a minimal positive 0x80, and 0
  });

  it('never throws on arbitrary bytes (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), fc.constantFrom(32, 48), (bytes, n) => {
        const raw = ecdsaDerToRaw(bytes, n);
        if (raw !== undefined) expect(raw).toHaveLength(2 * n);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('digest AlgorithmIdentifiers', () => {
  it('writes SHA-2 identifiers without parameters (RFC 5754) and reads them back', () => {
    expect(hex(digestAlgorithmIdentifier('SHA-256'))).toBe('300b0609608648016503040201');
    for (const d of digests) expect(parseDigestAlgorithm(berRead(digestAlgorithmIdentifier(d)))).toBe(d);
    // NULL parameters are accepted too (what some signers write).
    expect(parseDigestAlgorithm(berRead(alg(OID.sha384, Uint8Array.of(0x05, 0x00))))).toBe('SHA-384');
  });

  it('refuses SHA-1 unless allowed, unknown digests, and bad parameters', () => {
    const sha1 = berRead(alg(OID.sha1));
    expect(thrown(() => parseDigestAlgorithm(sha1))).toBeInstanceOf(UnsupportedAlgorithmError);
    expect(parseDigestAlgorithm(sha1, true)).toBe('SHA-1');
    const md5 = thrown(() => parseDigestAlgorithm(berRead(alg('1.2.840.113549.2.5'))));
    expect(md5).toMatchObject({ code: 'ERR_CRYPTO_UNSUPPORTED_ALGORITHM' });
    for (const bad of [
      alg(OID.sha256, Uint8Array.of(0x04, 0x00)),
      alg(OID.sha256, Uint8Array.of(0x05, 0x01, 0x00)),
      derEncode(derTlv(TAG.sequence)),
      derEncode(derTlv(TAG.set, derOid(OID.sha256))),
      derEncode(derTlv(TAG.sequence, derOid(OID.sha256), Uint8Array.of(0x05, 0x00), Uint8Array.of(0x05, 0x00))),
    ]) {
      expect(
        thrown(() => parseDigestAlgorithm(berRead(bad))),
        hex(bad),
      ).toBeInstanceOf(MalformedInputError);
    }
  });

  it('digests with WebCrypto and knows which names it signs with', async () => {
    expect(hex(await digest('SHA-256', new Uint8Array(0)))).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
    expect(await digest('SHA-1', data)).toHaveLength(20);
    expect(digests.every(isDigestName)).toBe(true);
    expect(['SHA-1', 'sha256', undefined, 256].some(isDigestName)).toBe(false);
    expect(digestForKey(ed.privateKey, 'SHA-256')).toBe('SHA-512');
    expect(digestForKey(p256.privateKey, 'SHA-384')).toBe('SHA-384');
  });
});

describe('signature AlgorithmIdentifiers', () => {
  it('writes ECDSA, RSA (rsaEncryption in CMS, shaXWithRSAEncryption in X.509) and Ed25519', () => {
    expect(hex(signatureAlgorithmIdentifier(p256.privateKey, 'SHA-256', 'cms'))).toBe(hex(alg(OID.ecdsaWithSHA256)));
    expect(hex(signatureAlgorithmIdentifier(p256.privateKey, 'SHA-512', 'x509'))).toBe(hex(alg(OID.ecdsaWithSHA512)));
    const NULL = Uint8Array.of(0x05, 0x00);
    expect(hex(signatureAlgorithmIdentifier(rsa.privateKey, 'SHA-384', 'cms'))).toBe(hex(alg(OID.rsaEncryption, NULL)));
    expect(hex(signatureAlgorithmIdentifier(rsa.privateKey, 'SHA-384', 'x509'))).toBe(
      hex(alg(OID.sha384WithRSAEncryption, NULL)),
    );
    expect(hex(signatureAlgorithmIdentifier(ed.privateKey, 'SHA-512', 'x509'))).toBe(hex(alg(OID.ed25519)));
    expect(thrown(() => signatureAlgorithmIdentifier({ type: 'dsa' }, 'SHA-256', 'cms'))).toMatchObject({
      code: 'ERR_CRYPTO_INVALID_KEY',
    });
  });

  it('reads every scheme it writes and the ones it only verifies', () => {
    const NULL = Uint8Array.of(0x05, 0x00);
    const cases: [Uint8Array, unknown][] = [
      [alg(OID.ecdsaWithSHA256), { kind: 'ecdsa', hash: 'SHA-256' }],
      [alg(OID.ecdsaWithSHA384), { kind: 'ecdsa', hash: 'SHA-384' }],
      [alg(OID.ecdsaWithSHA512), { kind: 'ecdsa', hash: 'SHA-512' }],
      [alg(OID.ecdsaWithSHA1), { kind: 'ecdsa', hash: 'SHA-1' }],
      [alg(OID.ecPublicKey), { kind: 'ecdsa' }],
      [alg(OID.rsaEncryption, NULL), { kind: 'rsa-pkcs1' }],
      [alg(OID.sha256WithRSAEncryption, NULL), { kind: 'rsa-pkcs1', hash: 'SHA-256' }],
      [alg(OID.sha512WithRSAEncryption), { kind: 'rsa-pkcs1', hash: 'SHA-512' }],
      [alg(OID.sha1WithRSAEncryption, NULL), { kind: 'rsa-pkcs1', hash: 'SHA-1' }],
      [alg(OID.ed25519), { kind: 'ed25519' }],
    ];
    for (const [der, scheme] of cases) expect(parseSignatureAlgorithm(berRead(der))).toEqual(scheme);
  });

  /** RSASSA-PSS-params with the given hash, MGF1 hash, salt length and trailer field. */
  function pss(hashOid: string, mgfHashOid: string, salt: number, trailer?: number): Uint8Array {
    return alg(
      OID.rsassaPss,
      derEncode(
        derTlv(
          TAG.sequence,
          derTlv(0xa0, alg(hashOid)),
          derTlv(0xa1, alg(OID.mgf1, alg(mgfHashOid))),
          derTlv(0xa2, Uint8Array.of(0x02, 0x01, salt)),
          trailer === undefined ? undefined : derTlv(0xa3, Uint8Array.of(0x02, 0x01, trailer)),
        ),
      ),
    );
  }

  it('reads RSASSA-PSS parameters and refuses the ones it cannot verify', () => {
    expect(parseSignatureAlgorithm(berRead(pss(OID.sha256, OID.sha256, 32)))).toEqual({
      kind: 'rsa-pss',
      hash: 'SHA-256',
      saltLength: 32,
    });
    expect(parseSignatureAlgorithm(berRead(pss(OID.sha512, OID.sha512, 64, 1)))).toMatchObject({ hash: 'SHA-512' });
    expect(thrown(() => parseSignatureAlgorithm(berRead(pss(OID.sha256, OID.sha384, 32))))).toBeInstanceOf(
      UnsupportedAlgorithmError,
    );
    expect(thrown(() => parseSignatureAlgorithm(berRead(pss(OID.sha256, OID.sha256, 32, 2))))).toBeInstanceOf(
      UnsupportedAlgorithmError,
    );
    expect(thrown(() => parseSignatureAlgorithm(berRead(pss('1.2.840.113549.2.5', OID.sha256, 32))))).toBeInstanceOf(
      UnsupportedAlgorithmError,
    );
    expect(thrown(() => parseSignatureAlgorithm(berRead(alg(OID.rsassaPss))))).toBeInstanceOf(MalformedInputError);
    expect(
      thrown(() => parseSignatureAlgorithm(berRead(alg(OID.rsassaPss, Uint8Array.of(0x04, 0x01, 0x00))))),
    ).toBeInstanceOf(CryptoError);
  });

  it('refuses unknown algorithms and malformed identifiers with typed errors', () => {
    expect(thrown(() => parseSignatureAlgorithm(berRead(alg('1.2.840.10040.4.3'))))).toMatchObject({
      code: 'ERR_CRYPTO_UNSUPPORTED_ALGORITHM',
    });
    expect(thrown(() => parseSignatureAlgorithm(berRead(alg(OID.ed25519, Uint8Array.of(0x05, 0x00)))))).toMatchObject({
      code: 'ERR_CRYPTO_MALFORMED',
    });
    expect(thrown(() => parseSignatureAlgorithm(berRead(derEncode(derTlv(TAG.sequence)))))).toMatchObject({
      code: 'ERR_CRYPTO_MALFORMED',
    });
    expect(thrown(() => parseSignatureAlgorithm(berRead(Uint8Array.of(0x04, 0x00))))).toMatchObject({
      code: 'ERR_CRYPTO_MALFORMED',
    });
  });

  it('refuses parameters that RFC 3279 / RFC 4055 / RFC 5758 do not allow (NULL for RSA, absent for ECDSA)', () => {
    // The signature AlgorithmIdentifier of a SignerInfo is not signed: whatever parameters it carries must be
    // checked, or a changed byte there goes unnoticed.
    const bad = [
      alg(OID.rsaEncryption, Uint8Array.of(0x04, 0x00)),
      alg(OID.sha256WithRSAEncryption, Uint8Array.of(0x02, 0x01, 0x00)),
      alg(OID.ecdsaWithSHA256, Uint8Array.of(0x05, 0x00)),
      alg(OID.ecdsaWithSHA256, Uint8Array.of(0x04, 0x00)),
    ];
    const accepted = bad.filter((der) => !(thrown(() => parseSignatureAlgorithm(berRead(der))) instanceof CryptoError));
    expect(accepted.map(hex)).toEqual([]);
  });
});

describe('signBytes / verifyBytes', () => {
  it('signs and verifies with every key type and digest', async () => {
    for (const [name, pair] of [
      ['P-256', () => p256],
      ['P-384', () => p384],
      ['RSA', () => rsa],
      ['Ed25519', () => ed],
    ] as const) {
      const { privateKey, publicKey } = pair();
      for (const d of digests) {
        const sig = await signBytes(privateKey, d, data);
        const scheme = parseSignatureAlgorithm(berRead(signatureAlgorithmIdentifier(privateKey, d, 'cms')));
        const digestName = scheme.kind === 'ed25519' ? undefined : d;
        expect(await verifyBytes(publicKey, scheme, digestName, data, sig), `${name} ${d}`).toBe(true);
        const changed = data.slice();
        changed[0] ^= 1;
        expect(await verifyBytes(publicKey, scheme, digestName, changed, sig), `${name} ${d}`).toBe(false);
        const badSig = sig.slice();
        badSig[badSig.length - 1] ^= 1;
        expect(await verifyBytes(publicKey, scheme, digestName, data, badSig), `${name} ${d}`).toBe(false);
      }
    }
  });

  it('verifies RSASSA-PSS and (when allowed) SHA-1 signatures made by node:crypto', async () => {
    const pssSig = nodeSign('sha384', data, {
      key: rsa.privateKey.keyObject,
      padding: constants.RSA_PKCS1_PSS_PADDING,
      saltLength: 48,
    });
    const scheme = { kind: 'rsa-pss', hash: 'SHA-384', saltLength: 48 } as const;
    expect(await verifyBytes(rsa.publicKey, scheme, 'SHA-384', data, pssSig)).toBe(true);
    expect(await verifyBytes(rsa.publicKey, { ...scheme, saltLength: 32 }, 'SHA-384', data, pssSig)).toBe(false);

    const sha1 = nodeSign('sha1', data, rsa.privateKey.keyObject);
    const rsaScheme = { kind: 'rsa-pkcs1' } as const;
    await expect(verifyBytes(rsa.publicKey, rsaScheme, 'SHA-1', data, sha1)).rejects.toBeInstanceOf(
      UnsupportedAlgorithmError,
    );
    expect(await verifyBytes(rsa.publicKey, rsaScheme, 'SHA-1', data, sha1, true)).toBe(true);
    const ecSha1 = nodeSign('sha1', data, { key: p256.privateKey.keyObject, dsaEncoding: 'der' });
    expect(await verifyBytes(p256.publicKey, { kind: 'ecdsa', hash: 'SHA-1' }, 'SHA-1', data, ecSha1, true)).toBe(true);
    await expect(
      verifyBytes(p256.publicKey, { kind: 'ecdsa', hash: 'SHA-1' }, undefined, data, ecSha1),
    ).rejects.toMatchObject({ code: 'ERR_CRYPTO_UNSUPPORTED_ALGORITHM' });
  });

  it('refuses a key that does not fit the scheme, a hash that differs from the digest, and no hash at all', async () => {
    const sig = await signBytes(p256.privateKey, 'SHA-256', data);
    await expect(verifyBytes(rsa.publicKey, { kind: 'ecdsa', hash: 'SHA-256' }, 'SHA-256', data, sig)).rejects.toThrow(
      UnsupportedAlgorithmError,
    );
    await expect(verifyBytes(p256.publicKey, { kind: 'ed25519' }, undefined, data, sig)).rejects.toThrow(
      UnsupportedAlgorithmError,
    );
    await expect(
      verifyBytes(ed.publicKey, { kind: 'rsa-pkcs1', hash: 'SHA-256' }, undefined, data, sig),
    ).rejects.toThrow(UnsupportedAlgorithmError);
    await expect(
      verifyBytes(p256.publicKey, { kind: 'ecdsa', hash: 'SHA-256' }, 'SHA-384', data, sig),
    ).rejects.toMatchObject({ code: 'ERR_CRYPTO_UNSUPPORTED_ALGORITHM' });
    await expect(verifyBytes(p256.publicKey, { kind: 'ecdsa' }, undefined, data, sig)).rejects.toMatchObject({
      code: 'ERR_CRYPTO_UNSUPPORTED_ALGORITHM',
    });
  });

  it('treats garbage signatures as bad signatures, not crashes', async () => {
    for (const sig of [new Uint8Array(0), new Uint8Array(64), Uint8Array.of(0x30, 0x00), new Uint8Array(300)]) {
      expect(await verifyBytes(p256.publicKey, { kind: 'ecdsa', hash: 'SHA-256' }, 'SHA-256', data, sig)).toBe(false);
      expect(await verifyBytes(rsa.publicKey, { kind: 'rsa-pkcs1' }, 'SHA-256', data, sig)).toBe(false);
      expect(await verifyBytes(ed.publicKey, { kind: 'ed25519' }, undefined, data, sig)).toBe(false);
    }
  });
});
