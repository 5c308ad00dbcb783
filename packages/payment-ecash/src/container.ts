import { PAYMENT_MODULE } from '@semper/payments/spi';
import { EcashPaymentModule, type EcashPaymentModuleOptions } from './ecash.payment-module.js';
import type { MintClient } from './mint.client.js';
import { ECASH_PAYMENT_MODULE, MINT_CLIENT } from './tokens.js';

/**
 * The part of a DI container that {@link register} uses; a tsyringe `DependencyContainer` (from
 * `createPartyContainer()` of `@semper/core`) is one.
 *
 * @example
 * ```ts
 * import type { EcashContainer } from '@semper/payment-ecash';
 * import { createPartyContainer } from '@semper/core';
 * const container: EcashContainer = createPartyContainer();
 * ```
 */
export interface EcashContainer {
  register<T>(token: symbol, provider: { useValue: T }): unknown;
}

/**
 * Registers, for one party, its mint client and the ecash payment module (under its own token and under
 * `PAYMENT_MODULE`, where the `PaymentManager` collects modules). Nothing is registered at import time.
 *
 * @example
 * ```ts
 * import { createPartyContainer } from '@semper/core';
 * import { localMintClient, register } from '@semper/payment-ecash';
 * const alice = register(createPartyContainer(), { mint: localMintClient(mint) });
 * ```
 */
export function register<C extends EcashContainer>(
  container: C,
  options: { readonly mint: MintClient } & EcashPaymentModuleOptions,
): C {
  const module = new EcashPaymentModule(options.mint, options);
  container.register(MINT_CLIENT, { useValue: options.mint });
  container.register(ECASH_PAYMENT_MODULE, { useValue: module });
  container.register(PAYMENT_MODULE, { useValue: module });
  return container;
}
