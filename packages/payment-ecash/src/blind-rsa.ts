// RSA blind signatures per RFC 9474 (RSABSSA-SHA384-PSS-Randomized) through @cloudflare/blindrsa-ts, with the
// mint's BlindSign (RSASP1) done by OpenSSL.
import {
  constants,
  createPrivateKey,
  createPublicKey,
  type KeyObject,
  privateDecrypt,
  publicEncrypt,
  type webcrypto,
} from 'node:crypto';
import { type BlindRSA, RSABSSA } from '@cloudflare/blindrsa-ts';
import { EcashError } from './errors.js';
import { bytesEqual, sha256, toBase64Url } from './encoding.js';

type CryptoKey = webcrypto.CryptoKey;

/**
 * The RFC 9474 variant every coin uses: RSABSSA-SHA384-PSS-Randomized, the one RFC 9474 §5 recommends by
 * default (the randomized prefix makes the signed message unpredictable even to a wallet with a weak RNG,
 * and PSS salt of 48 octets).
 *
 * @example
 * ```ts
 * import { BLIND_RSA_VARIANT } from '@semper/payment-ecash';
 * console.log(BLIND_RSA_VARIANT); // 'RSABSSA-SHA384-PSS-Randomized'
 * ```
 */
export const BLIND_RSA_VARIANT = 'RSABSSA-SHA384-PSS-Randomized' as const;

/**
 * The @cloudflare/blindrsa-ts suite of {@link BLIND_RSA_VARIANT}.
 *
 * @example
 * ```ts
 * import { blindRsaSuite } from '@semper/payment-ecash';
 * const suite = blindRsaSuite();
 * const prepared = suite.prepare(new TextEncoder().encode('message'));
 * ```
 */
export function blindRsaSuite(): BlindRSA {
  return RSABSSA.SHA384.PSS.Randomized();
}

const RSA_PSS_SHA384 = { name: 'RSA-PSS', hash: 'SHA-384' } as const;

/**
 * The smallest modulus a mint accepts for a denomination key (RFC 9474 §8: at least 2048 bits).
 *
 * @example
 * ```ts
 * import { MIN_MODULUS_BITS } from '@semper/payment-ecash';
 * console.log(MIN_MODULUS_BITS); // 2048
 * ```
 */
export const MIN_MODULUS_BITS = 2048;

/**
 * A denomination key pair as the mint holds it: WebCrypto keys for @cloudflare/blindrsa-ts, the OpenSSL
 * private key for BlindSign, and the DER forms stored in the database.
 *
 * @example
 * ```ts
 * import { type BlindRsaKeyPair, generateBlindRsaKeyPair } from '@semper/payment-ecash';
 * const pair: BlindRsaKeyPair = await generateBlindRsaKeyPair(2048);
 * console.log(pair.keyId);
 * ```
 */
export interface BlindRsaKeyPair {
  readonly publicKey: CryptoKey;
  readonly privateKey: CryptoKey;
  /** SubjectPublicKeyInfo DER (rsaEncryption). */
  readonly spki: Uint8Array;
  /** PKCS #8 DER. A secret. */
  readonly pkcs8: Uint8Array;
  /** The key id: base64url SHA-256 of {@link BlindRsaKeyPair.spki}. */
  readonly keyId: string;
}

/**
 * The key id of a denomination public key: base64url(SHA-256(SPKI DER)).
 *
 * @example
 * ```ts
 * import { generateBlindRsaKeyPair, keyIdOf } from '@semper/payment-ecash';
 * const pair = await generateBlindRsaKeyPair(2048);
 * console.log((await keyIdOf(pair.spki)) === pair.keyId); // true
 * ```
 */
export async function keyIdOf(spki: Uint8Array): Promise<string> {
  return toBase64Url(await sha256(spki));
}

/**
 * Generates a denomination key pair of `modulusBits` bits, public exponent 65537.
 *
 * @example
 * ```ts
 * import { generateBlindRsaKeyPair } from '@semper/payment-ecash';
 * const pair = await generateBlindRsaKeyPair(3072);
 * ```
 */
export async function generateBlindRsaKeyPair(modulusBits: number): Promise<BlindRsaKeyPair> {
  if (!Number.isSafeInteger(modulusBits) || modulusBits < MIN_MODULUS_BITS || modulusBits > 8192) {
    throw new EcashError('ERR_ECASH_INVALID_ARGUMENT', `a denomination key has ${MIN_MODULUS_BITS}..8192 bits`);
  }
  const { publicKey, privateKey } = await blindRsaSuite().generateKey({
    publicExponent: Uint8Array.from([1, 0, 1]),
    modulusLength: modulusBits,
  });
  const spki = new Uint8Array(await crypto.subtle.exportKey('spki', publicKey));
  const pkcs8 = new Uint8Array(await crypto.subtle.exportKey('pkcs8', privateKey));
  return { publicKey, privateKey, spki, pkcs8, keyId: await keyIdOf(spki) };
}

/**
 * Imports a denomination public key (SPKI DER) for blinding, finalizing and verifying.
 *
 * @example
 * ```ts
 * import { importBlindRsaPublicKey } from '@semper/payment-ecash';
 * const publicKey = await importBlindRsaPublicKey(spkiDer);
 * ```
 */
export async function importBlindRsaPublicKey(spki: Uint8Array): Promise<CryptoKey> {
  try {
    return await crypto.subtle.importKey('spki', spki as Uint8Array<ArrayBuffer>, RSA_PSS_SHA384, true, ['verify']);
  } catch (cause) {
    throw new EcashError('ERR_ECASH_MALFORMED_MESSAGE', 'not an RSA public key', { cause });
  }
}

/**
 * Imports a denomination key pair from its stored DER forms.
 *
 * @example
 * ```ts
 * import { importBlindRsaKeyPair } from '@semper/payment-ecash';
 * const pair = await importBlindRsaKeyPair(row.spki, row.pkcs8);
 * ```
 */
export async function importBlindRsaKeyPair(spki: Uint8Array, pkcs8: Uint8Array): Promise<BlindRsaKeyPair> {
  const publicKey = await importBlindRsaPublicKey(spki);
  const privateKey = await crypto.subtle.importKey('pkcs8', pkcs8 as Uint8Array<ArrayBuffer>, RSA_PSS_SHA384, true, [
    'sign',
  ]);
  return { publicKey, privateKey, spki, pkcs8, keyId: await keyIdOf(spki) };
}

/**
 * The mint's BlindSign (RFC 9474 §4.3) with OpenSSL: `s = RSASP1(sk, m)` as a raw private-key operation
 * (CRT, with OpenSSL's RSA blinding against timing attacks), then step 3's check `RSAVP1(pk, s) == m`
 * against faults. It computes exactly what `BlindRSA.blindSign` of @cloudflare/blindrsa-ts computes (RSA
 * is deterministic; a unit test compares them) in about 1/200 of the time, because that library's
 * big-number code uses neither CRT nor native arithmetic.
 *
 * @example
 * ```ts
 * import { BlindSigner, blindRsaSuite, generateBlindRsaKeyPair } from '@semper/payment-ecash';
 * const pair = await generateBlindRsaKeyPair(2048);
 * const suite = blindRsaSuite();
 * const msg = suite.prepare(new TextEncoder().encode('coin'));
 * const { blindedMsg, inv } = await suite.blind(pair.publicKey, msg);
 * const signature = await suite.finalize(pair.publicKey, msg, new BlindSigner(pair).blindSign(blindedMsg), inv);
 * ```
 */
export class BlindSigner {
  readonly #privateKey: KeyObject;
  readonly #publicKey: KeyObject;
  readonly #modulusBytes: number;

  constructor(keys: Pick<BlindRsaKeyPair, 'spki' | 'pkcs8'>) {
    this.#privateKey = createPrivateKey({ key: Buffer.from(keys.pkcs8), format: 'der', type: 'pkcs8' });
    this.#publicKey = createPublicKey({ key: Buffer.from(keys.spki), format: 'der', type: 'spki' });
    const bits = this.#publicKey.asymmetricKeyDetails?.modulusLength;
    if (this.#publicKey.asymmetricKeyType !== 'rsa' || !bits) {
      throw new EcashError('ERR_ECASH_INVALID_ARGUMENT', 'a denomination key is an RSA key');
    }
    this.#modulusBytes = Math.ceil(bits / 8);
  }

  /** The modulus length in octets: the length of every blinded message and blind signature. */
  get modulusBytes(): number {
    return this.#modulusBytes;
  }

  /**
   * `blind_sig = BlindSign(sk, blinded_msg)`. A blinded message of the wrong length or not below the
   * modulus is untrusted input gone wrong: `ERR_ECASH_MALFORMED_MESSAGE`.
   */
  blindSign(blindedMsg: Uint8Array): Uint8Array {
    if (blindedMsg.length !== this.#modulusBytes) {
      throw new EcashError('ERR_ECASH_MALFORMED_MESSAGE', `a blinded message has ${this.#modulusBytes} octets`);
    }
    let s: Uint8Array;
    try {
      s = new Uint8Array(privateDecrypt({ key: this.#privateKey, padding: constants.RSA_NO_PADDING }, blindedMsg));
    } catch (cause) {
      throw new EcashError('ERR_ECASH_MALFORMED_MESSAGE', 'a blinded message is not below the modulus', { cause });
    }
    const check = new Uint8Array(publicEncrypt({ key: this.#publicKey, padding: constants.RSA_NO_PADDING }, s));
    if (!bytesEqual(check, blindedMsg)) throw new EcashError('ERR_ECASH_INVALID_ARGUMENT', 'signing failure');
    return s;
  }
}
