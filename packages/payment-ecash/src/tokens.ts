/**
 * DI token of the party's ecash mint client (`semper.payment-ecash.MintClient`), registered by `register`.
 *
 * @example
 * ```ts
 * import { MINT_CLIENT, type MintClient } from '@semper/payment-ecash';
 * const client = container.resolve<MintClient>(MINT_CLIENT);
 * ```
 */
export const MINT_CLIENT: unique symbol = Symbol.for('semper.payment-ecash.MintClient');

/**
 * DI token of the party's `EcashPaymentModule` (`semper.payment-ecash.EcashPaymentModule`), registered by
 * `register`; the module is also registered under `PAYMENT_MODULE` of `@semper/payments/spi`.
 *
 * @example
 * ```ts
 * import { ECASH_PAYMENT_MODULE, type EcashPaymentModule } from '@semper/payment-ecash';
 * const module = container.resolve<EcashPaymentModule>(ECASH_PAYMENT_MODULE);
 * ```
 */
export const ECASH_PAYMENT_MODULE: unique symbol = Symbol.for('semper.payment-ecash.EcashPaymentModule');
