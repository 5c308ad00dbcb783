import { SemperError } from '@semper/core';

/** Codes thrown by `@semper/crypto`. */
export type CryptoErrorCode =
  /** Input is not well-formed DER/BER, or not the CMS/X.509/PKCS#8 structure expected. */
  | 'ERR_CRYPTO_MALFORMED'
  /** Input exceeds the configured size limit. */
  | 'ERR_CRYPTO_TOO_LARGE'
  /** Input nests ASN.1 deeper than the configured limit. */
  | 'ERR_CRYPTO_TOO_DEEP'
  /** An algorithm or structure version that semper does not implement (or refuses, e.g. SHA-1 signatures). */
  | 'ERR_CRYPTO_UNSUPPORTED_ALGORITHM'
  /** A signature (or message digest, or MAC/tag) does not verify. */
  | 'ERR_CRYPTO_BAD_SIGNATURE'
  /** The signer's certificate is missing or not trusted. */
  | 'ERR_CRYPTO_UNTRUSTED_SIGNER'
  /** Decryption failed: wrong key, corrupt or tampered ciphertext. Deliberately uninformative. */
  | 'ERR_CRYPTO_DECRYPTION_FAILED'
  /** No recipient info in the message matches the given identity. */
  | 'ERR_CRYPTO_NO_RECIPIENT'
  /** The passphrase of a protected identity or key file is wrong. */
  | 'ERR_CRYPTO_BAD_PASSPHRASE'
  /** A key is unusable: wrong type, wrong size, or not matching its certificate. */
  | 'ERR_CRYPTO_INVALID_KEY'
  /** A signed receipt does not match the message it claims to acknowledge. */
  | 'ERR_CRYPTO_RECEIPT_MISMATCH'
  /** A receipt was asked for a signed message that requests none (RFC 2634). */
  | 'ERR_CRYPTO_NO_RECEIPT_REQUEST'
  /** A caller's argument is invalid (not untrusted input: a programming or configuration error). */
  | 'ERR_CRYPTO_INVALID_ARGUMENT';

/**
 * The root of the crypto engine's errors.
 *
 * @example
 * ```ts
 * import { CryptoError } from '@semper/crypto';
 * try { await openContainer(bytes, opts); } catch (e) { if (e instanceof CryptoError) console.error(e.code); }
 * ```
 */
export class CryptoError extends SemperError<CryptoErrorCode> {}

/**
 * Malformed, oversized or too deeply nested input.
 *
 * @example
 * ```ts
 * import { MalformedInputError } from '@semper/crypto';
 * throw new MalformedInputError('ERR_CRYPTO_MALFORMED', 'not a CMS ContentInfo');
 * ```
 */
export class MalformedInputError extends CryptoError {
  constructor(
    code: 'ERR_CRYPTO_MALFORMED' | 'ERR_CRYPTO_TOO_LARGE' | 'ERR_CRYPTO_TOO_DEEP',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}

/**
 * A signature, digest or receipt that does not verify, or a signer that is not trusted.
 *
 * @example
 * ```ts
 * import { SignatureVerificationError } from '@semper/crypto';
 * throw new SignatureVerificationError('ERR_CRYPTO_BAD_SIGNATURE', 'message digest mismatch');
 * ```
 */
export class SignatureVerificationError extends CryptoError {
  constructor(
    code: 'ERR_CRYPTO_BAD_SIGNATURE' | 'ERR_CRYPTO_UNTRUSTED_SIGNER' | 'ERR_CRYPTO_RECEIPT_MISMATCH',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}

/**
 * Decryption failed, or no recipient matched. The message never says why a decryption failed
 * (padding, key, tag): one error for every cause, so that it is no oracle.
 *
 * @example
 * ```ts
 * import { DecryptionError } from '@semper/crypto';
 * throw new DecryptionError('ERR_CRYPTO_DECRYPTION_FAILED', 'decryption failed');
 * ```
 */
export class DecryptionError extends CryptoError {
  constructor(
    code: 'ERR_CRYPTO_DECRYPTION_FAILED' | 'ERR_CRYPTO_NO_RECIPIENT',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}

/**
 * An algorithm semper does not implement or refuses.
 *
 * @example
 * ```ts
 * import { UnsupportedAlgorithmError } from '@semper/crypto';
 * throw new UnsupportedAlgorithmError('digest algorithm 1.3.14.3.2.26 (SHA-1) is refused for signatures');
 * ```
 */
export class UnsupportedAlgorithmError extends CryptoError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_CRYPTO_UNSUPPORTED_ALGORITHM', message, options);
  }
}
