import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openFolderTransport } from './folder/folder.transport.js';
import { createMemoryTransport, MemoryBroker } from './memory/memory.transport.js';
import { createRecorder, testMessage } from './testing.js';
import type { TransportStatus } from './transport.js';
import { TransportRouter } from './transport-router.js';

describe('TransportRouter', () => {
  it('sends by scheme, receives on every member, merges statuses, closes its members', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'semper-router-'));
    const broker = new MemoryBroker();
    const mem = createMemoryTransport({ broker, name: 'hub' });
    const folder = await openFolderTransport({ path: join(dir, 'hub'), pollIntervalMs: 10 });
    const router = new TransportRouter([mem, folder], { address: 'mem:hub' });
    expect(router.address).toBe('mem:hub');
    expect(router.capabilities).toEqual({ ordering: 'per-sender', storeAndForward: true, send: true, receive: true });
    expect(router.maxMessageBytes).toBe(mem.maxMessageBytes);
    expect(router.canSend('folder:/elsewhere')).toBe(true);
    expect(router.canSend('https://x.example/')).toBe(false);
    expect(router.route('folder:/x')).toBe(folder);
    expect(router.addressFor('mem:other')).toBe('mem:hub');
    expect(() => router.route('https://x.example/')).toThrow(
      expect.objectContaining({ code: 'ERR_COMMS_UNSUPPORTED_ADDRESS' }),
    );

    const statuses: TransportStatus[] = [];
    router.status$.subscribe((s) => statuses.push(s));
    expect(new Set(statuses.map((s) => s.address))).toEqual(new Set([mem.address, folder.address]));

    const recorder = createRecorder();
    const receiver = await router.receive(recorder.handler);
    expect(receiver.active).toBe(true);
    await router.send(testMessage('mem:x', mem.address, 'by memory'));
    await router.send(testMessage('mem:x', folder.address, 'by folder'));
    await recorder.waitFor(2);
    expect(new Set(recorder.messages.map((m) => m.via))).toEqual(new Set([mem.address, folder.address]));
    await receiver.close();
    expect(receiver.active).toBe(false);
    await router.close();
    expect(mem.closed && folder.closed && router.closed).toBe(true);
    await expect(router.send(testMessage('mem:x', 'mem:y'))).rejects.toMatchObject({ code: 'ERR_COMMS_CLOSED' });
    await rm(dir, { recursive: true, force: true });
  });

  it('needs at least one transport, and stops what it started when a member cannot receive', async () => {
    expect(() => new TransportRouter([])).toThrow(/at least one/);
    const broker = new MemoryBroker();
    const a = createMemoryTransport({ broker, name: 'a' });
    const b = createMemoryTransport({ broker, name: 'b' });
    await b.receive(async () => undefined); // b is busy: the router's receive fails on it
    const router = new TransportRouter([a, b]);
    await expect(router.receive(async () => undefined)).rejects.toMatchObject({ code: 'ERR_COMMS_ALREADY_RECEIVING' });
    const again = await a.receive(async () => undefined); // a was released again
    expect(again.active).toBe(true);
    await router.close();
  });
});
