import type { webcrypto } from 'node:crypto';
import { randomBytes } from 'node:crypto';
import { AsnParser } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier } from '@peculiar/asn1-x509';
import { describe, expect, it } from 'vitest';
import { TAG, derEncode, derOid, derTlv } from './cms-structures.js';
import { DecryptionError, MalformedInputError, UnsupportedAlgorithmError } from './errors.js';
import { agreeAndUnwrapKey, agreeAndWrapKey, eccCmsSharedInfo, parseKeyAgreementAlgorithm } from './key-agreement.js';
import { OID } from './oids.js';

const subtle = globalThis.crypto.subtle;
const hex = (b: Uint8Array | ArrayBuffer) =>
  Buffer.from(b instanceof ArrayBuffer ? new Uint8Array(b) : b).toString('hex');

async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => undefined,
    (e: unknown) => e,
  );
}

async function recipient(curve: 'P-256' | 'P-384') {
  return (await subtle.generateKey({ name: 'ECDH', namedCurve: curve }, false, [
    'deriveBits',
  ])) as webcrypto.CryptoKeyPair;
}

async function cekOf(bytes: 16 | 32) {
  const raw = new Uint8Array(randomBytes(bytes));
  return { raw, key: await subtle.importKey('raw', raw, 'AES-GCM', true, ['encrypt', 'decrypt']) };
}

async function sameKey(a: webcrypto.CryptoKey, raw: Uint8Array): Promise<boolean> {
  // a is non-extractable: compare by encrypting with both.
  const iv = new Uint8Array(12);
  const b = await subtle.importKey('raw', raw, 'AES-GCM', false, ['encrypt']);
  const x = await subtle.encrypt({ name: 'AES-GCM', iv }, b, new Uint8Array(1));
  try {
    await subtle.decrypt({ name: 'AES-GCM', iv }, a, x);
    return true;
  } catch {
    return false;
  }
}

describe('ECDH key agreement (RFC 5753)', () => {
  it('builds ECC-CMS-SharedInfo with entityUInfo only when a UKM is present (absent ≠ empty)', () => {
    const wrap = new AlgorithmIdentifier({ algorithm: OID.aes128Wrap });
    const none = eccCmsSharedInfo(wrap, undefined, 128);
    expect(hex(none)).toBe('3015300b0609608648016503040105a206040400000080');
    const empty = eccCmsSharedInfo(wrap, new Uint8Array(0), 128);
    expect(hex(empty)).toBe('3019300b0609608648016503040105a0020400a206040400000080');
  });

  for (const curve of ['P-256', 'P-384'] as const) {
    for (const kdfHash of ['SHA-256', 'SHA-384', 'SHA-512'] as const) {
      for (const ukm of [undefined, new Uint8Array(randomBytes(32))]) {
        it(`agrees and wraps on ${curve}, ${kdfHash} KDF, ${ukm ? 'with' : 'without'} UKM`, async () => {
          const r = await recipient(curve);
          const { raw, key } = await cekOf(32);
          const out = await agreeAndWrapKey({ recipientKey: r.publicKey, cek: key, cekBytes: 32, kdfHash, ukm });
          expect(out.originatorPoint[0]).toBe(4);
          expect(out.encryptedKey.length).toBe(40);
          const algorithm = parseKeyAgreementAlgorithm(
            AsnParser.parse(out.keyEncryptionAlgorithm, AlgorithmIdentifier),
          );
          expect(algorithm).toMatchObject({ kdfHash, kekBytes: 32 });
          const unwrapped = await agreeAndUnwrapKey({
            privateKey: r.privateKey,
            originatorPoint: out.originatorPoint,
            ukm: out.ukm,
            algorithm,
            encryptedKey: out.encryptedKey,
            contentKey: { name: 'AES-GCM', length: 256 },
          });
          expect(await sameKey(unwrapped, raw)).toBe(true);
          // Dropping (or adding) the UKM changes the KEK: the unwrap fails.
          const err = await rejection(
            agreeAndUnwrapKey({
              privateKey: r.privateKey,
              originatorPoint: out.originatorPoint,
              ukm: ukm ? undefined : new Uint8Array(0),
              algorithm,
              encryptedKey: out.encryptedKey,
              contentKey: { name: 'AES-GCM', length: 256 },
            }),
          );
          expect(err).toBeInstanceOf(DecryptionError);
        });
      }
    }
  }

  it('uses the wrap algorithm of the content key size', async () => {
    const r = await recipient('P-256');
    const { key } = await cekOf(16);
    const out = await agreeAndWrapKey({ recipientKey: r.publicKey, cek: key, cekBytes: 16 });
    expect(hex(out.keyEncryptionAlgorithm)).toBe(
      hex(
        derEncode(
          derTlv(TAG.sequence, derOid(OID.dhSinglePassStdDHSha256kdf), derTlv(TAG.sequence, derOid(OID.aes128Wrap))),
        ),
      ),
    );
  });

  it('fails with the one typed error for a wrong key, an invalid point, a tampered wrapped key', async () => {
    const r = await recipient('P-256');
    const other = await recipient('P-256');
    const { key } = await cekOf(32);
    const out = await agreeAndWrapKey({ recipientKey: r.publicKey, cek: key, cekBytes: 32 });
    const algorithm = parseKeyAgreementAlgorithm(AsnParser.parse(out.keyEncryptionAlgorithm, AlgorithmIdentifier));
    const base = {
      privateKey: r.privateKey,
      originatorPoint: out.originatorPoint,
      ukm: undefined,
      algorithm,
      encryptedKey: out.encryptedKey,
      contentKey: { name: 'AES-GCM', length: 256 } as webcrypto.AesKeyAlgorithm,
    };
    const badPoint = out.originatorPoint.slice();
    badPoint[40] ^= 1;
    const badKey = out.encryptedKey.slice();
    badKey[3] ^= 1;
    for (const o of [
      { ...base, privateKey: other.privateKey },
      { ...base, originatorPoint: badPoint },
      { ...base, originatorPoint: new Uint8Array(3) },
      { ...base, encryptedKey: badKey },
      { ...base, contentKey: { name: 'AES-GCM', length: 128 } },
    ]) {
      const err = await rejection(agreeAndUnwrapKey(o));
      expect(err).toBeInstanceOf(DecryptionError);
      expect(err).toMatchObject({ code: 'ERR_CRYPTO_DECRYPTION_FAILED', message: 'decryption failed' });
    }
  });

  it('reads every dhSinglePass-stdDH scheme and refuses others with typed errors', () => {
    const wrap = derEncode(derTlv(TAG.sequence, derOid(OID.aes256Wrap)));
    const p = (scheme: string, params?: Uint8Array) =>
      new AlgorithmIdentifier({
        algorithm: scheme,
        parameters: params === undefined ? undefined : params.slice().buffer,
      });
    expect(parseKeyAgreementAlgorithm(p(OID.dhSinglePassStdDHSha1kdf, wrap)).kdfHash).toBe('SHA-1');
    expect(parseKeyAgreementAlgorithm(p(OID.dhSinglePassStdDHSha224kdf, wrap)).kdfHash).toBe('SHA-224');
    expect(parseKeyAgreementAlgorithm(p(OID.dhSinglePassStdDHSha384kdf, wrap)).kdfHash).toBe('SHA-384');
    expect(() => parseKeyAgreementAlgorithm(p('1.3.133.16.840.63.0.3', wrap))).toThrow(UnsupportedAlgorithmError);
    expect(() => parseKeyAgreementAlgorithm(p(OID.dhSinglePassStdDHSha256kdf))).toThrow(MalformedInputError);
    expect(() =>
      parseKeyAgreementAlgorithm(
        p(OID.dhSinglePassStdDHSha256kdf, derEncode(derTlv(TAG.sequence, derOid(OID.aes256Cbc)))),
      ),
    ).toThrow(UnsupportedAlgorithmError);
    expect(() =>
      parseKeyAgreementAlgorithm(
        p(OID.dhSinglePassStdDHSha256kdf, derEncode(derTlv(TAG.sequence, derOid(OID.aes256Wrap), Uint8Array.of(4, 0)))),
      ),
    ).toThrow(MalformedInputError);
    expect(() => parseKeyAgreementAlgorithm(p(OID.dhSinglePassStdDHSha256kdf, Uint8Array.of(5, 0)))).toThrow(
      MalformedInputError,
    );
  });
});
