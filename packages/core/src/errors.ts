/**
 * The root of every error semper throws, after jose's model: a stable, typed `code`, a `cause`, and
 * `name` equal to the concrete class name. Each package exports its own subclasses from `./errors`
 * with a string-literal union of its codes (`ERR_<BLOCK>_<REASON>`).
 *
 * Expected business outcomes (declined, cancelled, insufficient funds) are never errors: they are
 * returned as discriminated results. Errors are for faults.
 *
 * Messages never contain secrets (keys, passphrases, plaintexts).
 *
 * @example
 * ```ts
 * import { SemperError } from '@semper/core';
 * try {
 *   await something();
 * } catch (err) {
 *   if (err instanceof SemperError && err.code === 'ERR_CRYPTO_BAD_SIGNATURE') console.error(err.message);
 * }
 * ```
 */
export class SemperError<Code extends string = string> extends Error {
  /** A stable, machine-readable code, `ERR_<BLOCK>_<REASON>`. */
  readonly code: Code;

  constructor(code: Code, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.name = new.target.name;
  }
}

/** Codes thrown by `@semper/core` itself. */
export type CoreErrorCode =
  | 'ERR_CORE_INVALID_ARGUMENT'
  | 'ERR_CORE_UNSUPPORTED_OPERATION'
  | 'ERR_CORE_CURRENCY_MISMATCH'
  | 'ERR_CORE_INVALID_MONEY'
  | 'ERR_CORE_MODULE_NOT_FOUND'
  | 'ERR_CORE_MODULE_FORBIDDEN'
  | 'ERR_CORE_MODULE_CONFLICT'
  | 'ERR_CORE_NEGOTIATION_FAILED';

/**
 * A fault raised by `@semper/core`.
 *
 * @example
 * ```ts
 * import { CoreError } from '@semper/core';
 * throw new CoreError('ERR_CORE_INVALID_ARGUMENT', 'amount must be an integer');
 * ```
 */
export class CoreError extends SemperError<CoreErrorCode> {}

/**
 * Thrown by a module base class when a hook the module does not implement is called
 * (webcrypto-core's model: the base validates, then calls `on*`; an unimplemented `on*` throws this).
 *
 * @example
 * ```ts
 * import { UnsupportedOperationError } from '@semper/core';
 * throw new UnsupportedOperationError('refund');
 * ```
 */
export class UnsupportedOperationError extends SemperError<'ERR_CORE_UNSUPPORTED_OPERATION'> {
  constructor(operation: string, options?: { cause?: unknown }) {
    super('ERR_CORE_UNSUPPORTED_OPERATION', `operation not supported: ${operation}`, options);
  }
}
