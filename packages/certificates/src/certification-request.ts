/**
 * PKCS#10 certification requests (RFC 2986): reading one (DER or PEM `CERTIFICATE REQUEST`) with size
 * and nesting guards, checking its proof of possession (the request is signed with the private key of
 * the public key it carries), and making one that `openssl req -verify` accepts.
 *
 * @packageDocumentation
 */
import {
  type Asn1Limits,
  type CertificateExtension,
  CryptoError,
  checkAsn1,
  type DigestName,
  fromPem,
  type PrivateKey,
  PublicKey,
  toPem,
} from '@semper/crypto';
import { subjectNameDer } from './checks.js';
import { CertificatesError } from './errors.js';
import {
  bytes,
  children,
  content,
  DerError,
  expect,
  oid,
  readBoolean,
  readOid,
  readOne,
  readUnsigned,
  T,
  type Tlv,
  tlv,
} from './validation/der.js';
import { formatName, parseName } from './validation/names.js';
import {
  readSignatureAlgorithm,
  readSignatureBits,
  type SignatureAlgorithm,
  signatureAlgorithmFor,
  signValue,
  verifySignatureValue,
} from './validation/signature.js';

/** Largest certification request accepted (DER), unless the caller's limits say otherwise. */
const MAX_REQUEST_BYTES = 64 * 1024;
/** Deepest nesting accepted in a certification request. */
const MAX_REQUEST_DEPTH = 24;

/** PKCS#9 extensionRequest. */
const EXTENSION_REQUEST = '1.2.840.113549.1.9.14';

/**
 * One attribute of a certification request (RFC 2986 §4.1), as found: its type and the DER of each value.
 *
 * @example
 * ```ts
 * import type { RequestAttribute } from '@semper/certificates';
 * const challenge = (attrs: readonly RequestAttribute[]) => attrs.find((a) => a.oid === '1.2.840.113549.1.9.7');
 * ```
 */
export interface RequestAttribute {
  readonly oid: string;
  readonly values: readonly Uint8Array[];
}

/**
 * The signature algorithm of a request, by name.
 *
 * @example
 * ```ts
 * import type { RequestSignatureAlgorithm } from '@semper/certificates';
 * const alg: RequestSignatureAlgorithm = 'ecdsa-with-SHA256';
 * ```
 */
export type RequestSignatureAlgorithm =
  | 'ecdsa-with-SHA256'
  | 'ecdsa-with-SHA384'
  | 'ecdsa-with-SHA512'
  | 'sha256WithRSAEncryption'
  | 'sha384WithRSAEncryption'
  | 'sha512WithRSAEncryption'
  | 'RSASSA-PSS-SHA256'
  | 'RSASSA-PSS-SHA384'
  | 'RSASSA-PSS-SHA512'
  | 'Ed25519';

type SupportedAlgorithm = Exclude<SignatureAlgorithm, { readonly kind: 'unsupported' }>;

function algorithmName(alg: SupportedAlgorithm): RequestSignatureAlgorithm {
  const bits = alg.kind === 'ed25519' ? '' : alg.hash.slice(4);
  switch (alg.kind) {
    case 'ecdsa':
      return `ecdsa-with-SHA${bits}` as RequestSignatureAlgorithm;
    case 'rsa-pkcs1':
      return `sha${bits}WithRSAEncryption` as RequestSignatureAlgorithm;
    case 'rsa-pss':
      return `RSASSA-PSS-SHA${bits}` as RequestSignatureAlgorithm;
    default:
      return 'Ed25519';
  }
}

function readExtensions(el: Tlv): CertificateExtension[] {
  const out: CertificateExtension[] = [];
  const seen = new Set<string>();
  for (const ext of children(expect(el, T.sequence, 'Extensions'))) {
    const f = children(expect(ext, T.sequence, 'Extension'));
    const extnId = readOid(f[0], 'extnID');
    let k = 1;
    let critical = false;
    if (f[k]?.tag === T.boolean) {
      critical = readBoolean(f[k++], 'critical');
      if (!critical) throw new DerError('an extension with critical FALSE written out (not DER)');
    }
    const value = content(expect(f[k++], T.octetString, 'extnValue'));
    if (k !== f.length) throw new DerError('an Extension has unexpected fields');
    if (seen.has(extnId)) throw new DerError(`extension ${extnId} is requested twice`);
    seen.add(extnId);
    out.push({ oid: extnId, critical, value: new Uint8Array(value) });
  }
  return out;
}

/**
 * A PKCS#10 certification request. Reading it checks its form only; {@link CertificationRequest.verify}
 * checks the proof of possession, and every CA module checks it again before issuing.
 *
 * @example
 * ```ts
 * import { CertificationRequest } from '@semper/certificates';
 * const request = CertificationRequest.from(readFileSync('alice.csr', 'utf8'));
 * if (!(await request.verify())) throw new Error('not signed with its own key');
 * console.log(request.subject, request.publicKey.type, request.signatureAlgorithm);
 * ```
 */
export class CertificationRequest {
  /** The DER encoding. */
  readonly der: Uint8Array;
  /** The subject as text, e.g. `CN=Alice, O=Example` (RDNs in the order encoded). */
  readonly subject: string;
  /** The DER of the subject Name, exactly as in the request. */
  readonly subjectDer: Uint8Array;
  /** The public key whose certificate is requested. */
  readonly publicKey: PublicKey;
  /** The algorithm the request is signed with. */
  readonly signatureAlgorithm: RequestSignatureAlgorithm;
  /** The extensions requested (PKCS#9 extensionRequest), as found; CA modules decide what they honour. */
  readonly extensions: readonly CertificateExtension[];
  /** Every attribute of the request, the extensionRequest included. */
  readonly attributes: readonly RequestAttribute[];
  /** The signed bytes: the DER of the CertificationRequestInfo. */
  readonly infoDer: Uint8Array;
  readonly #algorithm: SupportedAlgorithm;
  readonly #signature: Uint8Array;
  #verified?: Promise<boolean>;

  private constructor(der: Uint8Array) {
    this.der = der;
    const outer = children(expect(readOne(der, 'CertificationRequest'), T.sequence, 'CertificationRequest'));
    if (outer.length !== 3) throw new DerError('a CertificationRequest has three fields');
    const [infoEl, algEl, sigEl] = outer;
    this.infoDer = bytes(expect(infoEl, T.sequence, 'CertificationRequestInfo'));
    const info = children(infoEl);
    if (info.length < 3 || info.length > 4) throw new DerError('CertificationRequestInfo has four fields');
    if (readUnsigned(info[0], 'version') !== 0n) throw new DerError('version must be v1 (0)');
    this.subjectDer = bytes(expect(info[1], T.sequence, 'subject'));
    parseName(this.subjectDer);
    this.subject = formatName(this.subjectDer);
    const spki = bytes(expect(info[2], T.sequence, 'subjectPKInfo'));
    // The attributes [0] are required by the ASN.1 module; OpenSSL and others accept them left out.
    const attributes: RequestAttribute[] = [];
    let extensions: CertificateExtension[] = [];
    if (info.length === 4) {
      for (const attr of children(expect(info[3], 0xa0, 'attributes'))) {
        const f = children(expect(attr, T.sequence, 'Attribute'));
        if (f.length !== 2) throw new DerError('an Attribute has two fields');
        const type = readOid(f[0], 'attribute type');
        const values = children(expect(f[1], T.set, 'attribute values'));
        if (values.length === 0) throw new DerError(`attribute ${type} has no value`);
        if (attributes.some((a) => a.oid === type)) throw new DerError(`attribute ${type} appears twice`);
        attributes.push({ oid: type, values: values.map((v) => new Uint8Array(bytes(v))) });
        if (type === EXTENSION_REQUEST) {
          if (values.length !== 1) throw new DerError('extensionRequest must have exactly one value');
          extensions = readExtensions(values[0]);
        }
      }
    }
    this.attributes = attributes;
    this.extensions = extensions;
    const algorithm = readSignatureAlgorithm(algEl);
    if (algorithm.kind === 'unsupported') {
      throw new CertificatesError(
        'ERR_CERTIFICATES_UNSUPPORTED_ALGORITHM',
        `the request is signed with ${algorithm.oid}, which semper refuses (SHA-1) or does not know`,
      );
    }
    this.#algorithm = algorithm;
    this.signatureAlgorithm = algorithmName(algorithm);
    this.#signature = readSignatureBits(sigEl, 'signature');
    if (this.#signature.length === 0) throw new DerError('the signature is empty');
    try {
      this.publicKey = PublicKey.fromSpki(spki);
    } catch (err) {
      if (err instanceof CryptoError && err.code === 'ERR_CRYPTO_INVALID_KEY') {
        throw new CertificatesError('ERR_CERTIFICATES_UNSUPPORTED_KEY', `the requested key: ${err.message}`, {
          cause: err,
        });
      }
      throw new CertificatesError('ERR_CERTIFICATES_MALFORMED', 'the requested key does not parse', { cause: err });
    }
  }

  /**
   * Reads a DER certification request. The input is checked for size (64 KiB unless `limits` says
   * otherwise) and nesting before it is parsed, then read strictly as DER.
   *
   * @throws {@link CertificatesError} `ERR_CERTIFICATES_MALFORMED` for anything that is not a well-formed
   * request; `ERR_CERTIFICATES_TOO_LARGE` / `ERR_CERTIFICATES_TOO_DEEP` beyond the guards (crypto's error as
   * `cause`);
   * `ERR_CERTIFICATES_UNSUPPORTED_ALGORITHM` for a SHA-1 or unknown signature algorithm;
   * `ERR_CERTIFICATES_UNSUPPORTED_KEY` for a key semper does not use (RSA under 2048 bits, other curves).
   *
   * @example
   * ```ts
   * import { CertificationRequest } from '@semper/certificates';
   * const request = CertificationRequest.fromDer(readFileSync('alice.csr.der'));
   * ```
   */
  static fromDer(der: Uint8Array, limits?: Asn1Limits): CertificationRequest {
    if (!(der instanceof Uint8Array)) {
      throw new CertificatesError('ERR_CERTIFICATES_INVALID_ARGUMENT', 'a certification request is a Uint8Array');
    }
    try {
      checkAsn1(der, { maxBytes: MAX_REQUEST_BYTES, maxDepth: MAX_REQUEST_DEPTH, ...limits });
    } catch (err) {
      const code =
        err instanceof CryptoError && err.code === 'ERR_CRYPTO_TOO_LARGE'
          ? 'ERR_CERTIFICATES_TOO_LARGE'
          : err instanceof CryptoError && err.code === 'ERR_CRYPTO_TOO_DEEP'
            ? 'ERR_CERTIFICATES_TOO_DEEP'
            : 'ERR_CERTIFICATES_MALFORMED';
      throw new CertificatesError(code, `certification request refused: ${(err as Error).message}`, { cause: err });
    }
    try {
      return new CertificationRequest(new Uint8Array(der));
    } catch (err) {
      if (err instanceof CertificatesError) throw err;
      const why = err instanceof DerError ? `: ${err.message}` : '';
      throw new CertificatesError('ERR_CERTIFICATES_MALFORMED', `malformed certification request${why}`, {
        cause: err,
      });
    }
  }

  /**
   * Reads the first `CERTIFICATE REQUEST` (or `NEW CERTIFICATE REQUEST`) block of a PEM text.
   *
   * @throws {@link CertificatesError} `ERR_CERTIFICATES_MALFORMED` when there is no such block, and as
   * {@link CertificationRequest.fromDer}.
   *
   * @example
   * ```ts
   * import { CertificationRequest } from '@semper/certificates';
   * const request = CertificationRequest.fromPem(readFileSync('alice.csr', 'utf8'));
   * ```
   */
  static fromPem(pem: string, limits?: Asn1Limits): CertificationRequest {
    if (typeof pem !== 'string') {
      throw new CertificatesError('ERR_CERTIFICATES_INVALID_ARGUMENT', 'a PEM request is a string');
    }
    let der: Uint8Array | undefined;
    try {
      der = fromPem(pem).find((b) => b.label === 'CERTIFICATE REQUEST' || b.label === 'NEW CERTIFICATE REQUEST')?.der;
    } catch (err) {
      throw new CertificatesError(
        'ERR_CERTIFICATES_MALFORMED',
        `not a PEM certification request: ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    }
    if (der === undefined) {
      throw new CertificatesError('ERR_CERTIFICATES_MALFORMED', 'no CERTIFICATE REQUEST block in the PEM text');
    }
    return CertificationRequest.fromDer(der, limits);
  }

  /**
   * Reads a request given as a `CertificationRequest`, DER bytes or PEM text.
   *
   * @example
   * ```ts
   * import { CertificationRequest } from '@semper/certificates';
   * const request = CertificationRequest.from(body); // body: Uint8Array (DER) or string (PEM)
   * ```
   */
  static from(input: CertificationRequest | Uint8Array | string, limits?: Asn1Limits): CertificationRequest {
    if (input instanceof CertificationRequest) return input;
    if (typeof input === 'string') return CertificationRequest.fromPem(input, limits);
    return CertificationRequest.fromDer(input, limits);
  }

  /**
   * The PEM form (`-----BEGIN CERTIFICATE REQUEST-----`), as `openssl req` writes it.
   *
   * @example
   * ```ts
   * writeFileSync('alice.csr', request.toPem());
   * ```
   */
  toPem(): string {
    return toPem('CERTIFICATE REQUEST', this.der);
  }

  /**
   * The proof of possession: whether the request's signature verifies with the public key it carries.
   * Memoized. A signature that does not decode is `false`.
   *
   * @throws {@link CertificatesError} `ERR_CERTIFICATES_UNSUPPORTED_ALGORITHM` when the key does not fit the
   * signature algorithm (an RSA key with an ECDSA signature…).
   *
   * @example
   * ```ts
   * if (!(await request.verify())) throw new Error('no proof of possession');
   * ```
   */
  verify(): Promise<boolean> {
    this.#verified ??= verifySignatureValue(this.#algorithm, this.publicKey, this.infoDer, this.#signature).then(
      (ok) => {
        if (ok === 'unsupported') {
          throw new CertificatesError(
            'ERR_CERTIFICATES_UNSUPPORTED_ALGORITHM',
            `a ${this.signatureAlgorithm} signature cannot be made by a ${this.publicKey.type} key`,
          );
        }
        return ok;
      },
    );
    return this.#verified;
  }

  /**
   * The requested extension with this OID, if any.
   *
   * @example
   * ```ts
   * const san = request.extension('2.5.29.17');
   * ```
   */
  extension(oid: string): CertificateExtension | undefined {
    return this.extensions.find((e) => e.oid === oid);
  }
}

/**
 * Reads a request (as {@link CertificationRequest.from}) and checks its proof of possession.
 *
 * @throws {@link CertificatesError} `ERR_CERTIFICATES_POP_FAILED` when the signature does not verify with the
 * request's own key; the errors of {@link CertificationRequest.fromDer} otherwise.
 *
 * @example
 * ```ts
 * import { verifyCertificationRequest } from '@semper/certificates';
 * const request = await verifyCertificationRequest(readFileSync('alice.csr', 'utf8'));
 * ```
 */
export async function verifyCertificationRequest(
  input: CertificationRequest | Uint8Array | string,
  limits?: Asn1Limits,
): Promise<CertificationRequest> {
  const request = CertificationRequest.from(input, limits);
  if (!(await request.verify())) {
    throw new CertificatesError(
      'ERR_CERTIFICATES_POP_FAILED',
      `the certification request of ${request.subject} is not signed with its own key (no proof of possession)`,
    );
  }
  return request;
}

/**
 * Options of {@link createCertificationRequest}.
 *
 * @example
 * ```ts
 * import type { CreateRequestOptions } from '@semper/certificates';
 * declare const keys: { privateKey: import('@semper/crypto').PrivateKey; publicKey: import('@semper/crypto').PublicKey };
 * const options: CreateRequestOptions = { subject: 'CN=Agency 42, O=Hub, C=DE', keys };
 * ```
 */
export interface CreateRequestOptions {
  /** The subject: an RFC 4514 string (`CN=Alice, O=Example`, written in the order given) or the DER of a Name. */
  readonly subject: string | Uint8Array;
  /** The key pair; the public key is derived from the private key when left out. */
  readonly keys: { readonly privateKey: PrivateKey; readonly publicKey?: PublicKey };
  /** Extensions to request (PKCS#9 extensionRequest), e.g. a subjectAltName. */
  readonly extensions?: readonly CertificateExtension[];
  /** Default SHA-256 (SHA-384 for a P-384 key); Ed25519 signs without a separate digest. */
  readonly digest?: DigestName;
}

/**
 * Makes a PKCS#10 request for `keys`, signed with the private key (the proof of possession). `openssl req
 * -verify` accepts it.
 *
 * @throws {@link CertificatesError} `ERR_CERTIFICATES_INVALID_ARGUMENT` for a bad subject or extension;
 * `ERR_CERTIFICATES_UNSUPPORTED_KEY` when the public key does not belong to the private key.
 *
 * @example
 * ```ts
 * import { generateKeyPair } from '@semper/crypto';
 * import { createCertificationRequest } from '@semper/certificates';
 * const keys = await generateKeyPair({ type: 'ec', curve: 'P-256' });
 * const request = await createCertificationRequest({ subject: 'CN=Alice, O=Example', keys });
 * writeFileSync('alice.csr', request.toPem()); // openssl req -in alice.csr -verify -noout
 * ```
 */
export async function createCertificationRequest(options: CreateRequestOptions): Promise<CertificationRequest> {
  const privateKey = options?.keys?.privateKey;
  if (privateKey === undefined || typeof privateKey.cryptoKey !== 'function') {
    throw new CertificatesError(
      'ERR_CERTIFICATES_INVALID_ARGUMENT',
      'createCertificationRequest needs keys.privateKey',
    );
  }
  const publicKey = options.keys.publicKey ?? privateKey.publicKey();
  if (!privateKey.publicKey().equals(publicKey)) {
    throw new CertificatesError(
      'ERR_CERTIFICATES_UNSUPPORTED_KEY',
      'the public key does not belong to the private key',
    );
  }
  const hash: DigestName = options.digest ?? (privateKey.curve === 'P-384' ? 'SHA-384' : 'SHA-256');
  if (hash !== 'SHA-256' && hash !== 'SHA-384' && hash !== 'SHA-512') {
    throw new CertificatesError('ERR_CERTIFICATES_INVALID_ARGUMENT', 'digest must be SHA-256, SHA-384 or SHA-512');
  }
  const subject = subjectNameDer(options.subject, 'subject');
  const attributes: Uint8Array[] = [];
  const extensions = options.extensions ?? [];
  if (extensions.length > 0) {
    const seen = new Set<string>();
    const encoded = extensions.map((e) => {
      if (!(e?.value instanceof Uint8Array)) {
        throw new CertificatesError('ERR_CERTIFICATES_INVALID_ARGUMENT', 'an extension value must be a Uint8Array');
      }
      if (seen.has(e.oid)) {
        throw new CertificatesError('ERR_CERTIFICATES_INVALID_ARGUMENT', `extension ${e.oid} is given twice`);
      }
      seen.add(e.oid);
      return tlv(
        T.sequence,
        oidArgument(e.oid),
        e.critical ? Uint8Array.of(T.boolean, 1, 0xff) : undefined,
        tlv(T.octetString, e.value),
      );
    });
    attributes.push(tlv(T.sequence, oid(EXTENSION_REQUEST), tlv(T.set, tlv(T.sequence, ...encoded))));
  }
  const info = tlv(T.sequence, Uint8Array.of(T.integer, 1, 0), subject, publicKey.toSpki(), tlv(0xa0, ...attributes));
  const algorithm = signatureAlgorithmFor(privateKey, hash);
  const signature = await signValue(privateKey, hash, info);
  return CertificationRequest.fromDer(tlv(T.sequence, info, algorithm, tlv(T.bitString, Uint8Array.of(0), signature)));
}

function oidArgument(dotted: string): Uint8Array {
  try {
    return oid(dotted);
  } catch {
    throw new CertificatesError('ERR_CERTIFICATES_INVALID_ARGUMENT', `not an OID: ${JSON.stringify(String(dotted))}`);
  }
}
