/**
 * RSA key transport for CMS KeyTransRecipientInfo (RFC 5652 §6.2.1).
 *
 * - Encryption: RSAES-OAEP (RFC 8017 §7.1, parameters per RFC 4055 §3.1) with SHA-256 by default (also
 *   SHA-384/512), MGF1 over the same hash, an empty label. The AlgorithmIdentifier is written as OpenSSL
 *   writes it: hash and MGF1 hash AlgorithmIdentifiers with absent parameters, pSourceAlgorithm omitted
 *   (its DEFAULT, pSpecifiedEmpty).
 * - Decryption: RSAES-OAEP with SHA-1 (OpenSSL's `rsa_padding_mode:oaep` default), SHA-256, SHA-384 or
 *   SHA-512 (the MGF1 hash must be the same, a WebCrypto constraint; a pSpecified label is honoured), and
 *   RSAES-PKCS1-v1_5 (`rsaEncryption`, what `openssl cms -encrypt` sends by default) through the
 *   constant-time, implicitly rejecting decoder of `rsa-pkcs1.ts`.
 *
 * The OAEP parameters are read with the BER reader rather than `@peculiar/asn1-rsa`'s `RsaEsOaepParams`,
 * whose DEFAULT for pSourceAlgorithm carries SHA-1("") as the label instead of the empty string (so an
 * absent field would decode as a non-empty label, and an explicit empty label would be written out).
 *
 * @packageDocumentation
 */
import type { KeyObject, webcrypto } from 'node:crypto';
import { AlgorithmIdentifier } from '@peculiar/asn1-x509';
import {
  parseDerStrict,
  TAG,
  berBytes,
  berChildren,
  berContent,
  berExpect,
  berRead,
  derEncode,
  derOid,
  derTlv,
} from './cms-structures.js';
import { CryptoError, DecryptionError, MalformedInputError, UnsupportedAlgorithmError } from './errors.js';
import { decryptRsaPkcs1v15 } from './rsa-pkcs1.js';
import { OID } from './oids.js';

type CryptoKey = webcrypto.CryptoKey;
type RsaOaepParams = webcrypto.RsaOaepParams;

const subtle = globalThis.crypto.subtle;

/**
 * Hashes semper uses for RSA-OAEP when encrypting.
 *
 * @example
 * ```ts
 * const hash: OaepHash = 'SHA-256';
 * ```
 */
export type OaepHash = 'SHA-256' | 'SHA-384' | 'SHA-512';
/**
 * Hashes accepted for RSA-OAEP when decrypting (SHA-1 is OpenSSL's OAEP default).
 *
 * @example
 * ```ts
 * const hash: OaepDecryptHash = 'SHA-1';
 * ```
 */
export type OaepDecryptHash = OaepHash | 'SHA-1';

const HASH_OIDS: Record<OaepDecryptHash, string> = {
  'SHA-1': OID.sha1,
  'SHA-256': OID.sha256,
  'SHA-384': OID.sha384,
  'SHA-512': OID.sha512,
};
const HASH_BY_OID = new Map<string, OaepDecryptHash>(
  Object.entries(HASH_OIDS).map(([name, oid]) => [oid, name as OaepDecryptHash]),
);

/**
 * The private-key side that key transport needs; `PrivateKey` (keys.ts) satisfies it.
 *
 * @example
 * ```ts
 * const cek = await decryptTransportedKey(identity.privateKey, algorithm, encryptedKey, 32);
 * ```
 */
export interface KeyTransportPrivateKey {
  /** The node:crypto key, for the raw RSA operation of PKCS#1 v1.5 decryption. */
  readonly keyObject: KeyObject;
  /** An RSA-OAEP decryption key for `hash` (cached by the implementation). */
  cryptoKey(purpose: 'decrypt', hash?: OaepHash): Promise<CryptoKey>;
}

const algorithmCache = new Map<OaepHash, Uint8Array>();

/**
 * The DER AlgorithmIdentifier of RSAES-OAEP with `hash`, MGF1 with the same hash and an empty label.
 *
 * @example
 * ```ts
 * const der = oaepAlgorithmIdentifier('SHA-256');
 * // 30 38 06 09 2a864886f70d010107 30 2b a0 0d 30 0b 06 09 <sha256> a1 1a 30 18 06 09 <mgf1> 30 0b 06 09 <sha256>
 * ```
 */
export function oaepAlgorithmIdentifier(hash: OaepHash): Uint8Array {
  let der = algorithmCache.get(hash);
  if (der === undefined) {
    const hashOid = HASH_OIDS[hash];
    if (hashOid === undefined || hash === ('SHA-1' as OaepHash)) {
      throw new CryptoError(
        'ERR_CRYPTO_INVALID_ARGUMENT',
        `RSA-OAEP hash must be SHA-256, SHA-384 or SHA-512, not ${String(hash)}`,
      );
    }
    const hashAlg = derTlv(TAG.sequence, derOid(hashOid));
    const params = derTlv(
      TAG.sequence,
      derTlv(TAG.context0c, hashAlg),
      derTlv(TAG.context1c, derTlv(TAG.sequence, derOid(OID.mgf1), hashAlg)),
    );
    der = derEncode(derTlv(TAG.sequence, derOid(OID.rsaesOaep), params));
    algorithmCache.set(hash, der);
  }
  return der;
}

/**
 * Encrypts the content-encryption key for one RSA recipient with RSAES-OAEP.
 * `recipientKey` is the recipient's RSA-OAEP public key for `hash` (import it once per recipient).
 *
 * @example
 * ```ts
 * const key = await certificate.publicKey.cryptoKey('encrypt', 'SHA-256');
 * const { algorithm, encryptedKey } = await encryptTransportedKey(key, 'SHA-256', cekBytes);
 * ```
 */
export async function encryptTransportedKey(
  recipientKey: CryptoKey,
  hash: OaepHash,
  cek: Uint8Array,
): Promise<{ algorithm: Uint8Array; encryptedKey: Uint8Array }> {
  const algorithm = oaepAlgorithmIdentifier(hash);
  const encryptedKey = new Uint8Array(await subtle.encrypt({ name: 'RSA-OAEP' }, recipientKey, cek));
  return { algorithm, encryptedKey };
}

/**
 * A decoded key-transport algorithm.
 *
 * @example
 * ```ts
 * const alg: KeyTransportAlgorithm = parseKeyTransportAlgorithm(ktri.keyEncryptionAlgorithm);
 * if (alg.scheme === 'RSAES-PKCS1-v1_5') console.log('OpenSSL default');
 * ```
 */
export type KeyTransportAlgorithm =
  | { readonly scheme: 'RSAES-PKCS1-v1_5' }
  | { readonly scheme: 'RSAES-OAEP'; readonly hash: OaepDecryptHash; readonly label: Uint8Array };

function malformed(what: string): never {
  throw new MalformedInputError('ERR_CRYPTO_MALFORMED', `malformed CMS: ${what}`);
}

function parseAlgorithmIdentifier(bytes: Uint8Array): AlgorithmIdentifier {
  return parseDerStrict(bytes, AlgorithmIdentifier, 'AlgorithmIdentifier');
}

function hashOf(alg: AlgorithmIdentifier): OaepDecryptHash {
  const hash = HASH_BY_OID.get(alg.algorithm);
  if (hash === undefined) throw new UnsupportedAlgorithmError(`RSA-OAEP hash ${alg.algorithm} is not supported`);
  if (alg.parameters !== undefined && alg.parameters !== null) malformed('hash algorithm parameters');
  return hash;
}

/**
 * Decodes a KeyTransRecipientInfo's keyEncryptionAlgorithm.
 *
 * @throws {@link UnsupportedAlgorithmError} for other algorithms (or an MGF1 hash that differs from the
 * OAEP hash); {@link MalformedInputError} for malformed parameters.
 *
 * @example
 * ```ts
 * const alg = parseKeyTransportAlgorithm(ktri.keyEncryptionAlgorithm);
 * if (alg.scheme === 'RSAES-OAEP') console.log(alg.hash);
 * ```
 */
export function parseKeyTransportAlgorithm(alg: AlgorithmIdentifier): KeyTransportAlgorithm {
  if (alg.algorithm === OID.rsaEncryption) return { scheme: 'RSAES-PKCS1-v1_5' };
  if (alg.algorithm !== OID.rsaesOaep) {
    throw new UnsupportedAlgorithmError(`key transport algorithm ${alg.algorithm} is not supported`);
  }
  let hash: OaepDecryptHash = 'SHA-1';
  let mgfHash: OaepDecryptHash = 'SHA-1';
  let label: Uint8Array = new Uint8Array(0);
  if (alg.parameters !== undefined && alg.parameters !== null) {
    const bytes = new Uint8Array(alg.parameters);
    const seq = berExpect(berRead(bytes), TAG.sequence, 'RSAES-OAEP-params');
    if (seq.end !== bytes.length) malformed('trailing data after RSAES-OAEP-params');
    let last = -1;
    for (const field of berChildren(seq)) {
      const index = field.tag - TAG.context0c;
      if (index <= last || index > 2) malformed('RSAES-OAEP-params field order');
      last = index;
      const inner = berChildren(field);
      if (inner.length !== 1) malformed('RSAES-OAEP-params field');
      const a = parseAlgorithmIdentifier(berBytes(inner[0]));
      if (index === 0) {
        hash = hashOf(a);
      } else if (index === 1) {
        if (a.algorithm !== OID.mgf1)
          throw new UnsupportedAlgorithmError(`mask generation function ${a.algorithm} is not supported`);
        if (!(a.parameters instanceof ArrayBuffer)) malformed('MGF1 parameters');
        mgfHash = hashOf(parseAlgorithmIdentifier(new Uint8Array(a.parameters)));
      } else {
        if (a.algorithm !== OID.pSpecified)
          throw new UnsupportedAlgorithmError(`OAEP label source ${a.algorithm} is not supported`);
        if (!(a.parameters instanceof ArrayBuffer)) malformed('pSpecified parameters');
        const p = new Uint8Array(a.parameters);
        const os = berRead(p);
        if (os.end !== p.length) malformed('pSpecified parameters');
        label = berContent(berExpect(os, TAG.octetString, 'the OAEP label'));
      }
    }
  }
  if (mgfHash !== hash)
    throw new UnsupportedAlgorithmError('RSA-OAEP with an MGF1 hash other than the OAEP hash is not supported');
  return { scheme: 'RSAES-OAEP', hash, label };
}

const sha1Keys = new WeakMap<KeyObject, Promise<CryptoKey>>();

function oaepKey(key: KeyTransportPrivateKey, hash: OaepDecryptHash): Promise<CryptoKey> {
  if (hash !== 'SHA-1') return key.cryptoKey('decrypt', hash);
  // SHA-1 OAEP (OpenSSL's OAEP default) is for decryption only; the key is imported here once per key.
  let p = sha1Keys.get(key.keyObject);
  if (p === undefined) {
    const pkcs8 = key.keyObject.export({ type: 'pkcs8', format: 'der' });
    p = subtle.importKey('pkcs8', pkcs8, { name: 'RSA-OAEP', hash: 'SHA-1' }, false, ['decrypt']);
    sha1Keys.set(key.keyObject, p);
  }
  return p;
}

/**
 * Recovers the content-encryption key of `cekBytes` bytes from a KeyTransRecipientInfo.
 *
 * With RSAES-PKCS1-v1_5, an invalid padding does not fail here: a pseudo-random key is returned instead
 * (implicit rejection), so that the failure surfaces as the same error from content decryption.
 *
 * @throws {@link DecryptionError} `ERR_CRYPTO_DECRYPTION_FAILED` when OAEP decryption fails or yields a key
 * of the wrong size.
 *
 * @example
 * ```ts
 * const cek = await decryptTransportedKey(identity.privateKey, parseKeyTransportAlgorithm(alg), encryptedKey, 32);
 * ```
 */
export async function decryptTransportedKey(
  key: KeyTransportPrivateKey,
  algorithm: KeyTransportAlgorithm,
  encryptedKey: Uint8Array,
  cekBytes: number,
): Promise<Uint8Array> {
  if (algorithm.scheme === 'RSAES-PKCS1-v1_5') return decryptRsaPkcs1v15(key.keyObject, encryptedKey, cekBytes);
  let cek: Uint8Array;
  try {
    const k = await oaepKey(key, algorithm.hash);
    const params: RsaOaepParams = { name: 'RSA-OAEP' };
    if (algorithm.label.length > 0) params.label = algorithm.label;
    cek = new Uint8Array(await subtle.decrypt(params, k, encryptedKey));
  } catch {
    throw new DecryptionError('ERR_CRYPTO_DECRYPTION_FAILED', 'decryption failed');
  }
  if (cek.length !== cekBytes) throw new DecryptionError('ERR_CRYPTO_DECRYPTION_FAILED', 'decryption failed');
  return cek;
}
