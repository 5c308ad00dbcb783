// The card side's atomicity on a real PostgreSQL server (started by test/setup/services.global.ts): two
// gateway instances with their own connection pools (like two gateway processes) on one database.
// Concurrent authorizations on one card never hold more than its balance; concurrent captures of one
// authorization never exceed it; one operation delivered to both gateways at once is done once and both
// get the same signed answer.
import { randomBytes } from 'node:crypto';
import { Money } from '@semper/core';
import { verifySignedData } from '@semper/crypto';
import { openStore, type Store } from '@semper/store';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeOnPostgres } from '../../../test/support/postgres-database.js';
import { Cardholder } from './cardholder.js';
import { createCardPki } from './card-pki.js';
import { PaymentGateway } from './gateway.server.js';
import { fromB64, type GatewayResponse, sha256, toB64 } from './messages.js';
import { signJson } from './signed.js';

const eur = (s: string) => Money.parse(s, 'EUR');
const text = (b: Uint8Array) => new TextDecoder().decode(b);

describeOnPostgres('card gateway on a PostgreSQL server', 'card', ({ url, name: database }) => {
  let storeA: Store;
  let storeB: Store;
  let gatewayA: PaymentGateway;
  let gatewayB: PaymentGateway;
  let pki: Awaited<ReturnType<typeof createCardPki>>;
  let shop: Awaited<ReturnType<typeof pki.issue>>;
  let alice: Awaited<ReturnType<typeof pki.issue>>;

  beforeAll(async () => {
    storeA = await openStore(url, { maxConnections: 20 });
    storeB = await openStore(url, { maxConnections: 20 });
    pki = await createCardPki();
    const gw = await pki.issue('gateway', 'CN=PG Gateway');
    shop = await pki.issue('merchant', 'CN=PG Shop');
    alice = await pki.issue('cardholder', 'CN=PG Alice');
    const o = {
      identity: gw,
      trust: { cardholders: pki.trust, merchants: pki.trust },
      merchants: [{ id: 'shop-1', certificate: shop.certificate }],
    };
    gatewayA = await PaymentGateway.open({ ...o, store: storeA });
    gatewayB = await PaymentGateway.open({ ...o, store: storeB });
  }, 180_000);
  afterAll(async () => {
    await storeA?.close();
    await storeB?.close();
  });

  /** An authorization request for a fresh purchase, as the merchant would forward it. */
  async function authorizeRequest(holder: Cardholder, amount: Money, transactionId: string) {
    const init = await signJson(
      {
        v: 1,
        kind: 'card.init',
        transactionId,
        merchantId: 'shop-1',
        amount: { amount: amount.amount.toString(), currency: 'EUR' },
        description: '',
        nonce: toB64(randomBytes(32)),
        gatewayChain: gatewayA.chain.map((c) => toB64(c.der)),
        at: new Date().toISOString(),
      },
      shop,
    );
    const preq = JSON.parse(text((await holder.createPurchaseRequest(init.signed)).request));
    return {
      v: 1,
      kind: 'card.gw.authorize',
      operationId: `${transactionId}.authorize`,
      merchantId: 'shop-1',
      transactionId,
      amount: { amount: amount.amount.toString(), currency: 'EUR' },
      capture: false,
      oimd: toB64(await sha256(fromB64(preq.oi))),
      dualSignature: preq.dualSignature,
      piEnvelope: preq.piEnvelope,
    };
  }

  async function send(gateway: PaymentGateway, body: unknown) {
    const response = await gateway.handle((await signJson(body, shop)).signed);
    const verified = await verifySignedData(response, { trust: pki.trust });
    return { bytes: toB64(response), result: (JSON.parse(text(verified.content)) as GatewayResponse).result };
  }

  it('20 concurrent authorizations of 50.00 on a 500.00 card, across two gateways: exactly 10 hold funds', async () => {
    const card = await gatewayA.issuer.issueCard({
      currency: 'EUR',
      balance: eur('500.00'),
      holderCertificate: alice.certificate,
    });
    const holder = new Cardholder({ identity: alice, card, trust: { merchants: pki.trust, gateways: pki.trust } });
    const requests = await Promise.all(
      Array.from({ length: 20 }, (_, i) => authorizeRequest(holder, eur('50.00'), `pg-tx-${database}-${i}`)),
    );
    const results = await Promise.all(requests.map((r, i) => send(i % 2 ? gatewayB : gatewayA, r)));
    const statuses = results.map((r) => r.result.status);
    expect(statuses.filter((s) => s === 'authorized')).toHaveLength(10);
    expect(
      results.filter((r) => r.result.status === 'declined' && r.result.reason === 'insufficient-funds'),
    ).toHaveLength(10);
    expect((await gatewayB.issuer.cardBalance(card.cardId)).available.toString()).toBe('0.00 EUR');
  });

  it('concurrent captures never exceed the authorization; one operation sent to both gateways is done once', async () => {
    const card = await gatewayA.issuer.issueCard({
      currency: 'EUR',
      balance: eur('500.00'),
      holderCertificate: alice.certificate,
    });
    const holder = new Cardholder({ identity: alice, card, trust: { merchants: pki.trust, gateways: pki.trust } });
    const auth = await send(gatewayA, await authorizeRequest(holder, eur('100.00'), `pg-cap-${database}`));
    if (auth.result.status !== 'authorized') throw new Error(`not authorized: ${auth.result.status}`);
    const authorizationId = auth.result.authorizationId;
    const capture = (operationId: string, minor: string) => ({
      v: 1,
      kind: 'card.gw.capture',
      operationId,
      merchantId: 'shop-1',
      authorizationId,
      amount: { amount: minor, currency: 'EUR' },
    });
    // One capture operation delivered to both gateways at once: done once, the same signed answer twice.
    const dup = (await signJson(capture('cap-dup', '6000'), shop)).signed;
    const [d1, d2] = await Promise.all([gatewayA.handle(dup), gatewayB.handle(dup)]);
    expect(toB64(d1)).toBe(toB64(d2));
    // Two captures that do not both fit in the 40.00 left: exactly one.
    const [a, b] = await Promise.all([
      send(gatewayA, capture('cap-a', '3000')),
      send(gatewayB, capture('cap-b', '3000')),
    ]);
    expect([a.result.status, b.result.status].sort()).toEqual(['captured', 'rejected']);
    const rejected = a.result.status === 'rejected' ? a.result : b.result;
    expect(rejected).toMatchObject({ code: 'ERR_CARD_AMOUNT_EXCEEDS_AUTHORIZED' });
    // The same refund operation delivered to both gateways at once.
    const refund = {
      v: 1,
      kind: 'card.gw.refund',
      operationId: 'refund-1',
      merchantId: 'shop-1',
      authorizationId,
      amount: { amount: '1000', currency: 'EUR' },
    };
    const signed = (await signJson(refund, shop)).signed;
    const [r1, r2] = await Promise.all([gatewayA.handle(signed), gatewayB.handle(signed)]);
    expect(toB64(r1)).toBe(toB64(r2));
    const status = await send(gatewayA, {
      v: 1,
      kind: 'card.gw.status',
      operationId: 'st-1',
      merchantId: 'shop-1',
      transactionId: `pg-cap-${database}`,
    });
    expect(status.result).toMatchObject({
      status: 'refunded',
      captured: { amount: '9000' },
      refunded: { amount: '1000' },
    });
    expect((await gatewayA.issuer.cardBalance(card.cardId)).balance.toString()).toBe('420.00 EUR');
  });
});
