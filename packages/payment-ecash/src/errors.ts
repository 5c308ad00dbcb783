import { SemperError } from '@semper/core';

/**
 * Codes thrown by `@semper/payment-ecash`. Expected outcomes (a double-spent coin, insufficient funds at
 * the mint, an expired coin) are never errors: the mint and the wallet return them. These are faults.
 *
 * @example
 * ```ts
 * import { EcashError, type EcashErrorCode } from '@semper/payment-ecash';
 * function isWireFault(err: unknown): boolean {
 *   const codes: EcashErrorCode[] = ['ERR_ECASH_MALFORMED_MESSAGE', 'ERR_ECASH_MESSAGE_TOO_LARGE'];
 *   return err instanceof EcashError && codes.includes(err.code);
 * }
 * ```
 */
export type EcashErrorCode =
  /** A caller's argument is invalid (a programming or configuration error, not untrusted input). */
  | 'ERR_ECASH_INVALID_ARGUMENT'
  /** A message from the wire or a file does not parse: bad JSON, wrong shape, bad base64url, bad lengths. */
  | 'ERR_ECASH_MALFORMED_MESSAGE'
  /** A message is larger than the limit, checked before it is parsed. */
  | 'ERR_ECASH_MESSAGE_TOO_LARGE'
  /** A request's signature by the account key does not verify, or its time is outside the allowed window. */
  | 'ERR_ECASH_UNAUTHORIZED'
  /** The account named does not exist at the mint. */
  | 'ERR_ECASH_UNKNOWN_ACCOUNT'
  /** An account id is already taken. */
  | 'ERR_ECASH_ACCOUNT_EXISTS'
  /** No denomination key with that id, or it is not (or no longer) valid for the operation. */
  | 'ERR_ECASH_UNKNOWN_DENOMINATION'
  /** The denomination key's withdraw window is over (or has not begun). */
  | 'ERR_ECASH_DENOMINATION_EXPIRED'
  /** A request id was used before with a different request (idempotency conflict). */
  | 'ERR_ECASH_IDEMPOTENCY_CONFLICT'
  /** The mint answered with something the client cannot use (a bad blind signature, a wrong count). */
  | 'ERR_ECASH_MINT_PROTOCOL'
  /** The mint's key list comes with another master key than the wallet pinned (given, or first seen). */
  | 'ERR_ECASH_MINT_KEY_MISMATCH'
  /** The mint answered with an error (its code is in `remoteCode`). */
  | 'ERR_ECASH_MINT_REJECTED'
  /** The wallet cannot cover an amount with its coins (and cannot make change). */
  | 'ERR_ECASH_INSUFFICIENT_COINS'
  /** The mint's keys do not decrypt: wrong key passphrase, or an altered wrapped key. */
  | 'ERR_ECASH_KEY_DECRYPT'
  /** A backup file does not open: wrong passphrase or altered ciphertext (AES-GCM tag mismatch). */
  | 'ERR_ECASH_BACKUP_DECRYPT'
  /** A backup file is not an ecash wallet backup, or of an unknown version. */
  | 'ERR_ECASH_BACKUP_FORMAT'
  /** A row read from the store is not what this package writes (a corrupt or foreign database). */
  | 'ERR_ECASH_CORRUPT_RECORD';

/**
 * The root of the faults `@semper/payment-ecash` throws (a `SemperError` with a typed `code`).
 *
 * @example
 * ```ts
 * import { EcashError } from '@semper/payment-ecash';
 * throw new EcashError('ERR_ECASH_INVALID_ARGUMENT', 'a denomination value is a positive integer');
 * ```
 */
export class EcashError extends SemperError<EcashErrorCode> {}

/**
 * A message from the wire or from a file failed its size check or its schema. `issues` lists the schema's
 * complaints as paths and messages (never the values, which may be secret).
 *
 * @example
 * ```ts
 * import { EcashMessageError } from '@semper/payment-ecash';
 * const err = new EcashMessageError('ERR_ECASH_MALFORMED_MESSAGE', 'withdraw request', ['planchets: required']);
 * console.log(err.code, err.issues); // ERR_ECASH_MALFORMED_MESSAGE ['planchets: required']
 * ```
 */
export class EcashMessageError extends EcashError {
  /** The schema's complaints, `path: message`. */
  readonly issues: readonly string[];

  constructor(
    code: 'ERR_ECASH_MALFORMED_MESSAGE' | 'ERR_ECASH_MESSAGE_TOO_LARGE',
    what: string,
    issues: readonly string[],
    options?: { cause?: unknown },
  ) {
    super(
      code,
      `${code === 'ERR_ECASH_MESSAGE_TOO_LARGE' ? 'too large' : 'malformed'} ${what}: ${issues.join('; ')}`,
      options,
    );
    this.issues = issues;
  }
}

/**
 * The mint refused a request with an error; `remoteCode` is the code the mint sent.
 *
 * @example
 * ```ts
 * import { MintRejectedError } from '@semper/payment-ecash';
 * const err = new MintRejectedError('ERR_ECASH_UNKNOWN_ACCOUNT', "no account 'shop'");
 * console.log(err.code, err.remoteCode); // ERR_ECASH_MINT_REJECTED ERR_ECASH_UNKNOWN_ACCOUNT
 * ```
 */
export class MintRejectedError extends EcashError {
  /** The error code the mint answered with. */
  readonly remoteCode: string;

  constructor(remoteCode: string, message: string, options?: { cause?: unknown }) {
    super('ERR_ECASH_MINT_REJECTED', `mint refused: ${message}`, options);
    this.remoteCode = remoteCode;
  }
}
