import { merge, type Observable } from 'rxjs';
import { CommsError } from './errors.js';
import type { Message } from './message.js';
import type {
  MessageHandler,
  Receiver,
  ReceiveOptions,
  RejectionReport,
  SendReceipt,
  Transport,
  TransportCapabilities,
  TransportStatus,
} from './transport.js';

/**
 * Several transports used as one {@link Transport}: `send` goes through the first transport that can send
 * to the message's `to` (by scheme: `https:` → HTTP, `folder:` → folder, `mailto:` → mail), `receive`
 * receives on every transport that can, with the same handler and options; `status$` and `rejected$` merge
 * the members' (each status names its member's address). The router owns its members: `close` closes them.
 *
 * @example
 * ```ts
 * import { createMemoryTransport, MemoryBroker, TransportRouter } from '@semper/comms';
 * const broker = new MemoryBroker();
 * const router = new TransportRouter([createMemoryTransport({ broker, name: 'hub' })]);
 * router.canSend('mem:agency'); // true
 * router.canSend('mailto:x@example.org'); // false
 * ```
 */
export class TransportRouter implements Transport {
  /** The members, in routing order. */
  readonly transports: readonly Transport[];
  readonly capabilities: TransportCapabilities;
  readonly maxMessageBytes: number;
  readonly status$: Observable<TransportStatus>;
  readonly rejected$: Observable<RejectionReport>;
  readonly #address: string | undefined;
  #closed = false;

  /** `options.address`: the router's own address (default: the first member's). */
  constructor(transports: readonly Transport[], options: { readonly address?: string } = {}) {
    if (!Array.isArray(transports) || transports.length === 0) {
      throw new CommsError('ERR_COMMS_INVALID_ARGUMENT', 'a router needs at least one transport');
    }
    this.transports = Object.freeze([...transports]);
    this.#address = options.address;
    this.capabilities = Object.freeze({
      ordering: transports.every((t) => t.capabilities.ordering === 'per-sender') ? 'per-sender' : 'none',
      storeAndForward: transports.every((t) => t.capabilities.storeAndForward),
      send: transports.some((t) => t.capabilities.send),
      receive: transports.some((t) => t.capabilities.receive),
    });
    this.maxMessageBytes = Math.min(...transports.map((t) => t.maxMessageBytes));
    this.status$ = merge<TransportStatus[]>(...transports.map((t) => t.status$));
    this.rejected$ = merge<RejectionReport[]>(...transports.map((t) => t.rejected$));
  }

  get address(): string {
    return this.#address ?? this.transports[0]!.address;
  }

  get closed(): boolean {
    return this.#closed;
  }

  canSend(to: string): boolean {
    return this.transports.some((t) => t.canSend(to));
  }

  /**
   * The member that sends to `to`; throws `ERR_COMMS_UNSUPPORTED_ADDRESS` when none does.
   *
   * @example
   * ```ts
   * router.route('https://hub.example/inbox').address; // the HTTP transport's own address
   * ```
   */
  route(to: string): Transport {
    const transport = this.transports.find((t) => t.canSend(to));
    if (!transport) {
      throw new CommsError('ERR_COMMS_UNSUPPORTED_ADDRESS', `no transport sends to '${String(to).slice(0, 120)}'`);
    }
    return transport;
  }

  /**
   * The address to give as `from` in a message to `to`: the address of the member that sends there, so
   * that the answer comes back over the same medium.
   */
  addressFor(to: string): string {
    return this.route(to).address;
  }

  async open(): Promise<void> {
    await Promise.all(this.transports.map((t) => t.open()));
  }

  async send(message: Message): Promise<SendReceipt> {
    if (this.#closed) throw new CommsError('ERR_COMMS_CLOSED', 'send() on a closed router');
    return this.route(message?.to).send(message);
  }

  async receive(handler: MessageHandler, options?: ReceiveOptions): Promise<Receiver> {
    if (this.#closed) throw new CommsError('ERR_COMMS_CLOSED', 'receive() on a closed router');
    const receivers: Receiver[] = [];
    try {
      for (const t of this.transports) if (t.capabilities.receive) receivers.push(await t.receive(handler, options));
    } catch (err) {
      await Promise.allSettled(receivers.map((r) => r.close()));
      throw err;
    }
    let active = true;
    return {
      get active() {
        return active && receivers.some((r) => r.active);
      },
      close: async () => {
        active = false;
        await Promise.allSettled(receivers.map((r) => r.close()));
      },
    };
  }

  async close(): Promise<void> {
    this.#closed = true;
    await Promise.allSettled(this.transports.map((t) => t.close()));
  }
}
