import { SemperError } from '@semper/core';

/**
 * Codes thrown by `@semper/trusted-io`. A refusal (by the user or by a rule) is never an error: it is
 * returned. These are faults.
 *
 * @example
 * ```ts
 * import { TrustedIoError, type TrustedIoErrorCode } from '@semper/trusted-io';
 * const tampering: TrustedIoErrorCode[] = ['ERR_TRUSTEDIO_DIGEST_MISMATCH', 'ERR_TRUSTEDIO_INVALID_CONFIRMATION'];
 * function isTampering(err: unknown): boolean {
 *   return err instanceof TrustedIoError && tampering.includes(err.code);
 * }
 * ```
 */
export type TrustedIoErrorCode =
  /** A caller's argument is invalid: an item without a well-formed SHA-256 digest, a bad field, option or prompt. */
  | 'ERR_TRUSTEDIO_INVALID_ARGUMENT'
  /** The bytes to be signed are not the bytes whose digest was shown and confirmed. */
  | 'ERR_TRUSTEDIO_DIGEST_MISMATCH'
  /** Something presented as a confirmation was not issued by a trusted-io implementation. */
  | 'ERR_TRUSTEDIO_INVALID_CONFIRMATION'
  /** A confirmation was already used for a signature (one confirmation, one signature). */
  | 'ERR_TRUSTEDIO_CONFIRMATION_USED'
  /** An implementation's hook answered something the contract does not allow (e.g. an option not offered). */
  | 'ERR_TRUSTEDIO_INVALID_ANSWER'
  /** The terminal's input or output failed (a stream error, not the user closing it). */
  | 'ERR_TRUSTEDIO_IO_FAILED';

/**
 * The root of the faults `@semper/trusted-io` throws.
 *
 * @example
 * ```ts
 * import { TrustedIoError } from '@semper/trusted-io';
 * throw new TrustedIoError('ERR_TRUSTEDIO_INVALID_ARGUMENT', 'an item needs a title');
 * ```
 */
export class TrustedIoError extends SemperError<TrustedIoErrorCode> {}

/**
 * The bytes given to sign do not have the digest that was shown and confirmed: nothing was signed.
 *
 * @example
 * ```ts
 * import { DigestMismatchError } from '@semper/trusted-io';
 * const err = new DigestMismatchError('ab'.repeat(32), 'cd'.repeat(32));
 * console.log(err.code, err.confirmed.slice(0, 4), err.actual.slice(0, 4)); // ERR_TRUSTEDIO_DIGEST_MISMATCH abab cdcd
 * ```
 */
export class DigestMismatchError extends TrustedIoError {
  /** The SHA-256 (hex) that was shown and confirmed. */
  readonly confirmed: string;
  /** The SHA-256 (hex) of the bytes given to sign. */
  readonly actual: string;

  constructor(confirmed: string, actual: string, options?: { cause?: unknown }) {
    super(
      'ERR_TRUSTEDIO_DIGEST_MISMATCH',
      `the bytes to sign (SHA-256 ${actual.slice(0, 16)}…) are not the bytes confirmed (SHA-256 ${confirmed.slice(0, 16)}…)`,
      options,
    );
    this.confirmed = confirmed;
    this.actual = actual;
  }
}
