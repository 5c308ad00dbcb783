import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CommsError,
  createMemoryTransport,
  MemoryBroker,
  type Message,
  openFolderTransport,
  openHttpTransport,
  type SendReceipt,
  type Transport,
} from '@semper/comms';
import { createRecorder, waitUntil } from '@semper/comms/testing';
import { lastValueFrom, toArray } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { SdcPumpError } from './errors.js';
import { SDC_SMIME_CONTENT_TYPE as SDC_CONTENT_TYPE } from '../format/index.js';
import { MemorySdcMailbox } from './memory-mailbox.js';
import { outboxMailbox } from './outbox-mailbox.js';
import { formatPumpStatus, runPumpOnce, SdcPump, type SdcPumpStatus } from './sdc.pump.js';

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder().decode(b);

/** A transport whose `send` can be made to fail, delegating everything else. */
function flaky(inner: Transport): Transport & { failWith: Error | undefined; sends: Message[] } {
  const t = {
    failWith: undefined as Error | undefined,
    sends: [] as Message[],
    get address() {
      return inner.address;
    },
    get capabilities() {
      return inner.capabilities;
    },
    get maxMessageBytes() {
      return inner.maxMessageBytes;
    },
    get status$() {
      return inner.status$;
    },
    get rejected$() {
      return inner.rejected$;
    },
    get closed() {
      return inner.closed;
    },
    canSend: (to: string) => inner.canSend(to),
    open: () => inner.open(),
    send: async (m: Message): Promise<SendReceipt> => {
      t.sends.push(m);
      if (t.failWith) throw t.failWith;
      return inner.send(m);
    },
    receive: inner.receive.bind(inner),
    close: () => inner.close(),
  };
  return t;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function setup() {
  const broker = new MemoryBroker();
  const agencyTransport = flaky(createMemoryTransport({ broker, name: 'agency' }));
  const hubTransport = createMemoryTransport({ broker, name: 'hub' });
  const mailbox = new MemorySdcMailbox();
  cleanups.push(async () => {
    await agencyTransport.close();
    await hubTransport.close();
  });
  return { broker, agencyTransport, hubTransport, mailbox };
}

describe('SdcPump', () => {
  it('sends the pending containers in outbox order with their ids, and marks each sent once accepted', async () => {
    const { agencyTransport, hubTransport, mailbox } = setup();
    for (let i = 0; i < 250; i++) mailbox.enqueue({ id: `sdc_${i}`, to: 'mem:hub', body: bytes(`container ${i}`) });
    const recorder = createRecorder();
    await hubTransport.receive(recorder.handler);
    const pump = new SdcPump({ mailbox, transport: agencyTransport, batchSize: 100, receive: false });
    const run = await pump.runOnce();
    expect(run).toMatchObject({ sent: 250, failed: 0 });
    expect(run.error).toBeUndefined();
    expect(mailbox.outbox).toEqual([]);
    expect(mailbox.sent.size).toBe(250);
    expect(mailbox.sent.get('sdc_7')?.to).toBe('mem:hub');
    await recorder.waitFor(250);
    expect(recorder.messages.map((m) => m.id)).toEqual(Array.from({ length: 250 }, (_, i) => `sdc_${i}`));
    expect(recorder.messages[3]).toMatchObject({ from: 'mem:agency', contentType: SDC_CONTENT_TYPE });
    expect(text(recorder.messages[3]!.body)).toBe('container 3');
    expect(pump.status).toMatchObject({ sent: 250, failures: 0, state: 'idle' });
    await pump.stop();
  });

  it('takes containers in, acknowledging only what the mailbox committed; duplicates, rejections and faults', async () => {
    const { broker, agencyTransport, hubTransport, mailbox } = setup();
    let failNext = 2;
    mailbox.intake = async (m) => {
      if (text(m.body) === 'garbage') return { outcome: 'rejected', reason: 'ERR_SDC_MALFORMED' };
      if (text(m.body) === 'flaky' && failNext-- > 0) throw new Error('database is down');
      return undefined;
    };
    const pump = new SdcPump({
      mailbox,
      transport: agencyTransport,
      intervalMs: 60_000,
      receiveOptions: { redelivery: { initialDelayMs: 10, maxDelayMs: 20 } },
    });
    await pump.start();
    const send = (id: string, body: string) =>
      hubTransport.send({ id, from: 'mem:hub', to: 'mem:agency', contentType: SDC_CONTENT_TYPE, body: bytes(body) });
    await send('a', 'one');
    await send('a', 'one'); // delivered twice, as mail does
    await send('b', 'garbage');
    await send('c', 'flaky');
    await waitUntil(() => mailbox.inbox.has('c'), 5000, 'the flaky container to get in');
    await waitUntil(() => broker.pending('agency') === 0, 5000, 'everything to be settled');
    expect([...mailbox.inbox.keys()].sort()).toEqual(['a', 'c']);
    expect(mailbox.deliveries.map((d) => d.id)).toEqual(['a', 'a', 'b', 'c', 'c', 'c']);
    expect(broker.deadLetters('agency').map((d) => d.report.detail)).toEqual(['ERR_SDC_MALFORMED']);
    expect(pump.status).toMatchObject({ received: 2, duplicates: 1, rejected: 1, failures: 2 });
    expect(pump.status.lastError?.message).toBe('database is down');
    // The body handed to the mailbox is a copy.
    expect(mailbox.inbox.get('a')?.body).toBeInstanceOf(Uint8Array);
    await pump.stop();
  });

  it('backs off exponentially with jitter after transport faults, and recovers', async () => {
    const { agencyTransport, hubTransport, mailbox } = setup();
    const recorder = createRecorder();
    await hubTransport.receive(recorder.handler);
    mailbox.enqueue({ id: 'sdc_1', to: 'mem:hub', body: bytes('one') });
    mailbox.enqueue({ id: 'sdc_2', to: 'mem:hub', body: bytes('two') });
    agencyTransport.failWith = new CommsError('ERR_COMMS_UNAVAILABLE', 'connection refused');
    const statuses: SdcPumpStatus[] = [];
    const pump = new SdcPump({
      mailbox,
      transport: agencyTransport,
      intervalMs: 60_000,
      backoff: { initialDelayMs: 20, maxDelayMs: 80, factor: 2, jitter: 0.5 },
      random: () => 0.5,
      receive: false,
    });
    pump.status$.subscribe((s) => statuses.push(s));
    await pump.start();
    await waitUntil(() => pump.status.consecutiveFailures >= 4, 5000, 'four failed runs');
    const backoffs = statuses.filter((s) => s.state === 'backoff');
    const delays = backoffs.map((s) => s.nextRunAt!.getTime() - s.at.getTime());
    // 20·2^(n-1) capped at 80, of which half random (0.5): 15, 30, 60, 60
    expect(delays.slice(0, 4)).toEqual([15, 30, 60, 60]);
    expect(mailbox.outbox.length).toBe(2); // nothing marked sent
    expect(pump.status.lastError).toEqual({ code: 'ERR_COMMS_UNAVAILABLE', message: 'connection refused' });
    expect(formatPumpStatus(pump.status)).toMatch(
      /\[backoff, transport \w+\] last run .*: sent 0, failed 0, ERR_COMMS_UNAVAILABLE/,
    );
    agencyTransport.failWith = undefined;
    await waitUntil(() => mailbox.outbox.length === 0, 5000, 'the outbox to drain after recovery');
    await waitUntil(() => pump.status.state === 'waiting', 5000, 'the pump to wait for the interval');
    expect(pump.status.consecutiveFailures).toBe(0);
    expect(pump.status.nextRunAt!.getTime() - pump.status.at.getTime()).toBe(60_000);
    await recorder.waitFor(2);
    expect(recorder.messages.map((m) => m.id)).toEqual(['sdc_1', 'sdc_2']);
    // The same ids every attempt: the receiver sees one message per container.
    expect(new Set(agencyTransport.sends.map((m) => m.id))).toEqual(new Set(['sdc_1', 'sdc_2']));
    expect(agencyTransport.sends.length).toBeGreaterThan(4);
    await pump.stop();
  });

  it('marks a container the transport can never carry as failed and goes on with the next', async () => {
    const { broker, hubTransport, mailbox } = setup();
    const small = createMemoryTransport({ broker, name: 'small', maxMessageBytes: 1024 });
    cleanups.push(() => small.close());
    const recorder = createRecorder();
    await hubTransport.receive(recorder.handler);
    mailbox.enqueue({ id: 'big', to: 'mem:hub', body: new Uint8Array(2048) });
    mailbox.enqueue({ id: 'nowhere', to: 'mailto:hub@example.org', body: bytes('x') });
    mailbox.enqueue({ id: 'fine', to: 'mem:hub', body: bytes('fine') });
    const pump = new SdcPump({ mailbox, transport: small, receive: false });
    const run = await pump.runOnce();
    expect(run).toMatchObject({ sent: 1, failed: 2 });
    expect(mailbox.failed.get('big')?.code).toBe('ERR_COMMS_TOO_LARGE');
    expect(mailbox.failed.get('nowhere')?.code).toBe('ERR_SDC_PUMP_BAD_ENTRY');
    await recorder.waitFor(1);
    expect(recorder.messages.map((m) => m.id)).toEqual(['fine']);
    expect(pump.status.failures).toBe(2);
    await pump.stop();
  });

  it('runs every interval, soon after an intake, and stops cleanly (status$ completes)', async () => {
    const { agencyTransport, hubTransport, mailbox } = setup();
    const recorder = createRecorder();
    await hubTransport.receive(recorder.handler);
    // The intake answers each container with a receipt in the outbox, as the secure data services do.
    mailbox.intake = async (m) => {
      mailbox.enqueue({ id: `receipt_${m.id}`, to: 'mem:hub', body: bytes(`receipt for ${m.id}`) });
      return undefined;
    };
    const pump = new SdcPump({ mailbox, transport: agencyTransport, intervalMs: 100, runAfterIntake: 0 });
    const all = lastValueFrom(pump.status$.pipe(toArray()));
    await pump.start();
    mailbox.enqueue({ id: 'later', to: 'mem:hub', body: bytes('later') });
    await recorder.waitFor(1, 2000); // picked up by a scheduled run
    await hubTransport.send({
      id: 'x1',
      from: 'mem:hub',
      to: 'mem:agency',
      contentType: SDC_CONTENT_TYPE,
      body: bytes('1'),
    });
    await recorder.waitFor(2, 2000);
    expect(recorder.messages.map((m) => m.id)).toEqual(['later', 'receipt_x1']);
    await pump.stop();
    await pump.stop(); // idempotent
    const statuses = await all;
    expect(statuses.at(-1)).toMatchObject({ state: 'stopped', sent: 2, received: 1 });
    expect(statuses.filter((s) => s.state === 'running').length).toBeGreaterThanOrEqual(2);
    await expect(pump.start()).rejects.toBeInstanceOf(SdcPumpError);
    await expect(pump.runOnce()).rejects.toMatchObject({ code: 'ERR_SDC_PUMP_STOPPED' });
  });

  it('over an outbox that keeps failed entries pending: processes first, routes parties, never loops', async () => {
    const { hubTransport, agencyTransport } = setup();
    const recorder = createRecorder();
    await hubTransport.receive(recorder.handler);
    const rows = [
      { containerId: 'c1', recipient: 'hub', bytes: bytes('one'), sent: false, errors: [] as string[] },
      { containerId: 'c2', recipient: 'elsewhere', bytes: bytes('two'), sent: false, errors: [] as string[] },
    ];
    const order: string[] = [];
    const stored: string[] = [];
    const mailbox = outboxMailbox({
      outbox: {
        pending: async (limit) => rows.filter((r) => !r.sent).slice(0, limit),
        markSent: async (id) => {
          order.push(`sent ${id}`);
          rows.find((r) => r.containerId === id)!.sent = true;
        },
        markFailed: async (id, error) => {
          rows.find((r) => r.containerId === id)!.errors.push(error); // stays pending, as sdc_outbox does
        },
      },
      inbox: { add: async (_bytes, source) => void stored.push(source) },
      addressOf: (party) => (party === 'hub' ? 'mem:hub' : undefined),
      process: async () => void order.push('process'),
    });
    const pump = new SdcPump({ mailbox, transport: agencyTransport, receive: false, batchSize: 1 });
    expect(await pump.runOnce()).toMatchObject({ sent: 1, failed: 1 });
    expect(order).toEqual(['process', 'sent c1']);
    expect(rows[1]!.errors).toEqual(['ERR_SDC_PUMP_BAD_ENTRY: no transport sends to "elsewhere"']);
    expect(await pump.runOnce()).toMatchObject({ sent: 0, failed: 1 }); // tried again next run, once
    await recorder.waitFor(1);
    expect(recorder.messages.map((m) => [m.id, text(m.body)])).toEqual([['c1', 'one']]);
    await mailbox.deliver({
      id: 'm1',
      from: 'mem:hub',
      to: 'mem:agency',
      contentType: SDC_CONTENT_TYPE,
      body: bytes('x'),
      headers: {},
      receivedAt: new Date(),
      via: 'mem:agency',
    });
    expect(stored).toEqual(['mem:agency m1']);
    await pump.stop();
  });

  it('keeps trying to start receiving after transient faults (the server is not up yet), not after a bad login', async () => {
    const { agencyTransport, hubTransport, mailbox } = setup();
    let refusals = 3;
    const receive = agencyTransport.receive;
    agencyTransport.receive = async (...args) => {
      if (refusals-- > 0) throw new CommsError('ERR_COMMS_UNAVAILABLE', 'connection refused');
      return receive(...args);
    };
    const pump = new SdcPump({
      mailbox,
      transport: agencyTransport,
      backoff: { initialDelayMs: 10, maxDelayMs: 40 },
      intervalMs: 60_000,
    });
    await pump.start(); // does not reject: the outbox is served meanwhile
    expect(pump.receiving).toBe(false);
    await hubTransport.send({
      id: 'late',
      from: 'mem:hub',
      to: 'mem:agency',
      contentType: SDC_CONTENT_TYPE,
      body: bytes('x'),
    });
    await waitUntil(() => mailbox.inbox.has('late'), 5000, 'the receiver to start at last');
    expect(pump.receiving).toBe(true);
    expect(pump.status).toMatchObject({ failures: 3, received: 1 });
    await pump.stop();

    const denied = setup();
    denied.agencyTransport.receive = async () => {
      throw new CommsError('ERR_COMMS_AUTH_FAILED', 'bad login');
    };
    const strict = new SdcPump({ mailbox: denied.mailbox, transport: denied.agencyTransport });
    await expect(strict.start()).rejects.toMatchObject({ code: 'ERR_COMMS_AUTH_FAILED' });
    await strict.stop();
    const once = setup();
    once.agencyTransport.receive = async () => {
      throw new CommsError('ERR_COMMS_UNAVAILABLE', 'connection refused');
    };
    await expect(runPumpOnce({ mailbox: once.mailbox, transport: once.agencyTransport })).rejects.toMatchObject({
      code: 'ERR_COMMS_UNAVAILABLE',
    });
  });

  it('over HTTP (not store-and-forward): a container is marked sent only once the receiving pump committed it', async () => {
    const hubHttp = await openHttpTransport({ listen: { port: 0, host: '127.0.0.1' } });
    const agencyHttp = await openHttpTransport({ listen: { port: 0, host: '127.0.0.1' }, retry: { attempts: 1 } });
    cleanups.push(async () => {
      await hubHttp.close();
      await agencyHttp.close();
    });
    const hubMailbox = new MemorySdcMailbox();
    hubMailbox.intake = async (m) => {
      hubMailbox.enqueue({ id: `receipt_${m.id}`, to: agencyHttp.address, body: bytes(`receipt for ${m.id}`) });
      return undefined;
    };
    const agencyMailbox = new MemorySdcMailbox();
    agencyMailbox.enqueue({ id: 'export_1', to: hubHttp.address, body: bytes('rows') });
    const agency = new SdcPump({ mailbox: agencyMailbox, transport: agencyHttp, intervalMs: 60_000 });
    // The hub is not listening yet: the agency's run fails (nothing marked sent) and backs off.
    await hubHttp.close();
    const down = await agency.runOnce();
    expect(down.error?.code).toMatch(/^ERR_COMMS_/);
    expect(agencyMailbox.outbox.map((e) => e.id)).toEqual(['export_1']);
    await agency.stop();

    const hubUp = await openHttpTransport({ listen: { port: 0, host: '127.0.0.1' } });
    cleanups.push(() => hubUp.close());
    const hub2 = new SdcPump({ mailbox: hubMailbox, transport: hubUp, intervalMs: 60_000, runAfterIntake: 0 });
    await hub2.start();
    agencyMailbox.outbox[0] = { id: 'export_1', to: hubUp.address, body: bytes('rows') };
    const agency2 = new SdcPump({ mailbox: agencyMailbox, transport: agencyHttp, intervalMs: 60_000 });
    await agency2.start();
    await waitUntil(() => agencyMailbox.inbox.has('receipt_export_1'), 10_000, 'the receipt over HTTP');
    expect([...hubMailbox.inbox.keys()]).toEqual(['export_1']);
    expect(agencyMailbox.sent.get('export_1')?.to).toBe(hubUp.address);
    await agency2.stop();
    await hub2.stop();
  });

  it('refuses bad options with ERR_SDC_PUMP_INVALID_ARGUMENT', () => {
    const { agencyTransport, mailbox } = setup();
    for (const bad of [
      { intervalMs: 0 },
      { intervalMs: 1.5 },
      { batchSize: 0 },
      { runAfterIntake: -1 },
      { backoff: { factor: 0.5 } },
    ]) {
      expect(() => new SdcPump({ mailbox, transport: agencyTransport, ...bad })).toThrow(
        expect.objectContaining({ code: 'ERR_SDC_PUMP_INVALID_ARGUMENT' }),
      );
    }
  });

  it('runPumpOnce over transfer folders: sends, takes in what waits, sends the answers, stops', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'semper-sdc-pump-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const hubPath = join(dir, 'hub');
    const agencyPath = join(dir, 'agency');
    const hub = await openFolderTransport({ path: hubPath, pollIntervalMs: 20, fsync: false });
    const agency = await openFolderTransport({ path: agencyPath, pollIntervalMs: 20, fsync: false });
    const hubMailbox = new MemorySdcMailbox();
    hubMailbox.intake = async (m) => {
      hubMailbox.enqueue({ id: `receipt_${m.id}`, to: m.from, body: bytes(`receipt for ${m.id}`) });
      return undefined;
    };
    const agencyMailbox = new MemorySdcMailbox();
    for (let i = 0; i < 5; i++) agencyMailbox.enqueue({ id: `export_${i}`, to: hub.address, body: bytes(`rows ${i}`) });
    const lines: string[] = [];
    const a1 = await runPumpOnce({ mailbox: agencyMailbox, transport: agency, settleMs: 100 });
    expect(a1).toMatchObject({ state: 'stopped', sent: 5, received: 0 });
    const h = await runPumpOnce({
      mailbox: hubMailbox,
      transport: hub,
      settleMs: 200,
      onStatus: (s) => lines.push(formatPumpStatus(s)),
    });
    expect(h).toMatchObject({ sent: 5, received: 5, failures: 0 });
    expect([...hubMailbox.inbox.keys()]).toEqual(['export_0', 'export_1', 'export_2', 'export_3', 'export_4']);
    expect(lines.at(-1)).toMatch(
      /^sdc pump folder:.*\[stopped, transport \w+\] last run .*: sent \d, failed 0; total sent 5, received 5/,
    );
    const a2 = await runPumpOnce({ mailbox: agencyMailbox, transport: agency, settleMs: 200 });
    expect(a2).toMatchObject({ sent: 0, received: 5 });
    expect([...agencyMailbox.inbox.keys()]).toEqual([0, 1, 2, 3, 4].map((i) => `receipt_export_${i}`));
    expect(await readdir(join(agencyPath, 'inbox'))).toEqual([]);
    expect(await readdir(join(hubPath, 'inbox'))).toEqual([]);
    await hub.close();
    await agency.close();
  });
});
