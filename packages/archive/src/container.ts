import { CLOCK, type Clock, EVENT_BUS, type EventBus } from '@semper/core';
import { STORE, type Store } from '@semper/store';
import { invalidArgument } from './errors.js';
import { type ArchiveOptions, EvidenceArchive } from './evidence-archive.js';
import { EVIDENCE_ARCHIVE } from './tokens.js';

/**
 * The part of a DI container that {@link register} uses; a tsyringe `DependencyContainer` (from
 * `createPartyContainer()` of `@semper/core`) is one.
 *
 * @example
 * ```ts
 * import { createPartyContainer } from '@semper/core';
 * import type { ArchiveContainer } from '@semper/archive';
 * const container: ArchiveContainer = createPartyContainer();
 * ```
 */
export interface ArchiveContainer {
  register<T>(token: symbol, provider: { useValue: T }): unknown;
  resolve<T>(token: symbol): T;
  isRegistered(token: symbol, recursive?: boolean): boolean;
}

/**
 * Options of {@link register}: those of the archive, where `store`, `clock` and `events` default to
 * what the container holds under `@semper/store`'s `STORE` and `@semper/core`'s `CLOCK` and `EVENT_BUS`.
 *
 * @example
 * ```ts
 * import type { ArchiveRegistrationOptions } from '@semper/archive';
 * const options: ArchiveRegistrationOptions = { name: 'merchant', identity: merchant, checkpointEvery: 100 };
 * ```
 */
export interface ArchiveRegistrationOptions extends Omit<ArchiveOptions, 'store'> {
  readonly store?: Store;
}

/**
 * Registers the party's evidence archive under {@link EVIDENCE_ARCHIVE} in `container` (nothing is
 * registered at import time), on the container's store, clock and event bus unless `options` give
 * them. The archive migrates its schema on first use. Returns `container`.
 *
 * @throws {@link ArchiveError} `ERR_ARCHIVE_INVALID_ARGUMENT` when there is no store (neither in
 * `options` nor in the container) or the options are invalid.
 *
 * @example
 * ```ts
 * import { createPartyContainer, register as registerCore } from '@semper/core';
 * import { EVIDENCE_ARCHIVE, type EvidenceArchive, register } from '@semper/archive';
 * import { register as registerStore } from '@semper/store';
 * const merchant = registerStore(registerCore(createPartyContainer()), { url: 'pglite:./merchant-data' });
 * register(merchant, { name: 'merchant', identity, checkpointEvery: 100 });
 * const archive = merchant.resolve<EvidenceArchive>(EVIDENCE_ARCHIVE);
 * ```
 */
export function register<C extends ArchiveContainer>(container: C, options: ArchiveRegistrationOptions = {}): C {
  if (
    typeof container !== 'object' ||
    container === null ||
    typeof container.register !== 'function' ||
    typeof container.resolve !== 'function' ||
    typeof container.isRegistered !== 'function'
  ) {
    throw invalidArgument('register needs a DI container');
  }
  if (typeof options !== 'object' || options === null) throw invalidArgument('register takes an options object');
  const from = <T>(token: symbol): T | undefined =>
    container.isRegistered(token, true) ? container.resolve<T>(token) : undefined;
  const store = options.store ?? from<Store>(STORE);
  if (store === undefined)
    throw invalidArgument('register needs a store: options.store, or one registered under STORE');
  const clock = options.clock ?? from<Clock>(CLOCK);
  const events = options.events ?? from<EventBus>(EVENT_BUS);
  const archive = new EvidenceArchive({
    ...options,
    store,
    ...(clock ? { clock } : {}),
    ...(events ? { events } : {}),
  });
  container.register<EvidenceArchive>(EVIDENCE_ARCHIVE, { useValue: archive });
  return container;
}
