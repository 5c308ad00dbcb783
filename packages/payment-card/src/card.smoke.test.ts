import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CardWorld, createCardWorld, eur } from './card.test-util.js';

let w: CardWorld;
beforeAll(async () => {
  w = await createCardWorld();
});
afterAll(async () => w?.close());

describe('smoke', () => {
  it('authorizes and captures', async () => {
    const { holder, card } = await w.cardholder();
    const r = await w.purchase(holder, eur('12.50'));
    expect(r.status).toBe('authorized');
    expect(r.answer.status).toBe('authorized');
    const c = await w.merchant.capture(r.transactionId, eur('12.50'));
    expect(c.status).toBe('captured');
    const b = await w.gateway.issuer.cardBalance((card as { cardId: string }).cardId);
    expect(b.balance.toString()).toBe('487.50 EUR');
  });
});
