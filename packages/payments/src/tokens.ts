/**
 * The token under which payment modules are registered; the `PaymentManager` collects them all
 * (`@injectAll`) and routes by id.
 *
 * @example
 * ```ts
 * import 'reflect-metadata';
 * import { container } from 'tsyringe';
 * import { PAYMENT_MODULE } from '@semper/payments/spi';
 * declare const myModule: import('@semper/payments/spi').AbstractPaymentModule;
 * container.registerInstance(PAYMENT_MODULE, myModule);
 * ```
 */
export const PAYMENT_MODULE: unique symbol = Symbol.for('semper.payments.PaymentModule');

/**
 * The token of a party's `PaymentManager`.
 *
 * @example
 * ```ts
 * import { PAYMENT_MANAGER } from '@semper/payments';
 * declare const child: import('tsyringe').DependencyContainer;
 * const payments = child.resolve<import('@semper/payments').PaymentManager>(PAYMENT_MANAGER);
 * ```
 */
export const PAYMENT_MANAGER: unique symbol = Symbol.for('semper.payments.PaymentManager');

/**
 * The token of the `PaymentManagerOptions` that `register` puts in the container.
 *
 * @example
 * ```ts
 * import { PAYMENT_MANAGER_OPTIONS } from '@semper/payments';
 * declare const child: import('tsyringe').DependencyContainer;
 * child.register(PAYMENT_MANAGER_OPTIONS, { useValue: { party: 'alice' } });
 * ```
 */
export const PAYMENT_MANAGER_OPTIONS: unique symbol = Symbol.for('semper.payments.PaymentManagerOptions');
