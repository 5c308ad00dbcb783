import { SemperError } from '@semper/core';

/**
 * The stable codes of {@link SdcError}: why a Secure Data Container was refused (or, for
 * `ERR_SDC_INVALID_ARGUMENT`, why a caller's request to seal one was).
 *
 * @example
 * ```ts
 * import { SdcError, type SdcErrorCode } from '@semper/sdc';
 * const retryLater: SdcErrorCode[] = [];
 * const reject = (e: unknown) => e instanceof SdcError && !retryLater.includes(e.code);
 * ```
 */
export type SdcErrorCode =
  /** Not a Secure Data Container: bad DER, bad armour/MIME, wrong CMS layering, a header or body that is not canonical JSON or fails its schema. */
  | 'ERR_SDC_MALFORMED'
  /** Larger than a limit of {@link SDC_LIMITS} (checked before anything is parsed). */
  | 'ERR_SDC_TOO_LARGE'
  /** ASN.1 or JSON nested deeper than a limit of {@link SDC_LIMITS}. */
  | 'ERR_SDC_TOO_DEEP'
  /** A `format` other than `semper-sdc/1`. */
  | 'ERR_SDC_UNSUPPORTED_VERSION'
  /** Not addressed to the opener: no recipient info for its certificate, or a header naming another recipient. */
  | 'ERR_SDC_WRONG_RECIPIENT'
  /** The content could not be decrypted (wrong key, tampered ciphertext, MAC or key delivery). */
  | 'ERR_SDC_DECRYPT_FAILED'
  /** The signature inside does not verify. */
  | 'ERR_SDC_BAD_SIGNATURE'
  /** The signer's certificate does not chain to a trusted anchor (or is expired or revoked for the validator). */
  | 'ERR_SDC_UNTRUSTED_SIGNER'
  /** The clear header (readable without decrypting) differs from the signed header. */
  | 'ERR_SDC_HEADER_MISMATCH'
  /** The header's `sender` is not the party of the certificate that signed. */
  | 'ERR_SDC_SENDER_MISMATCH'
  /** A CMS algorithm the engine does not accept. */
  | 'ERR_SDC_UNSUPPORTED_ALGORITHM'
  /** A caller's argument is invalid (a programming or configuration error, never untrusted input). */
  | 'ERR_SDC_INVALID_ARGUMENT';

/**
 * Every failure of the SDC format: a stable {@link SdcErrorCode}, a message that says what was wrong
 * (never a secret, never the content), and the engine's error as `cause` where there is one.
 *
 * @example
 * ```ts
 * import { openSdc, SdcError } from '@semper/sdc';
 * try {
 *   await openSdc(bytes, { identity: hub, trust });
 * } catch (e) {
 *   if (e instanceof SdcError) console.error(`${e.code}: ${e.message}`);
 * }
 * ```
 */
export class SdcError extends SemperError<SdcErrorCode> {}
