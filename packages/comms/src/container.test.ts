import { createPartyContainer } from '@semper/core';
import { describe, expect, it } from 'vitest';
import type { Channel } from './channel.js';
import { register } from './container.js';
import { type DedupStore, MemoryDedupStore } from './dedup.js';
import { createMemoryTransport, MemoryBroker } from './memory/memory.transport.js';
import { CHANNEL, DEDUP_STORE, TRANSPORT, TRANSPORT_ROUTER } from './tokens.js';
import type { Transport } from './transport.js';
import { TransportRouter } from './transport-router.js';

describe('register', () => {
  it('uses tokens Symbol.for(semper.comms.<Name>)', () => {
    expect(TRANSPORT).toBe(Symbol.for('semper.comms.Transport'));
    expect(TRANSPORT_ROUTER).toBe(Symbol.for('semper.comms.TransportRouter'));
    expect(CHANNEL).toBe(Symbol.for('semper.comms.Channel'));
    expect(DEDUP_STORE).toBe(Symbol.for('semper.comms.DedupStore'));
  });

  it('registers the transports, a router over them, a channel over the router and a dedup store, per party', async () => {
    const broker = new MemoryBroker();
    const a = createMemoryTransport({ broker, name: 'a' });
    const b = createMemoryTransport({ broker, name: 'b' });
    const store = new MemoryDedupStore();
    const party = register(createPartyContainer(), { transports: [a, b], address: 'mem:b', dedupStore: store });
    expect(party.resolveAll<Transport>(TRANSPORT)).toEqual([a, b]);
    const router = party.resolve<TransportRouter>(TRANSPORT_ROUTER);
    expect(router).toBeInstanceOf(TransportRouter);
    expect(router.transports).toEqual([a, b]);
    expect(router.address).toBe('mem:b');
    const channel = party.resolve<Channel>(CHANNEL);
    expect(channel.transport).toBe(router);
    expect(party.resolve<DedupStore>(DEDUP_STORE)).toBe(store);
    const other = register(createPartyContainer(), { transports: [createMemoryTransport({ broker, name: 'c' })] });
    expect(other.resolve(CHANNEL)).not.toBe(channel);
    expect(other.resolve(DEDUP_STORE)).toBeInstanceOf(MemoryDedupStore);
    expect(createPartyContainer().isRegistered(CHANNEL, true)).toBe(false); // nothing at import time
    await router.close();
  });

  it('checks its arguments', () => {
    expect(() => register(null as never, { transports: [] })).toThrow(/container/);
    expect(() => register(createPartyContainer(), {} as never)).toThrow(/transports/);
    expect(() => register(createPartyContainer(), { transports: [] })).toThrow(/at least one/);
  });
});
