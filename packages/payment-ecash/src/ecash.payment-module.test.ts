// The module on its own, both sides run against each other over an in-memory PaymentPeer pair (the
// conformance kit runs it through the PaymentManager in ecash.payment-conformance.test.ts).
import type { Money } from '@semper/core';
import type { JsonValue, PaymentPeer, PaymentRecord, PaymentRole } from '@semper/payments/spi';
import { PaymentProtocolError } from '@semper/payments/spi';
import { openStore } from '@semper/store';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { EcashPaymentModule, type EcashPurse } from './ecash.payment-module.js';
import { eur, openTestMint, openTestWallet, type TestMint } from './ecash.test-util.js';
import { encodeMessage } from './messages.js';
import { EcashWallet } from './wallet.js';

// Denomination keys from the test key cache (blind-rsa.test-util.ts): distinct pairs, not generated per mint.
vi.mock('./blind-rsa.js', async (importOriginal) =>
  (await import('./blind-rsa.test-util.js')).withCachedKeyGeneration(await importOriginal()),
);

/** Two peers joined by queues per step. */
function peerPair(): {
  payer: PaymentPeer;
  payee: PaymentPeer;
  log: { from: PaymentRole; step: string; body: Uint8Array }[];
} {
  const log: { from: PaymentRole; step: string; body: Uint8Array }[] = [];
  const queues = new Map<string, { items: Uint8Array[]; waiters: ((b: Uint8Array) => void)[] }>();
  const q = (to: PaymentRole, step: string) => {
    const k = `${to}:${step}`;
    const v = queues.get(k) ?? { items: [], waiters: [] };
    queues.set(k, v);
    return v;
  };
  const make = (self: PaymentRole, other: PaymentRole): PaymentPeer => ({
    localParty: self,
    remoteParty: other,
    async send(step, body) {
      log.push({ from: self, step, body: new Uint8Array(body) });
      const box = q(other, step);
      const w = box.waiters.shift();
      if (w) w(new Uint8Array(body));
      else box.items.push(new Uint8Array(body));
    },
    receive(step, options) {
      const box = q(self, step);
      const item = box.items.shift();
      if (item) return Promise.resolve(item);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timeout at ${step}`)), options?.timeoutMs ?? 10_000);
        box.waiters.push((b) => {
          clearTimeout(timer);
          resolve(b);
        });
      });
    },
  });
  return { payer: make('payer', 'payee'), payee: make('payee', 'payer'), log };
}

interface Side {
  checkpoints: { step: string; data?: JsonValue }[];
}

function contexts(t: TestMint, txId: string, amount: Money, payerPurse: EcashPurse, payeePurse: EcashPurse) {
  const { payer, payee, log } = peerPair();
  const sides: Record<PaymentRole, Side> = { payer: { checkpoints: [] }, payee: { checkpoints: [] } };
  const base = (role: PaymentRole) => ({
    transactionId: txId,
    idempotencyKey: `${txId}-${role}`,
    clock: t.clock,
    signal: new AbortController().signal,
    amount,
    mode: 'sale' as const,
    payer: 'alice',
    payee: 'shop',
    evidence: async () => undefined,
    checkpoint: async (step: string, data?: JsonValue) => {
      sides[role].checkpoints.push({ step, ...(data === undefined ? {} : { data }) });
    },
  });
  return {
    log,
    sides,
    payerCtx: { ...base('payer'), role: 'payer' as const, purse: payerPurse, peer: payer },
    payeeCtx: { ...base('payee'), role: 'payee' as const, purse: payeePurse, peer: payee },
  };
}

function record(
  role: PaymentRole,
  id: string,
  amount: Money,
  side: Side,
  state: PaymentRecord['state'] = 'pending',
): PaymentRecord {
  const last = side.checkpoints.at(-1);
  return {
    id,
    moduleId: 'payment-ecash',
    role,
    mode: 'sale',
    state,
    amount,
    authorized: amount.subtract(amount),
    captured: state === 'captured' ? amount : amount.subtract(amount),
    refunded: amount.subtract(amount),
    payer: 'alice',
    payee: 'shop',
    ...(last ? { lastStep: last.step, moduleData: last.data ?? null } : {}),
    createdAt: new Date(),
    updatedAt: new Date(),
  };
}

let t: TestMint;
let crash: { role: PaymentRole; step: string } | undefined;
let module: EcashPaymentModule;
let aliceWallet: EcashWallet;
let alice: EcashPurse;
let shop: EcashPurse;

beforeAll(async () => {
  t = await openTestMint();
  module = new EcashPaymentModule(t.client, {
    stepTimeoutMs: 10_000,
    onStep: (role, step) => {
      if (crash && crash.role === role && crash.step === step) {
        crash = undefined;
        throw new Error(`simulated crash of the ${role} at ${step}`);
      }
    },
  });
  aliceWallet = (await openTestWallet(t, 'alice', 100_000n)).wallet;
  const shopWallet = (await openTestWallet(t, 'shop', 0n)).wallet;
  alice = await module.openPurse('alice', { wallet: aliceWallet });
  shop = await module.openPurse('shop', { wallet: shopWallet });
  await aliceWallet.withdraw(eur(500));
}, 120_000);
afterAll(async () => {
  await t?.close();
});

describe('EcashPaymentModule', () => {
  it('declares a cash-like, sale-only module with partial refunds', () => {
    expect(module.id).toBe('payment-ecash');
    expect(module.payment).toMatchObject({
      model: 'cash-like',
      twoPhase: false,
      refunds: 'partial',
      currencies: ['EUR'],
    });
  });

  it('pays: the payer hands over coins, the payee deposits them at the mint, both capture; change comes back', async () => {
    const payerBefore = await alice.balance();
    const payeeBefore = await shop.balance();
    const c = contexts(t, 'tx-sale-1', eur(123), alice, shop);
    const [paid, received] = await Promise.all([module.pay(c.payerCtx), module.receive(c.payeeCtx)]);
    expect(paid).toMatchObject({ status: 'captured' });
    expect(received).toMatchObject({ status: 'captured' });
    expect((await alice.balance()).amount).toBe(payerBefore.amount - 123n);
    expect((await shop.balance()).amount).toBe(payeeBefore.amount + 123n);
    expect(c.log.map((m) => `${m.from}:${m.step}`)).toEqual(['payee:terms', 'payer:coins', 'payee:result']);
    // The coins message carries no account or identity of the payer.
    const coins = new TextDecoder().decode(c.log[1]!.body);
    expect(coins).not.toContain('alice');
  });

  it('declines with reason double-spent on both sides when the coins were spent before', async () => {
    // Bob copies his wallet; the copy spends every coin, then Bob pays with the same coins.
    const bobWallet = (await openTestWallet(t, 'bob', 1_000n)).wallet;
    await bobWallet.withdraw(eur(60));
    const bob = await module.openPurse('alice', { wallet: bobWallet });
    const cheat = await EcashWallet.open({
      store: await openStore('pglite:memory'),
      mint: t.client,
      currency: 'EUR',
      clock: t.clock,
    });
    await cheat.load(await bobWallet.snapshot());
    const cheatPurse = await module.openPurse('alice', { wallet: cheat });
    // The copy pays first, with every coin.
    const total = await cheat.balance();
    const first = contexts(t, 'tx-ds-1', total, cheatPurse, shop);
    const [p1, r1] = await Promise.all([module.pay(first.payerCtx), module.receive(first.payeeCtx)]);
    expect([p1.status, r1.status]).toEqual(['captured', 'captured']);
    const second = contexts(t, 'tx-ds-2', eur(10), bob, shop);
    const [p2, r2] = await Promise.all([module.pay(second.payerCtx), module.receive(second.payeeCtx)]);
    expect(p2).toMatchObject({ status: 'declined', reason: 'double-spent' });
    expect(r2).toMatchObject({ status: 'declined', reason: 'double-spent' });
    await cheat.store.close();
    await bobWallet.store.close();
  });

  it('declines insufficient-funds on both sides when the wallet cannot cover the amount', async () => {
    await aliceWallet.withdraw(eur(50));
    const c = contexts(t, 'tx-poor', eur(99_999), alice, shop);
    const [p, r] = await Promise.all([module.pay(c.payerCtx), module.receive(c.payeeCtx)]);
    expect(p).toMatchObject({ status: 'declined', reason: 'insufficient-funds' });
    expect(r).toMatchObject({ status: 'declined', reason: 'insufficient-funds' });
  });

  it('throws a PaymentProtocolError at the payee for a malformed coins message', async () => {
    const c = contexts(t, 'tx-bad', eur(5), alice, shop);
    const receiving = module.receive(c.payeeCtx);
    await c.payerCtx.peer.receive('terms');
    await c.payerCtx.peer.send(
      'coins',
      encodeMessage({ type: 'ecash-coins', spend: { type: 'spend', coins: 'nope' } }),
    );
    const err = await receiving.catch((e) => e);
    expect(err).toBeInstanceOf(PaymentProtocolError);
    expect(err.code).toBe('ERR_PAYMENTS_PROTOCOL');
  });

  it('refunds part of a payment as fresh coins that the payer redeems (refreshes) into its wallet', async () => {
    const c = contexts(t, 'tx-refund', eur(40), alice, shop);
    const [, received] = await Promise.all([module.pay(c.payerCtx), module.receive(c.payeeCtx)]);
    expect(received.status).toBe('captured');
    const payeeRecord = {
      ...record('payee', 'tx-refund', eur(40), c.sides.payee, 'captured'),
      moduleData: received.moduleData ?? null,
    };
    const before = await alice.balance();
    const refund = await module.refund({
      ...c.payeeCtx,
      record: payeeRecord,
      purse: shop,
      amount: eur(15),
      idempotencyKey: 'rf-1',
    });
    expect(refund).toMatchObject({ status: 'refunded' });
    if (refund.status !== 'refunded') return;
    const payerRecord = record('payer', 'tx-refund', eur(40), c.sides.payer, 'captured');
    const redeemed = await module.redeemRefund({
      ...c.payerCtx,
      record: payerRecord,
      purse: alice,
      token: refund.payerToken!,
    });
    expect(redeemed).toMatchObject({ status: 'redeemed' });
    expect((await alice.balance()).amount).toBe(before.amount + 15n);
    // A copy of the token (kept by the payee, or stolen) is worth nothing now: the payer refreshed the coins.
    const copyWallet = await EcashWallet.open({
      store: await openStore('pglite:memory'),
      mint: t.client,
      currency: 'EUR',
      clock: t.clock,
    });
    const copy = await module.openPurse('alice', { wallet: copyWallet });
    const again = await module.redeemRefund({
      ...c.payerCtx,
      record: payerRecord,
      purse: copy,
      token: refund.payerToken!,
    });
    expect(again).toMatchObject({ status: 'declined', reason: 'double-spent' });
    expect((await copyWallet.balance()).amount).toBe(0n);
    await copyWallet.store.close();
    // More than the deposit is refused by the mint too (the base checks the record first).
    const tooMuch = await module.refund({
      ...c.payeeCtx,
      record: { ...payeeRecord, refunded: eur(0) },
      purse: shop,
      amount: eur(40),
      idempotencyKey: 'rf-2',
    });
    expect(tooMuch).toMatchObject({ status: 'declined', reason: 'exceeds-deposit' });
  });

  it('finishes a refund that crashed after the mint issued it: the retry (another key) gets the same coins', async () => {
    const c = contexts(t, 'tx-refund-crash', eur(20), alice, shop);
    const [, received] = await Promise.all([module.pay(c.payerCtx), module.receive(c.payeeCtx)]);
    expect(received.status).toBe('captured');
    const payeeRecord = {
      ...record('payee', 'tx-refund-crash', eur(20), c.sides.payee, 'captured'),
      moduleData: received.moduleData ?? null,
    };
    const shopBefore = await shop.balance();
    crash = { role: 'payee', step: 'refund-issued' };
    const refund = (key: string) =>
      module.refund({ ...c.payeeCtx, record: payeeRecord, purse: shop, amount: eur(20), idempotencyKey: key });
    await expect(refund('first-key')).rejects.toThrow('simulated crash');
    const retried = await refund('second-key');
    expect(retried).toMatchObject({ status: 'refunded' });
    expect((await shop.balance()).amount).toBe(shopBefore.amount - 20n); // debited once
    const before = await alice.balance();
    if (retried.status !== 'refunded') return;
    const payerRecord = record('payer', 'tx-refund-crash', eur(20), c.sides.payer, 'captured');
    expect(
      await module.redeemRefund({ ...c.payerCtx, record: payerRecord, purse: alice, token: retried.payerToken! }),
    ).toMatchObject({
      status: 'redeemed',
    });
    expect((await alice.balance()).amount).toBe(before.amount + 20n);
  }, 60_000);

  for (const order of ['payee first', 'payer first'] as const) {
    it(`recovers a crash of the payee after its deposit (result never sent), ${order}: both captured`, async () => {
      const c = contexts(t, `tx-crash-result-${order.split(' ')[0]}`, eur(30), alice, shop);
      crash = { role: 'payee', step: 'result' };
      const [p, r] = await Promise.allSettled([module.pay(c.payerCtx), module.receive(c.payeeCtx)]);
      expect(r.status).toBe('rejected');
      expect(p.status).toBe('rejected'); // times out waiting for the result
      const payeeRec = record('payee', c.payeeCtx.transactionId, eur(30), c.sides.payee);
      const payerRec = record('payer', c.payerCtx.transactionId, eur(30), c.sides.payer);
      const recover = (role: PaymentRole) =>
        module.recover({
          record: role === 'payee' ? payeeRec : payerRec,
          purse: role === 'payee' ? shop : alice,
          clock: t.clock,
          signal: new AbortController().signal,
          evidence: async () => undefined,
        });
      const outcomes =
        order === 'payee first'
          ? [await recover('payee'), await recover('payer')]
          : [await recover('payer'), await recover('payee')].reverse();
      expect(outcomes.map((o) => o.status)).toEqual(['captured', 'captured']);
    }, 60_000);
  }

  it('recovers a crash of the payee before its deposit: the payer reclaims the coins, the payee then cannot deposit them', async () => {
    const before = await alice.balance();
    const c = contexts(t, 'tx-crash-deposit', eur(25), alice, shop);
    crash = { role: 'payee', step: 'deposit' };
    await Promise.allSettled([module.pay(c.payerCtx), module.receive(c.payeeCtx)]);
    const rec = (role: PaymentRole) => ({
      record: record(role, 'tx-crash-deposit', eur(25), c.sides[role]),
      purse: role === 'payee' ? shop : alice,
      clock: t.clock,
      signal: new AbortController().signal,
      evidence: async () => undefined,
    });
    expect(await module.recover(rec('payer'))).toMatchObject({ status: 'failed' });
    expect((await alice.balance()).amount).toBe(before.amount);
    expect(await module.recover(rec('payee'))).toMatchObject({ status: 'declined', reason: 'double-spent' });
  }, 60_000);
});
