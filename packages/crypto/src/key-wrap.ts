/**
 * AES key wrap (RFC 3394, as CMS uses it per RFC 3565 §2.3.2) over WebCrypto's AES-KW: the key-encryption
 * key (KEK) from the ECDH key agreement wraps the content-encryption key (CEK). Unwrapping checks RFC 3394's
 * integrity value; any failure — a wrong KEK, a tampered wrapped key, a wrapped key of the wrong length for
 * the content cipher — is the one uninformative {@link DecryptionError}.
 *
 * The key-wrap AlgorithmIdentifier (id-aes128/192/256-wrap) has absent parameters (RFC 3565 §2.3.2).
 *
 * @packageDocumentation
 */
import { createDecipheriv, createHash, type webcrypto } from 'node:crypto';
import { DecryptionError } from './errors.js';
import { OID } from './oids.js';

type CryptoKey = webcrypto.CryptoKey;
type AesKeyAlgorithm = webcrypto.AesKeyAlgorithm;

const subtle = globalThis.crypto.subtle;

/**
 * The AES key-wrap algorithms, by OID, with their KEK length in bytes.
 *
 * @example
 * ```ts
 * KEY_WRAP_ALGORITHMS.get('2.16.840.1.101.3.4.1.45'); // { name: 'id-aes256-wrap', kekBytes: 32 }
 * ```
 */
export const KEY_WRAP_ALGORITHMS: ReadonlyMap<
  string,
  { readonly name: string; readonly kekBytes: 16 | 24 | 32; readonly family: 'aes' | '3des' }
> = new Map([
  [OID.aes128Wrap, { name: 'id-aes128-wrap', kekBytes: 16 as const, family: 'aes' as const }],
  [OID.aes192Wrap, { name: 'id-aes192-wrap', kekBytes: 24 as const, family: 'aes' as const }],
  [OID.aes256Wrap, { name: 'id-aes256-wrap', kekBytes: 32 as const, family: 'aes' as const }],
  // Read only (RFC 3217): what OpenSSL 3.0 uses for EC recipients when the content cipher is its default 3DES.
  [OID.cms3DesWrap, { name: 'id-alg-CMS3DESwrap', kekBytes: 24 as const, family: '3des' as const }],
]);

/**
 * The key-wrap algorithm OID that matches a content-encryption key of `cekBytes` bytes (what OpenSSL picks:
 * AES-128 content → id-aes128-wrap, AES-256 content → id-aes256-wrap).
 *
 * @example
 * ```ts
 * keyWrapOidFor(32); // '2.16.840.1.101.3.4.1.45' (id-aes256-wrap)
 * ```
 */
export function keyWrapOidFor(cekBytes: 16 | 24 | 32): string {
  return cekBytes === 16 ? OID.aes128Wrap : cekBytes === 24 ? OID.aes192Wrap : OID.aes256Wrap;
}

// No `cause`: which step failed must not be observable (no oracle).
function decryptionFailed(): DecryptionError {
  return new DecryptionError('ERR_CRYPTO_DECRYPTION_FAILED', 'decryption failed');
}

/**
 * Wraps the content-encryption key `cek` (an extractable AES key) under the raw `kek` bytes (RFC 3394).
 *
 * @example
 * ```ts
 * import { wrapKey } from '@semper/crypto';
 * const cek = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, true, ['encrypt']);
 * const wrapped = await wrapKey(kekBytes, cek); // 40 bytes
 * ```
 */
export async function wrapKey(kek: Uint8Array, cek: CryptoKey): Promise<Uint8Array> {
  const k = await subtle.importKey('raw', kek, 'AES-KW', false, ['wrapKey']);
  return new Uint8Array(await subtle.wrapKey('raw', cek, k, 'AES-KW'));
}

/**
 * Unwraps `wrapped` under the raw `kek` bytes into a non-extractable AES key for `algorithm` (e.g.
 * `{ name: 'AES-GCM', length: 256 }`), usable for `decrypt`.
 *
 * @throws {@link DecryptionError} `ERR_CRYPTO_DECRYPTION_FAILED` on any failure (integrity check, length).
 *
 * @example
 * ```ts
 * import { unwrapKey } from '@semper/crypto';
 * const cek = await unwrapKey(kekBytes, wrapped, { name: 'AES-GCM', length: 256 });
 * ```
 */
export async function unwrapKey(
  kek: Uint8Array,
  wrapped: Uint8Array,
  algorithm: AesKeyAlgorithm | webcrypto.HmacImportParams,
): Promise<CryptoKey> {
  // The wrapped length is public: 8 bytes more than the key it holds.
  if (wrapped.length !== (algorithm.length ?? 0) / 8 + 8) throw decryptionFailed();
  // An HMAC target carries the raw bytes of a key WebCrypto has no cipher for (3DES, read-only): extractable.
  const carrier = algorithm.name === 'HMAC';
  try {
    const k = await subtle.importKey('raw', kek, 'AES-KW', false, ['unwrapKey']);
    return await subtle.unwrapKey('raw', wrapped, k, 'AES-KW', algorithm, carrier, carrier ? ['sign'] : ['decrypt']);
  } catch {
    throw decryptionFailed();
  }
}

const CMS_3DES_WRAP_IV = Uint8Array.of(0x4a, 0xdd, 0xa2, 0x2c, 0x79, 0xe8, 0x21, 0x05);

function desCbcDecrypt(key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array {
  const d = createDecipheriv('des-ede3-cbc', key, iv);
  d.setAutoPadding(false);
  return new Uint8Array(Buffer.concat([d.update(data), d.final()]));
}

/**
 * Unwraps a Triple-DES content-encryption key wrapped with the CMS Triple-DES key wrap (RFC 3217 §3.2):
 * two 3DES-CBC decryptions with the octets reversed between them, then the CMS key checksum (the first 8
 * octets of SHA-1 over the key) checked. Read only; semper never writes it.
 *
 * @throws {@link DecryptionError} `ERR_CRYPTO_DECRYPTION_FAILED` on any failure.
 *
 * @example
 * ```ts
 * const cek = unwrap3DesKey(kek24, encryptedKey40); // 24 bytes
 * ```
 */
export function unwrap3DesKey(kek: Uint8Array, wrapped: Uint8Array): Uint8Array {
  if (kek.length !== 24 || wrapped.length !== 40) throw decryptionFailed();
  try {
    const temp3 = desCbcDecrypt(kek, CMS_3DES_WRAP_IV, wrapped);
    const temp2 = temp3.reverse();
    const cekIcv = desCbcDecrypt(kek, temp2.subarray(0, 8), temp2.subarray(8));
    const cek = cekIcv.slice(0, 24);
    const icv = cekIcv.subarray(24);
    const check = createHash('sha1').update(cek).digest().subarray(0, 8);
    let d = 0;
    for (let i = 0; i < 8; i++) d |= check[i] ^ icv[i];
    cekIcv.fill(0);
    if (d !== 0) {
      cek.fill(0);
      throw decryptionFailed();
    }
    return cek;
  } catch {
    throw decryptionFailed();
  }
}
