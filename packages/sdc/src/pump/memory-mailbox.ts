import type { SendReceipt } from '@semper/comms';
import type { SdcIncoming, SdcIntakeResult, SdcMailbox, SdcOutgoing, SdcSendFailure } from './mailbox.js';

/**
 * An {@link SdcMailbox} in memory, for tests and demos of the pump: an outbox in insertion order, an inbox
 * keyed by message id (a second delivery of an id is a `duplicate`), and what was sent and failed. Not
 * durable: a party's real mailbox is its database (the secure data services' outbox and inbox tables).
 *
 * @example
 * ```ts
 * import { MemorySdcMailbox } from '@semper/sdc/testing';
 * const mailbox = new MemorySdcMailbox();
 * mailbox.enqueue({ id: 'sdc_1', to: 'mem:hub', body: sealed });
 * // … new SdcPump({ mailbox, transport }) …
 * mailbox.sent.get('sdc_1'); // the transport's receipt
 * ```
 */
export class MemorySdcMailbox implements SdcMailbox {
  /** Entries not yet sent, oldest first. */
  readonly outbox: SdcOutgoing[] = [];
  /** Receipts of the entries sent, by id. */
  readonly sent = new Map<string, SendReceipt>();
  /** Entries that failed for good, by id. */
  readonly failed = new Map<string, SdcSendFailure>();
  /** Containers taken in, by id. */
  readonly inbox = new Map<string, SdcIncoming>();
  /** Every delivery, duplicates included, in order. */
  readonly deliveries: SdcIncoming[] = [];
  /** Decides the outcome of a delivery (default: `stored`, or `duplicate` for an id already in). */
  intake?: (message: SdcIncoming) => Promise<SdcIntakeResult | undefined>;

  /** Puts an entry in the outbox. */
  enqueue(entry: SdcOutgoing): void {
    this.outbox.push(entry);
  }

  async pending(limit: number): Promise<readonly SdcOutgoing[]> {
    return this.outbox.slice(0, limit);
  }

  async markSent(id: string, receipt: SendReceipt): Promise<void> {
    this.#remove(id);
    this.sent.set(id, receipt);
  }

  async markFailed(id: string, failure: SdcSendFailure): Promise<void> {
    this.#remove(id);
    this.failed.set(id, failure);
  }

  async deliver(message: SdcIncoming): Promise<SdcIntakeResult> {
    this.deliveries.push(message);
    const decided = await this.intake?.(message);
    if (decided?.outcome === 'rejected') return decided;
    if (this.inbox.has(message.id)) return { outcome: 'duplicate' };
    this.inbox.set(message.id, message);
    return decided ?? { outcome: 'stored' };
  }

  #remove(id: string): void {
    const at = this.outbox.findIndex((e) => e.id === id);
    if (at >= 0) this.outbox.splice(at, 1);
  }
}
