/**
 * `@semper/comms/testing`: the transport conformance suite, run by every transport in its own test suite
 * (`describeTransportConformance`), and small helpers for transport tests.
 *
 * @packageDocumentation
 */
import { afterEach, describe, expect, it } from 'vitest';
import { dedupe } from './dedup.js';
import { CommsError } from './errors.js';
import type { Message } from './message.js';
import type {
  MessageHandler,
  ReceivedMessage,
  ReceiveOptions,
  RedeliveryPolicy,
  RejectionReport,
  Transport,
  TransportStatus,
  VerifyHook,
} from './transport.js';

/**
 * Options a conformance setup gets when it opens an endpoint.
 *
 * @example
 * ```ts
 * import type { ConformanceOpenOptions } from '@semper/comms/testing';
 * const small: ConformanceOpenOptions = { maxMessageBytes: 1024 };
 * ```
 */
export interface ConformanceOpenOptions {
  /** The transport's `maxMessageBytes` (default: the transport's default). */
  readonly maxMessageBytes?: number;
}

/**
 * One test's environment, made by the factory given to {@link describeTransportConformance}: a fresh
 * medium (a broker, temp folders, a free port, an empty mailbox) with a receiving and a sending endpoint.
 * Each `open*` call makes a **new transport instance** on the same endpoint: calling it again after closing
 * the previous one is a restart.
 *
 * @example
 * ```ts
 * import { createMemoryTransport, MemoryBroker } from '@semper/comms';
 * import type { TransportConformanceSetup } from '@semper/comms/testing';
 * const broker = new MemoryBroker();
 * const setup: TransportConformanceSetup = {
 *   openReceiver: async (o) => createMemoryTransport({ broker, name: 'rx', ...o }),
 *   openSender: async (o) => createMemoryTransport({ broker, name: 'tx', ...o }),
 *   injectMalformed: async () => broker.injectRaw('rx', { id: 'x', body: 'not bytes' }),
 *   crash: async () => broker.crashReceivers('rx'),
 * };
 * ```
 */
export interface TransportConformanceSetup {
  /** Opens the receiving endpoint (its `address` is where the suite sends). */
  openReceiver(options?: ConformanceOpenOptions): Promise<Transport>;
  /** Opens the sending endpoint. */
  openSender(options?: ConformanceOpenOptions): Promise<Transport>;
  /**
   * Puts a malformed message where the receiver finds it (called once the receiver receives); without it,
   * skip the `malformed` case with a reason.
   */
  injectMalformed?(): Promise<void>;
  /**
   * Crashes the receiving side: `receiver` (opened by `openReceiver`, receiving, one of its handlers still
   * running) must stop as its process would if killed — nothing it has not settled gets settled, nothing
   * is given back, no cleanup runs, it takes nothing more — while the medium sees what it sees when a
   * receiver dies (a broker drops its consumer, a server's connections are cut). Then the suite opens a
   * new receiver on the same endpoint and expects the unacknowledged message again. Where the medium holds
   * nothing for a receiver (a transfer folder: the file stays in `inbox/` until acknowledged), dropping the
   * object is the crash: the suite receives with `concurrency` 1 and its handler never returns, so the
   * dropped receiver never settles nor takes anything again. The suite never closes `receiver` before the
   * end of the test. Without it, skip the `crash` case with a reason (e.g.
   * mail: a collector process killed with SIGKILL, in the transport's own suite).
   */
  crash?(receiver: Transport): Promise<void>;
  /** Cleans up after the test (transports the suite opened are closed by the suite). */
  teardown?(): Promise<void>;
}

/**
 * The cases of the conformance suite, by name (for `skip`).
 *
 * @example
 * ```ts
 * import type { ConformanceCase } from '@semper/comms/testing';
 * const skip: ConformanceCase[] = ['order'];
 * ```
 */
export type ConformanceCase =
  | 'intact'
  | 'order'
  | 'ack'
  | 'receiver-restart'
  | 'sender-restart'
  | 'store-and-forward'
  | 'redelivery'
  | 'duplicates'
  | 'crash'
  | 'send-limit'
  | 'receive-limit'
  | 'receive-at-limit'
  | 'malformed'
  | 'verify'
  | 'handler-rejects'
  | 'concurrency'
  | 'send-checks'
  | 'close'
  | 'reopen'
  | 'status';

/**
 * Options of {@link describeTransportConformance}.
 *
 * @example
 * ```ts
 * import type { TransportConformanceOptions } from '@semper/comms/testing';
 * const slowMedium: TransportConformanceOptions = { timeoutMs: 30_000, quietMs: 2000, messages: 5 };
 * ```
 */
export interface TransportConformanceOptions {
  /** The longest wait for an expected delivery, in ms (default 5000). */
  readonly timeoutMs?: number;
  /** How long "nothing more comes" is watched, in ms (default 300; longer for polling media). */
  readonly quietMs?: number;
  /** Messages in the ordering case (default 10). */
  readonly messages?: number;
  /** The redelivery policy the suite's receivers use (default 20 ms doubling to 200 ms). */
  readonly redelivery?: RedeliveryPolicy;
  /** Cases to leave out, with the reason shown as the skipped test's name. */
  readonly skip?: Partial<Record<ConformanceCase, string>>;
  /** Per-test timeout given to vitest (default 30 000 ms). */
  readonly testTimeoutMs?: number;
}

/**
 * Records what a handler receives, and waits for it.
 *
 * @example
 * ```ts
 * import { createRecorder } from '@semper/comms/testing';
 * const recorder = createRecorder();
 * await transport.receive(recorder.handler);
 * await recorder.waitFor(3);
 * recorder.messages.map((m) => m.id);
 * ```
 */
export interface Recorder {
  /** Everything received, in order. */
  readonly messages: readonly ReceivedMessage[];
  /** A handler that records, then runs `then` (default: acknowledge). */
  readonly handler: MessageHandler;
  /** Resolves once `count` messages were received (rejects after `timeoutMs`). */
  waitFor(count: number, timeoutMs?: number): Promise<readonly ReceivedMessage[]>;
}

/**
 * Makes a {@link Recorder}; `then` decides each delivery's fate after it was recorded.
 *
 * @example
 * ```ts
 * import { createRecorder } from '@semper/comms/testing';
 * const failing = createRecorder(async () => { throw new Error('database down'); });
 * ```
 */
export function createRecorder(then?: MessageHandler, defaultTimeoutMs = 5000): Recorder {
  const messages: ReceivedMessage[] = [];
  const waiters: Array<() => void> = [];
  return {
    messages,
    handler: async (message, context) => {
      messages.push(message);
      for (const w of waiters.splice(0)) w();
      return then ? then(message, context) : undefined;
    },
    async waitFor(count, timeoutMs = defaultTimeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (messages.length < count) {
        const left = deadline - Date.now();
        if (left <= 0) {
          throw new CommsError(
            'ERR_COMMS_TIMEOUT',
            `received ${messages.length} of ${count} messages in ${timeoutMs} ms`,
          );
        }
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      return messages;
    },
  };
}

/**
 * Resolves once `predicate()` holds (checked every 10 ms), rejects after `timeoutMs`.
 *
 * @example
 * ```ts
 * import { waitUntil } from '@semper/comms/testing';
 * await waitUntil(() => reports.length === 1, 2000);
 * ```
 */
export async function waitUntil(predicate: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new CommsError('ERR_COMMS_TIMEOUT', `${what} not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

let counter = 0;

/**
 * A test message from `from` to `to`: a unique id, the text as body (or the given bytes).
 *
 * @example
 * ```ts
 * import { testMessage } from '@semper/comms/testing';
 * const m = testMessage('mem:a', 'mem:b', 'hello', { headers: { n: '1' } });
 * ```
 */
export function testMessage(
  from: string,
  to: string,
  body: string | Uint8Array = 'hello',
  extra: {
    readonly id?: string;
    readonly headers?: Readonly<Record<string, string>>;
    readonly contentType?: string;
  } = {},
): Message {
  counter++;
  return {
    id: extra.id ?? `msg_test_${process.pid}_${Date.now().toString(36)}_${counter}`,
    from,
    to,
    contentType: extra.contentType ?? 'application/octet-stream',
    body: typeof body === 'string' ? new TextEncoder().encode(body) : body,
    ...(extra.headers ? { headers: extra.headers } : {}),
  };
}

const text = (m: { body: Uint8Array }) => new TextDecoder().decode(m.body);
const sleepMs = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Defines a vitest suite that checks a transport against the contract of `@semper/comms`: a message
 * arrives intact; per-sender order (when the transport promises it); acknowledged messages are gone for
 * good; unacknowledged ones come back after a restart of the receiver (and after a crash of it, with
 * `crash`), and what was sent survives a restart of the sender; store-and-forward (when promised);
 * redelivery within a run after a handler failure; duplicates absorbed by `dedupe`; `maxMessageBytes` on
 * send and on receive, where a body of exactly the limit gets through whatever the medium's encoding adds
 * (and one byte more is moved aside, saying which limit and by how much); malformed messages, messages
 * refused by `verify` and messages rejected by the handler moved aside without blocking the ones behind;
 * bounded concurrency; envelope checks on send; close (idempotent, refuses further use, status `closed`);
 * reopening on the same endpoint; status reporting.
 *
 * `factory` makes one fresh environment per test. Cases the transport cannot run are listed in `skip`
 * with the reason.
 *
 * @example
 * ```ts
 * // packages/comms/src/memory/memory.transport.test.ts
 * import { createMemoryTransport, MemoryBroker } from '@semper/comms';
 * import { describeTransportConformance } from '@semper/comms/testing';
 *
 * describeTransportConformance('memory', async () => {
 *   const broker = new MemoryBroker();
 *   return {
 *     openReceiver: async (o) => createMemoryTransport({ broker, name: 'rx', ...o }),
 *     openSender: async (o) => createMemoryTransport({ broker, name: 'tx', ...o }),
 *     injectMalformed: async () => broker.injectRaw('rx', { id: 'bad id', body: new Uint8Array(1) }),
 *     crash: async () => broker.crashReceivers('rx'),
 *   };
 * });
 * ```
 */
export function describeTransportConformance(
  name: string,
  factory: () => Promise<TransportConformanceSetup>,
  options: TransportConformanceOptions = {},
): void {
  const timeoutMs = options.timeoutMs ?? 5000;
  const quietMs = options.quietMs ?? 300;
  const count = options.messages ?? 10;
  const redelivery: RedeliveryPolicy = options.redelivery ?? { initialDelayMs: 20, maxDelayMs: 200 };
  const testTimeout = options.testTimeoutMs ?? 30_000;
  const skip = options.skip ?? {};

  describe(`transport conformance: ${name}`, () => {
    let setup: TransportConformanceSetup | undefined;
    const opened: Transport[] = [];
    const background: Promise<unknown>[] = [];

    const env = async () => {
      setup ??= await factory();
      return setup;
    };
    const receiver = async (o?: ConformanceOpenOptions) => {
      const t = await (await env()).openReceiver(o);
      opened.push(t);
      return t;
    };
    const sender = async (o?: ConformanceOpenOptions) => {
      const t = await (await env()).openSender(o);
      opened.push(t);
      return t;
    };
    const receive = (t: Transport, handler: MessageHandler, extra: ReceiveOptions = {}) =>
      t.receive(handler, { redelivery, drainTimeoutMs: 1000, ...extra });
    /** Sends without waiting (for transports whose send resolves only once the receiver acknowledged). */
    const sendLater = (t: Transport, m: Message) => {
      const p = t.send(m);
      p.catch(() => undefined);
      background.push(p);
      return p;
    };

    afterEach(async () => {
      await Promise.allSettled(opened.splice(0).map((t) => t.close()));
      await Promise.allSettled(background.splice(0));
      await setup?.teardown?.();
      setup = undefined;
    });

    const test = (id: ConformanceCase, title: string, body: () => Promise<void>) => {
      const reason = skip[id];
      if (reason !== undefined) it.skip(`${title} — not run: ${reason}`, () => {});
      else it(title, body, testTimeout);
    };

    test('intact', 'delivers a message intact: id, addresses, content type, headers, every byte', async () => {
      const rx = await receiver();
      const tx = await sender();
      const recorder = createRecorder(undefined, timeoutMs);
      await receive(rx, recorder.handler);
      const body = new Uint8Array(512);
      for (let i = 0; i < body.length; i++) body[i] = i % 256;
      const m = testMessage(tx.address, rx.address, body, {
        headers: { 'x-batch': '17', 'x-empty': '', 'x-text': 'a b=c; d' },
        contentType: 'application/cms; smime-type=signed-data',
      });
      const sent = sendLater(tx, m);
      const [got] = await recorder.waitFor(1);
      const receipt = await sent;
      expect(receipt.id).toBe(m.id);
      expect(receipt.to).toBe(m.to);
      expect(got!.id).toBe(m.id);
      expect(got!.from).toBe(m.from);
      expect(got!.to).toBe(m.to);
      expect(got!.contentType).toBe(m.contentType);
      expect(got!.headers).toEqual(m.headers);
      expect(Buffer.from(got!.body).equals(Buffer.from(body))).toBe(true);
      expect(got!.attempt).toBe(1);
      expect(got!.via).toBe(rx.address);
      expect(got!.receivedAt).toBeInstanceOf(Date);
    });

    test('order', 'keeps per-sender order (or, without that promise, delivers every message)', async () => {
      const rx = await receiver();
      const tx = await sender();
      const recorder = createRecorder(undefined, timeoutMs);
      await receive(rx, recorder.handler);
      const sent: string[] = [];
      for (let i = 0; i < count; i++) {
        const m = testMessage(tx.address, rx.address, `#${i}`);
        sent.push(m.id);
        await tx.send(m);
      }
      const got = (await recorder.waitFor(count)).map((m) => m.id);
      if (rx.capabilities.ordering === 'per-sender') expect(got).toEqual(sent);
      else expect([...got].sort()).toEqual([...sent].sort());
    });

    test('ack', 'removes acknowledged messages for good: nothing comes back after a restart', async () => {
      let rx = await receiver();
      const tx = await sender();
      const first = createRecorder(undefined, timeoutMs);
      await receive(rx, first.handler);
      for (let i = 0; i < 3; i++) sendLater(tx, testMessage(tx.address, rx.address, `ack ${i}`));
      await first.waitFor(3);
      await Promise.all(background);
      await rx.close();
      rx = await receiver();
      const second = createRecorder(undefined, timeoutMs);
      await receive(rx, second.handler);
      await sleepMs(quietMs);
      expect(second.messages).toHaveLength(0);
    });

    test('receiver-restart', 'delivers unacknowledged messages again after a restart of the receiver', async () => {
      let rx = await receiver();
      const tx = await sender();
      const failing = createRecorder(async () => ({ outcome: 'retry', delayMs: 60_000 }), timeoutMs);
      await receive(rx, failing.handler);
      const a = testMessage(tx.address, rx.address, 'a');
      const b = testMessage(tx.address, rx.address, 'b');
      sendLater(tx, a);
      sendLater(tx, b);
      await waitUntil(() => new Set(failing.messages.map((m) => m.id)).size === 2, timeoutMs, 'first deliveries');
      await rx.close(); // a restart: neither was acknowledged
      rx = await receiver();
      const acking = createRecorder(undefined, timeoutMs);
      await receive(rx, acking.handler);
      await waitUntil(
        () => new Set(acking.messages.map((m) => m.id)).size === 2,
        timeoutMs,
        'redeliveries after the restart',
      );
      expect(new Set(acking.messages.map((m) => m.id))).toEqual(new Set([a.id, b.id]));
      expect(acking.messages.map(text).sort()).toEqual(['a', 'b']);
      await Promise.all(background); // every send completes once acknowledged
    });

    test('crash', 'delivers again what a crashed receiver had not acknowledged, once a new receiver runs', async () => {
      const s = await env();
      if (!s.crash) throw new Error('this setup has no crash: skip the case with a reason');
      const rx = await receiver();
      const tx = await sender();
      const acked = testMessage(tx.address, rx.address, 'acknowledged before the crash');
      const stuck = testMessage(tx.address, rx.address, 'in its handler at the crash');
      // The crashed receiver acknowledges the first message and is still handling the second when it dies:
      // its handler never returns (as in a killed process), so nothing of it may ever be settled.
      const before = createRecorder(async (m) => (m.id === acked.id ? undefined : new Promise<never>(() => {})));
      await receive(rx, before.handler, { drainTimeoutMs: 50 });
      sendLater(tx, acked);
      await before.waitFor(1, timeoutMs);
      sendLater(tx, stuck);
      await waitUntil(() => before.messages.some((m) => m.id === stuck.id), timeoutMs, 'the second delivery');
      await s.crash(rx);
      const deliveredBefore = before.messages.length;

      const restarted = await receiver(); // a new process on the same endpoint
      const after = createRecorder(undefined, timeoutMs);
      await receive(restarted, after.handler);
      await waitUntil(
        () => after.messages.some((m) => m.id === stuck.id),
        timeoutMs,
        'the unacknowledged message after the crash',
      );
      const redelivered = after.messages.find((m) => m.id === stuck.id)!;
      expect(text(redelivered)).toBe('in its handler at the crash');
      // At-least-once: the acknowledged one may come back too (a batch not committed at the crash), nothing else.
      for (const m of after.messages) expect([acked.id, stuck.id]).toContain(m.id);
      expect(before.messages).toHaveLength(deliveredBefore); // the crashed receiver took nothing more
      await Promise.all(background); // a sender waiting for the acknowledgement got it from the new receiver

      // What the new receiver acknowledged is gone for good.
      await restarted.close();
      const again = await receiver();
      const last = createRecorder(undefined, timeoutMs);
      await receive(again, last.handler);
      await sleepMs(quietMs);
      expect(last.messages.map((m) => m.id)).not.toContain(stuck.id);
    });

    test('sender-restart', 'keeps what was sent when the sender restarts right after send resolved', async () => {
      const storeAndForward = (await sender()).capabilities.storeAndForward;
      let rx: Transport | undefined;
      const recorder = createRecorder(undefined, timeoutMs);
      if (!storeAndForward) {
        rx = await receiver();
        await receive(rx, recorder.handler);
      }
      let rxAddress = rx?.address;
      if (rxAddress === undefined) {
        const probe = await receiver();
        rxAddress = probe.address;
        await probe.close();
      }
      let tx = await sender();
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) {
        const m = testMessage(tx.address, rxAddress, `s${i}`);
        ids.push(m.id);
        await tx.send(m);
      }
      await tx.close();
      tx = await sender(); // the restarted sender
      if (!rx) {
        rx = await receiver();
        await receive(rx, recorder.handler);
      }
      await recorder.waitFor(3);
      expect(new Set(recorder.messages.map((m) => m.id))).toEqual(new Set(ids));
      expect(tx.closed).toBe(false);
    });

    test('store-and-forward', 'delivers what was sent while no receiver ran', async () => {
      const tx = await sender();
      if (!tx.capabilities.storeAndForward) {
        expect(tx.capabilities.storeAndForward).toBe(false); // nothing promised: send needs a live receiver
        return;
      }
      const probe = await receiver();
      const address = probe.address;
      await probe.close();
      const m = testMessage(tx.address, address, 'stored');
      await tx.send(m);
      const rx = await receiver();
      const recorder = createRecorder(undefined, timeoutMs);
      await receive(rx, recorder.handler);
      const [got] = await recorder.waitFor(1);
      expect(got!.id).toBe(m.id);
    });

    test('redelivery', 'delivers a message again within the run after its handler failed', async () => {
      const rx = await receiver();
      const tx = await sender();
      let calls = 0;
      const recorder = createRecorder(async () => {
        calls++;
        if (calls === 1) throw new Error('database down');
        return undefined;
      }, timeoutMs);
      await receive(rx, recorder.handler);
      const m = testMessage(tx.address, rx.address, 'again');
      sendLater(tx, m);
      await recorder.waitFor(2);
      expect(recorder.messages.map((r) => r.id)).toEqual([m.id, m.id]);
      expect(recorder.messages.map((r) => r.attempt)).toEqual([1, 2]);
      await Promise.all(background);
      await sleepMs(quietMs);
      expect(recorder.messages).toHaveLength(2);
    });

    test('duplicates', 'tolerates duplicates: dedupe runs the handler once per id and acknowledges both', async () => {
      let rx = await receiver();
      const tx = await sender();
      const inner = createRecorder(undefined, timeoutMs);
      const outer = createRecorder(dedupe(inner.handler), timeoutMs);
      await receive(rx, outer.handler);
      const m = testMessage(tx.address, rx.address, 'once');
      await Promise.all([sendLater(tx, m)]);
      await outer.waitFor(1);
      await sendLater(tx, m); // the same message again: a sender's retry
      await outer.waitFor(2);
      expect(outer.messages.map((r) => r.id)).toEqual([m.id, m.id]);
      expect(inner.messages).toHaveLength(1);
      await rx.close();
      rx = await receiver();
      const after = createRecorder(undefined, timeoutMs);
      await receive(rx, after.handler);
      await sleepMs(quietMs);
      expect(after.messages).toHaveLength(0); // both deliveries were acknowledged
    });

    test(
      'send-limit',
      'refuses to send a message over maxMessageBytes (ERR_COMMS_TOO_LARGE); the limit itself passes',
      async () => {
        const rx = await receiver();
        const tx = await sender({ maxMessageBytes: 1024 });
        expect(tx.maxMessageBytes).toBe(1024);
        const recorder = createRecorder(undefined, timeoutMs);
        await receive(rx, recorder.handler);
        const err = await tx.send(testMessage(tx.address, rx.address, new Uint8Array(1025))).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(CommsError);
        expect((err as CommsError).code).toBe('ERR_COMMS_TOO_LARGE');
        const ok = testMessage(tx.address, rx.address, new Uint8Array(1024));
        sendLater(tx, ok);
        const [got] = await recorder.waitFor(1);
        expect(got!.id).toBe(ok.id);
        expect(got!.body.byteLength).toBe(1024);
      },
    );

    test(
      'receive-limit',
      'moves aside a message over the receiver\u2019s maxMessageBytes and delivers the next',
      async () => {
        const rx = await receiver({ maxMessageBytes: 1024 });
        const tx = await sender();
        const reports: RejectionReport[] = [];
        rx.rejected$.subscribe((r) => reports.push(r));
        const recorder = createRecorder(undefined, timeoutMs);
        await receive(rx, recorder.handler);
        const big = testMessage(tx.address, rx.address, new Uint8Array(4096));
        const small = testMessage(tx.address, rx.address, 'small');
        const bigSent = tx.send(big).then(
          () => 'accepted',
          (e: unknown) => e,
        );
        await waitUntil(() => reports.length === 1, timeoutMs, 'a too-large report');
        sendLater(tx, small);
        const [got] = await recorder.waitFor(1);
        expect(got!.id).toBe(small.id);
        expect(reports[0]!.reason).toBe('too-large');
        expect(reports[0]!.code).toBe('ERR_COMMS_TOO_LARGE');
        expect(reports[0]!.via).toBe(rx.address);
        const outcome = await bigSent;
        // Store-and-forward media accepted it (and the receiver moved it aside); others refuse it to the sender.
        if (outcome !== 'accepted') {
          expect(outcome).toBeInstanceOf(CommsError);
          expect(['ERR_COMMS_REJECTED', 'ERR_COMMS_TOO_LARGE']).toContain((outcome as CommsError).code);
        }
        await sleepMs(quietMs);
        expect(recorder.messages.map((m) => m.id)).toEqual([small.id]);
      },
    );

    test(
      'receive-at-limit',
      'receives a body of exactly maxMessageBytes, whatever the medium adds (e.g. base64), and moves aside one byte more',
      async () => {
        // Large enough that a transfer encoding's overhead (base64: a third) is larger than MAX_ENVELOPE_BYTES.
        const limit = 256 * 1024;
        const rx = await receiver({ maxMessageBytes: limit });
        const tx = await sender();
        const reports: RejectionReport[] = [];
        rx.rejected$.subscribe((r) => reports.push(r));
        const recorder = createRecorder(undefined, timeoutMs);
        await receive(rx, recorder.handler);
        const body = new Uint8Array(limit);
        for (let i = 0; i < body.length; i++) body[i] = (i * 7919) % 251;
        const exact = testMessage(tx.address, rx.address, body);
        const over = testMessage(tx.address, rx.address, new Uint8Array(limit + 1));
        const overSent = tx.send(over).then(
          () => 'accepted',
          (e: unknown) => e,
        );
        await waitUntil(() => reports.length === 1, timeoutMs, 'a too-large report');
        expect(reports[0]).toMatchObject({ reason: 'too-large', code: 'ERR_COMMS_TOO_LARGE' });
        // The report says which limit (body or raw) and by how much.
        expect(reports[0]!.detail).toMatch(/exceeds the (body|raw) limit of \d+ bytes by \d+ bytes?/);
        sendLater(tx, exact);
        const [got] = await recorder.waitFor(1);
        expect(got!.id).toBe(exact.id);
        expect(Buffer.from(got!.body).equals(Buffer.from(body))).toBe(true);
        const outcome = await overSent;
        if (outcome !== 'accepted') {
          expect(['ERR_COMMS_REJECTED', 'ERR_COMMS_TOO_LARGE']).toContain((outcome as CommsError).code);
        }
        await sleepMs(quietMs);
        expect(recorder.messages.map((m) => m.id)).toEqual([exact.id]);
        expect(reports).toHaveLength(1);
      },
    );

    test('malformed', 'moves aside a malformed message, reports it, and delivers the next', async () => {
      const s = await env();
      if (!s.injectMalformed) throw new Error('this setup has no injectMalformed: skip the case with a reason');
      const rx = await receiver();
      const tx = await sender();
      const reports: RejectionReport[] = [];
      rx.rejected$.subscribe((r) => reports.push(r));
      const recorder = createRecorder(undefined, timeoutMs);
      await receive(rx, recorder.handler);
      await s.injectMalformed();
      const good = testMessage(tx.address, rx.address, 'good');
      sendLater(tx, good);
      const [got] = await recorder.waitFor(1);
      expect(got!.id).toBe(good.id);
      await waitUntil(() => reports.length >= 1, timeoutMs, 'a malformed report');
      expect(reports[0]!.reason).toBe('malformed');
      expect(reports[0]!.code).toBe('ERR_COMMS_MALFORMED');
      await sleepMs(quietMs);
      expect(recorder.messages).toHaveLength(1);
      expect(reports).toHaveLength(1);
    });

    test('verify', 'moves aside what verify refuses, before the handler sees it, and delivers the next', async () => {
      const rx = await receiver();
      const tx = await sender();
      const reports: RejectionReport[] = [];
      rx.rejected$.subscribe((r) => reports.push(r));
      const verify: VerifyHook = async (m) => {
        if (m.headers['x-signature'] !== 'good') throw new Error('bad signature');
      };
      const recorder = createRecorder(undefined, timeoutMs);
      await receive(rx, recorder.handler, { verify });
      const forged = testMessage(tx.address, rx.address, 'forged', { headers: { 'x-signature': 'bad' } });
      const genuine = testMessage(tx.address, rx.address, 'genuine', { headers: { 'x-signature': 'good' } });
      const forgedSent = tx.send(forged).then(
        () => 'accepted',
        (e: unknown) => e,
      );
      await waitUntil(() => reports.length === 1, timeoutMs, 'a verification report');
      sendLater(tx, genuine);
      const [got] = await recorder.waitFor(1);
      expect(got!.id).toBe(genuine.id);
      expect(reports[0]).toMatchObject({
        reason: 'verification-failed',
        code: 'ERR_COMMS_VERIFICATION_FAILED',
        messageId: forged.id,
      });
      expect(reports[0]!.detail).toContain('bad signature');
      const outcome = await forgedSent;
      if (outcome !== 'accepted') expect((outcome as CommsError).code).toBe('ERR_COMMS_REJECTED');
    });

    test('handler-rejects', 'moves aside what the handler rejects, and never delivers it again', async () => {
      let rx = await receiver();
      const tx = await sender();
      const reports: RejectionReport[] = [];
      rx.rejected$.subscribe((r) => reports.push(r));
      const recorder = createRecorder(async () => ({ outcome: 'rejected', reason: 'not a container' }), timeoutMs);
      await receive(rx, recorder.handler);
      const m = testMessage(tx.address, rx.address, 'junk');
      const sent = tx.send(m).then(
        () => 'accepted',
        (e: unknown) => e,
      );
      await waitUntil(() => reports.length === 1, timeoutMs, 'a rejection report');
      expect(reports[0]).toMatchObject({ reason: 'rejected-by-handler', messageId: m.id, detail: 'not a container' });
      const outcome = await sent;
      if (outcome !== 'accepted') expect((outcome as CommsError).code).toBe('ERR_COMMS_REJECTED');
      await rx.close();
      rx = await receiver();
      const after = createRecorder(undefined, timeoutMs);
      await receive(rx, after.handler);
      await sleepMs(quietMs);
      expect(after.messages).toHaveLength(0);
      expect(recorder.messages).toHaveLength(1);
    });

    test('concurrency', 'runs at most `concurrency` handlers at once, and all messages get through', async () => {
      const rx = await receiver();
      const tx = await sender();
      let running = 0;
      let peak = 0;
      const recorder = createRecorder(async () => {
        running++;
        peak = Math.max(peak, running);
        await sleepMs(40);
        running--;
        return undefined;
      }, timeoutMs);
      await receive(rx, recorder.handler, { concurrency: 2 });
      const ids = new Set<string>();
      for (let i = 0; i < 6; i++) {
        const m = testMessage(tx.address, rx.address, `c${i}`);
        ids.add(m.id);
        sendLater(tx, m);
      }
      await recorder.waitFor(6);
      await Promise.all(background);
      expect(new Set(recorder.messages.map((m) => m.id))).toEqual(ids);
      expect(peak).toBeGreaterThanOrEqual(1);
      expect(peak).toBeLessThanOrEqual(2);
    });

    test(
      'send-checks',
      'checks the envelope on send (ERR_COMMS_INVALID_MESSAGE) and the address (ERR_COMMS_UNSUPPORTED_ADDRESS)',
      async () => {
        const rx = await receiver();
        const tx = await sender();
        expect(tx.canSend(rx.address)).toBe(true);
        expect(tx.canSend('nope:x')).toBe(false);
        expect(tx.canSend('not an address')).toBe(false);
        const codeOf = async (m: unknown) =>
          ((await tx.send(m as Message).catch((e: unknown) => e)) as CommsError).code;
        const good = testMessage(tx.address, rx.address);
        expect(await codeOf({ ...good, id: '' })).toBe('ERR_COMMS_INVALID_MESSAGE');
        expect(await codeOf({ ...good, id: 'has space' })).toBe('ERR_COMMS_INVALID_MESSAGE');
        expect(await codeOf({ ...good, contentType: 'no slash' })).toBe('ERR_COMMS_INVALID_MESSAGE');
        expect(await codeOf({ ...good, headers: { 'Bad Name': 'x' } })).toBe('ERR_COMMS_INVALID_MESSAGE');
        expect(await codeOf({ ...good, headers: { ok: 'line\r\nbreak' } })).toBe('ERR_COMMS_INVALID_MESSAGE');
        expect(await codeOf({ ...good, body: 'not bytes' })).toBe('ERR_COMMS_INVALID_MESSAGE');
        expect(await codeOf({ ...good, from: 'no-scheme' })).toBe('ERR_COMMS_INVALID_MESSAGE');
        expect(await codeOf({ ...good, to: 'nope:somewhere' })).toBe('ERR_COMMS_UNSUPPORTED_ADDRESS');
      },
    );

    test('close', 'closes: idempotent, refuses send and receive (ERR_COMMS_CLOSED), status ends `closed`', async () => {
      const rx = await receiver();
      const tx = await sender();
      const statuses: TransportStatus[] = [];
      let completed = false;
      tx.status$.subscribe({ next: (s) => statuses.push(s), complete: () => (completed = true) });
      await Promise.all([tx.close(), tx.close()]);
      await tx.close();
      expect(tx.closed).toBe(true);
      const sendErr = await tx.send(testMessage(tx.address, rx.address)).catch((e: unknown) => e);
      expect((sendErr as CommsError).code).toBe('ERR_COMMS_CLOSED');
      const receiveErr = await tx.receive(async () => undefined).catch((e: unknown) => e);
      expect((receiveErr as CommsError).code).toBe('ERR_COMMS_CLOSED');
      expect(statuses.at(-1)?.state).toBe('closed');
      expect(completed).toBe(true);
    });

    test('reopen', 'reopens on the same endpoint; one receiver at a time (ERR_COMMS_ALREADY_RECEIVING)', async () => {
      let rx = await receiver();
      const first = await receive(rx, async () => undefined);
      const err = await rx.receive(async () => undefined).catch((e: unknown) => e);
      expect((err as CommsError).code).toBe('ERR_COMMS_ALREADY_RECEIVING');
      await first.close();
      expect(first.active).toBe(false);
      const again = createRecorder(undefined, timeoutMs);
      const second = await receive(rx, again.handler); // the same transport receives again
      expect(second.active).toBe(true);
      await rx.close();
      expect(second.active).toBe(false);
      rx = await receiver(); // a new instance on the same endpoint
      const tx = await sender();
      const recorder = createRecorder(undefined, timeoutMs);
      await receive(rx, recorder.handler);
      const m = testMessage(tx.address, rx.address, 'reopened');
      sendLater(tx, m);
      const [got] = await recorder.waitFor(1);
      expect(got!.id).toBe(m.id);
      expect(again.messages).toHaveLength(0);
    });

    test('status', 'reports its status: the current value first, with the address and a known state', async () => {
      const rx = await receiver();
      const seen: TransportStatus[] = [];
      const subscription = rx.status$.subscribe((s) => seen.push(s));
      expect(seen.length).toBeGreaterThanOrEqual(1);
      expect(seen[0]!.address).toBe(rx.address);
      expect(['idle', 'connecting', 'connected', 'polling', 'backoff', 'error']).toContain(seen[0]!.state);
      expect(seen[0]!.at).toBeInstanceOf(Date);
      await receive(rx, async () => undefined);
      expect(['connected', 'polling']).toContain(seen.at(-1)!.state);
      subscription.unsubscribe();
    });
  });
}
