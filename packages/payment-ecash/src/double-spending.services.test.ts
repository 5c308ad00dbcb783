// Double spending on a real PostgreSQL server (started by test/setup/services.global.ts): two mint
// instances with their own connection pools (like two mint processes) on one database, and 50 coins each
// deposited twice at the same moment, once through each mint. Exactly one deposit of each coin wins.
import { ManualClock } from '@semper/core';
import { openStore, type Store } from '@semper/store';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeOnPostgres } from '../../../test/support/postgres-database.js';
import { generateEd25519 } from './coin.js';
import { eur } from './ecash.test-util.js';
import { localMintClient } from './mint.client.js';
import { EcashMint } from './mint.server.js';
import { EcashWallet } from './wallet.js';

describeOnPostgres('ecash double spending on a PostgreSQL server', 'ecash', ({ url }) => {
  let storeA: Store;
  let storeB: Store;
  let walletStore: Store;
  let mintA: EcashMint;
  let mintB: EcashMint;
  const clock = new ManualClock('2030-01-01T00:00:00Z');

  beforeAll(async () => {
    storeA = await openStore(url, { maxConnections: 20 });
    storeB = await openStore(url, { maxConnections: 20 });
    walletStore = await openStore('pglite:memory');
    const options = { id: 'mint.pg', denominations: [{ currency: 'EUR', values: [1] }], clock };
    // Both open (and migrate) at once; the second finds the first's keys or makes its own for the same
    // denomination — either way both accept the coins of both.
    mintA = await EcashMint.open({ ...options, store: storeA });
    mintB = await EcashMint.open({ ...options, store: storeB });
  }, 180_000);
  afterAll(async () => {
    await walletStore?.close();
    await storeA?.close();
    await storeB?.close();
  });

  it('lets exactly one of two concurrent deposits of each of 50 coins commit, across two mint processes', async () => {
    const key = await generateEd25519();
    await mintA.openAccount('alice', 'EUR', key.publicKey);
    await mintA.creditAccount('alice', eur(1_000));
    for (const shop of ['shop-a', 'shop-b']) await mintA.openAccount(shop, 'EUR', (await generateEd25519()).publicKey);
    const wallet = await EcashWallet.open({
      store: walletStore,
      mint: localMintClient(mintA),
      currency: 'EUR',
      clock,
      account: { id: 'alice', privateKey: key.privateKey },
    });
    const clone = await EcashWallet.open({
      store: walletStore,
      mint: localMintClient(mintB),
      currency: 'EUR',
      clock,
      name: 'clone',
    });
    expect((await wallet.withdraw(eur(50))).status).toBe('withdrawn');
    await clone.load(await wallet.snapshot());
    const coins = await wallet.coins('unspent');
    expect(coins).toHaveLength(50);
    const pairs = [];
    for (const [i, coin] of coins.entries()) {
      const a = await wallet.prepareSpend({
        spendId: `a-${i}`,
        amount: eur(1),
        payee: { account: 'shop-a', reference: `a-${i}` },
        coins: [coin],
      });
      const b = await clone.prepareSpend({
        spendId: `b-${i}`,
        amount: eur(1),
        payee: { account: 'shop-b', reference: `b-${i}` },
        coins: [coin],
      });
      pairs.push([a.request, b.request] as const);
    }
    const clientA = localMintClient(mintA);
    const clientB = localMintClient(mintB);
    // All 100 deposits in flight at once, each coin's two deposits through different mints.
    const answers = await Promise.all(pairs.map(([a, b]) => Promise.all([clientA.request(a), clientB.request(b)])));
    let exactlyOne = 0;
    for (const [a, b] of answers) {
      const wins = [a, b].filter((r) => r.type === 'spend' && r.status === 'accepted').length;
      const doubles = [a, b].filter(
        (r) => r.type === 'spend' && r.status === 'rejected' && r.reason === 'double-spent',
      ).length;
      if (wins === 1 && doubles === 1) exactlyOne++;
    }
    expect(exactlyOne).toBe(50);
    const credited = (await mintA.accountBalance('shop-a')).amount + (await mintA.accountBalance('shop-b')).amount;
    expect(credited).toBe(50n);
    const [row] = await storeA.query<{ n: bigint; s: bigint }>(
      'SELECT (SELECT count(*) FROM ecash_spent_coins)::bigint AS n, (SELECT count(*) FROM ecash_spends)::bigint AS s',
    );
    expect(row).toEqual({ n: 50n, s: 50n });
  });
});
