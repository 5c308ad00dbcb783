import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeEnvelope } from '../envelope.js';
import { createRecorder, describeTransportConformance, testMessage, waitUntil } from '../testing.js';
import type { RejectionReport, TransportStatus } from '../transport.js';
import { FolderTransport, openFolderTransport } from './folder.transport.js';

const roots: string[] = [];
async function scratch(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'semper-folder-'));
  roots.push(root);
  return root;
}
afterEach(async () => {
  await Promise.all(roots.splice(0).map((r) => rm(r, { recursive: true, force: true })));
});

describeTransportConformance(
  'folder',
  async () => {
    const root = await mkdtemp(join(tmpdir(), 'semper-folder-conf-'));
    const rx = join(root, 'hub');
    return {
      openReceiver: (o) => openFolderTransport({ path: rx, pollIntervalMs: 20, ...o }),
      openSender: (o) => openFolderTransport({ path: join(root, 'agency'), pollIntervalMs: 20, ...o }),
      injectMalformed: async () => {
        await writeFile(
          join(rx, 'inbox', '0000000000001-000000-00000000-0000000000000000.msg'),
          'SEMPER-MESSAGE 1\n{"id":',
        );
      },
      // A transfer folder holds nothing for a receiver: a file stays in inbox/ until acknowledged. The
      // crashed receiver is dropped without close; its handler never returns, so it never touches inbox/ again.
      crash: async () => undefined,
      teardown: () => rm(root, { recursive: true, force: true }),
    };
  },
  { quietMs: 150 },
);

const HOST_TAG = createHash('sha256').update(hostname()).digest('hex').slice(0, 8);

describe('FolderTransport', () => {
  it('takes an absolute folder path as its address and sends only to absolute folder addresses', async () => {
    const root = await scratch();
    const t = new FolderTransport({ path: join(root, 'a') });
    expect(t.address).toBe(`folder:${join(root, 'a')}`);
    expect(t.canSend('folder:/elsewhere')).toBe(true);
    expect(t.canSend('folder:relative/path')).toBe(false);
    expect(t.canSend('mem:x')).toBe(false);
    expect(() => new FolderTransport({ path: '' })).toThrow(/path/);
    expect(() => new FolderTransport({ path: root, pollIntervalMs: 0 })).toThrow(/pollIntervalMs/);
    expect(() => new FolderTransport({ path: root, afterAck: 'keep' as 'move' })).toThrow(/afterAck/);
    await t.open();
    for (const dir of ['inbox', 'outbox', 'processed', 'failed']) expect(existsSync(join(root, 'a', dir))).toBe(true);
    await t.close();
  });

  it('writes straight into the inbox of a present folder, as a complete envelope, and moves it to processed/ on ack', async () => {
    const root = await scratch();
    const hub = await openFolderTransport({ path: join(root, 'hub'), pollIntervalMs: 10 });
    const agency = await openFolderTransport({ path: join(root, 'agency') });
    const m = testMessage(agency.address, hub.address, 'sdc bytes', { headers: { batch: '3' } });
    const receipt = await agency.send(m);
    expect(receipt.detail).toContain(join(root, 'hub', 'inbox'));
    const [name] = await readdir(join(root, 'hub', 'inbox'));
    expect(name).toMatch(/^\d{13}-\d{6}-[0-9a-f]{8}-[0-9a-f]{16}\.msg$/);
    const onDisk = decodeEnvelope(await readFile(join(root, 'hub', 'inbox', name!)));
    expect(onDisk).toMatchObject({ id: m.id, from: m.from, to: m.to, headers: { batch: '3' } });
    const recorder = createRecorder();
    await hub.receive(recorder.handler);
    await recorder.waitFor(1);
    await waitUntil(() => existsSync(join(root, 'hub', 'processed', name!)));
    expect(await readdir(join(root, 'hub', 'inbox'))).toEqual([]);
    await hub.close();
    await agency.close();
  });

  it("deletes acknowledged messages with afterAck: 'delete'", async () => {
    const root = await scratch();
    const hub = await openFolderTransport({ path: join(root, 'hub'), pollIntervalMs: 10, afterAck: 'delete' });
    await hub.send(testMessage(hub.address, hub.address, 'x'));
    const [name] = await readdir(join(root, 'hub', 'inbox'));
    const recorder = createRecorder();
    await hub.receive(recorder.handler);
    await recorder.waitFor(1);
    await waitUntil(() => !existsSync(join(root, 'hub', 'inbox', name!)));
    await hub.close();
    expect(await readdir(join(root, 'hub', 'inbox'))).toEqual([]);
    expect(await readdir(join(root, 'hub', 'processed'))).toEqual([]);
  });

  it('keeps messages for an absent folder (a stick not plugged in) in its outbox, and forwards them in order once it is there', async () => {
    const root = await scratch();
    const stick = join(root, 'usb', 'hub');
    const agency = await openFolderTransport({ path: join(root, 'agency'), pollIntervalMs: 20 });
    const statuses: TransportStatus[] = [];
    agency.status$.subscribe((s) => statuses.push(s));
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const m = testMessage(agency.address, `folder:${stick}`, `m${i}`);
      ids.push(m.id);
      const receipt = await agency.send(m);
      expect(receipt.detail).toContain(join(root, 'agency', 'outbox'));
    }
    expect(agency.waiting).toBe(5);
    expect(await agency.flush()).toBe(0);
    expect(statuses.at(-1)).toMatchObject({ state: 'backoff' });
    expect(statuses.at(-1)!.detail).toContain('5 message(s) waiting');

    const hub = await openFolderTransport({ path: stick, pollIntervalMs: 10 }); // the stick is plugged in
    const recorder = createRecorder();
    await hub.receive(recorder.handler);
    await recorder.waitFor(5); // forwarded by the agency's own retry loop
    expect(recorder.messages.map((m) => m.id)).toEqual(ids);
    expect(agency.waiting).toBe(0);
    expect(await readdir(join(root, 'agency', 'outbox'))).toEqual([]);
    await waitUntil(() => statuses.at(-1)!.state === 'idle');

    // While nothing waits, new messages go straight to the inbox again.
    const direct = await agency.send(testMessage(agency.address, hub.address, 'direct'));
    expect(direct.detail).toContain(join(stick, 'inbox'));
    await recorder.waitFor(6);
    await hub.close();
    await agency.close();
  });

  it('forwards the outbox after a restart of the sender', async () => {
    const root = await scratch();
    const stick = join(root, 'usb');
    let agency = await openFolderTransport({ path: join(root, 'agency'), pollIntervalMs: 20 });
    await agency.send(testMessage(agency.address, `folder:${stick}`, 'kept'));
    await agency.close();
    const hub = await openFolderTransport({ path: stick, pollIntervalMs: 10 });
    agency = await openFolderTransport({ path: join(root, 'agency'), pollIntervalMs: 20 });
    expect(agency.waiting).toBe(1);
    const recorder = createRecorder();
    await hub.receive(recorder.handler);
    const [got] = await recorder.waitFor(1);
    expect(new TextDecoder().decode(got!.body)).toBe('kept');
    await hub.close();
    await agency.close();
  });

  it("never reads temp files; removes those of dead local writers at once, others' when stale", async () => {
    const root = await scratch();
    const inbox = join(root, 'hub', 'inbox');
    await mkdir(inbox, { recursive: true });
    const deadLocal = `.tmp-${HOST_TAG}-999999999-000000000000.part`;
    const otherHostFresh = '.tmp-00000000-123-000000000000.part';
    const otherHostStale = '.tmp-00000000-456-000000000000.part';
    for (const name of [deadLocal, otherHostFresh, otherHostStale])
      await writeFile(join(inbox, name), 'SEMPER-MESSAGE 1\n');
    const old = new Date(Date.now() - 2 * 3_600_000);
    await utimes(join(inbox, otherHostStale), old, old);
    await writeFile(join(inbox, 'README.txt'), 'not a message');
    const hub = await openFolderTransport({ path: join(root, 'hub'), pollIntervalMs: 10 });
    expect((await readdir(inbox)).sort()).toEqual([otherHostFresh, 'README.txt'].sort());
    const recorder = createRecorder();
    const reports: RejectionReport[] = [];
    hub.rejected$.subscribe((r) => reports.push(r));
    await hub.receive(recorder.handler);
    await hub.send(testMessage(hub.address, hub.address, 'real'));
    await recorder.waitFor(1);
    await new Promise((r) => setTimeout(r, 50));
    expect(recorder.messages).toHaveLength(1);
    expect(reports).toEqual([]);
    await hub.close();
  });

  it('moves bad files to failed/ with a reason file, including a symbolic link, and goes on', async () => {
    const root = await scratch();
    const hub = await openFolderTransport({ path: join(root, 'hub'), pollIntervalMs: 10, maxMessageBytes: 100 });
    const inbox = join(root, 'hub', 'inbox');
    await writeFile(join(root, 'secret'), 'top secret');
    await symlink(join(root, 'secret'), join(inbox, '0000000000001-000000-00000000-0000000000000001.msg'));
    await writeFile(join(inbox, '0000000000001-000000-00000000-0000000000000002.msg'), 'garbage');
    const agency = await openFolderTransport({ path: join(root, 'agency') });
    await agency.send(testMessage(agency.address, hub.address, new Uint8Array(101)));
    await agency.send(testMessage(agency.address, hub.address, 'fine'));
    await agency.close();
    const reports: RejectionReport[] = [];
    hub.rejected$.subscribe((r) => reports.push(r));
    const recorder = createRecorder();
    await hub.receive(recorder.handler);
    await recorder.waitFor(1);
    await waitUntil(() => reports.length === 3);
    expect(reports.map((r) => r.reason)).toEqual(['malformed', 'malformed', 'too-large']);
    const failed = await readdir(join(root, 'hub', 'failed'));
    expect(failed.filter((n) => n.endsWith('.msg'))).toHaveLength(3);
    expect(failed.filter((n) => n.endsWith('.reason.json'))).toHaveLength(3);
    const reason = JSON.parse(
      await readFile(
        join(root, 'hub', 'failed', '0000000000001-000000-00000000-0000000000000002.msg.reason.json'),
        'utf8',
      ),
    );
    expect(reason).toMatchObject({ reason: 'malformed', code: 'ERR_COMMS_MALFORMED' });
    expect(reports[0]!.location).toBe(
      join(root, 'hub', 'failed', '0000000000001-000000-00000000-0000000000000001.msg'),
    );
    expect(await readFile(join(root, 'secret'), 'utf8')).toBe('top secret');
    await hub.close();
  });

  it('names files so that they sort in send order, even within one millisecond', async () => {
    const root = await scratch();
    const hub = await openFolderTransport({ path: join(root, 'hub') });
    const ids: string[] = [];
    await Promise.all(
      Array.from({ length: 30 }, (_, i) => {
        const m = testMessage(hub.address, hub.address, `${i}`);
        ids.push(m.id);
        return hub.send(m);
      }),
    );
    const names = (await readdir(join(root, 'hub', 'inbox'))).sort();
    const order = await Promise.all(
      names.map(async (n) => decodeEnvelope(await readFile(join(root, 'hub', 'inbox', n))).id),
    );
    expect(order).toEqual(ids);
    await hub.close();
  });

  it('reports an unusable folder as ERR_COMMS_IO', async () => {
    const root = await scratch();
    await writeFile(join(root, 'file'), 'x');
    const err = await openFolderTransport({ path: join(root, 'file', 'sub') }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_COMMS_IO' });
  });
});
