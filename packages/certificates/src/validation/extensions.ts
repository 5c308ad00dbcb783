/**
 * What path validation reads from one certificate beyond what `@semper/crypto`'s {@link Certificate}
 * gives: the extensions it processes (subjectAltName, nameConstraints, the policy extensions, CRL
 * distribution points), which critical extensions it does not recognise, whether an extension is malformed,
 * and the RFC 5280 profile rules the certificate breaks (checked in strict mode). Computed once per
 * certificate object and kept in a WeakMap.
 *
 * @packageDocumentation
 * @internal
 */
import { type Certificate, checkAsn1 } from '@semper/crypto';
import { children, content, DerError, expect, readOid, readOne, readUnsigned, T, type Tlv } from './der.js';
import {
  emailAttributes,
  type GeneralName,
  isDnsName,
  namesMatch,
  type Rdns,
  rdnsOf,
  readGeneralName,
  readGeneralNames,
  splitMailbox,
  uriHost,
} from './names.js';

/**
 * Extension OIDs (RFC 5280 §4.2).
 * @example
 * ```ts
 * const san = cert.extensions.find((e) => e.oid === EXT.subjectAltName);
 * ```
 * @internal
 */
export const EXT = Object.freeze({
  subjectDirectoryAttributes: '2.5.29.9',
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  issuerAltName: '2.5.29.18',
  basicConstraints: '2.5.29.19',
  nameConstraints: '2.5.29.30',
  crlDistributionPoints: '2.5.29.31',
  certificatePolicies: '2.5.29.32',
  policyMappings: '2.5.29.33',
  authorityKeyIdentifier: '2.5.29.35',
  policyConstraints: '2.5.29.36',
  extKeyUsage: '2.5.29.37',
  freshestCrl: '2.5.29.46',
  inhibitAnyPolicy: '2.5.29.54',
  authorityInfoAccess: '1.3.6.1.5.5.7.1.1',
  subjectInfoAccess: '1.3.6.1.5.5.7.1.11',
});

/**
 * The extensions path validation recognises: a critical extension not in this set makes the certificate
 * unusable (RFC 5280 §4.2). issuerAltName, subjectDirectoryAttributes, the access-information and
 * freshest-CRL extensions impose nothing on validation and are checked for form only.
 *
 * @example
 * ```ts
 * const unknown = cert.extensions.filter((e) => e.critical && !RECOGNISED_EXTENSIONS.has(e.oid));
 * ```
 * @internal
 */
export const RECOGNISED_EXTENSIONS: ReadonlySet<string> = new Set(Object.values(EXT));

/**
 * anyPolicy (RFC 5280 §4.2.1.4).
 * @example
 * ```ts
 * if (analyze(ca).policies?.includes(ANY_POLICY)) console.log('any policy');
 * ```
 * @internal
 */
export const ANY_POLICY = '2.5.29.32.0';

/**
 * A DistributionPoint (RFC 5280 §4.2.1.13) or the distribution point name of an IDP.
 * @example
 * ```ts
 * const [dp]: readonly DistributionPoint[] = analyze(cert).distributionPoints ?? [];
 * ```
 * @internal
 */
export interface DistributionPoint {
  readonly fullName?: readonly GeneralName[];
  /** The DER of the RelativeDistinguishedName (nameRelativeToCRLIssuer). */
  readonly relativeName?: Uint8Array;
  /** ReasonFlags as a bit mask (bit n is reason n), undefined when absent (all reasons). */
  readonly reasons?: number;
  readonly crlIssuer?: readonly GeneralName[];
}

/**
 * Name constraints, by subtree list.
 * @example
 * ```ts
 * const nc: NameConstraintsValue | undefined = analyze(ca).nameConstraints;
 * ```
 * @internal
 */
export interface NameConstraintsValue {
  readonly permitted: readonly GeneralName[];
  readonly excluded: readonly GeneralName[];
}

/**
 * What {@link analyze} finds in a certificate.
 * @example
 * ```ts
 * const a: CertificateAnalysis = analyze(cert);
 * if (a.unknownCritical.length > 0) console.log('unusable');
 * ```
 * @internal
 */
export interface CertificateAnalysis {
  /** The first malformed extension (or Name), with why; undefined when every one decodes. */
  readonly malformed?: string;
  /** RFC 5280 profile rules broken (enforced in strict mode). */
  readonly violations: readonly string[];
  /** OIDs of critical extensions that are not recognised. */
  readonly unknownCritical: readonly string[];
  readonly subject: Rdns;
  readonly selfIssued: boolean;
  readonly isCa: boolean;
  /** Whether the certificate lacks an authorityKeyIdentifier keyIdentifier (allowed if self-signed). */
  readonly missingAkiKeyId: boolean;
  readonly subjectAltName?: readonly GeneralName[];
  /** The emailAddress attributes of the subject (undefined entries: not decodable). */
  readonly subjectEmails: readonly (string | undefined)[];
  readonly nameConstraints?: NameConstraintsValue;
  /** certificatePolicies' policy OIDs; undefined when the extension is absent. */
  readonly policies?: readonly string[];
  readonly policyMappings?: readonly (readonly [string, string])[];
  readonly requireExplicitPolicy?: number;
  readonly inhibitPolicyMapping?: number;
  readonly inhibitAnyPolicy?: number;
  readonly distributionPoints?: readonly DistributionPoint[];
}

const cache = new WeakMap<Certificate, CertificateAnalysis>();

function small(v: bigint): number {
  return v > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(v);
}

/**
 * Reads ReasonFlags (a DER BIT STRING, IMPLICIT under `tag`) into a bit mask.
 *
 * @example
 * ```ts
 * readReasonFlags(readOne(Uint8Array.of(0x03, 0x02, 0x05, 0x60), 'reasons'), 'reasons'); // keyCompromise | cACompromise
 * ```
 * @internal
 */
export function readReasonFlags(el: Tlv, what: string): number {
  const c = content(el);
  if (c.length < 1 || c[0] > 7 || (c.length === 1 && c[0] !== 0) || c.length > 3) {
    throw new DerError(`${what} is not a ReasonFlags BIT STRING`);
  }
  let mask = 0;
  for (let bit = 0; bit < (c.length - 1) * 8; bit++) {
    if (c[1 + (bit >> 3)] & (0x80 >> (bit & 7))) mask |= 1 << bit;
  }
  return mask;
}

/**
 * Reads a DistributionPointName CHOICE (`[0]` fullName GeneralNames / `[1]` nameRelativeToCRLIssuer), given
 * the element of its EXPLICIT wrapper's content.
 *
 * @example
 * ```ts
 * const { fullName } = readDistributionPointName(children(distributionPointWrapper)[0]);
 * ```
 * @internal
 */
export function readDistributionPointName(el: Tlv): Pick<DistributionPoint, 'fullName' | 'relativeName'> {
  if (el.tag === 0xa0) return { fullName: readGeneralNames(el, 'fullName', 0xa0) };
  if (el.tag === 0xa1) {
    if (children(el).length === 0) throw new DerError('an empty nameRelativeToCRLIssuer');
    return { relativeName: el.buf.subarray(el.contentStart, el.end) };
  }
  throw new DerError('not a DistributionPointName');
}

function readDistributionPoints(value: Uint8Array, what: string): DistributionPoint[] {
  const points = children(expect(readOne(value, what), T.sequence, what));
  if (points.length === 0) throw new DerError(`${what} is empty`);
  return points.map((p) => {
    let dp: DistributionPoint = {};
    for (const f of children(expect(p, T.sequence, 'DistributionPoint'))) {
      if (f.tag === 0xa0) {
        const inner = children(f);
        if (inner.length !== 1) throw new DerError('malformed distributionPoint');
        dp = { ...dp, ...readDistributionPointName(inner[0]) };
      } else if (f.tag === 0x81) dp = { ...dp, reasons: readReasonFlags(f, 'reasons') };
      else if (f.tag === 0xa2) dp = { ...dp, crlIssuer: readGeneralNames(f, 'cRLIssuer', 0xa2) };
      else throw new DerError('unexpected field in a DistributionPoint');
    }
    if (dp.fullName === undefined && dp.relativeName === undefined && dp.crlIssuer === undefined) {
      throw new DerError('a DistributionPoint with neither a name nor a cRLIssuer');
    }
    return dp;
  });
}

/**
 * Why a name constraint's base is not a valid constraint of its form; undefined if it is.
 * @example
 * ```ts
 * constraintSyntaxProblem({ type: 'dNSName', value: '.example.com', der }); // 'dNSName constraint ".example.com"'
 * ```
 * @internal
 */
export function constraintSyntaxProblem(n: GeneralName): string | undefined {
  const domainOrSub = (v: string): boolean => v === '' || isDnsName(v.startsWith('.') ? v.slice(1) : v);
  switch (n.type) {
    case 'dNSName':
      // RFC 5280 §4.2.1.10: a DNS name (a leading period is for URI and rfc822Name constraints only).
      return n.value === '' || isDnsName(n.value) ? undefined : `dNSName constraint ${JSON.stringify(n.value)}`;
    case 'rfc822Name':
      if (n.value.includes('@')) {
        return splitMailbox(n.value) ? undefined : `rfc822Name constraint ${JSON.stringify(n.value)}`;
      }
      return domainOrSub(n.value) ? undefined : `rfc822Name constraint ${JSON.stringify(n.value)}`;
    case 'uniformResourceIdentifier':
      return domainOrSub(n.value) ? undefined : `uniformResourceIdentifier constraint ${JSON.stringify(n.value)}`;
    case 'iPAddress': {
      const b = n.bytes;
      if (b.length !== 8 && b.length !== 32) return `an iPAddress constraint of ${b.length} octets`;
      // The mask must be a CIDR prefix: ones, then zeros.
      const mask = b.subarray(b.length / 2);
      let zero = false;
      for (const byte of mask) {
        for (let bit = 7; bit >= 0; bit--) {
          const one = (byte >> bit) & 1;
          if (one && zero) return 'an iPAddress constraint whose mask is not a prefix';
          if (!one) zero = true;
        }
      }
      return undefined;
    }
    default:
      return undefined;
  }
}

function readNameConstraints(value: Uint8Array): NameConstraintsValue {
  const fields = children(expect(readOne(value, 'nameConstraints'), T.sequence, 'nameConstraints'));
  const permitted: GeneralName[] = [];
  const excluded: GeneralName[] = [];
  let last = -1;
  for (const f of fields) {
    const which = f.tag === 0xa0 ? 0 : f.tag === 0xa1 ? 1 : -1;
    if (which <= last) throw new DerError('unexpected field in nameConstraints');
    last = which;
    const subtrees = children(f);
    if (subtrees.length === 0) throw new DerError('an empty GeneralSubtrees');
    for (const s of subtrees) {
      const [base, ...rest] = children(expect(s, T.sequence, 'GeneralSubtree'));
      if (base === undefined) throw new DerError('a GeneralSubtree without a base');
      for (const r of rest) {
        // RFC 5280 §4.2.1.10: minimum MUST be zero (DEFAULT, so absent in DER), maximum MUST be absent.
        if (r.tag === 0x80 && readUnsigned(r, 'minimum', 0x80) === 0n && rest.length === 1) continue;
        throw new DerError('a GeneralSubtree with minimum or maximum (not used by RFC 5280)');
      }
      const name = readGeneralName(base);
      const problem = constraintSyntaxProblem(name);
      if (problem !== undefined) throw new DerError(`invalid name constraint: ${problem}`);
      (which === 0 ? permitted : excluded).push(name);
    }
  }
  if (fields.length === 0) throw new DerError('nameConstraints with neither permitted nor excluded subtrees');
  return { permitted, excluded };
}

/**
 * Why a subjectAltName entry is not in the syntax RFC 5280 §4.2.1.6 requires; undefined if it is.
 * @example
 * ```ts
 * nameSyntaxProblem({ type: 'dNSName', value: 'a_b.example', der }); // '… is not a valid DNS name'
 * ```
 * @internal
 */
export function nameSyntaxProblem(n: GeneralName): string | undefined {
  switch (n.type) {
    case 'dNSName':
      return isDnsName(n.value, true) ? undefined : `dNSName ${JSON.stringify(n.value)} is not a valid DNS name`;
    case 'rfc822Name':
      return splitMailbox(n.value) ? undefined : `rfc822Name ${JSON.stringify(n.value)} is not a valid mailbox`;
    case 'uniformResourceIdentifier':
      return uriHost(n.value) === undefined ? `URI ${JSON.stringify(n.value)} is not an absolute URI` : undefined;
    case 'iPAddress':
      return n.bytes.length === 4 || n.bytes.length === 16
        ? undefined
        : `an iPAddress of ${n.bytes.length} octets (4 or 16 expected)`;
    default:
      return undefined;
  }
}

const EC_PUBLIC_KEY = '1.2.840.10045.2.1';

/** RFC 5480 §2.1.1: an EC key names its curve (namedCurve); implicit and specified curves MUST NOT be used. */
function spkiProblem(cert: Certificate): string | undefined {
  try {
    const [alg] = children(expect(readOne(cert.publicKey.toSpki(), 'SubjectPublicKeyInfo'), T.sequence, 'SPKI'));
    const [algOid, params] = children(expect(alg, T.sequence, 'AlgorithmIdentifier'));
    if (readOid(algOid, 'algorithm') === EC_PUBLIC_KEY && params?.tag !== T.oid) {
      return 'the EC public key has explicit or implicit curve parameters, not a named curve (RFC 5480 §2.1.1)';
    }
    return undefined;
  } catch (err) {
    return `the SubjectPublicKeyInfo: ${(err as Error).message}`;
  }
}

function readSkipCerts(el: Tlv | undefined, what: string, tag: number = T.integer): number {
  return small(readUnsigned(el, what, tag));
}

/**
 * Reads what path validation needs from `cert` (memoized).
 *
 * @example
 * ```ts
 * const { subjectAltName, nameConstraints, violations } = analyze(cert);
 * ```
 * @internal
 */
export function analyze(cert: Certificate): CertificateAnalysis {
  const cached = cache.get(cert);
  if (cached !== undefined) return cached;
  const a = computeAnalysis(cert);
  cache.set(cert, a);
  return a;
}

function computeAnalysis(cert: Certificate): CertificateAnalysis {
  const violations: string[] = [];
  const unknownCritical: string[] = [];
  let malformed: string | undefined;
  const out: {
    -readonly [K in keyof CertificateAnalysis]?: CertificateAnalysis[K];
  } = {};
  let subject: Rdns = [];
  let issuer: Rdns = [];
  try {
    subject = rdnsOf(cert.subjectDer);
    issuer = rdnsOf(cert.issuerDer);
  } catch (err) {
    malformed = `the subject or issuer Name: ${(err as Error).message}`;
  }
  const isCa = cert.basicConstraints?.ca === true;
  const ext = new Map(cert.extensions.map((e) => [e.oid, e]));

  for (const e of cert.extensions) {
    if (e.critical && !RECOGNISED_EXTENSIONS.has(e.oid)) unknownCritical.push(e.oid);
    if (!RECOGNISED_EXTENSIONS.has(e.oid) || malformed !== undefined) continue;
    try {
      checkAsn1(e.value, { maxBytes: 1024 * 1024, maxDepth: 32 });
      const v = e.value;
      switch (e.oid) {
        case EXT.subjectAltName:
          out.subjectAltName = readGeneralNames(readOne(v, 'subjectAltName'), 'subjectAltName');
          break;
        case EXT.issuerAltName:
          readGeneralNames(readOne(v, 'issuerAltName'), 'issuerAltName');
          break;
        case EXT.nameConstraints:
          out.nameConstraints = readNameConstraints(v);
          break;
        case EXT.crlDistributionPoints:
          out.distributionPoints = readDistributionPoints(v, 'cRLDistributionPoints');
          break;
        case EXT.freshestCrl:
          readDistributionPoints(v, 'freshestCRL');
          break;
        case EXT.certificatePolicies: {
          const infos = children(expect(readOne(v, 'certificatePolicies'), T.sequence, 'certificatePolicies'));
          if (infos.length === 0) throw new DerError('certificatePolicies is empty');
          const ids = infos.map((p) => {
            const [id, qualifiers, ...rest] = children(expect(p, T.sequence, 'PolicyInformation'));
            if (rest.length > 0 || (qualifiers !== undefined && qualifiers.tag !== T.sequence)) {
              throw new DerError('malformed PolicyInformation');
            }
            return readOid(id, 'policyIdentifier');
          });
          if (new Set(ids).size !== ids.length) throw new DerError('a policy appears twice in certificatePolicies');
          out.policies = ids;
          break;
        }
        case EXT.policyMappings: {
          const maps = children(expect(readOne(v, 'policyMappings'), T.sequence, 'policyMappings'));
          if (maps.length === 0) throw new DerError('policyMappings is empty');
          out.policyMappings = maps.map((m) => {
            const f = children(expect(m, T.sequence, 'policy mapping'));
            if (f.length !== 2) throw new DerError('malformed policy mapping');
            return [readOid(f[0], 'issuerDomainPolicy'), readOid(f[1], 'subjectDomainPolicy')] as const;
          });
          break;
        }
        case EXT.policyConstraints: {
          const f = children(expect(readOne(v, 'policyConstraints'), T.sequence, 'policyConstraints'));
          if (f.length === 0) throw new DerError('an empty policyConstraints');
          let last = -1;
          for (const x of f) {
            const which = x.tag === 0x80 ? 0 : x.tag === 0x81 ? 1 : -1;
            if (which <= last) throw new DerError('unexpected field in policyConstraints');
            last = which;
            if (which === 0) out.requireExplicitPolicy = readSkipCerts(x, 'requireExplicitPolicy', 0x80);
            else out.inhibitPolicyMapping = readSkipCerts(x, 'inhibitPolicyMapping', 0x81);
          }
          break;
        }
        case EXT.inhibitAnyPolicy:
          out.inhibitAnyPolicy = readSkipCerts(readOne(v, 'inhibitAnyPolicy'), 'inhibitAnyPolicy');
          break;
        case EXT.authorityInfoAccess:
        case EXT.subjectInfoAccess: {
          const what = e.oid === EXT.authorityInfoAccess ? 'authorityInfoAccess' : 'subjectInfoAccess';
          const ads = children(expect(readOne(v, what), T.sequence, what));
          if (ads.length === 0) throw new DerError(`${what} is empty`);
          for (const ad of ads) {
            const f = children(expect(ad, T.sequence, 'AccessDescription'));
            if (f.length !== 2) throw new DerError('malformed AccessDescription');
            readOid(f[0], 'accessMethod');
            readGeneralName(f[1]);
          }
          break;
        }
        case EXT.subjectDirectoryAttributes: {
          const attrs = children(expect(readOne(v, 'subjectDirectoryAttributes'), T.sequence, 'attributes'));
          if (attrs.length === 0) throw new DerError('subjectDirectoryAttributes is empty');
          break;
        }
        case EXT.extKeyUsage:
          if ((cert.extendedKeyUsage ?? []).length === 0) throw new DerError('extKeyUsage lists no purpose');
          break;
        case EXT.keyUsage:
          if ((cert.keyUsage ?? []).length === 0) throw new DerError('keyUsage asserts no bit');
          break;
        case EXT.authorityKeyIdentifier: {
          // keyIdentifier [0], authorityCertIssuer [1] and authorityCertSerialNumber [2] go together or not at all.
          const f = children(expect(readOne(v, 'authorityKeyIdentifier'), T.sequence, 'authorityKeyIdentifier'));
          const hasIssuer = f.some((x) => x.tag === 0xa1);
          const hasSerial = f.some((x) => x.tag === 0x82);
          if (hasIssuer !== hasSerial) {
            throw new DerError('authorityCertIssuer and authorityCertSerialNumber must both be present or absent');
          }
          break;
        }
        default:
          break;
      }
    } catch (err) {
      const why = err instanceof DerError ? err.message : (err as Error).message;
      malformed = `extension ${e.oid}: ${why}`;
    }
  }

  if (malformed === undefined) malformed = spkiProblem(cert);
  const critical = (oid: string): boolean | undefined => ext.get(oid)?.critical;
  // RFC 5280 profile rules (§4.1.2, §4.2.1.x), checked in strict mode.
  // Serial numbers: at most 20 octets. Zero and negative ones are accepted, as §4.1.2.2 asks of certificate
  // users (trusted roots with serial 0 exist).
  const serial = cert.serialDer;
  const value = serial.length > 1 && serial[0] === 0 ? serial.subarray(1) : serial;
  if (value.length > 20) violations.push('the serial number is longer than 20 octets');
  if (issuer.length === 0) violations.push('the issuer Name is empty');
  if (subject.length === 0) {
    if (isCa) violations.push('a CA certificate with an empty subject Name');
    else if (critical(EXT.subjectAltName) !== true) {
      violations.push('an empty subject Name without a critical subjectAltName');
    }
  }
  if (cert.version === 3) {
    const aki = ext.get(EXT.authorityKeyIdentifier);
    if (aki?.critical) violations.push('authorityKeyIdentifier is critical');
    if (critical(EXT.subjectKeyIdentifier)) violations.push('subjectKeyIdentifier is critical');
    if (isCa && cert.subjectKeyIdentifier === undefined)
      violations.push('a CA certificate without subjectKeyIdentifier');
    if (isCa && critical(EXT.basicConstraints) !== true)
      violations.push('a CA certificate whose basicConstraints is not critical');
    const ku = cert.keyUsage;
    if (ku?.includes('keyCertSign') && !isCa) violations.push('keyCertSign in a certificate that is not a CA');
    if (isCa && ku !== undefined && !ku.includes('keyCertSign')) {
      violations.push('a CA certificate whose keyUsage lacks keyCertSign');
    }
    if (
      cert.basicConstraints?.pathLength !== undefined &&
      (!isCa || (ku !== undefined && !ku.includes('keyCertSign')))
    ) {
      violations.push('pathLenConstraint without cA and keyCertSign');
    }
    if (ext.has(EXT.nameConstraints)) {
      if (!isCa) violations.push('nameConstraints in a certificate that is not a CA');
      if (critical(EXT.nameConstraints) !== true) violations.push('nameConstraints is not critical');
    }
    if (critical(EXT.authorityInfoAccess)) violations.push('authorityInfoAccess is critical');
    if (critical(EXT.subjectInfoAccess)) violations.push('subjectInfoAccess is critical');
    if (critical(EXT.freshestCrl)) violations.push('freshestCRL is critical');
    if (critical(EXT.subjectDirectoryAttributes)) violations.push('subjectDirectoryAttributes is critical');
    if (ext.has(EXT.policyConstraints) && critical(EXT.policyConstraints) !== true) {
      violations.push('policyConstraints is not critical');
    }
    if (ext.has(EXT.inhibitAnyPolicy) && critical(EXT.inhibitAnyPolicy) !== true) {
      violations.push('inhibitAnyPolicy is not critical');
    }
    for (const n of out.subjectAltName ?? []) {
      const p = nameSyntaxProblem(n);
      if (p !== undefined) violations.push(`subjectAltName: ${p}`);
    }
  }
  const analysis: CertificateAnalysis = {
    ...out,
    malformed,
    violations,
    unknownCritical,
    subject,
    selfIssued: malformed === undefined ? namesMatch(cert.subjectDer, cert.issuerDer) : false,
    isCa,
    missingAkiKeyId: cert.version === 3 ? cert.authorityKeyIdentifier === undefined : false,
    subjectEmails: emailAttributes(subject),
  };
  return analysis;
}
