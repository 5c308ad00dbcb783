/**
 * X.509 certificate revocation lists (RFC 5280 §5): reading them (`CertificateRevocationList.fromDer` and
 * `fromPem`), checking their signatures, looking serial numbers up, and issuing them (`issueCrl`) in the
 * form `openssl crl` reads and `openssl verify -crl_check` uses.
 *
 * Read: version 1 and 2; issuer, thisUpdate, nextUpdate; revoked entries with serial number, revocation
 * date and the reasonCode, invalidityDate and certificateIssuer entry extensions; the CRL extensions
 * authorityKeyIdentifier, issuerAltName, cRLNumber, deltaCRLIndicator, issuingDistributionPoint,
 * freshestCRL and authorityInfoAccess. A critical extension (of the CRL or of an entry) that is not one of
 * those is refused (`ERR_CERTIFICATES_UNSUPPORTED_CRITICAL_EXTENSION`), as §5.2 requires. Input is checked
 * for size and nesting (`checkAsn1`) before anything reads it, and every defect is a
 * {@link CertificatesError}, never a raw error.
 *
 * @packageDocumentation
 */
import {
  type Asn1Limits,
  type Certificate,
  CryptoError,
  checkAsn1,
  type DigestName,
  fromPem,
  type PrivateKey,
  PublicKey,
  toPem,
} from '@semper/crypto';
import { CertificatesError } from './errors.js';
import {
  bytes,
  children,
  content,
  DerError,
  equalBytes,
  expect,
  integer,
  oid,
  readBoolean,
  readIntegerBytes,
  readOid,
  readOne,
  readTime,
  readTlv,
  readUnsigned,
  T,
  type Tlv,
  time,
  tlv,
  toHex,
} from './validation/der.js';
import { type DistributionPoint, readDistributionPointName, readReasonFlags } from './validation/extensions.js';
import { formatName, type GeneralName, readGeneralNames } from './validation/names.js';
import {
  readSignatureAlgorithm,
  readSignatureBits,
  type SignatureAlgorithm,
  signatureAlgorithmFor,
  signValue,
  verifySignatureValue,
} from './validation/signature.js';

/**
 * The revocation reasons of RFC 5280 §5.3.1 (CRLReason).
 *
 * @example
 * ```ts
 * const reason: RevocationReason = 'keyCompromise';
 * ```
 */
export type RevocationReason =
  | 'unspecified'
  | 'keyCompromise'
  | 'cACompromise'
  | 'affiliationChanged'
  | 'superseded'
  | 'cessationOfOperation'
  | 'certificateHold'
  | 'removeFromCRL'
  | 'privilegeWithdrawn'
  | 'aACompromise';

/** CRLReason codes (7 is not used). */
const REASON_CODES: readonly (RevocationReason | undefined)[] = [
  'unspecified',
  'keyCompromise',
  'cACompromise',
  'affiliationChanged',
  'superseded',
  'cessationOfOperation',
  'certificateHold',
  undefined,
  'removeFromCRL',
  'privilegeWithdrawn',
  'aACompromise',
];

/** ReasonFlags bits (RFC 5280 §4.2.1.13), bit 0 unused. */
const REASON_FLAG_BITS: readonly (RevocationReason | undefined)[] = [
  undefined,
  'keyCompromise',
  'cACompromise',
  'affiliationChanged',
  'superseded',
  'cessationOfOperation',
  'certificateHold',
  'privilegeWithdrawn',
  'aACompromise',
];

/**
 * Every ReasonFlags bit (1–8): what a CRL without onlySomeReasons covers.
 * @example
 * ```ts
 * const complete = (crlInternals(crl).reasons & ALL_REASONS) === ALL_REASONS;
 * ```
 * @internal
 */
export const ALL_REASONS = 0x1fe;

/**
 * One extension of a CRL or of a CRL entry, as found.
 *
 * @example
 * ```ts
 * for (const e of crl.extensions) console.log(e.oid, e.critical);
 * ```
 */
export interface CrlExtension {
  readonly oid: string;
  readonly critical: boolean;
  /** The DER of the extension value (the content of extnValue). */
  readonly value: Uint8Array;
}

/**
 * A revoked certificate listed by a CRL.
 *
 * @example
 * ```ts
 * const entry = crl.entry(cert.serialDer);
 * if (entry) console.log(entry.serialNumber, entry.revocationDate, entry.reason ?? 'no reason given');
 * ```
 */
export interface RevokedCertificate {
  /** Serial number in lower-case hex without a leading 00 octet (as `Certificate.serialNumber`). */
  readonly serialNumber: string;
  /** The content octets of the serial number INTEGER. */
  readonly serialDer: Uint8Array;
  readonly revocationDate: Date;
  /** The reasonCode entry extension; undefined when absent (which means unspecified). */
  readonly reason?: RevocationReason;
  /** The invalidityDate entry extension. */
  readonly invalidityDate?: Date;
  /** The certificateIssuer entry extension (indirect CRLs), as text. */
  readonly certificateIssuer?: readonly string[];
  readonly extensions: readonly CrlExtension[];
}

/**
 * The issuingDistributionPoint CRL extension (RFC 5280 §5.2.5): the scope of a CRL.
 *
 * @example
 * ```ts
 * const idp = crl.issuingDistributionPoint;
 * if (idp?.onlyContainsCACerts) console.log('an authority revocation list');
 * ```
 */
export interface IssuingDistributionPoint {
  /** The distribution point's full name as text (URIs, DNS names, RFC 4514 directory names, …). */
  readonly fullName?: readonly string[];
  /** Whether the name is given relative to the CRL issuer (nameRelativeToCRLIssuer). */
  readonly relativeName: boolean;
  readonly onlyContainsUserCerts: boolean;
  readonly onlyContainsCACerts: boolean;
  /** The reasons this CRL covers; undefined when it covers all. */
  readonly onlySomeReasons?: readonly RevocationReason[];
  readonly indirectCrl: boolean;
  readonly onlyContainsAttributeCerts: boolean;
}

/**
 * What path validation needs from a CRL besides its public fields.
 * @example
 * ```ts
 * const { signatureAlgorithm, reasons } = crlInternals(crl);
 * ```
 * @internal
 */
export interface CrlInternals {
  readonly signatureAlgorithm: SignatureAlgorithm;
  /** Whether cRLNumber is marked critical (RFC 5280 §5.2.3: it MUST NOT be). */
  readonly crlNumberCritical: boolean;
  readonly distributionPoint?: Pick<DistributionPoint, 'fullName' | 'relativeName'>;
  /** onlySomeReasons as ReasonFlags bits; ALL_REASONS when absent. */
  readonly reasons: number;
  readonly byserial: ReadonlyMap<string, RevokedCertificate>;
}

const internals = new WeakMap<CertificateRevocationList, CrlInternals>();

/**
 * The internals of a CRL read by this module.
 * @example
 * ```ts
 * if (crlInternals(crl).crlNumberCritical) console.log('a critical cRLNumber');
 * ```
 * @internal
 */
export function crlInternals(crl: CertificateRevocationList): CrlInternals {
  const i = internals.get(crl);
  if (i === undefined)
    throw new CertificatesError('ERR_CERTIFICATES_INVALID_ARGUMENT', 'not a CertificateRevocationList');
  return i;
}

const OIDS = Object.freeze({
  authorityKeyIdentifier: '2.5.29.35',
  issuerAltName: '2.5.29.18',
  crlNumber: '2.5.29.20',
  deltaCrlIndicator: '2.5.29.27',
  issuingDistributionPoint: '2.5.29.28',
  freshestCrl: '2.5.29.46',
  authorityInfoAccess: '1.3.6.1.5.5.7.1.1',
  reasonCode: '2.5.29.21',
  holdInstructionCode: '2.5.29.23',
  invalidityDate: '2.5.29.24',
  certificateIssuer: '2.5.29.29',
});
const CRL_EXTENSIONS = new Set<string>([
  OIDS.authorityKeyIdentifier,
  OIDS.issuerAltName,
  OIDS.crlNumber,
  OIDS.deltaCrlIndicator,
  OIDS.issuingDistributionPoint,
  OIDS.freshestCrl,
  OIDS.authorityInfoAccess,
]);
const ENTRY_EXTENSIONS = new Set<string>([
  OIDS.reasonCode,
  OIDS.holdInstructionCode,
  OIDS.invalidityDate,
  OIDS.certificateIssuer,
]);

/** Largest CRL read by default (DER). */
const MAX_CRL_BYTES = 64 * 1024 * 1024;

function malformed(what: string, cause?: unknown): never {
  throw new CertificatesError('ERR_CERTIFICATES_MALFORMED', `malformed CRL: ${what}`, cause ? { cause } : undefined);
}

/** The key under which a serial number is looked up: lower-case hex without a leading 00 octet. */
function serialKey(serial: Uint8Array | string): string {
  if (typeof serial === 'string') {
    let s = serial.toLowerCase();
    if (s.length % 2) s = `0${s}`;
    while (s.length > 2 && s.startsWith('00')) s = s.slice(2);
    return s;
  }
  return toHex(serial.length > 1 && serial[0] === 0 ? serial.subarray(1) : serial);
}

/**
 * Text for a GeneralName: the string forms as they are, an IP address dotted (IPv4) or as hex groups,
 * a directoryName in RFC 4514 form, other forms as the hex of their DER.
 *
 * @example
 * ```ts
 * generalNameText(readGeneralName(readTlv(uriElement))); // 'http://crl.example/ca.crl'
 * ```
 * @internal
 */
export function generalNameText(g: GeneralName): string {
  switch (g.type) {
    case 'dNSName':
    case 'rfc822Name':
    case 'uniformResourceIdentifier':
      return g.value;
    case 'iPAddress':
      return g.bytes.length === 4 ? [...g.bytes].join('.') : (toHex(g.bytes).match(/.{1,4}/g) ?? []).join(':');
    case 'directoryName':
      return formatName(g.name);
    default:
      return `${g.type}:${toHex(g.der)}`;
  }
}

function readExtensions(el: Tlv, what: string): CrlExtension[] {
  const list = children(expect(el, T.sequence, what));
  if (list.length === 0) throw new DerError(`${what} is empty`);
  const seen = new Set<string>();
  return list.map((x) => {
    const f = children(expect(x, T.sequence, 'Extension'));
    const extOid = readOid(f[0], 'extnID');
    let k = 1;
    let critical = false;
    if (f[k]?.tag === T.boolean) {
      critical = readBoolean(f[k++], 'critical');
      if (!critical) throw new DerError('critical FALSE must be omitted (DER)');
    }
    const value = content(expect(f[k++], T.octetString, 'extnValue'));
    if (k !== f.length) throw new DerError('malformed Extension');
    if (seen.has(extOid)) throw new DerError(`extension ${extOid} appears twice`);
    seen.add(extOid);
    return { oid: extOid, critical, value };
  });
}

function unsupportedCritical(where: string, extOid: string): never {
  throw new CertificatesError(
    'ERR_CERTIFICATES_UNSUPPORTED_CRITICAL_EXTENSION',
    `the CRL has a critical ${where} extension semper does not process: ${extOid}`,
  );
}

/**
 * An X.509 v2 (or v1) certificate revocation list.
 *
 * @example
 * ```ts
 * import { CertificateRevocationList } from '@semper/certificates';
 * const [crl] = CertificateRevocationList.fromPem(readFileSync('ca.crl.pem', 'utf8'));
 * if (await crl.verifySignature(caCertificate)) console.log(crl.issuer, crl.entries.length, 'revoked');
 * ```
 */
export class CertificateRevocationList {
  /** The DER encoding. */
  readonly der: Uint8Array;
  /** The TBSCertList: the signed bytes. */
  readonly tbsDer: Uint8Array;
  /** 1 or 2. */
  readonly version: 1 | 2;
  /** The issuer as RFC 4514 text, in the order of `Certificate.issuer`. */
  readonly issuer: string;
  /** The DER of the issuer Name, exactly as in the CRL. */
  readonly issuerDer: Uint8Array;
  readonly thisUpdate: Date;
  readonly nextUpdate?: Date;
  readonly entries: readonly RevokedCertificate[];
  readonly extensions: readonly CrlExtension[];
  /** The cRLNumber extension. */
  readonly crlNumber?: bigint;
  /** The deltaCRLIndicator extension: the number of the base CRL this delta CRL updates. */
  readonly deltaCrlIndicator?: bigint;
  /** The keyIdentifier of the authorityKeyIdentifier extension. */
  readonly authorityKeyIdentifier?: Uint8Array;
  readonly issuingDistributionPoint?: IssuingDistributionPoint;
  /** The OID of the signature algorithm. */
  readonly signatureAlgorithm: string;
  readonly signatureValue: Uint8Array;

  private constructor(der: Uint8Array) {
    this.der = der;
    const outer = children(expect(readOne(der, 'CertificateList'), T.sequence, 'CertificateList'));
    if (outer.length !== 3) throw new DerError('a CertificateList has three fields');
    const [tbsEl, algEl, sigEl] = outer;
    this.tbsDer = bytes(expect(tbsEl, T.sequence, 'tbsCertList'));
    const tbs = children(tbsEl);
    let i = 0;
    let version: 1 | 2 = 1;
    if (tbs[i]?.tag === T.integer) {
      const v = readUnsigned(tbs[i++], 'version');
      if (v !== 1n) throw new DerError(`CRL version ${v + 1n} (only 1 and 2 exist)`);
      version = 2;
    }
    this.version = version;
    const innerAlg = expect(tbs[i++], T.sequence, 'signature');
    if (!equalBytes(bytes(innerAlg), bytes(expect(algEl, T.sequence, 'signatureAlgorithm')))) {
      throw new DerError('the two signature algorithms differ');
    }
    const signatureAlgorithm = readSignatureAlgorithm(algEl);
    this.signatureAlgorithm = readOid(children(algEl)[0], 'signature algorithm');
    this.issuerDer = bytes(expect(tbs[i++], T.sequence, 'issuer'));
    this.issuer = formatName(this.issuerDer);
    this.thisUpdate = readTime(tbs[i++], 'thisUpdate');
    if (tbs[i]?.tag === T.utcTime || tbs[i]?.tag === T.generalizedTime)
      this.nextUpdate = readTime(tbs[i++], 'nextUpdate');
    const entries: RevokedCertificate[] = [];
    const byserial = new Map<string, RevokedCertificate>();
    let indirectEntries = false;
    if (tbs[i]?.tag === T.sequence) {
      for (const r of children(tbs[i++])) {
        const f = children(expect(r, T.sequence, 'revoked certificate'));
        if (f.length < 2 || f.length > 3) throw new DerError('malformed revoked certificate entry');
        const serialDer = readIntegerBytes(f[0], 'userCertificate');
        const revocationDate = readTime(f[1], 'revocationDate');
        let reason: RevocationReason | undefined;
        let invalidityDate: Date | undefined;
        let certificateIssuer: string[] | undefined;
        const exts = f[2] === undefined ? [] : readExtensions(f[2], 'crlEntryExtensions');
        if (exts.length > 0 && version === 1) throw new DerError('entry extensions in a version 1 CRL');
        for (const e of exts) {
          if (!ENTRY_EXTENSIONS.has(e.oid)) {
            if (e.critical) unsupportedCritical('entry', e.oid);
            continue;
          }
          checkAsn1(e.value, { maxDepth: 16 });
          if (e.oid === OIDS.reasonCode) {
            const code = Number(readUnsigned(readOne(e.value, 'reasonCode'), 'reasonCode', T.enumerated));
            reason = REASON_CODES[code];
            if (reason === undefined) throw new DerError(`unknown revocation reason code ${code}`);
          } else if (e.oid === OIDS.invalidityDate) {
            const el = readOne(e.value, 'invalidityDate');
            if (el.tag !== T.generalizedTime) throw new DerError('invalidityDate must be a GeneralizedTime');
            invalidityDate = readTime(el, 'invalidityDate');
          } else if (e.oid === OIDS.certificateIssuer) {
            certificateIssuer = readGeneralNames(readOne(e.value, 'certificateIssuer'), 'certificateIssuer').map(
              generalNameText,
            );
            indirectEntries = true;
          } else {
            readOid(readOne(e.value, 'holdInstructionCode'), 'holdInstructionCode');
          }
        }
        const entry: RevokedCertificate = {
          serialNumber: serialKey(serialDer),
          serialDer,
          revocationDate,
          ...(reason === undefined ? {} : { reason }),
          ...(invalidityDate === undefined ? {} : { invalidityDate }),
          ...(certificateIssuer === undefined ? {} : { certificateIssuer }),
          extensions: exts,
        };
        entries.push(entry);
        if (!byserial.has(entry.serialNumber)) byserial.set(entry.serialNumber, entry);
      }
    }
    this.entries = entries;
    let extensions: CrlExtension[] = [];
    if (tbs[i]?.tag === 0xa0) {
      const wrapped = children(tbs[i++]);
      if (wrapped.length !== 1) throw new DerError('malformed crlExtensions');
      extensions = readExtensions(wrapped[0], 'crlExtensions');
      if (version === 1) throw new DerError('extensions in a version 1 CRL');
    }
    if (i !== tbs.length) throw new DerError('unexpected fields in the TBSCertList');
    this.extensions = extensions;
    let crlNumberCritical = false;
    let distributionPoint: CrlInternals['distributionPoint'];
    let reasons = ALL_REASONS;
    for (const e of extensions) {
      if (!CRL_EXTENSIONS.has(e.oid)) {
        if (e.critical) unsupportedCritical('CRL', e.oid);
        continue;
      }
      checkAsn1(e.value, { maxDepth: 32 });
      const v = readOne(e.value, e.oid);
      switch (e.oid) {
        case OIDS.crlNumber:
          this.crlNumber = readUnsigned(v, 'cRLNumber');
          crlNumberCritical = e.critical;
          break;
        case OIDS.deltaCrlIndicator:
          this.deltaCrlIndicator = readUnsigned(v, 'deltaCRLIndicator');
          break;
        case OIDS.authorityKeyIdentifier:
          for (const f of children(expect(v, T.sequence, 'authorityKeyIdentifier'))) {
            if (f.tag === 0x80) this.authorityKeyIdentifier = content(f);
          }
          break;
        case OIDS.issuerAltName:
          readGeneralNames(v, 'issuerAltName');
          break;
        case OIDS.issuingDistributionPoint: {
          const idp = readIdp(v);
          this.issuingDistributionPoint = idp.public;
          distributionPoint = idp.distributionPoint;
          reasons = idp.reasons;
          break;
        }
        default:
          // freshestCRL and authorityInfoAccess: well-formed SEQUENCEs, nothing to keep.
          if (children(expect(v, T.sequence, e.oid)).length === 0) throw new DerError(`extension ${e.oid} is empty`);
      }
    }
    if (indirectEntries && this.issuingDistributionPoint?.indirectCrl !== true) {
      throw new DerError('certificateIssuer entry extensions in a CRL that is not indirect');
    }
    this.signatureValue = readSignatureBits(sigEl, 'signatureValue');
    internals.set(this, {
      signatureAlgorithm,
      crlNumberCritical,
      ...(distributionPoint === undefined ? {} : { distributionPoint }),
      reasons,
      byserial,
    });
  }

  /**
   * Reads a DER CRL.
   *
   * @throws {@link CertificatesError} `ERR_CERTIFICATES_MALFORMED` for anything that is not a well-formed
   * CRL, `ERR_CERTIFICATES_TOO_LARGE` / `ERR_CERTIFICATES_TOO_DEEP` beyond the limits (64 MiB and 32 levels by
   * default), `ERR_CERTIFICATES_UNSUPPORTED_CRITICAL_EXTENSION` for a critical extension semper does not process.
   *
   * @example
   * ```ts
   * const crl = CertificateRevocationList.fromDer(readFileSync('ca.crl'));
   * ```
   */
  static fromDer(der: Uint8Array, limits?: Asn1Limits): CertificateRevocationList {
    if (!(der instanceof Uint8Array)) {
      throw new CertificatesError('ERR_CERTIFICATES_INVALID_ARGUMENT', 'der must be a Uint8Array');
    }
    try {
      checkAsn1(der, { maxBytes: MAX_CRL_BYTES, maxDepth: 32, ...limits });
    } catch (err) {
      const code = (err as CryptoError).code;
      if (code === 'ERR_CRYPTO_TOO_LARGE') {
        throw new CertificatesError('ERR_CERTIFICATES_TOO_LARGE', `the CRL is too large: ${(err as Error).message}`, {
          cause: err,
        });
      }
      if (code === 'ERR_CRYPTO_TOO_DEEP') {
        throw new CertificatesError(
          'ERR_CERTIFICATES_TOO_DEEP',
          `the CRL nests too deeply: ${(err as Error).message}`,
          {
            cause: err,
          },
        );
      }
      return malformed((err as Error).message, err);
    }
    try {
      return new CertificateRevocationList(new Uint8Array(der));
    } catch (err) {
      if (err instanceof CertificatesError) throw err;
      return malformed((err as Error).message, err);
    }
  }

  /**
   * Reads every `X509 CRL` block of a PEM text, in order.
   *
   * @throws {@link CertificatesError} `ERR_CERTIFICATES_MALFORMED` when the text holds no such block, or one of
   * the errors of {@link CertificateRevocationList.fromDer}.
   *
   * @example
   * ```ts
   * const crls = CertificateRevocationList.fromPem(readFileSync('crls.pem', 'utf8'));
   * ```
   */
  static fromPem(pem: string): CertificateRevocationList[] {
    let blocks: { der: Uint8Array }[];
    try {
      blocks = fromPem(pem, 'X509 CRL');
    } catch (err) {
      return malformed(`no X509 CRL PEM block: ${(err as Error).message}`, err);
    }
    return blocks.map((b) => CertificateRevocationList.fromDer(b.der));
  }

  /**
   * The PEM form (`-----BEGIN X509 CRL-----`), as `openssl crl` writes it.
   *
   * @example
   * ```ts
   * writeFileSync('ca.crl.pem', crl.toPem());
   * ```
   */
  toPem(): string {
    return toPem('X509 CRL', this.der);
  }

  /**
   * Whether the CRL's signature verifies with `issuer` (a public key, or the certificate holding it).
   *
   * @throws {@link CertificatesError} `ERR_CERTIFICATES_UNSUPPORTED_ALGORITHM` for a signature algorithm
   * semper does not verify (SHA-1, DSA, …) or one that does not fit the key.
   *
   * @example
   * ```ts
   * if (!(await crl.verifySignature(ca.certificate))) throw new Error('forged CRL');
   * ```
   */
  async verifySignature(issuer: PublicKey | Certificate): Promise<boolean> {
    const key = issuer instanceof PublicKey ? issuer : issuer?.publicKey;
    if (!(key instanceof PublicKey)) {
      throw new CertificatesError('ERR_CERTIFICATES_INVALID_ARGUMENT', 'issuer must be a PublicKey or a Certificate');
    }
    const ok = await verifySignatureValue(crlInternals(this).signatureAlgorithm, key, this.tbsDer, this.signatureValue);
    if (ok === 'unsupported') {
      throw new CertificatesError(
        'ERR_CERTIFICATES_UNSUPPORTED_ALGORITHM',
        `signature algorithm ${this.signatureAlgorithm} is not supported with a ${key.type} key`,
      );
    }
    return ok;
  }

  /**
   * The entry for a serial number (content octets of the INTEGER, as `Certificate.serialDer`, or hex as
   * `Certificate.serialNumber`), if the CRL lists it.
   *
   * @example
   * ```ts
   * const entry = crl.entry(cert.serialDer);
   * ```
   */
  entry(serial: Uint8Array | string): RevokedCertificate | undefined {
    if (!(serial instanceof Uint8Array) && typeof serial !== 'string') {
      throw new CertificatesError('ERR_CERTIFICATES_INVALID_ARGUMENT', 'serial must be bytes or a hex string');
    }
    return crlInternals(this).byserial.get(serialKey(serial));
  }

  /**
   * Whether the CRL revokes the certificate with this serial number: it lists it with a reason other than
   * removeFromCRL (a certificate on hold counts as revoked, as in OpenSSL).
   *
   * @example
   * ```ts
   * if (crl.isRevoked(cert.serialDer)) console.log(cert.subject, 'is revoked');
   * ```
   */
  isRevoked(serial: Uint8Array | string): boolean {
    const e = this.entry(serial);
    return e !== undefined && e.reason !== 'removeFromCRL';
  }

  /**
   * Whether the CRL is current at `at`: thisUpdate ≤ at ≤ nextUpdate (at whole seconds; no nextUpdate: only
   * the first bound).
   *
   * @example
   * ```ts
   * if (!crl.isCurrentAt(new Date())) console.log('fetch a fresh CRL');
   * ```
   */
  isCurrentAt(at: Date): boolean {
    const t = Math.floor(at.getTime() / 1000) * 1000;
    return t >= this.thisUpdate.getTime() && (this.nextUpdate === undefined || t <= this.nextUpdate.getTime());
  }
}

function readIdp(v: Tlv): {
  public: IssuingDistributionPoint;
  distributionPoint?: Pick<DistributionPoint, 'fullName' | 'relativeName'>;
  reasons: number;
} {
  let distributionPoint: Pick<DistributionPoint, 'fullName' | 'relativeName'> | undefined;
  let reasons = ALL_REASONS;
  let someReasons = false;
  const flags = { user: false, ca: false, indirect: false, attribute: false };
  let last = -1;
  for (const f of children(expect(v, T.sequence, 'issuingDistributionPoint'))) {
    const n = f.tag & 0x1f;
    if ((f.tag & 0xc0) !== 0x80 || n <= last || n > 5)
      throw new DerError('unexpected field in issuingDistributionPoint');
    last = n;
    if (n === 0) {
      const inner = children(expect(f, 0xa0, 'distributionPoint'));
      if (inner.length !== 1) throw new DerError('malformed distributionPoint');
      distributionPoint = readDistributionPointName(inner[0]);
    } else if (n === 3) {
      reasons = readReasonFlags(expect(f, 0x83, 'onlySomeReasons'), 'onlySomeReasons');
      someReasons = true;
    } else {
      const value = readBoolean(f, 'issuingDistributionPoint flag', 0x80 | n);
      if (!value) throw new DerError('a FALSE flag in issuingDistributionPoint must be omitted (DER)');
      if (n === 1) flags.user = true;
      else if (n === 2) flags.ca = true;
      else if (n === 4) flags.indirect = true;
      else flags.attribute = true;
    }
  }
  if ([flags.user, flags.ca, flags.attribute].filter(Boolean).length > 1) {
    throw new DerError('issuingDistributionPoint asserts more than one of the only-contains flags');
  }
  return {
    public: {
      ...(distributionPoint?.fullName ? { fullName: distributionPoint.fullName.map(generalNameText) } : {}),
      relativeName: distributionPoint?.relativeName !== undefined,
      onlyContainsUserCerts: flags.user,
      onlyContainsCACerts: flags.ca,
      ...(someReasons
        ? {
            onlySomeReasons: REASON_FLAG_BITS.filter(
              (r, bit) => r !== undefined && reasons & (1 << bit),
            ) as RevocationReason[],
          }
        : {}),
      indirectCrl: flags.indirect,
      onlyContainsAttributeCerts: flags.attribute,
    },
    ...(distributionPoint === undefined ? {} : { distributionPoint }),
    reasons,
  };
}

// ---------------------------------------------------------------------------------------------------------
// Issuing
// ---------------------------------------------------------------------------------------------------------

/**
 * One revoked certificate for {@link issueCrl}.
 *
 * @example
 * ```ts
 * const e: CrlEntryTemplate = { serialNumber: cert.serialNumber, revocationDate: new Date(), reason: 'keyCompromise' };
 * ```
 */
export interface CrlEntryTemplate {
  /** Hex (as `Certificate.serialNumber`) or the content octets of the INTEGER (as `Certificate.serialDer`). */
  readonly serialNumber: string | Uint8Array;
  readonly revocationDate: Date;
  /** Written as the reasonCode entry extension; `unspecified` (or nothing) writes none, as RFC 5280 advises. */
  readonly reason?: RevocationReason;
  /** Written as the invalidityDate entry extension. */
  readonly invalidityDate?: Date;
}

/**
 * What {@link issueCrl} writes.
 *
 * @example
 * ```ts
 * const t: CrlTemplate = { issuer: ca, entries: [], thisUpdate: new Date(), nextUpdate, crlNumber: 1n };
 * ```
 */
export interface CrlTemplate {
  /** The CA: its private key and its certificate (whose subject becomes the CRL issuer). */
  readonly issuer: { readonly privateKey: PrivateKey; readonly certificate: Certificate };
  readonly entries?: readonly CrlEntryTemplate[];
  /** Default: now (whole seconds). */
  readonly thisUpdate?: Date;
  readonly nextUpdate: Date;
  /** The cRLNumber: non-negative, at most 20 octets, increasing with each CRL the CA issues. */
  readonly crlNumber: bigint | number;
  /** Default SHA-256 (Ed25519 has its own). */
  readonly digest?: DigestName;
}

function invalid(message: string): CertificatesError {
  return new CertificatesError('ERR_CERTIFICATES_INVALID_ARGUMENT', message);
}

function validDate(d: unknown, what: string): Date {
  if (!(d instanceof Date) || Number.isNaN(d.getTime())) throw invalid(`${what} must be a valid Date`);
  const y = d.getUTCFullYear();
  if (y < 1 || y > 9999) throw invalid(`${what} is out of range`);
  return new Date(Math.floor(d.getTime() / 1000) * 1000);
}

function serialInteger(serial: string | Uint8Array): Uint8Array {
  let octets: Uint8Array;
  if (typeof serial === 'string') {
    if (!/^[0-9a-fA-F]{1,42}$/.test(serial)) throw invalid('a serial number must be hex');
    octets = new Uint8Array(Buffer.from(serial.length % 2 ? `0${serial}` : serial, 'hex'));
    let i = 0;
    while (i < octets.length - 1 && octets[i] === 0) i++;
    octets = octets.subarray(i);
    if (octets[0] & 0x80) octets = Uint8Array.from([0, ...octets]);
  } else if (serial instanceof Uint8Array && serial.length > 0) {
    octets = serial;
    // Content octets as a certificate has them: must be a minimal INTEGER.
    try {
      readIntegerBytes(readTlv(tlv(T.integer, octets)), 'serialNumber');
    } catch {
      throw invalid('serial number octets are not a minimal INTEGER');
    }
  } else {
    throw invalid('a serial number must be hex or non-empty bytes');
  }
  if (octets.length > 21) throw invalid('a serial number is at most 20 octets');
  return tlv(T.integer, octets);
}

function extension(extOid: string, critical: boolean, value: Uint8Array): Uint8Array {
  return tlv(
    T.sequence,
    oid(extOid),
    critical ? Uint8Array.of(T.boolean, 1, 0xff) : undefined,
    tlv(T.octetString, value),
  );
}

/**
 * Issues a version 2 CRL signed by `issuer`: issuer Name (the CA certificate's subject), thisUpdate,
 * nextUpdate, the revoked entries (with reasonCode and invalidityDate entry extensions when given), and the
 * authorityKeyIdentifier (the CA's subjectKeyIdentifier) and cRLNumber extensions — what RFC 5280 §5
 * requires, and what `openssl crl` and `openssl verify -crl_check` read.
 *
 * @throws {@link CertificatesError} `ERR_CERTIFICATES_INVALID_ARGUMENT` for a bad template: a key that is not
 * the certificate's, a CA certificate whose keyUsage lacks cRLSign, nextUpdate not after thisUpdate, a bad
 * serial number or CRL number.
 *
 * @example
 * ```ts
 * import { issueCrl } from '@semper/certificates';
 * const crl = await issueCrl({
 *   issuer: { privateKey: ca.privateKey, certificate: ca.certificate },
 *   entries: [{ serialNumber: leaf.serialNumber, revocationDate: new Date(), reason: 'keyCompromise' }],
 *   nextUpdate: new Date(Date.now() + 7 * 86_400_000),
 *   crlNumber: 42n,
 * });
 * writeFileSync('ca.crl.pem', crl.toPem());
 * ```
 */
export async function issueCrl(template: CrlTemplate): Promise<CertificateRevocationList> {
  const issuer = template?.issuer;
  if (typeof issuer?.privateKey?.publicKey !== 'function' || typeof issuer.certificate?.equals !== 'function') {
    throw invalid('issuer must hold a privateKey and its certificate');
  }
  const cert = issuer.certificate;
  let matches: boolean;
  try {
    matches = issuer.privateKey.publicKey().equals(cert.publicKey);
  } catch (err) {
    throw new CertificatesError('ERR_CERTIFICATES_INVALID_ARGUMENT', 'the issuer key cannot be read', { cause: err });
  }
  if (!matches) throw invalid("the issuer's private key does not belong to its certificate");
  if (cert.keyUsage !== undefined && !cert.keyUsage.includes('cRLSign')) {
    throw invalid(`${cert.subject} may not sign CRLs: its keyUsage lacks cRLSign`);
  }
  const digest = template.digest ?? 'SHA-256';
  if (!['SHA-256', 'SHA-384', 'SHA-512'].includes(digest)) throw invalid(`unsupported digest ${String(digest)}`);
  const thisUpdate = validDate(template.thisUpdate ?? new Date(), 'thisUpdate');
  const nextUpdate = validDate(template.nextUpdate, 'nextUpdate');
  if (nextUpdate.getTime() <= thisUpdate.getTime()) throw invalid('nextUpdate must be after thisUpdate');
  const n = template.crlNumber;
  const crlNumber = typeof n === 'number' && Number.isSafeInteger(n) ? BigInt(n) : n;
  if (typeof crlNumber !== 'bigint' || crlNumber < 0n || crlNumber >= 1n << 159n) {
    throw invalid('crlNumber must be a non-negative integer of at most 20 octets');
  }
  const entries = template.entries ?? [];
  if (!Array.isArray(entries)) throw invalid('entries must be an array');
  const revoked = entries.map((e, k) => {
    if (e === null || typeof e !== 'object') throw invalid(`entries[${k}] must be an object`);
    const exts: Uint8Array[] = [];
    if (e.reason !== undefined && e.reason !== 'unspecified') {
      const code = REASON_CODES.indexOf(e.reason);
      if (code < 0) throw invalid(`entries[${k}]: unknown revocation reason ${JSON.stringify(e.reason)}`);
      exts.push(extension(OIDS.reasonCode, false, integer(BigInt(code), T.enumerated)));
    }
    if (e.invalidityDate !== undefined) {
      exts.push(extension(OIDS.invalidityDate, false, time(validDate(e.invalidityDate, 'invalidityDate'), true)));
    }
    return tlv(
      T.sequence,
      serialInteger(e.serialNumber),
      time(validDate(e.revocationDate, `entries[${k}].revocationDate`)),
      exts.length > 0 ? tlv(T.sequence, ...exts) : undefined,
    );
  });
  const crlExts: Uint8Array[] = [];
  if (cert.subjectKeyIdentifier !== undefined) {
    crlExts.push(extension(OIDS.authorityKeyIdentifier, false, tlv(T.sequence, tlv(0x80, cert.subjectKeyIdentifier))));
  }
  crlExts.push(extension(OIDS.crlNumber, false, integer(crlNumber)));
  let algorithm: Uint8Array;
  try {
    algorithm = signatureAlgorithmFor(issuer.privateKey, digest);
  } catch (err) {
    throw new CertificatesError('ERR_CERTIFICATES_INVALID_ARGUMENT', 'cannot sign with this key', { cause: err });
  }
  const tbs = tlv(
    T.sequence,
    integer(1n),
    algorithm,
    cert.subjectDer,
    time(thisUpdate),
    time(nextUpdate),
    revoked.length > 0 ? tlv(T.sequence, ...revoked) : undefined,
    tlv(0xa0, tlv(T.sequence, ...crlExts)),
  );
  let signature: Uint8Array;
  try {
    signature = await signValue(issuer.privateKey, digest, tbs);
  } catch (err) {
    if (err instanceof CryptoError) throw err;
    throw new CertificatesError('ERR_CERTIFICATES_INVALID_ARGUMENT', 'the issuer key cannot sign', { cause: err });
  }
  return CertificateRevocationList.fromDer(
    tlv(T.sequence, tbs, algorithm, tlv(T.bitString, Uint8Array.of(0), signature)),
  );
}
