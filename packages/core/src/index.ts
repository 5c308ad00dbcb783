/**
 * `@semper/core`: errors, Money, ids, clock, events, preferences, the manager/module contract and DI.
 * Nothing here registers or starts anything at import time.
 *
 * @packageDocumentation
 */
export { type Clock, ManualClock, SystemClock } from './clock.js';
export { type CoreRegistrationOptions, createPartyContainer, register } from './container.js';
export { type Currency, type CurrencyCode, getCurrency, isCurrencyCode, listCurrencies } from './currency.js';
export * from './errors.js';
export { type EventInput, type EventOfType, EventBus, ofType, type SemperEvent } from './event-bus.js';
export {
  createIdGenerator,
  type Id,
  type IdGenerator,
  type IdGeneratorOptions,
  isId,
  newId,
  type ParsedId,
  parseId,
} from './ids.js';
export type { Capabilities, ModuleDescriptor, Requirements, RequirementValue, ServiceModule } from './module.js';
export { type CurrencyInput, Money, type MoneyFormatOptions, type MoneyJSON, type Ratio } from './money.js';
export {
  type NegotiationOptions,
  type NegotiationRejection,
  type NegotiationResult,
  negotiate,
  type Offer,
  type OfferedModule,
} from './negotiation.js';
export {
  ModulePolicy,
  type ModulePolicyOptions,
  type PolicyContext,
  type PolicyDecision,
  type PolicyRule,
} from './policy.js';
export {
  Preferences,
  type PreferencesData,
  type PreferencesJSON,
  type PreferencesPatch,
} from './preferences.js';
export { divideRounded, isRoundingMode, type RoundingMode } from './rounding.js';
export { type ManagerNegotiationOptions, ServiceManager, type ServiceManagerOptions } from './service-manager.js';
export { CLOCK, EVENT_BUS, MODULE_POLICY, POLICY_CONTEXT, PREFERENCES } from './tokens.js';
