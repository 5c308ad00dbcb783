/**
 * The verdict types of path validation.
 *
 * @packageDocumentation
 */
import type { Certificate } from '@semper/crypto';

/**
 * Why a certification path does not validate: one stable code per defect.
 *
 * - `MALFORMED`: an extension (or Name) of a certificate on the path does not decode, or breaks an ASN.1
 *   constraint (an empty extKeyUsage, an invalid name constraint, …).
 * - `PROFILE_VIOLATION` (strict mode): a certificate breaks a rule of the RFC 5280 profile that a validator
 *   can see (a missing or critical key identifier, a non-critical basicConstraints in a CA, a CA whose
 *   keyUsage lacks keyCertSign, a zero or negative serial number, a subjectAltName not in its syntax, …).
 * - `UNKNOWN_CRITICAL_EXTENSION`: a critical extension semper does not process.
 * - `EXPIRED`, `NOT_YET_VALID`: a certificate is not valid at the validation time (whole seconds).
 * - `NO_ISSUER`: no trust anchor or supplied certificate is the issuer of a certificate.
 * - `UNTRUSTED`: the path ends in a self-signed certificate that is not a trust anchor.
 * - `BAD_SIGNATURE`: a signature does not verify with the issuer's key.
 * - `UNSUPPORTED_ALGORITHM`: a signature algorithm or key semper does not verify (SHA-1, DSA, P-192, …).
 * - `NOT_A_CA`: an issuer is not a CA (basicConstraints cA, version 3).
 * - `PATH_LENGTH_EXCEEDED`: a pathLenConstraint is exceeded (self-issued intermediates not counted).
 * - `CHAIN_TOO_LONG`: more intermediates than the caller's `maxDepth`.
 * - `KEY_USAGE`: keyUsage does not allow the use (keyCertSign for an issuer, the requested usage or purpose
 *   for the leaf, cRLSign for a CRL issuer is reported as `CRL_UNAVAILABLE`).
 * - `EXTENDED_KEY_USAGE`: the leaf's (or a CA's) extKeyUsage does not allow a requested purpose.
 * - `NAME_CONSTRAINTS`: a name is outside a permitted or inside an excluded subtree, or cannot be checked.
 * - `POLICY`: an explicit certificate policy is required (policyConstraints) and none is valid.
 * - `REVOKED`: a CRL revokes a certificate.
 * - `CRL_UNAVAILABLE`: no usable CRL covers a certificate (none given, out of scope, bad signature, issuer
 *   without cRLSign, not conforming, indirect or delta).
 * - `CRL_EXPIRED`, `CRL_NOT_YET_VALID`: the only CRLs that would do are stale, or not yet valid.
 * - `PATH_BUILDING_LIMIT`: path building gave up (too many candidate issuers or signature checks).
 *
 * @example
 * ```ts
 * const retryLater: PathValidationFailureCode[] = ['CRL_UNAVAILABLE', 'CRL_EXPIRED'];
 * ```
 */
export type PathValidationFailureCode =
  | 'MALFORMED'
  | 'PROFILE_VIOLATION'
  | 'UNKNOWN_CRITICAL_EXTENSION'
  | 'EXPIRED'
  | 'NOT_YET_VALID'
  | 'NO_ISSUER'
  | 'UNTRUSTED'
  | 'BAD_SIGNATURE'
  | 'UNSUPPORTED_ALGORITHM'
  | 'NOT_A_CA'
  | 'PATH_LENGTH_EXCEEDED'
  | 'CHAIN_TOO_LONG'
  | 'KEY_USAGE'
  | 'EXTENDED_KEY_USAGE'
  | 'NAME_CONSTRAINTS'
  | 'POLICY'
  | 'REVOKED'
  | 'CRL_UNAVAILABLE'
  | 'CRL_EXPIRED'
  | 'CRL_NOT_YET_VALID'
  | 'PATH_BUILDING_LIMIT';

/**
 * A path that does not validate: the code, a sentence saying why, and the certificate at fault when there
 * is one. When several candidate paths failed, the one that got furthest is reported.
 *
 * @example
 * ```ts
 * const r = await validator.validate(leaf, { intermediates });
 * if (!r.valid) console.error(r.code, r.reason, r.certificate?.subject);
 * ```
 */
export interface PathValidationFailure {
  readonly valid: false;
  readonly code: PathValidationFailureCode;
  readonly reason: string;
  readonly certificate?: Certificate;
}

/**
 * A valid path: the chain from the leaf (first) to the trust anchor (last), and the authorities-constrained
 * policy set of RFC 5280 §6.1.5 (g): the policies valid for the whole path (`2.5.29.32.0`, anyPolicy, when
 * every certificate asserts it). Empty when the valid_policy_tree is NULL — as soon as one certificate of
 * the path has no certificatePolicies — which is valid unless a policyConstraints requires an explicit policy.
 *
 * @example
 * ```ts
 * const r = await validator.validate(leaf, { intermediates });
 * if (r.valid) console.log(r.chain.map((c) => c.subject).join(' <- '));
 * ```
 */
export interface PathValidationSuccess {
  readonly valid: true;
  readonly chain: readonly Certificate[];
  readonly policies: readonly string[];
}

/**
 * The verdict of `PathValidator.validate`: an expected outcome, returned, never thrown.
 *
 * @example
 * ```ts
 * const r: PathValidationResult = await validator.validate(leaf, { intermediates, at });
 * if (!r.valid && r.code === 'REVOKED') notifyUser(r.reason);
 * ```
 */
export type PathValidationResult = PathValidationSuccess | PathValidationFailure;
