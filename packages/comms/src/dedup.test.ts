import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { dedupe, MemoryDedupStore, openFileDedupStore } from './dedup.js';
import { testMessage } from './testing.js';
import type { ReceivedMessage } from './transport.js';

const received = (id: string, from = 'mem:a'): ReceivedMessage => ({
  ...testMessage(from, 'mem:b', 'x', { id }),
  headers: {},
  attempt: 1,
  receivedAt: new Date(),
  via: 'mem:b',
});
const context = { signal: new AbortController().signal };

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

describe('dedupe', () => {
  it('runs the handler once per id and acknowledges duplicates', async () => {
    const seen: string[] = [];
    const duplicates: string[] = [];
    const handler = dedupe(async (m) => void seen.push(m.id), { onDuplicate: (m) => duplicates.push(m.id) });
    expect(await handler(received('msg_1'), context)).toBeUndefined();
    expect(await handler(received('msg_1'), context)).toEqual({ outcome: 'acked' });
    await handler(received('msg_2'), context);
    expect(seen).toEqual(['msg_1', 'msg_2']);
    expect(duplicates).toEqual(['msg_1']);
  });

  it('records only successes: a failed, rejected or retried message runs again', async () => {
    const store = new MemoryDedupStore();
    let n = 0;
    const handler = dedupe(
      async () => {
        n++;
        if (n === 1) throw new Error('down');
        if (n === 2) return { outcome: 'rejected', reason: 'no' } as const;
        if (n === 3) return { outcome: 'retry' } as const;
        return undefined;
      },
      { store },
    );
    await expect(handler(received('msg_1'), context)).rejects.toThrow('down');
    expect(await handler(received('msg_1'), context)).toMatchObject({ outcome: 'rejected' });
    expect(await handler(received('msg_1'), context)).toMatchObject({ outcome: 'retry' });
    expect(await store.has('msg_1')).toBe(false);
    await handler(received('msg_1'), context);
    expect(await store.has('msg_1')).toBe(true);
    expect(n).toBe(4);
  });

  it('runs one handler when two deliveries of one id overlap', async () => {
    let runs = 0;
    const handler = dedupe(async () => {
      runs++;
      await new Promise((r) => setTimeout(r, 20));
    });
    const results = await Promise.all([handler(received('msg_1'), context), handler(received('msg_1'), context)]);
    expect(runs).toBe(1);
    expect(results).toEqual([undefined, { outcome: 'acked' }]);
  });

  it('keys by a function of the message when told', async () => {
    let runs = 0;
    const handler = dedupe(async () => void runs++, { key: (m) => `${m.from} ${m.id}` });
    await handler(received('msg_1', 'mem:a'), context);
    await handler(received('msg_1', 'mem:c'), context);
    expect(runs).toBe(2);
  });
});

describe('MemoryDedupStore', () => {
  it('keeps the most recent keys', async () => {
    const store = new MemoryDedupStore({ maxEntries: 2 });
    await store.add('a');
    await store.add('b');
    await store.add('a'); // refreshes a
    await store.add('c');
    expect([await store.has('a'), await store.has('b'), await store.has('c')]).toEqual([true, false, true]);
    expect(store.size).toBe(2);
    await expect(store.add('bad\nkey')).rejects.toMatchObject({ code: 'ERR_COMMS_INVALID_ARGUMENT' });
    expect(() => new MemoryDedupStore({ maxEntries: 0 })).toThrow(/maxEntries/);
  });
});

describe('FileDedupStore', () => {
  it('persists keys across a reopen, ignores a torn last line, and compacts', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'semper-dedup-'));
    dirs.push(dir);
    const path = join(dir, 'sub', 'seen.log');
    let store = await openFileDedupStore(path, { maxEntries: 3 });
    for (const key of ['k1', 'k2', 'k2', 'k3']) await store.add(key);
    await store.close();
    expect(await readFile(path, 'utf8')).toBe('k1\nk2\nk3\n');
    await writeFile(path, 'k1\nk2\nk3\nk4-torn', { flag: 'w' });
    store = await openFileDedupStore(path, { maxEntries: 3 });
    expect(await store.has('k3')).toBe(true);
    expect(await store.has('k4-torn')).toBe(false);
    for (const key of ['k5', 'k6', 'k7', 'k8']) await store.add(key);
    expect(await store.has('k1')).toBe(false); // forgotten: beyond maxEntries
    expect(await store.has('k8')).toBe(true);
    await store.close();
    const lines = (await readFile(path, 'utf8')).split('\n').filter(Boolean);
    expect(lines.length).toBeLessThanOrEqual(6); // compacted at twice maxEntries
    store = await openFileDedupStore(path, { maxEntries: 3 });
    expect([await store.has('k6'), await store.has('k7'), await store.has('k8')]).toEqual([true, true, true]);
    await store.close();
    await expect(store.add('k9')).rejects.toMatchObject({ code: 'ERR_COMMS_CLOSED' });
  });
});
