import type { Money, SemperEvent } from '@semper/core';
import type { PaymentRecord, PaymentRole, TransactionState } from './types.js';

/**
 * A payment transaction as one party keeps it: its persistent record (states, amounts authorized,
 * captured and refunded, the module's data, the pending operation), read with
 * `PaymentManager.transaction(id)`; its history with `PaymentManager.history(id)` and its evidence in
 * the party's archive under the transaction id.
 *
 * @example
 * ```ts
 * import type { PaymentTransaction } from '@semper/payments';
 * declare const t: PaymentTransaction;
 * console.log(t.id, t.state, t.captured.subtract(t.refunded).toString());
 * ```
 */
export type PaymentTransaction = PaymentRecord;

/**
 * What `PaymentManager.requestPayment` (payee) and `PaymentManager.pay` (payer) return. Declines and
 * cancellations are results, not errors: `cancelled` covers no common module (`no-acceptable-module`),
 * no module chosen (`module-not-chosen`), the payer not confirming (`not-confirmed`), the payer
 * refusing (the payee sees the payer's reason). `record` is the transaction record when a module was
 * selected.
 *
 * @example
 * ```ts
 * import type { PaymentResult } from '@semper/payments';
 * function line(r: PaymentResult): string {
 *   return r.status === 'captured' || r.status === 'authorized' ? `${r.status} ${r.amount}` : `${r.status}: ${r.reason}`;
 * }
 * ```
 */
export type PaymentResult =
  | {
      readonly status: 'captured' | 'authorized';
      readonly transactionId: string;
      readonly moduleId: string;
      readonly amount: Money;
      readonly expiresAt?: Date;
      readonly record: PaymentRecord;
    }
  | {
      readonly status: 'declined' | 'cancelled';
      readonly transactionId: string;
      readonly moduleId?: string;
      readonly reason: string;
      readonly message?: string;
      readonly record?: PaymentRecord;
    };

/**
 * What `PaymentManager.capture` returns.
 *
 * @example
 * ```ts
 * import type { CaptureResult } from '@semper/payments';
 * declare const r: CaptureResult;
 * if (r.status === 'captured') console.log(r.amount.toString());
 * ```
 */
export type CaptureResult =
  | { readonly status: 'captured'; readonly amount: Money; readonly record: PaymentRecord }
  | { readonly status: 'declined'; readonly reason: string; readonly message?: string; readonly record: PaymentRecord };

/**
 * What `PaymentManager.void` returns.
 *
 * @example
 * ```ts
 * import type { VoidResult } from '@semper/payments';
 * declare const r: VoidResult;
 * console.log(r.status, r.record.state);
 * ```
 */
export type VoidResult =
  | { readonly status: 'voided'; readonly record: PaymentRecord }
  | { readonly status: 'declined'; readonly reason: string; readonly message?: string; readonly record: PaymentRecord };

/**
 * What `PaymentManager.refund` returns; `payerToken` (if the module makes one) goes to the payer, whose
 * manager takes it in with `redeemRefund`.
 *
 * @example
 * ```ts
 * import type { RefundResult } from '@semper/payments';
 * declare const r: RefundResult;
 * if (r.status === 'refunded') console.log(r.amount.toString(), r.payerToken !== undefined);
 * ```
 */
export type RefundResult =
  | {
      readonly status: 'refunded';
      readonly amount: Money;
      readonly payerToken?: Uint8Array;
      readonly record: PaymentRecord;
    }
  | { readonly status: 'declined'; readonly reason: string; readonly message?: string; readonly record: PaymentRecord };

/**
 * What `PaymentManager.redeemRefund` returns.
 *
 * @example
 * ```ts
 * import type { RedeemResult } from '@semper/payments';
 * declare const r: RedeemResult;
 * if (r.status === 'redeemed') console.log(r.amount.toString());
 * ```
 */
export type RedeemResult =
  | { readonly status: 'redeemed'; readonly amount: Money; readonly record: PaymentRecord }
  | { readonly status: 'declined'; readonly reason: string; readonly message?: string; readonly record: PaymentRecord };

/**
 * What one recovery pass did (`PaymentManager.start`, `PaymentManager.recoverPending`).
 *
 * @example
 * ```ts
 * import type { RecoveryReport } from '@semper/payments';
 * declare const report: RecoveryReport;
 * console.log(`${report.recovered.length} settled, ${report.stillPending.length} still pending`);
 * ```
 */
export interface RecoveryReport {
  readonly recovered: readonly { readonly transactionId: string; readonly state: TransactionState }[];
  readonly stillPending: readonly { readonly transactionId: string; readonly reason: string }[];
}

/**
 * A payment request that reached the payer and waits for `pay` (or `refuseRequest`).
 *
 * @example
 * ```ts
 * import type { IncomingPaymentRequest } from '@semper/payments';
 * declare const r: IncomingPaymentRequest;
 * console.log(r.payee, r.amount.toString(), r.modules.join(', '));
 * ```
 */
export interface IncomingPaymentRequest {
  readonly transactionId: string;
  readonly from: string;
  readonly payee: string;
  readonly amount: Money;
  readonly mode: 'sale' | 'authorize';
  readonly reference?: string;
  readonly modules: readonly string[];
  readonly receivedAt: Date;
  /** Whether the request was signed by a certificate that chains to the payer's trust and names the payee. */
  readonly payeeVerified: boolean;
}

/**
 * Events of the payments block, on `PaymentManager.events$` and the party's `EventBus`:
 * - `payments.request-received`: a payee's request reached this payer;
 * - `payments.request-refused`: a request was refused on arrival (unsigned where signatures are required,
 *   a signature, chain or party id that does not check, malformed): `reason` says which; nothing was kept;
 * - `payments.module-selected`: negotiation picked a module (`decidedBy`);
 * - `payments.state-changed`: a transaction moved to `state` (with the operation that moved it);
 * - `payments.fault`: a module threw during `operation` (its error's code, never its message);
 * - `payments.recovered`: recovery settled a pending transaction.
 *
 * @example
 * ```ts
 * import type { PaymentEvent } from '@semper/payments';
 * function line(e: PaymentEvent): string {
 *   return e.type === 'payments.state-changed' ? `${e.transactionId} ${e.state}` : e.type;
 * }
 * ```
 */
export type PaymentEvent =
  | (SemperEvent<'payments.request-received'> & {
      readonly transactionId: string;
      readonly payee: string;
      readonly payeeVerified: boolean;
      readonly amount: Money;
    })
  | (SemperEvent<'payments.request-refused'> & {
      readonly transactionId: string;
      readonly from: string;
      readonly reason: string;
    })
  | (SemperEvent<'payments.module-selected'> & {
      readonly transactionId: string;
      readonly role: PaymentRole;
      readonly moduleId: string;
      readonly decidedBy: string;
    })
  | (SemperEvent<'payments.state-changed'> & {
      readonly transactionId: string;
      readonly role: PaymentRole;
      readonly moduleId: string;
      readonly operation: string;
      readonly state: TransactionState;
      readonly amount?: Money;
      readonly reason?: string;
    })
  | (SemperEvent<'payments.fault'> & {
      readonly transactionId: string;
      readonly role: PaymentRole;
      readonly moduleId: string;
      readonly operation: string;
      readonly code?: string;
    })
  | (SemperEvent<'payments.recovered'> & {
      readonly transactionId: string;
      readonly role: PaymentRole;
      readonly moduleId: string;
      readonly state: TransactionState;
    });
