import { describe, expect, it } from 'vitest';
import { CommsError } from '../errors.js';
import { createRecorder, describeTransportConformance, testMessage, waitUntil } from '../testing.js';
import type { TransportStatus } from '../transport.js';
import { createMemoryTransport, MemoryBroker, MemoryTransport } from './memory.transport.js';

describeTransportConformance('memory', async () => {
  const broker = new MemoryBroker();
  return {
    openReceiver: async (o) => createMemoryTransport({ broker, name: 'rx', ...o }),
    openSender: async (o) => createMemoryTransport({ broker, name: 'tx', ...o }),
    injectMalformed: async () =>
      broker.injectRaw('rx', { id: 'has space', from: 'mem:tx', to: 'mem:rx', body: new Uint8Array(1) }),
    // The broker sees its consumer die: what the receiver held goes back to the queue.
    crash: async () => broker.crashReceivers('rx'),
  };
});

describe('MemoryTransport', () => {
  it('addresses queues as mem:<name> and refuses bad names', () => {
    const broker = new MemoryBroker();
    expect(new MemoryTransport({ broker, name: 'hub-1.a_b' }).address).toBe('mem:hub-1.a_b');
    for (const name of ['', 'has space', 'a/b', '.hidden', 'x'.repeat(129)]) {
      expect(() => createMemoryTransport({ broker, name })).toThrow(CommsError);
    }
    expect(() => createMemoryTransport({ broker: {} as MemoryBroker, name: 'x' })).toThrow(/broker/);
    const t = createMemoryTransport({ broker, name: 'a' });
    expect(t.canSend('mem:b')).toBe(true);
    expect(t.canSend('mem:has space')).toBe(false);
    expect(t.canSend('folder:/x')).toBe(false);
  });

  it('keeps messages in the broker until acknowledged, and moves bad ones to its dead letters', async () => {
    const broker = new MemoryBroker();
    const hub = createMemoryTransport({ broker, name: 'hub', maxMessageBytes: 10 });
    const agency = createMemoryTransport({ broker, name: 'agency' });
    await agency.send(testMessage(agency.address, hub.address, 'fits'));
    await agency.send(testMessage(agency.address, hub.address, 'far too large'));
    broker.injectRaw('hub', 'not even an object');
    expect(broker.pending('hub')).toBe(3);
    const recorder = createRecorder();
    await hub.receive(recorder.handler);
    await recorder.waitFor(1);
    await waitUntil(() => broker.deadLetters('hub').length === 2);
    expect(broker.pending('hub')).toBe(0);
    expect(broker.deadLetters('hub').map((d) => d.report.reason)).toEqual(['too-large', 'malformed']);
    expect(broker.deadLetters('hub')[0]!.report.location).toBe('mem:hub dead letters');
    expect(broker.pending('nobody')).toBe(0);
    expect(broker.deadLetters('nobody')).toEqual([]);
    await hub.close();
    await agency.close();
  });

  it('copies the body on send: the sender may reuse its buffer', async () => {
    const broker = new MemoryBroker();
    const hub = createMemoryTransport({ broker, name: 'hub' });
    const body = new TextEncoder().encode('original');
    await hub.send(testMessage(hub.address, hub.address, body));
    body.fill(0);
    const recorder = createRecorder();
    await hub.receive(recorder.handler);
    const [got] = await recorder.waitFor(1);
    expect(new TextDecoder().decode(got!.body)).toBe('original');
    await hub.close();
  });

  it('gives back deliveries abandoned at close (a handler that never returns)', async () => {
    const broker = new MemoryBroker();
    let hub = createMemoryTransport({ broker, name: 'hub' });
    await hub.send(testMessage(hub.address, hub.address, 'stuck'));
    const stuck = createRecorder(() => new Promise(() => {}));
    await hub.receive(stuck.handler, { drainTimeoutMs: 20 });
    await stuck.waitFor(1);
    await hub.close();
    expect(broker.pending('hub')).toBe(1);
    hub = createMemoryTransport({ broker, name: 'hub' });
    const recorder = createRecorder();
    await hub.receive(recorder.handler);
    const [got] = await recorder.waitFor(1);
    expect(new TextDecoder().decode(got!.body)).toBe('stuck');
    await waitUntil(() => broker.pending('hub') === 0);
    await hub.close();
  });

  it('crashReceivers: what a dead receiver held goes back to the queue, and its late settlements are refused', async () => {
    const broker = new MemoryBroker();
    const dead = createMemoryTransport({ broker, name: 'hub' });
    const statuses: TransportStatus[] = [];
    dead.status$.subscribe((s) => statuses.push(s));
    await dead.send(testMessage(dead.address, dead.address, 'held'));
    let finish: () => void = () => {};
    const stuck = createRecorder(() => new Promise<undefined>((r) => (finish = () => r(undefined))));
    await dead.receive(stuck.handler, { concurrency: 2, drainTimeoutMs: 20 });
    await stuck.waitFor(1);
    broker.crashReceivers('hub');
    await dead.send(testMessage(dead.address, dead.address, 'after the crash'));
    const next = createMemoryTransport({ broker, name: 'hub' });
    const recorder = createRecorder(() => new Promise<undefined>((r) => setTimeout(() => r(undefined), 20)));
    await next.receive(recorder.handler, { concurrency: 2 });
    await recorder.waitFor(2);
    expect(recorder.messages.map((r) => new TextDecoder().decode(r.body)).sort()).toEqual(['after the crash', 'held']);
    finish(); // the dead receiver's handler "returns": its ack must not count
    await waitUntil(() => statuses.some((s) => s.state === 'error'), 2000, 'the refused ack');
    expect(statuses.find((s) => s.state === 'error')!.error!.code).toBe('ERR_COMMS_UNAVAILABLE');
    expect(stuck.messages).toHaveLength(1); // it took nothing more, though it had a free slot
    await waitUntil(() => broker.pending('hub') === 0, 2000, 'both acknowledged by the new receiver');
    await Promise.all([dead.close(), next.close()]);
  });
});
