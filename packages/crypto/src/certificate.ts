/**
 * X.509 certificates (RFC 5280): reading, the fields the engine needs, signature checks, and issuing
 * (self-signed identities here; the CA of `@semper/certificates` issues through {@link issueCertificate}).
 *
 * The certificate is read once with the zero-copy BER reader, so that the exact bytes of the TBSCertificate,
 * the issuer and subject Names and the serial number are at hand (for signature checks and
 * IssuerAndSerialNumber matching); extension values are decoded with the `@peculiar/asn1-x509` declarations.
 *
 * @packageDocumentation
 */
import { randomBytes } from 'node:crypto';
import { AsnParser } from '@peculiar/asn1-schema';
import { AuthorityKeyIdentifier, BasicConstraints, SubjectKeyIdentifier } from '@peculiar/asn1-x509';
import { derTime, parseTime } from './asn1-time.js';
import {
  equalBytes,
  copyBytes,
  type BerElement,
  berBytes,
  berChildren,
  berContent,
  berExpect,
  berOid,
  berRead,
  derEncode,
  derInteger,
  derOid,
  derPrimitive,
  derTlv,
  TAG,
} from './cms-structures.js';
import { type Asn1Limits, checkAsn1 } from './der.js';
import { CryptoError, MalformedInputError } from './errors.js';
import { type PrivateKey, PublicKey } from './keys.js';
import { encodeName, formatName } from './name.js';
import { OID } from './oids.js';
import { readPemBlocks, toPem } from './pem.js';
import {
  type DigestName,
  digest,
  parseSignatureAlgorithm,
  type SignatureScheme,
  signatureAlgorithmIdentifier,
  signBytes,
  verifyBytes,
} from './signature.js';

/** Largest certificate accepted (DER). */
const MAX_CERTIFICATE_BYTES = 256 * 1024;

/** How many parsed certificates are kept, least recently used out first. */
const PARSED_CACHE_SIZE = 256;
const parsed = new Map<string, Certificate>();

/**
 * The key usages of RFC 5280 §4.2.1.3, by bit.
 *
 * @example
 * ```ts
 * if (!cert.keyUsage?.includes('digitalSignature')) throw new Error('not a signing certificate');
 * ```
 */
export type KeyUsageName =
  | 'digitalSignature'
  | 'nonRepudiation'
  | 'keyEncipherment'
  | 'dataEncipherment'
  | 'keyAgreement'
  | 'keyCertSign'
  | 'cRLSign'
  | 'encipherOnly'
  | 'decipherOnly';

const KEY_USAGE_BITS: readonly KeyUsageName[] = [
  'digitalSignature',
  'nonRepudiation',
  'keyEncipherment',
  'dataEncipherment',
  'keyAgreement',
  'keyCertSign',
  'cRLSign',
  'encipherOnly',
  'decipherOnly',
];

/**
 * One extension of a certificate, as found.
 *
 * @example
 * ```ts
 * const unknownCritical = cert.extensions.filter((e) => e.critical && !KNOWN.has(e.oid));
 * ```
 */
export interface CertificateExtension {
  readonly oid: string;
  readonly critical: boolean;
  /** The DER of the extension value (the content of extnValue). */
  readonly value: Uint8Array;
}

function malformed(what: string, cause?: unknown): never {
  throw new MalformedInputError(
    'ERR_CRYPTO_MALFORMED',
    `malformed certificate: ${what}`,
    cause ? { cause } : undefined,
  );
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

function nameString(der: Uint8Array, what: string): string {
  try {
    return formatName(der);
  } catch (err) {
    return malformed(what, err);
  }
}

/**
 * An X.509 certificate.
 *
 * @example
 * ```ts
 * import { Certificate } from '@semper/crypto';
 * const [cert] = Certificate.fromPem(readFileSync('alice.pem', 'utf8'));
 * console.log(cert.subject, cert.serialNumber, cert.notAfter.toISOString());
 * ```
 */
export class Certificate {
  /** The DER encoding. */
  readonly der: Uint8Array;
  /** Subject and issuer as RFC 4514 strings, e.g. `CN=Alice, O=Example`. */
  readonly subject: string;
  readonly issuer: string;
  /** The DER of the subject and issuer Names, exactly as in the certificate. */
  readonly subjectDer: Uint8Array;
  readonly issuerDer: Uint8Array;
  /** Serial number in lower-case hex, without a leading 00 sign octet (as `openssl x509 -serial`). */
  readonly serialNumber: string;
  /** The content octets of the serial number INTEGER (for IssuerAndSerialNumber). */
  readonly serialDer: Uint8Array;
  /** 1, 2 or 3. */
  readonly version: number;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly publicKey: PublicKey;
  readonly extensions: readonly CertificateExtension[];
  readonly subjectKeyIdentifier?: Uint8Array;
  readonly authorityKeyIdentifier?: Uint8Array;
  /** basicConstraints: `ca` and, for a CA, the path length constraint; undefined when absent. */
  readonly basicConstraints?: { readonly ca: boolean; readonly pathLength?: number };
  /** keyUsage bits that are set; undefined when the extension is absent (any usage). */
  readonly keyUsage?: readonly KeyUsageName[];
  /** extKeyUsage OIDs; undefined when absent. */
  readonly extendedKeyUsage?: readonly string[];
  /** The TBSCertificate, the signed bytes. */
  readonly tbsDer: Uint8Array;
  readonly signatureScheme: SignatureScheme;
  readonly signatureValue: Uint8Array;
  #issuedBy = new WeakMap<Certificate, Promise<boolean>>();

  private constructor(der: Uint8Array) {
    this.der = der;
    const outer = berChildren(berExpect(berRead(der), TAG.sequence, 'Certificate'));
    if (outer.length !== 3) malformed('Certificate must have three fields');
    const [tbsEl, sigAlgEl, sigEl] = outer;
    this.tbsDer = berBytes(berExpect(tbsEl, TAG.sequence, 'TBSCertificate'));
    const tbs = berChildren(tbsEl);
    let i = 0;
    let version = 1;
    if (tbs[i]?.tag === TAG.context0c) {
      const v = berChildren(tbs[i++]);
      const c = v.length === 1 && v[0].tag === TAG.integer ? berContent(v[0]) : undefined;
      if (c === undefined || c.length !== 1 || c[0] > 2) malformed('version');
      version = (c as Uint8Array)[0] + 1;
    }
    this.version = version;
    const serialEl = berExpect(tbs[i++], TAG.integer, 'serialNumber');
    this.serialDer = berContent(serialEl);
    if (this.serialDer.length === 0 || this.serialDer.length > 21) malformed('serialNumber');
    // As OpenSSL prints it: without the 00 octet that keeps a DER INTEGER positive.
    this.serialNumber = hex(
      this.serialDer.length > 1 && this.serialDer[0] === 0 ? this.serialDer.subarray(1) : this.serialDer,
    );
    const innerAlg = berExpect(tbs[i++], TAG.sequence, 'signature');
    this.issuerDer = berBytes(berExpect(tbs[i++], TAG.sequence, 'issuer'));
    const validity = berChildren(berExpect(tbs[i++], TAG.sequence, 'validity'));
    if (validity.length !== 2) malformed('validity');
    this.notBefore = parseTime(validity[0], 'notBefore');
    this.notAfter = parseTime(validity[1], 'notAfter');
    this.subjectDer = berBytes(berExpect(tbs[i++], TAG.sequence, 'subject'));
    const spki = berExpect(tbs[i++], TAG.sequence, 'subjectPublicKeyInfo');
    // issuerUniqueID [1], subjectUniqueID [2] (IMPLICIT BIT STRING; primitive or constructed)
    while (i < tbs.length && (tbs[i].tag & 0xdf) === 0x81) i++;
    while (i < tbs.length && (tbs[i].tag & 0xdf) === 0x82) i++;
    const extensions: CertificateExtension[] = [];
    if (i < tbs.length && tbs[i].tag === 0xa3) {
      const wrapped = berChildren(tbs[i++]);
      if (wrapped.length !== 1) malformed('extensions');
      const list = berChildren(berExpect(wrapped[0], TAG.sequence, 'extensions'));
      if (list.length === 0) malformed('empty extensions');
      for (const ext of list) extensions.push(readExtension(ext));
    }
    if (i !== tbs.length) malformed('unexpected TBSCertificate fields');
    if (version < 3 && extensions.length > 0) malformed('extensions in a version 1 or 2 certificate');
    const seen = new Set<string>();
    for (const e of extensions) {
      if (seen.has(e.oid)) malformed(`extension ${e.oid} appears twice`);
      seen.add(e.oid);
    }
    this.extensions = extensions;
    if (!equalBytes(berBytes(innerAlg), berBytes(sigAlgEl))) malformed('the two signature algorithms differ');
    this.signatureScheme = parseSignatureAlgorithm(sigAlgEl);
    const bits = berContent(berExpect(sigEl, TAG.bitString, 'signatureValue'));
    if (bits.length < 1 || bits[0] !== 0) malformed('signatureValue');
    this.signatureValue = bits.subarray(1);
    this.publicKey = PublicKey.fromSpki(berBytes(spki));

    for (const e of extensions) {
      if (!KNOWN_EXTENSIONS.has(e.oid)) continue;
      checkAsn1(e.value, { maxDepth: 16 });
      try {
        if (e.oid === OID.subjectKeyIdentifier) {
          this.subjectKeyIdentifier = new Uint8Array(AsnParser.parse(e.value, SubjectKeyIdentifier).buffer);
        } else if (e.oid === OID.authorityKeyIdentifier) {
          const aki = AsnParser.parse(e.value, AuthorityKeyIdentifier);
          if (aki.keyIdentifier) this.authorityKeyIdentifier = new Uint8Array(aki.keyIdentifier.buffer);
        } else if (e.oid === OID.basicConstraints) {
          const bc = AsnParser.parse(e.value, BasicConstraints);
          this.basicConstraints = { ca: bc.cA === true, pathLength: bc.pathLenConstraint };
        } else if (e.oid === OID.keyUsage) {
          this.keyUsage = readKeyUsage(e.value);
        } else if (e.oid === OID.extKeyUsage) {
          // Our own OID reader: asn1js prints an arc above 2^53 (a 2.25.<uuid> purpose) in hex.
          const purposes = berChildren(berExpect(berRead(e.value), TAG.sequence, 'extKeyUsage'));
          if (purposes.length === 0) malformed('extKeyUsage is empty');
          this.extendedKeyUsage = purposes.map((p) => berOid(p, 'KeyPurposeId'));
        }
      } catch (err) {
        if (err instanceof CryptoError) throw err;
        malformed(`extension ${e.oid}`, err);
      }
    }
    this.subject = nameString(this.subjectDer, 'subject');
    this.issuer = nameString(this.issuerDer, 'issuer');
  }

  /**
   * Reads a DER certificate.
   *
   * @throws {@link MalformedInputError} for anything that is not a well-formed X.509 certificate;
   * {@link CryptoError} `ERR_CRYPTO_INVALID_KEY` or `ERR_CRYPTO_UNSUPPORTED_ALGORITHM` for a key or
   * signature algorithm semper does not use.
   *
   * @example
   * ```ts
   * const cert = Certificate.fromDer(readFileSync('alice.der'));
   * ```
   */
  static fromDer(der: Uint8Array, limits?: Asn1Limits): Certificate {
    if (!(der instanceof Uint8Array)) throw new CryptoError('ERR_CRYPTO_INVALID_ARGUMENT', 'der must be a Uint8Array');
    // Certificates are immutable: the same DER read again (every message carries its signer's) gives the same
    // object, with its parsed key, WebCrypto keys and signature checks already done.
    const key =
      limits === undefined && der.length <= MAX_CERTIFICATE_BYTES
        ? Buffer.from(der.buffer, der.byteOffset, der.length).toString('base64')
        : undefined;
    if (key !== undefined) {
      const cached = parsed.get(key);
      if (cached !== undefined) {
        parsed.delete(key);
        parsed.set(key, cached); // most recently used last
        return cached;
      }
    }
    checkAsn1(der, { maxBytes: MAX_CERTIFICATE_BYTES, maxDepth: 32, ...limits });
    let cert: Certificate;
    try {
      cert = new Certificate(copyBytes(der));
    } catch (err) {
      if (err instanceof CryptoError) throw err;
      return malformed('does not parse', err);
    }
    if (key !== undefined) {
      parsed.set(key, cert);
      if (parsed.size > PARSED_CACHE_SIZE) parsed.delete(parsed.keys().next().value as string);
    }
    return cert;
  }

  /**
   * Reads every `CERTIFICATE` block of a PEM text, in order (none: an empty array).
   *
   * @throws {@link MalformedInputError} when the text holds no PEM block at all, or a block is malformed.
   *
   * @example
   * ```ts
   * const [leaf, ...intermediates] = Certificate.fromPem(readFileSync('chain.pem', 'utf8'));
   * ```
   */
  static fromPem(pem: string): Certificate[] {
    const blocks = readPemBlocks(pem);
    if (blocks.length === 0) throw new MalformedInputError('ERR_CRYPTO_MALFORMED', 'no PEM block found');
    return blocks.filter((b) => b.label === 'CERTIFICATE').map((b) => Certificate.fromDer(b.der));
  }

  /**
   * The PEM form (`-----BEGIN CERTIFICATE-----`).
   *
   * @example
   * ```ts
   * writeFileSync('alice.pem', cert.toPem());
   * ```
   */
  toPem(): string {
    return toPem('CERTIFICATE', this.der);
  }

  /**
   * Whether `other` is the same certificate (the same DER).
   *
   * @example
   * ```ts
   * if (signer.equals(anchor)) console.log('signed by the anchor itself');
   * ```
   */
  equals(other: Certificate): boolean {
    return this === other || (other instanceof Certificate && equalBytes(this.der, other.der));
  }

  /**
   * Whether subject and issuer are the same Name (byte for byte).
   *
   * @example
   * ```ts
   * if (cert.isSelfIssued) console.log('a root or a self-signed identity');
   * ```
   */
  get isSelfIssued(): boolean {
    return equalBytes(this.subjectDer, this.issuerDer);
  }

  /**
   * Whether the validity period contains `at`.
   *
   * @example
   * ```ts
   * if (!cert.isValidAt(new Date())) console.log('expired or not yet valid');
   * ```
   */
  isValidAt(at: Date): boolean {
    const t = at.getTime();
    return t >= this.notBefore.getTime() && t <= this.notAfter.getTime();
  }

  /**
   * Whether this certificate's signature verifies with `key`.
   *
   * @throws {@link CryptoError} `ERR_CRYPTO_UNSUPPORTED_ALGORITHM` when the key does not fit the algorithm.
   *
   * @example
   * ```ts
   * const ok = await leaf.verifySignature(ca.publicKey);
   * ```
   */
  verifySignature(key: PublicKey): Promise<boolean> {
    return verifyBytes(key, this.signatureScheme, undefined, this.tbsDer, this.signatureValue);
  }

  /**
   * Whether `issuer` issued this certificate: its subject is this certificate's issuer Name (byte for
   * byte), the key identifiers do not contradict, and the signature verifies with its key. Memoized.
   *
   * @example
   * ```ts
   * if (await leaf.isIssuedBy(ca)) console.log('signed by', ca.subject);
   * ```
   */
  isIssuedBy(issuer: Certificate): Promise<boolean> {
    let p = this.#issuedBy.get(issuer);
    if (p === undefined) {
      p = this.#checkIssuedBy(issuer);
      this.#issuedBy.set(issuer, p);
    }
    return p;
  }

  async #checkIssuedBy(issuer: Certificate): Promise<boolean> {
    if (!equalBytes(this.issuerDer, issuer.subjectDer)) return false;
    if (
      this.authorityKeyIdentifier !== undefined &&
      issuer.subjectKeyIdentifier !== undefined &&
      !equalBytes(this.authorityKeyIdentifier, issuer.subjectKeyIdentifier)
    ) {
      return false;
    }
    try {
      return await this.verifySignature(issuer.publicKey);
    } catch {
      return false;
    }
  }

  /**
   * The SHA-256 fingerprint in lower-case hex.
   *
   * @example
   * ```ts
   * console.log(await cert.fingerprint()); // as `openssl x509 -noout -fingerprint -sha256` (without colons)
   * ```
   */
  async fingerprint(): Promise<string> {
    return hex(await digest('SHA-256', this.der));
  }
}

const KNOWN_EXTENSIONS = new Set<string>([
  OID.subjectKeyIdentifier,
  OID.authorityKeyIdentifier,
  OID.basicConstraints,
  OID.keyUsage,
  OID.extKeyUsage,
]);

function readExtension(el: BerElement): CertificateExtension {
  const f = berChildren(berExpect(el, TAG.sequence, 'Extension'));
  const oid = berOid(f[0], 'extnID');
  let critical = false;
  let k = 1;
  if (f[k]?.tag === 0x01) {
    const c = berContent(f[k++]);
    if (c.length !== 1 || (c[0] !== 0 && c[0] !== 0xff)) malformed('critical');
    critical = c[0] === 0xff;
    if (!critical) malformed('critical FALSE must be omitted (DER)');
  }
  const value = berContent(berExpect(f[k++], TAG.octetString, 'extnValue'));
  if (k !== f.length) malformed('Extension');
  return { oid, critical, value };
}

function readKeyUsage(value: Uint8Array): KeyUsageName[] {
  const el = berRead(value);
  if (el.tag !== TAG.bitString || el.end !== value.length) malformed('keyUsage');
  const c = berContent(el);
  if (c.length < 1 || c[0] > 7 || (c.length === 1 && c[0] !== 0)) malformed('keyUsage');
  const out: KeyUsageName[] = [];
  for (let bit = 0; bit < KEY_USAGE_BITS.length; bit++) {
    const byte = 1 + (bit >> 3);
    if (byte < c.length && c[byte] & (0x80 >> (bit & 7))) out.push(KEY_USAGE_BITS[bit]);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Issuing
// ---------------------------------------------------------------------------------------------------------

/**
 * What {@link issueCertificate} writes.
 *
 * @example
 * ```ts
 * const o: CertificateTemplate = { subject: 'CN=Agency 42, O=Hub', publicKey, notAfter, keyUsage: ['digitalSignature'] };
 * ```
 */
export interface CertificateTemplate {
  /** RFC 4514 string (`CN=Alice, O=Example`) or the DER of a Name. */
  readonly subject: string | Uint8Array;
  readonly publicKey: PublicKey;
  /** Default: 128 random bits (a positive INTEGER of up to 17 octets, as RFC 5280 asks). Hex string or content octets. */
  readonly serialNumber?: string | Uint8Array;
  /** Default: now, minus one minute of clock skew. */
  readonly notBefore?: Date;
  /** Default: notBefore + 365 days. */
  readonly notAfter?: Date;
  /** basicConstraints, always critical; omitted when undefined. */
  readonly basicConstraints?: { readonly ca: boolean; readonly pathLength?: number };
  /** keyUsage, always critical; omitted when undefined. */
  readonly keyUsage?: readonly KeyUsageName[];
  /** extKeyUsage OIDs; omitted when undefined. */
  readonly extendedKeyUsage?: readonly string[];
  /** Mark extKeyUsage critical (RFC 3161 time-stamping certificates must); default false. */
  readonly extendedKeyUsageCritical?: boolean;
  /** Further extensions, written as given, after the standard ones. */
  readonly extensions?: readonly CertificateExtension[];
  /** Default SHA-256 (Ed25519 signs without a separate digest). */
  readonly digest?: DigestName;
}

/**
 * Who signs a certificate: its key, and its certificate (absent for a self-signed one).
 *
 * @example
 * ```ts
 * const issuer: CertificateIssuer = { privateKey: ca.privateKey, certificate: ca.certificate };
 * ```
 */
export interface CertificateIssuer {
  readonly privateKey: PrivateKey;
  readonly certificate?: Certificate;
}

function extension(oid: string, critical: boolean, value: Uint8Array): Uint8Array {
  return derEncode(
    derTlv(
      TAG.sequence,
      derOid(oid),
      critical ? Uint8Array.of(0x01, 1, 0xff) : undefined,
      derPrimitive(TAG.octetString, value),
    ),
  );
}

function keyUsageValue(usages: readonly KeyUsageName[]): Uint8Array {
  let bits = 0;
  for (const u of usages) {
    const i = KEY_USAGE_BITS.indexOf(u);
    if (i < 0) throw new CryptoError('ERR_CRYPTO_INVALID_ARGUMENT', `unknown key usage ${String(u)}`);
    bits |= 1 << i;
  }
  if (bits === 0) throw new CryptoError('ERR_CRYPTO_INVALID_ARGUMENT', 'keyUsage needs at least one usage');
  // DER: no trailing zero bits; bit 0 is the most significant bit of the first byte.
  let highest = 0;
  for (let i = 0; i < 9; i++) if (bits & (1 << i)) highest = i;
  const bytes = highest >= 8 ? 2 : 1;
  const out = new Uint8Array(1 + bytes);
  for (let i = 0; i <= highest; i++) if (bits & (1 << i)) out[1 + (i >> 3)] |= 0x80 >> (i & 7);
  out[0] = bytes * 8 - 1 - highest;
  return derEncode(derPrimitive(TAG.bitString, out));
}

function basicConstraintsValue(bc: { ca: boolean; pathLength?: number }): Uint8Array {
  if (bc.pathLength !== undefined && (!bc.ca || !Number.isSafeInteger(bc.pathLength) || bc.pathLength < 0)) {
    throw new CryptoError('ERR_CRYPTO_INVALID_ARGUMENT', 'pathLength needs ca: true and a non-negative integer');
  }
  return derEncode(
    derTlv(
      TAG.sequence,
      bc.ca ? Uint8Array.of(0x01, 1, 0xff) : undefined,
      bc.pathLength === undefined ? undefined : derInteger(bc.pathLength),
    ),
  );
}

/** RFC 5280 §4.2.1.2 method 1: the SHA-1 of the subjectPublicKey BIT STRING's value (an identifier, not a MAC). */
async function keyIdentifier(key: PublicKey): Promise<Uint8Array> {
  const spki = berChildren(berRead(key.toSpki()));
  const bits = berContent(berExpect(spki[1], TAG.bitString, 'subjectPublicKey'));
  return digest('SHA-1', bits.subarray(1));
}

function serialOctets(serial: string | Uint8Array | undefined): Uint8Array {
  let s: Uint8Array;
  if (serial === undefined) {
    // 16 octets, always: the first bit clear (a positive INTEGER without a 00 octet in front) and the second
    // set (no leading zero octet to strip), so 126 random bits and the same length on every certificate.
    s = new Uint8Array(randomBytes(16));
    s[0] = (s[0] & 0x3f) | 0x40;
  } else if (typeof serial === 'string') {
    if (!/^[0-9a-fA-F]{1,40}$/.test(serial))
      throw new CryptoError('ERR_CRYPTO_INVALID_ARGUMENT', 'serialNumber must be hex');
    s = new Uint8Array(Buffer.from(serial.length % 2 ? `0${serial}` : serial, 'hex'));
  } else if (serial instanceof Uint8Array && serial.length > 0) {
    s = copyBytes(serial);
  } else {
    throw new CryptoError('ERR_CRYPTO_INVALID_ARGUMENT', 'serialNumber must be a hex string or non-empty bytes');
  }
  // A positive, minimal INTEGER.
  let i = 0;
  while (i < s.length - 1 && s[i] === 0 && (s[i + 1] & 0x80) === 0) i++;
  s = s.subarray(i);
  if (s[0] & 0x80) {
    const p = new Uint8Array(s.length + 1);
    p.set(s, 1);
    s = p;
  }
  if (s.length > 20 || (s.length === 1 && s[0] === 0)) {
    throw new CryptoError('ERR_CRYPTO_INVALID_ARGUMENT', 'serialNumber must be positive and at most 20 octets');
  }
  return s;
}

function nameDer(name: string | Uint8Array): Uint8Array {
  if (typeof name === 'string') return encodeName(name);
  try {
    checkAsn1(name, { maxBytes: 64 * 1024, maxDepth: 16 });
    formatName(name); // a well-formed Name
    return copyBytes(name);
  } catch (err) {
    throw new CryptoError('ERR_CRYPTO_INVALID_ARGUMENT', 'not the DER of a Name', { cause: err });
  }
}

/**
 * Issues an X.509 v3 certificate for `template.publicKey`, signed by `issuer` (self-signed when
 * `issuer.certificate` is absent: then the issuer Name is the subject). Writes subjectKeyIdentifier and, when
 * the issuer has one (or for self-signed certificates), authorityKeyIdentifier.
 *
 * @throws {@link CryptoError} `ERR_CRYPTO_INVALID_ARGUMENT` for a bad template, `ERR_CRYPTO_INVALID_KEY` for a
 * key that cannot sign.
 *
 * @example
 * ```ts
 * import { generateKeyPair, issueCertificate } from '@semper/crypto';
 * const { publicKey } = await generateKeyPair({ type: 'ec', curve: 'P-256' });
 * const cert = await issueCertificate(
 *   { subject: 'CN=Agency 42', publicKey, keyUsage: ['digitalSignature'], basicConstraints: { ca: false } },
 *   { privateKey: ca.privateKey, certificate: ca.certificate },
 * );
 * ```
 */
export async function issueCertificate(template: CertificateTemplate, issuer: CertificateIssuer): Promise<Certificate> {
  if (!(template?.publicKey instanceof PublicKey)) {
    throw new CryptoError('ERR_CRYPTO_INVALID_ARGUMENT', 'template.publicKey must be a PublicKey');
  }
  if (issuer === undefined || typeof issuer.privateKey?.cryptoKey !== 'function') {
    throw new CryptoError('ERR_CRYPTO_INVALID_ARGUMENT', 'issuer.privateKey must be a PrivateKey');
  }
  const digestName = template.digest ?? 'SHA-256';
  const signer = issuer.privateKey;
  const ski = await keyIdentifier(template.publicKey);
  let tbs: Uint8Array;
  let algorithm: Uint8Array;
  try {
    algorithm = signatureAlgorithmIdentifier(signer, digestName, 'x509');
    tbs = buildTbs(template, issuer, ski, algorithm);
  } catch (err) {
    // Every template problem (a bad name, OID, serial, date) is the caller's: an argument error, never raw.
    if (err instanceof CryptoError) throw err;
    throw new CryptoError('ERR_CRYPTO_INVALID_ARGUMENT', `bad certificate template: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const signature = await signBytes(signer, digestName, tbs);
  const bits = new Uint8Array(signature.length + 1);
  bits.set(signature, 1);
  return Certificate.fromDer(derEncode(derTlv(TAG.sequence, tbs, algorithm, derPrimitive(TAG.bitString, bits))));
}

function validDate(d: unknown, what: string): Date {
  if (!(d instanceof Date) || Number.isNaN(d.getTime())) {
    throw new CryptoError('ERR_CRYPTO_INVALID_ARGUMENT', `${what} must be a valid Date`);
  }
  return d;
}

function buildTbs(
  template: CertificateTemplate,
  issuer: CertificateIssuer,
  ski: Uint8Array,
  algorithm: Uint8Array,
): Uint8Array {
  const subject = nameDer(template.subject);
  const issuerName = issuer.certificate ? issuer.certificate.subjectDer : subject;
  const notBefore = validDate(
    template.notBefore ?? new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000),
    'notBefore',
  );
  const notAfter = validDate(template.notAfter ?? new Date(notBefore.getTime() + 365 * 86_400_000), 'notAfter');
  if (!(notAfter.getTime() > notBefore.getTime())) {
    throw new CryptoError('ERR_CRYPTO_INVALID_ARGUMENT', 'notAfter must be after notBefore');
  }
  const akid = issuer.certificate ? issuer.certificate.subjectKeyIdentifier : ski;
  const exts: Uint8Array[] = [];
  if (template.basicConstraints) {
    exts.push(extension(OID.basicConstraints, true, basicConstraintsValue(template.basicConstraints)));
  }
  if (template.keyUsage) exts.push(extension(OID.keyUsage, true, keyUsageValue(template.keyUsage)));
  if (template.extendedKeyUsage) {
    if (template.extendedKeyUsage.length === 0) {
      throw new CryptoError('ERR_CRYPTO_INVALID_ARGUMENT', 'extendedKeyUsage needs at least one purpose');
    }
    exts.push(
      extension(
        OID.extKeyUsage,
        template.extendedKeyUsageCritical === true,
        derEncode(derTlv(TAG.sequence, ...template.extendedKeyUsage.map(oidArgument))),
      ),
    );
  }
  exts.push(extension(OID.subjectKeyIdentifier, false, derEncode(derPrimitive(TAG.octetString, ski))));
  if (akid !== undefined) {
    exts.push(extension(OID.authorityKeyIdentifier, false, derEncode(derTlv(TAG.sequence, derPrimitive(0x80, akid)))));
  }
  for (const e of template.extensions ?? []) {
    if (!(e?.value instanceof Uint8Array))
      throw new CryptoError('ERR_CRYPTO_INVALID_ARGUMENT', 'an extension value must be a Uint8Array');
    oidArgument(e.oid);
    exts.push(extension(e.oid, e.critical === true, e.value));
  }
  return derEncode(
    derTlv(
      TAG.sequence,
      derTlv(TAG.context0c, derInteger(2)),
      derPrimitive(TAG.integer, serialOctets(template.serialNumber)),
      algorithm,
      issuerName,
      derTlv(TAG.sequence, derTime(notBefore), derTime(notAfter)),
      subject,
      template.publicKey.toSpki(),
      derTlv(0xa3, derTlv(TAG.sequence, ...exts)),
    ),
  );
}

/** The DER of a caller's OID (dotted), or an argument error naming it. */
function oidArgument(oid: string): Uint8Array {
  try {
    return derOid(oid);
  } catch {
    throw new CryptoError('ERR_CRYPTO_INVALID_ARGUMENT', `not an OID: ${JSON.stringify(oid)}`);
  }
}

/**
 * Options of {@link createSelfSignedCertificate}.
 *
 * @example
 * ```ts
 * const o: SelfSignedOptions = { subject: 'CN=Test Root', keys, ca: true };
 * ```
 */
export interface SelfSignedOptions {
  readonly subject: string;
  readonly keys: { readonly privateKey: PrivateKey; readonly publicKey: PublicKey };
  readonly notBefore?: Date;
  readonly notAfter?: Date;
  /** A CA (keyCertSign, cRLSign) instead of an end entity. */
  readonly ca?: boolean;
}

/**
 * A self-signed certificate: for a CA (`ca: true`: basicConstraints CA, keyCertSign and cRLSign), or for an
 * end-entity identity that others trust directly (basicConstraints CA:FALSE; digitalSignature and
 * nonRepudiation, plus keyEncipherment for RSA or keyAgreement for EC, so that it both signs and receives).
 *
 * @example
 * ```ts
 * import { createSelfSignedCertificate, generateKeyPair } from '@semper/crypto';
 * const keys = await generateKeyPair({ type: 'ec', curve: 'P-256' });
 * const cert = await createSelfSignedCertificate({ subject: 'CN=Alice', keys });
 * ```
 */
export function createSelfSignedCertificate(o: SelfSignedOptions): Promise<Certificate> {
  const type = o.keys.publicKey.type;
  const keyUsage: KeyUsageName[] = o.ca
    ? ['digitalSignature', 'keyCertSign', 'cRLSign']
    : [
        'digitalSignature',
        'nonRepudiation',
        ...(type === 'rsa' ? ['keyEncipherment' as const] : []),
        ...(type === 'ec' ? ['keyAgreement' as const] : []),
      ];
  return issueCertificate(
    {
      subject: o.subject,
      publicKey: o.keys.publicKey,
      notBefore: o.notBefore,
      notAfter: o.notAfter,
      basicConstraints: { ca: o.ca === true },
      keyUsage,
    },
    { privateKey: o.keys.privateKey },
  );
}
