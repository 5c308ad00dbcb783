// The card module's conformance fixture: a brand PKI, a gateway (with its issuer simulator) in the fixture
// — it survives the kit's simulated crashes — and, per party, the merchant on the payee's store or the
// cardholder's card, each with a memory-transport channel to the gateway.
import { Channel, createMemoryTransport, MemoryBroker } from '@semper/comms';
import { Money } from '@semper/core';
import type { PaymentRole } from '@semper/payments/spi';
import type { ConformanceFixture } from '@semper/payments/testing';
import { openStore, type Store } from '@semper/store';
import { CARD_STEPS, CardPaymentModule } from './card.payment-module.js';
import { createCardPki } from './card-pki.js';
import { PaymentGateway } from './gateway.server.js';
import type { IssuedCard } from './issuer.js';
import { CardMerchant } from './merchant.js';

export interface CardFixture extends ConformanceFixture {
  /** The card issued to the payer (once the first party was built). */
  card(): IssuedCard | undefined;
  readonly gatewayStore: Store;
}

export async function createCardFixture(): Promise<CardFixture> {
  const pki = await createCardPki();
  const [gatewayIdentity, merchantIdentity, alice] = await Promise.all([
    pki.issue('gateway', 'CN=Conformance Gateway'),
    pki.issue('merchant', 'CN=Conformance Shop'),
    pki.issue('cardholder', 'CN=Conformance Cardholder'),
  ]);
  const broker = new MemoryBroker();
  const gatewayStore = await openStore('pglite:memory');
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
          merchants: [{ id: 'shop-1', certificate: merchantIdentity.certificate }],
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
          merchantId: 'shop-1',
          store: env.store,
          channel,
          gateway: { address: gatewayTransport.address, chain: gw.chain },
          trust: { cardholders: pki.trust, gateway: pki.trust },
          clock: env.clock,
          requestTimeoutMs: 5_000,
        });
        const module = new CardPaymentModule({ trust, merchant, clock: env.clock, beforeStep });
        const purse = await module.openPurse(env.party, { balance: () => gw.merchantBalance('shop-1', 'EUR') });
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
      await gatewayStore.close();
    },
  };
}
