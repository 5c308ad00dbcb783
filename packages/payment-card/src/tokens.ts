/**
 * DI token of the card payment module (also registered under `@semper/payments`' `PAYMENT_MODULE`).
 *
 * @example
 * ```ts
 * import { CARD_PAYMENT_MODULE } from '@semper/payment-card';
 * const module = container.resolve(CARD_PAYMENT_MODULE);
 * ```
 */
export const CARD_PAYMENT_MODULE: unique symbol = Symbol.for('semper.payment-card.CardPaymentModule');

/**
 * DI token of the merchant (when registered).
 *
 * @example
 * ```ts
 * import { CARD_MERCHANT } from '@semper/payment-card';
 * const merchant = container.resolve(CARD_MERCHANT);
 * ```
 */
export const CARD_MERCHANT: unique symbol = Symbol.for('semper.payment-card.CardMerchant');
