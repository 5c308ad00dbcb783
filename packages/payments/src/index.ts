/**
 * `@semper/payments`: SEMPER's payment service. The `PaymentManager` gives applications one interface
 * to every payment system: it negotiates the module with the other party over a comms channel (policy,
 * preferences, trusted-io choice and confirmation), routes the protocol to the chosen module, and keeps
 * each transaction's record (store) and evidence (archive), with idempotency, bounds on capture and
 * refund, and recovery after a crash. Module writers: `@semper/payments/spi`; the conformance kit:
 * `@semper/payments/testing`. Nothing is registered at import time.
 *
 * @packageDocumentation
 */
export {
  type CreatePaymentManagerOptions,
  createPaymentManager,
  type PaymentsRegistrationOptions,
  register,
} from './container.js';
export * from './errors.js';
export { PAYMENTS_MIGRATIONS } from './migrations.js';
export {
  type AnyPaymentModule,
  type OperationInput,
  type PayInput,
  PaymentManager,
  type PaymentManagerOptions,
  type PaymentRequestInput,
} from './payment.manager.js';
export type { OperationEntry } from './payment.records.js';
export type {
  CaptureResult,
  IncomingPaymentRequest,
  PaymentEvent,
  PaymentResult,
  PaymentTransaction,
  RecoveryReport,
  RedeemResult,
  RefundResult,
  VoidResult,
} from './payment.results.js';
export { PAYMENT_MANAGER, PAYMENT_MANAGER_OPTIONS, PAYMENT_MODULE } from './tokens.js';
export type {
  JsonValue,
  PaymentMode,
  PaymentModel,
  PaymentRecord,
  PaymentRole,
  Purse,
  TransactionState,
} from './types.js';
