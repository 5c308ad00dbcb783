import { Money } from '@semper/core';
import { afterEach, describe, expect, it } from 'vitest';
import { DecoyPaymentModule, PaymentTestWorld } from './testing.js';

const fixture = () => ({
  // one note module at both sides
  amount: Money.parse('5.00', 'EUR'),
  party: async (env: { party: string }) => {
    const module = new DecoyPaymentModule(['EUR'], 'test.note');
    return { module, purse: await module.openPurse(env.party) };
  },
});

let worlds: PaymentTestWorld[] = [];
afterEach(async () => {
  for (const w of worlds) await w.close();
  worlds = [];
});

describe('PaymentManager', () => {
  it('runs a sale between two parties', async () => {
    const w = await PaymentTestWorld.create(fixture());
    worlds.push(w);
    const { payee, payer, transactionId } = await w.pay(Money.parse('5.00', 'EUR'));
    expect(payee).toMatchObject({ status: 'fulfilled', value: { status: 'captured', transactionId } });
    expect(payer).toMatchObject({ status: 'fulfilled', value: { status: 'captured', transactionId } });
  });
});
