import { Money } from '@semper/core';
import { openStore, type Store } from '@semper/store';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimBank } from './index.js';

const eur = (text: string) => Money.parse(text, 'EUR');
let store: Store;
let banks = 0;

beforeAll(async () => {
  store = await openStore('pglite:memory');
});
afterAll(async () => {
  await store.close();
});

async function bankWith(balances: Record<string, string>): Promise<SimBank> {
  banks += 1;
  const bank = await SimBank.open({ store, name: `unit-${banks}` });
  for (const [id, balance] of Object.entries(balances)) {
    await bank.openAccount({ id, owner: `owner-${id}`, currency: 'EUR', balance: eur(balance) });
  }
  return bank;
}

async function available(bank: SimBank, id: string): Promise<string> {
  return (await bank.account(id))?.available.toString() ?? 'none';
}

describe('SimBank', () => {
  it('transfers atomically and declines (returned) what the balance does not cover', async () => {
    const bank = await bankWith({ A: '10.00', B: '0' });
    const ok = await bank.transfer({ key: 't1', from: 'A', to: 'B', amount: eur('7.50') });
    expect(ok.status).toBe('done');
    const no = await bank.transfer({ key: 't2', from: 'A', to: 'B', amount: eur('2.51') });
    expect(no).toMatchObject({ status: 'declined', reason: 'insufficient-funds' });
    expect(await available(bank, 'A')).toBe('2.50 EUR');
    expect(await available(bank, 'B')).toBe('7.50 EUR');
  });

  it('answers a repeated key with the first answer, and refuses the key for another operation', async () => {
    const bank = await bankWith({ A: '10.00', B: '0' });
    const first = await bank.transfer({ key: 'k', from: 'A', to: 'B', amount: eur('4.00') });
    const again = await bank.transfer({ key: 'k', from: 'A', to: 'B', amount: eur('4.00') });
    expect(again.operation?.at.getTime()).toBe(first.operation?.at.getTime());
    expect(await available(bank, 'A')).toBe('6.00 EUR');
    await expect(bank.transfer({ key: 'k', from: 'A', to: 'B', amount: eur('5.00') })).rejects.toMatchObject({
      code: 'ERR_SIM_KEY_REUSED',
    });
  });

  it('never overdraws an account under concurrent payments, and keeps the money total', async () => {
    const bank = await bankWith({ A: '10.00', B: '0', C: '0' });
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        bank.transfer({ key: `c${i}`, from: 'A', to: i % 2 ? 'B' : 'C', amount: eur('1.00') }),
      ),
    );
    expect(results.filter((r) => r.status === 'done').length).toBe(10);
    expect(results.filter((r) => r.status === 'declined').length).toBe(2);
    expect(await available(bank, 'A')).toBe('0.00 EUR');
    expect((await bank.totalBalance('EUR')).toString()).toBe('10.00 EUR');
  });

  it('holds, captures part and releases the rest; a second capture or a release after it is declined', async () => {
    const bank = await bankWith({ A: '10.00', B: '0' });
    expect((await bank.hold({ key: 'h', from: 'A', to: 'B', amount: eur('6.00') })).status).toBe('done');
    expect(await available(bank, 'A')).toBe('4.00 EUR');
    expect((await bank.capture({ key: 'c', holdKey: 'h', amount: eur('5.00') })).status).toBe('done');
    expect(await available(bank, 'A')).toBe('5.00 EUR');
    expect(await available(bank, 'B')).toBe('5.00 EUR');
    expect(await bank.capture({ key: 'c2', holdKey: 'h', amount: eur('1.00') })).toMatchObject({
      reason: 'authorization-closed',
    });
    expect(await bank.release({ key: 'r', holdKey: 'h' })).toMatchObject({ reason: 'authorization-closed' });
  });

  it('refunds at most what was captured, in parts', async () => {
    const bank = await bankWith({ A: '10.00', B: '0' });
    await bank.transfer({ key: 'p', from: 'A', to: 'B', amount: eur('3.00') });
    expect((await bank.refund({ key: 'r1', paymentKey: 'p', amount: eur('2.00') })).status).toBe('done');
    expect(await bank.refund({ key: 'r2', paymentKey: 'p', amount: eur('1.01') })).toMatchObject({
      reason: 'refund-exceeds-captured',
    });
    expect((await bank.refund({ key: 'r3', paymentKey: 'p', amount: eur('1.00') })).status).toBe('done');
    expect(await available(bank, 'A')).toBe('10.00 EUR');
  });

  it('settle leaves a tombstone: a request that arrives later under the key is declined, not done', async () => {
    const bank = await bankWith({ A: '10.00', B: '0' });
    bank.faults.delayNext(300);
    const late = bank.transfer({ key: 'slow', from: 'A', to: 'B', amount: eur('5.00') });
    const settled = await bank.settle({ key: 'slow', kind: 'transfer', amount: eur('5.00'), reason: 'abandoned' });
    expect(settled).toMatchObject({ state: 'declined', reason: 'abandoned' });
    expect(await late).toMatchObject({ status: 'declined', reason: 'abandoned' });
    expect(await available(bank, 'A')).toBe('10.00 EUR');
    // and a settled key that had been done stays done
    await bank.transfer({ key: 'fast', from: 'A', to: 'B', amount: eur('1.00') });
    expect(
      await bank.settle({ key: 'fast', kind: 'transfer', amount: eur('1.00'), reason: 'abandoned' }),
    ).toMatchObject({
      state: 'done',
    });
  });

  it('property: any sequence of transfers, holds, captures, releases and refunds conserves money and never goes negative', async () => {
    const bank = await bankWith({ A: '5.00', B: '5.00', C: '0' });
    const accounts = ['A', 'B', 'C'];
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            op: fc.constantFrom('transfer', 'hold', 'capture', 'release', 'refund'),
            from: fc.constantFrom(...accounts),
            to: fc.constantFrom(...accounts),
            cents: fc.integer({ min: 1, max: 700 }),
            ref: fc.nat(20),
          }),
          { maxLength: 12 },
        ),
        async (ops) => {
          for (const o of ops) {
            n += 1;
            const amount = Money.of(BigInt(o.cents), 'EUR');
            const key = `p${n}`;
            const target = `p${Math.max(1, n - o.ref)}`;
            if (o.from === o.to && (o.op === 'transfer' || o.op === 'hold')) continue;
            if (o.op === 'transfer') await bank.transfer({ key, from: o.from, to: o.to, amount });
            else if (o.op === 'hold') await bank.hold({ key, from: o.from, to: o.to, amount });
            else if (o.op === 'capture') await bank.capture({ key, holdKey: target, amount });
            else if (o.op === 'release') await bank.release({ key, holdKey: target });
            else await bank.refund({ key, paymentKey: target, amount });
          }
          expect((await bank.totalBalance('EUR')).toString()).toBe('10.00 EUR');
          for (const id of accounts) {
            const a = await bank.account(id);
            expect(a?.available.isNegative()).toBe(false);
            expect(a?.held.isNegative()).toBe(false);
          }
        },
      ),
      { numRuns: 15 },
    );
  });
});
