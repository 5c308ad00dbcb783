// The payments conformance kit against payment-ecash: a mint in the fixture (it survives the kit's
// simulated crashes), each party's wallet in the party's store under the party's name.
import { Money } from '@semper/core';
import type { PaymentRole } from '@semper/payments/spi';
import { describePaymentModuleConformance } from '@semper/payments/testing';
import { generateEd25519 } from './coin.js';
import { EcashPaymentModule } from './ecash.payment-module.js';
import { localMintClient } from './mint.client.js';
import { EcashMint } from './mint.server.js';
import { EcashWallet } from './wallet.js';
import { vi } from 'vitest';

// Denomination keys from the test key cache (blind-rsa.test-util.ts): distinct pairs, not generated per mint.
vi.mock('./blind-rsa.js', async (importOriginal) =>
  (await import('./blind-rsa.test-util.js')).withCachedKeyGeneration(await importOriginal()),
);

const VALUES = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000];
const CRASH_STEPS: { role: PaymentRole; step: string }[] = [
  { role: 'payee', step: 'deposit' },
  { role: 'payer', step: 'coins' },
  { role: 'payee', step: 'result' },
  { role: 'payer', step: 'result' },
];

let fixtures = 0;

describePaymentModuleConformance('payment-ecash', async (suite) => {
  fixtures += 1;
  const n = fixtures;
  // One mint on the suite's store: its keys are made by the first fixture and loaded by the others (like
  // several mint processes on one database).
  const mint = await EcashMint.open({
    id: 'mint.conformance',
    store: suite.store,
    denominations: [{ currency: 'EUR', values: VALUES }],
  });
  const client = localMintClient(mint);
  const amount = Money.parse('12.00', 'EUR');
  let armed: { role: PaymentRole; step: string; kind: 'crash' | 'fault' } | undefined;
  const wallets: Partial<Record<PaymentRole, EcashWallet>> = {};
  const keys = new Map<string, Uint8Array>();
  return {
    amount,
    party: async (env) => {
      const module = new EcashPaymentModule(client, {
        onStep: (role, step) => {
          if (armed && armed.role === role && armed.step === step) {
            const what = armed.kind;
            armed = undefined;
            throw new Error(`${what === 'crash' ? 'simulated crash' : 'injected fault'} of the ${role} at '${step}'`);
          }
        },
      });
      const accountId = `acc-${env.party}-${n}`;
      if (env.generation === 0) {
        const key = await generateEd25519();
        keys.set(accountId, key.privateKey);
        await mint.openAccount(accountId, 'EUR', key.publicKey);
        if (env.role === 'payer') await mint.creditAccount(accountId, Money.parse('100.00', 'EUR'));
      }
      const wallet = await EcashWallet.open({
        store: env.store,
        mint: client,
        currency: 'EUR',
        name: `${env.party}-${n}`,
        clock: env.clock,
        account: { id: accountId, privateKey: keys.get(accountId)! },
      });
      if (env.role === 'payer' && env.generation === 0) {
        const outcome = await wallet.withdraw(Money.parse('50.00', 'EUR'));
        if (outcome.status !== 'withdrawn') throw new Error('the fixture could not withdraw');
      }
      wallets[env.role] = wallet;
      return { module, purse: await module.openPurse(env.party, { wallet }) };
    },
    faults: {
      // A real decline of this payment system without loss: the payer's wallet is left without enough
      // coins (they are handed to a side wallet), so both sides end `declined: insufficient-funds`.
      declineNext: async () => {
        const payer = wallets.payer!;
        const coins = await payer.coins('unspent');
        const side = await EcashWallet.open({ store: suite.store, mint: client, currency: 'EUR', name: `side-${n}` });
        await side.receiveCoins(await payer.handOver(coins, `aside-${n}`));
      },
      failNext: (role, step) => {
        armed = { role, step, kind: 'fault' };
      },
      crashSteps: CRASH_STEPS,
      crashAt: (role, step) => {
        armed = { role, step, kind: 'crash' };
      },
      clear: () => {
        armed = undefined;
      },
    },
  };
});
