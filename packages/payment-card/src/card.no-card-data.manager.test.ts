// The no-card-data must-show once more, through two real PaymentManagers (the conformance kit's world):
// the merchant's whole party store — the payment manager's records and history, its evidence archive
// (every peer message and the merchant's gateway messages), the card module's tables — and its events,
// after sales, an authorization captured in part, a void, refunds and a decline, hold none of the card's
// data. (The kit's world keeps both parties in one PGlite, so the payer's records are searched too: the
// card lives in the wallet, and the PI leaves it encrypted.) The gateway's store does hold them.
import { Money } from '@semper/core';
import { PaymentTestWorld } from '@semper/payments/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CardFixture, createCardFixture } from './card-conformance.test-util.js';
import { dumpStore, search } from './card-data-search.test-util.js';

let fixture: CardFixture;
let world: PaymentTestWorld;
const transactions: string[] = [];
const eur = (s: string) => Money.parse(s, 'EUR');

beforeAll(async () => {
  fixture = await createCardFixture();
  world = await PaymentTestWorld.create(fixture, {}, { stepTimeoutMs: 4_000 });
  const settled = async (p: ReturnType<PaymentTestWorld['pay']>, status: string) => {
    const r = await p;
    transactions.push(r.transactionId);
    for (const side of [r.payee, r.payer]) {
      if (side.status === 'rejected') throw side.reason;
      expect(side.value.status).toBe(status);
    }
    return r.transactionId;
  };
  await settled(world.pay(eur('10.00')), 'captured');
  const t2 = await settled(world.pay(eur('20.00'), { mode: 'authorize' }), 'authorized');
  expect((await world.payee.manager.capture(t2, { idempotencyKey: `${t2}.c`, amount: eur('15.00') })).status).toBe(
    'captured',
  );
  const t3 = await settled(world.pay(eur('5.00'), { mode: 'authorize' }), 'authorized');
  expect((await world.payee.manager.void(t3, { idempotencyKey: `${t3}.v` })).status).toBe('voided');
  const t4 = await settled(world.pay(eur('12.00')), 'captured');
  expect((await world.payee.manager.refund(t4, { idempotencyKey: `${t4}.r`, amount: eur('2.00') })).status).toBe(
    'refunded',
  );
  await settled(world.pay(eur('99.00')), 'declined'); // over the card's remaining 55.00
  await fixture.faults?.declineNext?.();
  await settled(world.pay(eur('1.00')), 'declined'); // blocked
}, 180_000);

afterAll(async () => world?.close());

describe('no card data at the merchant (through the payment managers)', () => {
  it("the merchant's party store, archive bundles and events hold no PAN, expiry or CVV", async () => {
    const card = fixture.card();
    if (card === undefined) throw new Error('no card');
    const haystacks = await dumpStore(world.payee.store, 'payee store');
    const tables = haystacks.map((h) => h.where);
    expect(tables.some((t) => t.includes(':archive_records.content'))).toBe(true);
    expect(tables.some((t) => t.includes(':card_merchant_payments.pi_envelope'))).toBe(true);
    expect(tables.some((t) => /:payment/.test(t))).toBe(true); // the manager's own tables
    for (const tx of transactions) {
      const bundle = await world.payee.archive.exportBundle(tx);
      haystacks.push({ where: `payee bundle ${tx}`, text: Buffer.from(bundle).toString('latin1') });
    }
    haystacks.push({ where: 'payee events', text: JSON.stringify(world.payee.events) });
    const archived = await world.payee.archive.records({});
    expect(archived.some((r) => r.step.includes('gateway.sent.card.gw.authorize'))).toBe(true);
    expect(archived.some((r) => r.step.includes('purchase-request'))).toBe(true);
    expect(search(haystacks, [card])).toEqual([]);
  });

  it("the gateway's store does hold them (the search finds what it looks for)", async () => {
    const card = fixture.card();
    if (card === undefined) throw new Error('no card');
    const found = search(await dumpStore(fixture.gatewayStore, 'gateway store'), [card]).map((f) => f.what);
    expect(found).toEqual(expect.arrayContaining(['PAN digits', 'expiry YYYY-MM', 'CVV digits']));
  });
});
