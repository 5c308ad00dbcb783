// The card module's conformance fixture: a brand PKI, a gateway (with its issuer simulator) in the fixture
// — it survives the kit's simulated crashes — and, per party, the merchant on the payee's store or the
// cardholder's card, each with a memory-transport channel to the gateway.
import { Channel, createMemoryTransport, MemoryBroker } from '@semper/comms';
import { Money } from '@semper/core';
import type { Identity } from '@semper/crypto';
import type { PaymentRole } from '@semper/payments/spi';
import type { ConformanceFixture } from '@semper/payments/testing';
import { openStore, type Store } from '@semper/store';
import { CARD_STEPS, CardPaymentModule } from './card.payment-module.js';
import { type CardPki, createCardPki } from './card-pki.js';
import { PaymentGateway } from './gateway.server.js';
import type { IssuedCard } from './issuer.js';
import { CardMerchant } from './merchant.js';

export interface CardFixture extends ConformanceFixture {
  /** The card issued to the payer (once the first party was built). */
  card(): IssuedCard | undefined;
  readonly gatewayStore: Store;
}

type CardIdentities = { pki: CardPki; gatewayIdentity: Identity; merchantIdentity: Identity; alice: Identity };

// The brand PKI and the three identities are built once per test file; every fixture still gets its own
// gateway, merchant id and card. (The slow part of a fixture was the gateway's own PGlite, see below.)
let identities: Promise<CardIdentities> | undefined;
function sharedIdentities(): Promise<CardIdentities> {
  identities ??= (async () => {
    const pki = await createCardPki();
    const [gatewayIdentity, merchantIdentity, alice] = await Promise.all([
      pki.issue('gateway', 'CN=Conformance Gateway'),
      pki.issue('merchant', 'CN=Conformance Shop'),
      pki.issue('cardholder', 'CN=Conformance Cardholder'),
    ]);
    return { pki, gatewayIdentity, merchantIdentity, alice };
  })();
  return identities;
}

let fixtures = 0;

/**
 * A fresh card world for one conformance test. With the kit's `suite`, the gateway (and its issuer) live
 * in the suite's shared store — their tables are keyed by merchant id and card id, and each fixture has
 * its own merchant id (`shop-<n>`) and card — so no PGlite is opened per test. Without a suite, the
 * gateway gets a store of its own (closed with the fixture).
 */
export async function createCardFixture(suite?: { readonly store: Store }): Promise<CardFixture> {
  const { pki, gatewayIdentity, merchantIdentity, alice } = await sharedIdentities();
  fixtures += 1;
  const merchantId = `shop-${fixtures}`;
  const ownStore = suite === undefined;
  const gatewayStore = suite?.store ?? (await openStore('pglite:memory'));
  const broker = new MemoryBroker();
  const gatewayTransport = createMemoryTransport({ broker, name: 'gateway' });
  const gatewayChannel = new Channel(gatewayTransport);
  let gateway: PaymentGateway | undefined;
  let card: Awaited<ReturnType<PaymentGateway['issuer']['issueCard']>> | undefined;
  const armed: { role: PaymentRole; step: string; what: string }[] = [];
  const beforeStep = (role: PaymentRole, step: string) => {
    const i = armed.findIndex((a) => a.role === role && a.step === step);
    if (i >= 0) {
      const [a] = armed.splice(i, 1);
      throw new Error(`${a?.what} of the ${role} at ${step}`);
    }
  };
  const trust = { merchants: pki.trust, gateways: pki.trust };
  return {
    card: () => card,
    gatewayStore,
    amount: Money.parse('25.00', 'EUR'),
    async party(env) {
      if (gateway === undefined) {
        gateway = await PaymentGateway.open({
          identity: gatewayIdentity,
          store: gatewayStore,
          trust: { cardholders: pki.trust, merchants: pki.trust },
          merchants: [{ id: merchantId, certificate: merchantIdentity.certificate }],
          clock: env.clock,
        });
        await gateway.serve(gatewayChannel);
        card = await gateway.issuer.issueCard({
          currency: 'EUR',
          balance: Money.parse('100.00', 'EUR'),
          holderCertificate: alice.certificate,
          // Fixed, and unlike any amount or count in the tests: the no-card-data search cannot hit by chance.
          cvv: '7291',
          expiry: '2038-04',
        });
      }
      const gw = gateway;
      const transport = createMemoryTransport({ broker, name: `${env.role}-${env.party}-${env.generation}` });
      const channel = new Channel(transport);
      const close = async () => {
        await channel.close();
        await transport.close();
      };
      if (env.role === 'payee') {
        const merchant = await CardMerchant.open({
          identity: merchantIdentity,
          merchantId,
          store: env.store,
          channel,
          gateway: { address: gatewayTransport.address, chain: gw.chain },
          trust: { cardholders: pki.trust, gateway: pki.trust },
          clock: env.clock,
          requestTimeoutMs: 5_000,
        });
        const module = new CardPaymentModule({ trust, merchant, clock: env.clock, beforeStep });
        const purse = await module.openPurse(env.party, { balance: () => gw.merchantBalance(merchantId, 'EUR') });
        return { module, purse, close };
      }
      const module = new CardPaymentModule({
        trust,
        gateway: { channel, address: gatewayTransport.address },
        clock: env.clock,
        beforeStep,
      });
      const issued = card as NonNullable<typeof card>;
      const purse = await module.openPurse(env.party, {
        identity: alice,
        card: issued,
        balance: async () => (await gw.issuer.cardBalance(issued.cardId)).available,
      });
      return { module, purse, close };
    },
    faults: {
      async declineNext() {
        if (gateway === undefined || card === undefined) throw new Error('no gateway yet');
        await gateway.issuer.setCardStatus(card.cardId, 'blocked');
      },
      failNext(role, step) {
        armed.push({ role, step, what: 'an injected fault' });
      },
      crashSteps: [
        { role: 'payee', step: CARD_STEPS.init },
        { role: 'payer', step: CARD_STEPS.purchaseRequest },
        { role: 'payee', step: CARD_STEPS.authorize },
        { role: 'payee', step: CARD_STEPS.purchaseResponse },
        { role: 'payer', step: CARD_STEPS.purchaseResponse },
        // Inside the payee's operations: before the gateway call (nothing happened) and after it (it did,
        // but the manager never heard): recovery asks the gateway.
        ...(['capture', 'void', 'refund'] as const).flatMap((operation) => [
          { role: 'payee' as const, step: operation, operation },
          { role: 'payee' as const, step: `${operation}-done`, operation },
        ]),
      ],
      crashAt(role, step) {
        armed.push({ role, step, what: 'a simulated crash' });
      },
      clear() {
        armed.length = 0;
      },
    },
    async close() {
      await gatewayChannel.close();
      await gatewayTransport.close();
      if (ownStore) await gatewayStore.close();
    },
  };
}
