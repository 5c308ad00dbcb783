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

/**
 * Codes thrown by `@semper/core` itself.
 *
 * @example
 * ```ts
 * import { CoreError, type CoreErrorCode } from '@semper/core';
 * function isLookupFault(err: unknown): boolean {
 *   const codes: CoreErrorCode[] = ['ERR_CORE_MODULE_NOT_FOUND', 'ERR_CORE_MODULE_FORBIDDEN'];
 *   return err instanceof CoreError && codes.includes(err.code);
 * }
 * ```
 */
export type CoreErrorCode =
  /** A caller's argument is invalid (a programming or configuration error, not untrusted input). */
  | 'ERR_CORE_INVALID_ARGUMENT'
  /** A module does not implement the operation that was called. */
  | 'ERR_CORE_UNSUPPORTED_OPERATION'
  /** Two amounts in different currencies were combined or compared. */
  | 'ERR_CORE_CURRENCY_MISMATCH'
  /** An amount is malformed: garbage text, too many decimals, a non-integer, a bad JSON form. */
  | 'ERR_CORE_INVALID_MONEY'
  /** A currency code is not an active ISO 4217 code with a defined minor unit. */
  | 'ERR_CORE_UNKNOWN_CURRENCY'
  /** An identifier is not a well-formed semper id (see `newId`). */
  | 'ERR_CORE_INVALID_ID'
  /** A module descriptor is malformed (id, semver version, block, jurisdictions). */
  | 'ERR_CORE_INVALID_DESCRIPTOR'
  /** Preferences data is malformed. */
  | 'ERR_CORE_INVALID_PREFERENCES'
  /** A manager was asked for a module id it does not hold. */
  | 'ERR_CORE_MODULE_NOT_FOUND'
  /** Policy forbids the module in the given context; the message names the rule. */
  | 'ERR_CORE_MODULE_FORBIDDEN'
  /** Two modules with the same id were given to one manager. */
  | 'ERR_CORE_MODULE_CONFLICT'
  /** A remote offer is malformed, so negotiation cannot even start (a protocol fault, not a "no match"). */
  | 'ERR_CORE_NEGOTIATION_FAILED'
  /** A conformance check of `@semper/core/testing` failed. */
  | 'ERR_CORE_CONFORMANCE_FAILED';

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

/**
 * Two amounts in different currencies were added, subtracted, compared or summed.
 *
 * @example
 * ```ts
 * import { CurrencyMismatchError, Money } from '@semper/core';
 * try {
 *   Money.parse('1.00', 'EUR').add(Money.parse('1.00', 'USD'));
 * } catch (err) {
 *   if (err instanceof CurrencyMismatchError) console.error(err.code, err.expected, err.actual); // EUR USD
 * }
 * ```
 */
export class CurrencyMismatchError extends CoreError {
  /** The currency of the left operand. */
  readonly expected: string;
  /** The currency of the right operand. */
  readonly actual: string;

  constructor(expected: string, actual: string, options?: { cause?: unknown }) {
    super('ERR_CORE_CURRENCY_MISMATCH', `currency mismatch: ${expected} vs ${actual}`, options);
    this.expected = expected;
    this.actual = actual;
  }
}

/**
 * A manager was asked for a module id it does not hold.
 *
 * @example
 * ```ts
 * import { ModuleNotFoundError } from '@semper/core';
 * const err = new ModuleNotFoundError('payment-ecash', 'payments');
 * console.log(err.code, err.moduleId); // ERR_CORE_MODULE_NOT_FOUND payment-ecash
 * ```
 */
export class ModuleNotFoundError extends CoreError {
  /** The id that was asked for. */
  readonly moduleId: string;

  constructor(moduleId: string, block: string, options?: { cause?: unknown }) {
    super('ERR_CORE_MODULE_NOT_FOUND', `no ${block} module with id '${moduleId}'`, options);
    this.moduleId = moduleId;
  }
}

/**
 * Policy forbids a module in the given context. `rule` names the rule that decided and `reason`
 * says why, in words.
 *
 * @example
 * ```ts
 * import { ModuleForbiddenError } from '@semper/core';
 * const err = new ModuleForbiddenError('payment-ecash', 'no-ecash-in-de', "forbidden by rule 'no-ecash-in-de'");
 * console.log(err.code, err.rule); // ERR_CORE_MODULE_FORBIDDEN no-ecash-in-de
 * ```
 */
export class ModuleForbiddenError extends CoreError {
  /** The module that was refused. */
  readonly moduleId: string;
  /** The name of the rule that forbids it. */
  readonly rule: string;
  /** Why, in words. */
  readonly reason: string;

  constructor(moduleId: string, rule: string, reason: string, options?: { cause?: unknown }) {
    super('ERR_CORE_MODULE_FORBIDDEN', `module '${moduleId}' is forbidden: ${reason}`, options);
    this.moduleId = moduleId;
    this.rule = rule;
    this.reason = reason;
  }
}

/**
 * Two modules with the same id were given to one manager.
 *
 * @example
 * ```ts
 * import { ModuleConflictError } from '@semper/core';
 * const err = new ModuleConflictError('payment-sim', 'payments');
 * console.log(err.code); // ERR_CORE_MODULE_CONFLICT
 * ```
 */
export class ModuleConflictError extends CoreError {
  /** The duplicated id. */
  readonly moduleId: string;

  constructor(moduleId: string, block: string, options?: { cause?: unknown }) {
    super('ERR_CORE_MODULE_CONFLICT', `more than one ${block} module with id '${moduleId}'`, options);
    this.moduleId = moduleId;
  }
}
