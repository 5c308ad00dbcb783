import { CLOCK, type Clock, EVENT_BUS, type EventBus } from '@semper/core';
import { STORE, type Store } from '@semper/store';
import { AccessControl } from './access-control.js';
import { AccessError } from './errors.js';
import { MemoryAccessRepository } from './memory.repository.js';
import { AccessPolicy } from './policy.js';
import type { AccessRepository } from './repository.js';
import type { StatusTable } from './status.js';
import { StoreAccessRepository } from './store.repository.js';
import { ACCESS_CONTROL, ACCESS_POLICY, ACCESS_REPOSITORY } from './tokens.js';

/**
 * What a factory registered by {@link register} reads from the container (a tsyringe
 * `DependencyContainer` is one).
 *
 * @example
 * ```ts
 * import type { AccessResolver } from '@semper/access';
 * import { createPartyContainer } from '@semper/core';
 * const resolver: AccessResolver = createPartyContainer();
 * ```
 */
export interface AccessResolver {
  resolve<T>(token: symbol): T;
  isRegistered(token: symbol, recursive?: boolean): boolean;
}

/**
 * The part of a DI container that {@link register} uses; a tsyringe `DependencyContainer` (from
 * `createPartyContainer()` of `@semper/core`) is one.
 *
 * @example
 * ```ts
 * import type { AccessContainer } from '@semper/access';
 * import { createPartyContainer } from '@semper/core';
 * const container: AccessContainer = createPartyContainer();
 * ```
 */
export interface AccessContainer extends AccessResolver {
  register<T>(token: symbol, provider: { useValue: T }): unknown;
  register<T>(token: symbol, provider: { useFactory: (container: AccessResolver) => T }): unknown;
}

/**
 * Options of {@link register}.
 *
 * - `policy`: the policy (e.g. `createAgencyPolicy()`).
 * - `repository`: an `AccessRepository`; `'store'` (the default) for a `StoreAccessRepository` on the
 *   party's `STORE` (register `@semper/store` too); `'memory'` for a `MemoryAccessRepository`.
 * - `statuses`: the status table `changeStatus` checks codes against (e.g. `AGENCY_STATUSES`).
 *
 * @example
 * ```ts
 * import { AGENCY_STATUSES, type AccessRegistrationOptions, createAgencyPolicy } from '@semper/access';
 * const options: AccessRegistrationOptions = { policy: createAgencyPolicy(), statuses: AGENCY_STATUSES };
 * ```
 */
export interface AccessRegistrationOptions {
  readonly policy: AccessPolicy;
  readonly repository?: AccessRepository | 'store' | 'memory';
  readonly statuses?: StatusTable;
}

function bad(message: string): AccessError {
  return new AccessError('ERR_ACCESS_INVALID_ARGUMENT', message);
}

/**
 * Registers access control for a party in `container` (nothing is registered at import time): the
 * policy under {@link ACCESS_POLICY}, the repository under {@link ACCESS_REPOSITORY} and an
 * `AccessControl` under {@link ACCESS_CONTROL}, one instance each per container, made on first
 * resolution with the container's `CLOCK` and `EVENT_BUS` (from `@semper/core`'s `register`) when
 * they are registered, and its `STORE` for the default `'store'` repository. Returns `container`.
 *
 * @example
 * ```ts
 * import { ACCESS_CONTROL, type AccessControl, AGENCY_STATUSES, createAgencyPolicy, register } from '@semper/access';
 * import { createPartyContainer, register as registerCore } from '@semper/core';
 * import { register as registerStore } from '@semper/store';
 *
 * const hub = registerCore(createPartyContainer());
 * registerStore(hub, { url: 'pglite:./hub-data' });
 * register(hub, { policy: createAgencyPolicy(), statuses: AGENCY_STATUSES });
 * const access = hub.resolve<AccessControl>(ACCESS_CONTROL);
 * ```
 */
export function register<C extends AccessContainer>(container: C, options: AccessRegistrationOptions): C {
  if (typeof container !== 'object' || container === null || typeof container.register !== 'function') {
    throw bad('register needs a DI container');
  }
  if (typeof options !== 'object' || options === null || !(options.policy instanceof AccessPolicy)) {
    throw bad('register needs { policy: AccessPolicy }');
  }
  const given = options.repository ?? 'store';
  if (given !== 'store' && given !== 'memory' && typeof given?.recordDenial !== 'function') {
    throw bad("repository is an AccessRepository, 'store' or 'memory'");
  }
  let repository: AccessRepository | undefined = typeof given === 'object' ? given : undefined;
  let control: AccessControl | undefined;

  const repositoryOf = (c: AccessResolver): AccessRepository => {
    if (repository !== undefined) return repository;
    if (given === 'memory') {
      repository = new MemoryAccessRepository();
    } else {
      if (!c.isRegistered(STORE, true)) {
        throw bad("the 'store' access repository needs a STORE: register @semper/store in this container first");
      }
      repository = new StoreAccessRepository(c.resolve<Store>(STORE));
    }
    return repository;
  };

  container.register<AccessPolicy>(ACCESS_POLICY, { useValue: options.policy });
  container.register<AccessRepository>(ACCESS_REPOSITORY, { useFactory: repositoryOf });
  container.register<AccessControl>(ACCESS_CONTROL, {
    useFactory: (c) => {
      control ??= new AccessControl({
        policy: options.policy,
        repository: repositoryOf(c),
        clock: c.isRegistered(CLOCK, true) ? c.resolve<Clock>(CLOCK) : undefined,
        events: c.isRegistered(EVENT_BUS, true) ? c.resolve<EventBus>(EVENT_BUS) : undefined,
        statuses: options.statuses,
      });
      return control;
    },
  });
  return container;
}
