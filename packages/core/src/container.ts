// tsyringe needs the Reflect metadata polyfill before it loads.
import 'reflect-metadata';
import { type DependencyContainer, container as rootContainer } from 'tsyringe';
import { type Clock, SystemClock } from './clock.js';
import { CoreError } from './errors.js';
import { EventBus } from './event-bus.js';
import { checkPolicyContext, ModulePolicy, type ModulePolicyOptions, type PolicyContext } from './policy.js';
import { Preferences, type PreferencesPatch } from './preferences.js';
import { CLOCK, EVENT_BUS, MODULE_POLICY, POLICY_CONTEXT, PREFERENCES } from './tokens.js';

/**
 * Options of core's {@link register}.
 *
 * @example
 * ```ts
 * import { ManualClock, type CoreRegistrationOptions } from '@semper/core';
 * const options: CoreRegistrationOptions = {
 *   clock: new ManualClock(),
 *   preferences: { language: 'fr' },
 *   policy: { rules: [{ name: 'no-sim', effect: 'forbid', modules: ['payment-sim'] }] },
 *   context: { jurisdiction: 'FR', user: 'alice' },
 * };
 * ```
 */
export interface CoreRegistrationOptions {
  /** The party's clock (default: a new `SystemClock`). */
  readonly clock?: Clock;
  /** The party's event bus (default: a new `EventBus` on the clock). */
  readonly eventBus?: EventBus;
  /** The user's preferences, as a value or as changes to the defaults (default: the defaults). */
  readonly preferences?: Preferences | PreferencesPatch;
  /** The module policy, as a value or as its options (default: allow all). */
  readonly policy?: ModulePolicy | ModulePolicyOptions;
  /** The party's default policy context (default: `{}`). */
  readonly context?: PolicyContext;
}

/**
 * A new DI container for one party (buyer, merchant, TTP...): a child of `parent`, or of tsyringe's root
 * container. What is registered in it stays with that party, so several parties can live in one process
 * (as in tests and examples) without sharing keys, clocks or event streams.
 *
 * @example
 * ```ts
 * import { createPartyContainer, register } from '@semper/core';
 * const buyer = register(createPartyContainer());
 * const merchant = register(createPartyContainer());
 * ```
 */
export function createPartyContainer(parent?: DependencyContainer): DependencyContainer {
  return (parent ?? rootContainer).createChildContainer();
}

/**
 * Registers core's services in `container` (nothing is registered at import time): under `CLOCK` the
 * given clock or a `SystemClock`; under `EVENT_BUS` the given bus or a new one on that clock; under
 * `PREFERENCES` the preferences (defaults unless given); under `MODULE_POLICY` the policy (allow all
 * unless given); under `POLICY_CONTEXT` the party's default context. Each is one instance per
 * container. Returns `container`.
 *
 * @example
 * ```ts
 * import { CLOCK, type Clock, createPartyContainer, ManualClock, register } from '@semper/core';
 * const clock = new ManualClock('2030-01-01T00:00:00Z');
 * const party = register(createPartyContainer(), { clock, context: { jurisdiction: 'DE' } });
 * party.resolve<Clock>(CLOCK) === clock; // true
 * ```
 */
export function register(container: DependencyContainer, options: CoreRegistrationOptions = {}): DependencyContainer {
  if (typeof container !== 'object' || container === null || typeof container.register !== 'function') {
    throw new CoreError('ERR_CORE_INVALID_ARGUMENT', 'register needs a tsyringe container');
  }
  const clock = options.clock ?? new SystemClock();
  const eventBus = options.eventBus ?? new EventBus(clock);
  const preferences =
    options.preferences instanceof Preferences ? options.preferences : Preferences.from(options.preferences ?? {});
  const policy = options.policy instanceof ModulePolicy ? options.policy : new ModulePolicy(options.policy ?? {});
  const context: PolicyContext = Object.freeze({ ...(options.context ?? {}) });
  checkPolicyContext(context);

  container.register<Clock>(CLOCK, { useValue: clock });
  container.register<EventBus>(EVENT_BUS, { useValue: eventBus });
  container.register<Preferences>(PREFERENCES, { useValue: preferences });
  container.register<ModulePolicy>(MODULE_POLICY, { useValue: policy });
  container.register<PolicyContext>(POLICY_CONTEXT, { useValue: context });
  return container;
}
