import type { Clock } from '@semper/core';
import { AbstractTransport, type IncomingMessage, type InboundSink } from '../abstract-transport.js';
import type { ParsedAddress } from '../address.js';
import { CommsError } from '../errors.js';
import type { Message } from '../message.js';
import type { RejectionReport, SendReceipt } from '../transport.js';

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

interface Entry {
  readonly seq: number;
  /** A checked, frozen Message — or anything, for `injectRaw`. */
  readonly value: unknown;
  readonly size: number | undefined;
  visibleAt: number;
  owner: object | undefined;
}

/**
 * A message the broker moved aside, with the report that says why.
 *
 * @example
 * ```ts
 * import type { DeadLetter } from '@semper/comms';
 * const letters: readonly DeadLetter[] = broker.deadLetters('hub');
 * letters[0]?.report.reason; // 'too-large'
 * ```
 */
export interface DeadLetter {
  /** What was stored (a message, or whatever `injectRaw` put there). */
  readonly value: unknown;
  readonly report: RejectionReport;
}

class Queue {
  readonly entries: Entry[] = [];
  readonly dead: DeadLetter[] = [];
  /** The runs of receivers taking from this queue now (one token per `receive`). */
  readonly receivers = new Set<object>();
  /** Runs the broker dropped (`crashReceivers`): they take nothing more and settle nothing more. */
  readonly crashed = new WeakSet<object>();
  readonly #listeners = new Set<() => void>();

  notify(): void {
    for (const listener of [...this.#listeners]) listener();
  }

  /** Waits for a change, until `untilMs` (epoch ms, if finite), or until `signal` aborts. */
  changed(signal: AbortSignal, waitMs: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.#listeners.delete(done);
        signal.removeEventListener('abort', done);
        clearTimeout(timer);
        resolve();
      };
      const timer = Number.isFinite(waitMs) ? setTimeout(done, Math.max(0, waitMs)) : undefined;
      this.#listeners.add(done);
      signal.addEventListener('abort', done, { once: true });
    });
  }
}

/**
 * The shared "medium" of in-memory transports: one FIFO queue per name, living as long as the broker
 * object. Messages sent to `mem:<name>` wait in that queue until a transport named `<name>` receives
 * and acknowledges them; a message delivered but not acknowledged when its receiver closes goes back to
 * its place in the queue, so a new transport with the same name (a "restarted" receiver) gets it again.
 * For tests and single-process demos; nothing survives the process.
 *
 * @example
 * ```ts
 * import { createMemoryTransport, MemoryBroker } from '@semper/comms';
 * const broker = new MemoryBroker();
 * const hub = createMemoryTransport({ broker, name: 'hub' });
 * broker.pending('hub'); // 0
 * ```
 */
export class MemoryBroker {
  constructor() {
    QUEUES.set(this, new Map());
  }

  /** Unacknowledged messages waiting in (or delivered from) the queue `name`. */
  pending(name: string): number {
    return QUEUES.get(this)?.get(name)?.entries.length ?? 0;
  }

  /** The messages moved aside from queue `name`, oldest first. */
  deadLetters(name: string): readonly DeadLetter[] {
    return [...(QUEUES.get(this)?.get(name)?.dead ?? [])];
  }

  /**
   * Puts anything into queue `name`, bypassing `send`'s checks: for tests of how a receiver copes with
   * malformed input. `size` is the size the medium "announces" (default: the body's length, if any).
   *
   * @example
   * ```ts
   * import { MemoryBroker } from '@semper/comms';
   * const broker = new MemoryBroker();
   * broker.injectRaw('hub', { id: 'not ok', body: 'not bytes' });
   * ```
   */
  injectRaw(name: string, value: unknown, size?: number): void {
    checkName(name);
    const body = (value as { body?: unknown } | null)?.body;
    enqueue(this, name, value, size ?? (body instanceof Uint8Array ? body.byteLength : undefined));
  }

  /**
   * Simulates a crash of the receivers of queue `name` (their process killed, their connection gone), as
   * a broker sees it: every delivery they hold goes back to its place in the queue, visible at once (as
   * are messages waiting for a redelivery delay: delays belong to the run that set them), and those
   * receivers take nothing more and settle nothing more — a late `ack` of theirs fails, and the message
   * stays for the next receiver. The transport objects stay as they are (a handler they started keeps
   * running; closing them settles nothing). For crash tests: the conformance suite's `crash` case.
   *
   * @example
   * ```ts
   * import { createMemoryTransport, MemoryBroker } from '@semper/comms';
   * const broker = new MemoryBroker();
   * const hub = createMemoryTransport({ broker, name: 'hub' });
   * await hub.receive(() => new Promise(() => {})); // stuck in its handler…
   * broker.crashReceivers('hub'); // …when it dies: what it held is delivered to the next receiver
   * ```
   */
  crashReceivers(name: string): void {
    checkName(name);
    const queue = queueOf(this, name);
    for (const run of queue.receivers) queue.crashed.add(run);
    queue.receivers.clear();
    for (const entry of queue.entries) {
      entry.owner = undefined;
      entry.visibleAt = 0;
    }
    queue.notify();
  }
}

/** Each broker's queues, out of reach of its public API. */
const QUEUES = new WeakMap<MemoryBroker, Map<string, Queue>>();
let seq = 0;

function queueOf(broker: MemoryBroker, name: string): Queue {
  const queues = QUEUES.get(broker)!;
  let queue = queues.get(name);
  if (!queue) {
    queue = new Queue();
    queues.set(name, queue);
  }
  return queue;
}

function enqueue(broker: MemoryBroker, name: string, value: unknown, size: number | undefined): void {
  const queue = queueOf(broker, name);
  queue.entries.push({ seq: ++seq, value, size, visibleAt: 0, owner: undefined });
  queue.notify();
}

function checkName(name: string): void {
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw new CommsError('ERR_COMMS_INVALID_ADDRESS', 'a memory queue name is 1 to 128 of [A-Za-z0-9._-]');
  }
}

/**
 * Options of {@link createMemoryTransport}.
 *
 * @example
 * ```ts
 * import { MemoryBroker, type MemoryTransportOptions } from '@semper/comms';
 * const options: MemoryTransportOptions = { broker: new MemoryBroker(), name: 'hub', maxMessageBytes: 1024 };
 * ```
 */
export interface MemoryTransportOptions {
  /** The shared broker. */
  readonly broker: MemoryBroker;
  /** This transport's queue name; its address is `mem:<name>`. */
  readonly name: string;
  /** The body limit (default `DEFAULT_MAX_MESSAGE_BYTES`). */
  readonly maxMessageBytes?: number;
  readonly clock?: Clock;
}

/**
 * The in-memory transport: sends to `mem:<name>` queues of one {@link MemoryBroker}, receives from its own.
 * Ordering per sender (FIFO queue), store-and-forward, at-least-once across receiver restarts.
 *
 * @example
 * ```ts
 * import { MemoryBroker, MemoryTransport } from '@semper/comms';
 * const transport = new MemoryTransport({ broker: new MemoryBroker(), name: 'agency-0042' });
 * transport.address; // 'mem:agency-0042'
 * ```
 */
export class MemoryTransport extends AbstractTransport {
  /** The broker this transport uses. */
  readonly broker: MemoryBroker;
  readonly #name: string;
  /** The current receive run's token: what owns the entries it delivered. */
  #owner: object = {};
  #loop: Promise<void> | undefined;

  constructor(options: MemoryTransportOptions) {
    if (typeof options !== 'object' || options === null || !(options.broker instanceof MemoryBroker)) {
      throw new CommsError('ERR_COMMS_INVALID_ARGUMENT', 'a memory transport needs { broker, name }');
    }
    checkName(options.name);
    super({
      address: `mem:${options.name}`,
      schemes: ['mem'],
      capabilities: { ordering: 'per-sender', storeAndForward: true, send: true, receive: true },
      maxMessageBytes: options.maxMessageBytes,
      clock: options.clock,
    });
    this.broker = options.broker;
    this.#name = options.name;
  }

  protected override onCanSend(to: ParsedAddress): boolean {
    return NAME.test(to.target);
  }

  protected override async onOpen(): Promise<void> {
    this.setStatus('connected');
  }

  protected override async onSend(message: Message): Promise<SendReceipt> {
    const name = message.to.slice('mem:'.length);
    enqueue(this.broker, name, message, message.body.byteLength);
    return { id: message.id, to: message.to, acceptedAt: this.clock.now(), detail: `queued in mem:${name}` };
  }

  protected override async onReceive(sink: InboundSink): Promise<void> {
    const queue = queueOf(this.broker, this.#name);
    const owner = {};
    this.#owner = owner;
    queue.receivers.add(owner);
    this.setStatus('connected', { detail: 'receiving' });
    this.#loop = (async () => {
      while (!sink.signal.aborted && !queue.crashed.has(owner)) {
        if (!(await sink.whenReady())) break;
        if (queue.crashed.has(owner)) break;
        const now = Date.now();
        const entry = queue.entries.find((e) => e.owner === undefined && e.visibleAt <= now);
        if (!entry) {
          const next = Math.min(
            ...queue.entries.filter((e) => e.owner === undefined).map((e) => e.visibleAt - now),
            Number.POSITIVE_INFINITY,
          );
          await queue.changed(sink.signal, next);
          continue;
        }
        entry.owner = owner;
        void sink.deliver(this.#incoming(queue, entry, owner));
      }
    })();
  }

  #incoming(queue: Queue, entry: Entry, owner: object): IncomingMessage {
    const ref = `mem:${this.#name}#${entry.seq}`;
    /** Settlements count only while this run still holds the entry (not after `crashReceivers`). */
    const held = () => {
      if (entry.owner !== owner || queue.crashed.has(owner)) {
        throw new CommsError('ERR_COMMS_UNAVAILABLE', `the broker no longer holds ${ref} for this receiver`);
      }
    };
    const remove = () => {
      const at = queue.entries.indexOf(entry);
      if (at >= 0) queue.entries.splice(at, 1);
    };
    return {
      size: entry.size,
      ref,
      read: async () => entry.value as Message,
      ack: async () => {
        held();
        remove();
      },
      reject: async (report) => {
        held();
        remove();
        const location = `mem:${this.#name} dead letters`;
        queue.dead.push(Object.freeze({ value: entry.value, report: Object.freeze({ ...report, location }) }));
        return location;
      },
      release: async (delayMs) => {
        held();
        entry.owner = undefined;
        entry.visibleAt = Date.now() + delayMs;
        queue.notify();
      },
    };
  }

  protected override async onStopReceiving(): Promise<void> {
    await this.#loop;
    const queue = queueOf(this.broker, this.#name);
    const owner = this.#owner;
    queue.receivers.delete(owner);
    if (queue.crashed.has(owner)) return; // the broker took back what it held already
    // Deliveries abandoned at close go back to their place in the queue; redelivery delays belong to the
    // run that set them: after a restart everything unacknowledged is visible at once.
    for (const entry of queue.entries) {
      if (entry.owner === owner || entry.owner === undefined) {
        entry.owner = undefined;
        entry.visibleAt = 0;
      }
    }
    queue.notify();
  }
}

/**
 * A new {@link MemoryTransport}.
 *
 * @example
 * ```ts
 * import { createMemoryTransport, MemoryBroker } from '@semper/comms';
 * const broker = new MemoryBroker();
 * const [hub, agency] = [createMemoryTransport({ broker, name: 'hub' }), createMemoryTransport({ broker, name: 'agency' })];
 * ```
 */
export function createMemoryTransport(options: MemoryTransportOptions): MemoryTransport {
  return new MemoryTransport(options);
}
