/**
 * The ANSI X9.63 key derivation function (SEC 1 v2 §3.6.1), as CMS uses it for ECDH key agreement
 * (RFC 5753 §7.2, dhSinglePass-stdDH-sha*kdf-scheme):
 *
 *     K = Hash(Z || Counter=1 || SharedInfo) || Hash(Z || Counter=2 || SharedInfo) || ...   (truncated)
 *
 * with a 32-bit big-endian counter starting at 1, Z the ECDH shared secret (the x-coordinate, full field
 * length) and SharedInfo the DER of ECC-CMS-SharedInfo. Digests are WebCrypto's; SHA-224, which WebCrypto
 * lacks, comes from `node:crypto` (accepted for decryption only).
 *
 * @packageDocumentation
 */
import { createHash } from 'node:crypto';
import { CryptoError } from './errors.js';

/**
 * Hash functions of the X9.63 KDF. SHA-1 and SHA-224 are accepted for decryption (OpenSSL's default is SHA-1).
 *
 * @example
 * ```ts
 * const hash: KdfHash = 'SHA-256';
 * ```
 */
export type KdfHash = 'SHA-1' | 'SHA-224' | 'SHA-256' | 'SHA-384' | 'SHA-512';

const OUTPUT_BYTES: Record<KdfHash, number> = {
  'SHA-1': 20,
  'SHA-224': 28,
  'SHA-256': 32,
  'SHA-384': 48,
  'SHA-512': 64,
};

const subtle = globalThis.crypto.subtle;

function digest(hash: KdfHash, data: Uint8Array): Promise<Uint8Array> {
  if (hash === 'SHA-224') return Promise.resolve(new Uint8Array(createHash('sha224').update(data).digest()));
  return subtle.digest(hash, data).then((d) => new Uint8Array(d));
}

/**
 * Derives `length` bytes from the shared secret `z` and `sharedInfo` with the X9.63 KDF over `hash`.
 * The blocks are computed concurrently.
 *
 * @throws {@link CryptoError} `ERR_CRYPTO_INVALID_ARGUMENT` for a length that is not positive or too large.
 *
 * @example
 * ```ts
 * import { x963Kdf } from '@semper/crypto';
 * const kek = await x963Kdf('SHA-256', sharedSecret, sharedInfoDer, 32); // a 256-bit AES key-wrap key
 * ```
 */
export async function x963Kdf(
  hash: KdfHash,
  z: Uint8Array,
  sharedInfo: Uint8Array,
  length: number,
): Promise<Uint8Array> {
  const hlen = OUTPUT_BYTES[hash];
  if (hlen === undefined) throw new CryptoError('ERR_CRYPTO_INVALID_ARGUMENT', `unknown KDF hash ${String(hash)}`);
  if (!Number.isInteger(length) || length <= 0 || length > 255 * hlen) {
    throw new CryptoError('ERR_CRYPTO_INVALID_ARGUMENT', `bad KDF output length ${length}`);
  }
  const blocks = Math.ceil(length / hlen);
  const inputLength = z.length + 4 + sharedInfo.length;
  const jobs: Promise<Uint8Array>[] = [];
  for (let counter = 1; counter <= blocks; counter++) {
    const input = new Uint8Array(inputLength);
    input.set(z, 0);
    new DataView(input.buffer).setUint32(z.length, counter);
    input.set(sharedInfo, z.length + 4);
    jobs.push(digest(hash, input));
  }
  const outputs = await Promise.all(jobs);
  if (blocks === 1) return outputs[0].subarray(0, length);
  const out = new Uint8Array(length);
  for (let i = 0; i < blocks; i++) out.set(outputs[i].subarray(0, Math.min(hlen, length - i * hlen)), i * hlen);
  return out;
}
