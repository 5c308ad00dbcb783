// Coins, planchets and the signatures made with coin and account keys (Ed25519, as GNU Taler's coin keys).
import type { webcrypto } from 'node:crypto';
import { blindRsaSuite } from './blind-rsa.js';
import { concatBytes, utf8 } from './encoding.js';
import { EcashError } from './errors.js';

type CryptoKey = webcrypto.CryptoKey;

/**
 * Octets of the random prefix RSABSSA-…-Randomized's `Prepare` puts in front of the coin message.
 *
 * @example
 * ```ts
 * import { PREFIX_BYTES } from '@semper/payment-ecash';
 * console.log(PREFIX_BYTES); // 32
 * ```
 */
export const PREFIX_BYTES = 32;
/**
 * Octets of an Ed25519 public key (coin and account keys).
 *
 * @example
 * ```ts
 * import { ED25519_PUBLIC_BYTES } from '@semper/payment-ecash';
 * console.log(ED25519_PUBLIC_BYTES); // 32
 * ```
 */
export const ED25519_PUBLIC_BYTES = 32;
/**
 * Octets of an Ed25519 signature.
 *
 * @example
 * ```ts
 * import { ED25519_SIGNATURE_BYTES } from '@semper/payment-ecash';
 * console.log(ED25519_SIGNATURE_BYTES); // 64
 * ```
 */
export const ED25519_SIGNATURE_BYTES = 64;

const COIN_DOMAIN = utf8('semper-ecash/coin/v1');

/**
 * The message a denomination key signs blindly for one coin: a domain label, the key id, and the coin's
 * Ed25519 public key. Whoever holds the coin's private key can spend it, and the spend signature binds it
 * to one payee and one transaction (GNU Taler's model), so a coin seen in transit cannot be redirected.
 *
 * @example
 * ```ts
 * import { coinMessage, generateEd25519 } from '@semper/payment-ecash';
 * const { publicKey } = await generateEd25519();
 * const msg = coinMessage(keyId, publicKey);
 * ```
 */
export function coinMessage(keyId: string, coinPub: Uint8Array): Uint8Array {
  if (coinPub.length !== ED25519_PUBLIC_BYTES)
    throw new EcashError('ERR_ECASH_INVALID_ARGUMENT', 'a coin key has 32 octets');
  return concatBytes(COIN_DOMAIN, new Uint8Array([0]), utf8(keyId), new Uint8Array([0]), coinPub);
}

/**
 * The prepared message (RFC 9474 §4.1, randomized: `prefix || msg`) that the coin's signature covers.
 *
 * @example
 * ```ts
 * import { preparedCoinMessage } from '@semper/payment-ecash';
 * const prepared = preparedCoinMessage(coin.keyId, coin.coinPub, coin.prefix);
 * ```
 */
export function preparedCoinMessage(keyId: string, coinPub: Uint8Array, prefix: Uint8Array): Uint8Array {
  if (prefix.length !== PREFIX_BYTES) throw new EcashError('ERR_ECASH_INVALID_ARGUMENT', 'a coin prefix has 32 octets');
  return concatBytes(prefix, coinMessage(keyId, coinPub));
}

/**
 * A coin the wallet holds: the denomination key that signed it, the coin key pair, the prefix, and the
 * unblinded RSA signature. `coinPriv` (PKCS #8) is the secret that makes it money.
 *
 * @example
 * ```ts
 * import type { Coin } from '@semper/payment-ecash';
 * const coins: Coin[] = await wallet.coins('unspent');
 * console.log(coins.map((c) => c.value));
 * ```
 */
export interface Coin {
  readonly keyId: string;
  readonly currency: string;
  /** The value in minor units. */
  readonly value: bigint;
  readonly coinPub: Uint8Array;
  readonly coinPriv: Uint8Array;
  readonly prefix: Uint8Array;
  readonly signature: Uint8Array;
}

/**
 * A coin before the mint signed it: what the wallet keeps to unblind the mint's answer.
 *
 * @example
 * ```ts
 * import { createPlanchet, type Planchet } from '@semper/payment-ecash';
 * const planchet: Planchet = await createPlanchet(denomination);
 * ```
 */
export interface Planchet {
  readonly keyId: string;
  readonly currency: string;
  readonly value: bigint;
  readonly coinPub: Uint8Array;
  readonly coinPriv: Uint8Array;
  readonly prefix: Uint8Array;
  /** What the mint sees. */
  readonly blindedMsg: Uint8Array;
  /** The blinding inverse; a secret (with it, the blinded message links to the coin). */
  readonly inv: Uint8Array;
}

/**
 * A denomination as the wallet needs it to make planchets.
 *
 * @example
 * ```ts
 * import { importBlindRsaPublicKey, type PlanchetDenomination } from '@semper/payment-ecash';
 * const d: PlanchetDenomination = { keyId, currency: 'EUR', value: 100n, publicKey: await importBlindRsaPublicKey(spki) };
 * ```
 */
export interface PlanchetDenomination {
  readonly keyId: string;
  readonly currency: string;
  readonly value: bigint;
  readonly publicKey: CryptoKey;
}

/**
 * A fresh Ed25519 key pair: raw public key, PKCS #8 private key.
 *
 * @example
 * ```ts
 * import { generateEd25519 } from '@semper/payment-ecash';
 * const { publicKey, privateKey } = await generateEd25519(); // 32-octet raw key, PKCS #8
 * ```
 */
export async function generateEd25519(): Promise<{ publicKey: Uint8Array; privateKey: Uint8Array }> {
  const pair = (await crypto.subtle.generateKey({ name: 'Ed25519' }, true, [
    'sign',
    'verify',
  ])) as webcrypto.CryptoKeyPair;
  return {
    publicKey: new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey)),
    privateKey: new Uint8Array(await crypto.subtle.exportKey('pkcs8', pair.privateKey)),
  };
}

/**
 * Ed25519 signature of `data` with a PKCS #8 private key.
 *
 * @example
 * ```ts
 * import { generateEd25519, signEd25519, verifyEd25519 } from '@semper/payment-ecash';
 * const key = await generateEd25519();
 * const data = new TextEncoder().encode('digest');
 * const sig = await signEd25519(key.privateKey, data);
 * await verifyEd25519(key.publicKey, sig, data); // true
 * ```
 */
export async function signEd25519(privateKey: Uint8Array, data: Uint8Array): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey(
    'pkcs8',
    privateKey as Uint8Array<ArrayBuffer>,
    { name: 'Ed25519' },
    false,
    ['sign'],
  );
  return new Uint8Array(await crypto.subtle.sign({ name: 'Ed25519' }, key, data as Uint8Array<ArrayBuffer>));
}

/**
 * Whether `signature` is an Ed25519 signature of `data` by the raw public key `publicKey` (false on any malformation).
 *
 * @example
 * ```ts
 * import { verifyEd25519 } from '@semper/payment-ecash';
 * if (!(await verifyEd25519(accountKey, signature, digest))) throw new Error('unauthorized');
 * ```
 */
export async function verifyEd25519(publicKey: Uint8Array, signature: Uint8Array, data: Uint8Array): Promise<boolean> {
  if (publicKey.length !== ED25519_PUBLIC_BYTES || signature.length !== ED25519_SIGNATURE_BYTES) return false;
  try {
    const key = await crypto.subtle.importKey('raw', publicKey as Uint8Array<ArrayBuffer>, { name: 'Ed25519' }, false, [
      'verify',
    ]);
    return await crypto.subtle.verify(
      { name: 'Ed25519' },
      key,
      signature as Uint8Array<ArrayBuffer>,
      data as Uint8Array<ArrayBuffer>,
    );
  } catch {
    return false;
  }
}

/**
 * Makes a planchet for `denomination`: a coin key pair, the randomized prepared message and its blinding
 * (RFC 9474 `Prepare` and `Blind`, @cloudflare/blindrsa-ts).
 *
 * @example
 * ```ts
 * import { createPlanchet, importBlindRsaPublicKey } from '@semper/payment-ecash';
 * const planchet = await createPlanchet({ keyId, currency: 'EUR', value: 50n, publicKey: await importBlindRsaPublicKey(spki) });
 * // send planchet.blindedMsg to the mint; keep the rest
 * ```
 */
export async function createPlanchet(denomination: PlanchetDenomination): Promise<Planchet> {
  const suite = blindRsaSuite();
  const coin = await generateEd25519();
  const prepared = suite.prepare(coinMessage(denomination.keyId, coin.publicKey));
  const { blindedMsg, inv } = await suite.blind(denomination.publicKey, prepared);
  return {
    keyId: denomination.keyId,
    currency: denomination.currency,
    value: denomination.value,
    coinPub: coin.publicKey,
    coinPriv: coin.privateKey,
    prefix: prepared.slice(0, PREFIX_BYTES),
    blindedMsg,
    inv,
  };
}

/**
 * Unblinds the mint's blind signature (RFC 9474 `Finalize`, which also verifies it): the planchet becomes a
 * coin. A blind signature that does not finalize is the mint's fault: `ERR_ECASH_MINT_PROTOCOL`.
 *
 * @example
 * ```ts
 * import { finalizeCoin } from '@semper/payment-ecash';
 * const coin = await finalizeCoin(planchet, publicKey, blindSignatureFromTheMint);
 * ```
 */
export async function finalizeCoin(planchet: Planchet, publicKey: CryptoKey, blindSig: Uint8Array): Promise<Coin> {
  const prepared = preparedCoinMessage(planchet.keyId, planchet.coinPub, planchet.prefix);
  let signature: Uint8Array;
  try {
    signature = await blindRsaSuite().finalize(publicKey, prepared, blindSig, planchet.inv);
  } catch (cause) {
    throw new EcashError('ERR_ECASH_MINT_PROTOCOL', 'the mint sent a blind signature that does not finalize', {
      cause,
    });
  }
  return {
    keyId: planchet.keyId,
    currency: planchet.currency,
    value: planchet.value,
    coinPub: planchet.coinPub,
    coinPriv: planchet.coinPriv,
    prefix: planchet.prefix,
    signature,
  };
}

/**
 * Whether a coin's RSA signature verifies under its denomination key (RFC 9474 `Verify`).
 *
 * @example
 * ```ts
 * import { verifyCoinSignature } from '@semper/payment-ecash';
 * const genuine = await verifyCoinSignature(denominationPublicKey, coin);
 * ```
 */
export async function verifyCoinSignature(
  publicKey: CryptoKey,
  coin: Pick<Coin, 'keyId' | 'coinPub' | 'prefix' | 'signature'>,
): Promise<boolean> {
  try {
    return await blindRsaSuite().verify(
      publicKey,
      coin.signature,
      preparedCoinMessage(coin.keyId, coin.coinPub, coin.prefix),
    );
  } catch {
    return false;
  }
}
