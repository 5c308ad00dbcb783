import { PAYMENT_MODULE } from '@semper/payments/spi';
import type { DependencyContainer } from 'tsyringe';
import { SimError } from './errors.js';
import { SimPaymentModule, type SimPaymentModuleOptions } from './sim.payment-module.js';

/**
 * Registers a {@link SimPaymentModule} under the payments block's `PAYMENT_MODULE` token, for the
 * party's `PaymentManager` to collect. Returns the module (to open purses with).
 *
 * @example
 * ```ts
 * import 'reflect-metadata';
 * import { register as registerSim, SimBank } from '@semper/payment-sim';
 * declare const party: import('tsyringe').DependencyContainer;
 * declare const bank: SimBank;
 * const sim = registerSim(party, { bank });
 * ```
 */
export function register(container: DependencyContainer, options: SimPaymentModuleOptions): SimPaymentModule {
  if (typeof container !== 'object' || container === null || typeof container.register !== 'function') {
    throw new SimError('ERR_SIM_INVALID_ARGUMENT', 'register needs a tsyringe container');
  }
  const module = new SimPaymentModule(options);
  container.register(PAYMENT_MODULE, { useValue: module });
  return module;
}
