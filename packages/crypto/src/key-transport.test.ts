import { constants, generateKeyPairSync, type KeyObject, publicEncrypt, randomBytes } from 'node:crypto';
import { AsnParser } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier } from '@peculiar/asn1-x509';
import { beforeAll, describe, expect, it } from 'vitest';
import { TAG, derEncode, derOid, derPrimitive, derTlv } from './cms-structures.js';
import { DecryptionError, MalformedInputError, UnsupportedAlgorithmError, CryptoError } from './errors.js';
import {
  type KeyTransportPrivateKey,
  type OaepHash,
  decryptTransportedKey,
  encryptTransportedKey,
  oaepAlgorithmIdentifier,
  parseKeyTransportAlgorithm,
} from './key-transport.js';
import { OID } from './oids.js';

const subtle = globalThis.crypto.subtle;
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const alg = (der: Uint8Array) => AsnParser.parse(der, AlgorithmIdentifier);

async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => undefined,
    (e: unknown) => e,
  );
}

describe('RSA key transport', () => {
  let privateKey: KeyObject;
  let publicKey: KeyObject;
  let recipient: KeyTransportPrivateKey;

  beforeAll(() => {
    ({ privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 }));
    const pkcs8 = privateKey.export({ type: 'pkcs8', format: 'der' });
    recipient = {
      keyObject: privateKey,
      cryptoKey: (_purpose, hash) =>
        subtle.importKey('pkcs8', pkcs8, { name: 'RSA-OAEP', hash: hash ?? 'SHA-256' }, false, ['decrypt']),
    };
  });

  it('writes the RSAES-OAEP AlgorithmIdentifier byte for byte as OpenSSL does (SHA-256, absent hash parameters)', () => {
    expect(hex(oaepAlgorithmIdentifier('SHA-256'))).toBe(
      '303806092a864886f70d010107302ba00d300b0609608648016503040201a11a301806092a864886f70d010108300b0609608648016503040201',
    );
    expect(parseKeyTransportAlgorithm(alg(oaepAlgorithmIdentifier('SHA-512')))).toMatchObject({
      scheme: 'RSAES-OAEP',
      hash: 'SHA-512',
    });
    expect(() => oaepAlgorithmIdentifier('SHA-1' as OaepHash)).toThrow(CryptoError);
  });

  for (const hash of ['SHA-256', 'SHA-384', 'SHA-512'] as const) {
    it(`round-trips a content key with RSA-OAEP ${hash}`, async () => {
      const spki = publicKey.export({ type: 'spki', format: 'der' });
      const pub = await subtle.importKey('spki', spki, { name: 'RSA-OAEP', hash }, false, ['encrypt']);
      const cek = new Uint8Array(randomBytes(32));
      const { algorithm, encryptedKey } = await encryptTransportedKey(pub, hash, cek);
      const out = await decryptTransportedKey(recipient, parseKeyTransportAlgorithm(alg(algorithm)), encryptedKey, 32);
      expect(hex(out)).toBe(hex(cek));
      const tampered = encryptedKey.slice();
      tampered[10] ^= 1;
      for (const attempt of [
        () => decryptTransportedKey(recipient, parseKeyTransportAlgorithm(alg(algorithm)), tampered, 32),
        () => decryptTransportedKey(recipient, parseKeyTransportAlgorithm(alg(algorithm)), encryptedKey, 16),
      ]) {
        const err = await rejection(attempt());
        expect(err).toBeInstanceOf(DecryptionError);
        expect(err).toMatchObject({ code: 'ERR_CRYPTO_DECRYPTION_FAILED', message: 'decryption failed' });
      }
    });
  }

  it('decrypts SHA-1 OAEP with absent parameters (OpenSSL’s OAEP default) and honours a pSpecified label', async () => {
    const cek = new Uint8Array(randomBytes(16));
    const c = publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, cek);
    const a = parseKeyTransportAlgorithm(new AlgorithmIdentifier({ algorithm: OID.rsaesOaep }));
    expect(a).toMatchObject({ scheme: 'RSAES-OAEP', hash: 'SHA-1' });
    expect(hex(await decryptTransportedKey(recipient, a, c, 16))).toBe(hex(cek));

    const label = new TextEncoder().encode('semper');
    const sha256 = derTlv(TAG.sequence, derOid(OID.sha256));
    const params = derEncode(
      derTlv(
        TAG.sequence,
        derTlv(TAG.context0c, sha256),
        derTlv(TAG.context1c, derTlv(TAG.sequence, derOid(OID.mgf1), sha256)),
        derTlv(TAG.context2c, derTlv(TAG.sequence, derOid(OID.pSpecified), derPrimitive(TAG.octetString, label))),
      ),
    );
    const withLabel = parseKeyTransportAlgorithm(
      new AlgorithmIdentifier({ algorithm: OID.rsaesOaep, parameters: params.slice().buffer }),
    );
    expect(withLabel).toMatchObject({ scheme: 'RSAES-OAEP', hash: 'SHA-256' });
    const c2 = publicEncrypt(
      { key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256', oaepLabel: label },
      cek,
    );
    expect(hex(await decryptTransportedKey(recipient, withLabel, c2, 16))).toBe(hex(cek));
  });

  it('decrypts RSAES-PKCS1-v1_5 (rsaEncryption) and turns a bad padding into a pseudo-random key, not an error', async () => {
    const a = parseKeyTransportAlgorithm(new AlgorithmIdentifier({ algorithm: OID.rsaEncryption, parameters: null }));
    expect(a.scheme).toBe('RSAES-PKCS1-v1_5');
    const cek = new Uint8Array(randomBytes(32));
    const c = new Uint8Array(publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_PADDING }, cek));
    expect(hex(await decryptTransportedKey(recipient, a, c, 32))).toBe(hex(cek));
    c[5] ^= 1;
    const wrong = await decryptTransportedKey(recipient, a, c, 32);
    expect(wrong.length).toBe(32);
    expect(hex(wrong)).not.toBe(hex(cek));
  });

  it('refuses other algorithms and malformed parameters with typed errors', () => {
    const p = (der: Uint8Array) =>
      new AlgorithmIdentifier({ algorithm: OID.rsaesOaep, parameters: der.slice().buffer });
    const sha = (oid: string) => derTlv(TAG.sequence, derOid(oid));
    expect(() => parseKeyTransportAlgorithm(new AlgorithmIdentifier({ algorithm: OID.ecPublicKey }))).toThrow(
      UnsupportedAlgorithmError,
    );
    // MGF1 hash differs from the OAEP hash.
    expect(() =>
      parseKeyTransportAlgorithm(p(derEncode(derTlv(TAG.sequence, derTlv(TAG.context0c, sha(OID.sha256)))))),
    ).toThrow(UnsupportedAlgorithmError);
    expect(() =>
      parseKeyTransportAlgorithm(p(derEncode(derTlv(TAG.sequence, derTlv(TAG.context0c, sha('1.2.3')))))),
    ).toThrow(UnsupportedAlgorithmError);
    expect(() => parseKeyTransportAlgorithm(p(Uint8Array.of(0x04, 0x00)))).toThrow(MalformedInputError);
    expect(() =>
      parseKeyTransportAlgorithm(p(derEncode(derTlv(TAG.sequence, derTlv(TAG.context2c, sha(OID.sha1)))))),
    ).toThrow(UnsupportedAlgorithmError);
    expect(() =>
      parseKeyTransportAlgorithm(
        p(derEncode(derTlv(TAG.sequence, derTlv(TAG.context1c, sha(OID.mgf1)), derTlv(TAG.context0c, sha(OID.sha1))))),
      ),
    ).toThrow(MalformedInputError);
  });
});
