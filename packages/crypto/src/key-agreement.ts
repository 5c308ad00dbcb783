/**
 * ECDH key agreement for CMS KeyAgreeRecipientInfo, per RFC 5753 (ephemeral-static, the
 * dhSinglePass-stdDH-sha*kdf-scheme algorithms):
 *
 * 1. The sender makes an ephemeral key pair on the recipient's curve; its public point goes in
 *    `originator [0] originatorKey [1]` (id-ecPublicKey, parameters absent, as OpenSSL writes it).
 * 2. Z = ECDH(ephemeral private, recipient public) — the x-coordinate, full field length.
 * 3. KEK = X9.63-KDF(hash, Z, DER(ECC-CMS-SharedInfo)), where ECC-CMS-SharedInfo is
 *    `{ keyInfo = the key-wrap AlgorithmIdentifier (e.g. id-aes256-wrap, parameters absent),
 *       entityUInfo [0] = the UKM — present ONLY if the KARI carries a ukm,
 *       suppPubInfo [2] = the KEK length in bits, 4 octets big-endian }`.
 * 4. The content-encryption key is wrapped with AES key wrap (RFC 3394) under the KEK.
 *
 * The keyEncryptionAlgorithm is `{ dhSinglePass-stdDH-shaXkdf-scheme, parameters = the key-wrap
 * AlgorithmIdentifier }`. semper writes SHA-256 (or SHA-384/512) and an AES wrap matching the content key
 * size; it reads SHA-1 (OpenSSL's default: `openssl cms -encrypt` with an EC certificate uses
 * dhSinglePass-stdDH-sha1kdf-scheme and no UKM), SHA-224, SHA-256, SHA-384 and SHA-512, with or without UKM,
 * and AES-128/192/256 wrap.
 *
 * **Standard vs pkijs.** RFC 5753 §7.2 says entityUInfo is present only when the sender supplied a UKM;
 * absent and empty are different encodings and so give different KEKs. pkijs (4.0.0, as installed here)
 * builds its SharedInfo with `entityUInfo: recipientInfo.ukm`, and when the KeyAgreeRecipientInfo has no
 * UKM its ECCCMSSharedInfo constructor substitutes an empty OCTET STRING — so it derives its KEK from
 * `entityUInfo [0] { OCTET STRING '' }`, not from a SharedInfo without entityUInfo as OpenSSL does, and
 * cannot open what `openssl cms -encrypt` sends by default (nor can OpenSSL open what pkijs seals without
 * UKM). Here the SharedInfo is built from the message itself: entityUInfo is included iff the `ukm` field
 * is present (with its exact octets), and keyInfo is the wrap AlgorithmIdentifier as the message states it
 * (re-encoded in DER, as OpenSSL does). The interoperability tests check both directions against OpenSSL,
 * with and without UKM.
 *
 * Every failure after the structure has been decoded — an invalid ephemeral point, a wrong key, an AES key
 * wrap integrity failure — is the one uninformative {@link DecryptionError}.
 *
 * @packageDocumentation
 */
import type { webcrypto } from 'node:crypto';
import { AsnSerializer, OctetString } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier } from '@peculiar/asn1-x509';
import { EccCmsSharedInfo, TAG, derEncode, derOid, derTlv, parseDerStrict } from './cms-structures.js';
import { CryptoError, DecryptionError, MalformedInputError, UnsupportedAlgorithmError } from './errors.js';
import { type KdfHash, x963Kdf } from './kdf.js';
import { KEY_WRAP_ALGORITHMS, keyWrapOidFor, unwrap3DesKey, unwrapKey, wrapKey } from './key-wrap.js';
import { OID } from './oids.js';

type CryptoKey = webcrypto.CryptoKey;
type EcKeyAlgorithm = webcrypto.EcKeyAlgorithm;
type CryptoKeyPair = webcrypto.CryptoKeyPair;
type AesKeyAlgorithm = webcrypto.AesKeyAlgorithm;

const subtle = globalThis.crypto.subtle;

/**
 * KDF hashes semper writes.
 *
 * @example
 * ```ts
 * const kdfHash: EcdhKdfHash = 'SHA-384';
 * ```
 */
export type EcdhKdfHash = 'SHA-256' | 'SHA-384' | 'SHA-512';

/**
 * The dhSinglePass-stdDH-sha*kdf-scheme OIDs and their hashes (RFC 5753 §7.1.4, SEC 1).
 *
 * @example
 * ```ts
 * KDF_SCHEMES.get('1.3.133.16.840.63.0.2'); // 'SHA-1' (OpenSSL's default)
 * ```
 */
export const KDF_SCHEMES: ReadonlyMap<string, KdfHash> = new Map<string, KdfHash>([
  [OID.dhSinglePassStdDHSha1kdf, 'SHA-1'],
  [OID.dhSinglePassStdDHSha224kdf, 'SHA-224'],
  [OID.dhSinglePassStdDHSha256kdf, 'SHA-256'],
  [OID.dhSinglePassStdDHSha384kdf, 'SHA-384'],
  [OID.dhSinglePassStdDHSha512kdf, 'SHA-512'],
]);
const SCHEME_FOR: Record<EcdhKdfHash, string> = {
  'SHA-256': OID.dhSinglePassStdDHSha256kdf,
  'SHA-384': OID.dhSinglePassStdDHSha384kdf,
  'SHA-512': OID.dhSinglePassStdDHSha512kdf,
};

const FIELD_BITS: Record<string, number> = { 'P-256': 256, 'P-384': 384, 'P-521': 528 };

function curveOf(key: CryptoKey): string {
  const curve = (key.algorithm as EcKeyAlgorithm).namedCurve;
  if (FIELD_BITS[curve] === undefined)
    throw new UnsupportedAlgorithmError(`ECDH on curve ${String(curve)} is not supported`);
  return curve;
}

/**
 * The DER of ECC-CMS-SharedInfo (RFC 5753 §7.2) — the X9.63 KDF's SharedInfo: `keyInfo` is the key-wrap
 * AlgorithmIdentifier, `ukm` (entityUInfo) is included only if given, `kekBits` goes in suppPubInfo.
 *
 * @example
 * ```ts
 * import { AlgorithmIdentifier } from '@peculiar/asn1-x509';
 * const info = eccCmsSharedInfo(new AlgorithmIdentifier({ algorithm: '2.16.840.1.101.3.4.1.45' }), undefined, 256);
 * ```
 */
export function eccCmsSharedInfo(
  keyInfo: AlgorithmIdentifier,
  ukm: Uint8Array | undefined,
  kekBits: number,
): Uint8Array {
  const supp = new Uint8Array(4);
  new DataView(supp.buffer).setUint32(0, kekBits);
  const info = new EccCmsSharedInfo({ keyInfo, suppPubInfo: new OctetString(supp) });
  if (ukm !== undefined) info.entityUInfo = new OctetString(ukm);
  return new Uint8Array(AsnSerializer.serialize(info));
}

/**
 * What the sender puts in a KeyAgreeRecipientInfo for one recipient.
 *
 * @example
 * ```ts
 * const { originatorPoint, keyEncryptionAlgorithm, encryptedKey }: KeyAgreementOutput = await agreeAndWrapKey(o);
 * ```
 */
export interface KeyAgreementOutput {
  /** The ephemeral public key, an uncompressed point (the originatorKey BIT STRING). */
  readonly originatorPoint: Uint8Array;
  /** DER of the keyEncryptionAlgorithm AlgorithmIdentifier. */
  readonly keyEncryptionAlgorithm: Uint8Array;
  /** The UKM, when one was used. */
  readonly ukm?: Uint8Array;
  /** The wrapped content-encryption key. */
  readonly encryptedKey: Uint8Array;
}

/**
 * Sender side: agrees a KEK with the recipient's ECDH public key through a fresh ephemeral key pair and
 * wraps `cek` (an extractable AES key of `cekBytes` bytes) under it.
 *
 * @example
 * ```ts
 * const recipientKey = await certificate.publicKey.cryptoKey('derive');
 * const out = await agreeAndWrapKey({ recipientKey, cek, cekBytes: 32, kdfHash: 'SHA-256' });
 * ```
 */
export async function agreeAndWrapKey(o: {
  recipientKey: CryptoKey;
  cek: CryptoKey;
  cekBytes: 16 | 24 | 32;
  kdfHash?: EcdhKdfHash;
  ukm?: Uint8Array;
}): Promise<KeyAgreementOutput> {
  const kdfHash = o.kdfHash ?? 'SHA-256';
  const scheme = SCHEME_FOR[kdfHash];
  if (scheme === undefined)
    throw new CryptoError('ERR_CRYPTO_INVALID_ARGUMENT', `ECDH KDF hash must be SHA-256, SHA-384 or SHA-512`);
  const curve = curveOf(o.recipientKey);
  const wrapOid = keyWrapOidFor(o.cekBytes);
  const kekBytes = o.cekBytes;
  const wrapAlg = new AlgorithmIdentifier({ algorithm: wrapOid });
  const sharedInfo = eccCmsSharedInfo(wrapAlg, o.ukm, kekBytes * 8);
  const ephemeral = (await subtle.generateKey({ name: 'ECDH', namedCurve: curve }, true, [
    'deriveBits',
  ])) as CryptoKeyPair;
  const [point, z] = await Promise.all([
    subtle.exportKey('raw', ephemeral.publicKey),
    subtle.deriveBits({ name: 'ECDH', public: o.recipientKey }, ephemeral.privateKey, FIELD_BITS[curve]),
  ]);
  const zBytes = new Uint8Array(z);
  const kek = await x963Kdf(kdfHash, zBytes, sharedInfo, kekBytes);
  zBytes.fill(0);
  const encryptedKey = await wrapKey(kek, o.cek);
  kek.fill(0);
  return {
    originatorPoint: new Uint8Array(point),
    keyEncryptionAlgorithm: derEncode(derTlv(TAG.sequence, derOid(scheme), derTlv(TAG.sequence, derOid(wrapOid)))),
    ukm: o.ukm,
    encryptedKey,
  };
}

/**
 * A decoded KARI keyEncryptionAlgorithm.
 *
 * @example
 * ```ts
 * const { kdfHash, wrap, kekBytes }: KeyAgreementAlgorithm = parseKeyAgreementAlgorithm(kari.keyEncryptionAlgorithm);
 * ```
 */
export interface KeyAgreementAlgorithm {
  readonly kdfHash: KdfHash;
  /** The key-wrap AlgorithmIdentifier as the message states it (it is the SharedInfo keyInfo). */
  readonly wrap: AlgorithmIdentifier;
  readonly kekBytes: 16 | 24 | 32;
  /** AES key wrap (RFC 3394), or the CMS Triple-DES key wrap (RFC 3217, read only). */
  readonly family: 'aes' | '3des';
}

function malformed(what: string): never {
  throw new MalformedInputError('ERR_CRYPTO_MALFORMED', `malformed CMS: ${what}`);
}

/**
 * Decodes a KeyAgreeRecipientInfo's keyEncryptionAlgorithm.
 *
 * @throws {@link UnsupportedAlgorithmError} for another scheme or wrap algorithm; {@link MalformedInputError}
 * for missing or malformed parameters.
 *
 * @example
 * ```ts
 * const { kdfHash, kekBytes } = parseKeyAgreementAlgorithm(kari.keyEncryptionAlgorithm); // 'SHA-1', 32 from OpenSSL
 * ```
 */
export function parseKeyAgreementAlgorithm(alg: AlgorithmIdentifier): KeyAgreementAlgorithm {
  const kdfHash = KDF_SCHEMES.get(alg.algorithm);
  if (kdfHash === undefined)
    throw new UnsupportedAlgorithmError(`key agreement algorithm ${alg.algorithm} is not supported`);
  if (!(alg.parameters instanceof ArrayBuffer)) malformed('the key-wrap algorithm is missing');
  // Strict: the SharedInfo is built from the parsed value, so the bytes must be exactly its DER.
  const wrap = parseDerStrict(alg.parameters, AlgorithmIdentifier, 'the key-wrap AlgorithmIdentifier');
  const w = KEY_WRAP_ALGORITHMS.get(wrap.algorithm);
  if (w === undefined) throw new UnsupportedAlgorithmError(`key wrap algorithm ${wrap.algorithm} is not supported`);
  if (w.family === 'aes' && wrap.parameters !== undefined && wrap.parameters !== null) {
    malformed('AES key wrap parameters must be absent');
  }
  if (w.family === '3des') {
    // asn1-schema reads a NULL parameter as null (and absent as undefined).
    if (wrap.parameters !== null) malformed('CMS 3DES key wrap parameters must be NULL');
  }
  return { kdfHash, wrap, kekBytes: w.kekBytes, family: w.family };
}

/**
 * Recipient side: agrees the KEK from the originator's ephemeral point and the recipient's ECDH private key,
 * and unwraps the content-encryption key as a non-extractable key for `contentKey` (e.g. AES-GCM 256).
 *
 * @throws {@link DecryptionError} `ERR_CRYPTO_DECRYPTION_FAILED` for every failure.
 *
 * @example
 * ```ts
 * const cek = await agreeAndUnwrapKey({
 *   privateKey: await identity.privateKey.cryptoKey('derive'),
 *   originatorPoint, ukm, algorithm: parseKeyAgreementAlgorithm(alg), encryptedKey,
 *   contentKey: { name: 'AES-GCM', length: 256 },
 * });
 * ```
 */
export async function agreeAndUnwrapKey(o: {
  privateKey: CryptoKey;
  originatorPoint: Uint8Array;
  ukm: Uint8Array | undefined;
  algorithm: KeyAgreementAlgorithm;
  encryptedKey: Uint8Array;
  contentKey: AesKeyAlgorithm | webcrypto.HmacImportParams;
}): Promise<CryptoKey> {
  const curve = curveOf(o.privateKey);
  const sharedInfo = eccCmsSharedInfo(o.algorithm.wrap, o.ukm, o.algorithm.kekBytes * 8);
  let kek: Uint8Array;
  try {
    const originator = await subtle.importKey('raw', o.originatorPoint, { name: 'ECDH', namedCurve: curve }, false, []);
    const z = new Uint8Array(
      await subtle.deriveBits({ name: 'ECDH', public: originator }, o.privateKey, FIELD_BITS[curve]),
    );
    kek = await x963Kdf(o.algorithm.kdfHash, z, sharedInfo, o.algorithm.kekBytes);
    z.fill(0);
  } catch {
    throw new DecryptionError('ERR_CRYPTO_DECRYPTION_FAILED', 'decryption failed');
  }
  try {
    if (o.algorithm.family === 'aes') return await unwrapKey(kek, o.encryptedKey, o.contentKey);
    const raw = unwrap3DesKey(kek, o.encryptedKey);
    try {
      if (raw.length * 8 !== o.contentKey.length)
        throw new DecryptionError('ERR_CRYPTO_DECRYPTION_FAILED', 'decryption failed');
      const carrier = o.contentKey.name === 'HMAC';
      return await subtle.importKey('raw', raw, o.contentKey, carrier, carrier ? ['sign'] : ['decrypt']);
    } finally {
      raw.fill(0);
    }
  } finally {
    kek.fill(0);
  }
}
