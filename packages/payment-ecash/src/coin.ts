import type { webcrypto } from 'node:crypto';
// Coins, planchets and the signatures made with coin and account keys (Ed25519, as GNU Taler's coin keys).
import { blindRsaSuite } from './blind-rsa.js';
import { concatBytes, utf8 } from './encoding.js';
import { EcashError } from './errors.js';

type CryptoKey = webcrypto.CryptoKey;

/** Octets of the random prefix RSABSSA-…-Randomized's `Prepare` puts in front of the coin message. */
export const PREFIX_BYTES = 32;
/** Octets of an Ed25519 public key (coin and account keys). */
export const ED25519_PUBLIC_BYTES = 32;
/** Octets of an Ed25519 signature. */
export const ED25519_SIGNATURE_BYTES = 64;

const COIN_DOMAIN = utf8('semper-ecash/coin/v1');

/**
 * The message a denomination key signs blindly for one coin: a domain label, the key id, and the coin's
 * Ed25519 public key. Whoever holds the coin's private key can spend it, and the spend signature binds it
 * to one payee and one transaction (GNU Taler's model), so a coin seen in transit cannot be redirected.
 */
export function coinMessage(keyId: string, coinPub: Uint8Array): Uint8Array {
  if (coinPub.length !== ED25519_PUBLIC_BYTES)
    throw new EcashError('ERR_ECASH_INVALID_ARGUMENT', 'a coin key has 32 octets');
  return concatBytes(COIN_DOMAIN, new Uint8Array([0]), utf8(keyId), new Uint8Array([0]), coinPub);
}

/** The prepared message (RFC 9474 §4.1, randomized: `prefix || msg`) that the coin's signature covers. */
export function preparedCoinMessage(keyId: string, coinPub: Uint8Array, prefix: Uint8Array): Uint8Array {
  if (prefix.length !== PREFIX_BYTES) throw new EcashError('ERR_ECASH_INVALID_ARGUMENT', 'a coin prefix has 32 octets');
  return concatBytes(prefix, coinMessage(keyId, coinPub));
}

/**
 * A coin the wallet holds: the denomination key that signed it, the coin key pair, the prefix, and the
 * unblinded RSA signature. `coinPriv` (PKCS #8) is the secret that makes it money.
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

/** A coin before the mint signed it: what the wallet keeps to unblind the mint's answer. */
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

/** A denomination as the wallet needs it to make planchets. */
export interface PlanchetDenomination {
  readonly keyId: string;
  readonly currency: string;
  readonly value: bigint;
  readonly publicKey: CryptoKey;
}

/** A fresh Ed25519 key pair: raw public key, PKCS #8 private key. */
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

/** Ed25519 signature of `data` with a PKCS #8 private key. */
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

/** Whether `signature` is an Ed25519 signature of `data` by the raw public key `publicKey` (false on any malformation). */
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

/** Whether a coin's RSA signature verifies under its denomination key (RFC 9474 `Verify`). */
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
