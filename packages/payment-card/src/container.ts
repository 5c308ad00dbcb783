import { PAYMENT_MODULE } from '@semper/payments/spi';
import type { DependencyContainer } from 'tsyringe';
import { CardPaymentModule, type CardPaymentModuleOptions } from './card.payment-module.js';
import { CardError } from './errors.js';
import { CARD_MERCHANT, CARD_PAYMENT_MODULE } from './tokens.js';

/**
 * Options of {@link register}: the module's options (trust, and the merchant for a payee).
 *
 * @example
 * ```ts
 * const o: CardRegistrationOptions = { module: { trust: { merchants: brand, gateways: brand }, merchant } };
 * ```
 */
export interface CardRegistrationOptions {
  readonly module: CardPaymentModuleOptions;
}

/**
 * Registers a {@link CardPaymentModule} in a party's container, under `CARD_PAYMENT_MODULE` and
 * `PAYMENT_MODULE` (where the payment manager collects its modules), and the merchant under
 * `CARD_MERCHANT` when there is one. Nothing is registered at import time.
 *
 * @example
 * ```ts
 * import { createPartyContainer } from '@semper/core';
 * import { register } from '@semper/payment-card';
 * const shop = register(createPartyContainer(), { module: { trust: { merchants: brand, gateways: brand }, merchant } });
 * ```
 */
export function register<C extends DependencyContainer>(container: C, options: CardRegistrationOptions): C {
  if (typeof container?.register !== 'function')
    throw new CardError('ERR_CARD_INVALID_ARGUMENT', 'register needs a DI container');
  if (options?.module === undefined)
    throw new CardError('ERR_CARD_INVALID_ARGUMENT', 'register needs the module options');
  const module = new CardPaymentModule(options.module);
  container.register(CARD_PAYMENT_MODULE, { useValue: module });
  container.register(PAYMENT_MODULE, { useValue: module });
  if (options.module.merchant !== undefined) container.register(CARD_MERCHANT, { useValue: options.module.merchant });
  return container;
}
