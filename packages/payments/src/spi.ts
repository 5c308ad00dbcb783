/**
 * `@semper/payments/spi`: the contract of a payment module. Extend {@link AbstractPaymentModule},
 * declare a {@link PaymentModuleDescriptor}, implement the `on*` hooks your payment system has, and run
 * `describePaymentModuleConformance` from `@semper/payments/testing` on it. The guide is
 * docs/guides/payment-modules.md.
 *
 * @packageDocumentation
 */
export { AbstractPaymentModule } from './abstract-payment-module.js';
export {
  AmountExceedsAuthorizedError,
  IdempotencyConflictError,
  PaymentError,
  type PaymentErrorCode,
  PaymentModuleFaultError,
  PaymentProtocolError,
  PaymentTimeoutError,
  RefundExceedsCapturedError,
} from './errors.js';
export { PAYMENT_MODULE } from './tokens.js';
export type {
  Cancelled,
  CaptureContext,
  CaptureOutcome,
  DeclineReason,
  Declined,
  EvidenceDirection,
  JsonValue,
  OutcomeExtras,
  PayeeContext,
  PayerContext,
  PaymentCapabilities,
  PaymentContext,
  PaymentHookContext,
  PaymentMode,
  PaymentModel,
  PaymentModuleDescriptor,
  PaymentOperation,
  PaymentOutcome,
  PaymentPeer,
  PaymentRecord,
  PaymentRole,
  PayOutcome,
  PendingOperation,
  Purse,
  ReceiveOutcome,
  RecoveryContext,
  RecoveryOutcome,
  RedeemRefundContext,
  RedeemRefundOutcome,
  RefundContext,
  RefundOutcome,
  TransactionContext,
  TransactionState,
  VoidOutcome,
} from './types.js';
export { UnsupportedOperationError } from '@semper/core/spi';
