// Double spending is detected in 100% of attempts: sequentially (every coin of 200 spent twice) and
// concurrently (50 coins each spent to two payees at the same time).
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { eur, openPayeeAccount, openTestMint, openTestWallet, type TestMint } from './ecash.test-util.js';
import type { MintResponseOf } from './messages.js';
import { EcashWallet } from './wallet.js';

// Denomination keys from the test key cache (blind-rsa.test-util.ts): distinct pairs, not generated per mint.
vi.mock('./blind-rsa.js', async (importOriginal) =>
  (await import('./blind-rsa.test-util.js')).withCachedKeyGeneration(await importOriginal()),
);

let t: TestMint;
let honest: EcashWallet;
let clone: EcashWallet;

/** Withdraws `count` coins of 1 cent into `wallet`, in requests of 50. */
async function withdrawCoins(wallet: EcashWallet, count: number) {
  for (let left = count; left > 0; left -= 50) {
    const outcome = await wallet.withdraw(eur(Math.min(50, left)));
    expect(outcome.status).toBe('withdrawn');
  }
}

beforeAll(async () => {
  t = await openTestMint({ denominations: [{ currency: 'EUR', values: [1] }] });
  const alice = await openTestWallet(t, 'alice', 1_000n);
  honest = alice.wallet;
  // The cheat: a second wallet holding copies of the same coins (as if the wallet file had been copied),
  // loaded from the honest wallet's snapshot. It lives under its own name in the honest wallet's store
  // (wallets are keyed by name), which spares opening another PGlite database (seconds of CPU each).
  clone = await EcashWallet.open({
    store: honest.store,
    mint: t.client,
    currency: 'EUR',
    name: 'clone',
    clock: t.clock,
  });
  await openPayeeAccount(t, 'shop');
  await openPayeeAccount(t, 'other-shop');
}, 120_000);
afterAll(async () => {
  await honest?.store.close();
  await t?.close();
});

describe('double spending', () => {
  it('is detected for every one of 200 coins spent a second time (sequential), and never credited twice', async () => {
    await withdrawCoins(honest, 200);
    await clone.load(await honest.snapshot());
    const coins = await honest.coins('unspent');
    expect(coins).toHaveLength(200);
    const before = (await t.mint.accountBalance('shop')).amount;
    let accepted = 0;
    let detected = 0;
    let replayed = 0;
    for (const [i, coin] of coins.entries()) {
      const first = await honest.prepareSpend({
        spendId: `seq-a-${i}`,
        amount: eur(1),
        payee: { account: 'shop', reference: `a-${i}` },
        coins: [coin],
      });
      const ok = await t.client.request(first.request);
      if (ok.type === 'spend' && ok.status === 'accepted') accepted++;
      // The same request again (a payee retrying) is answered from the record, not credited again.
      const again = await t.client.request(first.request);
      if (again.type === 'spend' && again.status === 'accepted' && again.spendDigest === first.digest) replayed++;
      // The copy of the coin, spent elsewhere (alternating: the same shop with another reference, another shop).
      const payee = i % 2 === 0 ? 'shop' : 'other-shop';
      const second = await clone.prepareSpend({
        spendId: `seq-b-${i}`,
        amount: eur(1),
        payee: { account: payee, reference: `b-${i}` },
        coins: [coin],
      });
      const answer = await t.client.request(second.request);
      if (answer.type === 'spend' && answer.status === 'rejected' && answer.reason === 'double-spent') detected++;
      const settled = await clone.settleSpend(second.spendId, answer as MintResponseOf<'spend'>);
      expect(settled).toMatchObject({ status: 'rejected', reason: 'double-spent', lostCoins: 1 });
    }
    expect({ accepted, replayed, detected }).toEqual({ accepted: 200, replayed: 200, detected: 200 });
    expect((await t.mint.accountBalance('shop')).amount - before).toBe(200n);
    expect((await t.mint.accountBalance('other-shop')).amount).toBe(0n);
  });

  it('lets exactly one of two concurrent deposits of one coin win, for each of 50 coins (100 requests in flight)', async () => {
    const fresh = await EcashWallet.open({
      store: honest.store,
      mint: t.client,
      currency: 'EUR',
      name: 'concurrent',
      clock: t.clock,
      account: undefined,
    });
    void fresh;
    await withdrawCoins(honest, 50);
    await clone.load(await honest.snapshot());
    const coins = await honest.coins('unspent');
    expect(coins).toHaveLength(50);
    const shopBefore = (await t.mint.accountBalance('shop')).amount;
    const otherBefore = (await t.mint.accountBalance('other-shop')).amount;
    const pairs = await Promise.all(
      coins.map(async (coin, i) => {
        const a = await honest.prepareSpend({
          spendId: `con-a-${i}`,
          amount: eur(1),
          payee: { account: 'shop', reference: `ca-${i}` },
          coins: [coin],
        });
        const b = await clone.prepareSpend({
          spendId: `con-b-${i}`,
          amount: eur(1),
          payee: { account: 'other-shop', reference: `cb-${i}` },
          coins: [coin],
        });
        return [a.request, b.request] as const;
      }),
    );
    const answers = await Promise.all(pairs.map(([a, b]) => Promise.all([t.client.request(a), t.client.request(b)])));
    let exactlyOne = 0;
    for (const [a, b] of answers) {
      const wins = [a, b].filter((r) => r.type === 'spend' && r.status === 'accepted').length;
      const doubles = [a, b].filter(
        (r) => r.type === 'spend' && r.status === 'rejected' && r.reason === 'double-spent',
      ).length;
      if (wins === 1 && doubles === 1) exactlyOne++;
    }
    expect(exactlyOne).toBe(50);
    const credited =
      (await t.mint.accountBalance('shop')).amount -
      shopBefore +
      ((await t.mint.accountBalance('other-shop')).amount - otherBefore);
    expect(credited).toBe(50n);
    const [row] = await t.store.query<{ n: bigint }>('SELECT count(*)::bigint AS n FROM ecash_spent_coins');
    expect(row?.n).toBe(250n);
  });

  it('refuses a spend that repeats one coin inside itself, and a forged coin, without recording anything', async () => {
    await withdrawCoins(honest, 2);
    const [coin] = await honest.coins('unspent');
    const prepared = await honest.prepareSpend({
      spendId: 'dup-1',
      amount: eur(1),
      payee: { account: 'shop', reference: 'dup' },
      coins: [coin!],
    });
    const doubled = { ...prepared.request, coins: [prepared.request.coins[0]!, prepared.request.coins[0]!] };
    const answer = await t.client.request(doubled);
    expect(answer).toMatchObject({ type: 'error', code: 'ERR_ECASH_MALFORMED_MESSAGE' });
    const forged = {
      ...prepared.request,
      coins: [
        {
          ...prepared.request.coins[0]!,
          signature: prepared.request.coins[0]!.signature.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')),
        },
      ],
    };
    expect(await t.client.request(forged)).toMatchObject({ type: 'spend', status: 'rejected', reason: 'invalid-coin' });
    expect(await t.client.request(prepared.request)).toMatchObject({ type: 'spend', status: 'accepted' });
  });
});
