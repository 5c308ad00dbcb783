import { SemperError } from '@semper/core';
import type { PathValidationFailure } from './validation/result.js';

/**
 * Codes thrown by `@semper/certificates`. Each part of the block adds its own codes here (keep the union
 * sorted by part, each code documented).
 *
 * @example
 * ```ts
 * import { CertificatesError } from '@semper/certificates';
 * try { await ra.enrol(request); } catch (e) { if (e instanceof CertificatesError) console.error(e.code); }
 * ```
 */
export type CertificatesErrorCode =
  /** A caller's argument is invalid (a programming or configuration error, not untrusted input). */
  | 'ERR_CERTIFICATES_INVALID_ARGUMENT'
  /** Input (a CRL, a certification request, a certificate) is not well-formed. */
  | 'ERR_CERTIFICATES_MALFORMED'
  // --- certification requests (PKCS#10) ---
  /** A certification request's signature does not verify with its own key: no proof of possession. */
  | 'ERR_CERTIFICATES_POP_FAILED'
  /** A signature algorithm that is refused (SHA-1) or unknown. */
  | 'ERR_CERTIFICATES_UNSUPPORTED_ALGORITHM'
  /** A public key of a type or size semper does not use, or that the profile does not allow. */
  | 'ERR_CERTIFICATES_UNSUPPORTED_KEY'
  // --- CA modules ---
  /** The profile is not one of the certificate profiles, or the module does not issue it. */
  | 'ERR_CERTIFICATES_UNKNOWN_PROFILE'
  /** No CA with this id in the module. */
  | 'ERR_CERTIFICATES_UNKNOWN_CA'
  /** A CA with this id already exists in the module. */
  | 'ERR_CERTIFICATES_CA_EXISTS'
  /** The issuing CA is not valid now (expired or not yet valid), or cannot issue (not a CA, path length). */
  | 'ERR_CERTIFICATES_CA_UNUSABLE'
  /** The CA's private key cannot be unlocked (wrong passphrase in the configuration, corrupt record). */
  | 'ERR_CERTIFICATES_CA_KEY_UNAVAILABLE'
  /** The requested validity is empty, or ends after the issuer's certificate. */
  | 'ERR_CERTIFICATES_VALIDITY'
  /** No certificate with this serial number was issued by the CA. */
  | 'ERR_CERTIFICATES_NOT_FOUND'
  /** The certificate is already revoked (with a final reason). */
  | 'ERR_CERTIFICATES_ALREADY_REVOKED'
  // --- registration authority: enrolment ---
  /** No registration with this id. */
  | 'ERR_CERTIFICATES_REGISTRATION_NOT_FOUND'
  /** The enrolment secret is wrong (the attempt is counted). */
  | 'ERR_CERTIFICATES_ENROLMENT_BAD_SECRET'
  /** Too many wrong secrets: the registration is locked until an operator renews it. */
  | 'ERR_CERTIFICATES_ENROLMENT_LOCKED'
  /** The enrolment secret has expired. */
  | 'ERR_CERTIFICATES_ENROLMENT_EXPIRED'
  /** The enrolment secret was already used: a certificate was issued for this registration. */
  | 'ERR_CERTIFICATES_ENROLMENT_USED'
  /** The request's subject is not the registered subject. */
  | 'ERR_CERTIFICATES_SUBJECT_MISMATCH'
  // --- import of external certificates ---
  /** An external certificate does not validate under the caller's trust. */
  | 'ERR_CERTIFICATES_UNTRUSTED'
  /** The external certificate is already registered. */
  | 'ERR_CERTIFICATES_ALREADY_IMPORTED'
  // --- CRLs and path validation ---
  /** Input (a CRL, a certification request) is larger than the configured limit. */
  | 'ERR_CERTIFICATES_TOO_LARGE'
  /** Input (a CRL, a certification request) nests ASN.1 deeper than the configured limit. */
  | 'ERR_CERTIFICATES_TOO_DEEP'
  /** A CRL, or one of its entries, has a critical extension semper does not process (RFC 5280 §5.2, §5.3). */
  | 'ERR_CERTIFICATES_UNSUPPORTED_CRITICAL_EXTENSION'
  /** A certification path does not validate: {@link PathValidationError} carries the failure. */
  | 'ERR_CERTIFICATES_PATH_INVALID';

/**
 * The root of the certificates block's errors.
 *
 * @example
 * ```ts
 * import { CertificatesError } from '@semper/certificates';
 * throw new CertificatesError('ERR_CERTIFICATES_INVALID_ARGUMENT', 'validity must be positive');
 * ```
 */
export class CertificatesError extends SemperError<CertificatesErrorCode> {}

/**
 * A refused enrolment (`ERR_CERTIFICATES_REGISTRATION_NOT_FOUND`, `…_ENROLMENT_BAD_SECRET`, `…_LOCKED`,
 * `…_EXPIRED`, `…_USED`, `ERR_CERTIFICATES_SUBJECT_MISMATCH`). Nothing was issued. The message never
 * contains the secret.
 *
 * @example
 * ```ts
 * import { EnrolmentError } from '@semper/certificates';
 * try {
 *   await ra.enrol({ registrationId, secret, request: csrPem });
 * } catch (err) {
 *   if (err instanceof EnrolmentError && err.code === 'ERR_CERTIFICATES_ENROLMENT_BAD_SECRET') {
 *     console.log(`wrong secret, ${err.attemptsRemaining} attempts left`);
 *   }
 * }
 * ```
 */
export class EnrolmentError extends CertificatesError {
  /** The registration the enrolment was for. */
  readonly registrationId: string;
  /** For `ERR_CERTIFICATES_ENROLMENT_BAD_SECRET`: how many wrong secrets are still allowed before the lockout. */
  readonly attemptsRemaining?: number;

  constructor(
    code: EnrolmentErrorCode,
    message: string,
    details: { readonly registrationId: string; readonly attemptsRemaining?: number },
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
    this.registrationId = details.registrationId;
    if (details.attemptsRemaining !== undefined) this.attemptsRemaining = details.attemptsRemaining;
  }
}

/**
 * The codes of an {@link EnrolmentError}.
 *
 * @example
 * ```ts
 * import type { EnrolmentErrorCode } from '@semper/certificates';
 * const retryable: EnrolmentErrorCode[] = ['ERR_CERTIFICATES_ENROLMENT_BAD_SECRET', 'ERR_CERTIFICATES_SUBJECT_MISMATCH'];
 * ```
 */
export type EnrolmentErrorCode = Extract<
  CertificatesErrorCode,
  | 'ERR_CERTIFICATES_REGISTRATION_NOT_FOUND'
  | 'ERR_CERTIFICATES_ENROLMENT_BAD_SECRET'
  | 'ERR_CERTIFICATES_ENROLMENT_LOCKED'
  | 'ERR_CERTIFICATES_ENROLMENT_EXPIRED'
  | 'ERR_CERTIFICATES_ENROLMENT_USED'
  | 'ERR_CERTIFICATES_SUBJECT_MISMATCH'
>;

/**
 * A certification path that does not validate (`ERR_CERTIFICATES_PATH_INVALID`), thrown where a verdict
 * cannot be returned: `PathValidator.buildChain` puts it as the `cause` of the engine's
 * `ERR_CRYPTO_UNTRUSTED_SIGNER`. `failure` is what `PathValidator.validate` would have returned.
 *
 * @example
 * ```ts
 * import { PathValidationError } from '@semper/certificates';
 * try {
 *   await verifySignedData(bytes, { trust: validator });
 * } catch (err) {
 *   const why = (err as Error).cause;
 *   if (why instanceof PathValidationError) console.log(why.failure.code); // e.g. 'REVOKED'
 * }
 * ```
 */
export class PathValidationError extends CertificatesError {
  readonly failure: PathValidationFailure;

  constructor(failure: PathValidationFailure, options?: { cause?: unknown }) {
    super('ERR_CERTIFICATES_PATH_INVALID', `${failure.code}: ${failure.reason}`, options);
    this.failure = failure;
  }
}
