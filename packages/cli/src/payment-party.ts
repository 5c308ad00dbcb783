// A party of the payments block for the CLI: an ecash wallet folder, its PaymentManager (payer or payee) on an
// HTTP channel of its own, the evidence archive in the wallet's database. `semper shop serve` and `semper pay`
// (to a running payee) are built on it.
import type { Channel, HttpTransport } from '@semper/comms';
import type { ChainValidator, Identity } from '@semper/crypto';
import type { PaymentManager } from '@semper/payments';
import type { PolicyTrustedIo } from '@semper/trusted-io';
import { openCliWallet } from './wallet.command.js';

/** Invoice requests: a payer asks a payee to request the payment of an invoice (an order) it knows. */
export const INVOICE_CONTENT_TYPE = 'application/vnd.semper.invoice-request+json';

/** What a payer asks of a payee (the request body) and what the payee answers. */
export interface InvoiceRequest {
  readonly v: 1;
  readonly reference: string;
}
export type InvoiceAnswer =
  | { readonly v: 1; readonly status: 'requested'; readonly transactionId: string }
  | { readonly v: 1; readonly status: 'unknown' | 'paid' | 'busy'; readonly reason: string };

export interface PaymentPartyOptions {
  /** The wallet folder (its account at the mint, its database). */
  readonly wallet: string;
  /** The party id; default the wallet's account id. */
  readonly party?: string;
  /** Signs the payee's requests. */
  readonly identity?: Identity;
  /** The payer's trust in payees' certificates. */
  readonly trust?: ChainValidator;
  /** The party's trusted-io, or a function of the wallet's currency that makes it. */
  readonly trustedIo: PolicyTrustedIo | ((currency: string) => PolicyTrustedIo);
  /** Where the party's channel listens (default 127.0.0.1, a free port, `/semper/pay`). */
  readonly listen?: { readonly port?: number; readonly host?: string; readonly path?: string };
  /** Whether the manager is the channel's only handler (payer: true; the shop routes itself). */
  readonly attachChannel: boolean;
  readonly stepTimeoutMs?: number;
}

export interface PaymentParty {
  readonly manager: PaymentManager;
  readonly channel: Channel;
  readonly transport: HttpTransport;
  readonly currency: string;
  readonly party: string;
  close(): Promise<void>;
}

/** Opens a wallet folder as a payments party (ecash module, purse, archive, manager on its own HTTP channel). */
export async function openPaymentParty(o: PaymentPartyOptions): Promise<PaymentParty> {
  const w = await openCliWallet(o.wallet);
  const closers: Array<() => Promise<void>> = [() => w.close()];
  const close = async () => {
    for (const c of closers.reverse()) await c().catch(() => undefined);
  };
  try {
    const [{ openArchive }, { Channel, openHttpTransport }, { createPaymentManager }, { EcashPaymentModule }] =
      await Promise.all([
        import('@semper/archive'),
        import('@semper/comms'),
        import('@semper/payments'),
        import('@semper/payment-ecash'),
      ]);
    const party = o.party ?? w.config.account;
    const transport = await openHttpTransport({
      listen: { port: o.listen?.port ?? 0, host: o.listen?.host ?? '127.0.0.1', path: o.listen?.path ?? '/semper/pay' },
    });
    closers.push(() => transport.close());
    const channel = new Channel(transport);
    closers.push(() => channel.close());
    const archive = await openArchive({ store: w.store, name: `payments-${party}` });
    const module = new EcashPaymentModule(w.mint, { currencies: [w.config.currency] });
    const purse = await module.openPurse(party, { wallet: w.wallet });
    const manager = createPaymentManager({
      party,
      modules: [module],
      purses: [purse],
      store: w.store,
      archive,
      trustedIo: typeof o.trustedIo === 'function' ? o.trustedIo(w.config.currency) : o.trustedIo,
      channel,
      attachChannel: o.attachChannel,
      ...(o.identity === undefined ? {} : { identity: o.identity }),
      ...(o.trust === undefined ? {} : { trust: o.trust }),
      ...(o.stepTimeoutMs === undefined ? {} : { stepTimeoutMs: o.stepTimeoutMs }),
    });
    closers.push(() => manager.close());
    await manager.start();
    return { manager, channel, transport, currency: w.config.currency, party, close };
  } catch (err) {
    await close();
    throw err;
  }
}
