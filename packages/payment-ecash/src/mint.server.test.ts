import { afterEach, describe, expect, it, vi } from 'vitest';
import { eur, openPayeeAccount, openTestMint, openTestWallet, type TestMint } from './ecash.test-util.js';

// Denomination keys from the test key cache (blind-rsa.test-util.ts): distinct pairs, not generated per mint.
vi.mock('./blind-rsa.js', async (importOriginal) =>
  (await import('./blind-rsa.test-util.js')).withCachedKeyGeneration(await importOriginal()),
);

let t: TestMint | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe('EcashMint and EcashWallet', () => {
  it('withdraws coins, pays a payee with change, and keeps every amount exact', async () => {
    t = await openTestMint();
    const { wallet } = await openTestWallet(t, 'alice', 10_000n);
    await openPayeeAccount(t, 'shop');
    const w = await wallet.withdraw(eur(188));
    expect(w.status).toBe('withdrawn');
    expect((await wallet.balance()).amount).toBe(188n);
    expect((await t.mint.accountBalance('alice')).amount).toBe(10_000n - 188n);
    const s = await wallet.pay(eur(37), { account: 'shop', reference: 'order-1' });
    expect(s.status).toBe('accepted');
    expect((await t.mint.accountBalance('shop')).amount).toBe(37n);
    expect((await wallet.balance()).amount).toBe(188n - 37n);
  });
});
