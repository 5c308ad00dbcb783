import type { SendReceipt } from '@semper/comms';
import type { SdcIncoming, SdcIntakeResult, SdcMailbox, SdcOutgoing, SdcSendFailure } from './mailbox.js';

/**
 * What the pump needs of an outbox: the secure data services' `SdcOutbox` (table `sdc_outbox`) has it.
 *
 * @example
 * ```ts
 * import { SdcOutbox, type PumpOutbox } from '@semper/sdc';
 * const outbox: PumpOutbox = new SdcOutbox(store);
 * ```
 */
export interface PumpOutbox {
  pending(
    limit: number,
  ): Promise<readonly { readonly containerId: string; readonly recipient: string; readonly bytes: Uint8Array }[]>;
  markSent(containerId: string, at?: Date): Promise<unknown>;
  markFailed(containerId: string, error: string): Promise<unknown>;
}

/**
 * What the pump needs of an inbox: the secure data services' `SdcInbox` (table `sdc_inbox`) has it.
 *
 * @example
 * ```ts
 * import { SdcInbox, type PumpInbox } from '@semper/sdc';
 * const inbox: PumpInbox = new SdcInbox(store);
 * ```
 */
export interface PumpInbox {
  add(bytes: Uint8Array, source: string, at?: Date): Promise<unknown>;
}

/**
 * Options of {@link outboxMailbox}.
 *
 * @example
 * ```ts
 * import type { OutboxMailboxOptions } from '@semper/sdc';
 * const options: OutboxMailboxOptions = {
 *   outbox, inbox,
 *   addressOf: (party) => ({ hub: 'mailto:hub@example.org' })[party],
 * };
 * ```
 */
export interface OutboxMailboxOptions {
  readonly outbox: PumpOutbox;
  readonly inbox: PumpInbox;
  /**
   * The transport address of a recipient party (the outbox names parties, transports need addresses).
   * `undefined`: the recipient as written is taken as the address (an outbox that holds addresses).
   */
  readonly addressOf?: (recipient: string) => string | undefined;
  /**
   * Processes the inbox at the start of each run (the services' intake: open, check, apply, answer into the
   * outbox), e.g. `() => service.processInbox()`. Without it the pump only moves containers.
   */
  readonly process?: () => Promise<unknown>;
}

/**
 * The {@link SdcMailbox} over the secure data services' outbox and inbox tables, what a party's pump uses:
 * `pending` reads `sdc_outbox` (containers not sent), `markSent` / `markFailed` record the outcome there,
 * `deliver` inserts the received bytes in `sdc_inbox` — committed before the pump acknowledges them on the
 * transport. Delivered twice, a container is stored twice in the inbox and applied once: exactly-once is the
 * intake's (its `sdc_received` table is keyed by container id), so `deliver` always says `stored`.
 *
 * @example
 * ```ts
 * import { outboxMailbox, SdcInbox, SdcOutbox, SdcPump } from '@semper/sdc';
 * const mailbox = outboxMailbox({
 *   outbox: new SdcOutbox(store),
 *   inbox: new SdcInbox(store),
 *   addressOf: (party) => (party === 'hub' ? 'folder:/media/usb/hub' : undefined),
 * });
 * const pump = new SdcPump({ mailbox, transport });
 * ```
 */
export function outboxMailbox(options: OutboxMailboxOptions): SdcMailbox {
  const { outbox, inbox, addressOf, process } = options;
  const mailbox: SdcMailbox = {
    async pending(limit: number): Promise<readonly SdcOutgoing[]> {
      const entries = await outbox.pending(limit);
      return entries.map((e) => ({ id: e.containerId, to: addressOf?.(e.recipient) ?? e.recipient, body: e.bytes }));
    },
    async markSent(id: string, receipt: SendReceipt): Promise<void> {
      await outbox.markSent(id, receipt.acceptedAt);
    },
    async markFailed(id: string, failure: SdcSendFailure): Promise<void> {
      await outbox.markFailed(id, `${failure.code}: ${failure.message}`);
    },
    async deliver(message: SdcIncoming): Promise<SdcIntakeResult> {
      await inbox.add(message.body, `${message.via} ${message.id}`, message.receivedAt);
      return { outcome: 'stored' };
    },
  };
  if (process) mailbox.process = process;
  return mailbox;
}
