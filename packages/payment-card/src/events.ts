/**
 * A log line of the card components. Fields hold ids, amounts, statuses and message sizes — never card
 * data; the merchant's log is what the no-card-data test searches.
 *
 * @example
 * ```ts
 * const entry: CardLogEntry = { level: 'info', message: 'authorized', fields: { transactionId: 'tx_1' } };
 * ```
 */
export interface CardLogEntry {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly message: string;
  readonly fields?: Readonly<Record<string, unknown>>;
}

/**
 * Where the card components log to (default: nowhere).
 *
 * @example
 * ```ts
 * const logger: CardLogger = (e) => console.log(e.level, e.message, JSON.stringify(e.fields));
 * ```
 */
export type CardLogger = (entry: CardLogEntry) => void;

/**
 * What the merchant publishes on its event bus.
 *
 * @example
 * ```ts
 * import { EventBus, SystemClock } from '@semper/core';
 * const events = new EventBus<CardEvent>(new SystemClock());
 * events.ofType('card.authorized').subscribe((e) => console.log(e.transactionId, e.amount));
 * ```
 */
export type CardEvent =
  | { readonly type: 'card.initiated'; readonly at: Date; readonly transactionId: string; readonly amount: string }
  | {
      readonly type: 'card.purchase-received';
      readonly at: Date;
      readonly transactionId: string;
      readonly cardholder: string;
      readonly bytes: number;
    }
  | {
      readonly type: 'card.authorized';
      readonly at: Date;
      readonly transactionId: string;
      readonly authorizationId: string;
      readonly amount: string;
    }
  | { readonly type: 'card.declined'; readonly at: Date; readonly transactionId: string; readonly reason: string }
  | { readonly type: 'card.captured'; readonly at: Date; readonly transactionId: string; readonly amount: string }
  | { readonly type: 'card.voided'; readonly at: Date; readonly transactionId: string }
  | { readonly type: 'card.refunded'; readonly at: Date; readonly transactionId: string; readonly amount: string };
