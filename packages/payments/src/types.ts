import type { Clock, Money } from '@semper/core';
import type { ModuleDescriptor } from '@semper/core/spi';

/**
 * JSON data a module keeps in a transaction record (`moduleData`): a gateway's authorization code, the
 * ids of coins spent, a bank transfer id. No secrets: records are persisted and archived.
 *
 * @example
 * ```ts
 * import type { JsonValue } from '@semper/payments/spi';
 * const data: JsonValue = { transferId: 'tr_1', coins: ['c1', 'c2'] };
 * ```
 */
export type JsonValue = null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/**
 * How a payment system moves value: `cash-like` (tokens the payer holds, e.g. ecash), `cheque-like`
 * (an instruction the payee presents to a gateway, e.g. a card), `account-based` (a transfer between
 * accounts at a bank).
 *
 * @example
 * ```ts
 * import type { PaymentModel } from '@semper/payments/spi';
 * const model: PaymentModel = 'account-based';
 * ```
 */
export type PaymentModel = 'cash-like' | 'cheque-like' | 'account-based';

/**
 * What a payment module can do, declared in its descriptor under `capabilities.payment`.
 *
 * - `model`: see {@link PaymentModel}.
 * - `currencies`: ISO 4217 codes the module pays in.
 * - `twoPhase`: whether it can authorize and later capture or void.
 * - `authorizationTtlMs`: how long an authorization holds (absent: until voided or captured).
 * - `refunds`: `none`, `full` (one refund of the whole captured amount) or `partial` (any number of
 *   refunds up to the captured amount).
 *
 * @example
 * ```ts
 * import type { PaymentCapabilities } from '@semper/payments/spi';
 * const caps: PaymentCapabilities = { model: 'account-based', currencies: ['EUR'], twoPhase: true, refunds: 'partial' };
 * ```
 */
export interface PaymentCapabilities {
  readonly model: PaymentModel;
  readonly currencies: readonly string[];
  readonly twoPhase: boolean;
  readonly authorizationTtlMs?: number;
  readonly refunds: 'none' | 'full' | 'partial';
}

/**
 * A payment module's descriptor: core's module descriptor (id, version, `block: 'payments'`,
 * jurisdictions) whose capabilities carry `payment` ({@link PaymentCapabilities}). The manager also
 * flattens `payment` into top-level capabilities for core's negotiation and policy
 * (`model`, `currencies`, `twoPhase`, `refunds`), so modules may declare them there too; the base
 * class does that for you.
 *
 * @example
 * ```ts
 * import type { PaymentModuleDescriptor } from '@semper/payments/spi';
 * const descriptor: PaymentModuleDescriptor = {
 *   id: 'payment-sim',
 *   version: '1.0.0',
 *   block: 'payments',
 *   jurisdictions: ['*'],
 *   capabilities: {
 *     payment: { model: 'account-based', currencies: ['EUR', 'USD'], twoPhase: true, refunds: 'partial' },
 *   },
 * };
 * ```
 */
export interface PaymentModuleDescriptor
  extends ModuleDescriptor<{ readonly payment: PaymentCapabilities; readonly [key: string]: unknown }> {}

/**
 * Which side of a payment a module instance plays: the `payer` (pays from its purse) or the `payee`
 * (receives, and later captures, voids or refunds).
 *
 * @example
 * ```ts
 * import type { PaymentRole } from '@semper/payments/spi';
 * const role: PaymentRole = 'payee';
 * ```
 */
export type PaymentRole = 'payer' | 'payee';

/**
 * `sale` moves the value at once; `authorize` reserves it for a later capture or void (two-phase
 * modules only).
 *
 * @example
 * ```ts
 * import type { PaymentMode } from '@semper/payments/spi';
 * const mode: PaymentMode = 'authorize';
 * ```
 */
export type PaymentMode = 'sale' | 'authorize';

/**
 * Direction of a piece of evidence, seen from the party recording it: `out` (sent), `in` (received),
 * `local` (produced and kept, e.g. a bank's transfer confirmation).
 *
 * @example
 * ```ts
 * import type { EvidenceDirection } from '@semper/payments/spi';
 * const d: EvidenceDirection = 'in';
 * ```
 */
export type EvidenceDirection = 'in' | 'out' | 'local';

/**
 * The state of a payment transaction.
 *
 * - `pending`: value may be moving (the protocol is running, or a crash interrupted it; recovery asks
 *   the module);
 * - `authorized`: reserved, awaiting capture or void;
 * - `captured`: value moved to the payee (refunds, if any, are counted in `refunded`);
 * - `refunded`: everything captured was refunded;
 * - `voided`: an authorization released;
 * - `expired`: an authorization lapsed;
 * - `declined`, `cancelled`: no value moved;
 * - `failed`: a fault ended the payment and recovery found no value moved.
 *
 * @example
 * ```ts
 * import type { TransactionState } from '@semper/payments/spi';
 * const done: TransactionState[] = ['captured', 'refunded', 'voided', 'declined', 'cancelled', 'failed', 'expired'];
 * ```
 */
export type TransactionState =
  | 'pending'
  | 'authorized'
  | 'captured'
  | 'refunded'
  | 'voided'
  | 'expired'
  | 'declined'
  | 'cancelled'
  | 'failed';

/**
 * An operation on a transaction, as named in records, events and idempotency keys.
 *
 * @example
 * ```ts
 * import type { PaymentOperation } from '@semper/payments/spi';
 * const op: PaymentOperation = 'refund';
 * ```
 */
export type PaymentOperation = 'pay' | 'receive' | 'capture' | 'void' | 'refund';

/**
 * An operation that was started and not known to have finished (written before the module is called):
 * what recovery must reconcile.
 *
 * @example
 * ```ts
 * import type { PendingOperation } from '@semper/payments/spi';
 * declare const pending: PendingOperation;
 * if (pending.operation === 'refund') console.log(pending.amount?.toString());
 * ```
 */
export interface PendingOperation {
  readonly operation: PaymentOperation;
  readonly idempotencyKey: string;
  readonly amount?: Money;
  readonly startedAt: Date;
}

/**
 * The persistent record of a payment as one party keeps it. Amounts are all in the payment's currency.
 *
 * @example
 * ```ts
 * import type { PaymentRecord } from '@semper/payments/spi';
 * declare const record: PaymentRecord;
 * const refundable = record.captured.subtract(record.refunded);
 * ```
 */
export interface PaymentRecord {
  /** The transaction id, the same at payer and payee. */
  readonly id: string;
  readonly moduleId: string;
  readonly role: PaymentRole;
  readonly mode: PaymentMode;
  readonly state: TransactionState;
  /** The amount asked for. */
  readonly amount: Money;
  readonly authorized: Money;
  readonly captured: Money;
  readonly refunded: Money;
  readonly payer: string;
  readonly payee: string;
  /** When an authorization lapses, if the module declares a TTL. */
  readonly expiresAt?: Date;
  /** Why it was declined, cancelled or failed. */
  readonly reason?: string;
  /** The last step the module checkpointed. */
  readonly lastStep?: string;
  /** The module's data, as last checkpointed or returned. */
  readonly moduleData?: JsonValue;
  /** An operation started and not known to have finished. */
  readonly pending?: PendingOperation;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/**
 * The message pipe between the payer's and the payee's module instances for one transaction. The
 * manager carries each message over a comms channel, tags it with the transaction and the step, and
 * archives it as evidence with its direction. `receive` returns the body of the next message of that
 * step (in order), throws `PaymentTimeoutError` after `timeoutMs` (default: the manager's), and
 * `PaymentProtocolError` when the body exceeds `maxBytes` (default 256 KiB). The bytes are a copy the
 * module may keep; parse them with a schema before use.
 *
 * @example
 * ```ts
 * import type { PaymentPeer } from '@semper/payments/spi';
 * async function exchange(peer: PaymentPeer): Promise<Uint8Array> {
 *   await peer.send('request', new TextEncoder().encode('{"v":1}'));
 *   return peer.receive('response', { timeoutMs: 5_000 });
 * }
 * ```
 */
export interface PaymentPeer {
  /** The local party id. */
  readonly localParty: string;
  /** The other party's id. */
  readonly remoteParty: string;
  send(step: string, body: Uint8Array): Promise<void>;
  receive(step: string, options?: { readonly timeoutMs?: number; readonly maxBytes?: number }): Promise<Uint8Array>;
}

/**
 * A module's per-user instrument: a wallet of coins, a card, a bank account. Opened by the module's
 * `openPurse` and handed to the manager; the module reads what it needs from its own purse type.
 *
 * @example
 * ```ts
 * import type { Purse } from '@semper/payments/spi';
 * declare const purse: Purse;
 * const balance = await purse.balance?.();
 * ```
 */
export interface Purse {
  /** The module the purse belongs to. */
  readonly moduleId: string;
  /** The party that owns it. */
  readonly owner: string;
  /** A display label with no secret (e.g. `card ···· 4242`, `account ACC-1`). */
  readonly label?: string;
  /** The money available, when the instrument knows it. */
  balance?(): Promise<Money>;
}

/**
 * What every context of a module hook carries.
 *
 * - `evidence(step, direction, bytes)`: archives bytes as evidence of this transaction (the manager
 *   already archives every peer message; use it for what does not travel over the peer, e.g. a bank's
 *   signed confirmation);
 * - `checkpoint(step, data)`: durably writes the module's data into the transaction record before the
 *   module does something irreversible, so that `onRecover` can reconcile after a crash;
 * - `clock`, `signal`: the time source and the cancellation of the operation.
 *
 * @example
 * ```ts
 * import type { PaymentHookContext } from '@semper/payments/spi';
 * async function beforeTransfer(ctx: PaymentHookContext, transferId: string): Promise<void> {
 *   await ctx.checkpoint('transfer', { transferId });
 * }
 * ```
 */
export interface PaymentHookContext {
  readonly transactionId: string;
  readonly idempotencyKey: string;
  readonly clock: Clock;
  readonly signal: AbortSignal;
  evidence(step: string, direction: EvidenceDirection, bytes: Uint8Array): Promise<void>;
  checkpoint(step: string, data?: JsonValue): Promise<void>;
}

/**
 * The context of a payment, as each side's module sees it.
 *
 * @example
 * ```ts
 * import type { PaymentContext } from '@semper/payments/spi';
 * declare const ctx: PaymentContext;
 * console.log(ctx.amount.toString(), ctx.mode, ctx.payer, '->', ctx.payee);
 * ```
 */
export interface PaymentContext<P extends Purse = Purse> extends PaymentHookContext {
  readonly amount: Money;
  readonly mode: PaymentMode;
  readonly payer: string;
  readonly payee: string;
  /** The local party's purse for this module. */
  readonly purse: P;
  /** The other side's module instance, through the manager. */
  readonly peer: PaymentPeer;
  /** What the payee asked to be shown with the payment (an order reference), if anything. */
  readonly reference?: string;
}

/**
 * The payer side's context (`onPay`).
 *
 * @example
 * ```ts
 * import type { PayerContext } from '@semper/payments/spi';
 * declare const ctx: PayerContext;
 * ctx.role; // 'payer'
 * ```
 */
export interface PayerContext<P extends Purse = Purse> extends PaymentContext<P> {
  readonly role: 'payer';
}

/**
 * The payee side's context (`onReceive`).
 *
 * @example
 * ```ts
 * import type { PayeeContext } from '@semper/payments/spi';
 * declare const ctx: PayeeContext;
 * ctx.role; // 'payee'
 * ```
 */
export interface PayeeContext<P extends Purse = Purse> extends PaymentContext<P> {
  readonly role: 'payee';
}

/**
 * The context of an operation on an existing transaction, at the payee (`onCapture`, `onVoid`,
 * `onRefund`): its record as stored before the operation, and the payee's purse.
 *
 * @example
 * ```ts
 * import type { TransactionContext } from '@semper/payments/spi';
 * declare const ctx: TransactionContext;
 * console.log(ctx.record.state, ctx.record.moduleData);
 * ```
 */
export interface TransactionContext<P extends Purse = Purse> extends PaymentHookContext {
  readonly record: PaymentRecord;
  readonly purse: P;
}

/**
 * The context of `onCapture`: `amount` ≤ what remains authorized (checked by the base).
 *
 * @example
 * ```ts
 * import type { CaptureContext } from '@semper/payments/spi';
 * declare const ctx: CaptureContext;
 * ctx.amount.lessThanOrEqual(ctx.record.authorized); // true
 * ```
 */
export interface CaptureContext<P extends Purse = Purse> extends TransactionContext<P> {
  readonly amount: Money;
}

/**
 * The context of `onRefund`: `amount` ≤ captured − refunded (checked by the base).
 *
 * @example
 * ```ts
 * import type { RefundContext } from '@semper/payments/spi';
 * declare const ctx: RefundContext;
 * console.log(ctx.amount.toString());
 * ```
 */
export interface RefundContext<P extends Purse = Purse> extends TransactionContext<P> {
  readonly amount: Money;
}

/**
 * The context of `onRecover`: a transaction found `pending` (or with a pending operation) when the
 * manager starts; `purse` is the party's purse for the module if one is attached.
 *
 * @example
 * ```ts
 * import type { RecoveryContext } from '@semper/payments/spi';
 * declare const ctx: RecoveryContext;
 * console.log(ctx.record.lastStep, ctx.record.pending?.operation);
 * ```
 */
export interface RecoveryContext<P extends Purse = Purse> {
  readonly record: PaymentRecord;
  readonly purse: P | undefined;
  readonly clock: Clock;
  readonly signal: AbortSignal;
  evidence(step: string, direction: EvidenceDirection, bytes: Uint8Array): Promise<void>;
}

/**
 * Reasons a payment is declined, as returned; modules may use their own words (kebab-case).
 *
 * @example
 * ```ts
 * import type { DeclineReason } from '@semper/payments/spi';
 * const reason: DeclineReason = 'insufficient-funds';
 * ```
 */
export type DeclineReason =
  | 'insufficient-funds'
  | 'limit-exceeded'
  | 'instrument-invalid'
  | 'instrument-expired'
  | 'double-spent'
  | 'authorization-expired'
  | 'refused'
  | (string & {});

/**
 * Fields every outcome may carry: `moduleData` (kept in the record, given back to later hooks) and
 * `evidence` (bytes archived as the module's evidence of the outcome).
 *
 * @example
 * ```ts
 * import type { OutcomeExtras } from '@semper/payments/spi';
 * const extras: OutcomeExtras = { moduleData: { authCode: 'A1B2' } };
 * ```
 */
export interface OutcomeExtras {
  readonly moduleData?: JsonValue;
  readonly evidence?: Uint8Array;
}

/**
 * A payment that moved no value and was refused (insufficient funds, limit, double spending...).
 *
 * @example
 * ```ts
 * import type { Declined } from '@semper/payments/spi';
 * const d: Declined = { status: 'declined', reason: 'insufficient-funds' };
 * ```
 */
export interface Declined extends OutcomeExtras {
  readonly status: 'declined';
  readonly reason: DeclineReason;
  /** Words for the user, with no secret. */
  readonly message?: string;
}

/**
 * A payment that moved no value because a party stopped it (the user said no, the payee withdrew).
 *
 * @example
 * ```ts
 * import type { Cancelled } from '@semper/payments/spi';
 * const c: Cancelled = { status: 'cancelled', reason: 'user-refused' };
 * ```
 */
export interface Cancelled extends OutcomeExtras {
  readonly status: 'cancelled';
  readonly reason: string;
}

/**
 * The outcome of a payment at either side: `captured` (a sale done: `amount` moved), `authorized`
 * (`amount` reserved, `expiresAt` optional), `declined` or `cancelled`.
 *
 * @example
 * ```ts
 * import type { PaymentOutcome } from '@semper/payments/spi';
 * function describe(o: PaymentOutcome): string {
 *   return o.status === 'captured' || o.status === 'authorized' ? `${o.status} ${o.amount}` : `${o.status}: ${o.reason}`;
 * }
 * ```
 */
export type PaymentOutcome =
  | ({ readonly status: 'captured'; readonly amount: Money } & OutcomeExtras)
  | ({ readonly status: 'authorized'; readonly amount: Money; readonly expiresAt?: Date } & OutcomeExtras)
  | Declined
  | Cancelled;

/**
 * What the payer's `onPay` returns.
 *
 * @example
 * ```ts
 * import type { PayOutcome } from '@semper/payments/spi';
 * declare const outcome: PayOutcome;
 * if (outcome.status === 'declined') console.log(outcome.reason);
 * ```
 */
export type PayOutcome = PaymentOutcome;

/**
 * What the payee's `onReceive` returns.
 *
 * @example
 * ```ts
 * import type { ReceiveOutcome } from '@semper/payments/spi';
 * declare const outcome: ReceiveOutcome;
 * if (outcome.status === 'authorized') console.log(outcome.expiresAt);
 * ```
 */
export type ReceiveOutcome = PaymentOutcome;

/**
 * What `onCapture` returns.
 *
 * @example
 * ```ts
 * import type { CaptureOutcome } from '@semper/payments/spi';
 * declare const outcome: CaptureOutcome;
 * if (outcome.status === 'captured') console.log(outcome.amount.toString());
 * ```
 */
export type CaptureOutcome = ({ readonly status: 'captured'; readonly amount: Money } & OutcomeExtras) | Declined;

/**
 * What `onVoid` returns.
 *
 * @example
 * ```ts
 * import type { VoidOutcome } from '@semper/payments/spi';
 * const outcome: VoidOutcome = { status: 'voided' };
 * ```
 */
export type VoidOutcome = ({ readonly status: 'voided' } & OutcomeExtras) | Declined;

/**
 * What `onRefund` returns. `payerToken` is for modules whose refund is something the payer must
 * receive (fresh coins): the manager returns it to the caller, who hands it to the payer, whose manager
 * calls the module's `redeemRefund`.
 *
 * @example
 * ```ts
 * import type { RefundOutcome } from '@semper/payments/spi';
 * declare const outcome: RefundOutcome;
 * if (outcome.status === 'refunded') console.log(outcome.amount.toString(), outcome.payerToken?.length);
 * ```
 */
export type RefundOutcome =
  | ({ readonly status: 'refunded'; readonly amount: Money; readonly payerToken?: Uint8Array } & OutcomeExtras)
  | Declined;

/**
 * What `onRecover` returns: the state the transaction is really in, as the module (or its server)
 * knows it. `pending` means "cannot tell yet": the manager tries again on its next start.
 *
 * - For a pending payment: `captured` / `authorized` (value moved or reserved: `amount`), or
 *   `declined` / `cancelled` / `failed` (no value moved).
 * - For a pending capture, void or refund: the operation's outcome (`captured`, `voided`, `refunded`
 *   with `amount`) or `not-done` (it did not happen; the record stays as it was).
 *
 * @example
 * ```ts
 * import type { RecoveryOutcome } from '@semper/payments/spi';
 * const outcome: RecoveryOutcome = { status: 'failed', reason: 'transfer never reached the bank' };
 * ```
 */
export type RecoveryOutcome =
  | ({ readonly status: 'captured' | 'authorized' | 'refunded'; readonly amount: Money } & OutcomeExtras)
  | ({ readonly status: 'voided' } & OutcomeExtras)
  | ({ readonly status: 'declined' | 'cancelled' | 'failed'; readonly reason: string } & OutcomeExtras)
  | ({ readonly status: 'not-done'; readonly reason?: string } & OutcomeExtras)
  | { readonly status: 'pending'; readonly reason?: string };

/**
 * The context of the payer-side `onRedeemRefund`: a `payerToken` a payee's refund produced.
 *
 * @example
 * ```ts
 * import type { RedeemRefundContext } from '@semper/payments/spi';
 * declare const ctx: RedeemRefundContext;
 * console.log(ctx.token.length);
 * ```
 */
export interface RedeemRefundContext<P extends Purse = Purse> extends PaymentHookContext {
  readonly record: PaymentRecord;
  readonly purse: P;
  readonly token: Uint8Array;
}

/**
 * What `onRedeemRefund` returns.
 *
 * @example
 * ```ts
 * import type { RedeemRefundOutcome } from '@semper/payments/spi';
 * declare const outcome: RedeemRefundOutcome;
 * if (outcome.status === 'redeemed') console.log(outcome.amount.toString());
 * ```
 */
export type RedeemRefundOutcome = ({ readonly status: 'redeemed'; readonly amount: Money } & OutcomeExtras) | Declined;
