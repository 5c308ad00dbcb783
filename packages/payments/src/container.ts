// tsyringe needs the Reflect metadata polyfill before it loads.
import 'reflect-metadata';
import type { EvidenceArchive } from '@semper/archive';
import type { Channel } from '@semper/comms';
import { CLOCK, type Clock, EventBus, ModulePolicy, type PolicyContext, Preferences, SystemClock } from '@semper/core';
import type { Store } from '@semper/store';
import type { TrustedIo } from '@semper/trusted-io';
import { type DependencyContainer, Lifecycle } from 'tsyringe';
import type { AbstractPaymentModule } from './abstract-payment-module.js';
import { PaymentError } from './errors.js';
import { PaymentManager, type PaymentManagerOptions } from './payment.manager.js';
import { PAYMENT_MANAGER, PAYMENT_MANAGER_OPTIONS, PAYMENT_MODULE } from './tokens.js';

/**
 * Options of {@link register}: the manager's options and the modules to register under
 * `PAYMENT_MODULE` (modules may also be registered there by their own packages' `register`).
 *
 * @example
 * ```ts
 * import type { PaymentsRegistrationOptions } from '@semper/payments';
 * declare const sim: import('@semper/payments/spi').AbstractPaymentModule;
 * const options: PaymentsRegistrationOptions = { party: 'shop', modules: [sim] };
 * ```
 */
export interface PaymentsRegistrationOptions extends PaymentManagerOptions {
  // biome-ignore lint/suspicious/noExplicitAny: modules of any purse type
  readonly modules?: readonly AbstractPaymentModule<any>[];
}

/**
 * Registers the payments block in a party's container: the modules under `PAYMENT_MODULE`, the options
 * under `PAYMENT_MANAGER_OPTIONS` and the `PaymentManager` under `PAYMENT_MANAGER` (one per container).
 * The container must already hold core's services (`CLOCK`, `EVENT_BUS`, `MODULE_POLICY`,
 * `PREFERENCES`, `POLICY_CONTEXT`), a `STORE`, an `EVIDENCE_ARCHIVE`, `TRUSTED_IO` and a comms `CHANNEL`.
 *
 * @example
 * ```ts
 * import 'reflect-metadata';
 * import { createPartyContainer, register as registerCore } from '@semper/core';
 * import { PAYMENT_MANAGER, type PaymentManager, register } from '@semper/payments';
 * declare const sim: import('@semper/payments/spi').AbstractPaymentModule;
 * const party = registerCore(createPartyContainer());
 * // ... register store, archive, trusted-io and a comms channel ...
 * register(party, { party: 'shop', modules: [sim] });
 * const payments = party.resolve<PaymentManager>(PAYMENT_MANAGER);
 * ```
 */
export function register(container: DependencyContainer, options: PaymentsRegistrationOptions): DependencyContainer {
  if (typeof container !== 'object' || container === null || typeof container.register !== 'function') {
    throw new PaymentError('ERR_PAYMENTS_INVALID_ARGUMENT', 'register needs a tsyringe container');
  }
  if (typeof options !== 'object' || options === null) {
    throw new PaymentError('ERR_PAYMENTS_INVALID_ARGUMENT', 'register needs options with the party id');
  }
  if (!container.isRegistered(CLOCK, true)) {
    throw new PaymentError(
      'ERR_PAYMENTS_INVALID_ARGUMENT',
      "register @semper/core's services first: the payment manager needs the party's CLOCK",
    );
  }
  const { modules, ...managerOptions } = options;
  for (const m of modules ?? []) container.register(PAYMENT_MODULE, { useValue: m });
  container.register<PaymentManagerOptions>(PAYMENT_MANAGER_OPTIONS, {
    useValue: Object.freeze({ ...managerOptions }),
  });
  container.register<PaymentManager>(
    PAYMENT_MANAGER,
    { useClass: PaymentManager },
    { lifecycle: Lifecycle.ContainerScoped },
  );
  return container;
}

/**
 * What {@link createPaymentManager} takes: the collaborators a container would inject, and the
 * manager's options. `clock`, `events`, `policy`, `preferences` and `context` have defaults (system
 * clock, a new bus, allow all, defaults, none).
 *
 * @example
 * ```ts
 * import type { CreatePaymentManagerOptions } from '@semper/payments';
 * declare const o: CreatePaymentManagerOptions;
 * console.log(o.party, o.modules.length);
 * ```
 */
export interface CreatePaymentManagerOptions extends PaymentManagerOptions {
  // biome-ignore lint/suspicious/noExplicitAny: modules of any purse type
  readonly modules: readonly AbstractPaymentModule<any>[];
  readonly store: Store;
  readonly archive: EvidenceArchive;
  readonly trustedIo: TrustedIo;
  readonly channel: Channel;
  readonly clock?: Clock;
  readonly events?: EventBus;
  readonly policy?: ModulePolicy;
  readonly preferences?: Preferences;
  readonly context?: PolicyContext;
}

/**
 * Builds a `PaymentManager` without a container (scripts, tests, the conformance kit).
 *
 * @example
 * ```ts
 * import { createPaymentManager } from '@semper/payments';
 * declare const deps: import('@semper/payments').CreatePaymentManagerOptions;
 * const payments = createPaymentManager(deps);
 * await payments.start();
 * ```
 */
export function createPaymentManager(options: CreatePaymentManagerOptions): PaymentManager {
  if (typeof options !== 'object' || options === null) {
    throw new PaymentError('ERR_PAYMENTS_INVALID_ARGUMENT', 'createPaymentManager takes options');
  }
  const { modules, store, archive, trustedIo, channel, clock, events, policy, preferences, context, ...rest } = options;
  const theClock = clock ?? new SystemClock();
  return new PaymentManager(
    [...(modules ?? [])],
    policy ?? ModulePolicy.allowAll(),
    preferences ?? Preferences.defaults(),
    context ?? {},
    theClock,
    events ?? new EventBus(theClock),
    store,
    archive,
    trustedIo,
    channel,
    rest,
  );
}
