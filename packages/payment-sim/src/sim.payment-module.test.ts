import { Money } from '@semper/core';
import type { PayerContext, PayOutcome } from '@semper/payments/spi';
import { type ConformanceFixture, PaymentTestWorld } from '@semper/payments/testing';
import { openStore, type Store } from '@semper/store';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SimBank, SimPaymentModule, type SimPurse } from './index.js';

const eur = (text: string) => Money.parse(text, 'EUR');
let store: Store;
let banks = 0;
let worlds: PaymentTestWorld[] = [];

beforeAll(async () => {
  store = await openStore('pglite:memory');
});
afterEach(async () => {
  for (const w of worlds) await w.close();
  worlds = [];
});
afterAll(async () => {
  await store.close();
});

/** A payer that tells the payee it paid without asking the bank. */
class LyingPayer extends SimPaymentModule {
  protected override async onPay(ctx: PayerContext<SimPurse>): Promise<PayOutcome> {
    await ctx.peer.receive('account');
    await ctx.peer.send(
      'result',
      new TextEncoder().encode(JSON.stringify({ v: 1, status: 'done', key: `pay:${ctx.transactionId}` })),
    );
    return { status: 'captured', amount: ctx.amount };
  }
}

async function setup(
  options: { bankTimeoutMs?: number; lyingPayer?: boolean } = {},
): Promise<{ world: PaymentTestWorld; bank: SimBank }> {
  banks += 1;
  const bank = await SimBank.open({ store, name: `mod-${banks}` });
  const fixture: ConformanceFixture = {
    amount: eur('10.00'),
    party: async (env) => {
      const Module = options.lyingPayer && env.role === 'payer' ? LyingPayer : SimPaymentModule;
      const module = new Module({ bank, bankTimeoutMs: options.bankTimeoutMs ?? 2_000 });
      const account = `acc-${env.party}`;
      await bank.openAccount({
        id: account,
        owner: env.party,
        currency: 'EUR',
        balance: env.role === 'payer' ? eur('100.00') : eur('0'),
      });
      return { module, purse: await module.openPurse(env.party, { account }) };
    },
  };
  const world = await PaymentTestWorld.create(fixture, {}, { store, stepTimeoutMs: 3_000 });
  worlds.push(world);
  return { world, bank };
}

async function balance(world: PaymentTestWorld, role: 'payer' | 'payee'): Promise<string> {
  return (await world[role].purse.balance?.())?.toString() ?? 'none';
}

describe('SimPaymentModule', () => {
  it('opens purses only for an existing account of the owner', async () => {
    const { world, bank } = await setup();
    const module = world.payer.built.module as SimPaymentModule;
    await expect(module.openPurse('someone-else', { account: `acc-${world.payer.party}` })).rejects.toMatchObject({
      code: 'ERR_SIM_INVALID_ARGUMENT',
    });
    await expect(module.openPurse(world.payer.party, { account: 'nope' })).rejects.toMatchObject({
      code: 'ERR_SIM_UNKNOWN_ACCOUNT',
    });
    await expect(module.openPurse(world.payer.party, { acct: 'x' })).rejects.toMatchObject({
      code: 'ERR_SIM_INVALID_ARGUMENT',
    });
    expect(bank.name).toMatch(/^mod-/);
  });

  it('a bank that answers too late is a fault; recovery settles the key, and the late operation moves nothing', async () => {
    const { world, bank } = await setup({ bankTimeoutMs: 300 });
    bank.faults.delayNext(1_200);
    const { transactionId, payer } = await world.pay(eur('10.00'));
    expect(payer.status).toBe('rejected');
    const err = (payer as PromiseRejectedResult).reason as { code: string; cause: { code: string } };
    expect(err.code).toBe('ERR_PAYMENTS_MODULE_FAULT');
    expect(err.cause.code).toBe('ERR_SIM_TIMEOUT');
    const report = await world.payer.manager.recoverPending();
    expect(report.recovered).toEqual([{ transactionId, state: 'failed' }]);
    await new Promise((r) => setTimeout(r, 1_500)); // the delayed transfer reaches the bank now
    expect((await bank.operation(`pay:${transactionId}`))?.state).toBe('declined');
    await world.payee.manager.recoverPending();
    expect((await world.payee.manager.transaction(transactionId))?.state).toBe('failed');
    expect(await balance(world, 'payer')).toBe('100.00 EUR');
    expect(await balance(world, 'payee')).toBe('0.00 EUR');
  });

  it('the payee checks the bank, not the payer: a payer that lies about paying gets nothing', async () => {
    const { world } = await setup({ lyingPayer: true });
    const { transactionId, payee } = await world.pay(eur('10.00'));
    expect(payee.status).toBe('rejected');
    const err = (payee as PromiseRejectedResult).reason as { code: string; cause: { code: string } };
    expect(err.code).toBe('ERR_PAYMENTS_MODULE_FAULT');
    expect(err.cause.code).toBe('ERR_SIM_MISMATCH');
    await world.payee.manager.recoverPending();
    expect((await world.payee.manager.transaction(transactionId))?.state).toBe('failed');
    expect(await balance(world, 'payee')).toBe('0.00 EUR');
  });

  it('a crash after the bank captured is recovered as captured on restart', async () => {
    const { world, bank } = await setup();
    const { transactionId } = await world.pay(eur('10.00'), { mode: 'authorize' });
    bank.faults.crashAt('payee', 'after-capture');
    await expect(
      world.payee.manager.capture(transactionId, { idempotencyKey: 'cap', amount: eur('6.00') }),
    ).rejects.toMatchObject({ code: 'ERR_PAYMENTS_MODULE_FAULT', cause: { code: 'ERR_SIM_CRASH' } });
    expect((await world.payee.manager.transaction(transactionId))?.pending?.operation).toBe('capture');
    await world.restart();
    const record = await world.payee.manager.transaction(transactionId);
    expect(record?.state).toBe('captured');
    expect(record?.captured.toString()).toBe('6.00 EUR');
    expect(record?.pending).toBeUndefined();
    expect(await balance(world, 'payer')).toBe('94.00 EUR');
    expect(await balance(world, 'payee')).toBe('6.00 EUR');
    // the key's first result is now the recovered one
    const again = await world.payee.manager.capture(transactionId, { idempotencyKey: 'cap', amount: eur('6.00') });
    expect(again.status).toBe('captured');
  });

  it('a crash before the bank refunded is recovered as not done; the refund can be made again', async () => {
    const { world, bank } = await setup();
    const { transactionId } = await world.pay(eur('10.00'));
    bank.faults.crashAt('payee', 'before-refund');
    await expect(
      world.payee.manager.refund(transactionId, { idempotencyKey: 'ref-1', amount: eur('4.00') }),
    ).rejects.toMatchObject({
      code: 'ERR_PAYMENTS_MODULE_FAULT',
    });
    await world.restart();
    const record = await world.payee.manager.transaction(transactionId);
    expect(record?.state).toBe('captured');
    expect(record?.refunded.isZero()).toBe(true);
    const refund = await world.payee.manager.refund(transactionId, { idempotencyKey: 'ref-2', amount: eur('4.00') });
    expect(refund.status).toBe('refunded');
    expect(await balance(world, 'payer')).toBe('94.00 EUR');
  });

  it('declines insufficient funds as a result at both sides', async () => {
    const { world } = await setup();
    const { payee, payer } = await world.pay(eur('100.01'));
    expect(payee).toMatchObject({ status: 'fulfilled', value: { status: 'declined', reason: 'insufficient-funds' } });
    expect(payer).toMatchObject({ status: 'fulfilled', value: { status: 'declined', reason: 'insufficient-funds' } });
  });
});
