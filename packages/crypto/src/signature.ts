/**
 * Digests and signature algorithms shared by CMS SignedData and X.509: the AlgorithmIdentifiers semper
 * writes, the ones it reads, and the conversion between the DER `Ecdsa-Sig-Value` of CMS/X.509 and the
 * raw `r || s` form of WebCrypto.
 *
 * Written: ECDSA with SHA-256/384/512; RSASSA-PKCS1-v1_5 (in CMS as `rsaEncryption`, as OpenSSL writes it;
 * in certificates as `sha256WithRSAEncryption` and kin); Ed25519 (with SHA-512 as the CMS digest, RFC 8419).
 * Read, besides: RSASSA-PSS with MGF1 over the same hash; `sha*WithRSAEncryption` and `id-ecPublicKey` in a
 * SignerInfo; SHA-1 only when the caller allows it.
 *
 * @packageDocumentation
 */
import type { webcrypto } from 'node:crypto';
import { AsnParser } from '@peculiar/asn1-schema';
import { RsaSaPssParams } from '@peculiar/asn1-rsa';
import {
  type BerElement,
  berChildren,
  berContent,
  berExpect,
  berOid,
  berRead,
  berBytes,
  derEncode,
  derOid,
  derPrimitive,
  derTlv,
  TAG,
} from './cms-structures.js';
import { CryptoError, MalformedInputError, UnsupportedAlgorithmError } from './errors.js';
import type { CurveName, PrivateKey, PublicKey } from './keys.js';
import { OID } from './oids.js';

const subtle = globalThis.crypto.subtle;

/**
 * The digests semper signs with. SHA-1 is never written.
 *
 * @example
 * ```ts
 * const d: DigestName = 'SHA-384';
 * ```
 */
export type DigestName = 'SHA-256' | 'SHA-384' | 'SHA-512';

/** Digests semper reads (SHA-1 only where allowed). */
export type ReadDigestName = DigestName | 'SHA-1';

const DIGEST_OIDS: Readonly<Record<ReadDigestName, string>> = {
  'SHA-1': OID.sha1,
  'SHA-256': OID.sha256,
  'SHA-384': OID.sha384,
  'SHA-512': OID.sha512,
};
const DIGEST_BY_OID = new Map<string, ReadDigestName>(
  Object.entries(DIGEST_OIDS).map(([name, oid]) => [oid, name as ReadDigestName]),
);

/** Whether `name` is a digest semper signs with. */
export function isDigestName(name: unknown): name is DigestName {
  return name === 'SHA-256' || name === 'SHA-384' || name === 'SHA-512';
}

/**
 * The DER AlgorithmIdentifier of a digest (parameters absent, RFC 5754).
 *
 * @internal
 */
export function digestAlgorithmIdentifier(name: DigestName): Uint8Array {
  return derEncode(derTlv(TAG.sequence, derOid(DIGEST_OIDS[name])));
}

/**
 * The digest named by an AlgorithmIdentifier element (parameters absent or NULL).
 *
 * @throws {@link UnsupportedAlgorithmError} for an unknown digest, or SHA-1 when not allowed.
 * @internal
 */
export function parseDigestAlgorithm(el: BerElement, allowSha1 = false): ReadDigestName {
  const f = berChildren(berExpect(el, TAG.sequence, 'a digest AlgorithmIdentifier'));
  if (
    f.length < 1 ||
    f.length > 2 ||
    (f.length === 2 && (f[1].tag !== TAG.null || f[1].contentEnd !== f[1].contentStart))
  )
    throw new MalformedInputError('ERR_CRYPTO_MALFORMED', 'malformed digest AlgorithmIdentifier');
  const oid = berOid(f[0], 'the digest algorithm');
  const name = DIGEST_BY_OID.get(oid);
  if (name === undefined) throw new UnsupportedAlgorithmError(`digest algorithm ${oid} is not supported`);
  if (name === 'SHA-1' && !allowSha1) {
    throw new UnsupportedAlgorithmError('SHA-1 (1.3.14.3.2.26) is refused for signatures');
  }
  return name;
}

/**
 * The digest of `data`.
 *
 * @internal
 */
export async function digest(name: ReadDigestName, data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await subtle.digest(name, data));
}

/** Where a signature algorithm identifier is written: a CMS SignerInfo or an X.509 certificate/CRL. */
export type SignatureContext = 'cms' | 'x509';

const ECDSA_OIDS: Readonly<Record<DigestName, string>> = {
  'SHA-256': OID.ecdsaWithSHA256,
  'SHA-384': OID.ecdsaWithSHA384,
  'SHA-512': OID.ecdsaWithSHA512,
};
const RSA_OIDS: Readonly<Record<DigestName, string>> = {
  'SHA-256': OID.sha256WithRSAEncryption,
  'SHA-384': OID.sha384WithRSAEncryption,
  'SHA-512': OID.sha512WithRSAEncryption,
};
const NULL = Uint8Array.of(TAG.null, 0);

/**
 * The DER AlgorithmIdentifier that describes a signature by `key` over `digestName`.
 *
 * @internal
 */
export function signatureAlgorithmIdentifier(
  key: { readonly type: string },
  digestName: DigestName,
  context: SignatureContext,
): Uint8Array {
  if (key.type === 'ec') return derEncode(derTlv(TAG.sequence, derOid(ECDSA_OIDS[digestName])));
  if (key.type === 'rsa') {
    const oid = context === 'cms' ? OID.rsaEncryption : RSA_OIDS[digestName];
    return derEncode(derTlv(TAG.sequence, derOid(oid), NULL));
  }
  if (key.type === 'ed25519') return derEncode(derTlv(TAG.sequence, derOid(OID.ed25519)));
  throw new CryptoError('ERR_CRYPTO_INVALID_KEY', `cannot sign with a ${key.type} key`);
}

/** The digest that goes with a signing key: Ed25519 signs with SHA-512 in CMS (RFC 8419). */
export function digestForKey(key: { readonly type: string }, requested: DigestName): DigestName {
  return key.type === 'ed25519' ? 'SHA-512' : requested;
}

function curveBytes(curve: CurveName | undefined): number {
  return curve === 'P-384' ? 48 : 32;
}

/**
 * Signs `data` with `key` (hashing with `digestName`), returning the signature as CMS and X.509 carry it:
 * a DER Ecdsa-Sig-Value for ECDSA, the raw octets otherwise.
 *
 * @internal
 */
export async function signBytes(key: PrivateKey, digestName: DigestName, data: Uint8Array): Promise<Uint8Array> {
  const k = await key.cryptoKey('sign', digestName);
  if (key.type === 'ec') {
    const raw = new Uint8Array(await subtle.sign({ name: 'ECDSA', hash: digestName }, k, data));
    return ecdsaRawToDer(raw);
  }
  if (key.type === 'rsa') return new Uint8Array(await subtle.sign({ name: 'RSASSA-PKCS1-v1_5' }, k, data));
  return new Uint8Array(await subtle.sign({ name: 'Ed25519' }, k, data));
}

function unsignedInteger(bytes: Uint8Array): Uint8Array {
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0) i++;
  const v = bytes.subarray(i);
  if (v[0] & 0x80) {
    const out = new Uint8Array(v.length + 1);
    out.set(v, 1);
    return out;
  }
  return v;
}

/**
 * Converts WebCrypto's `r || s` into a DER `Ecdsa-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }`.
 *
 * @internal
 */
export function ecdsaRawToDer(raw: Uint8Array): Uint8Array {
  const n = raw.length / 2;
  return derEncode(
    derTlv(
      TAG.sequence,
      derPrimitive(TAG.integer, unsignedInteger(raw.subarray(0, n))),
      derPrimitive(TAG.integer, unsignedInteger(raw.subarray(n))),
    ),
  );
}

/**
 * Converts a DER `Ecdsa-Sig-Value` to `r || s` of `size` bytes each, or `undefined` when it is not one
 * (a malformed signature is a bad signature, not a crash).
 *
 * @internal
 */
export function ecdsaDerToRaw(der: Uint8Array, size: number): Uint8Array | undefined {
  try {
    const seq = berRead(der);
    if (seq.tag !== TAG.sequence || seq.end !== der.length || seq.contentEnd !== seq.end) return undefined;
    const kids = berChildren(seq);
    if (kids.length !== 2) return undefined;
    const out = new Uint8Array(size * 2);
    for (let i = 0; i < 2; i++) {
      if (kids[i].tag !== TAG.integer) return undefined;
      let v = berContent(kids[i]);
      if (v.length === 0 || v[0] & 0x80) return undefined; // negative
      if (v.length > 1 && v[0] === 0 && (v[1] & 0x80) === 0) return undefined; // not minimal
      if (v[0] === 0) v = v.subarray(1);
      if (v.length > size) return undefined;
      out.set(v, i * size + size - v.length);
    }
    // Exactly the DER encoding (minimal lengths too): a signature has one encoding, so that nobody can
    // make a second valid signature from the first by re-encoding it.
    const again = ecdsaRawToDer(out);
    if (again.length !== der.length || !Buffer.from(again).equals(der)) return undefined;
    return out;
  } catch {
    return undefined;
  }
}

/** A parsed signature algorithm: how to check a signature. */
export type SignatureScheme =
  | { readonly kind: 'ecdsa'; readonly hash?: ReadDigestName }
  | { readonly kind: 'rsa-pkcs1'; readonly hash?: ReadDigestName }
  | { readonly kind: 'rsa-pss'; readonly hash: ReadDigestName; readonly saltLength: number }
  | { readonly kind: 'ed25519' };

const SCHEMES = new Map<string, SignatureScheme>([
  [OID.ecdsaWithSHA1, { kind: 'ecdsa', hash: 'SHA-1' }],
  [OID.ecdsaWithSHA256, { kind: 'ecdsa', hash: 'SHA-256' }],
  [OID.ecdsaWithSHA384, { kind: 'ecdsa', hash: 'SHA-384' }],
  [OID.ecdsaWithSHA512, { kind: 'ecdsa', hash: 'SHA-512' }],
  [OID.ecPublicKey, { kind: 'ecdsa' }],
  [OID.rsaEncryption, { kind: 'rsa-pkcs1' }],
  [OID.sha1WithRSAEncryption, { kind: 'rsa-pkcs1', hash: 'SHA-1' }],
  [OID.sha256WithRSAEncryption, { kind: 'rsa-pkcs1', hash: 'SHA-256' }],
  [OID.sha384WithRSAEncryption, { kind: 'rsa-pkcs1', hash: 'SHA-384' }],
  [OID.sha512WithRSAEncryption, { kind: 'rsa-pkcs1', hash: 'SHA-512' }],
  [OID.ed25519, { kind: 'ed25519' }],
]);

/**
 * Parses a signature AlgorithmIdentifier element.
 *
 * @throws {@link UnsupportedAlgorithmError} for an algorithm semper does not verify; {@link MalformedInputError}
 * for bad parameters.
 * @internal
 */
export function parseSignatureAlgorithm(el: BerElement): SignatureScheme {
  const f = berChildren(berExpect(el, TAG.sequence, 'a signature AlgorithmIdentifier'));
  if (f.length < 1 || f.length > 2)
    throw new MalformedInputError('ERR_CRYPTO_MALFORMED', 'malformed AlgorithmIdentifier');
  const oid = berOid(f[0], 'the signature algorithm');
  if (oid === OID.rsassaPss) {
    if (f.length !== 2) throw new MalformedInputError('ERR_CRYPTO_MALFORMED', 'RSASSA-PSS without parameters');
    let params: RsaSaPssParams;
    try {
      params = AsnParser.parse(berBytes(f[1]), RsaSaPssParams);
    } catch (err) {
      throw new MalformedInputError('ERR_CRYPTO_MALFORMED', 'malformed RSASSA-PSS parameters', { cause: err });
    }
    const hash = DIGEST_BY_OID.get(params.hashAlgorithm.algorithm);
    if (hash === undefined)
      throw new UnsupportedAlgorithmError(`RSASSA-PSS with hash ${params.hashAlgorithm.algorithm}`);
    const mgfParams = params.maskGenAlgorithm.parameters;
    if (params.maskGenAlgorithm.algorithm !== OID.mgf1 || mgfParams === undefined || mgfParams === null) {
      throw new UnsupportedAlgorithmError('RSASSA-PSS with a mask generation function other than MGF1');
    }
    let mgfHash: string;
    try {
      mgfHash = berOid(berChildren(berRead(new Uint8Array(mgfParams)))[0], 'the MGF1 hash');
    } catch (err) {
      throw new MalformedInputError('ERR_CRYPTO_MALFORMED', 'malformed MGF1 parameters', { cause: err });
    }
    if (mgfHash !== params.hashAlgorithm.algorithm) {
      throw new UnsupportedAlgorithmError('RSASSA-PSS with an MGF1 hash other than the message hash');
    }
    if (params.trailerField !== 1) throw new UnsupportedAlgorithmError('RSASSA-PSS with a trailer field other than 1');
    return { kind: 'rsa-pss', hash, saltLength: params.saltLength };
  }
  const scheme = SCHEMES.get(oid);
  if (scheme === undefined) throw new UnsupportedAlgorithmError(`signature algorithm ${oid} is not supported`);
  // Parameters: absent for ECDSA (RFC 5758) and Ed25519 (RFC 8410); NULL or absent for RSA PKCS#1 v1.5
  // (RFC 4055). id-ecPublicKey, met in some SignerInfos, carries the curve or nothing.
  const params = f[1];
  if (params !== undefined) {
    const isNull = params.tag === TAG.null && params.contentEnd === params.contentStart;
    if (scheme.kind === 'rsa-pkcs1' ? !isNull : oid !== OID.ecPublicKey || params.tag !== TAG.oid) {
      throw new MalformedInputError('ERR_CRYPTO_MALFORMED', `bad parameters for signature algorithm ${oid}`);
    }
  }
  return scheme;
}

/**
 * Verifies `signature` over `data` by `key` under `scheme`; `digestName` is the SignerInfo's digest for the
 * schemes whose OID does not name one (`rsaEncryption`, `id-ecPublicKey`). A signature that does not
 * verify, or does not even decode, gives `false`.
 *
 * @throws {@link UnsupportedAlgorithmError} when the key does not fit the scheme, the scheme's hash differs
 * from the digest, or SHA-1 is used and not allowed.
 * @internal
 */
export async function verifyBytes(
  key: PublicKey,
  scheme: SignatureScheme,
  digestName: ReadDigestName | undefined,
  data: Uint8Array,
  signature: Uint8Array,
  allowSha1 = false,
): Promise<boolean> {
  const hash = scheme.kind === 'ed25519' ? undefined : (scheme.hash ?? digestName);
  if (scheme.kind !== 'ed25519') {
    if (hash === undefined) throw new UnsupportedAlgorithmError('a signature algorithm without a digest');
    if (digestName !== undefined && hash !== digestName) {
      throw new UnsupportedAlgorithmError(
        `the signature algorithm's hash ${hash} differs from the digest ${digestName}`,
      );
    }
    if (hash === 'SHA-1' && !allowSha1) throw new UnsupportedAlgorithmError('SHA-1 signatures are refused');
  }
  const expected = scheme.kind === 'ecdsa' ? 'ec' : scheme.kind === 'ed25519' ? 'ed25519' : 'rsa';
  if (key.type !== expected) {
    throw new UnsupportedAlgorithmError(`a ${scheme.kind} signature cannot be made by a ${key.type} key`);
  }
  let params: webcrypto.AlgorithmIdentifier | webcrypto.EcdsaParams | webcrypto.RsaPssParams;
  let sig = signature;
  let k: webcrypto.CryptoKey;
  if (scheme.kind === 'ecdsa') {
    const raw = ecdsaDerToRaw(signature, curveBytes(key.curve));
    if (raw === undefined) return false;
    sig = raw;
    params = { name: 'ECDSA', hash: hash as string };
    k = await key.cryptoKey('verify');
  } else if (scheme.kind === 'rsa-pkcs1') {
    params = { name: 'RSASSA-PKCS1-v1_5' };
    k = await verifyKey(key, 'verify', hash as ReadDigestName);
  } else if (scheme.kind === 'rsa-pss') {
    params = { name: 'RSA-PSS', saltLength: scheme.saltLength };
    k = await verifyKey(key, 'verify-pss', hash as ReadDigestName);
  } else {
    params = { name: 'Ed25519' };
    k = await key.cryptoKey('verify');
  }
  try {
    return await subtle.verify(params, k, sig, data);
  } catch {
    return false;
  }
}

const sha1Keys = new WeakMap<PublicKey, Map<string, Promise<webcrypto.CryptoKey>>>();

/** RSA verification keys; SHA-1 ones (allowed only on request) are imported here, not cached on the key. */
function verifyKey(
  key: PublicKey,
  purpose: 'verify' | 'verify-pss',
  hash: ReadDigestName,
): Promise<webcrypto.CryptoKey> {
  if (hash !== 'SHA-1') return key.cryptoKey(purpose, hash);
  let m = sha1Keys.get(key);
  if (m === undefined) {
    m = new Map();
    sha1Keys.set(key, m);
  }
  let p = m.get(purpose);
  if (p === undefined) {
    const name = purpose === 'verify' ? 'RSASSA-PKCS1-v1_5' : 'RSA-PSS';
    p = subtle.importKey('spki', key.toSpki(), { name, hash: 'SHA-1' }, false, ['verify']);
    m.set(purpose, p);
  }
  return p;
}
