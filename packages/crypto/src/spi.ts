/**
 * `@semper/crypto/spi`: the engine's signature primitives, for blocks that sign and check structures of
 * their own (CRLs, certification requests) with exactly the algorithms, encodings and strictness the engine
 * uses for certificates and CMS: ECDSA with SHA-256/384/512 (strict DER signatures), RSASSA-PKCS1-v1_5,
 * RSASSA-PSS (MGF1 with the message hash) and Ed25519; SHA-1 only where the caller allows it.
 *
 * @packageDocumentation
 */
import { berRead } from './cms-structures.js';
import { MalformedInputError } from './errors.js';
import type { PrivateKey, PublicKey } from './keys.js';
import {
  type DigestName,
  parseSignatureAlgorithm,
  type ReadDigestName,
  type SignatureContext,
  type SignatureScheme,
  signBytes,
  signatureAlgorithmIdentifier,
  verifyBytes,
} from './signature.js';

export type { DigestName, ReadDigestName, SignatureContext, SignatureScheme } from './signature.js';

/**
 * Reads a DER signature AlgorithmIdentifier (what `signatureAlgorithm` fields hold).
 *
 * @throws `UnsupportedAlgorithmError` (from `@semper/crypto`) for an algorithm the engine does not verify;
 * {@link MalformedInputError} for malformed bytes or parameters.
 *
 * @example
 * ```ts
 * import { readSignatureScheme } from '@semper/crypto/spi';
 * const scheme = readSignatureScheme(algorithmIdentifierDer); // { kind: 'ecdsa', hash: 'SHA-256' }
 * ```
 */
export function readSignatureScheme(algorithmIdentifier: Uint8Array): SignatureScheme {
  const el = berRead(algorithmIdentifier);
  if (el.end !== algorithmIdentifier.length) {
    throw new MalformedInputError('ERR_CRYPTO_MALFORMED', 'trailing data after the AlgorithmIdentifier');
  }
  return parseSignatureAlgorithm(el);
}

/**
 * Whether `signature` over `data` verifies with `key` under `scheme` (`false` also for a signature that does
 * not even decode). `digest` is needed only for schemes whose identifier names no hash (`rsaEncryption`).
 *
 * @throws `UnsupportedAlgorithmError` (from `@semper/crypto`) when the key does not fit the scheme, or SHA-1 is used and
 * `allowSha1` is not set.
 *
 * @example
 * ```ts
 * import { readSignatureScheme, verifySignatureBytes } from '@semper/crypto/spi';
 * const ok = await verifySignatureBytes(issuer.publicKey, readSignatureScheme(algDer), tbsDer, signatureValue);
 * ```
 */
export function verifySignatureBytes(
  key: PublicKey,
  scheme: SignatureScheme,
  data: Uint8Array,
  signature: Uint8Array,
  o: { readonly digest?: ReadDigestName; readonly allowSha1?: boolean } = {},
): Promise<boolean> {
  return verifyBytes(key, scheme, o.digest, data, signature, o.allowSha1 === true);
}

/**
 * The DER AlgorithmIdentifier of a signature by `key` with `digest`: the X.509 form (`sha256WithRSAEncryption`,
 * `ecdsa-with-SHA256`, `id-Ed25519`) or the CMS SignerInfo form (`rsaEncryption` for RSA, as OpenSSL writes).
 *
 * @example
 * ```ts
 * import { signatureAlgorithm } from '@semper/crypto/spi';
 * const algorithm = signatureAlgorithm(ca.privateKey, 'SHA-256', 'x509');
 * ```
 */
export function signatureAlgorithm(key: PrivateKey, digest: DigestName, context: SignatureContext): Uint8Array {
  return signatureAlgorithmIdentifier(key, digest, context);
}

/**
 * Signs `data` with `key` (hashing with `digest`; Ed25519 signs the data itself), returning the signature as
 * X.509 and CMS carry it: a DER Ecdsa-Sig-Value for ECDSA, the raw octets otherwise.
 *
 * @example
 * ```ts
 * import { signWith } from '@semper/crypto/spi';
 * const signature = await signWith(ca.privateKey, 'SHA-256', tbsDer);
 * ```
 */
export function signWith(key: PrivateKey, digest: DigestName, data: Uint8Array): Promise<Uint8Array> {
  return signBytes(key, digest, data);
}
