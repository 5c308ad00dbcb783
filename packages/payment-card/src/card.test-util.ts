// Test fixtures: a brand PKI, a gateway (with its issuer) and a merchant on in-memory stores, talking over
// a memory transport, and cardholders with cards issued by the simulator.
import { Channel, createMemoryTransport, MemoryBroker } from '@semper/comms';
import { EventBus, ManualClock, Money, newId } from '@semper/core';
import type { Identity } from '@semper/crypto';
import { openStore, type Store } from '@semper/store';
import { type CardPki, createCardPki } from './card-pki.js';
import { type CardDetails, Cardholder } from './cardholder.js';
import type { CardEvent, CardLogEntry, CardLogger } from './events.js';
import { PaymentGateway } from './gateway.server.js';
import type { IssueCardOptions } from './issuer.js';
import { type CardEvidenceSink, CardMerchant } from './merchant.js';

export const eur = (text: string) => Money.parse(text, 'EUR');

export interface CardWorld {
  readonly pki: CardPki;
  readonly clock: ManualClock;
  readonly broker: MemoryBroker;
  readonly gatewayStore: Store;
  readonly merchantStore: Store;
  readonly gateway: PaymentGateway;
  readonly merchant: CardMerchant;
  readonly identities: { gateway: Identity; merchant: Identity; alice: Identity };
  readonly merchantLogs: CardLogEntry[];
  readonly gatewayLogs: CardLogEntry[];
  readonly merchantEvents: CardEvent[];
  readonly merchantChannel: Channel;
  /** A cardholder with a fresh card (alice's identity unless `identity`). */
  cardholder(
    o?: Partial<IssueCardOptions> & { identity?: Identity; card?: CardDetails },
  ): Promise<{ holder: Cardholder; card: CardDetails & { cardId?: string } }>;
  /** init → purchase request → merchant → gateway → answer read by the cardholder. */
  purchase(
    holder: Cardholder,
    amount: Money,
    o?: { capture?: boolean; transactionId?: string },
  ): Promise<
    Awaited<ReturnType<CardMerchant['handlePurchaseRequest']>> & {
      answer: Awaited<ReturnType<Cardholder['readPurchaseResponse']>>;
    }
  >;
  close(): Promise<void>;
}

export async function createCardWorld(
  o: {
    authorizationTtlMs?: number;
    evidence?: CardEvidenceSink;
    merchantLogger?: CardLogger;
    /**
     * Gateway and merchant on ONE PGlite (their tables do not overlap): opening a PGlite is the slow part
     * of a world. Not for tests that search the merchant's store apart from the gateway's.
     */
    oneStore?: boolean;
  } = {},
): Promise<CardWorld> {
  const pki = await createCardPki();
  const clock = new ManualClock(Date.now());
  const [gatewayId, merchantId, alice] = await Promise.all([
    pki.issue('gateway', 'CN=Test Gateway, O=Acquirer'),
    pki.issue('merchant', 'CN=Test Shop, O=Shop'),
    pki.issue('cardholder', 'CN=Alice Cardholder'),
  ]);
  const [gatewayStore, merchantStore] =
    o.oneStore === true
      ? await openStore('pglite:memory').then((one) => [one, one] as const)
      : await Promise.all([openStore('pglite:memory'), openStore('pglite:memory')]);
  const broker = new MemoryBroker();
  const gatewayTransport = createMemoryTransport({ broker, name: 'gateway' });
  const merchantTransport = createMemoryTransport({ broker, name: 'shop' });
  const gatewayLogs: CardLogEntry[] = [];
  const gateway = await PaymentGateway.open({
    identity: gatewayId,
    store: gatewayStore,
    trust: { cardholders: pki.trust, merchants: pki.trust },
    merchants: [{ id: 'shop-1', certificate: merchantId.certificate }],
    clock,
    logger: (e) => gatewayLogs.push(e),
    ...(o.authorizationTtlMs === undefined ? {} : { authorizationTtlMs: o.authorizationTtlMs }),
  });
  const gatewayChannel = new Channel(gatewayTransport);
  await gateway.serve(gatewayChannel);
  const merchantChannel = new Channel(merchantTransport);
  const merchantLogs: CardLogEntry[] = [];
  const merchantEvents: CardEvent[] = [];
  const events = new EventBus<CardEvent>(clock);
  events.events$.subscribe((e) => merchantEvents.push(e));
  const merchant = await CardMerchant.open({
    identity: merchantId,
    merchantId: 'shop-1',
    store: merchantStore,
    channel: merchantChannel,
    gateway: { address: gatewayTransport.address, chain: gateway.chain },
    trust: { cardholders: pki.trust, gateway: pki.trust },
    clock,
    logger: (e) => {
      merchantLogs.push(e);
      o.merchantLogger?.(e);
    },
    events,
    ...(o.evidence === undefined ? {} : { evidence: o.evidence }),
    requestTimeoutMs: 10_000,
  });
  const world: CardWorld = {
    pki,
    clock,
    broker,
    gatewayStore,
    merchantStore,
    gateway,
    merchant,
    identities: { gateway: gatewayId, merchant: merchantId, alice },
    merchantLogs,
    gatewayLogs,
    merchantEvents,
    merchantChannel,
    async cardholder(co = {}) {
      const identity = co.identity ?? alice;
      const card =
        co.card ??
        (await gateway.issuer.issueCard({
          currency: 'EUR',
          balance: eur('500.00'),
          perTransactionLimit: eur('200.00'),
          holderCertificate: identity.certificate,
          ...co,
        }));
      return {
        holder: new Cardholder({ identity, card, trust: { merchants: pki.trust, gateways: pki.trust }, clock }),
        card,
      };
    },
    async purchase(holder, amount, po = {}) {
      const transactionId = po.transactionId ?? newId('tx');
      const init = await merchant.createInit({ transactionId, amount, description: 'two books' });
      const { request, pending } = await holder.createPurchaseRequest(init, { amount });
      const outcome = await merchant.handlePurchaseRequest(request, { capture: po.capture ?? false });
      const answer = await holder.readPurchaseResponse(outcome.response, pending);
      return { ...outcome, answer };
    },
    async close() {
      await Promise.all([gatewayChannel.close(), merchantChannel.close()]);
      await Promise.all([gatewayTransport.close(), merchantTransport.close()]);
      await Promise.all([gatewayStore.close(), ...(merchantStore === gatewayStore ? [] : [merchantStore.close()])]);
    },
  };
  return world;
}
