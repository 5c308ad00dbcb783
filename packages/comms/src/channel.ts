import { newId } from '@semper/core';
import { CommsError, CommsTimeoutError, TransportClosedError } from './errors.js';
import type { Message } from './message.js';
import { type RetryPolicy, resolveRetryPolicy, retry } from './retry.js';
import type {
  HandlerContext,
  HandlerResult,
  MessageHandler,
  ReceivedMessage,
  Receiver,
  ReceiveOptions,
  SendReceipt,
  Transport,
} from './transport.js';
import { TransportRouter } from './transport-router.js';

/**
 * The header that marks a request; its value is the request's message id, which the response repeats in
 * {@link IN_REPLY_TO_HEADER}.
 *
 * @example
 * ```ts
 * import { REQUEST_ID_HEADER } from '@semper/comms';
 * const isRequest = (m: { headers: Readonly<Record<string, string>> }) => REQUEST_ID_HEADER in m.headers;
 * ```
 */
export const REQUEST_ID_HEADER = 'semper-request-id';
/**
 * The header of a response: the id of the request it answers.
 *
 * @example
 * ```ts
 * import { IN_REPLY_TO_HEADER } from '@semper/comms';
 * const answers = (m: { headers: Readonly<Record<string, string>> }) => m.headers[IN_REPLY_TO_HEADER];
 * ```
 */
export const IN_REPLY_TO_HEADER = 'semper-in-reply-to';
/**
 * An optional request header: where the response should go (default the request's `from`).
 *
 * @example
 * ```ts
 * import { REPLY_TO_HEADER } from '@semper/comms';
 * const headers = { [REPLY_TO_HEADER]: 'mailto:replies@agency.example' };
 * ```
 */
export const REPLY_TO_HEADER = 'semper-reply-to';

/**
 * A message to send through a {@link Channel}: `from` is filled in by the channel, `id` too unless given
 * (give one to make a later re-send of the same business item recognisable as a duplicate).
 *
 * @example
 * ```ts
 * import type { OutgoingMessage } from '@semper/comms';
 * const m: OutgoingMessage = { to: 'https://hub.example/inbox', contentType: 'application/cms', body: sdcBytes };
 * ```
 */
export interface OutgoingMessage {
  readonly to: string;
  readonly contentType: string;
  readonly body: Uint8Array;
  readonly headers?: Readonly<Record<string, string>>;
  /** The message id (default a new `msg_…` id). */
  readonly id?: string;
}

/**
 * A response, as a request handler returns it; the channel addresses it and adds {@link IN_REPLY_TO_HEADER}.
 *
 * @example
 * ```ts
 * import type { ResponseInit } from '@semper/comms';
 * const ok: ResponseInit = { contentType: 'application/cms', body: receiptBytes };
 * ```
 */
export interface ResponseInit {
  readonly contentType: string;
  readonly body: Uint8Array;
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * Answers a request. Return the response (sent back, then the request is acknowledged), or a
 * `rejected`/`retry` {@link HandlerResult} to move the request aside or have it delivered again; throwing
 * is `retry`.
 *
 * @example
 * ```ts
 * import type { RequestHandler } from '@semper/comms';
 * const echo: RequestHandler = async (request) => ({ contentType: request.contentType, body: request.body });
 * ```
 */
export type RequestHandler = (
  request: ReceivedMessage,
  context: HandlerContext,
) => Promise<ResponseInit | Exclude<HandlerResult, { outcome: 'acked' }>>;

/**
 * What a {@link Channel} does with what it receives (see {@link Channel.start}).
 *
 * @example
 * ```ts
 * import type { ChannelHandlers } from '@semper/comms';
 * const handlers: ChannelHandlers = {
 *   onRequest: async (req) => ({ contentType: 'text/plain', body: req.body }),
 *   onMessage: async (m) => console.log('one-way', m.id),
 * };
 * ```
 */
export interface ChannelHandlers {
  /** Requests (messages with {@link REQUEST_ID_HEADER}); without it they are moved aside. */
  readonly onRequest?: RequestHandler;
  /** One-way messages (neither request nor response); without it they are moved aside. */
  readonly onMessage?: MessageHandler;
}

/**
 * Options of a {@link Channel}.
 *
 * @example
 * ```ts
 * import type { ChannelOptions } from '@semper/comms';
 * const options: ChannelOptions = { requestTimeoutMs: 10_000, retry: { attempts: 8, initialDelayMs: 500 } };
 * ```
 */
export interface ChannelOptions {
  /** How sends are retried on transient faults, always with the same message id (default `DEFAULT_RETRY_POLICY`). */
  readonly retry?: RetryPolicy;
  /** The default deadline of `request`, in ms (default 30 000). */
  readonly requestTimeoutMs?: number;
  /** How many answered requests are remembered, so that a re-sent request gets the same response (default 1000). */
  readonly responseCacheSize?: number;
  /** The `from` of outgoing messages (default: the transport's address, or the router member's that sends to `to`). */
  readonly from?: string | ((to: string) => string);
  /** Makes message ids (default `newId('msg')`). */
  readonly newId?: () => string;
}

/**
 * Options of {@link Channel.request}.
 *
 * @example
 * ```ts
 * import type { RequestOptions } from '@semper/comms';
 * const options: RequestOptions = { timeoutMs: 5000, resendIntervalMs: 1000 };
 * ```
 */
export interface RequestOptions {
  /** The deadline for the response, from the call, in ms (default the channel's `requestTimeoutMs`). */
  readonly timeoutMs?: number;
  /** Send retries (default the channel's). */
  readonly retry?: RetryPolicy;
  /**
   * Re-send the request (same id, so the server answers it once) when no response came within this many
   * ms (default: never; at-least-once transports do not lose it).
   */
  readonly resendIntervalMs?: number;
  /** Cancels the request (rejects with the signal's reason). */
  readonly signal?: AbortSignal;
}

/**
 * Counters of a channel, for monitoring.
 *
 * @example
 * ```ts
 * import type { ChannelStats } from '@semper/comms';
 * const line = (s: ChannelStats) => `${s.pendingRequests} pending, ${s.unmatchedResponses} late responses`;
 * ```
 */
export interface ChannelStats {
  /** Requests waiting for a response. */
  readonly pendingRequests: number;
  /** Responses that matched no pending request (late, after a timeout, or duplicates): acked and dropped. */
  readonly unmatchedResponses: number;
  /** Duplicate requests answered from the response cache. */
  readonly replayedResponses: number;
  /** Send attempts that failed transiently and were retried. */
  readonly retries: number;
}

interface Pending {
  readonly resolve: (m: ReceivedMessage) => void;
}

/**
 * Request/response and one-way messaging over a {@link Transport} (or a `TransportRouter`): ids and `from`
 * filled in, sends retried with exponential backoff and jitter on transient faults (always with the same
 * message id, so a receiver using `dedupe` processes it once), requests correlated with their responses
 * through {@link REQUEST_ID_HEADER} / {@link IN_REPLY_TO_HEADER}, deadlines (`ERR_COMMS_TIMEOUT`).
 *
 * On the answering side, a re-sent request (same id from the same sender) gets the same response (same
 * response id) from a bounded cache instead of running the handler twice; the request is acknowledged
 * only after its response was durably accepted by the transport.
 *
 * @example
 * ```ts
 * import { Channel, createMemoryTransport, MemoryBroker } from '@semper/comms';
 * const broker = new MemoryBroker();
 * const hub = new Channel(createMemoryTransport({ broker, name: 'hub' }));
 * const agency = new Channel(createMemoryTransport({ broker, name: 'agency' }));
 * await hub.start({ onRequest: async (req) => ({ contentType: 'text/plain', body: req.body }) });
 * const response = await agency.request('mem:hub', { contentType: 'text/plain', body: new TextEncoder().encode('ping') }, { timeoutMs: 2000 });
 * new TextDecoder().decode(response.body); // 'ping'
 * ```
 */
export class Channel {
  /** The transport the channel uses (it does not own it: close it yourself). */
  readonly transport: Transport;
  readonly #retry: Required<RetryPolicy>;
  readonly #timeoutMs: number;
  readonly #cacheSize: number;
  readonly #from: ((to: string) => string) | undefined;
  readonly #newId: () => string;
  readonly #pending = new Map<string, Pending>();
  readonly #responses = new Map<string, Message>();
  readonly #answering = new Map<string, Promise<unknown>>();
  readonly #closer = new AbortController();
  #handlers: ChannelHandlers = {};
  #receiver: Receiver | undefined;
  #starting: Promise<void> | undefined;
  #closed = false;
  #stats = { unmatchedResponses: 0, replayedResponses: 0, retries: 0 };

  constructor(transport: Transport, options: ChannelOptions = {}) {
    if (typeof transport !== 'object' || transport === null || typeof transport.send !== 'function') {
      throw new CommsError('ERR_COMMS_INVALID_ARGUMENT', 'a channel needs a transport');
    }
    this.transport = transport;
    this.#retry = resolveRetryPolicy(options.retry);
    this.#timeoutMs = checkPositive(options.requestTimeoutMs, 30_000, 'requestTimeoutMs');
    this.#cacheSize = checkPositive(options.responseCacheSize, 1000, 'responseCacheSize');
    const from = options.from;
    this.#from = typeof from === 'string' ? () => from : from;
    this.#newId = options.newId ?? (() => newId('msg'));
  }

  /** The channel's counters. */
  get stats(): ChannelStats {
    return { pendingRequests: this.#pending.size, ...this.#stats };
  }

  /**
   * Starts receiving on the transport: responses go to the pending `request` calls, requests to
   * `onRequest`, other messages to `onMessage`. Called implicitly (without handlers) by `request`. Starting
   * again replaces the handlers.
   *
   * @example
   * ```ts
   * await channel.start({ onRequest: async (req) => ({ contentType: 'application/cms', body: await answer(req.body) }) }, { concurrency: 4 });
   * ```
   */
  async start(handlers: ChannelHandlers = {}, options?: ReceiveOptions): Promise<void> {
    if (this.#closed) throw new TransportClosedError('start');
    this.#handlers = { ...handlers };
    this.#starting ??= this.transport
      .receive((m, ctx) => this.#dispatch(m, ctx), options)
      .then((receiver) => {
        this.#receiver = receiver;
      })
      .catch((err: unknown) => {
        this.#starting = undefined;
        throw err;
      });
    await this.#starting;
  }

  /**
   * Sends a one-way message, retrying transient faults with the same id. Resolves once the transport
   * durably accepted it.
   *
   * @example
   * ```ts
   * const receipt = await channel.send({ to: 'folder:/media/usb/hub', contentType: 'application/cms', body: sdc });
   * ```
   */
  async send(
    message: OutgoingMessage,
    options: { readonly retry?: RetryPolicy; readonly signal?: AbortSignal } = {},
  ): Promise<SendReceipt> {
    if (this.#closed) throw new TransportClosedError('send');
    return this.#sendWithRetry(this.#compose(message), options.retry, options.signal);
  }

  /**
   * Sends a request and resolves with its response, or rejects: `ERR_COMMS_TIMEOUT` when none came within
   * `timeoutMs`, the send's error when it could not be sent, `ERR_COMMS_CLOSED` when the channel closed.
   * A response that comes after the deadline is acknowledged and dropped.
   *
   * @example
   * ```ts
   * const receipt = await channel.request('https://hub.example/inbox', { contentType: 'application/cms', body: sdc }, { timeoutMs: 60_000 });
   * ```
   */
  async request(
    to: string,
    message: Omit<OutgoingMessage, 'to'>,
    options: RequestOptions = {},
  ): Promise<ReceivedMessage> {
    if (this.#closed) throw new TransportClosedError('request');
    const timeoutMs = checkPositive(options.timeoutMs, this.#timeoutMs, 'timeoutMs');
    if (options.resendIntervalMs !== undefined) checkPositive(options.resendIntervalMs, 1, 'resendIntervalMs');
    if (!this.#starting) await this.start(this.#handlers);
    await this.#starting;
    const base = this.#compose({ ...message, to });
    const request: Message = { ...base, headers: { ...base.headers, [REQUEST_ID_HEADER]: base.id } };

    const controller = new AbortController();
    const abort = (reason: unknown) => controller.abort(reason);
    const onCallerAbort = () => abort(options.signal?.reason);
    const onClose = () => abort(new TransportClosedError('request'));
    options.signal?.addEventListener('abort', onCallerAbort, { once: true });
    this.#closer.signal.addEventListener('abort', onClose, { once: true });
    const timer = setTimeout(
      () => abort(new CommsTimeoutError(`no response to ${request.id} within ${timeoutMs} ms`, timeoutMs)),
      timeoutMs,
    );
    let resendTimer: NodeJS.Timeout | undefined;
    try {
      const response = new Promise<ReceivedMessage>((resolve, reject) => {
        this.#pending.set(request.id, { resolve });
        controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true });
      });
      response.catch(() => undefined);
      if (options.signal?.aborted) onCallerAbort();
      const sent = this.#sendWithRetry(request, options.retry, controller.signal);
      sent.catch((err: unknown) => abort(err));
      if (options.resendIntervalMs !== undefined) {
        const interval = options.resendIntervalMs;
        const resend = () => {
          resendTimer = setTimeout(() => {
            this.#sendWithRetry(request, options.retry, controller.signal).then(resend, () => undefined);
          }, interval);
        };
        void sent.then(resend, () => undefined);
      }
      return await response;
    } finally {
      clearTimeout(timer);
      clearTimeout(resendTimer);
      this.#pending.delete(request.id);
      options.signal?.removeEventListener('abort', onCallerAbort);
      this.#closer.signal.removeEventListener('abort', onClose);
      controller.abort(new TransportClosedError('request')); // stops pending retries and re-sends
    }
  }

  /**
   * Stops receiving and rejects pending requests with `ERR_COMMS_CLOSED`. The transport stays open (the
   * channel does not own it). Idempotent.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#closer.abort(new TransportClosedError('channel'));
    await this.#starting?.catch(() => undefined);
    await this.#receiver?.close();
  }

  #compose(message: OutgoingMessage): Message {
    if (typeof message !== 'object' || message === null) {
      throw new CommsError('ERR_COMMS_INVALID_ARGUMENT', 'a message is an object');
    }
    return {
      id: message.id ?? this.#newId(),
      from: this.#fromFor(message.to),
      to: message.to,
      contentType: message.contentType,
      body: message.body,
      headers: { ...(message.headers ?? {}) },
    };
  }

  #fromFor(to: string): string {
    if (this.#from) return this.#from(to);
    if (this.transport instanceof TransportRouter && this.transport.canSend(to)) return this.transport.addressFor(to);
    return this.transport.address;
  }

  #sendWithRetry(message: Message, policy: RetryPolicy | undefined, signal?: AbortSignal): Promise<SendReceipt> {
    return retry(() => this.transport.send(message), policy ?? this.#retry, {
      signal,
      onRetry: () => {
        this.#stats.retries++;
      },
    });
  }

  async #dispatch(message: ReceivedMessage, context: HandlerContext): Promise<HandlerResult | undefined> {
    const inReplyTo = message.headers[IN_REPLY_TO_HEADER];
    if (inReplyTo !== undefined) {
      const pending = this.#pending.get(inReplyTo);
      if (pending) {
        this.#pending.delete(inReplyTo);
        pending.resolve(message);
      } else {
        this.#stats.unmatchedResponses++;
      }
      return undefined;
    }
    if (message.headers[REQUEST_ID_HEADER] !== undefined) return this.#answer(message, context);
    const onMessage = this.#handlers.onMessage;
    if (!onMessage) return { outcome: 'rejected', reason: 'this channel takes no one-way messages' };
    return (await onMessage(message, context)) ?? undefined;
  }

  async #answer(request: ReceivedMessage, context: HandlerContext): Promise<HandlerResult | undefined> {
    const onRequest = this.#handlers.onRequest;
    if (!onRequest) return { outcome: 'rejected', reason: 'this channel answers no requests' };
    const key = `${request.from} ${request.id}`;
    for (let current = this.#answering.get(key); current; current = this.#answering.get(key)) {
      await current.catch(() => undefined);
    }
    const cached = this.#responses.get(key);
    if (cached) {
      this.#stats.replayedResponses++;
      await this.#sendWithRetry(cached, undefined, context.signal);
      return undefined;
    }
    const run = (async (): Promise<HandlerResult | undefined> => {
      const result = await onRequest(request, context);
      if (typeof result === 'object' && result !== null && 'outcome' in result) return result;
      const to = request.headers[REPLY_TO_HEADER] ?? request.from;
      const response: Message = {
        id: this.#newId(),
        from: this.#fromFor(to),
        to,
        contentType: result.contentType,
        body: result.body,
        headers: { ...(result.headers ?? {}), [IN_REPLY_TO_HEADER]: request.headers[REQUEST_ID_HEADER] ?? request.id },
      };
      // Remembered before sending, so that a retry of the request re-sends this very response (same id).
      this.#responses.set(key, response);
      while (this.#responses.size > this.#cacheSize)
        this.#responses.delete(this.#responses.keys().next().value as string);
      await this.#sendWithRetry(response, undefined, context.signal);
      return undefined;
    })();
    this.#answering.set(key, run);
    try {
      return await run;
    } finally {
      this.#answering.delete(key);
    }
  }
}

function checkPositive(value: number | undefined, fallback: number, name: string): number {
  const v = value ?? fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
    throw new CommsError('ERR_COMMS_INVALID_ARGUMENT', `${name} is a positive number`);
  }
  return v;
}
