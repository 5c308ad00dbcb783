/**
 * Certification path validation (RFC 5280 §6): {@link PathValidator}, which builds a path from a leaf
 * certificate through untrusted intermediates to a trust anchor and validates it — signatures, validity,
 * basic constraints and path length, key usage and extended key usage, name constraints, certificate
 * policies, unknown critical extensions, CRL revocation — returning a verdict with a stable code. It is also
 * a `ChainValidator` of `@semper/crypto`, so `verifySignedData` and `openContainer` accept it as `trust`.
 *
 * Path building is a depth-first search from the leaf: the candidate issuers of a certificate are the trust
 * anchors and then the intermediates whose subject matches its issuer Name (RFC 5280 §7.1 comparison), those
 * whose subjectKeyIdentifier matches its authorityKeyIdentifier first; a candidate whose key identifier
 * contradicts, or that is already on the path (the same certificate, or the same subject and key), is
 * skipped, so cycles end. Each step checks the signature and what concerns the candidate alone (validity,
 * extensions, CA-ness, keyCertSign, extKeyUsage); a path that reaches an anchor is then checked as a whole
 * (path length, depth, name constraints, policies, revocation), and on failure the search backtracks to the
 * next candidate. Budgets bound the work on hostile input (see {@link PATH_LIMITS}).
 *
 * @packageDocumentation
 */
import { type Certificate, type ChainValidator, type KeyUsageName, SignatureVerificationError } from '@semper/crypto';
import { CertificateRevocationList } from '../crl.js';
import { CertificatesError, PathValidationError } from '../errors.js';
import { equalBytes, toHex } from './der.js';
import { analyze, type NameConstraintsValue } from './extensions.js';
import { checkNameConstraints } from './name-constraints.js';
import { namesMatch } from './names.js';
import { processPolicies } from './policy.js';
import type { PathValidationFailure, PathValidationFailureCode, PathValidationResult } from './result.js';
import { checkRevocation } from './revocation.js';

/**
 * Which certificates of the path are checked against CRLs: none, the leaf only, or every certificate but
 * the trust anchor.
 *
 * @example
 * ```ts
 * const mode: RevocationMode = 'chain';
 * ```
 */
export type RevocationMode = 'none' | 'leaf' | 'chain';

/**
 * What the leaf's key is to be used for, checked against its keyUsage (when present): `sign` needs
 * digitalSignature or nonRepudiation, `encrypt` keyEncipherment or keyAgreement, `any` nothing.
 *
 * @example
 * ```ts
 * const purpose: KeyPurpose = 'sign';
 * ```
 */
export type KeyPurpose = 'sign' | 'encrypt' | 'any';

/**
 * Options of {@link PathValidator.validate}.
 *
 * @example
 * ```ts
 * const o: PathValidationOptions = {
 *   intermediates,
 *   at: signingTime,
 *   crls,
 *   revocation: 'chain',
 *   purpose: 'sign',
 *   extendedKeyUsage: ['emailProtection'],
 * };
 * ```
 */
export interface PathValidationOptions {
  /** Untrusted certificates to build the path with, in any order (default none). */
  readonly intermediates?: readonly Certificate[];
  /** Validation time (default now); compared at whole seconds, as certificates state their validity. */
  readonly at?: Date;
  /** CRLs to check revocation with. */
  readonly crls?: readonly CertificateRevocationList[];
  /** Default `none`. With `leaf` or `chain`, a certificate that no usable CRL covers fails (`CRL_UNAVAILABLE`). */
  readonly revocation?: RevocationMode;
  /** keyUsage bits the leaf must assert (all of them), when it has a keyUsage extension. */
  readonly keyUsage?: readonly KeyUsageName[];
  /**
   * Purposes the leaf must allow, as OIDs or names (`serverAuth`, `clientAuth`, `codeSigning`,
   * `emailProtection`, `timeStamping`, `OCSPSigning`): its extKeyUsage, when present, must list each or
   * anyExtendedKeyUsage; so must the extKeyUsage of every CA certificate on the path that has one.
   */
  readonly extendedKeyUsage?: readonly string[];
  /** Default `any`. */
  readonly purpose?: KeyPurpose;
  /** Most intermediate CA certificates between leaf and anchor, self-issued ones not counted; default 8. */
  readonly maxDepth?: number;
  /**
   * Enforce the RFC 5280 profile rules a validator can see on every certificate of the path (see the
   * `PROFILE_VIOLATION` code) and use only conforming CRLs (version 2, non-critical cRLNumber, nextUpdate).
   * Default true.
   */
  readonly strict?: boolean;
}

/**
 * The defaults a {@link PathValidator} applies to every validation (and to `buildChain`, which takes only
 * the intermediates and the time).
 *
 * @example
 * ```ts
 * const defaults: PathValidatorDefaults = { crls, revocation: 'chain', purpose: 'sign' };
 * ```
 */
export type PathValidatorDefaults = Omit<PathValidationOptions, 'intermediates' | 'at'>;

/**
 * The bounds on path building.
 *
 * @example
 * ```ts
 * console.log(PATH_LIMITS.maxSignatureChecks);
 * ```
 */
export const PATH_LIMITS = Object.freeze({
  /** Default of {@link PathValidationOptions.maxDepth}. */
  defaultMaxDepth: 8,
  /** Longest path, anchor and self-issued certificates included, whatever maxDepth says. */
  maxPathLength: 32,
  /** Signature checks per validation. */
  maxSignatureChecks: 256,
  /** Candidate issuers considered per validation. */
  maxCandidates: 4096,
  /** Complete paths (that reach an anchor) checked per validation. */
  maxCompletePaths: 64,
});

const EKU_NAMES: Readonly<Record<string, string>> = {
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
  codeSigning: '1.3.6.1.5.5.7.3.3',
  emailProtection: '1.3.6.1.5.5.7.3.4',
  timeStamping: '1.3.6.1.5.5.7.3.8',
  OCSPSigning: '1.3.6.1.5.5.7.3.9',
  anyExtendedKeyUsage: '2.5.29.37.0',
};
const ANY_EKU = '2.5.29.37.0';
const KEY_USAGES: ReadonlySet<string> = new Set([
  'digitalSignature',
  'nonRepudiation',
  'keyEncipherment',
  'dataEncipherment',
  'keyAgreement',
  'keyCertSign',
  'cRLSign',
  'encipherOnly',
  'decipherOnly',
]);

type EdgeResult = 'ok' | 'bad' | 'unsupported';
const edgeChecks = new WeakMap<Certificate, Map<string, Promise<EdgeResult>>>();
const spkiHexes = new WeakMap<Certificate, string>();
const selfSignedChecks = new WeakMap<Certificate, Promise<boolean>>();

function spkiHex(c: Certificate): string {
  let h = spkiHexes.get(c);
  if (h === undefined) {
    h = toHex(c.publicKey.toSpki());
    spkiHexes.set(c, h);
  }
  return h;
}

async function verifyEdge(child: Certificate, issuer: Certificate): Promise<EdgeResult> {
  try {
    return (await child.verifySignature(issuer.publicKey)) ? 'ok' : 'bad';
  } catch {
    return 'unsupported';
  }
}

function isSelfSigned(cert: Certificate): Promise<boolean> {
  let p = selfSignedChecks.get(cert);
  if (p === undefined) {
    p = analyze(cert).selfIssued ? verifyEdge(cert, cert).then((r) => r === 'ok') : Promise.resolve(false);
    selfSignedChecks.set(cert, p);
  }
  return p;
}

function isCertificate(c: unknown): c is Certificate {
  return (
    typeof c === 'object' &&
    c !== null &&
    (c as Certificate).der instanceof Uint8Array &&
    typeof (c as Certificate).equals === 'function' &&
    typeof (c as Certificate).verifySignature === 'function'
  );
}

function invalid(message: string): CertificatesError {
  return new CertificatesError('ERR_CERTIFICATES_INVALID_ARGUMENT', message);
}

interface Resolved {
  readonly intermediates: readonly Certificate[];
  readonly at: Date;
  readonly crls: readonly CertificateRevocationList[];
  readonly revocation: RevocationMode;
  readonly keyUsage: readonly KeyUsageName[];
  readonly extendedKeyUsage: readonly string[];
  readonly purpose: KeyPurpose;
  readonly maxDepth: number;
  readonly strict: boolean;
}

function resolveOptions(defaults: PathValidatorDefaults, o: PathValidationOptions): Resolved {
  if (o === null || typeof o !== 'object') throw invalid('options must be an object');
  const merged = { ...defaults, ...o };
  const intermediates = merged.intermediates ?? [];
  if (!Array.isArray(intermediates) || !intermediates.every(isCertificate)) {
    throw invalid('intermediates must be an array of Certificates');
  }
  const atIn = merged.at ?? new Date();
  if (!(atIn instanceof Date) || Number.isNaN(atIn.getTime())) throw invalid('at must be a valid Date');
  const crls = merged.crls ?? [];
  if (!Array.isArray(crls) || !crls.every((c) => c instanceof CertificateRevocationList)) {
    throw invalid('crls must be an array of CertificateRevocationList');
  }
  const revocation = merged.revocation ?? 'none';
  if (!['none', 'leaf', 'chain'].includes(revocation)) throw invalid(`revocation must be none, leaf or chain`);
  const purpose = merged.purpose ?? 'any';
  if (!['sign', 'encrypt', 'any'].includes(purpose)) throw invalid('purpose must be sign, encrypt or any');
  const keyUsage = merged.keyUsage ?? [];
  if (!Array.isArray(keyUsage) || !keyUsage.every((k) => KEY_USAGES.has(k))) {
    throw invalid('keyUsage must list key usage names (digitalSignature, nonRepudiation, …)');
  }
  const eku = merged.extendedKeyUsage ?? [];
  if (!Array.isArray(eku)) throw invalid('extendedKeyUsage must be an array');
  const extendedKeyUsage = eku.map((e) => {
    const oid = typeof e === 'string' ? (EKU_NAMES[e] ?? e) : '';
    if (!/^[0-2](\.(0|[1-9][0-9]*))+$/.test(oid)) throw invalid(`not an extended key usage: ${JSON.stringify(e)}`);
    return oid;
  });
  const maxDepth = merged.maxDepth ?? PATH_LIMITS.defaultMaxDepth;
  if (!Number.isSafeInteger(maxDepth) || maxDepth < 0) throw invalid('maxDepth must be a non-negative integer');
  const strict = merged.strict ?? true;
  if (typeof strict !== 'boolean') throw invalid('strict must be a boolean');
  return {
    intermediates,
    at: new Date(Math.floor(atIn.getTime() / 1000) * 1000),
    crls,
    revocation,
    keyUsage,
    extendedKeyUsage,
    purpose,
    maxDepth,
    strict,
  };
}

/** One validation's state: options, budgets, and the best failure so far. */
class Search {
  readonly o: Resolved;
  readonly anchors: readonly Certificate[];
  readonly intermediates: readonly Certificate[];
  signatures = 0;
  candidates = 0;
  completePaths = 0;
  exhausted = false;
  best: { failure: PathValidationFailure; score: number } | undefined;

  constructor(o: Resolved, anchors: readonly Certificate[]) {
    this.o = o;
    this.anchors = anchors;
    // An intermediate that is also an anchor is the anchor; duplicates are dropped.
    const seen: Certificate[] = [];
    for (const c of o.intermediates) {
      if (!anchors.some((a) => a.equals(c)) && !seen.some((s) => s.equals(c))) seen.push(c);
    }
    this.intermediates = seen;
  }

  record(code: PathValidationFailureCode, reason: string, certificate: Certificate | undefined, score: number): void {
    if (this.best === undefined || score > this.best.score) {
      this.best = {
        failure: { valid: false, code, reason, ...(certificate === undefined ? {} : { certificate }) },
        score,
      };
    }
  }

  recordFailure(f: PathValidationFailure, score: number): void {
    if (this.best === undefined || score > this.best.score) this.best = { failure: f, score };
  }

  isAnchor(c: Certificate): boolean {
    return this.anchors.some((a) => a === c);
  }

  /**
   * The signature check of `child` by `issuer`, memoized per (child, issuer key) across validations;
   * undefined when this validation's budget of signature checks is spent.
   */
  edge(child: Certificate, issuer: Certificate): Promise<EdgeResult> | undefined {
    let perChild = edgeChecks.get(child);
    if (perChild === undefined) {
      perChild = new Map();
      edgeChecks.set(child, perChild);
    }
    const key = spkiHex(issuer);
    let p = perChild.get(key);
    if (p === undefined) {
      if (this.signatures >= PATH_LIMITS.maxSignatureChecks) return undefined;
      this.signatures++;
      p = verifyEdge(child, issuer);
      perChild.set(key, p);
    }
    return p;
  }
}

function requestedEkuProblem(cert: Certificate, wanted: readonly string[]): string | undefined {
  const eku = cert.extendedKeyUsage;
  if (eku === undefined || wanted.length === 0 || eku.includes(ANY_EKU)) return undefined;
  const missing = wanted.filter((w) => !eku.includes(w));
  return missing.length === 0 ? undefined : `the extKeyUsage of ${cert.subject} does not allow ${missing.join(', ')}`;
}

/**
 * What concerns `cert` alone, whatever its place: well-formed, no unknown critical extension, the profile
 * (strict), valid at `at`.
 */
async function certificateProblem(
  cert: Certificate,
  o: Resolved,
  isAnchor: boolean,
): Promise<{ code: PathValidationFailureCode; reason: string } | undefined> {
  const a = analyze(cert);
  if (a.malformed !== undefined) return { code: 'MALFORMED', reason: `${cert.subject}: ${a.malformed}` };
  if (a.unknownCritical.length > 0) {
    return {
      code: 'UNKNOWN_CRITICAL_EXTENSION',
      reason: `${cert.subject} has a critical extension semper does not process: ${a.unknownCritical.join(', ')}`,
    };
  }
  if (o.strict) {
    if (a.violations.length > 0) {
      return { code: 'PROFILE_VIOLATION', reason: `${cert.subject}: ${a.violations.join('; ')} (RFC 5280)` };
    }
    // The authority key identifier names the key above a certificate: nothing to check for a trust anchor,
    // which is input to validation (§6.1.1 (d)) and may be a cross-certificate trusted as configured.
    if (a.missingAkiKeyId && !isAnchor && !(await isSelfSigned(cert))) {
      return {
        code: 'PROFILE_VIOLATION',
        reason: `${cert.subject} has no authorityKeyIdentifier keyIdentifier, which only a self-signed certificate may omit (RFC 5280 §4.2.1.1)`,
      };
    }
  }
  const t = o.at.getTime();
  if (t < cert.notBefore.getTime()) {
    return {
      code: 'NOT_YET_VALID',
      reason: `${cert.subject} is not valid before ${cert.notBefore.toISOString()} (validation time ${o.at.toISOString()})`,
    };
  }
  if (t > cert.notAfter.getTime()) {
    return {
      code: 'EXPIRED',
      reason: `${cert.subject} expired at ${cert.notAfter.toISOString()} (validation time ${o.at.toISOString()})`,
    };
  }
  return undefined;
}

/** Why `issuer` may not issue certificates; undefined if it may. */
function issuerProblem(
  issuer: Certificate,
  isAnchor: boolean,
  o: Resolved,
): { code: PathValidationFailureCode; reason: string } | undefined {
  if (issuer.version < 3) {
    // A version 1 or 2 trust anchor is a CA by configuration (RFC 5280 §6.1.4 (k) asks for out-of-band means).
    if (isAnchor) return undefined;
    return { code: 'NOT_A_CA', reason: `${issuer.subject} is a version ${issuer.version} certificate, not a CA` };
  }
  if (issuer.basicConstraints?.ca !== true) {
    return { code: 'NOT_A_CA', reason: `${issuer.subject} is not a CA (basicConstraints cA is not asserted)` };
  }
  if (issuer.keyUsage !== undefined && !issuer.keyUsage.includes('keyCertSign')) {
    return { code: 'KEY_USAGE', reason: `${issuer.subject} may not sign certificates (keyUsage lacks keyCertSign)` };
  }
  const eku = requestedEkuProblem(issuer, o.extendedKeyUsage);
  if (eku !== undefined) return { code: 'EXTENDED_KEY_USAGE', reason: eku };
  return undefined;
}

/** Why the leaf's key may not be used as asked; undefined if it may. */
function leafUsageProblem(
  leaf: Certificate,
  o: Resolved,
): { code: PathValidationFailureCode; reason: string } | undefined {
  const ku = leaf.keyUsage;
  if (ku !== undefined) {
    const missing = o.keyUsage.filter((k) => !ku.includes(k));
    if (missing.length > 0) {
      return { code: 'KEY_USAGE', reason: `the keyUsage of ${leaf.subject} lacks ${missing.join(', ')}` };
    }
    if (o.purpose === 'sign' && !ku.includes('digitalSignature') && !ku.includes('nonRepudiation')) {
      return {
        code: 'KEY_USAGE',
        reason: `${leaf.subject} may not sign: its keyUsage asserts neither digitalSignature nor nonRepudiation`,
      };
    }
    if (o.purpose === 'encrypt' && !ku.includes('keyEncipherment') && !ku.includes('keyAgreement')) {
      return {
        code: 'KEY_USAGE',
        reason: `${leaf.subject} may not receive encrypted keys: its keyUsage asserts neither keyEncipherment nor keyAgreement`,
      };
    }
  }
  const eku = requestedEkuProblem(leaf, o.extendedKeyUsage);
  if (eku !== undefined) return { code: 'EXTENDED_KEY_USAGE', reason: eku };
  return undefined;
}

/** The checks of a complete path (leaf first, anchor last) that depend on the path as a whole. */
async function checkCompletePath(path: readonly Certificate[], o: Resolved): Promise<PathValidationResult> {
  const n = path.length;
  const anchor = path[n - 1];
  const fail = (code: PathValidationFailureCode, reason: string, certificate?: Certificate): PathValidationFailure => ({
    valid: false,
    code,
    reason,
    ...(certificate === undefined ? {} : { certificate }),
  });
  // Depth: intermediates, self-issued ones not counted.
  const intermediates = path.slice(1, n - 1);
  const counted = intermediates.filter((c) => !analyze(c).selfIssued).length;
  if (counted > o.maxDepth) {
    return fail('CHAIN_TOO_LONG', `the path has ${counted} intermediate CA certificates, more than ${o.maxDepth}`);
  }
  // §6.1.4 (l)–(m): max_path_length, starting from the anchor's own constraint (as OpenSSL does).
  let remaining =
    anchor.version === 3 ? (anchor.basicConstraints?.pathLength ?? Number.POSITIVE_INFINITY) : Number.POSITIVE_INFINITY;
  let constrainedBy = anchor;
  for (let k = n - 2; k >= 1; k--) {
    const c = path[k];
    if (!analyze(c).selfIssued) {
      if (remaining <= 0) {
        return fail(
          'PATH_LENGTH_EXCEEDED',
          `${constrainedBy.subject} allows no further intermediate CA certificate below it, and ${c.subject} is one (pathLenConstraint)`,
          c,
        );
      }
      remaining--;
    }
    const pl = c.basicConstraints?.pathLength;
    if (pl !== undefined && pl < remaining) {
      remaining = pl;
      constrainedBy = c;
    }
  }
  // §6.1.3 (b)–(c), §6.1.4 (g): name constraints, the anchor's included.
  const layers: NameConstraintsValue[] = [];
  const budget = { used: 0 };
  const anchorNc = analyze(anchor).nameConstraints;
  if (anchorNc !== undefined) layers.push(anchorNc);
  for (let k = n - 2; k >= 0; k--) {
    const a = analyze(path[k]);
    if (!(k > 0 && a.selfIssued)) {
      const problem = checkNameConstraints(a, layers, budget);
      if (problem !== undefined) return fail('NAME_CONSTRAINTS', `${path[k].subject}: ${problem}`, path[k]);
    }
    if (a.nameConstraints !== undefined) layers.push(a.nameConstraints);
  }
  // Certificate policies.
  const policyPath = path.slice(0, n - 1).reverse();
  const policy = processPolicies(policyPath.map(analyze));
  if (!policy.ok)
    return fail('POLICY', `${policyPath[policy.index].subject}: ${policy.reason}`, policyPath[policy.index]);
  // §6.3: revocation, leaf first.
  const last = o.revocation === 'none' ? -1 : o.revocation === 'leaf' ? Math.min(0, n - 2) : n - 2;
  for (let k = 0; k <= last; k++) {
    const f = await checkRevocation(path[k], path[k + 1], o.crls, o.at, o.strict);
    if (f !== undefined) return f;
  }
  return { valid: true, chain: path, policies: policy.policies };
}

/**
 * An RFC 5280 path validator over a set of trust anchors; a `ChainValidator` for `verifySignedData`.
 *
 * What it checks, and how: see the package README ("Path validation") and {@link PathValidationOptions}.
 * Trust anchors are certificates; an anchor is checked like the other certificates of the path (validity,
 * extensions, profile, CA-ness, keyCertSign, extKeyUsage), and its pathLenConstraint and name constraints
 * apply below it (as OpenSSL does). A version 1 anchor is a CA by configuration.
 *
 * @example
 * ```ts
 * import { CertificateRevocationList, PathValidator } from '@semper/certificates';
 * const validator = new PathValidator([root], { crls: [rootCrl, intermediateCrl], revocation: 'chain' });
 * const r = await validator.validate(leaf, { intermediates: [intermediate], purpose: 'sign' });
 * if (r.valid) console.log('trusted:', r.chain.map((c) => c.subject));
 * else console.log(r.code, r.reason); // e.g. REVOKED CN=Alice (serial 1f…) was revoked on …
 *
 * // As the trust of a signed statement:
 * const verified = await verifySignedData(bytes, { trust: validator });
 * ```
 */
export class PathValidator implements ChainValidator {
  readonly #anchors: Certificate[] = [];
  readonly #defaults: PathValidatorDefaults;

  constructor(anchors: Iterable<Certificate>, defaults: PathValidatorDefaults = {}) {
    if (anchors === null || typeof (anchors as Iterable<Certificate>)?.[Symbol.iterator] !== 'function') {
      throw invalid('anchors must be an iterable of Certificates');
    }
    for (const a of anchors) {
      if (!isCertificate(a)) throw invalid('a trust anchor must be a Certificate');
      if (!this.#anchors.some((x) => x.equals(a))) this.#anchors.push(a);
    }
    resolveOptions({}, defaults ?? {}); // refuse bad defaults now, not at the first validation
    this.#defaults = { ...defaults };
  }

  /**
   * The trust anchors, in the order given.
   *
   * @example
   * ```ts
   * console.log(validator.anchors.map((a) => a.subject));
   * ```
   */
  get anchors(): readonly Certificate[] {
    return [...this.#anchors];
  }

  /**
   * The anchor with the same DER as `cert`, if any.
   *
   * @example
   * ```ts
   * if (validator.find(cert)) console.log('a trust anchor');
   * ```
   */
  find(cert: Certificate): Certificate | undefined {
    return this.#anchors.find((a) => a.equals(cert));
  }

  /**
   * Builds and validates a path from `leaf` to a trust anchor. Expected outcomes — an untrusted, expired,
   * revoked … certificate — are returned as a failure with a stable code; only a bad argument throws.
   *
   * @throws {@link CertificatesError} `ERR_CERTIFICATES_INVALID_ARGUMENT` for bad options.
   *
   * @example
   * ```ts
   * const r = await validator.validate(leaf, {
   *   intermediates,
   *   at: new Date('2026-06-01T00:00:00Z'),
   *   crls,
   *   revocation: 'leaf',
   *   extendedKeyUsage: ['clientAuth'],
   * });
   * if (!r.valid) throw new Error(`${r.code}: ${r.reason}`);
   * ```
   */
  async validate(leaf: Certificate, options: PathValidationOptions = {}): Promise<PathValidationResult> {
    if (!isCertificate(leaf)) throw invalid('leaf must be a Certificate');
    const o = resolveOptions(this.#defaults, options);
    const search = new Search(o, this.#anchors);
    const anchorLeaf = this.find(leaf);
    const leafProblem = (await certificateProblem(leaf, o, anchorLeaf !== undefined)) ?? leafUsageProblem(leaf, o);
    if (leafProblem !== undefined) return { valid: false, ...leafProblem, certificate: leaf };
    if (anchorLeaf !== undefined) {
      const r = await checkCompletePath([anchorLeaf], o);
      if (r.valid) return r;
      search.recordFailure(r, 1000);
    } else {
      const found = await this.#extend([leaf], search);
      if (found !== undefined) return found;
    }
    const best = search.best;
    if (search.exhausted && (best === undefined || best.score < 1000)) {
      // The search stopped before it could rule every path out: say so, not what a partial search saw.
      return {
        valid: false,
        code: 'PATH_BUILDING_LIMIT',
        reason: `path building for ${leaf.subject} stopped at its limits${best === undefined ? '' : ` (so far: ${best.failure.code}: ${best.failure.reason})`}`,
        certificate: leaf,
      };
    }
    if (best !== undefined) return best.failure;
    return { valid: false, code: 'NO_ISSUER', reason: `no issuer found for ${leaf.subject}`, certificate: leaf };
  }

  /**
   * The `ChainValidator` contract of `@semper/crypto`: validates `leaf` with the constructor's defaults and
   * returns the chain, leaf first and anchor last.
   *
   * @throws `SignatureVerificationError` `ERR_CRYPTO_UNTRUSTED_SIGNER` naming the reason when the path does not
   * validate, with a {@link PathValidationError} as its `cause`.
   *
   * @example
   * ```ts
   * const chain = await validator.buildChain(signer, certificatesInMessage, signingTime);
   * ```
   */
  async buildChain(leaf: Certificate, intermediates: readonly Certificate[] = [], at?: Date): Promise<Certificate[]> {
    const r = await this.validate(leaf, { intermediates, ...(at === undefined ? {} : { at }) });
    if (r.valid) return [...r.chain];
    throw new SignatureVerificationError(
      'ERR_CRYPTO_UNTRUSTED_SIGNER',
      `the certificate of ${leaf.subject} is not trusted: ${r.code}: ${r.reason}`,
      { cause: new PathValidationError(r) },
    );
  }

  /** Extends `path` (leaf first) towards an anchor; returns the first complete path that validates. */
  async #extend(path: Certificate[], s: Search): Promise<PathValidationResult | undefined> {
    const cert = path[path.length - 1];
    const depth = path.length; // certificates that verified so far
    const onPath = (c: Certificate): boolean =>
      path.some((p) => p.equals(c) || (namesMatch(p.subjectDer, c.subjectDer) && spkiHex(p) === spkiHex(c)));
    const byName = (list: readonly Certificate[]): Certificate[] =>
      list.filter((c) => namesMatch(c.subjectDer, cert.issuerDer) && !onPath(c));
    const akiOrder = (c: Certificate): number => {
      if (cert.authorityKeyIdentifier === undefined || c.subjectKeyIdentifier === undefined) return 1;
      return equalBytes(cert.authorityKeyIdentifier, c.subjectKeyIdentifier) ? 0 : 2;
    };
    const t = s.o.at.getTime();
    const timeOrder = (c: Certificate): number => (t >= c.notBefore.getTime() && t <= c.notAfter.getTime() ? 0 : 1);
    const named = [...byName(s.anchors), ...byName(s.intermediates)];
    const candidates = named
      .map((c, i) => ({ c, anchor: s.isAnchor(c), i }))
      .filter(({ c }) => akiOrder(c) !== 2)
      .sort(
        (x, y) =>
          Number(y.anchor) - Number(x.anchor) ||
          akiOrder(x.c) - akiOrder(y.c) ||
          timeOrder(x.c) - timeOrder(y.c) ||
          x.i - y.i,
      );
    if (candidates.length === 0) {
      if (named.length > 0) {
        s.record(
          'NO_ISSUER',
          `the authorityKeyIdentifier of ${cert.subject} matches the subjectKeyIdentifier of none of the certificates named ${cert.issuer}`,
          cert,
          depth * 10 + 2,
        );
      } else if (await isSelfSigned(cert)) {
        s.record('UNTRUSTED', `${cert.subject} is self-signed and not a trust anchor`, cert, depth * 10 + 1);
      } else {
        s.record(
          'NO_ISSUER',
          `no trust anchor or supplied certificate is the issuer of ${cert.subject} (${cert.issuer})`,
          cert,
          depth * 10 + 1,
        );
      }
      return undefined;
    }
    for (const { c, anchor } of candidates) {
      if (++s.candidates > PATH_LIMITS.maxCandidates) {
        s.exhausted = true;
        s.record(
          'PATH_BUILDING_LIMIT',
          `path building considered more than ${PATH_LIMITS.maxCandidates} candidate issuers`,
          undefined,
          0,
        );
        return undefined;
      }
      const edge = s.edge(cert, c);
      if (edge === undefined) {
        s.exhausted = true;
        s.record(
          'PATH_BUILDING_LIMIT',
          `path building needed more than ${PATH_LIMITS.maxSignatureChecks} signature checks`,
          undefined,
          0,
        );
        return undefined;
      }
      const sig = await edge;
      if (sig !== 'ok') {
        if (sig === 'bad') {
          s.record(
            'BAD_SIGNATURE',
            `the signature of ${cert.subject} does not verify with the key of ${c.subject}`,
            cert,
            depth * 10 + 3,
          );
        } else {
          s.record(
            'UNSUPPORTED_ALGORITHM',
            `the signature of ${cert.subject} (${cert.signatureScheme.kind}${'hash' in cert.signatureScheme && cert.signatureScheme.hash ? ` with ${cert.signatureScheme.hash}` : ''}) cannot be checked with the ${c.publicKey.type} key of ${c.subject}`,
            cert,
            depth * 10 + 3,
          );
        }
        continue;
      }
      const own = await certificateProblem(c, s.o, anchor);
      if (own !== undefined) {
        s.record(own.code, own.reason, c, (depth + 1) * 10 + 5);
        continue;
      }
      const role = issuerProblem(c, anchor, s.o);
      if (role !== undefined) {
        s.record(role.code, role.reason, c, (depth + 1) * 10 + 5);
        continue;
      }
      const next = [...path, c];
      if (anchor) {
        if (++s.completePaths > PATH_LIMITS.maxCompletePaths) {
          s.exhausted = true;
          s.record(
            'PATH_BUILDING_LIMIT',
            `more than ${PATH_LIMITS.maxCompletePaths} complete paths were checked`,
            undefined,
            0,
          );
          return undefined;
        }
        const r = await checkCompletePath(next, s.o);
        if (r.valid) return r;
        s.recordFailure(r, 1000 + next.length);
        continue;
      }
      const counted = next.slice(1).filter((x) => !analyze(x).selfIssued).length;
      if (counted > s.o.maxDepth || next.length >= PATH_LIMITS.maxPathLength) {
        s.record(
          'CHAIN_TOO_LONG',
          `the path from ${next[0].subject} needs more than ${Math.min(s.o.maxDepth, PATH_LIMITS.maxPathLength - 2)} intermediate CA certificates`,
          c,
          (depth + 1) * 10 + 4,
        );
        continue;
      }
      const found = await this.#extend(next, s);
      if (found !== undefined) return found;
      if (s.exhausted) return undefined;
    }
    return undefined;
  }
}
