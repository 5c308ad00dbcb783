import { Channel, type ChannelOptions } from './channel.js';
import { type DedupStore, MemoryDedupStore } from './dedup.js';
import { CommsError } from './errors.js';
import type { Transport } from './transport.js';
import { TransportRouter } from './transport-router.js';
import { CHANNEL, DEDUP_STORE, TRANSPORT, TRANSPORT_ROUTER } from './tokens.js';

/**
 * What {@link register} needs of a DI container (a tsyringe `DependencyContainer` fits).
 *
 * @example
 * ```ts
 * import { createPartyContainer } from '@semper/core';
 * import type { CommsContainer } from '@semper/comms';
 * const container: CommsContainer = createPartyContainer();
 * ```
 */
export interface CommsContainer {
  register<T>(token: symbol, provider: { useValue: T }): unknown;
}

/**
 * Options of {@link register}.
 *
 * @example
 * ```ts
 * import { createMemoryTransport, MemoryBroker, type CommsRegistrationOptions } from '@semper/comms';
 * const options: CommsRegistrationOptions = {
 *   transports: [createMemoryTransport({ broker: new MemoryBroker(), name: 'hub' })],
 *   channel: { requestTimeoutMs: 10_000 },
 * };
 * ```
 */
export interface CommsRegistrationOptions {
  /** The party's transports (at least one), in routing order. The router owns them: closing it closes them. */
  readonly transports: readonly Transport[];
  /** The router's own address (default: the first transport's). */
  readonly address?: string;
  /** Options of the channel registered under `CHANNEL`. */
  readonly channel?: ChannelOptions;
  /** The store registered under `DEDUP_STORE` (default a new `MemoryDedupStore`). */
  readonly dedupStore?: DedupStore;
}

/**
 * Registers the party's communication service in `container` (nothing is registered at import time): each
 * transport under `TRANSPORT`, a `TransportRouter` over them under `TRANSPORT_ROUTER`, a `Channel` over
 * the router under `CHANNEL`, and a `DedupStore` under `DEDUP_STORE`. Nothing is opened or started: the
 * channel starts receiving on `start` or the first `request`. Returns `container`.
 *
 * @example
 * ```ts
 * import { createPartyContainer } from '@semper/core';
 * import { CHANNEL, type Channel, createMemoryTransport, MemoryBroker, register } from '@semper/comms';
 * const broker = new MemoryBroker();
 * const hub = register(createPartyContainer(), { transports: [createMemoryTransport({ broker, name: 'hub' })] });
 * await hub.resolve<Channel>(CHANNEL).start({ onRequest: async (req) => ({ contentType: 'text/plain', body: req.body }) });
 * ```
 */
export function register<C extends CommsContainer>(container: C, options: CommsRegistrationOptions): C {
  if (typeof container !== 'object' || container === null || typeof container.register !== 'function') {
    throw new CommsError('ERR_COMMS_INVALID_ARGUMENT', 'register needs a DI container');
  }
  if (typeof options !== 'object' || options === null || !Array.isArray(options.transports)) {
    throw new CommsError('ERR_COMMS_INVALID_ARGUMENT', 'register needs { transports }');
  }
  const router = new TransportRouter(
    options.transports,
    options.address === undefined ? {} : { address: options.address },
  );
  const channel = new Channel(router, options.channel);
  for (const transport of options.transports) container.register<Transport>(TRANSPORT, { useValue: transport });
  container.register<TransportRouter>(TRANSPORT_ROUTER, { useValue: router });
  container.register<Channel>(CHANNEL, { useValue: channel });
  container.register<DedupStore>(DEDUP_STORE, { useValue: options.dedupStore ?? new MemoryDedupStore() });
  return container;
}
