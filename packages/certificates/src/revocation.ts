/**
 * Helpers for the revocation reasons of RFC 5280 §5.3.1 (`RevocationReason`, defined with the CRLs).
 *
 * @packageDocumentation
 */
import type { RevocationReason } from './crl.js';

/**
 * The CRLReason code of each reason (the ENUMERATED value in a CRL entry; 7 is unused).
 *
 * @example
 * ```ts
 * import { REVOCATION_REASON_CODES } from '@semper/certificates';
 * REVOCATION_REASON_CODES.keyCompromise; // 1
 * ```
 */
export const REVOCATION_REASON_CODES: Readonly<Record<RevocationReason, number>> = Object.freeze({
  unspecified: 0,
  keyCompromise: 1,
  cACompromise: 2,
  affiliationChanged: 3,
  superseded: 4,
  cessationOfOperation: 5,
  certificateHold: 6,
  removeFromCRL: 8,
  privilegeWithdrawn: 9,
  aACompromise: 10,
});

/**
 * Whether `value` is a revocation reason name.
 *
 * @example
 * ```ts
 * import { isRevocationReason } from '@semper/certificates';
 * isRevocationReason('superseded'); // true
 * ```
 */
export function isRevocationReason(value: unknown): value is RevocationReason {
  return typeof value === 'string' && Object.hasOwn(REVOCATION_REASON_CODES, value);
}
