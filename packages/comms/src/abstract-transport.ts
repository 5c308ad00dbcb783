import { type Clock, SystemClock, UnsupportedOperationError } from '@semper/core';
import { BehaviorSubject, type Observable, Subject } from 'rxjs';
import { type ParsedAddress, parseAddress } from './address.js';
import {
  CommsError,
  isTransientError,
  MalformedMessageError,
  MessageTooLargeError,
  TransportClosedError,
} from './errors.js';
import { checkMaxMessageBytes, checkMessage, MAX_ENVELOPE_BYTES, type Message } from './message.js';
import { backoffDelay } from './retry.js';
import type {
  HandlerResult,
  MessageHandler,
  ReceivedMessage,
  Receiver,
  ReceiveOptions,
  RedeliveryPolicy,
  RejectionReport,
  SendReceipt,
  Transport,
  TransportCapabilities,
  TransportState,
  TransportStatus,
} from './transport.js';

/**
 * One message a transport has found on its medium, handed to the base through {@link InboundSink.deliver}.
 * The base decides its fate and calls exactly one of `ack`, `reject` or `release` (or none, if the
 * receiver was abandoned at close: then the message simply stays where it is).
 *
 * Sizes: `size` and `read`'s cap are **raw** bytes — the message as the medium holds it (envelope,
 * framing, transfer encoding) — measured against the transport's raw limit
 * ({@link AbstractTransport.rawLimit}); the decoded body is measured against `maxMessageBytes`.
 *
 * @example
 * ```ts
 * import type { IncomingMessage } from '@semper/comms/spi';
 * const incoming: IncomingMessage = {
 *   size: stat.size,
 *   ref: name,
 *   read: async (maxRawBytes) => {
 *     if (stat.size > maxRawBytes) throw new MessageTooLargeError(stat.size, maxRawBytes, { kind: 'raw' });
 *     return decodeEnvelope(await readFile(path), { maxMessageBytes: this.maxMessageBytes });
 *   },
 *   ack: async () => rename(path, join(processed, name)),
 *   reject: async () => { await rename(path, join(failed, name)); return join(failed, name); },
 *   release: async () => {},
 * };
 * ```
 */
export interface IncomingMessage {
  /**
   * The raw size in bytes as the medium tells it before reading (a file size, a `Content-Length`, an
   * IMAP `RFC822.SIZE`, a POP3 `LIST`), if it does: the base refuses anything over the transport's raw
   * limit ({@link AbstractTransport.rawLimit}) without calling `read`.
   */
  readonly size?: number;
  /** The transport's own reference (a file name, a UID), for reports and logs. */
  readonly ref?: string;
  /**
   * Reads and decodes the message, reading at most `maxRawBytes` raw bytes (the transport's raw limit):
   * beyond, throw `new MessageTooLargeError(size, maxRawBytes, { kind: 'raw' })` (`atLeast: true` when
   * reading stopped there). Check the decoded body against `maxMessageBytes` (a `body` error), as
   * `decodeEnvelope` does. Throw `MalformedMessageError('ERR_COMMS_MALFORMED', …)` for bytes that are not
   * a message (the base moves it aside); any other error is taken as transient (the message is released
   * and tried again). The base checks the result with `checkMessage` again, so returning the decoded
   * fields is enough.
   */
  read(maxRawBytes: number): Promise<Message>;
  /**
   * Acknowledges the message: once this acknowledgement is **committed** on the medium, the transport never
   * delivers the message again. Resolve once it is durable — or once it is recorded as part of a batch
   * that the transport commits later — and say in your transport's docs what "committed" means there:
   * - folder: the file is renamed into `processed/` (or unlinked) and the directory fsynced — at once;
   * - memory: the entry is removed from the broker's queue — at once;
   * - HTTP: the 200 answer (the sender holds the message until it hears it);
   * - IMAP: `\Deleted` is stored at once (a message flagged so is never delivered again), the
   *   `UID EXPUNGE` that removes it follows at the end of the batch (or a `MOVE` to `processedFolder`);
   * - POP3: `DELE` only **marks** the message; the `QUIT` that ends the batch commits the marks. A session
   *   that ends any other way (a crash, a broken connection) commits nothing, and the acknowledged
   *   messages of that batch are delivered again (which `dedupe` absorbs).
   */
  ack(): Promise<void>;
  /** Moves the message aside (to `failed/`, a dead-letter list, an HTTP 4xx); returns where, if it is kept. */
  reject(report: RejectionReport): Promise<string | undefined>;
  /** Leaves the message with the medium, to be delivered again, not before `delayMs` (an HTTP 503). */
  release(delayMs: number): Promise<void>;
}

/**
 * What {@link InboundSink.deliver} resolves to once the message's fate is settled: the transport needs it
 * when the answer goes back on the wire (HTTP: 2xx, 4xx or 503). A delivery whose handler was abandoned
 * at close (still running after `drainTimeoutMs`) resolves `released` then, without any settlement on the
 * medium: the message stays where it is, and comes back after a restart.
 *
 * @example
 * ```ts
 * import type { Settlement } from '@semper/comms/spi';
 * const status = (s: Settlement) => (s.outcome === 'acked' ? 200 : s.outcome === 'rejected' ? 422 : 503);
 * ```
 */
export type Settlement =
  | { readonly outcome: 'acked' }
  | { readonly outcome: 'rejected'; readonly report: RejectionReport }
  | { readonly outcome: 'released'; readonly delayMs: number };

/**
 * The base's side of a receive loop, given to `onReceive`. The transport takes a message off its medium
 * only when {@link InboundSink.whenReady} says a handler slot is free (that is the backpressure), hands it
 * to {@link InboundSink.deliver}, and stops when `signal` aborts.
 *
 * @example
 * ```ts
 * import type { InboundSink } from '@semper/comms/spi';
 * async function drain(sink: InboundSink, names: string[]) {
 *   for (const name of names) {
 *     if (!(await sink.whenReady())) return; // receiving stopped
 *     void sink.deliver(incomingFor(name)); // settles in the background; never rejects
 *   }
 * }
 * ```
 */
export interface InboundSink {
  /** Aborted when receiving stops; end intake then. */
  readonly signal: AbortSignal;
  /** The receiver's `concurrency`. */
  readonly concurrency: number;
  /** Handlers running now. */
  readonly inFlight: number;
  /** Messages given to `deliver` and waiting for a free slot. */
  readonly waiting: number;
  /** Resolves `true` when a handler slot is free, `false` once receiving stopped. */
  whenReady(): Promise<boolean>;
  /**
   * Runs the message through size check, decoding, `verify`, the handler and settlement; waits for a free
   * slot first. Never rejects, and always resolves: at the latest when receiving stopped and the handlers
   * drained or were abandoned (then `released`), so a transport may wait for its whole batch — in
   * `onStopReceiving` too — before committing it.
   */
  deliver(incoming: IncomingMessage): Promise<Settlement>;
}

/**
 * Options of {@link AbstractTransport.startPolling}.
 *
 * @example
 * ```ts
 * import type { PollingOptions } from '@semper/comms/spi';
 * const options: PollingOptions = { intervalMs: 1000, poll: async (sink) => this.pollInbox(sink) };
 * ```
 */
export interface PollingOptions {
  /** The pause between two polls, in ms. */
  readonly intervalMs: number;
  /** One look at the medium: deliver what is there (respecting `whenReady`). Throwing backs off. */
  readonly poll: (sink: InboundSink) => Promise<void>;
  /** The backoff after failed polls (default: 1 s doubling to 60 s). */
  readonly backoff?: RedeliveryPolicy;
}

/**
 * A running poll loop, from {@link AbstractTransport.startPolling}.
 *
 * @example
 * ```ts
 * import type { PollingLoop } from '@semper/comms/spi';
 * const loop: PollingLoop = this.startPolling(sink, { intervalMs: 1000, poll });
 * loop.wake(); // look again now
 * await loop.done; // after sink.signal aborted
 * ```
 */
export interface PollingLoop {
  /** Polls again at once (after the current poll, if one runs). */
  wake(): void;
  /** Resolves when the loop ended (after the sink's signal aborted). */
  readonly done: Promise<void>;
}

/**
 * Options of the {@link AbstractTransport} constructor.
 *
 * @example
 * ```ts
 * import type { AbstractTransportOptions } from '@semper/comms/spi';
 * const options: AbstractTransportOptions = {
 *   address: 'mailto:hub@example.org',
 *   schemes: ['mailto'],
 *   capabilities: { ordering: 'none', storeAndForward: true, send: true, receive: true },
 *   maxMessageBytes: 10 * 1024 * 1024,
 * };
 * ```
 */
export interface AbstractTransportOptions {
  /** The transport's own address (it may change once, in `onOpen`, through `setAddress`). */
  readonly address: string;
  /** The address schemes this transport sends to. */
  readonly schemes: readonly string[];
  /** What the transport promises. */
  readonly capabilities: TransportCapabilities;
  /** The body limit (default `DEFAULT_MAX_MESSAGE_BYTES`). */
  readonly maxMessageBytes?: number;
  /** Stamps statuses, reports and `receivedAt` (default the system clock). */
  readonly clock?: Clock;
}

const MAX_TRACKED_ATTEMPTS = 10_000;
const DEFAULT_DRAIN_TIMEOUT_MS = 5000;
const MAX_CONCURRENCY = 256;

/**
 * The base of every transport, and the transport writer's guide. Like every semper module base it
 * validates in the public method and calls a protected `on*` hook (a hook not overridden throws
 * `UnsupportedOperationError`):
 *
 * | public          | the base does                                                                                | hook you write                         |
 * |-----------------|----------------------------------------------------------------------------------------------|----------------------------------------|
 * | `open()`        | once, concurrent calls share it; refuses after close                                         | `onOpen()` (connect, listen, mkdir)    |
 * | `send(m)`       | `checkSend`: envelope, `maxMessageBytes`, `canSend(to)`; open                                | `onSend(m)` → durably accepted         |
 * | `canSend(to)`   | address parse, scheme in `schemes`                                                           | `onCanSend(parsed)` (optional)         |
 * | `receive(h, o)` | options, one receiver at a time, open; the whole pipeline; `error` status if it cannot start | `onReceive(sink)` (start intake)       |
 * | receiver close  | stop intake (abort), drain handlers, abandon them after `drainTimeoutMs`                     | `onStopReceiving()` (optional)         |
 * | `close()`       | receiver close, status `closed`, complete streams                                            | `onClose()` (optional)                 |
 * | size limits     | the body against `maxMessageBytes`; raw bytes against the raw limit                          | `rawLimit(maxMessageBytes)` (optional) |
 *
 * The receive pipeline is the base's, so every transport behaves alike: for each {@link IncomingMessage}
 * the base refuses an announced size over the raw limit ({@link AbstractTransport.rawLimit}), calls `read`
 * (with the raw limit as its cap), checks the envelope and the body against `maxMessageBytes`, counts the
 * attempt, runs `verify`, runs the handler with bounded concurrency, then calls exactly one of `ack`
 * (handler succeeded), `reject` (too large, malformed, verification failed, handler rejected, max
 * attempts; reported on `rejected$`) or `release(delay)` (handler threw or asked to retry). A transport
 * writer therefore only moves bytes: find messages, read them, and implement the three settlements on the
 * medium. Report the medium's state with {@link AbstractTransport.setStatus}; for media that are looked at
 * at intervals, {@link AbstractTransport.startPolling} gives a loop with backoff.
 *
 * @example
 * ```ts
 * import { AbstractTransport, type IncomingMessage, type InboundSink } from '@semper/comms/spi';
 * import type { Message, SendReceipt } from '@semper/comms';
 *
 * // A toy transport over a shared array.
 * class ArrayTransport extends AbstractTransport {
 *   constructor(private readonly queue: Message[]) {
 *     super({ address: 'array:q', schemes: ['array'], capabilities: { ordering: 'per-sender', storeAndForward: true, send: true, receive: true } });
 *   }
 *   protected override async onSend(message: Message): Promise<SendReceipt> {
 *     this.queue.push(message);
 *     return { id: message.id, to: message.to, acceptedAt: this.clock.now() };
 *   }
 *   protected override async onReceive(sink: InboundSink): Promise<void> {
 *     this.setStatus('polling');
 *     this.startPolling(sink, {
 *       intervalMs: 50,
 *       poll: async () => {
 *         for (const message of [...this.queue]) {
 *           if (!(await sink.whenReady())) return;
 *           const incoming: IncomingMessage = {
 *             read: async () => message,
 *             ack: async () => { this.queue.splice(this.queue.indexOf(message), 1); },
 *             reject: async () => { this.queue.splice(this.queue.indexOf(message), 1); return undefined; },
 *             release: async () => {},
 *           };
 *           await sink.deliver(incoming);
 *         }
 *       },
 *     });
 *   }
 * }
 * ```
 */
export abstract class AbstractTransport implements Transport {
  readonly capabilities: TransportCapabilities;
  readonly maxMessageBytes: number;
  readonly status$: Observable<TransportStatus>;
  readonly rejected$: Observable<RejectionReport>;
  /** The clock given in the options (or the system clock). */
  protected readonly clock: Clock;

  #address: string;
  readonly #schemes: readonly string[];
  readonly #status: BehaviorSubject<TransportStatus>;
  readonly #rejected = new Subject<RejectionReport>();
  #closed = false;
  #closing: Promise<void> | undefined;
  #opening: Promise<void> | undefined;
  #receiver: ReceiverRun | undefined;
  #maxRawBytes: number | undefined;

  protected constructor(options: AbstractTransportOptions) {
    if (typeof options !== 'object' || options === null) {
      throw new CommsError('ERR_COMMS_INVALID_ARGUMENT', 'a transport needs options');
    }
    parseAddress(options.address);
    this.#address = options.address;
    this.#schemes = Object.freeze([...options.schemes]);
    this.capabilities = Object.freeze({ ...options.capabilities });
    this.maxMessageBytes = checkMaxMessageBytes(options.maxMessageBytes);
    this.clock = options.clock ?? new SystemClock();
    this.#status = new BehaviorSubject<TransportStatus>({
      state: 'idle',
      address: this.#address,
      at: this.clock.now(),
    });
    this.status$ = this.#status.asObservable();
    this.rejected$ = this.#rejected.asObservable();
  }

  get address(): string {
    return this.#address;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** The current status (the last value of `status$`). */
  get status(): TransportStatus {
    return this.#status.getValue();
  }

  /**
   * This transport's raw limit: {@link AbstractTransport.rawLimit} of `maxMessageBytes`, checked (a
   * positive integer) and kept. Use it where the medium needs a cap (a download, a server's literal size);
   * to change it, override `rawLimit`, not this.
   */
  protected get maxRawBytes(): number {
    if (this.#maxRawBytes === undefined) {
      const raw = this.rawLimit(this.maxMessageBytes);
      if (!Number.isSafeInteger(raw) || raw <= 0) {
        throw new CommsError(
          'ERR_COMMS_INVALID_ARGUMENT',
          `rawLimit(${this.maxMessageBytes}) is ${String(raw)}, not a positive integer`,
        );
      }
      this.#maxRawBytes = raw;
    }
    return this.#maxRawBytes;
  }

  /**
   * The raw limit: the most bytes that a message whose body is at most `maxMessageBytes` takes **on this
   * medium**, counted as {@link IncomingMessage.size} counts them (a file, a mail's source, an HTTP request
   * body) — the body in its transfer encoding, plus the envelope and framing the medium carries with it.
   * The base refuses an announced `size` above it without reading (a `raw` `MessageTooLargeError`,
   * reported as `too-large`), and passes it to `read` as the most to read; the decoded body is then checked
   * against `maxMessageBytes` (a `body` error). Called once, when first needed (never from the
   * constructor), so it may use the subclass's fields.
   *
   * The default, `maxMessageBytes + MAX_ENVELOPE_BYTES`, fits media that carry the body as it is with an
   * envelope beside it (`encodeEnvelope`: folder, memory). **Override it when the medium encodes the body
   * or carries the envelope elsewhere**, or the largest acceptable messages are refused unread: base64
   * takes 4/3 of the body plus line breaks (mail: `maxMailBytes`, ≈1.37 × the body), and an HTTP request
   * body is the message body alone (the envelope is in the HTTP header). Return the exact bound or a
   * slightly larger one: a smaller one refuses good messages unread; a larger one only reads more before
   * the body check refuses them.
   *
   * @example
   * ```ts
   * import { AbstractTransport, MAX_ENVELOPE_BYTES } from '@semper/comms/spi';
   * abstract class Base64Transport extends AbstractTransport {
   *   // The body in base64 (4 characters for 3 bytes), beside a JSON envelope.
   *   protected override rawLimit(maxMessageBytes: number): number {
   *     return Math.ceil(maxMessageBytes / 3) * 4 + MAX_ENVELOPE_BYTES;
   *   }
   * }
   * ```
   */
  protected rawLimit(maxMessageBytes: number): number {
    return maxMessageBytes + MAX_ENVELOPE_BYTES;
  }

  canSend(to: string): boolean {
    if (!this.capabilities.send) return false;
    let parsed: ParsedAddress;
    try {
      parsed = parseAddress(to);
    } catch {
      return false;
    }
    if (!this.#schemes.includes(parsed.scheme)) return false;
    try {
      return this.onCanSend(parsed);
    } catch {
      return false;
    }
  }

  open(): Promise<void> {
    if (this.#closed) return Promise.reject(new TransportClosedError('open'));
    this.#opening ??= this.onOpen().catch((err: unknown) => {
      this.#opening = undefined;
      throw err;
    });
    return this.#opening;
  }

  async send(message: Message): Promise<SendReceipt> {
    if (this.#closed) throw new TransportClosedError('send');
    const checked = this.checkSend(message);
    await this.open();
    if (this.#closed) throw new TransportClosedError('send');
    return this.onSend(checked);
  }

  async receive(handler: MessageHandler, options: ReceiveOptions = {}): Promise<Receiver> {
    if (this.#closed) throw new TransportClosedError('receive');
    this.checkReceive(handler, options);
    if (this.#receiver?.active) {
      throw new CommsError('ERR_COMMS_ALREADY_RECEIVING', `${this.#address} already has an active receiver`);
    }
    if (!this.capabilities.receive) throw new UnsupportedOperationError('receive');
    const run = new ReceiverRun(this.#hooks(), handler, options);
    this.#receiver = run;
    try {
      await this.open();
      if (this.#closed) throw new TransportClosedError('receive');
      await this.onReceive(run.sink);
    } catch (err) {
      // A start that failed (a bad login, a server that is not there) needs attention: report it, and
      // leave it as the state (no `idle` after it) until the transport does something else.
      if (!this.#closed) this.setStatus('error', { error: err, detail: 'receiving could not start' });
      await run.close({ failedStart: true });
      throw err;
    }
    return run.receiver;
  }

  close(): Promise<void> {
    this.#closed = true;
    this.#closing ??= (async () => {
      try {
        await this.#receiver?.close();
        await this.#opening?.catch(() => undefined);
        await this.onClose();
      } catch (err) {
        this.setStatus('error', { error: err, detail: 'close failed' });
      } finally {
        this.#status.next({ state: 'closed', address: this.#address, at: this.clock.now() });
        this.#status.complete();
        this.#rejected.complete();
      }
    })();
    return this.#closing;
  }

  /**
   * Validates a message before `onSend`: the envelope rules and `maxMessageBytes` (`checkMessage`), and
   * that this transport sends to `to`. Returns the frozen, copied message that `onSend` gets. Override to
   * add checks (call `super.checkSend` first).
   */
  protected checkSend(message: Message): Message & { readonly headers: Readonly<Record<string, string>> } {
    const checked = checkMessage(message, { maxMessageBytes: this.maxMessageBytes });
    if (!this.canSend(checked.to)) {
      throw new CommsError(
        'ERR_COMMS_UNSUPPORTED_ADDRESS',
        `${this.#address} does not send to '${checked.to.slice(0, 120)}'`,
      );
    }
    return checked;
  }

  /** Validates `receive`'s arguments. Override to add checks (call `super.checkReceive` first). */
  protected checkReceive(handler: MessageHandler, options: ReceiveOptions): void {
    if (typeof handler !== 'function') throw new CommsError('ERR_COMMS_INVALID_ARGUMENT', 'a handler is a function');
    if (typeof options !== 'object' || options === null) {
      throw new CommsError('ERR_COMMS_INVALID_ARGUMENT', 'receive options are an object');
    }
    const c = options.concurrency ?? 1;
    if (!Number.isSafeInteger(c) || c < 1 || c > MAX_CONCURRENCY) {
      throw new CommsError('ERR_COMMS_INVALID_ARGUMENT', `concurrency is an integer from 1 to ${MAX_CONCURRENCY}`);
    }
    const drain = options.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS;
    if (!Number.isFinite(drain) || drain < 0) {
      throw new CommsError('ERR_COMMS_INVALID_ARGUMENT', 'drainTimeoutMs is a non-negative number');
    }
    if (options.verify !== undefined && typeof options.verify !== 'function') {
      throw new CommsError('ERR_COMMS_INVALID_ARGUMENT', 'verify is a function');
    }
    const r = options.redelivery ?? {};
    const positive = (v: number | undefined) =>
      v === undefined || (typeof v === 'number' && v >= 0 && !Number.isNaN(v));
    if (!positive(r.initialDelayMs) || !positive(r.maxDelayMs) || !positive(r.maxAttempts) || !positive(r.factor)) {
      throw new CommsError('ERR_COMMS_INVALID_ARGUMENT', 'invalid redelivery policy');
    }
    if (r.maxAttempts !== undefined && r.maxAttempts < 1) {
      throw new CommsError('ERR_COMMS_INVALID_ARGUMENT', 'redelivery.maxAttempts is at least 1');
    }
  }

  /**
   * Sets the transport's state on `status$` (ignored once closed). `error` may be any thrown value: its
   * code (when it has one) and message are kept, never its stack.
   *
   * @example
   * ```ts
   * this.setStatus('backoff', { error: err, retryAt: new Date(Date.now() + 5000) });
   * ```
   */
  protected setStatus(
    state: Exclude<TransportState, 'closed'>,
    extra: { readonly detail?: string; readonly error?: unknown; readonly retryAt?: Date } = {},
  ): void {
    if (this.#status.closed || this.#status.getValue().state === 'closed') return;
    const status: TransportStatus = {
      state,
      address: this.#address,
      at: this.clock.now(),
      ...(extra.detail === undefined ? {} : { detail: extra.detail }),
      ...(extra.error === undefined ? {} : { error: describeError(extra.error) }),
      ...(extra.retryAt === undefined ? {} : { retryAt: extra.retryAt }),
    };
    this.#status.next(status);
  }

  /**
   * Changes the transport's own address, e.g. once a server listens on a port chosen by the system. Call it
   * from `onOpen` only.
   */
  protected setAddress(address: string): void {
    parseAddress(address);
    this.#address = address;
  }

  /**
   * Runs `options.poll` every `intervalMs` until `sink.signal` aborts, setting the status to `polling`
   * while it succeeds and to `backoff` (with `retryAt`) after a failure, waiting longer after each
   * consecutive failure. Returns at once; `done` resolves when the loop ended.
   */
  protected startPolling(sink: InboundSink, options: PollingOptions): PollingLoop {
    let wakeUp: (() => void) | undefined;
    let woken = false;
    const wake = () => {
      woken = true;
      wakeUp?.();
    };
    const pause = (ms: number) =>
      new Promise<void>((resolve) => {
        if (woken || sink.signal.aborted) {
          resolve();
          return;
        }
        const done = () => {
          clearTimeout(timer);
          sink.signal.removeEventListener('abort', done);
          wakeUp = undefined;
          resolve();
        };
        const timer = setTimeout(done, ms);
        wakeUp = done;
        sink.signal.addEventListener('abort', done, { once: true });
      });
    const backoff = { initialDelayMs: 1000, maxDelayMs: 60_000, factor: 2, ...options.backoff };
    const done = (async () => {
      let failures = 0;
      while (!sink.signal.aborted) {
        woken = false;
        let delay = options.intervalMs;
        try {
          await options.poll(sink);
          if (failures > 0 || this.status.state !== 'polling') this.setStatus('polling');
          failures = 0;
        } catch (err) {
          failures++;
          delay = backoffDelay(failures, { ...backoff, jitter: 0.2 });
          this.setStatus('backoff', { error: err, retryAt: new Date(this.clock.now().getTime() + delay) });
        }
        await pause(delay);
      }
    })();
    return { wake, done };
  }

  /** Whether this transport can send to `to`, once its scheme matched (default: yes). */
  protected onCanSend(_to: ParsedAddress): boolean {
    return true;
  }

  /** Opens connections, servers, folders (default: nothing to open). */
  protected async onOpen(): Promise<void> {}

  /** Puts a checked message on the medium; resolves once it is durably accepted. */
  protected onSend(_message: Message): Promise<SendReceipt> {
    return Promise.reject(new UnsupportedOperationError('send'));
  }

  /**
   * Starts intake: from now on find messages on the medium and hand them to `sink.deliver` (after
   * `sink.whenReady()`), until `sink.signal` aborts. Resolve once intake has started (a server listens, a
   * first connection succeeded, a poll loop runs); throw if it cannot start (a `CommsError` with the cause:
   * `ERR_COMMS_AUTH_FAILED`, `ERR_COMMS_UNAVAILABLE`, …): the base then sets the status to `error` with its
   * code and message, stops the receiver (`onStopReceiving`) and rejects `receive` with it.
   */
  protected onReceive(_sink: InboundSink): Promise<void> {
    return Promise.reject(new UnsupportedOperationError('receive'));
  }

  /**
   * Called when receiving stops, after `sink.signal` aborted and the handlers drained — or, past
   * `drainTimeoutMs`, were abandoned: every `deliver` has resolved by then (an abandoned one `released`,
   * without settlement), so you may wait for your intake loop to finish its batch and commit it (a POP3
   * `QUIT`). Give back what you fetched but did not deliver (default: nothing).
   */
  protected async onStopReceiving(): Promise<void> {}

  /** Closes connections and servers (default: nothing). The receiver has already stopped. */
  protected async onClose(): Promise<void> {}

  #hooks(): TransportHooks {
    return {
      clock: this.clock,
      maxMessageBytes: this.maxMessageBytes,
      maxRawBytes: this.maxRawBytes,
      address: () => this.#address,
      reportRejected: (report) => {
        if (!this.#rejected.closed) this.#rejected.next(report);
      },
      reportError: (err, detail) => this.setStatus('error', { error: err, detail }),
      stopReceiving: async (failedStart) => {
        await this.onStopReceiving();
        if (!this.#closed && !failedStart) this.setStatus('idle');
      },
    };
  }
}

function describeError(err: unknown): { readonly code: string; readonly message: string } {
  const e = err as { code?: unknown; message?: unknown };
  return {
    code: typeof e?.code === 'string' ? e.code : 'ERR_UNKNOWN',
    message: typeof e?.message === 'string' ? e.message.slice(0, 500) : String(err).slice(0, 500),
  };
}

interface TransportHooks {
  readonly clock: Clock;
  readonly maxMessageBytes: number;
  readonly maxRawBytes: number;
  address(): string;
  reportRejected(report: RejectionReport): void;
  reportError(err: unknown, detail: string): void;
  /** `failedStart`: the receiver is stopped because `onReceive` failed (the status stays `error`). */
  stopReceiving(failedStart: boolean): Promise<void>;
}

const RELEASED: Settlement = Object.freeze({ outcome: 'released', delayMs: 0 });

type Fate =
  | { readonly kind: 'ack' }
  | { readonly kind: 'reject'; readonly report: RejectionReport }
  | { readonly kind: 'release'; readonly delayMs: number };

/** One receive loop: the concurrency gate and the pipeline. */
class ReceiverRun {
  readonly sink: InboundSink;
  readonly receiver: Receiver;
  readonly #hooks: TransportHooks;
  readonly #handler: MessageHandler;
  readonly #options: ReceiveOptions;
  readonly #concurrency: number;
  readonly #controller = new AbortController();
  /** deliveries waiting for a slot; called with `true` when the slot is handed over, `false` on close */
  readonly #slotWaiters: Array<(granted: boolean) => void> = [];
  readonly #readyWaiters: Array<(ready: boolean) => void> = [];
  readonly #running = new Set<Promise<Settlement>>();
  readonly #attempts = new Map<string, number>();
  #inFlight = 0;
  #active = true;
  #abandoned = false;
  /** Resolves (`released`) when the handlers still running at the end of the drain are abandoned. */
  readonly #abandonment: Promise<Settlement>;
  #abandon!: () => void;
  #closing: Promise<void> | undefined;

  constructor(hooks: TransportHooks, handler: MessageHandler, options: ReceiveOptions) {
    this.#hooks = hooks;
    this.#handler = handler;
    this.#options = options;
    this.#concurrency = options.concurrency ?? 1;
    this.#abandonment = new Promise<Settlement>((resolve) => {
      this.#abandon = () => resolve(RELEASED);
    });
    const run = this;
    this.sink = {
      signal: this.#controller.signal,
      concurrency: this.#concurrency,
      get inFlight() {
        return run.#inFlight;
      },
      get waiting() {
        return run.#slotWaiters.length;
      },
      whenReady: () => this.#whenReady(),
      deliver: (incoming) => this.#deliver(incoming),
    };
    this.receiver = {
      get active() {
        return run.#active;
      },
      close: () => this.close(),
    };
  }

  get active(): boolean {
    return this.#active;
  }

  close(options: { readonly failedStart?: boolean } = {}): Promise<void> {
    this.#closing ??= (async () => {
      this.#active = false;
      this.#controller.abort(new TransportClosedError('receive'));
      for (const ready of this.#readyWaiters.splice(0)) ready(false);
      for (const slot of this.#slotWaiters.splice(0)) slot(false);
      const drainMs = this.#options.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS;
      const drained = Promise.allSettled([...this.#running]);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([drained, new Promise<void>((r) => (timer = setTimeout(r, drainMs)))]);
      clearTimeout(timer);
      // Handlers still running are abandoned: their messages are not settled (they stay on the medium and
      // come back after a restart), and their deliveries resolve `released` now, so that a transport
      // waiting for its batch (a POP3 session's QUIT) can finish it.
      this.#abandoned = true;
      this.#abandon();
      try {
        await this.#hooks.stopReceiving(options.failedStart ?? false);
      } catch (err) {
        this.#hooks.reportError(err, 'stopping the receiver failed');
      }
    })();
    return this.#closing;
  }

  #whenReady(): Promise<boolean> {
    if (!this.#active) return Promise.resolve(false);
    if (this.#inFlight + this.#slotWaiters.length < this.#concurrency) return Promise.resolve(true);
    return new Promise((resolve) => this.#readyWaiters.push(resolve));
  }

  /** Takes a handler slot, waiting for one; `false` when receiving stopped first. */
  #acquire(): Promise<boolean> {
    if (!this.#active) return Promise.resolve(false);
    if (this.#inFlight < this.#concurrency && this.#slotWaiters.length === 0) {
      this.#inFlight++;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => this.#slotWaiters.push(resolve));
  }

  /** Frees a slot: hands it straight to the next waiting delivery, or tells a `whenReady` caller. */
  #freeSlot(): void {
    const next = this.#active ? this.#slotWaiters.shift() : undefined;
    if (next) {
      next(true); // the slot changes hands: inFlight stays
      return;
    }
    this.#inFlight--;
    const ready = this.#readyWaiters.shift();
    ready?.(this.#active);
  }

  #deliver(incoming: IncomingMessage): Promise<Settlement> {
    const settled = (async (): Promise<Settlement> => {
      if (!(await this.#acquire())) return this.#settle(incoming, { kind: 'release', delayMs: 0 });
      try {
        return await this.#process(incoming);
      } finally {
        this.#freeSlot();
      }
    })().catch((err: unknown): Settlement => {
      this.#hooks.reportError(err, 'delivery failed');
      return { outcome: 'released', delayMs: 0 };
    });
    this.#running.add(settled);
    void settled.finally(() => this.#running.delete(settled));
    return Promise.race([settled, this.#abandonment]);
  }

  #report(
    reason: RejectionReport['reason'],
    code: RejectionReport['code'],
    detail: string,
    incoming: IncomingMessage,
    message?: Message,
  ): RejectionReport {
    return {
      reason,
      code,
      detail: detail.slice(0, 1000),
      at: this.#hooks.clock.now(),
      via: this.#hooks.address(),
      ...(message ? { messageId: message.id, from: message.from } : {}),
      ...(incoming.size === undefined ? {} : { size: incoming.size }),
      ...(incoming.ref === undefined ? {} : { ref: incoming.ref }),
    };
  }

  async #process(incoming: IncomingMessage): Promise<Settlement> {
    const limit = this.#hooks.maxMessageBytes;
    const rawLimit = this.#hooks.maxRawBytes;
    if (incoming.size !== undefined && incoming.size > rawLimit) {
      const err = new MessageTooLargeError(incoming.size, rawLimit, {
        kind: 'raw',
        detail: `announced by the medium, not read (the raw limit is what a body of at most maxMessageBytes = ${limit} bytes takes on this medium)`,
      });
      return this.#settle(incoming, {
        kind: 'reject',
        report: this.#report('too-large', err.code, err.message, incoming),
      });
    }
    let message: Message & { readonly headers: Readonly<Record<string, string>> };
    try {
      const raw = await incoming.read(rawLimit);
      message = checkMessage(raw, { maxMessageBytes: limit, received: true });
    } catch (err) {
      if (err instanceof MessageTooLargeError) {
        return this.#settle(incoming, {
          kind: 'reject',
          report: this.#report('too-large', err.code, err.message, incoming),
        });
      }
      if (err instanceof MalformedMessageError || (err instanceof CommsError && err.code === 'ERR_COMMS_MALFORMED')) {
        return this.#settle(incoming, {
          kind: 'reject',
          report: this.#report('malformed', 'ERR_COMMS_MALFORMED', err.message, incoming),
        });
      }
      this.#hooks.reportError(err, `reading ${incoming.ref ?? 'a message'} failed`);
      return this.#settle(incoming, { kind: 'release', delayMs: this.#delay(1) });
    }
    if (!this.#active) return this.#settle(incoming, { kind: 'release', delayMs: 0 });

    const attempt = this.#countAttempt(message.id);
    const received: ReceivedMessage = Object.freeze({
      ...message,
      attempt,
      receivedAt: this.#hooks.clock.now(),
      via: this.#hooks.address(),
    });
    const maxAttempts = this.#options.redelivery?.maxAttempts ?? Number.POSITIVE_INFINITY;
    const retryOrGiveUp = (delayMs: number | undefined, why: string): Fate =>
      attempt >= maxAttempts
        ? {
            kind: 'reject',
            report: this.#report(
              'max-attempts',
              'ERR_COMMS_REJECTED',
              `gave up after ${attempt} attempts: ${why}`,
              incoming,
              message,
            ),
          }
        : { kind: 'release', delayMs: delayMs ?? this.#delay(attempt) };

    if (this.#options.verify) {
      try {
        await this.#options.verify(received);
      } catch (err) {
        const why = err instanceof Error ? err.message : String(err);
        if (isTransientError(err)) return this.#settle(incoming, retryOrGiveUp(undefined, why), message.id);
        return this.#settle(
          incoming,
          {
            kind: 'reject',
            report: this.#report('verification-failed', 'ERR_COMMS_VERIFICATION_FAILED', why, incoming, message),
          },
          message.id,
        );
      }
    }

    let fate: Fate;
    try {
      const result = await this.#handler(received, { signal: this.#controller.signal });
      fate = this.#fateOf(result, incoming, message, retryOrGiveUp);
    } catch (err) {
      fate = retryOrGiveUp(undefined, err instanceof Error ? err.message : String(err));
    }
    return this.#settle(incoming, fate, message.id);
  }

  #fateOf(
    result: unknown,
    incoming: IncomingMessage,
    message: Message,
    retryOrGiveUp: (delayMs: number | undefined, why: string) => Fate,
  ): Fate {
    if (result === undefined || result === null) return { kind: 'ack' };
    switch ((result as HandlerResult).outcome) {
      case 'acked':
        return { kind: 'ack' };
      case 'rejected': {
        const reason = (result as { reason?: unknown }).reason;
        return {
          kind: 'reject',
          report: this.#report(
            'rejected-by-handler',
            'ERR_COMMS_REJECTED',
            typeof reason === 'string' ? reason : 'rejected by the handler',
            incoming,
            message,
          ),
        };
      }
      case 'retry': {
        const d = (result as { delayMs?: unknown }).delayMs;
        return retryOrGiveUp(typeof d === 'number' && d >= 0 ? d : undefined, 'the handler asked to retry');
      }
      default:
        this.#hooks.reportError(
          new CommsError('ERR_COMMS_INVALID_ARGUMENT', 'a handler returned something that is not a HandlerResult'),
          'handler result',
        );
        return retryOrGiveUp(undefined, 'invalid handler result');
    }
  }

  async #settle(incoming: IncomingMessage, fate: Fate, id?: string): Promise<Settlement> {
    if (this.#abandoned) return { outcome: 'released', delayMs: 0 };
    try {
      switch (fate.kind) {
        case 'ack':
          await incoming.ack();
          if (id !== undefined) this.#attempts.delete(id);
          return { outcome: 'acked' };
        case 'reject': {
          const location = await incoming.reject(fate.report);
          const report = location === undefined ? fate.report : { ...fate.report, location };
          if (id !== undefined) this.#attempts.delete(id);
          this.#hooks.reportRejected(Object.freeze(report));
          return { outcome: 'rejected', report };
        }
        case 'release':
          await incoming.release(fate.delayMs);
          return { outcome: 'released', delayMs: fate.delayMs };
      }
    } catch (err) {
      // The settlement did not reach the medium: the message stays, and comes back (at-least-once).
      this.#hooks.reportError(err, `settling ${incoming.ref ?? id ?? 'a message'} (${fate.kind}) failed`);
      return { outcome: 'released', delayMs: 0 };
    }
  }

  #countAttempt(id: string): number {
    const attempt = (this.#attempts.get(id) ?? 0) + 1;
    this.#attempts.delete(id);
    this.#attempts.set(id, attempt);
    if (this.#attempts.size > MAX_TRACKED_ATTEMPTS) {
      const oldest = this.#attempts.keys().next().value;
      if (oldest !== undefined) this.#attempts.delete(oldest);
    }
    return attempt;
  }

  #delay(attempt: number): number {
    const r = this.#options.redelivery ?? {};
    return backoffDelay(attempt, {
      initialDelayMs: r.initialDelayMs ?? 200,
      maxDelayMs: r.maxDelayMs ?? 30_000,
      factor: Math.max(1, r.factor ?? 2),
      jitter: 0.2,
    });
  }
}
