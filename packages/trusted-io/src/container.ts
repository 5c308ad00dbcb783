import { CLOCK, type Clock, EVENT_BUS, type EventBus, PREFERENCES, type Preferences } from '@semper/core';
import type { TrustedIoOptions } from './abstract-trusted-io.js';
import { TrustedIoError } from './errors.js';
import { PolicyTrustedIo, type PolicyTrustedIoOptions } from './policy.trusted-io.js';
import { TerminalTrustedIo, type TerminalTrustedIoOptions } from './terminal.trusted-io.js';
import { TRUSTED_IO } from './tokens.js';
import type { TrustedIo } from './trusted-io.js';

/**
 * What a factory registered by {@link register} reads from the container (a tsyringe
 * `DependencyContainer` is one).
 *
 * @example
 * ```ts
 * import { createPartyContainer } from '@semper/core';
 * import type { TrustedIoResolver } from '@semper/trusted-io';
 * const resolver: TrustedIoResolver = createPartyContainer();
 * ```
 */
export interface TrustedIoResolver {
  resolve<T>(token: symbol): T;
  isRegistered(token: symbol, recursive?: boolean): boolean;
}

/**
 * The part of a DI container that {@link register} uses; a tsyringe `DependencyContainer` (from
 * `createPartyContainer()` of `@semper/core`) is one.
 *
 * @example
 * ```ts
 * import { createPartyContainer } from '@semper/core';
 * import type { TrustedIoContainer } from '@semper/trusted-io';
 * const container: TrustedIoContainer = createPartyContainer();
 * ```
 */
export interface TrustedIoContainer extends TrustedIoResolver {
  register<T>(token: symbol, provider: { useValue: T }): unknown;
  register<T>(token: symbol, provider: { useFactory: (container: TrustedIoResolver) => T }): unknown;
}

/** The options the container fills in from the party's own clock, events and preferences when they are not given. */
export type Wired = 'clock' | 'events' | 'preferences';

/**
 * Options of {@link register}: a ready implementation (`io`), a terminal (`terminal`: its streams and
 * options) or a policy (`policy`: its rules and options). For the last two, the clock, event bus and
 * preferences are the container's (`CLOCK`, `EVENT_BUS`, `PREFERENCES` of `@semper/core`) unless
 * given.
 *
 * @example
 * ```ts
 * import { Money } from '@semper/core';
 * import type { TrustedIoRegistrationOptions } from '@semper/trusted-io';
 * const server: TrustedIoRegistrationOptions = {
 *   policy: { rules: [{ name: 'small', effect: 'approve', kinds: ['payment'], limit: Money.parse('50', 'EUR') }] },
 * };
 * ```
 */
export type TrustedIoRegistrationOptions =
  | { readonly io: TrustedIo }
  | { readonly terminal: Omit<TerminalTrustedIoOptions, Wired> & Partial<Pick<TrustedIoOptions, Wired>> }
  | { readonly policy: Omit<PolicyTrustedIoOptions, Wired> & Partial<Pick<TrustedIoOptions, Wired>> };

function bad(message: string): TrustedIoError {
  return new TrustedIoError('ERR_TRUSTEDIO_INVALID_ARGUMENT', message);
}

/**
 * Registers the party's trusted-io under {@link TRUSTED_IO} in `container` (nothing is registered at
 * import time): one instance per container, made on first resolution. Returns `container`.
 *
 * @example
 * ```ts
 * import { createPartyContainer, Money, register as registerCore } from '@semper/core';
 * import { register, TRUSTED_IO, type TrustedIo } from '@semper/trusted-io';
 * const merchant = registerCore(createPartyContainer(), { preferences: { spendingLimits: { EUR: Money.parse('50', 'EUR') } } });
 * register(merchant, { policy: { rules: [{ name: 'within-limit', effect: 'approve', kinds: ['payment'], limit: 'preferences' }] } });
 * const io = merchant.resolve<TrustedIo>(TRUSTED_IO);
 * ```
 */
export function register<C extends TrustedIoContainer>(container: C, options: TrustedIoRegistrationOptions): C {
  if (typeof container !== 'object' || container === null || typeof container.register !== 'function') {
    throw bad('register needs a DI container');
  }
  if (typeof options !== 'object' || options === null) throw bad('register needs { io }, { terminal } or { policy }');
  if ('io' in options) {
    if (typeof options.io?.confirm !== 'function') throw bad('options.io is not a TrustedIo');
    container.register<TrustedIo>(TRUSTED_IO, { useValue: options.io });
    return container;
  }
  const terminal = 'terminal' in options ? options.terminal : undefined;
  const policy = 'policy' in options ? options.policy : undefined;
  if (typeof (terminal ?? policy) !== 'object' || (terminal ?? policy) === null) {
    throw bad('register needs { io }, { terminal } or { policy }');
  }
  let instance: TrustedIo | undefined;
  container.register<TrustedIo>(TRUSTED_IO, {
    useFactory: (c) => {
      if (instance !== undefined) return instance;
      const wired = (given: Partial<Pick<TrustedIoOptions, Wired>>): Pick<TrustedIoOptions, Wired> => ({
        clock: given.clock ?? (c.isRegistered(CLOCK, true) ? c.resolve<Clock>(CLOCK) : undefined),
        events: given.events ?? (c.isRegistered(EVENT_BUS, true) ? c.resolve<EventBus>(EVENT_BUS) : undefined),
        preferences:
          given.preferences ?? (c.isRegistered(PREFERENCES, true) ? c.resolve<Preferences>(PREFERENCES) : undefined),
      });
      instance =
        terminal !== undefined
          ? new TerminalTrustedIo({ ...terminal, ...wired(terminal) })
          : new PolicyTrustedIo({ ...policy!, ...wired(policy!) });
      return instance;
    },
  });
  return container;
}
