import { describe, expect, it } from 'vitest';
import { AbstractTransport, type IncomingMessage, type InboundSink, type PollingLoop } from './abstract-transport.js';
import { decodeEnvelope, encodeEnvelope } from './envelope.js';
import { CommsError, MalformedMessageError, MessageTooLargeError } from './errors.js';
import { MAX_ENVELOPE_BYTES, type Message } from './message.js';
import { createRecorder, testMessage, waitUntil } from './testing.js';
import type { RejectionReport, SendReceipt, TransportStatus } from './transport.js';

interface Settled {
  readonly kind: 'ack' | 'reject' | 'release';
  readonly ref?: string;
  readonly delayMs?: number;
}

/** Pushes whatever `push` gets straight into the sink (no whenReady), and records settlements. */
class PushTransport extends AbstractTransport {
  sink: InboundSink | undefined;
  readonly settled: Settled[] = [];
  failAck = false;
  opens = 0;
  failOpen = 0;

  constructor(options: { send?: boolean; maxMessageBytes?: number } = {}) {
    super({
      address: 'fake:rx',
      schemes: ['fake'],
      capabilities: { ordering: 'none', storeAndForward: true, send: options.send ?? true, receive: true },
      ...(options.maxMessageBytes === undefined ? {} : { maxMessageBytes: options.maxMessageBytes }),
    });
  }

  push(value: unknown, ref = 'r', read?: () => Promise<Message>): Promise<unknown> {
    const incoming: IncomingMessage = {
      ref,
      read: read ?? (async () => value as Message),
      ack: async () => {
        if (this.failAck) throw new Error('disk gone');
        this.settled.push({ kind: 'ack', ref });
      },
      reject: async () => {
        this.settled.push({ kind: 'reject', ref });
        return `aside/${ref}`;
      },
      release: async (delayMs) => {
        this.settled.push({ kind: 'release', ref, delayMs });
      },
    };
    return this.sink!.deliver(incoming);
  }

  protected override async onOpen(): Promise<void> {
    this.opens++;
    if (this.failOpen-- > 0) throw new CommsError('ERR_COMMS_UNAVAILABLE', 'not yet');
  }

  protected override async onReceive(sink: InboundSink): Promise<void> {
    this.sink = sink;
  }

  polling(options: Parameters<AbstractTransport['startPolling']>[1]): PollingLoop {
    return this.startPolling(this.sink!, options);
  }
}

class BareTransport extends AbstractTransport {
  constructor() {
    super({
      address: 'bare:x',
      schemes: ['bare'],
      capabilities: { ordering: 'none', storeAndForward: true, send: true, receive: true },
    });
  }
}

const m = (id = 'msg_1') => testMessage('fake:tx', 'fake:rx', 'x', { id });

describe('AbstractTransport', () => {
  it('throws UnsupportedOperationError from hooks that are not implemented', async () => {
    const t = new BareTransport();
    await expect(t.send(testMessage('bare:x', 'bare:y'))).rejects.toMatchObject({
      code: 'ERR_CORE_UNSUPPORTED_OPERATION',
    });
    await expect(t.receive(async () => undefined)).rejects.toMatchObject({ code: 'ERR_CORE_UNSUPPORTED_OPERATION' });
    // A failed start leaves no receiver behind.
    await expect(t.receive(async () => undefined)).rejects.toMatchObject({ code: 'ERR_CORE_UNSUPPORTED_OPERATION' });
    await t.close();
  });

  it('does not send when the capability is off, and checks receive options', async () => {
    const t = new PushTransport({ send: false });
    expect(t.canSend('fake:other')).toBe(false);
    await expect(t.send(m())).rejects.toMatchObject({ code: 'ERR_COMMS_UNSUPPORTED_ADDRESS' });
    const bad = [
      { concurrency: 0 },
      { concurrency: 257 },
      { concurrency: 1.5 },
      { drainTimeoutMs: -1 },
      { verify: 'no' },
      { redelivery: { maxAttempts: 0 } },
      { redelivery: { initialDelayMs: -5 } },
    ];
    for (const options of bad) {
      await expect(
        t.receive(async () => undefined, options as never),
        JSON.stringify(options),
      ).rejects.toMatchObject({
        code: 'ERR_COMMS_INVALID_ARGUMENT',
      });
    }
    await expect(t.receive('no' as never)).rejects.toMatchObject({ code: 'ERR_COMMS_INVALID_ARGUMENT' });
    await t.close();
  });

  it('shares one open, and tries again after a failed one', async () => {
    const t = new PushTransport();
    t.failOpen = 1;
    await expect(Promise.all([t.open(), t.open()])).rejects.toMatchObject({ code: 'ERR_COMMS_UNAVAILABLE' });
    expect(t.opens).toBe(1);
    await t.open();
    await t.open();
    expect(t.opens).toBe(2);
    await t.close();
    await expect(t.open()).rejects.toMatchObject({ code: 'ERR_COMMS_CLOSED' });
  });

  it('never runs more than `concurrency` handlers, even when a transport pushes without waiting', async () => {
    const t = new PushTransport();
    let running = 0;
    let peak = 0;
    await t.receive(
      async () => {
        running++;
        peak = Math.max(peak, running);
        await new Promise((r) => setTimeout(r, 5));
        running--;
      },
      { concurrency: 3 },
    );
    expect(await t.sink!.whenReady()).toBe(true);
    const all = Array.from({ length: 12 }, (_, i) => t.push(m(`msg_${i}`), `r${i}`));
    expect(t.sink!.inFlight).toBe(3);
    expect(t.sink!.waiting).toBe(9);
    await Promise.all(all);
    expect(peak).toBe(3);
    expect(t.settled.filter((s) => s.kind === 'ack')).toHaveLength(12);
    await t.close();
  });

  it('moves a message aside after maxAttempts failures, counting attempts per id', async () => {
    const t = new PushTransport();
    const reports: RejectionReport[] = [];
    t.rejected$.subscribe((r) => reports.push(r));
    const recorder = createRecorder(async () => {
      throw new Error('still down');
    });
    await t.receive(recorder.handler, { redelivery: { maxAttempts: 3, initialDelayMs: 1 } });
    for (let i = 0; i < 3; i++) await t.push(m('msg_poison'));
    expect(recorder.messages.map((r) => r.attempt)).toEqual([1, 2, 3]);
    expect(t.settled.map((s) => s.kind)).toEqual(['release', 'release', 'reject']);
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatchObject({ reason: 'max-attempts', messageId: 'msg_poison', location: 'aside/r' });
    expect(reports[0]!.detail).toContain('still down');
    await t.close();
  });

  it('uses the redelivery backoff, or the delay a handler asks for', async () => {
    const t = new PushTransport();
    let n = 0;
    await t.receive(async () => (++n === 1 ? { outcome: 'retry', delayMs: 1234 } : { outcome: 'retry' }), {
      redelivery: { initialDelayMs: 100, factor: 3, maxDelayMs: 10_000 },
    });
    await t.push(m('msg_a'));
    await t.push(m('msg_a'));
    await t.push(m('msg_a'));
    const delays = t.settled.map((s) => s.delayMs!);
    expect(delays[0]).toBe(1234);
    expect(delays[1]).toBeGreaterThanOrEqual(240); // 300 ± 20 %
    expect(delays[1]).toBeLessThanOrEqual(300);
    expect(delays[2]).toBeGreaterThanOrEqual(720);
    await t.close();
  });

  it('retries (does not reject) when verify fails transiently', async () => {
    const t = new PushTransport();
    let verifications = 0;
    const recorder = createRecorder();
    await t.receive(recorder.handler, {
      verify: async () => {
        if (++verifications === 1) throw new CommsError('ERR_COMMS_UNAVAILABLE', 'CRL server down');
      },
    });
    await t.push(m());
    await t.push(m());
    expect(t.settled.map((s) => s.kind)).toEqual(['release', 'ack']);
    expect(recorder.messages).toHaveLength(1);
    await t.close();
  });

  it('keeps going when settlement or reading fails, and says so on status$', async () => {
    const t = new PushTransport();
    const statuses: TransportStatus[] = [];
    t.status$.subscribe((s) => statuses.push(s));
    await t.receive(async () => undefined);
    t.failAck = true;
    await expect(t.push(m())).resolves.toEqual({ outcome: 'released', delayMs: 0 });
    expect(statuses.at(-1)).toMatchObject({ state: 'error', error: { message: 'disk gone' } });
    t.failAck = false;
    await t.push(undefined, 'io', async () => {
      throw Object.assign(new Error('EIO'), { code: 'EIO' });
    });
    expect(t.settled.at(-1)).toMatchObject({ kind: 'release', ref: 'io' });
    expect(statuses.at(-1)).toMatchObject({ state: 'error', error: { code: 'EIO' } });
    await t.push(undefined, 'bad', async () => {
      throw new MalformedMessageError('ERR_COMMS_MALFORMED', 'garbage');
    });
    expect(t.settled.at(-1)).toMatchObject({ kind: 'reject', ref: 'bad' });
    await t.close();
  });

  it('treats a handler result that is not a HandlerResult as a retry', async () => {
    const t = new PushTransport();
    await t.receive((async () => ({ outcome: 'maybe' })) as never);
    await t.push(m());
    expect(t.settled[0]!.kind).toBe('release');
    await t.close();
  });

  it('abandons handlers still running after drainTimeoutMs: their deliveries resolve released, unsettled', async () => {
    const t = new PushTransport();
    let release: () => void = () => {};
    const recorder = createRecorder(() => new Promise<undefined>((r) => (release = () => r(undefined))));
    const receiver = await t.receive(recorder.handler, { drainTimeoutMs: 10 });
    let outcome: unknown;
    const delivery = t.push(m()).then((s) => (outcome = s));
    await recorder.waitFor(1);
    await receiver.close();
    await delivery; // resolved at the abandonment, while the handler still runs
    expect(outcome).toEqual({ outcome: 'released', delayMs: 0 });
    release(); // the handler returns at last: too late, nothing is settled
    await new Promise((r) => setTimeout(r, 10));
    expect(t.settled).toEqual([]);
    // Deliveries after the stop are released at once, without the handler.
    await expect(t.push(m('msg_late'))).resolves.toMatchObject({ outcome: 'released' });
    expect(await t.sink!.whenReady()).toBe(false);
    expect(recorder.messages).toHaveLength(1);
    await t.close();
  });

  it('polls with backoff after failures and wakes on demand', async () => {
    const t = new PushTransport();
    await t.receive(async () => undefined);
    const statuses: TransportStatus[] = [];
    t.status$.subscribe((s) => statuses.push(s));
    let polls = 0;
    const loop = t.polling({
      intervalMs: 10_000,
      backoff: { initialDelayMs: 5, maxDelayMs: 5 },
      poll: async () => {
        polls++;
        if (polls === 1) throw new CommsError('ERR_COMMS_IO', 'medium gone');
      },
    });
    await waitUntil(() => polls === 2);
    expect(
      statuses.some((s) => s.state === 'backoff' && s.retryAt instanceof Date && s.error?.code === 'ERR_COMMS_IO'),
    ).toBe(true);
    expect(statuses.at(-1)!.state).toBe('polling');
    loop.wake();
    await waitUntil(() => polls === 3);
    await t.close();
    await loop.done;
    expect(statuses.at(-1)!.state).toBe('closed');
  });

  it('completes status$ and rejected$ on close', async () => {
    const t = new PushTransport();
    const done: string[] = [];
    t.status$.subscribe({ complete: () => done.push('status') });
    t.rejected$.subscribe({ complete: () => done.push('rejected') });
    await t.close();
    expect(done.sort()).toEqual(['rejected', 'status']);
    expect(t.status.state).toBe('closed');
  });

  it('gives onSend a checked copy', async () => {
    const sent: Message[] = [];
    class Sink extends PushTransport {
      protected override async onSend(message: Message): Promise<SendReceipt> {
        sent.push(message);
        return { id: message.id, to: message.to, acceptedAt: new Date() };
      }
    }
    const t = new Sink();
    const body = new Uint8Array([1]);
    await t.send({ ...m(), body });
    expect(sent[0]!.body).not.toBe(body);
    expect(Object.isFrozen(sent[0])).toBe(true);
    expect(sent[0]!.headers).toEqual({});
    await t.close();
  });
  it('reports a failed start on status$ as error, with its code and message, and leaves it there', async () => {
    class FailingStart extends PushTransport {
      stopped = 0;
      protected override async onReceive(): Promise<void> {
        this.setStatus('connecting', { detail: 'pop3 mail.example:995' });
        throw new CommsError('ERR_COMMS_AUTH_FAILED', 'pop3 mail.example:995: login refused');
      }
      protected override async onStopReceiving(): Promise<void> {
        this.stopped++;
      }
    }
    const t = new FailingStart();
    const statuses: TransportStatus[] = [];
    t.status$.subscribe((s) => statuses.push(s));
    const err = await t.receive(async () => undefined).catch((e: unknown) => e);
    expect((err as CommsError).code).toBe('ERR_COMMS_AUTH_FAILED');
    // By the time receive rejected, status$ said why, and nothing turned it back to idle.
    expect(statuses.map((s) => s.state)).toEqual(['idle', 'connecting', 'error']);
    expect(statuses.at(-1)).toMatchObject({
      state: 'error',
      detail: 'receiving could not start',
      error: { code: 'ERR_COMMS_AUTH_FAILED', message: 'pop3 mail.example:995: login refused' },
    });
    expect(t.status.state).toBe('error');
    expect(t.stopped).toBe(1); // the receiver was stopped all the same
    // No receiver is left behind: a later start is refused for its own reason, not "already receiving".
    await expect(t.receive(async () => undefined)).rejects.toMatchObject({ code: 'ERR_COMMS_AUTH_FAILED' });
    await t.close();
    expect(statuses.at(-1)!.state).toBe('closed');
  });

  it('lets close() return after drainTimeoutMs when a batch waits for a handler that never returns; the message comes back', async () => {
    // Like a POP3 collector: a batch is delivered, then committed (QUIT) once every delivery resolved, and
    // onStopReceiving waits for the batch in progress.
    const server = new Map<string, Message>([['msg_stuck', m('msg_stuck')]]);
    class BatchTransport extends PushTransport {
      #loop: PollingLoop | undefined;
      readonly outcomes: string[] = [];
      protected override async onReceive(sink: InboundSink): Promise<void> {
        this.#loop = this.startPolling(sink, {
          intervalMs: 10,
          poll: async () => {
            const deleted = new Set<string>();
            const batch: Promise<unknown>[] = [];
            for (const [id, message] of server) {
              if (!(await sink.whenReady())) break;
              const incoming: IncomingMessage = {
                ref: id,
                read: async () => message,
                ack: async () => {
                  deleted.add(id); // marked; removed by the commit below
                },
                reject: async () => undefined,
                release: async () => {},
              };
              batch.push(sink.deliver(incoming).then((s) => this.outcomes.push(s.outcome)));
            }
            await Promise.all(batch); // resolves: the abandoned delivery is `released`
            for (const id of deleted) server.delete(id); // the commit (QUIT)
          },
        });
      }
      protected override async onStopReceiving(): Promise<void> {
        await this.#loop?.done;
      }
    }
    const first = new BatchTransport();
    const stuck = createRecorder(() => new Promise<never>(() => {}));
    await first.receive(stuck.handler, { drainTimeoutMs: 50 });
    await stuck.waitFor(1);
    const t0 = Date.now();
    const closed = await Promise.race([
      first.close().then(() => 'closed'),
      new Promise((r) => setTimeout(() => r('hung'), 2000)),
    ]);
    expect(closed).toBe('closed');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(45);
    expect(first.outcomes).toEqual(['released']);
    expect(server.has('msg_stuck')).toBe(true); // not acknowledged: still on the medium

    const second = new BatchTransport(); // the restart
    const recorder = createRecorder();
    await second.receive(recorder.handler);
    const [again] = await recorder.waitFor(1);
    expect(again!.id).toBe('msg_stuck');
    await waitUntil(() => !server.has('msg_stuck'), 2000, 'the commit');
    await second.close();
  });

  it('checks a received message against the raw limit that rawLimit gives, and the body against maxMessageBytes', async () => {
    const limit = 1024 * 1024;
    // A medium that carries the envelope in base64 (≈ 4/3 of the body): the default raw limit does not fit.
    const medium = new Map<string, string>();
    class Base64Transport extends PushTransport {
      readonly reads: number[] = [];
      constructor(readonly overrideRawLimit: boolean) {
        super({ maxMessageBytes: limit });
      }
      protected override rawLimit(maxMessageBytes: number): number {
        return this.overrideRawLimit
          ? Math.ceil((maxMessageBytes + MAX_ENVELOPE_BYTES) / 3) * 4
          : super.rawLimit(maxMessageBytes);
      }
      deliverFromMedium(ref: string): Promise<unknown> {
        const raw = medium.get(ref)!;
        return this.sink!.deliver({
          size: raw.length,
          ref,
          read: async (maxRawBytes) => {
            this.reads.push(maxRawBytes);
            if (raw.length > maxRawBytes) throw new MessageTooLargeError(raw.length, maxRawBytes, { kind: 'raw' });
            return decodeEnvelope(Buffer.from(raw, 'base64'), { maxMessageBytes: this.maxMessageBytes });
          },
          ack: async () => {
            medium.delete(ref);
          },
          reject: async () => undefined,
          release: async () => {},
        });
      }
    }
    const put = (ref: string, bodyBytes: number) => {
      medium.set(
        ref,
        Buffer.from(encodeEnvelope(testMessage('fake:tx', 'fake:rx', new Uint8Array(bodyBytes)))).toString('base64'),
      );
      return medium.get(ref)!.length;
    };
    const near = Math.floor(limit * 0.9);
    const nearRaw = put('near', near); // 90 % of the limit: ≈ 1.2 × the limit in base64
    expect(nearRaw).toBeGreaterThan(limit + MAX_ENVELOPE_BYTES);

    // With the default raw limit (body + envelope), it is refused unread — and the report says so exactly.
    const plain = new Base64Transport(false);
    const plainReports: RejectionReport[] = [];
    plain.rejected$.subscribe((r) => plainReports.push(r));
    await plain.receive(async () => undefined);
    await expect(plain.deliverFromMedium('near')).resolves.toMatchObject({ outcome: 'rejected' });
    expect(plain.reads).toEqual([]);
    expect(plainReports[0]!.detail).toContain(
      `raw message of ${nearRaw} bytes exceeds the raw limit of ${limit + MAX_ENVELOPE_BYTES} bytes by ${nearRaw - limit - MAX_ENVELOPE_BYTES} bytes`,
    );
    expect(plainReports[0]!.detail).toContain(`maxMessageBytes = ${limit} bytes`);
    await plain.close();

    // With a raw limit that allows for the encoding: delivered, read with that limit as its cap.
    const t = new Base64Transport(true);
    const reports: RejectionReport[] = [];
    t.rejected$.subscribe((r) => reports.push(r));
    const recorder = createRecorder();
    await t.receive(recorder.handler);
    await expect(t.deliverFromMedium('near')).resolves.toEqual({ outcome: 'acked' });
    expect(recorder.messages[0]!.body.byteLength).toBe(near);
    const rawLimit = Math.ceil((limit + MAX_ENVELOPE_BYTES) / 3) * 4;
    expect(t.reads).toEqual([rawLimit]);

    // Exactly the limit passes; one byte more is read, then refused for its body.
    put('exact', limit);
    await expect(t.deliverFromMedium('exact')).resolves.toEqual({ outcome: 'acked' });
    put('over', limit + 1);
    await expect(t.deliverFromMedium('over')).resolves.toMatchObject({ outcome: 'rejected' });
    expect(reports.at(-1)).toMatchObject({ reason: 'too-large', code: 'ERR_COMMS_TOO_LARGE' });
    expect(reports.at(-1)!.detail).toBe(
      `message body of ${limit + 1} bytes exceeds the body limit of ${limit} bytes by 1 byte`,
    );
    // Over the raw limit by the announced size: refused unread, saying by how much.
    const farRaw = put('far', 2 * limit);
    await expect(t.deliverFromMedium('far')).resolves.toMatchObject({ outcome: 'rejected' });
    expect(t.reads).toHaveLength(3);
    expect(reports.at(-1)!.detail).toMatch(
      new RegExp(
        `^raw message of ${farRaw} bytes exceeds the raw limit of ${rawLimit} bytes by ${farRaw - rawLimit} bytes`,
      ),
    );
    await t.close();
  });

  it('refuses a rawLimit that is not a positive integer', async () => {
    class Broken extends PushTransport {
      protected override rawLimit(): number {
        return Number.NaN;
      }
    }
    await expect(new Broken().receive(async () => undefined)).rejects.toMatchObject({
      code: 'ERR_COMMS_INVALID_ARGUMENT',
    });
  });
});
