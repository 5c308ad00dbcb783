/**
 * Signature algorithms of X.509 CRLs: reading a signature AlgorithmIdentifier, checking a signature over
 * the signed bytes with an issuer's {@link PublicKey}, and signing with a {@link PrivateKey}.
 *
 * The same algorithms as the engine's certificates: ECDSA with SHA-256/384/512, RSASSA-PKCS1-v1_5 with
 * SHA-256/384/512, RSASSA-PSS (MGF1 with the same hash, trailer 1) and Ed25519. SHA-1 is refused.
 * (`@semper/crypto` verifies certificate signatures but does not export a check over other signed bytes;
 * this does the same with `node:crypto`, whose ECDSA verification takes the DER signature as it is.)
 *
 * @packageDocumentation
 * @internal
 */
import { constants, sign as nodeSign, verify as nodeVerify } from 'node:crypto';
import { promisify } from 'node:util';
import type { DigestName, PrivateKey, PublicKey } from '@semper/crypto';
import { children, content, DerError, expect, oid, readOid, readOne, readUnsigned, T, type Tlv, tlv } from './der.js';

const signAsync = promisify(nodeSign);
const verifyAsync = promisify(nodeVerify);

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

const HASH_OIDS: Readonly<Record<string, DigestName>> = {
  '2.16.840.1.101.3.4.2.1': 'SHA-256',
  '2.16.840.1.101.3.4.2.2': 'SHA-384',
  '2.16.840.1.101.3.4.2.3': 'SHA-512',
};
const SIMPLE: Readonly<Record<string, SignatureAlgorithm>> = {
  '1.2.840.10045.4.3.2': { kind: 'ecdsa', hash: 'SHA-256' },
  '1.2.840.10045.4.3.3': { kind: 'ecdsa', hash: 'SHA-384' },
  '1.2.840.10045.4.3.4': { kind: 'ecdsa', hash: 'SHA-512' },
  '1.2.840.113549.1.1.11': { kind: 'rsa-pkcs1', hash: 'SHA-256' },
  '1.2.840.113549.1.1.12': { kind: 'rsa-pkcs1', hash: 'SHA-384' },
  '1.2.840.113549.1.1.13': { kind: 'rsa-pkcs1', hash: 'SHA-512' },
  '1.3.101.112': { kind: 'ed25519' },
};
const RSASSA_PSS = '1.2.840.113549.1.1.10';
const MGF1 = '1.2.840.113549.1.1.8';

function hashOf(alg: Tlv | undefined, what: string): DigestName | undefined {
  const f = children(expect(alg, T.sequence, what));
  if (f.length < 1 || f.length > 2 || (f.length === 2 && (f[1].tag !== T.null || f[1].end !== f[1].contentStart))) {
    throw new DerError(`malformed ${what}`);
  }
  return HASH_OIDS[readOid(f[0], what)];
}

/**
 * Reads a signature AlgorithmIdentifier element.
 *
 * @throws {@link DerError} when it is malformed (an unknown algorithm is `unsupported`, not an error).
 * @example
 * ```ts
 * const alg = readSignatureAlgorithm(readOne(algorithmIdentifierDer, 'signature'));
 * ```
 * @internal
 */
export function readSignatureAlgorithm(el: Tlv): SignatureAlgorithm {
  const f = children(expect(el, T.sequence, 'signature AlgorithmIdentifier'));
  if (f.length < 1 || f.length > 2) throw new DerError('malformed signature AlgorithmIdentifier');
  const id = readOid(f[0], 'signature algorithm');
  const params = f[1];
  if (id === RSASSA_PSS) {
    const p = children(expect(params, T.sequence, 'RSASSA-PSS parameters'));
    // hashAlgorithm [0] (default SHA-1), maskGenAlgorithm [1] (default MGF1-SHA-1), saltLength [2] (20),
    // trailerField [3] (1).
    let hash: DigestName | undefined;
    let mgfHash: DigestName | undefined;
    let saltLength = 20;
    for (const x of p) {
      const inner = children(x);
      if (inner.length !== 1) throw new DerError('malformed RSASSA-PSS parameters');
      if (x.tag === 0xa0) hash = hashOf(inner[0], 'RSASSA-PSS hash');
      else if (x.tag === 0xa1) {
        const m = children(expect(inner[0], T.sequence, 'maskGenAlgorithm'));
        if (m.length !== 2 || readOid(m[0], 'maskGenAlgorithm') !== MGF1) return { kind: 'unsupported', oid: id };
        mgfHash = hashOf(m[1], 'MGF1 hash');
      } else if (x.tag === 0xa2) saltLength = Number(readUnsigned(inner[0], 'saltLength'));
      else if (x.tag === 0xa3) {
        if (readUnsigned(inner[0], 'trailerField') !== 1n) return { kind: 'unsupported', oid: id };
      } else throw new DerError('malformed RSASSA-PSS parameters');
    }
    if (hash === undefined || mgfHash !== hash || saltLength > 1024) return { kind: 'unsupported', oid: id };
    return { kind: 'rsa-pss', hash, saltLength };
  }
  const simple = SIMPLE[id];
  if (simple === undefined) return { kind: 'unsupported', oid: id };
  if (simple.kind === 'rsa-pkcs1') {
    // NULL or absent (RFC 4055 §5).
    if (params !== undefined && (params.tag !== T.null || params.end !== params.contentStart)) {
      throw new DerError('bad parameters for an RSA signature algorithm');
    }
  } else if (params !== undefined) {
    throw new DerError('ECDSA and Ed25519 signature algorithms take no parameters');
  }
  return simple;
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
 * when the algorithm is refused or does not fit the key.
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
    if (alg.kind === 'ed25519') return await verifyAsync(null, data, key.keyObject, signature);
    if (alg.kind === 'ecdsa') {
      return await verifyAsync(alg.hash, data, { key: key.keyObject, dsaEncoding: 'der' }, signature);
    }
    if (alg.kind === 'rsa-pss') {
      return await verifyAsync(
        alg.hash,
        data,
        { key: key.keyObject, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: alg.saltLength },
        signature,
      );
    }
    return await verifyAsync(alg.hash, data, { key: key.keyObject, padding: constants.RSA_PKCS1_PADDING }, signature);
  } catch {
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
  if (key.type === 'ec') {
    const o = { 'SHA-256': '1.2.840.10045.4.3.2', 'SHA-384': '1.2.840.10045.4.3.3', 'SHA-512': '1.2.840.10045.4.3.4' };
    return tlv(T.sequence, oid(o[digest]));
  }
  if (key.type === 'rsa') {
    const o = {
      'SHA-256': '1.2.840.113549.1.1.11',
      'SHA-384': '1.2.840.113549.1.1.12',
      'SHA-512': '1.2.840.113549.1.1.13',
    };
    return tlv(T.sequence, oid(o[digest]), Uint8Array.of(T.null, 0));
  }
  return tlv(T.sequence, oid('1.3.101.112'));
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
export async function signValue(key: PrivateKey, digest: DigestName, data: Uint8Array): Promise<Uint8Array> {
  if (key.type === 'ed25519') return new Uint8Array(await signAsync(null, data, key.keyObject));
  if (key.type === 'ec') {
    return new Uint8Array(await signAsync(digest, data, { key: key.keyObject, dsaEncoding: 'der' }));
  }
  return new Uint8Array(await signAsync(digest, data, { key: key.keyObject, padding: constants.RSA_PKCS1_PADDING }));
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
