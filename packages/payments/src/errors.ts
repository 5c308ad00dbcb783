import { SemperError } from '@semper/core';

/**
 * Codes thrown by `@semper/payments` and by the base of every payment module. A module's own fault (a
 * mint refusing a malformed coin, a gateway unreachable) reaches the caller of the `PaymentManager` as
 * the `cause` of a {@link PaymentModuleFaultError} (`ERR_PAYMENTS_MODULE_FAULT`), never replaced.
 *
 * @example
 * ```ts
 * import { PaymentError, type PaymentErrorCode } from '@semper/payments/spi';
 * const bounds: PaymentErrorCode[] = ['ERR_PAYMENTS_AMOUNT_EXCEEDS_AUTHORIZED', 'ERR_PAYMENTS_REFUND_EXCEEDS_CAPTURED'];
 * function isBoundViolation(err: unknown): boolean {
 *   return err instanceof PaymentError && bounds.includes(err.code);
 * }
 * ```
 */
export type PaymentErrorCode =
  /** A caller's argument is invalid (a programming or configuration error, not untrusted input). */
  | 'ERR_PAYMENTS_INVALID_ARGUMENT'
  /** An idempotency key was used again with a different payload. */
  | 'ERR_PAYMENTS_IDEMPOTENCY_CONFLICT'
  /** A capture would take more than was authorized. */
  | 'ERR_PAYMENTS_AMOUNT_EXCEEDS_AUTHORIZED'
  /** A refund would return more than was captured (counting earlier refunds). */
  | 'ERR_PAYMENTS_REFUND_EXCEEDS_CAPTURED'
  /** The other party broke the protocol: a malformed, oversized or unexpected message. */
  | 'ERR_PAYMENTS_PROTOCOL'
  /** The other party did not answer in time. */
  | 'ERR_PAYMENTS_TIMEOUT'
  /** The transaction is not in a state that allows the operation (e.g. capture of a voided payment). */
  | 'ERR_PAYMENTS_INVALID_STATE'
  /** No transaction with that id. */
  | 'ERR_PAYMENTS_TRANSACTION_NOT_FOUND'
  /** A purse is not one of this module's, or not the party's. */
  | 'ERR_PAYMENTS_PURSE_MISMATCH'
  /** The party has no purse for the module the operation needs. */
  | 'ERR_PAYMENTS_NO_PURSE'
  /** A module returned an outcome that does not fit the request (another amount, an unknown status). */
  | 'ERR_PAYMENTS_INVALID_OUTCOME'
  /** A payment module threw; its error is the `cause`. */
  | 'ERR_PAYMENTS_MODULE_FAULT'
  /** The operation was aborted (its `AbortSignal` fired). */
  | 'ERR_PAYMENTS_ABORTED'
  /** A check of the `@semper/payments/testing` conformance kit failed. */
  | 'ERR_PAYMENTS_CONFORMANCE_FAILED';

/**
 * The root of the payments block's errors.
 *
 * @example
 * ```ts
 * import { PaymentError } from '@semper/payments/spi';
 * throw new PaymentError('ERR_PAYMENTS_PROTOCOL', 'step "coins": not a coin list');
 * ```
 */
export class PaymentError extends SemperError<PaymentErrorCode> {}

/**
 * The other party broke the payment protocol (`ERR_PAYMENTS_PROTOCOL`). Modules throw it for a
 * malformed, oversized or unexpected message; the message names the step, never the content.
 *
 * @example
 * ```ts
 * import { PaymentProtocolError } from '@semper/payments/spi';
 * throw new PaymentProtocolError('coins', 'more than 64 coins');
 * ```
 */
export class PaymentProtocolError extends PaymentError {
  /** The protocol step at which the violation was seen. */
  readonly step: string;

  constructor(step: string, reason: string, options?: { cause?: unknown }) {
    super('ERR_PAYMENTS_PROTOCOL', `payment protocol violation at step '${step}': ${reason}`, options);
    this.step = step;
  }
}

/**
 * The other party did not send the expected step in time (`ERR_PAYMENTS_TIMEOUT`).
 *
 * @example
 * ```ts
 * import { PaymentTimeoutError } from '@semper/payments/spi';
 * const err = new PaymentTimeoutError('receipt', 30_000);
 * console.log(err.step, err.timeoutMs);
 * ```
 */
export class PaymentTimeoutError extends PaymentError {
  /** The step that was awaited. */
  readonly step: string;
  /** How long it was awaited, in milliseconds. */
  readonly timeoutMs: number;

  constructor(step: string, timeoutMs: number, options?: { cause?: unknown }) {
    super('ERR_PAYMENTS_TIMEOUT', `no '${step}' message within ${timeoutMs} ms`, options);
    this.step = step;
    this.timeoutMs = timeoutMs;
  }
}

/**
 * An idempotency key was used again with a different payload (`ERR_PAYMENTS_IDEMPOTENCY_CONFLICT`).
 *
 * @example
 * ```ts
 * import { IdempotencyConflictError } from '@semper/payments/spi';
 * const err = new IdempotencyConflictError('order-42', 'capture');
 * console.log(err.code, err.operation);
 * ```
 */
export class IdempotencyConflictError extends PaymentError {
  /** The operation the key was first used for. */
  readonly operation: string;

  constructor(key: string, operation: string, options?: { cause?: unknown }) {
    super(
      'ERR_PAYMENTS_IDEMPOTENCY_CONFLICT',
      `idempotency key '${key.slice(0, 128)}' was already used for a different ${operation} request`,
      options,
    );
    this.operation = operation;
  }
}

/**
 * A capture would take more than was authorized (`ERR_PAYMENTS_AMOUNT_EXCEEDS_AUTHORIZED`).
 *
 * @example
 * ```ts
 * import { Money } from '@semper/core';
 * import { AmountExceedsAuthorizedError } from '@semper/payments/spi';
 * throw new AmountExceedsAuthorizedError(Money.parse('12.00', 'EUR'), Money.parse('10.00', 'EUR'));
 * ```
 */
export class AmountExceedsAuthorizedError extends PaymentError {
  constructor(requested: { toString(): string }, available: { toString(): string }, options?: { cause?: unknown }) {
    super(
      'ERR_PAYMENTS_AMOUNT_EXCEEDS_AUTHORIZED',
      `capture of ${requested.toString()} exceeds the ${available.toString()} still authorized`,
      options,
    );
  }
}

/**
 * A refund would return more than was captured (`ERR_PAYMENTS_REFUND_EXCEEDS_CAPTURED`).
 *
 * @example
 * ```ts
 * import { Money } from '@semper/core';
 * import { RefundExceedsCapturedError } from '@semper/payments/spi';
 * throw new RefundExceedsCapturedError(Money.parse('5.00', 'EUR'), Money.parse('2.00', 'EUR'));
 * ```
 */
export class RefundExceedsCapturedError extends PaymentError {
  constructor(requested: { toString(): string }, refundable: { toString(): string }, options?: { cause?: unknown }) {
    super(
      'ERR_PAYMENTS_REFUND_EXCEEDS_CAPTURED',
      `refund of ${requested.toString()} exceeds the ${refundable.toString()} still refundable`,
      options,
    );
  }
}

/**
 * A payment module threw during an operation (`ERR_PAYMENTS_MODULE_FAULT`); the module's error is the
 * `cause`, untouched. The `PaymentManager` throws this; modules never need to.
 *
 * @example
 * ```ts
 * import { PaymentModuleFaultError } from '@semper/payments/spi';
 * try {
 *   await payments.pay(request);
 * } catch (err) {
 *   if (err instanceof PaymentModuleFaultError) console.error(err.moduleId, err.operation, err.cause);
 * }
 * ```
 */
export class PaymentModuleFaultError extends PaymentError {
  /** The module that threw. */
  readonly moduleId: string;
  /** The operation (`pay`, `receive`, `capture`, `void`, `refund`, `recover`...). */
  readonly operation: string;

  constructor(moduleId: string, operation: string, cause: unknown) {
    const detail = cause instanceof Error ? `${cause.name}${'code' in cause ? ` ${String(cause.code)}` : ''}` : 'error';
    super('ERR_PAYMENTS_MODULE_FAULT', `payment module '${moduleId}' failed in ${operation}: ${detail}`, { cause });
    this.moduleId = moduleId;
    this.operation = operation;
  }
}
