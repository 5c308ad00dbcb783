import { Channel, createMemoryTransport, MemoryBroker } from '@semper/comms';
import { openStore } from '@semper/store';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { decryptWalletBackup } from './backup.js';
import { eur, openTestMint, openTestWallet, type TestMint } from './ecash.test-util.js';
import { EcashError } from './errors.js';
import { channelMintClient, type MintClient, serveMint } from './mint.client.js';
import { decomposeAmount, EcashWallet, selectCoins } from './wallet.js';

// Denomination keys from the test key cache (blind-rsa.test-util.ts): distinct pairs, not generated per mint.
vi.mock('./blind-rsa.js', async (importOriginal) =>
  (await import('./blind-rsa.test-util.js')).withCachedKeyGeneration(await importOriginal()),
);

const ITER = 10_000; // the minimum; the default (600 000) is for real backups

let t: TestMint;
beforeAll(async () => {
  t = await openTestMint();
  await openTestWallet(t, 'shop', 0n);
}, 120_000);
afterAll(async () => {
  await t?.close();
});

describe('coin arithmetic', () => {
  it('decomposes every amount exactly into denominations (property)', () => {
    const values = [1n, 2n, 5n, 10n, 20n, 50n, 100n];
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 100_000n }), (amount) => {
        expect(decomposeAmount(amount, values).reduce((a, b) => a + b, 0n)).toBe(amount);
      }),
    );
    expect(() => decomposeAmount(3n, [2n])).toThrow(EcashError);
  });

  it('selects coins that cover the amount, or none when they cannot (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(1n, 2n, 5n, 10n, 50n), { maxLength: 30 }),
        fc.bigInt({ min: 1n, max: 300n }),
        (vals, amount) => {
          const coins = vals.map((value) => ({ value }));
          const total = vals.reduce((a, b) => a + b, 0n);
          const chosen = selectCoins(coins, amount);
          if (total < amount) expect(chosen).toBeUndefined();
          else {
            const sum = chosen!.reduce((a, c) => a + c.value, 0n);
            expect(sum >= amount).toBe(true);
            expect(new Set(chosen).size).toBe(chosen!.length);
          }
        },
      ),
    );
  });
});

describe('EcashWallet', () => {
  it('returns insufficient funds from the mint and keeps nothing pending', async () => {
    const { wallet } = await openTestWallet(t, 'poor', 10n);
    const outcome = await wallet.withdraw(eur(11));
    expect(outcome).toMatchObject({ status: 'insufficient-funds' });
    if (outcome.status === 'insufficient-funds') expect(outcome.balance.amount).toBe(10n);
    expect((await wallet.snapshot()).planchets).toEqual([]);
    await expect(wallet.pay(eur(1), { account: 'shop', reference: 'x' })).rejects.toMatchObject({
      code: 'ERR_ECASH_INSUFFICIENT_COINS',
    });
    await wallet.store.close();
  });

  it('backs up under a passphrase and restores the coins into a new wallet, which can spend them', async () => {
    const { wallet } = await openTestWallet(t, 'bea', 1_000n);
    await wallet.withdraw(eur(77));
    const file = await wallet.backup('correct horse battery staple', { iterations: ITER });
    expect(new TextDecoder().decode(file)).not.toContain(
      Buffer.from((await wallet.coins())[0]!.coinPub).toString('base64url'),
    );
    const restored = await EcashWallet.restore(
      { store: await openStore('pglite:memory'), mint: t.client, currency: 'EUR', clock: t.clock },
      file,
      'correct horse battery staple',
    );
    expect((await restored.balance()).amount).toBe(77n);
    expect(restored.account?.id).toBe('bea');
    expect((await restored.accountBalance()).amount).toBe(1_000n - 77n);
    expect(await restored.pay(eur(30), { account: 'shop', reference: 'after-restore' })).toMatchObject({
      status: 'accepted',
    });
    // The original copies of the coins the restored wallet spent are now refused as double spending.
    const stale = await wallet.pay(eur(77), { account: 'shop', reference: 'stale' });
    expect(stale).toMatchObject({ status: 'rejected', reason: 'double-spent' });
    await restored.store.close();
    await wallet.store.close();
  });

  it('refuses a wrong passphrase, an altered file and a file that is no backup, with typed errors', async () => {
    const { wallet } = await openTestWallet(t, 'cid', 100n);
    await wallet.withdraw(eur(5));
    const file = await wallet.backup('right', { iterations: ITER });
    await expect(decryptWalletBackup(file, 'wrong')).rejects.toMatchObject({ code: 'ERR_ECASH_BACKUP_DECRYPT' });
    const json = JSON.parse(new TextDecoder().decode(file));
    const flipped = { ...json, ciphertext: json.ciphertext.replace(/^./, (c: string) => (c === 'A' ? 'B' : 'A')) };
    await expect(decryptWalletBackup(new TextEncoder().encode(JSON.stringify(flipped)), 'right')).rejects.toMatchObject(
      {
        code: 'ERR_ECASH_BACKUP_DECRYPT',
      },
    );
    // The header is authenticated too: fewer iterations claimed fails the tag.
    const weaker = { ...json, kdf: { ...json.kdf, iterations: ITER + 1 } };
    await expect(decryptWalletBackup(new TextEncoder().encode(JSON.stringify(weaker)), 'right')).rejects.toMatchObject({
      code: 'ERR_ECASH_BACKUP_DECRYPT',
    });
    await expect(decryptWalletBackup(new TextEncoder().encode('{"format":"zip"}'), 'right')).rejects.toMatchObject({
      code: 'ERR_ECASH_BACKUP_FORMAT',
    });
    expect((await decryptWalletBackup(file, 'right')).snapshot.coins.length).toBeGreaterThan(0);
    await wallet.store.close();
  });

  it('finishes a withdrawal whose answer was lost (crash after the mint signed): same request, debited once', async () => {
    let drop = true;
    const lossy: MintClient = {
      async request(r) {
        const answer = await t.client.request(r);
        if (r.type === 'withdraw' && drop) {
          drop = false;
          throw new Error('connection lost after the mint answered');
        }
        return answer;
      },
    };
    const { wallet } = await openTestWallet(t, 'dan', 500n, { client: lossy });
    await expect(wallet.withdraw(eur(123))).rejects.toThrow('connection lost');
    expect((await t.mint.accountBalance('dan')).amount).toBe(500n - 123n);
    expect((await wallet.balance()).amount).toBe(0n);
    t.clock.advance(60_000); // the request is signed anew, at another time: still the same withdrawal
    const report = await wallet.recover();
    expect(report.withdrawals).toBe(1);
    expect((await wallet.balance()).amount).toBe(123n);
    expect((await t.mint.accountBalance('dan')).amount).toBe(500n - 123n);
    await wallet.store.close();
  });

  it('settles a spend whose answer was lost from the mint record, and reclaims coins a payee never deposited', async () => {
    const { wallet } = await openTestWallet(t, 'eve', 500n);
    await wallet.withdraw(eur(50));
    await wallet.withdraw(eur(50));
    // 1: deposited, but the answer never came back.
    const a = await wallet.prepareSpend({
      spendId: 'lost-answer',
      amount: eur(33),
      payee: { account: 'shop', reference: 'l' },
    });
    await t.client.request(a.request);
    // 2: handed to a payee that vanished.
    const b = await wallet.prepareSpend({
      spendId: 'vanished',
      amount: eur(20),
      payee: { account: 'shop', reference: 'v' },
    });
    expect((await wallet.balance()).amount).toBe(0n); // both coins out, the change not yet unblinded
    const report = await wallet.recover({ reclaim: true });
    expect(report).toMatchObject({ settled: 1, reclaimed: 1 });
    expect((await wallet.balance()).amount).toBe(100n - 33n);
    // The payee turns up late with the coins: refused.
    expect(await t.client.request(b.request)).toMatchObject({ status: 'rejected', reason: 'double-spent' });
    await wallet.store.close();
  });
});

describe('the mint over a comms channel', () => {
  it('serves withdrawals and deposits to a wallet and a payee over memory transports', async () => {
    const broker = new MemoryBroker();
    const mintTransport = createMemoryTransport({ broker, name: 'mint' });
    const walletTransport = createMemoryTransport({ broker, name: 'wallet' });
    const mintChannel = new Channel(mintTransport);
    const walletChannel = new Channel(walletTransport);
    await serveMint(t.mint, mintChannel);
    const client = channelMintClient(walletChannel, 'mem:mint', { timeoutMs: 20_000 });
    const { wallet } = await openTestWallet(t, 'fay', 1_000n, { client });
    expect(await wallet.withdraw(eur(64))).toMatchObject({ status: 'withdrawn' });
    const before = (await t.mint.accountBalance('shop')).amount;
    expect(await wallet.pay(eur(17), { account: 'shop', reference: 'wire' })).toMatchObject({ status: 'accepted' });
    expect((await t.mint.accountBalance('shop')).amount - before).toBe(17n);
    expect((await wallet.accountBalance()).amount).toBe(1_000n - 64n);
    // A request of another content type is refused by the mint's endpoint (moved aside, never answered).
    await expect(
      walletChannel.request(
        'mem:mint',
        { contentType: 'text/plain', body: new TextEncoder().encode('{}') },
        { timeoutMs: 300 },
      ),
    ).rejects.toMatchObject({ code: 'ERR_COMMS_TIMEOUT' });
    await wallet.store.close();
    await Promise.all([mintChannel.close(), walletChannel.close()]);
    await Promise.all([mintTransport.close(), walletTransport.close()]);
  });
});
