// Denomination keys rotate and expire: a key signs withdrawals in its window, its coins are accepted until
// its deposit-until, the wallet renews coins of retired keys by refreshing them.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createPlanchet } from './coin.js';
import { withdrawDigest } from './digests.js';
import { eur, openPayeeAccount, openTestMint, openTestWallet, type TestMint } from './ecash.test-util.js';
import { toBase64Url } from './encoding.js';
import { callMint } from './mint.client.js';
import { signEd25519 } from './coin.js';
import { importBlindRsaPublicKey } from './blind-rsa.js';
import { bytesOf } from './messages.js';
import type { EcashWallet } from './wallet.js';

// Denomination keys from the test key cache (blind-rsa.test-util.ts): distinct pairs, not generated per mint.
vi.mock('./blind-rsa.js', async (importOriginal) =>
  (await import('./blind-rsa.test-util.js')).withCachedKeyGeneration(await importOriginal()),
);

const DAY = 86_400_000;
let t: TestMint;
let wallet: EcashWallet;
let aliceKey: { privateKey: Uint8Array };

beforeAll(async () => {
  t = await openTestMint({
    denominations: [{ currency: 'EUR', values: [1, 2, 5] }],
    withdrawPeriodMs: 10 * DAY,
    depositGraceMs: 20 * DAY,
    rotationLeadMs: 2 * DAY,
  });
  const alice = await openTestWallet(t, 'alice', 10_000n);
  wallet = alice.wallet;
  aliceKey = alice.key;
  await openPayeeAccount(t, 'shop');
}, 180_000);
afterAll(async () => {
  await wallet?.store.close();
  await t?.close();
});

describe('denomination keys', () => {
  it('publishes one key per denomination with withdraw-until and deposit-until', async () => {
    const { keys } = await callMint(t.client, { type: 'keys' });
    expect(keys.map((k) => k.value).sort()).toEqual(['1', '2', '5']);
    for (const k of keys) {
      expect(Date.parse(k.withdrawUntil) - Date.parse(k.validFrom)).toBe(10 * DAY);
      expect(Date.parse(k.depositUntil) - Date.parse(k.withdrawUntil)).toBe(20 * DAY);
      expect(k.variant).toBe('RSABSSA-SHA384-PSS-Randomized');
    }
  });

  it('rotates: no new key while the current one has more than the lead left, then one per denomination', async () => {
    expect((await wallet.withdraw(eur(8))).status).toBe('withdrawn'); // coins of the first keys
    t.clock.advance(7 * DAY);
    expect((await t.mint.rotateKeys()).created).toEqual([]);
    t.clock.advance(1.5 * DAY); // 8.5 days: 1.5 days left < 2 days lead
    const { created } = await t.mint.rotateKeys();
    expect(created).toHaveLength(3);
    const { keys } = await callMint(t.client, { type: 'keys' });
    expect(keys).toHaveLength(6);
    const next = keys.filter((k) => created.includes(k.keyId));
    // The new keys overlap the old ones by the lead, so there is never a gap.
    for (const k of next) expect(Date.parse(k.validFrom)).toBe(Date.parse('2030-01-01T00:00:00Z') + 8 * DAY);
    expect((await t.mint.rotateKeys()).created).toEqual([]);
  });

  it('refuses withdrawals with a key whose window is over, and accepts its coins until deposit-until', async () => {
    t.clock.advance(2 * DAY); // day 10.5: the first keys no longer sign
    const { keys } = await callMint(t.client, { type: 'keys' });
    const old = keys.find((k) => k.value === '1' && Date.parse(k.withdrawUntil) <= t.clock.now().getTime())!;
    const planchet = await createPlanchet({
      keyId: old.keyId,
      currency: 'EUR',
      value: 1n,
      publicKey: await importBlindRsaPublicKey(bytesOf(old.publicKey)),
    });
    const body = {
      type: 'withdraw' as const,
      account: 'alice',
      requestId: 'old-key',
      at: t.clock.now().toISOString(),
      planchets: [{ keyId: old.keyId, blindedMsg: toBase64Url(planchet.blindedMsg) }],
    };
    const signature = toBase64Url(await signEd25519(aliceKey.privateKey, await withdrawDigest(body)));
    expect(await t.client.request({ ...body, signature })).toMatchObject({
      type: 'error',
      code: 'ERR_ECASH_DENOMINATION_EXPIRED',
    });
    // The wallet itself picks the new keys.
    expect((await wallet.withdraw(eur(3))).status).toBe('withdrawn');
    const oldCoins = (await wallet.coins('unspent')).filter(
      (c) => keys.find((k) => k.keyId === c.keyId)?.withdrawUntil === old.withdrawUntil,
    );
    expect(oldCoins.length).toBeGreaterThan(0);
    // An old coin still pays.
    const paid = await wallet.prepareSpend({
      spendId: 'old-coin',
      amount: eur(oldCoins[0]!.value),
      payee: { account: 'shop', reference: 'o' },
      coins: [oldCoins[0]!],
    });
    expect(await t.client.request(paid.request)).toMatchObject({ status: 'accepted' });
  });

  it('renews coins of retired keys by a refresh, before their deposit-until', async () => {
    const before = await wallet.balance();
    const settled = await wallet.refresh();
    expect(settled).toMatchObject({ status: 'accepted' });
    expect((await wallet.balance()).amount).toBe(before.amount);
    const { keys } = await callMint(t.client, { type: 'keys' });
    const now = t.clock.now().getTime();
    for (const c of await wallet.coins('unspent')) {
      expect(Date.parse(keys.find((k) => k.keyId === c.keyId)!.withdrawUntil)).toBeGreaterThan(now);
    }
  });

  it('refuses coins after their key expired (deposit-until), and stops listing the key', async () => {
    // A copy of an old coin, kept past its deposit-until.
    const expiredKeys = (await callMint(t.client, { type: 'keys' })).keys.filter(
      (k) => Date.parse(k.withdrawUntil) <= t.clock.now().getTime(),
    );
    expect(expiredKeys).toHaveLength(3);
    const oldSpent = (await wallet.coins('spent')).filter((c) => expiredKeys.some((k) => k.keyId === c.keyId));
    expect(oldSpent.length).toBeGreaterThan(0);
    t.clock.advance(21 * DAY); // past day 30
    const { keys } = await callMint(t.client, { type: 'keys' });
    expect(keys.some((k) => expiredKeys.some((e) => e.keyId === k.keyId))).toBe(false);
    const coin = oldSpent[0]!;
    const request = {
      type: 'spend' as const,
      spendId: 'expired-coin',
      coins: [
        {
          keyId: coin.keyId,
          coinPub: toBase64Url(coin.coinPub),
          prefix: toBase64Url(coin.prefix),
          signature: toBase64Url(coin.signature),
          spendSignature: toBase64Url(new Uint8Array(64)),
        },
      ],
      credit: { account: 'shop', amount: coin.value.toString(), currency: 'EUR', reference: 'x' },
      change: [],
    };
    expect(await t.client.request(request)).toMatchObject({
      type: 'spend',
      status: 'rejected',
      reason: 'coin-expired',
    });
  });
});
