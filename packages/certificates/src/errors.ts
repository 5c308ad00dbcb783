import { SemperError } from '@semper/core';

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
  | 'ERR_CERTIFICATES_MALFORMED';

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
