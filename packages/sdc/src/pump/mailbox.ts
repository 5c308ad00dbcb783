import type { SendReceipt } from '@semper/comms';

/**
 * A container waiting in the local outbox, as the pump sends it.
 *
 * @example
 * ```ts
 * import type { SdcOutgoing } from '@semper/sdc';
 * const entry: SdcOutgoing = { id: 'sdc_01J…', to: 'mailto:hub@example.org', body: sealed };
 * ```
 */
export interface SdcOutgoing {
  /**
   * The message id on the transport: stable for this container (its container id), so that a container
   * sent again after a crash is the same message and the receiver absorbs the duplicate.
   */
  readonly id: string;
  /** The recipient's transport address (`folder:/media/usb/hub`, `mailto:hub@example.org`, `https://…`). */
  readonly to: string;
  /** The sealed container (DER). */
  readonly body: Uint8Array;
  /** The content type on the wire (default `SDC_SMIME_CONTENT_TYPE`: S/MIME authEnveloped-data). */
  readonly contentType?: string;
  /** Small unauthenticated metadata for the transport envelope (`[a-z0-9-]` names). */
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * A container as the transport delivered it, handed to the mailbox's intake.
 *
 * @example
 * ```ts
 * import type { SdcIncoming } from '@semper/sdc';
 * const describe = (m: SdcIncoming) => `${m.id} from ${m.from} via ${m.via} (${m.body.length} bytes)`;
 * ```
 */
export interface SdcIncoming {
  /** The transport message id (the sender's container id): the key of exactly-once intake. */
  readonly id: string;
  /** The sender's transport address (unauthenticated: the container's signature says who sent it). */
  readonly from: string;
  /** The address it came to. */
  readonly to: string;
  /** The content type on the wire. */
  readonly contentType: string;
  /** The bytes as received (a copy: the pump never hands out a view into a transport's buffer). */
  readonly body: Uint8Array;
  /** The transport envelope's headers. */
  readonly headers: Readonly<Record<string, string>>;
  /** When the pump took it from the transport. */
  readonly receivedAt: Date;
  /** The address of the transport it came by. */
  readonly via: string;
}

/**
 * What the mailbox's intake did with a delivered container. `stored` and `duplicate` acknowledge it on the
 * transport (it is gone from the medium); `rejected` moves it aside on the transport (the bytes kept there
 * for inspection, reported on `rejected$`): return it only for bytes that can never be accepted, and only
 * after the rejection is recorded.
 *
 * @example
 * ```ts
 * import type { SdcIntakeResult } from '@semper/sdc';
 * const results: SdcIntakeResult[] = [{ outcome: 'stored' }, { outcome: 'duplicate' }, { outcome: 'rejected', reason: 'ERR_SDC_MALFORMED' }];
 * ```
 */
export type SdcIntakeResult =
  | { readonly outcome: 'stored' }
  | { readonly outcome: 'duplicate' }
  | { readonly outcome: 'rejected'; readonly reason: string };

/**
 * Why an outgoing container could never be sent (too large for the transport, an address no transport
 * serves, refused by the receiving side for good).
 *
 * @example
 * ```ts
 * import type { SdcSendFailure } from '@semper/sdc';
 * const failure: SdcSendFailure = { code: 'ERR_COMMS_TOO_LARGE', message: 'body is 8 MiB, the limit 7 MiB' };
 * ```
 */
export interface SdcSendFailure {
  readonly code: string;
  readonly message: string;
}

/**
 * The local side of the pump: a party's outbox and inbox, usually tables in its database (the secure data
 * services keep them). The pump relies on this contract for never losing a container:
 *
 * - `pending` lists outbox entries not yet marked sent, oldest first (the same entries again after a crash);
 * - `markSent` is called only after the transport durably accepted the container; until it commits, the
 *   entry stays pending and is sent again (same id) by the next run: the receiver absorbs the duplicate;
 * - `markFailed` records a permanent failure (the entry is no longer pending);
 * - `deliver` stores a received container **durably** (committed) before it resolves — the pump acknowledges
 *   it on the transport only then — and is idempotent by `id`: a container delivered twice (mail does that)
 *   is `duplicate`, never stored twice. A transient fault (the database is down) is thrown: the transport
 *   keeps the container and delivers it again.
 *
 * @example
 * ```ts
 * import type { SdcMailbox } from '@semper/sdc';
 * const mailbox: SdcMailbox = {
 *   pending: async (limit) => outbox.slice(0, limit),
 *   markSent: async (id) => { outbox = outbox.filter((e) => e.id !== id); },
 *   markFailed: async (id) => { outbox = outbox.filter((e) => e.id !== id); },
 *   deliver: async (m) => (inbox.has(m.id) ? { outcome: 'duplicate' } : (inbox.set(m.id, m.body), { outcome: 'stored' })),
 * };
 * ```
 */
export interface SdcMailbox {
  /** Up to `limit` outbox entries waiting to be sent, oldest first. */
  pending(limit: number): Promise<readonly SdcOutgoing[]>;
  /** Records that `id` was durably accepted by the transport; resolves once that is committed. */
  markSent(id: string, receipt: SendReceipt): Promise<void>;
  /** Records that `id` can never be sent; resolves once that is committed. */
  markFailed(id: string, failure: SdcSendFailure): Promise<void>;
  /** Takes a received container in; resolves once it is committed (see {@link SdcIntakeResult}). */
  deliver(message: SdcIncoming): Promise<SdcIntakeResult>;
  /**
   * Optional: called at the start of every run, before the outbox is read — process what the inbox holds
   * (open, check, apply, answer: the answers land in the outbox and leave in the same run). A throw ends
   * the run (backoff).
   */
  process?(): Promise<unknown>;
}
