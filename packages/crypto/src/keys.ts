/**
 * Asymmetric keys: EC P-256/P-384, RSA 2048–4096 (imported up to 8192), Ed25519.
 *
 * A key is held as a `node:crypto` `KeyObject` (which parses and writes PKCS#8, SEC1, PKCS#1 and SPKI) and
 * handed to WebCrypto as a `CryptoKey` per purpose, imported once and cached.
 *
 * @packageDocumentation
 */
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPair as generateNodeKeyPair,
  type KeyObject,
  randomBytes,
  sign as signSync,
  verify as verifySync,
  type webcrypto,
} from 'node:crypto';
import { promisify } from 'node:util';
import { berChildren, berRead, TAG } from './cms-structures.js';
import { checkAsn1 } from './der.js';
import { CryptoError, MalformedInputError } from './errors.js';
import { readPemBlocks, toPem } from './pem.js';

type CryptoKey = webcrypto.CryptoKey;
const subtle = globalThis.crypto.subtle;
const generate = promisify(generateNodeKeyPair);

/**
 * What {@link generateKeyPair} makes.
 *
 * @example
 * ```ts
 * const spec: KeySpec = { type: 'rsa', modulusLength: 3072 };
 * ```
 */
export type KeySpec =
  | { readonly type: 'ec'; readonly curve: 'P-256' | 'P-384' }
  | { readonly type: 'rsa'; readonly modulusLength: 2048 | 3072 | 4096 }
  | { readonly type: 'ed25519' };

/** The key types semper uses. */
export type KeyType = 'ec' | 'rsa' | 'ed25519';

/** The EC curves semper uses. */
export type CurveName = 'P-256' | 'P-384';

/** Hashes used with keys (RSA signatures, RSA-OAEP). */
export type KeyHash = 'SHA-256' | 'SHA-384' | 'SHA-512';

/** What a private key's CryptoKey is for. */
export type PrivateKeyPurpose = 'sign' | 'derive' | 'decrypt';

/** What a public key's CryptoKey is for (`verify-pss`: RSASSA-PSS signatures). */
export type PublicKeyPurpose = 'verify' | 'verify-pss' | 'derive' | 'encrypt';

const CURVES: Readonly<Record<string, CurveName>> = { prime256v1: 'P-256', secp384r1: 'P-384' };

interface KeyInfo {
  readonly type: KeyType;
  readonly curve?: CurveName;
  readonly modulusLength?: number;
}

function invalidKey(message: string, cause?: unknown): CryptoError {
  return new CryptoError('ERR_CRYPTO_INVALID_KEY', message, cause === undefined ? undefined : { cause });
}

/** Whether an EC key's SubjectPublicKeyInfo names its curve by OID (`ECParameters ::= CHOICE { namedCurve … }`). */
function hasNamedCurve(key: KeyObject): boolean {
  try {
    const pub = key.type === 'private' ? createPublicKey(key) : key;
    const spki = new Uint8Array(pub.export({ type: 'spki', format: 'der' }));
    const [algorithm] = berChildren(berRead(spki));
    const params = berChildren(algorithm)[1];
    return params?.tag === TAG.oid;
  } catch {
    return false;
  }
}

/** Checks that a KeyObject is of a type and size semper accepts. */
function describe(key: KeyObject): KeyInfo {
  const t = key.asymmetricKeyType;
  if (t === 'ec') {
    const named = key.asymmetricKeyDetails?.namedCurve ?? '';
    const curve = CURVES[named];
    if (curve === undefined) throw invalidKey(`EC curve ${named || 'unknown'} is not supported (P-256, P-384)`);
    if (!hasNamedCurve(key)) {
      // RFC 5480 §2.1.1: the curve is named by its OID; explicit parameters (which OpenSSL recognises as
      // P-256 when they match) are not allowed.
      throw invalidKey('EC keys with explicit curve parameters are not accepted (RFC 5480: a named curve only)');
    }
    return { type: 'ec', curve };
  }
  if (t === 'rsa') {
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
    if (bits < 2048 || bits > 8192) throw invalidKey(`an RSA key of ${bits} bits is not accepted (2048–8192)`);
    return { type: 'rsa', modulusLength: bits };
  }
  if (t === 'ed25519') return { type: 'ed25519' };
  throw invalidKey(`key type ${String(t)} is not supported (EC P-256/P-384, RSA, Ed25519)`);
}

/**
 * Whether a private key read from outside is whole: a test signature with it verifies under its own public
 * half (the pairwise consistency test of FIPS 140). A PKCS#8 EC key carries its public point beside the
 * scalar; a corrupted scalar still parses, and would only fail at the first signature.
 *
 * @internal
 */
export function isConsistentKeyPair(key: KeyObject): boolean {
  try {
    const challenge = randomBytes(32);
    const hash = key.asymmetricKeyType === 'ed25519' ? null : 'sha256';
    const signature = signSync(hash, challenge, key);
    return verifySync(hash, challenge, createPublicKey(key), signature);
  } catch {
    return false;
  }
}

function checkedImport(key: KeyObject): PrivateKey {
  const k = PrivateKey.fromKeyObject(key);
  if (!isConsistentKeyPair(key)) {
    throw invalidKey('the private key is corrupt: its private and public parts do not match');
  }
  return k;
}

function ecParams(curve: CurveName | undefined): { name: string; namedCurve: string } {
  return { name: 'ECDSA', namedCurve: curve ?? 'P-256' };
}

/**
 * A private key, usable for every purpose its type allows: signing (ECDSA, RSA PKCS#1 v1.5, Ed25519), ECDH
 * key agreement (EC), RSA decryption (RSA-OAEP through WebCrypto; raw RSA for PKCS#1 v1.5 key transport).
 *
 * @example
 * ```ts
 * import { PrivateKey } from '@semper/crypto';
 * const key = PrivateKey.fromPem(readFileSync('alice.key', 'utf8'));
 * console.log(key.type, key.curve); // ec P-256
 * ```
 */
export class PrivateKey {
  /** The node:crypto key (raw RSA, encrypted PKCS#8 export). */
  readonly keyObject: KeyObject;
  readonly type: KeyType;
  /** For EC keys. */
  readonly curve?: CurveName;
  /** For RSA keys, in bits. */
  readonly modulusLength?: number;
  readonly #keys = new Map<string, Promise<CryptoKey>>();
  #pkcs8?: Uint8Array;
  #public?: PublicKey;

  private constructor(keyObject: KeyObject, info: KeyInfo) {
    this.keyObject = keyObject;
    this.type = info.type;
    this.curve = info.curve;
    this.modulusLength = info.modulusLength;
  }

  /**
   * Wraps a node:crypto private KeyObject.
   *
   * @throws {@link CryptoError} `ERR_CRYPTO_INVALID_KEY` for a public key, or a type or size semper does not use.
   *
   * @example
   * ```ts
   * const key = PrivateKey.fromKeyObject(generateKeyPairSync('ed25519').privateKey);
   * ```
   */
  static fromKeyObject(keyObject: KeyObject): PrivateKey {
    if (keyObject?.type !== 'private') throw invalidKey('a private KeyObject is required');
    return new PrivateKey(keyObject, describe(keyObject));
  }

  /**
   * Reads an unencrypted PKCS#8 `PrivateKeyInfo` (DER).
   *
   * @throws {@link MalformedInputError} for bytes that are not a private key; {@link CryptoError}
   * `ERR_CRYPTO_INVALID_KEY` for an unsupported type or size.
   *
   * @example
   * ```ts
   * const key = PrivateKey.fromPkcs8(readFileSync('alice.key.der'));
   * ```
   */
  static fromPkcs8(der: Uint8Array): PrivateKey {
    checkAsn1(der, { maxBytes: 64 * 1024 });
    let k: KeyObject;
    try {
      k = createPrivateKey({ key: Buffer.from(der), format: 'der', type: 'pkcs8' });
    } catch (err) {
      throw new MalformedInputError('ERR_CRYPTO_MALFORMED', 'not a PKCS#8 private key', { cause: err });
    }
    return checkedImport(k);
  }

  /**
   * Reads a PEM private key: `PRIVATE KEY` (PKCS#8), `EC PRIVATE KEY` (SEC 1) or `RSA PRIVATE KEY` (PKCS#1).
   * An `ENCRYPTED PRIVATE KEY` needs its passphrase: use {@link unpackIdentity} or {@link decryptPrivateKey}.
   *
   * @throws {@link MalformedInputError} when the text holds no such block or it does not parse;
   * {@link CryptoError} `ERR_CRYPTO_INVALID_KEY` for an unsupported type or size.
   *
   * @example
   * ```ts
   * const key = PrivateKey.fromPem(readFileSync('alice.key', 'utf8'));
   * ```
   */
  static fromPem(pem: string): PrivateKey {
    const blocks = readPemBlocks(pem);
    if (blocks.some((b) => b.label === 'ENCRYPTED PRIVATE KEY') && !blocks.some((b) => PEM_KEY_TYPES[b.label])) {
      throw new CryptoError('ERR_CRYPTO_BAD_PASSPHRASE', 'the private key is encrypted: a passphrase is needed');
    }
    const block = blocks.find((b) => PEM_KEY_TYPES[b.label] !== undefined);
    if (block === undefined) throw new MalformedInputError('ERR_CRYPTO_MALFORMED', 'no private key PEM block found');
    checkAsn1(block.der, { maxBytes: 64 * 1024 });
    let k: KeyObject;
    try {
      k = createPrivateKey({ key: Buffer.from(block.der), format: 'der', type: PEM_KEY_TYPES[block.label] });
    } catch (err) {
      throw new MalformedInputError('ERR_CRYPTO_MALFORMED', `the ${block.label} block does not parse`, { cause: err });
    }
    return checkedImport(k);
  }

  /**
   * The unencrypted PKCS#8 DER encoding.
   *
   * @example
   * ```ts
   * writeFileSync('key.der', key.toPkcs8());
   * ```
   */
  toPkcs8(): Uint8Array {
    if (this.#pkcs8 === undefined) {
      this.#pkcs8 = new Uint8Array(this.keyObject.export({ type: 'pkcs8', format: 'der' }));
    }
    return this.#pkcs8.slice();
  }

  /**
   * The unencrypted PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`), as `openssl genpkey` writes.
   *
   * @example
   * ```ts
   * writeFileSync('key.pem', key.toPem(), { mode: 0o600 });
   * ```
   */
  toPem(): string {
    return toPem('PRIVATE KEY', this.toPkcs8());
  }

  /**
   * The matching public key.
   *
   * @example
   * ```ts
   * const spki = key.publicKey().toSpki();
   * ```
   */
  publicKey(): PublicKey {
    if (this.#public === undefined) this.#public = PublicKey.fromKeyObject(createPublicKey(this.keyObject));
    return this.#public;
  }

  /**
   * A WebCrypto key for `purpose`: `sign` (ECDSA, RSASSA-PKCS1-v1_5 with `hash`, Ed25519), `derive` (ECDH),
   * `decrypt` (RSA-OAEP with `hash`). Imported once per purpose and hash, then cached.
   *
   * @throws {@link CryptoError} `ERR_CRYPTO_INVALID_KEY` when the key type does not serve the purpose.
   *
   * @example
   * ```ts
   * const signing = await key.cryptoKey('sign', 'SHA-256');
   * ```
   */
  cryptoKey(purpose: PrivateKeyPurpose, hash: KeyHash = 'SHA-256'): Promise<CryptoKey> {
    return memoized(this.#keys, `${purpose}/${hash}`, () => {
      if (this.#pkcs8 === undefined)
        this.#pkcs8 = new Uint8Array(this.keyObject.export({ type: 'pkcs8', format: 'der' }));
      return importFor(this, 'pkcs8', this.#pkcs8, purpose, hash);
    });
  }
}

const PEM_KEY_TYPES: Readonly<Record<string, 'pkcs8' | 'sec1' | 'pkcs1'>> = {
  'PRIVATE KEY': 'pkcs8',
  'EC PRIVATE KEY': 'sec1',
  'RSA PRIVATE KEY': 'pkcs1',
};

/**
 * A public key (from a certificate's SubjectPublicKeyInfo, or a private key's public half).
 *
 * @example
 * ```ts
 * import { PublicKey } from '@semper/crypto';
 * const pub = PublicKey.fromSpki(spkiDer);
 * const encrypting = await pub.cryptoKey('encrypt', 'SHA-256');
 * ```
 */
export class PublicKey {
  readonly keyObject: KeyObject;
  readonly type: KeyType;
  readonly curve?: CurveName;
  readonly modulusLength?: number;
  readonly #keys = new Map<string, Promise<CryptoKey>>();
  #spki?: Uint8Array;

  private constructor(keyObject: KeyObject, info: KeyInfo, spki?: Uint8Array) {
    this.keyObject = keyObject;
    this.type = info.type;
    this.curve = info.curve;
    this.modulusLength = info.modulusLength;
    this.#spki = spki;
  }

  /**
   * Wraps a node:crypto public KeyObject.
   *
   * @throws {@link CryptoError} `ERR_CRYPTO_INVALID_KEY` for a type or size semper does not use.
   *
   * @example
   * ```ts
   * const pub = PublicKey.fromKeyObject(createPublicKey(pem));
   * ```
   */
  static fromKeyObject(keyObject: KeyObject): PublicKey {
    if (keyObject?.type !== 'public') throw invalidKey('a public KeyObject is required');
    return new PublicKey(keyObject, describe(keyObject));
  }

  /**
   * Reads a DER SubjectPublicKeyInfo.
   *
   * @throws {@link MalformedInputError} for bytes that are not a public key; {@link CryptoError}
   * `ERR_CRYPTO_INVALID_KEY` for an unsupported type, curve or size.
   *
   * @example
   * ```ts
   * const pub = PublicKey.fromSpki(spkiDer);
   * ```
   */
  static fromSpki(der: Uint8Array): PublicKey {
    checkAsn1(der, { maxBytes: 64 * 1024 });
    let k: KeyObject;
    try {
      k = createPublicKey({ key: Buffer.from(der), format: 'der', type: 'spki' });
    } catch (err) {
      throw new MalformedInputError('ERR_CRYPTO_MALFORMED', 'not a SubjectPublicKeyInfo', { cause: err });
    }
    return new PublicKey(k, describe(k), new Uint8Array(der));
  }

  /**
   * The DER SubjectPublicKeyInfo.
   *
   * @example
   * ```ts
   * const spki = pub.toSpki();
   * ```
   */
  toSpki(): Uint8Array {
    if (this.#spki === undefined) this.#spki = new Uint8Array(this.keyObject.export({ type: 'spki', format: 'der' }));
    return this.#spki.slice();
  }

  /**
   * The PEM SubjectPublicKeyInfo (`-----BEGIN PUBLIC KEY-----`).
   *
   * @example
   * ```ts
   * console.log(pub.toPem());
   * ```
   */
  toPem(): string {
    return toPem('PUBLIC KEY', this.toSpki());
  }

  /**
   * Whether `other` is the same key.
   *
   * @example
   * ```ts
   * if (!identity.privateKey.publicKey().equals(cert.publicKey)) throw new Error('key and certificate differ');
   * ```
   */
  equals(other: PublicKey): boolean {
    // Compare the kinds first: in Node 20, KeyObject.equals on keys of different types leaves an OpenSSL
    // error queued that makes the next key parse on the thread fail.
    if (!(other instanceof PublicKey) || other.type !== this.type) return false;
    if (other.curve !== this.curve || other.modulusLength !== this.modulusLength) return false;
    return this.keyObject.equals(other.keyObject);
  }

  /**
   * A WebCrypto key for `purpose`: `verify` (ECDSA, RSASSA-PKCS1-v1_5 with `hash`, Ed25519), `verify-pss`
   * (RSASSA-PSS with `hash`), `derive` (ECDH), `encrypt` (RSA-OAEP with `hash`). Cached per purpose and hash.
   *
   * @throws {@link CryptoError} `ERR_CRYPTO_INVALID_KEY` when the key type does not serve the purpose.
   *
   * @example
   * ```ts
   * const verifying = await cert.publicKey.cryptoKey('verify', 'SHA-256');
   * ```
   */
  cryptoKey(purpose: PublicKeyPurpose, hash: KeyHash = 'SHA-256'): Promise<CryptoKey> {
    return memoized(this.#keys, `${purpose}/${hash}`, () => {
      if (this.#spki === undefined) this.#spki = new Uint8Array(this.keyObject.export({ type: 'spki', format: 'der' }));
      return importFor(this, 'spki', this.#spki, purpose, hash);
    });
  }
}

/** One promise per key and purpose: a failed import is forgotten, so that it is tried again. */
function memoized(
  cache: Map<string, Promise<CryptoKey>>,
  id: string,
  make: () => Promise<CryptoKey>,
): Promise<CryptoKey> {
  let p = cache.get(id);
  if (p === undefined) {
    p = make();
    cache.set(id, p);
    p.catch(() => cache.delete(id));
  }
  return p;
}

/** What each purpose asks of WebCrypto: the algorithm and the usages, or why the key type cannot serve it. */
function importParams(
  key: KeyInfo,
  purpose: PrivateKeyPurpose | PublicKeyPurpose,
  hash: KeyHash,
): {
  alg: webcrypto.AlgorithmIdentifier | webcrypto.EcKeyImportParams | webcrypto.RsaHashedImportParams;
  usages: webcrypto.KeyUsage[];
} {
  switch (purpose) {
    case 'sign':
    case 'verify': {
      const usages: webcrypto.KeyUsage[] = [purpose];
      if (key.type === 'ec') return { alg: ecParams(key.curve), usages };
      if (key.type === 'rsa') return { alg: { name: 'RSASSA-PKCS1-v1_5', hash }, usages };
      return { alg: { name: 'Ed25519' }, usages };
    }
    case 'verify-pss':
      if (key.type !== 'rsa') throw invalidKey(`a ${key.type} key cannot verify RSASSA-PSS`);
      return { alg: { name: 'RSA-PSS', hash }, usages: ['verify'] };
    case 'derive':
      if (key.type !== 'ec') throw invalidKey(`a ${key.type} key cannot be used for ECDH`);
      // A private ECDH key derives bits; a public one has no usage of its own.
      return {
        alg: { name: 'ECDH', namedCurve: key.curve as CurveName },
        usages: key instanceof PrivateKey ? ['deriveBits'] : [],
      };
    case 'decrypt':
    case 'encrypt':
      if (key.type !== 'rsa') throw invalidKey(`a ${key.type} key cannot ${purpose} RSA-OAEP`);
      return { alg: { name: 'RSA-OAEP', hash }, usages: [purpose] };
    default:
      throw new CryptoError('ERR_CRYPTO_INVALID_ARGUMENT', `unknown key purpose ${String(purpose)}`);
  }
}

async function importFor(
  key: KeyInfo,
  format: 'pkcs8' | 'spki',
  der: Uint8Array,
  purpose: PrivateKeyPurpose | PublicKeyPurpose,
  hash: KeyHash,
): Promise<CryptoKey> {
  const { alg, usages } = importParams(key, purpose, hash);
  try {
    // Public keys may be exported (they are public); private keys never leave WebCrypto.
    return await subtle.importKey(format, der, alg, format === 'spki', usages);
  } catch (err) {
    throw invalidKey(`WebCrypto refuses the ${key.type} key for ${purpose}`, err);
  }
}

/**
 * Generates a key pair: EC P-256 or P-384, RSA 2048/3072/4096 (public exponent 65537), or Ed25519.
 *
 * @throws {@link CryptoError} `ERR_CRYPTO_INVALID_ARGUMENT` for an unknown spec.
 *
 * @example
 * ```ts
 * import { generateKeyPair } from '@semper/crypto';
 * const { privateKey, publicKey } = await generateKeyPair({ type: 'ec', curve: 'P-256' });
 * ```
 */
export async function generateKeyPair(spec: KeySpec): Promise<{ privateKey: PrivateKey; publicKey: PublicKey }> {
  let pair: { privateKey: KeyObject; publicKey: KeyObject };
  if (spec?.type === 'ec' && (spec.curve === 'P-256' || spec.curve === 'P-384')) {
    pair = await generate('ec', { namedCurve: spec.curve });
  } else if (spec?.type === 'rsa' && [2048, 3072, 4096].includes(spec.modulusLength)) {
    pair = await generate('rsa', { modulusLength: spec.modulusLength, publicExponent: 0x10001 });
  } else if (spec?.type === 'ed25519') {
    pair = await generate('ed25519', {});
  } else {
    throw new CryptoError(
      'ERR_CRYPTO_INVALID_ARGUMENT',
      `unsupported key spec ${JSON.stringify(spec)} (ec P-256/P-384, rsa 2048/3072/4096, ed25519)`,
    );
  }
  return { privateKey: PrivateKey.fromKeyObject(pair.privateKey), publicKey: PublicKey.fromKeyObject(pair.publicKey) };
}
