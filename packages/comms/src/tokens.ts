/**
 * DI token of the party's transports (`semper.comms.Transport`): one registration per transport; resolve
 * them all with `resolveAll` (or `@injectAll(TRANSPORT)`).
 *
 * @example
 * ```ts
 * import { TRANSPORT, type Transport } from '@semper/comms';
 * const transports = party.resolveAll<Transport>(TRANSPORT);
 * ```
 */
export const TRANSPORT: unique symbol = Symbol.for('semper.comms.Transport');

/**
 * DI token of the party's `TransportRouter` over all its transports (`semper.comms.TransportRouter`).
 *
 * @example
 * ```ts
 * import { TRANSPORT_ROUTER, type TransportRouter } from '@semper/comms';
 * const router = party.resolve<TransportRouter>(TRANSPORT_ROUTER);
 * await router.send(message); // by the scheme of message.to
 * ```
 */
export const TRANSPORT_ROUTER: unique symbol = Symbol.for('semper.comms.TransportRouter');

/**
 * DI token of the party's `Channel` over its router (`semper.comms.Channel`).
 *
 * @example
 * ```ts
 * import { CHANNEL, type Channel } from '@semper/comms';
 * const channel = party.resolve<Channel>(CHANNEL);
 * ```
 */
export const CHANNEL: unique symbol = Symbol.for('semper.comms.Channel');

/**
 * DI token of the party's `DedupStore` (`semper.comms.DedupStore`), for `dedupe`.
 *
 * @example
 * ```ts
 * import { DEDUP_STORE, dedupe, type DedupStore } from '@semper/comms';
 * const handler = dedupe(apply, { store: party.resolve<DedupStore>(DEDUP_STORE) });
 * ```
 */
export const DEDUP_STORE: unique symbol = Symbol.for('semper.comms.DedupStore');
