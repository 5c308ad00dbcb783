/**
 * DI token of the party's `Clock` (`semper.core.Clock`).
 *
 * @example
 * ```ts
 * import { CLOCK, type Clock, createPartyContainer, register } from '@semper/core';
 * const party = register(createPartyContainer());
 * const clock = party.resolve<Clock>(CLOCK);
 * ```
 */
export const CLOCK: unique symbol = Symbol.for('semper.core.Clock');

/**
 * DI token of the party's `EventBus` (`semper.core.EventBus`).
 *
 * @example
 * ```ts
 * import { createPartyContainer, EVENT_BUS, type EventBus, register } from '@semper/core';
 * const party = register(createPartyContainer());
 * party.resolve<EventBus>(EVENT_BUS).events$.subscribe(console.log);
 * ```
 */
export const EVENT_BUS: unique symbol = Symbol.for('semper.core.EventBus');

/**
 * DI token of the user's `Preferences` (`semper.core.Preferences`).
 *
 * @example
 * ```ts
 * import { createPartyContainer, PREFERENCES, type Preferences, register } from '@semper/core';
 * const party = register(createPartyContainer());
 * party.resolve<Preferences>(PREFERENCES).language; // 'en'
 * ```
 */
export const PREFERENCES: unique symbol = Symbol.for('semper.core.Preferences');

/**
 * DI token of the party's `ModulePolicy` (`semper.core.ModulePolicy`), which every manager consults.
 *
 * @example
 * ```ts
 * import { createPartyContainer, MODULE_POLICY, type ModulePolicy, register } from '@semper/core';
 * const party = register(createPartyContainer());
 * const policy = party.resolve<ModulePolicy>(MODULE_POLICY);
 * ```
 */
export const MODULE_POLICY: unique symbol = Symbol.for('semper.core.ModulePolicy');

/**
 * DI token of the party's default `PolicyContext` (`semper.core.PolicyContext`): its jurisdiction
 * and user, used by managers when a call gives none.
 *
 * @example
 * ```ts
 * import { createPartyContainer, POLICY_CONTEXT, type PolicyContext, register } from '@semper/core';
 * const party = register(createPartyContainer(), { context: { jurisdiction: 'FR', user: 'alice' } });
 * party.resolve<PolicyContext>(POLICY_CONTEXT).jurisdiction; // 'FR'
 * ```
 */
export const POLICY_CONTEXT: unique symbol = Symbol.for('semper.core.PolicyContext');
