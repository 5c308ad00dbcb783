import { type Money, ModulePolicy, Preferences } from '@semper/core';
import { openStore, type Store } from '@semper/store';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ConformanceFactory, ConformanceFixture, ConformanceOptions } from '../conformance.types.js';
import { PaymentModuleFaultError } from '../errors.js';
import type { PaymentRecord, PaymentRole } from '../types.js';
import { DecoyPaymentModule } from './decoy.payment-module.js';
import { PaymentTestWorld, type SideSetup } from './world.js';

type Ctx = { skip: (note?: string) => never };

function value<T>(settled: PromiseSettledResult<T>, what: string): T {
  if (settled.status === 'rejected') {
    const err = settled.reason as Error & { code?: string; cause?: unknown };
    const cause = err?.cause as (Error & { code?: string }) | undefined;
    throw new Error(
      `${what} threw ${err?.name} ${err?.code ?? ''}: ${err?.message}${cause ? ` (cause: ${cause.name} ${cause.code ?? ''} ${cause.message})` : ''}`,
    );
  }
  return settled.value;
}

async function balance(world: PaymentTestWorld, role: PaymentRole): Promise<Money | undefined> {
  const purse = world[role].purse;
  return purse.balance ? purse.balance() : undefined;
}

async function balances(world: PaymentTestWorld): Promise<{ payer?: Money; payee?: Money }> {
  const payer = await balance(world, 'payer');
  const payee = await balance(world, 'payee');
  return { ...(payer ? { payer } : {}), ...(payee ? { payee } : {}) };
}

/** Asserts that the payer's balance fell, and the payee's rose, by `moved` (where purses report balances). */
async function expectMoved(
  world: PaymentTestWorld,
  before: { payer?: Money; payee?: Money },
  moved: Money,
): Promise<void> {
  const after = await balances(world);
  if (before.payer && after.payer) {
    expect(before.payer.subtract(after.payer).toString(), "the payer's balance fell by the amount moved").toBe(
      moved.toString(),
    );
  }
  if (before.payee && after.payee) {
    expect(after.payee.subtract(before.payee).toString(), "the payee's balance rose by the amount moved").toBe(
      moved.toString(),
    );
  }
}

async function records(
  world: PaymentTestWorld,
  transactionId: string,
): Promise<{ payer?: PaymentRecord; payee?: PaymentRecord }> {
  const payer = await world.payer.manager.transaction(transactionId);
  const payee = await world.payee.manager.transaction(transactionId);
  return { ...(payer ? { payer } : {}), ...(payee ? { payee } : {}) };
}

const moved = (r: PaymentRecord | undefined) =>
  r !== undefined && ['captured', 'authorized', 'refunded'].includes(r.state);

function minor(amount: Money, units: bigint): Money {
  return amount.multiply({ numerator: units, denominator: amount.amount }, 'floor');
}

async function rejection(promise: Promise<unknown>): Promise<Error & { code?: string; cause?: unknown }> {
  try {
    await promise;
  } catch (err) {
    return err as Error & { code?: string };
  }
  throw new Error('expected the operation to throw');
}

/**
 * The conformance kit of the payments block: a vitest suite that checks a payment module through two
 * real `PaymentManager`s (payer and payee, each with its own PGlite store, evidence archive,
 * policy-driven trusted-io and a memory-transport comms channel). Run it from your module's
 * `src/<module>.payment-conformance.test.ts` (the file name `npm run test:conformance` selects).
 *
 * It checks, each test with a fresh fixture (tests a module's capabilities exclude are skipped with the
 * reason):
 * - **lifecycle**: sale; authorize → capture (part); authorize → void; full refund (and the payer's
 *   `redeemRefund` of a `payerToken`); partial refunds up to the captured amount; expiry of an
 *   authorization (with `authorizationTtlMs`); a non-two-phase module is not negotiated for an
 *   authorization;
 * - **negotiation**: the intersection (a module only the payee holds is not picked), policy refusal
 *   (a forbidden module: `cancelled` at both sides, nothing moves), trusted-io choice between two
 *   remaining modules (the pick is used; a refused choice cancels), a refused confirmation cancels before
 *   any value moves;
 * - **result semantics**: a decline is returned at both sides; a module's fault is thrown as
 *   `ERR_PAYMENTS_MODULE_FAULT` with the module's own error as `cause`, and recovery settles it; a
 *   malformed message from the other party (the kit corrupts the first one the payee receives) is a
 *   fault at the receiver, never a payment;
 * - **idempotency**: a repeat with the same key returns the first result and moves nothing; another
 *   payload under the key is `ERR_PAYMENTS_IDEMPOTENCY_CONFLICT` (payments, captures, refunds);
 * - **bounds**: capture above authorized, refund above captured, and concurrent refunds;
 * - **crash and recovery**: for each of the fixture's `crashSteps`, a crash there, a restart on the same
 *   stores, no transaction left pending, both parties agreeing on whether value moved, balances
 *   consistent, and a new payment working; for steps marked with an `operation`, a crash in a
 *   capture, void or refund, after which the record says whether it happened and it can be finished;
 * - **evidence**: every protocol message archived at both sides (what one sent, the other received,
 *   byte for byte), archives verifying, events published.
 *
 * @example
 * ```ts
 * // src/acme.payment-conformance.test.ts
 * import { Money } from '@semper/core';
 * import { describePaymentModuleConformance } from '@semper/payments/testing';
 * import { AcmePaymentModule } from './acme.payment-module.js';
 *
 * describePaymentModuleConformance('acme', async () => ({
 *   amount: Money.parse('10.00', 'EUR'),
 *   party: async (env) => {
 *     const module = new AcmePaymentModule({ store: env.store });
 *     return { module, purse: await module.openPurse(env.party, { balance: '100.00' }) };
 *   },
 * }));
 * ```
 */
export function describePaymentModuleConformance(
  name: string,
  factory: ConformanceFactory,
  options: ConformanceOptions = {},
): void {
  const stepTimeoutMs = options.stepTimeoutMs ?? 5_000;
  const timeout = options.testTimeoutMs ?? 60_000;
  let worlds: PaymentTestWorld[] = [];
  let store: Store | undefined;
  const suite = {
    get store(): Store {
      if (store === undefined) throw new Error('the suite store is not open');
      return store;
    },
  };
  const make = () => factory(suite);

  async function world(
    setup: { payer?: SideSetup; payee?: SideSetup } = {},
    fixture?: ConformanceFixture,
  ): Promise<PaymentTestWorld> {
    const f = fixture ?? (await make());
    const w = await PaymentTestWorld.create(f, setup, { stepTimeoutMs, store: suite.store });
    worlds.push(w);
    return w;
  }

  function capabilities(w: PaymentTestWorld) {
    return w.payee.built.module.payment;
  }

  describe(`payment module conformance: ${name}`, () => {
    beforeAll(async () => {
      store = await (options.openStore ?? (() => openStore('pglite:memory')))();
    });
    afterAll(async () => {
      await store?.close();
    });
    afterEach(async () => {
      const list = worlds;
      worlds = [];
      for (const w of list) await w.close();
    });

    describe('descriptor and purses', () => {
      it('declares a payments module whose capabilities cover the fixture, with purses owned by each party', {
        timeout,
      }, async () => {
        const w = await world();
        const { payer, payee } = w;
        expect(payer.built.module.descriptor.block).toBe('payments');
        expect(payer.built.module.id).toBe(payee.built.module.id);
        expect(payer.built.module.descriptor.version).toBe(payee.built.module.descriptor.version);
        expect(capabilities(w).currencies).toContain(w.fixture.amount.currency);
        expect(w.fixture.amount.amount >= 3n, 'the fixture amount is at least 3 minor units').toBe(true);
        expect(payer.purse.moduleId).toBe(payer.built.module.id);
        expect(payer.purse.owner).toBe(payer.party);
        expect(payee.purse.owner).toBe(payee.party);
        await expect(payer.built.module.openPurse('', {})).rejects.toMatchObject({
          code: 'ERR_PAYMENTS_INVALID_ARGUMENT',
        });
      });
    });

    describe('lifecycle', () => {
      it('sale: both sides end captured, records agree, and the amount moves once', { timeout }, async () => {
        const w = await world();
        const before = await balances(w);
        const { transactionId, payee, payer } = await w.pay(w.fixture.amount);
        const pe = value(payee, 'the payee');
        const pr = value(payer, 'the payer');
        expect(pe.status).toBe('captured');
        expect(pr.status).toBe('captured');
        const r = await records(w, transactionId);
        for (const rec of [r.payer, r.payee]) {
          expect(rec?.state).toBe('captured');
          expect(rec?.captured.toString()).toBe(w.fixture.amount.toString());
          expect(rec?.refunded.isZero()).toBe(true);
          expect(rec?.pending).toBeUndefined();
          expect(rec?.moduleId).toBe(w.payee.built.module.id);
        }
        expect(r.payer?.role).toBe('payer');
        expect(r.payee?.role).toBe('payee');
        expect(r.payee?.payer).toBe(w.payer.party);
        expect(r.payer?.payee).toBe(w.payee.party);
        await expectMoved(w, before, w.fixture.amount);
      });

      it('authorize, then capture part: the rest is released', { timeout }, async (ctx: Ctx) => {
        const w = await world();
        if (!capabilities(w).twoPhase) ctx.skip('the module is not two-phase');
        const before = await balances(w);
        const { transactionId, payee, payer } = await w.pay(w.fixture.amount, { mode: 'authorize' });
        expect(value(payee, 'the payee').status).toBe('authorized');
        expect(value(payer, 'the payer').status).toBe('authorized');
        const part = w.fixture.amount.subtract(minor(w.fixture.amount, 1n));
        const captured = await w.payee.manager.capture(transactionId, {
          idempotencyKey: `${transactionId}.capture`,
          amount: part,
        });
        expect(captured.status).toBe('captured');
        const rec = await w.payee.manager.transaction(transactionId);
        expect(rec?.state).toBe('captured');
        expect(rec?.authorized.toString()).toBe(w.fixture.amount.toString());
        expect(rec?.captured.toString()).toBe(part.toString());
        await expectMoved(w, before, part);
      });

      it('authorize, then void: nothing moves', { timeout }, async (ctx: Ctx) => {
        const w = await world();
        if (!capabilities(w).twoPhase) ctx.skip('the module is not two-phase');
        const before = await balances(w);
        const { transactionId, payee } = await w.pay(w.fixture.amount, { mode: 'authorize' });
        expect(value(payee, 'the payee').status).toBe('authorized');
        const voided = await w.payee.manager.void(transactionId, { idempotencyKey: `${transactionId}.void` });
        expect(voided.status).toBe('voided');
        expect((await w.payee.manager.transaction(transactionId))?.state).toBe('voided');
        await expect(
          w.payee.manager.capture(transactionId, { idempotencyKey: `${transactionId}.capture` }),
        ).rejects.toMatchObject({ code: 'ERR_PAYMENTS_INVALID_STATE' });
        await expectMoved(w, before, w.fixture.amount.subtract(w.fixture.amount));
      });

      it('an authorization past its lifetime is not captured', { timeout }, async (ctx: Ctx) => {
        const w = await world();
        const ttl = capabilities(w).authorizationTtlMs;
        if (!capabilities(w).twoPhase || ttl === undefined) ctx.skip('the module declares no authorizationTtlMs');
        const { transactionId, payee } = await w.pay(w.fixture.amount, { mode: 'authorize' });
        expect(value(payee, 'the payee').status).toBe('authorized');
        w.clock.advance((ttl as number) + 1000);
        const late = await w.payee.manager.capture(transactionId, { idempotencyKey: `${transactionId}.capture` });
        expect(late.status).toBe('declined');
        if (late.status === 'declined') expect(late.reason).toBe('authorization-expired');
        expect((await w.payee.manager.transaction(transactionId))?.state).toBe('expired');
      });

      it('a module without two-phase is not negotiated for an authorization', { timeout }, async (ctx: Ctx) => {
        const w = await world();
        if (capabilities(w).twoPhase) ctx.skip('the module is two-phase');
        const result = await w.payee.manager.requestPayment({
          to: w.payer.address,
          amount: w.fixture.amount,
          mode: 'authorize',
          idempotencyKey: 'authorize-without-two-phase',
        });
        expect(result.status).toBe('cancelled');
        if (result.status === 'cancelled') expect(result.reason).toBe('no-acceptable-module');
        expect(w.payer.manager.pendingRequests(), 'no request was sent').toEqual([]);
      });

      it('full refund: the payee refunds everything and the payer gets it back', { timeout }, async (ctx: Ctx) => {
        const w = await world();
        if (capabilities(w).refunds === 'none') ctx.skip('the module has no refunds');
        const before = await balances(w);
        const { transactionId, payee } = await w.pay(w.fixture.amount);
        expect(value(payee, 'the payee').status).toBe('captured');
        const refund = await w.payee.manager.refund(transactionId, { idempotencyKey: `${transactionId}.refund` });
        expect(refund.status).toBe('refunded');
        if (refund.status !== 'refunded') return;
        expect(refund.amount.toString()).toBe(w.fixture.amount.toString());
        expect(refund.record.state).toBe('refunded');
        if (refund.payerToken !== undefined) {
          const redeemed = await w.payer.manager.redeemRefund(transactionId, {
            idempotencyKey: `${transactionId}.redeem`,
            token: refund.payerToken,
          });
          expect(redeemed.status).toBe('redeemed');
          expect(redeemed.record.refunded.toString()).toBe(w.fixture.amount.toString());
        }
        await expectMoved(w, before, w.fixture.amount.subtract(w.fixture.amount));
      });

      it('partial refunds add up to the captured amount and no further', { timeout }, async (ctx: Ctx) => {
        const w = await world();
        if (capabilities(w).refunds !== 'partial') ctx.skip('the module has no partial refunds');
        const amount = w.fixture.amount;
        const before = await balances(w);
        const { transactionId, payee } = await w.pay(amount);
        expect(value(payee, 'the payee').status).toBe('captured');
        const first = minor(amount, 1n);
        const r1 = await w.payee.manager.refund(transactionId, {
          idempotencyKey: `${transactionId}.r1`,
          amount: first,
        });
        expect(r1.status).toBe('refunded');
        expect(r1.record.state).toBe('captured');
        expect(r1.record.refunded.toString()).toBe(first.toString());
        const r2 = await w.payee.manager.refund(transactionId, { idempotencyKey: `${transactionId}.r2` });
        expect(r2.status).toBe('refunded');
        if (r2.status === 'refunded') expect(r2.amount.toString()).toBe(amount.subtract(first).toString());
        expect(r2.record.state).toBe('refunded');
        for (const r of [r1, r2]) {
          if (r.status === 'refunded' && r.payerToken !== undefined) {
            await w.payer.manager.redeemRefund(transactionId, {
              idempotencyKey: `${transactionId}.redeem.${r.amount.amount}`,
              token: r.payerToken,
            });
          }
        }
        await expectMoved(w, before, amount.subtract(amount));
      });
    });

    describe('negotiation', () => {
      it('intersection: a module only the payee holds is not picked; the common one is', { timeout }, async () => {
        const probe = await make();
        const decoy = new DecoyPaymentModule([probe.amount.currency], 'conformance.only-payee');
        const w = await world(
          {
            payee: {
              extraModules: [decoy],
              preferences: Preferences.from({ preferredModules: { payments: [decoy.id] } }),
            },
          },
          probe,
        );
        const { transactionId, payee, payer } = await w.pay(w.fixture.amount);
        expect(value(payee, 'the payee').status).toBe('captured');
        expect(value(payer, 'the payer').status).toBe('captured');
        expect((await w.payee.manager.transaction(transactionId))?.moduleId).toBe(w.payee.built.module.id);
      });

      it("policy: a module the payer's policy forbids is not used; both sides are cancelled and nothing moves", {
        timeout,
      }, async () => {
        const forbid = (moduleId: string) =>
          new ModulePolicy({ rules: [{ name: 'forbid-under-test', effect: 'forbid', modules: [moduleId] }] });
        const w2 = await world({ payer: { policy: forbid } });
        const before = await balances(w2);
        const { transactionId, payee, payer } = await w2.pay(w2.fixture.amount);
        const pe = value(payee, 'the payee');
        const pr = value(payer, 'the payer');
        expect(pr.status).toBe('cancelled');
        expect(pe.status).toBe('cancelled');
        if (pr.status === 'cancelled') expect(pr.reason).toBe('no-acceptable-module');
        if (pe.status === 'cancelled') expect(pe.reason).toBe('no-acceptable-module');
        const r = await records(w2, transactionId);
        expect(r.payer).toBeUndefined();
        expect(r.payee).toBeUndefined();
        await expectMoved(w2, before, w2.fixture.amount.subtract(w2.fixture.amount));
      });

      it('trusted-io choice: with two modules left the user picks, and the pick is used', { timeout }, async () => {
        const probe = await make();
        const decoyFor = () => new DecoyPaymentModule([probe.amount.currency]);
        let picked: string | undefined;
        const w = await world(
          {
            payer: {
              extraModules: [decoyFor()],
              choice: (request) => {
                picked = request.options.find((o) => o.id !== 'conformance.decoy')?.id;
                return picked;
              },
            },
            payee: { extraModules: [decoyFor()] },
          },
          probe,
        );
        const { transactionId, payee, payer } = await w.pay(w.fixture.amount);
        expect(value(payer, 'the payer').status).toBe('captured');
        expect(value(payee, 'the payee').status).toBe('captured');
        expect(picked).toBe(w.payer.built.module.id);
        expect((await w.payer.manager.transaction(transactionId))?.moduleId).toBe(picked);
        const chosen = w.payer.trustedIo.decisions.filter((d) => d.type === 'trustedio.chosen');
        expect(chosen.length).toBe(1);
        const confirmed = w.payer.trustedIo.decisions.filter((d) => d.type === 'trustedio.confirmed');
        expect(confirmed.length, 'the payer confirmed the amount and payee').toBe(1);
      });

      it('trusted-io choice refused: both sides are cancelled and nothing moves', { timeout }, async () => {
        const probe = await make();
        const w = await world(
          {
            payer: { extraModules: [new DecoyPaymentModule([probe.amount.currency])], choice: 'refuse' },
            payee: { extraModules: [new DecoyPaymentModule([probe.amount.currency])] },
          },
          probe,
        );
        const before = await balances(w);
        const { payee, payer } = await w.pay(w.fixture.amount);
        const pr = value(payer, 'the payer');
        expect(pr.status).toBe('cancelled');
        if (pr.status === 'cancelled') expect(pr.reason).toBe('module-not-chosen');
        expect(value(payee, 'the payee').status).toBe('cancelled');
        await expectMoved(w, before, w.fixture.amount.subtract(w.fixture.amount));
      });

      it('a confirmation refused by trusted-io cancels before any value moves', { timeout }, async () => {
        const w = await world({ payer: { confirmRules: [] } });
        const before = await balances(w);
        const { transactionId, payee, payer } = await w.pay(w.fixture.amount);
        const pr = value(payer, 'the payer');
        expect(pr.status).toBe('cancelled');
        if (pr.status === 'cancelled') expect(pr.reason).toBe('not-confirmed');
        const pe = value(payee, 'the payee');
        expect(pe.status).toBe('cancelled');
        expect(w.payer.trustedIo.decisions.some((d) => d.type === 'trustedio.refused')).toBe(true);
        const r = await records(w, transactionId);
        expect(r.payer, 'no record: the module was never called').toBeUndefined();
        await expectMoved(w, before, w.fixture.amount.subtract(w.fixture.amount));
      });
    });

    describe('result semantics', () => {
      it('a decline is returned at both sides, and nothing moves', { timeout }, async (ctx: Ctx) => {
        const w = await world();
        if (w.fixture.faults?.declineNext === undefined) ctx.skip('the fixture has no declineNext fault');
        await w.fixture.faults?.declineNext?.();
        const before = await balances(w);
        const { transactionId, payee, payer } = await w.pay(w.fixture.amount);
        const pe = value(payee, 'the payee');
        const pr = value(payer, 'the payer');
        expect(pe.status).toBe('declined');
        expect(pr.status).toBe('declined');
        if (pe.status === 'declined') expect(pe.reason.length).toBeGreaterThan(0);
        const r = await records(w, transactionId);
        expect(r.payer?.state).toBe('declined');
        expect(r.payee?.state).toBe('declined');
        await expectMoved(w, before, w.fixture.amount.subtract(w.fixture.amount));
      });

      it("a module's fault is thrown with the module's error as cause, and recovery settles it", {
        timeout,
      }, async (ctx: Ctx) => {
        const w = await world();
        const faults = w.fixture.faults;
        const step = faults?.crashSteps?.find((s) => s.operation === undefined);
        if (faults?.failNext === undefined || step === undefined)
          ctx.skip('the fixture has no failNext fault or no crashSteps');
        await faults?.failNext?.(step!.role, step!.step);
        const before = await balances(w);
        const { transactionId, payee, payer } = await w.pay(w.fixture.amount);
        const failed = step!.role === 'payer' ? payer : payee;
        expect(failed.status).toBe('rejected');
        const err = (failed as PromiseRejectedResult).reason as PaymentModuleFaultError;
        expect(err).toBeInstanceOf(PaymentModuleFaultError);
        expect(err.code).toBe('ERR_PAYMENTS_MODULE_FAULT');
        expect(err.cause).toBeInstanceOf(Error);
        expect(err.cause).not.toBeInstanceOf(PaymentModuleFaultError);
        await faults?.clear?.();
        const reports = [await w.payer.manager.recoverPending(), await w.payee.manager.recoverPending()];
        for (const report of reports) expect(report.stillPending).toEqual([]);
        const r = await records(w, transactionId);
        expect(r.payer?.pending).toBeUndefined();
        expect(r.payee?.pending).toBeUndefined();
        if (r.payer && r.payee) expect(moved(r.payer)).toBe(moved(r.payee));
        const movedAmount = moved(r.payee) ? w.fixture.amount : w.fixture.amount.subtract(w.fixture.amount);
        await expectMoved(w, before, movedAmount);
      });

      it('a malformed message from the other party is a fault at the receiver, never a payment', {
        timeout,
      }, async (ctx: Ctx) => {
        let fired = false;
        const garbage = new TextEncoder().encode('\u0000{"not": "what you expect"');
        const w = await world({
          payee: {
            tamper: (m) => {
              if (fired || !m.headers['semper-payment-step']?.startsWith('m.')) return m;
              fired = true;
              return { ...m, body: garbage };
            },
          },
        });
        const before = await balances(w);
        const { transactionId, payee } = await w.pay(w.fixture.amount);
        if (!fired) ctx.skip('the payee receives no module message from the payer');
        expect(payee.status, 'the payee did not accept garbage').toBe('rejected');
        const err = (payee as PromiseRejectedResult).reason as PaymentModuleFaultError;
        expect(err.code).toBe('ERR_PAYMENTS_MODULE_FAULT');
        expect(err.cause).toBeInstanceOf(Error);
        for (const report of [await w.payer.manager.recoverPending(), await w.payee.manager.recoverPending()]) {
          expect(report.stillPending).toEqual([]);
        }
        const r = await records(w, transactionId);
        if (r.payer && r.payee) expect(moved(r.payer), 'both sides agree whether value moved').toBe(moved(r.payee));
        await expectMoved(w, before, moved(r.payee) ? w.fixture.amount : w.fixture.amount.subtract(w.fixture.amount));
      });
    });

    describe('idempotency', () => {
      it('a repeated payment with the same keys returns the first result and moves nothing more', {
        timeout,
      }, async () => {
        const w = await world();
        const first = await w.pay(w.fixture.amount);
        const pe = value(first.payee, 'the payee');
        const pr = value(first.payer, 'the payer');
        const afterFirst = await balances(w);
        const again = await w.pay(w.fixture.amount, { transactionId: first.transactionId });
        const pe2 = value(again.payee, 'the repeated request');
        const pr2 = value(again.payer, 'the repeated payment');
        expect(pe2.status).toBe(pe.status);
        expect(pe2.transactionId).toBe(pe.transactionId);
        expect(pr2.status).toBe(pr.status);
        expect(pr2.transactionId).toBe(pr.transactionId);
        await expectMoved(w, afterFirst, w.fixture.amount.subtract(w.fixture.amount));
        const history = await w.payee.manager.history(first.transactionId);
        expect(history.filter((e) => e.operation === 'receive').length).toBe(1);
      });

      it('the same key with a different request is rejected with ERR_PAYMENTS_IDEMPOTENCY_CONFLICT', {
        timeout,
      }, async () => {
        const w = await world();
        const first = await w.pay(w.fixture.amount);
        value(first.payee, 'the payee');
        const other = minor(w.fixture.amount, 1n);
        const err = await rejection(
          w.payee.manager.requestPayment({
            to: w.payer.address,
            amount: other,
            transactionId: first.transactionId,
            idempotencyKey: `${first.transactionId}.request`,
          }),
        );
        expect(err.code).toBe('ERR_PAYMENTS_IDEMPOTENCY_CONFLICT');
        const err2 = await rejection(
          w.payer.manager.pay({ transactionId: 'pay_other', idempotencyKey: `${first.transactionId}.pay` }),
        );
        expect(err2.code).toBe('ERR_PAYMENTS_IDEMPOTENCY_CONFLICT');
      });

      it('captures and refunds are idempotent per key, and a key reused for another amount conflicts', {
        timeout,
      }, async (ctx: Ctx) => {
        const w = await world();
        const caps = capabilities(w);
        if (!caps.twoPhase && caps.refunds === 'none') ctx.skip('the module has neither capture nor refunds');
        const amount = w.fixture.amount;
        let transactionId: string;
        if (caps.twoPhase) {
          const paid = await w.pay(amount, { mode: 'authorize' });
          transactionId = paid.transactionId;
          expect(value(paid.payee, 'the payee').status).toBe('authorized');
          const c1 = await w.payee.manager.capture(transactionId, { idempotencyKey: 'capture-1', amount });
          const c2 = await w.payee.manager.capture(transactionId, { idempotencyKey: 'capture-1', amount });
          expect(c2.status).toBe(c1.status);
          expect(c2.record.captured.toString()).toBe(amount.toString());
          const conflict = await rejection(
            w.payee.manager.capture(transactionId, { idempotencyKey: 'capture-1', amount: minor(amount, 1n) }),
          );
          expect(conflict.code).toBe('ERR_PAYMENTS_IDEMPOTENCY_CONFLICT');
        } else {
          const paid = await w.pay(amount);
          transactionId = paid.transactionId;
          expect(value(paid.payee, 'the payee').status).toBe('captured');
        }
        if (caps.refunds !== 'none') {
          const refundAmount = caps.refunds === 'partial' ? minor(amount, 1n) : amount;
          const r1 = await w.payee.manager.refund(transactionId, { idempotencyKey: 'refund-1', amount: refundAmount });
          const r2 = await w.payee.manager.refund(transactionId, { idempotencyKey: 'refund-1', amount: refundAmount });
          expect(r1.status).toBe('refunded');
          expect(r2.status).toBe('refunded');
          expect(r2.record.refunded.toString()).toBe(refundAmount.toString());
          const conflict = await rejection(
            w.payee.manager.refund(transactionId, { idempotencyKey: 'refund-1', amount: minor(amount, 2n) }),
          );
          expect(conflict.code).toBe('ERR_PAYMENTS_IDEMPOTENCY_CONFLICT');
          const history = await w.payee.manager.history(transactionId);
          expect(history.filter((e) => e.operation === 'refund').length).toBe(1);
        }
      });
    });

    describe('bounds', () => {
      it('a capture above the authorized amount is refused, and the authorization stays usable', {
        timeout,
      }, async (ctx: Ctx) => {
        const w = await world();
        if (!capabilities(w).twoPhase) ctx.skip('the module is not two-phase');
        const amount = w.fixture.amount;
        const { transactionId, payee } = await w.pay(amount, { mode: 'authorize' });
        expect(value(payee, 'the payee').status).toBe('authorized');
        const err = await rejection(
          w.payee.manager.capture(transactionId, { idempotencyKey: 'too-much', amount: amount.add(minor(amount, 1n)) }),
        );
        expect(err.code).toBe('ERR_PAYMENTS_AMOUNT_EXCEEDS_AUTHORIZED');
        const rec = await w.payee.manager.transaction(transactionId);
        expect(rec?.state).toBe('authorized');
        expect(rec?.captured.isZero()).toBe(true);
        const ok = await w.payee.manager.capture(transactionId, { idempotencyKey: 'exact', amount });
        expect(ok.status).toBe('captured');
      });

      it('a refund above the captured amount is refused', { timeout }, async (ctx: Ctx) => {
        const w = await world();
        if (capabilities(w).refunds === 'none') ctx.skip('the module has no refunds');
        const amount = w.fixture.amount;
        const { transactionId, payee } = await w.pay(amount);
        expect(value(payee, 'the payee').status).toBe('captured');
        const err = await rejection(
          w.payee.manager.refund(transactionId, { idempotencyKey: 'too-much', amount: amount.add(minor(amount, 1n)) }),
        );
        expect(err.code).toBe('ERR_PAYMENTS_REFUND_EXCEEDS_CAPTURED');
        expect((await w.payee.manager.transaction(transactionId))?.refunded.isZero()).toBe(true);
      });

      it('concurrent refunds never add up to more than was captured', { timeout }, async (ctx: Ctx) => {
        const w = await world();
        if (capabilities(w).refunds !== 'partial') ctx.skip('the module has no partial refunds');
        const amount = w.fixture.amount;
        const { transactionId, payee } = await w.pay(amount);
        expect(value(payee, 'the payee').status).toBe('captured');
        const each = amount.subtract(minor(amount, 1n)); // two of these exceed the amount
        const settled = await Promise.allSettled([
          w.payee.manager.refund(transactionId, { idempotencyKey: 'c1', amount: each }),
          w.payee.manager.refund(transactionId, { idempotencyKey: 'c2', amount: each }),
        ]);
        const ok = settled.filter((s) => s.status === 'fulfilled' && s.value.status === 'refunded');
        expect(ok.length).toBe(1);
        for (const s of settled) {
          if (s.status === 'rejected') {
            expect(['ERR_PAYMENTS_INVALID_STATE', 'ERR_PAYMENTS_REFUND_EXCEEDS_CAPTURED']).toContain(
              (s.reason as { code?: string }).code,
            );
          }
        }
        const rec = await w.payee.manager.transaction(transactionId);
        expect(rec?.refunded.toString()).toBe(each.toString());
        expect(rec?.refunded.lessThanOrEqual(rec.captured)).toBe(true);
      });
    });

    describe('crash and recovery', () => {
      it('a crash at each named step is recovered on restart: nothing pending, both sides agree, balances hold', {
        timeout: timeout * 4,
      }, async (ctx: Ctx) => {
        const probe = await make();
        const steps = (probe.faults?.crashSteps ?? []).filter((s) => s.operation === undefined);
        await probe.close?.();
        if (steps.length === 0 || probe.faults?.crashAt === undefined) ctx.skip('the fixture names no crash steps');
        for (const step of steps) {
          const label = `crash of the ${step.role} at '${step.step}'`;
          const w = await world();
          const before = await balances(w);
          await w.fixture.faults?.crashAt?.(step.role, step.step);
          const { transactionId, payer, payee } = await w.pay(w.fixture.amount);
          const crashed = step.role === 'payer' ? payer : payee;
          expect(crashed.status, `${label}: the crashed side's call did not finish`).toBe('rejected');
          await w.fixture.faults?.clear?.();
          const reports = await w.restart();
          // The other side may have been waiting on the crashed one: settle what it left.
          const again = [await w.payer.manager.recoverPending(), await w.payee.manager.recoverPending()];
          for (const report of [reports.payer, reports.payee, ...again].slice(-2)) {
            expect(report.stillPending, `${label}: nothing stays pending`).toEqual([]);
          }
          const r = await records(w, transactionId);
          expect(r.payer?.pending, label).toBeUndefined();
          expect(r.payee?.pending, label).toBeUndefined();
          if (r.payer && r.payee)
            expect(moved(r.payer), `${label}: both sides agree whether value moved`).toBe(moved(r.payee));
          const wasMoved = moved(r.payee) || (r.payee === undefined && moved(r.payer));
          await expectMoved(w, before, wasMoved ? w.fixture.amount : w.fixture.amount.subtract(w.fixture.amount));
          // The module works after recovery.
          const next = await w.pay(minor(w.fixture.amount, 1n));
          expect(value(next.payee, `${label}: a payment after recovery`).status).toBe('captured');
          expect(value(next.payer, `${label}: a payment after recovery`).status).toBe('captured');
        }
      });
    });

    describe('crash and recovery of operations', () => {
      it('a crash at each named step of a capture, void or refund is recovered on restart, and the operation can be finished', {
        timeout: timeout * 4,
      }, async (ctx: Ctx) => {
        const probe = await make();
        const steps = (probe.faults?.crashSteps ?? []).filter((s) => s.operation !== undefined);
        await probe.close?.();
        if (steps.length === 0 || probe.faults?.crashAt === undefined) {
          ctx.skip('the fixture names no crash steps of capture, void or refund');
        }
        for (const step of steps) {
          const op = step.operation as 'capture' | 'void' | 'refund';
          const label = `crash of the ${step.role} at '${step.step}' of a ${op}`;
          const w = await world();
          const amount = w.fixture.amount;
          const before = await balances(w);
          const paid = await w.pay(amount, { mode: op === 'refund' ? 'sale' : 'authorize' });
          expect(value(paid.payee, label).status).toBe(op === 'refund' ? 'captured' : 'authorized');
          const tx = paid.transactionId;
          const run = (key: string) =>
            op === 'capture'
              ? w.payee.manager.capture(tx, { idempotencyKey: key, amount })
              : op === 'void'
                ? w.payee.manager.void(tx, { idempotencyKey: key })
                : w.payee.manager.refund(tx, { idempotencyKey: key, amount });
          await w.fixture.faults?.crashAt?.(step.role, step.step);
          const crashed = await rejection(run('crash-op'));
          expect(crashed.code, label).toBe('ERR_PAYMENTS_MODULE_FAULT');
          await w.fixture.faults?.clear?.();
          const reports = await w.restart();
          expect(reports.payee.stillPending, `${label}: nothing stays pending`).toEqual([]);
          const rec = await w.payee.manager.transaction(tx);
          expect(rec?.pending, label).toBeUndefined();
          const done = op === 'capture' ? 'captured' : op === 'void' ? 'voided' : 'refunded';
          const untouched = op === 'refund' ? 'captured' : 'authorized';
          expect([done, untouched], `${label}: the record says whether it happened`).toContain(rec?.state);
          if (rec?.state === untouched) {
            const retried = await run('after-crash');
            expect(retried.status, `${label}: the operation can be made again`).toBe(
              op === 'capture' ? 'captured' : op === 'void' ? 'voided' : 'refunded',
            );
          } else {
            // the key's result is the recovered one
            expect((await run('crash-op')).status, label).toBe(done === 'refunded' ? 'refunded' : done);
          }
          await expectMoved(w, before, op === 'capture' ? amount : amount.subtract(amount));
        }
      });
    });

    describe('evidence and events', () => {
      it('every protocol message is archived at both sides, byte for byte, and the archives verify', {
        timeout,
      }, async () => {
        const w = await world();
        const { transactionId, payee } = await w.pay(w.fixture.amount);
        expect(value(payee, 'the payee').status).toBe('captured');
        const payerRecords = await w.payer.archive.records({ dealId: transactionId });
        const payeeRecords = await w.payee.archive.records({ dealId: transactionId });
        const steps = (rs: typeof payerRecords, dir: string) =>
          rs.filter((r) => r.direction === dir).map((r) => r.step);
        expect(steps(payeeRecords, 'sent')).toContain('payment.p.request');
        expect(steps(payerRecords, 'received')).toContain('payment.p.request');
        expect(steps(payerRecords, 'sent')).toContain('payment.p.select');
        expect(steps(payeeRecords, 'received')).toContain('payment.p.select');
        const moduleId = w.payee.built.module.id;
        const moduleMessages = payerRecords.filter(
          (r) => r.step.startsWith(`payment.${moduleId}.`) && r.peer !== `module:${moduleId}`,
        );
        expect(moduleMessages.length, 'the module exchanged messages through the peer').toBeGreaterThan(0);
        const digests = (rs: typeof payerRecords, dir: string) =>
          rs
            .filter((r) => r.direction === dir && r.peer !== `module:${moduleId}`)
            .map((r) => `${r.step}:${r.contentDigest}`)
            .sort();
        expect(digests(payerRecords, 'sent')).toEqual(digests(payeeRecords, 'received'));
        expect(digests(payeeRecords, 'sent')).toEqual(digests(payerRecords, 'received'));
        expect((await w.payer.archive.verify()).ok).toBe(true);
        expect((await w.payee.archive.verify()).ok).toBe(true);
      });

      it('state changes are published on events$ at both sides', { timeout }, async () => {
        const w = await world();
        const { transactionId, payee } = await w.pay(w.fixture.amount);
        expect(value(payee, 'the payee').status).toBe('captured');
        for (const side of [w.payer, w.payee]) {
          const changes = side.events.filter(
            (e) => e.type === 'payments.state-changed' && e.transactionId === transactionId,
          );
          expect(changes.map((e) => (e as { state: string }).state)).toContain('captured');
          expect(
            side.events.some((e) => e.type === 'payments.module-selected' && e.transactionId === transactionId),
          ).toBe(true);
        }
        expect(w.payer.events.some((e) => e.type === 'payments.request-received')).toBe(true);
      });
    });
  });
}
