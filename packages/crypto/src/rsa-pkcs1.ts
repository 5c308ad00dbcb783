/**
 * RSAES-PKCS1-v1_5 decryption of a content-encryption key (RFC 8017 §7.2.2) — what `openssl cms -encrypt`
 * uses by default for RSA recipients — without a padding oracle.
 *
 * WebCrypto has no RSAES-PKCS1-v1_5, and Node 20 refuses `RSA_PKCS1_PADDING` for private decryption
 * (CVE-2023-46809, the Marvin attack). So the raw RSA operation is done with `RSA_NO_PADDING`
 * (`crypto.privateDecrypt`; OpenSSL blinds it) and the padding is removed here:
 *
 * 1. **Constant-time check.** Every byte of the encoded message EM = 0x00 || 0x02 || PS || 0x00 || M is
 *    visited, in a fixed order, with no branch and no early exit that depends on its value: the first zero
 *    byte after the header is located with masks, and one mask `good` accumulates the conditions
 *    (EM[0] = 0, EM[1] = 2, a separator exists, PS is at least 8 bytes, and M has exactly the length the
 *    content cipher needs: 16, 24 or 32 bytes). Only public values (lengths) are branched on.
 * 2. **Implicit rejection** (as in draft-irtf-cfrg-rsa-guidance and OpenSSL 3.2): a synthetic key is
 *    always computed, `HMAC-SHA-256(KDK, label || len || C)` truncated to the expected length, where the
 *    key-derivation key KDK = SHA-256(d) (d, the private exponent, big-endian, padded to the modulus length)
 *    is derived once per private key and cached. The result is selected with masks: M when `good`, the
 *    synthetic key otherwise. The synthetic key is a deterministic function of the private key and the
 *    ciphertext, so the same forged ciphertext always yields the same wrong key, and an attacker who does
 *    not know d cannot tell it from a real one.
 * 3. Nothing is reported here. A wrong key makes the content decryption fail later (AES-GCM tag, or with
 *    overwhelming probability AES-CBC padding), which surfaces as the one `ERR_CRYPTO_DECRYPTION_FAILED`,
 *    the same as for every other cause — no oracle on the padding.
 *
 * JavaScript offers no hard guarantee of constant-time execution (the JIT may specialise code); the code
 * uses only integer arithmetic on small integers (no branches, no table lookups indexed by secrets), which
 * is the best that can be done in this language.
 *
 * @packageDocumentation
 */
import { type KeyObject, constants, privateDecrypt, type webcrypto } from 'node:crypto';

type CryptoKey = webcrypto.CryptoKey;

const subtle = globalThis.crypto.subtle;
const LABEL = new TextEncoder().encode('semper/cms/rsaes-pkcs1-v1_5/implicit-rejection');

/** -1 (all bits set) if a === b, else 0; for integers with |a ^ b| < 2^31. */
function eqMask(a: number, b: number): number {
  return ((a ^ b) - 1) >> 31;
}

/** -1 if a >= b, else 0; for 0 <= a, b < 2^31. */
function geMask(a: number, b: number): number {
  return ~((a - b) >> 31);
}

/**
 * Removes EME-PKCS1-v1_5 padding (block type 2) from `em` in constant time, expecting a message of exactly
 * `expectedLength` bytes; returns a copy of that message if the padding is valid and of `fallback`
 * otherwise, selected without a branch on secret data.
 *
 * @example
 * ```ts
 * import { unpadPkcs1v15 } from '@semper/crypto';
 * const cek = unpadPkcs1v15(encodedMessage, 32, syntheticKey); // never throws on bad padding
 * ```
 */
export function unpadPkcs1v15(em: Uint8Array, expectedLength: number, fallback: Uint8Array): Uint8Array {
  const k = em.length;
  const L = expectedLength;
  // Public lengths only: the modulus size and the size the content cipher needs.
  if (fallback.length !== L || k < L + 11) return new Uint8Array(fallback);
  let good = eqMask(em[0], 0x00) & eqMask(em[1], 0x02);
  let seen = 0;
  let zeroIndex = 0;
  for (let i = 2; i < k; i++) {
    const isZero = eqMask(em[i], 0x00);
    zeroIndex |= i & isZero & ~seen;
    seen |= isZero;
  }
  good &= seen;
  good &= geMask(zeroIndex, 10); // 2 header bytes + at least 8 bytes of PS
  good &= eqMask(k - 1 - zeroIndex, L);
  const out = new Uint8Array(L);
  const offset = k - L;
  for (let i = 0; i < L; i++) out[i] = (em[offset + i] & good) | (fallback[i] & ~good);
  return out;
}

const kdkCache = new WeakMap<KeyObject, Promise<CryptoKey>>();

function implicitRejectionKey(key: KeyObject, modulusBytes: number): Promise<CryptoKey> {
  let p = kdkCache.get(key);
  if (p === undefined) {
    p = (async () => {
      const jwk = key.export({ format: 'jwk' });
      const d = Buffer.from(String(jwk.d), 'base64url');
      const padded = new Uint8Array(Math.max(modulusBytes, d.length));
      padded.set(d, padded.length - d.length);
      const kdk = await subtle.digest('SHA-256', padded);
      padded.fill(0);
      return subtle.importKey('raw', kdk, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
    })();
    kdkCache.set(key, p);
  }
  return p;
}

async function syntheticKey(
  key: KeyObject,
  modulusBytes: number,
  ciphertext: Uint8Array,
  length: number,
): Promise<Uint8Array> {
  const kdk = await implicitRejectionKey(key, modulusBytes);
  const input = new Uint8Array(LABEL.length + 2 + ciphertext.length);
  input.set(LABEL, 0);
  input[LABEL.length] = length >>> 8;
  input[LABEL.length + 1] = length & 0xff;
  input.set(ciphertext, LABEL.length + 2);
  const mac = new Uint8Array(await subtle.sign('HMAC', kdk, input));
  return mac.subarray(0, length);
}

/**
 * Decrypts an RSAES-PKCS1-v1_5 encrypted key of `expectedLength` bytes (16, 24 or 32) with implicit
 * rejection: on any padding or length error it returns a pseudo-random key derived from the private key and
 * the ciphertext instead of failing (see the file header). The caller uses the result as the content key;
 * a wrong key then fails content decryption with the usual `ERR_CRYPTO_DECRYPTION_FAILED`.
 *
 * @example
 * ```ts
 * import { decryptRsaPkcs1v15 } from '@semper/crypto';
 * const cek = await decryptRsaPkcs1v15(privateKey.keyObject, ktri.encryptedKey, 32);
 * ```
 */
export async function decryptRsaPkcs1v15(
  key: KeyObject,
  ciphertext: Uint8Array,
  expectedLength: number,
): Promise<Uint8Array> {
  if (!Number.isInteger(expectedLength) || expectedLength < 1 || expectedLength > 32) {
    throw new RangeError('expectedLength must be between 1 and 32');
  }
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  const k = Math.ceil(bits / 8);
  // Started first and always awaited: the same work whether or not the padding turns out valid.
  const fallback = syntheticKey(key, k, ciphertext, expectedLength);
  let em: Uint8Array;
  if (ciphertext.length !== k) {
    em = new Uint8Array(k); // a public length mismatch: rejected (all zeros never pass the check)
  } else {
    try {
      em = privateDecrypt({ key, padding: constants.RSA_NO_PADDING }, ciphertext);
    } catch {
      em = new Uint8Array(k); // c >= n: public information, rejected the same way
    }
  }
  const out = unpadPkcs1v15(em, expectedLength, await fallback);
  em.fill(0);
  return out;
}
