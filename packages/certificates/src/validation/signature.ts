/**
 * Signature algorithms of X.509 CRLs: reading a signature AlgorithmIdentifier, checking a signature over
 * the signed bytes with an issuer's {@link PublicKey}, and signing with a {@link PrivateKey}.
 *
 * An adapter over the crypto engine's signature primitives (`@semper/crypto/spi`), so that CRLs and
 * certification requests are checked with exactly the algorithms, parameter rules and strict encodings of
 * certificates and CMS: ECDSA with SHA-256/384/512, RSASSA-PKCS1-v1_5 with SHA-256/384/512, RSASSA-PSS (MGF1
 * with the same hash, trailer 1) and Ed25519. SHA-1 is refused.
 *
 * @packageDocumentation
 * @internal
 */
import type { DigestName, PrivateKey, PublicKey } from '@semper/crypto';
import { CryptoError } from '@semper/crypto';
import { readSignatureScheme, signatureAlgorithm, signWith, verifySignatureBytes } from '@semper/crypto/spi';
import { bytes, children, content, DerError, expect, readOid, readOne, T, type Tlv } from './der.js';

/**
 * A signature algorithm, as read.
 * @example
 * ```ts
 * const alg: SignatureAlgorithm = { kind: 'ecdsa', hash: 'SHA-256' };
 * ```
 * @internal
 */
export type SignatureAlgorithm =
  | { readonly kind: 'ecdsa'; readonly hash: DigestName }
  | { readonly kind: 'rsa-pkcs1'; readonly hash: DigestName }
  | { readonly kind: 'rsa-pss'; readonly hash: DigestName; readonly saltLength: number }
  | { readonly kind: 'ed25519' }
  /** Known but refused (SHA-1) or unknown: `oid` names it. */
  | { readonly kind: 'unsupported'; readonly oid: string };

/** The OID of an AlgorithmIdentifier element, for the `unsupported` case. */
function oidOf(el: Tlv): string {
  return readOid(children(el)[0], 'signature algorithm');
}

/**
 * Reads a signature AlgorithmIdentifier element with the crypto engine's rules (the same algorithms and
 * parameter checks as for certificates and CMS). In X.509 an algorithm must name its hash, and SHA-1 is
 * refused: both are `unsupported` here, as is any algorithm the engine does not verify.
 *
 * @throws {@link DerError} when it is malformed (an unknown algorithm is `unsupported`, not an error).
 * @example
 * ```ts
 * const alg = readSignatureAlgorithm(readOne(algorithmIdentifierDer, 'signature'));
 * ```
 * @internal
 */
export function readSignatureAlgorithm(el: Tlv): SignatureAlgorithm {
  expect(el, T.sequence, 'signature AlgorithmIdentifier');
  let scheme: ReturnType<typeof readSignatureScheme>;
  try {
    scheme = readSignatureScheme(bytes(el));
  } catch (err) {
    if (err instanceof CryptoError && err.code === 'ERR_CRYPTO_UNSUPPORTED_ALGORITHM') {
      return { kind: 'unsupported', oid: oidOf(el) };
    }
    throw new DerError(`malformed signature AlgorithmIdentifier: ${(err as Error).message}`);
  }
  if (scheme.kind === 'ed25519') return scheme;
  const hash = scheme.hash;
  if (hash === undefined || hash === 'SHA-1') return { kind: 'unsupported', oid: oidOf(el) };
  if (scheme.kind === 'rsa-pss') {
    if (scheme.saltLength > 1024) return { kind: 'unsupported', oid: oidOf(el) };
    return { kind: 'rsa-pss', hash, saltLength: scheme.saltLength };
  }
  return { kind: scheme.kind, hash };
}

/** The key type a signature algorithm needs. */
function keyTypeFor(alg: SignatureAlgorithm): string | undefined {
  if (alg.kind === 'ecdsa') return 'ec';
  if (alg.kind === 'rsa-pkcs1' || alg.kind === 'rsa-pss') return 'rsa';
  if (alg.kind === 'ed25519') return 'ed25519';
  return undefined;
}

/**
 * Whether `signature` over `data` verifies with `key` under `alg`: `true`, `false`, or `'unsupported'`
 * when the algorithm is refused or does not fit the key. The check itself is the crypto engine's.
 *
 * @example
 * ```ts
 * const ok = await verifySignatureValue(alg, ca.publicKey, crl.tbsDer, crl.signatureValue); // true, false or 'unsupported'
 * ```
 * @internal
 */
export async function verifySignatureValue(
  alg: SignatureAlgorithm,
  key: PublicKey,
  data: Uint8Array,
  signature: Uint8Array,
): Promise<boolean | 'unsupported'> {
  if (alg.kind === 'unsupported' || keyTypeFor(alg) !== key.type) return 'unsupported';
  try {
    return await verifySignatureBytes(key, alg, data, signature);
  } catch (err) {
    if (err instanceof CryptoError && err.code === 'ERR_CRYPTO_UNSUPPORTED_ALGORITHM') return 'unsupported';
    return false;
  }
}

/**
 * The DER AlgorithmIdentifier semper writes for a signature by `key` with `digest` (X.509 form).
 *
 * @example
 * ```ts
 * const algorithm = signatureAlgorithmFor(privateKey, 'SHA-256'); // ecdsa-with-SHA256 for an EC key
 * ```
 * @internal
 */
export function signatureAlgorithmFor(key: PrivateKey, digest: DigestName): Uint8Array {
  return signatureAlgorithm(key, digest, 'x509');
}

/**
 * Signs `data` with `key` as {@link signatureAlgorithmFor} describes (ECDSA signatures DER-encoded).
 *
 * @example
 * ```ts
 * const signature = await signValue(privateKey, 'SHA-256', tbs);
 * ```
 * @internal
 */
export function signValue(key: PrivateKey, digest: DigestName, data: Uint8Array): Promise<Uint8Array> {
  return signWith(key, digest, data);
}

/**
 * The algorithm of a DER AlgorithmIdentifier (for tests and round trips).
 * @example
 * ```ts
 * parseAlgorithmIdentifier(signatureAlgorithmFor(ecKey, 'SHA-384')); // { kind: 'ecdsa', hash: 'SHA-384' }
 * ```
 * @internal
 */
export function parseAlgorithmIdentifier(der: Uint8Array): SignatureAlgorithm {
  return readSignatureAlgorithm(readOne(der, 'AlgorithmIdentifier'));
}

/**
 * The signature octets of a BIT STRING with no unused bits.
 * @example
 * ```ts
 * const signature = readSignatureBits(children(certificateList)[2], 'signatureValue');
 * ```
 * @internal
 */
export function readSignatureBits(el: Tlv | undefined, what: string): Uint8Array {
  const c = content(expect(el, T.bitString, what));
  if (c.length < 1 || c[0] !== 0) throw new DerError(`${what} is not a BIT STRING of whole octets`);
  return c.subarray(1);
}
