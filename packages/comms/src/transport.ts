import type { Observable } from 'rxjs';
import type { CommsErrorCode } from './errors.js';
import type { Message } from './message.js';

/**
 * A message as a receiver's handler sees it: the sender's {@link Message} (headers always present) and
 * what the receiving side knows about this delivery.
 *
 * @example
 * ```ts
 * import type { ReceivedMessage } from '@semper/comms';
 * function describe(m: ReceivedMessage): string {
 *   return `${m.id} from ${m.from} via ${m.via}, attempt ${m.attempt}`;
 * }
 * ```
 */
export interface ReceivedMessage extends Message {
  readonly headers: Readonly<Record<string, string>>;
  /**
   * 1 for the first delivery of this message id by this receiver, 2 for the next, … Counted in memory:
   * after a restart a redelivered message may start at 1 again (the transport cannot always tell), so
   * duplicates are detected by id (see `dedupe`), never by `attempt`.
   */
  readonly attempt: number;
  /** When this delivery was handed to the handler. */
  readonly receivedAt: Date;
  /** The address of the transport that received it. */
  readonly via: string;
}

/**
 * What `send` returns once the transport has **durably accepted** the message: in the broker (memory), on
 * disk and fsynced (folder), acknowledged by the receiving handler (HTTP), accepted by the SMTP server
 * (mail).
 *
 * @example
 * ```ts
 * import type { SendReceipt } from '@semper/comms';
 * const receipt: SendReceipt = await transport.send(message);
 * console.log(receipt.id, receipt.acceptedAt.toISOString(), receipt.detail);
 * ```
 */
export interface SendReceipt {
  /** The message id. */
  readonly id: string;
  /** The recipient address. */
  readonly to: string;
  /** When the transport accepted it. */
  readonly acceptedAt: Date;
  /** Where it went, for logs (a file name, an SMTP queue id, an HTTP status). Never a secret. */
  readonly detail?: string;
}

/**
 * What a {@link MessageHandler} may return. Returning nothing (or `{ outcome: 'acked' }`) acknowledges the
 * message: the transport will not deliver it again once the acknowledgement is committed on its medium
 * (at once for most; POP3 at the end of its batch, so a crash before that delivers it again — `dedupe`
 * absorbs it). So return only once your work has **committed**.
 * `rejected` moves it aside (a permanent fault: the bytes will never be acceptable); `retry` leaves it
 * with the transport to be delivered again later (after `delayMs`, or the redelivery backoff). A handler
 * that **throws** is treated as `retry` (a transient fault: the database is down…).
 *
 * @example
 * ```ts
 * import type { HandlerResult } from '@semper/comms';
 * const bad: HandlerResult = { outcome: 'rejected', reason: 'not a container' };
 * const later: HandlerResult = { outcome: 'retry', delayMs: 5000 };
 * ```
 */
export type HandlerResult =
  | { readonly outcome: 'acked' }
  | { readonly outcome: 'rejected'; readonly reason: string }
  | { readonly outcome: 'retry'; readonly delayMs?: number };

/**
 * The second argument of a {@link MessageHandler}.
 *
 * @example
 * ```ts
 * import type { HandlerContext, ReceivedMessage } from '@semper/comms';
 * async function handle(m: ReceivedMessage, { signal }: HandlerContext) {
 *   await fetch('https://example.invalid/work', { method: 'POST', body: m.body, signal });
 * }
 * ```
 */
export interface HandlerContext {
  /** Aborted when the receiver is closing: stop what can be stopped; the message is not acked then. */
  readonly signal: AbortSignal;
}

/**
 * Processes one received message; the Promise it returns decides the message's fate (see
 * {@link HandlerResult}). The transport runs at most `ReceiveOptions.concurrency` handlers at once and takes
 * no further messages from the medium while that many are running: that is the backpressure.
 *
 * @example
 * ```ts
 * import type { MessageHandler } from '@semper/comms';
 * const handler: MessageHandler = async (message) => {
 *   await db.transaction(async (tx) => applyContainer(tx, message.body)); // commit first…
 *   // …then return: the transport acknowledges.
 * };
 * ```
 */
export type MessageHandler = (
  message: ReceivedMessage,
  context: HandlerContext,
  // biome-ignore lint/suspicious/noConfusingVoidType: a handler declared `async (m): Promise<void>` must fit
) => Promise<HandlerResult | void>;

/**
 * Verifies a message before the handler sees it (and so before it can be acknowledged), e.g. its CMS
 * signature. Throwing anything moves the message aside with reason `verification-failed`.
 *
 * @example
 * ```ts
 * import type { VerifyHook } from '@semper/comms';
 * const verify: VerifyHook = async (m) => {
 *   await verifySignedData(m.body, { trust });
 * };
 * ```
 */
export type VerifyHook = (message: ReceivedMessage) => Promise<void>;

/**
 * How messages whose handler failed (threw, or returned `retry`) come back within one receiver's run:
 * after `initialDelayMs · factor^(attempt-1)`, capped at `maxDelayMs`; after `maxAttempts` failed
 * attempts the message is moved aside with reason `max-attempts`. After a restart, unacknowledged messages
 * come back regardless.
 *
 * @example
 * ```ts
 * import type { RedeliveryPolicy } from '@semper/comms';
 * const policy: RedeliveryPolicy = { initialDelayMs: 500, maxDelayMs: 60_000, maxAttempts: 20 };
 * ```
 */
export interface RedeliveryPolicy {
  /** Delay before the second attempt (default 200 ms). */
  readonly initialDelayMs?: number;
  /** The longest delay (default 30 s). */
  readonly maxDelayMs?: number;
  /** Growth per attempt (default 2). */
  readonly factor?: number;
  /** Failed attempts before the message is moved aside (default `Infinity`: never). */
  readonly maxAttempts?: number;
}

/**
 * Options of `Transport.receive`.
 *
 * @example
 * ```ts
 * import type { ReceiveOptions } from '@semper/comms';
 * const options: ReceiveOptions = { concurrency: 4, verify: async (m) => checkSignature(m.body) };
 * ```
 */
export interface ReceiveOptions {
  /**
   * Handlers in flight at once, 1 to 256 (default 1). With 1, messages are handled one after the other,
   * in the transport's order.
   */
  readonly concurrency?: number;
  /** Runs before the handler; throwing moves the message aside (`verification-failed`). */
  readonly verify?: VerifyHook;
  /** Redelivery within the run of messages whose handler failed. */
  readonly redelivery?: RedeliveryPolicy;
  /**
   * How long closing waits for handlers in flight, in ms (default 5000). A handler still running then is
   * abandoned: closing goes on without it, its message is not acked (whatever the handler returns later)
   * and comes back after a restart.
   */
  readonly drainTimeoutMs?: number;
}

/**
 * An active receive loop, returned by `Transport.receive`.
 *
 * @example
 * ```ts
 * import type { Receiver } from '@semper/comms';
 * const receiver: Receiver = await transport.receive(handler);
 * await receiver.close(); // stop taking messages; the transport can still send
 * ```
 */
export interface Receiver {
  /** `true` until {@link Receiver.close} (or the transport's `close`) was called. */
  readonly active: boolean;
  /**
   * Stops receiving: no new deliveries, waits for the handlers in flight (up to `drainTimeoutMs`).
   * Whatever is not acknowledged stays with the transport. Idempotent.
   */
  close(): Promise<void>;
}

/**
 * The states a transport reports on `status$`, for status lines and health checks:
 * - `idle`: created or opened, not receiving;
 * - `connecting`: opening a connection (SMTP, IMAP) or starting a server;
 * - `connected`: ready (a listening server, an open session, a broker attachment);
 * - `polling`: receiving by looking at the medium at intervals (folder, POP3);
 * - `backoff`: a transient fault; retrying at `retryAt`;
 * - `error`: a fault that needs attention (`error` says which);
 * - `closed`: closed for good (the last value; `status$` completes).
 *
 * @example
 * ```ts
 * import type { TransportState } from '@semper/comms';
 * const healthy = (s: TransportState) => s === 'connected' || s === 'polling' || s === 'idle';
 * ```
 */
export type TransportState = 'idle' | 'connecting' | 'connected' | 'polling' | 'backoff' | 'error' | 'closed';

/**
 * One value of `status$`.
 *
 * @example
 * ```ts
 * import type { TransportStatus } from '@semper/comms';
 * const line = (s: TransportStatus) => `${s.address} ${s.state}${s.detail ? `: ${s.detail}` : ''}`;
 * ```
 */
export interface TransportStatus {
  readonly state: TransportState;
  /** The transport's address. */
  readonly address: string;
  /** When the state was entered. */
  readonly at: Date;
  /** A short human-readable explanation ("3 messages waiting in outbox"). */
  readonly detail?: string;
  /** The fault behind `backoff` or `error`: its code and message. */
  readonly error?: { readonly code: string; readonly message: string };
  /** When the next attempt is due (`backoff`). */
  readonly retryAt?: Date;
}

/**
 * Why a received message was moved aside.
 * - `too-large`: the body is over the receiver's `maxMessageBytes`, or the raw message over the transport's
 *   raw limit (what such a body takes on the medium; checked before reading where the medium says the size);
 *   the `detail` says which limit and by how much;
 * - `malformed`: the envelope is not well-formed (bad framing, digest, fields);
 * - `verification-failed`: `ReceiveOptions.verify` threw;
 * - `rejected-by-handler`: the handler returned `{ outcome: 'rejected' }`;
 * - `max-attempts`: the handler failed `RedeliveryPolicy.maxAttempts` times.
 *
 * @example
 * ```ts
 * import type { RejectionReason } from '@semper/comms';
 * const alarming: RejectionReason[] = ['verification-failed', 'malformed'];
 * ```
 */
export type RejectionReason =
  | 'too-large'
  | 'malformed'
  | 'verification-failed'
  | 'rejected-by-handler'
  | 'max-attempts';

/**
 * A message moved aside, as reported on `rejected$`. The bytes stay where the transport moved them
 * (`location`): `failed/` of a transfer folder, the broker's dead letters, a mail folder; HTTP answers the
 * sender with a 4xx instead, so the sender keeps them.
 *
 * @example
 * ```ts
 * import type { RejectionReport } from '@semper/comms';
 * transport.rejected$.subscribe((r: RejectionReport) => log.warn(`${r.reason} ${r.messageId ?? r.ref}: ${r.detail}`));
 * ```
 */
export interface RejectionReport {
  readonly reason: RejectionReason;
  /** The code of the fault (`ERR_COMMS_TOO_LARGE`, `ERR_COMMS_MALFORMED`, `ERR_COMMS_VERIFICATION_FAILED`, `ERR_COMMS_REJECTED`). */
  readonly code: CommsErrorCode;
  /** Why, in words (the verifier's or handler's reason, the parser's message). */
  readonly detail: string;
  /** When it was moved aside. */
  readonly at: Date;
  /** The address of the transport that received it. */
  readonly via: string;
  /** The message id, when the envelope could be read. */
  readonly messageId?: string;
  /** The sender's address, when the envelope could be read (not authenticated). */
  readonly from?: string;
  /** The raw size in bytes, when known. */
  readonly size?: number;
  /** The transport's own reference to it (a file name, a mailbox UID). */
  readonly ref?: string;
  /** Where it was moved to (a path, a folder name), when the transport keeps it. */
  readonly location?: string;
}

/**
 * What a transport promises, so that callers (and the conformance suite) know what to rely on.
 *
 * @example
 * ```ts
 * import type { TransportCapabilities } from '@semper/comms';
 * const folder: TransportCapabilities = { ordering: 'per-sender', storeAndForward: true, send: true, receive: true };
 * ```
 */
export interface TransportCapabilities {
  /**
   * `per-sender`: the first deliveries of one sender's messages come in the order its `send` calls
   * resolved (with `concurrency` 1; a redelivered message may come after later ones). `none`: no order.
   */
  readonly ordering: 'per-sender' | 'none';
  /**
   * `true`: `send` resolves once the medium holds the message, whether or not a receiver runs (memory,
   * folder, mail). `false`: `send` resolves only once the receiver's handler acknowledged it (HTTP).
   */
  readonly storeAndForward: boolean;
  /** Whether `send` is implemented. */
  readonly send: boolean;
  /** Whether `receive` is implemented. */
  readonly receive: boolean;
}

/**
 * The transport contract: carry {@link Message}s to an address, and receive them **with explicit
 * acknowledgement** (at-least-once).
 *
 * - `send` returns once the message is durably accepted (see {@link SendReceipt}); it checks the
 *   envelope and `maxMessageBytes` first (`ERR_COMMS_INVALID_MESSAGE`, `ERR_COMMS_TOO_LARGE`). Sending a
 *   message again with the same id is always safe: receivers deduplicate by id.
 * - `receive(handler)` hands each message to `handler`; the message is gone from the transport only when
 *   the handler's Promise resolved (acked) or it was moved aside. Anything unacknowledged is delivered again
 *   — after the redelivery delay within the run, and after a restart of either side. So a message may be
 *   delivered more than once: wrap the handler in `dedupe`.
 * - Messages too large for the receiver, malformed, or refused by `verify` are moved aside, reported on
 *   `rejected$`, and never stop the receiver or the messages behind them.
 * - `status$` replays the current state to each subscriber, then every change; it completes on close.
 *
 * Write a transport by extending `AbstractTransport` (`@semper/comms/spi`).
 *
 * @example
 * ```ts
 * import { createMemoryTransport, MemoryBroker } from '@semper/comms';
 * const broker = new MemoryBroker();
 * const hub = createMemoryTransport({ broker, name: 'hub' });
 * const agency = createMemoryTransport({ broker, name: 'agency' });
 * await hub.receive(async (m) => console.log(new TextDecoder().decode(m.body)));
 * await agency.send({ id: 'msg_1', from: agency.address, to: hub.address, contentType: 'text/plain', body: new TextEncoder().encode('hello') });
 * ```
 */
export interface Transport {
  /** Where this transport receives (`mem:hub`, `folder:/srv/semper/hub`, `https://hub.example/inbox`, `mailto:hub@example.org`). */
  readonly address: string;
  /** What this transport promises. */
  readonly capabilities: TransportCapabilities;
  /**
   * The body limit, in bytes, enforced on send and on receive. Whatever the medium adds (an envelope, a
   * transfer encoding such as a mail's base64) is the transport's business: a body of exactly this size is
   * received.
   */
  readonly maxMessageBytes: number;
  /** The transport's state, current value first; completes after `closed`. */
  readonly status$: Observable<TransportStatus>;
  /** Every received message moved aside; completes on close. */
  readonly rejected$: Observable<RejectionReport>;
  /** Whether `close` was called. */
  readonly closed: boolean;
  /** Whether this transport can send to `to` (its scheme, and the target's form). Never throws. */
  canSend(to: string): boolean;
  /** Opens connections, servers or folders. Idempotent; `send` and `receive` call it when needed. */
  open(): Promise<void>;
  /** Sends a message; resolves once it is durably accepted. */
  send(message: Message): Promise<SendReceipt>;
  /**
   * Starts receiving; resolves once intake has started. One receiver per transport at a time. When intake
   * cannot start (a bad login, a server that is not there) it rejects, and `status$` says `error` with
   * the fault's code and message.
   */
  receive(handler: MessageHandler, options?: ReceiveOptions): Promise<Receiver>;
  /** Stops receiving (as {@link Receiver.close}), then closes everything. Idempotent. */
  close(): Promise<void>;
}
