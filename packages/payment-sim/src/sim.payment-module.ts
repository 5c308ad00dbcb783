import type { Money } from '@semper/core';
import {
  AbstractPaymentModule,
  type CaptureContext,
  type CaptureOutcome,
  type PayeeContext,
  type PayerContext,
  type PayOutcome,
  PaymentProtocolError,
  type Purse,
  type ReceiveOutcome,
  type RecoveryContext,
  type RecoveryOutcome,
  type RefundContext,
  type RefundOutcome,
  type TransactionContext,
  type VoidOutcome,
} from '@semper/payments/spi';
import { z } from 'zod';
import { SimError } from './errors.js';
import type { SimBank, SimOperation } from './sim.bank.js';

/**
 * A party's account at the simulated bank, as a purse.
 *
 * @example
 * ```ts
 * import type { SimPurse } from '@semper/payment-sim';
 * declare const purse: SimPurse;
 * console.log(purse.accountId, (await purse.balance()).toString());
 * ```
 */
export interface SimPurse extends Purse {
  readonly accountId: string;
  /** The account's available balance (balance − held). */
  balance(): Promise<Money>;
}

/**
 * Options of {@link SimPaymentModule}.
 *
 * - `bank`: the simulated bank both parties' modules talk to;
 * - `currencies`: default `['EUR', 'USD', 'CHF']`;
 * - `authorizationTtlMs`: how long a hold lasts (default 7 days);
 * - `bankTimeoutMs`: how long the module waits for the bank (default 5 000);
 * - `id`: the module id (default `payment-sim`).
 *
 * @example
 * ```ts
 * import type { SimPaymentModuleOptions } from '@semper/payment-sim';
 * declare const bank: import('@semper/payment-sim').SimBank;
 * const options: SimPaymentModuleOptions = { bank, currencies: ['EUR'], bankTimeoutMs: 1000 };
 * ```
 */
export interface SimPaymentModuleOptions {
  readonly bank: SimBank;
  readonly currencies?: readonly string[];
  readonly authorizationTtlMs?: number;
  readonly bankTimeoutMs?: number;
  readonly id?: string;
}

const accountMessage = z.strictObject({
  v: z.literal(1),
  account: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$/),
});
const resultMessage = z.strictObject({
  v: z.literal(1),
  status: z.enum(['done', 'declined']),
  key: z.string().max(300),
  reason: z.string().max(200).optional(),
});
const purseConfig = z.strictObject({ account: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$/) });

function encode(value: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(value));
}

function decode<T>(schema: z.ZodType<T>, bytes: Uint8Array, step: string): T {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (err) {
    throw new PaymentProtocolError(step, 'not UTF-8 JSON', { cause: err });
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success)
    throw new PaymentProtocolError(step, `invalid at ${parsed.error.issues.map((i) => i.path.join('.')).join(', ')}`);
  return parsed.data;
}

/** The bank key of a payment (a transfer or a hold). */
function paymentKey(transactionId: string): string {
  return `pay:${transactionId}`;
}

function operationKey(kind: 'cap' | 'void' | 'ref', transactionId: string, idempotencyKey: string): string {
  return `${kind}:${transactionId}:${idempotencyKey}`;
}

/**
 * The simulated bank as a payment module (`payment-sim`): account-based, two-phase (a hold, then a
 * capture of part or all of it, or a release), partial refunds. The protocol, over the peer:
 * 1. the payee sends `account` (its account id);
 * 2. the payer checkpoints, asks the bank to transfer (sale) or hold (authorization) the amount under
 *    the key `pay:<transaction>`, and sends `result` (done or declined);
 * 3. the payee does not take the payer's word: it looks the operation up at the bank and checks
 *    payee account, amount and kind, then returns the bank's answer.
 *
 * Recovery settles the key at the bank: the recorded operation if there is one, otherwise a
 * tombstone that makes any late arrival of the same request a decline, so both parties reach the same
 * answer and a request still on its way can no longer move money. Faults come from the bank's
 * {@link SimFaults} (declines, delays past `bankTimeoutMs`, failures and crashes at the named
 * {@link SIM_STEPS}).
 *
 * @example
 * ```ts
 * import { Money } from '@semper/core';
 * import { openStore } from '@semper/store';
 * import { SimBank, SimPaymentModule } from '@semper/payment-sim';
 * const bank = await SimBank.open({ store: await openStore('pglite:memory') });
 * await bank.openAccount({ id: 'ACC-ALICE', owner: 'alice', currency: 'EUR', balance: Money.parse('100', 'EUR') });
 * const sim = new SimPaymentModule({ bank });
 * const purse = await sim.openPurse('alice', { account: 'ACC-ALICE' });
 * console.log((await purse.balance()).toString()); // 100.00 EUR
 * ```
 */
export class SimPaymentModule extends AbstractPaymentModule<SimPurse> {
  readonly bank: SimBank;
  readonly #bankTimeoutMs: number;
  readonly #ttl: number;

  constructor(options: SimPaymentModuleOptions) {
    const ttl = options.authorizationTtlMs ?? 7 * 24 * 3600 * 1000;
    super({
      id: options.id ?? 'payment-sim',
      version: '1.0.0',
      block: 'payments',
      jurisdictions: ['*'],
      capabilities: {
        payment: {
          model: 'account-based',
          currencies: options.currencies ?? ['EUR', 'USD', 'CHF'],
          twoPhase: true,
          authorizationTtlMs: ttl,
          refunds: 'partial',
        },
      },
    });
    if (typeof options.bank?.transfer !== 'function')
      throw new SimError('ERR_SIM_INVALID_ARGUMENT', 'a SimBank is needed');
    this.bank = options.bank;
    this.#ttl = ttl;
    this.#bankTimeoutMs = options.bankTimeoutMs ?? 5_000;
    if (!Number.isSafeInteger(this.#bankTimeoutMs) || this.#bankTimeoutMs <= 0) {
      throw new SimError('ERR_SIM_INVALID_ARGUMENT', 'bankTimeoutMs is a positive integer');
    }
  }

  protected override async onOpenPurse(owner: string, config: unknown): Promise<SimPurse> {
    const parsed = purseConfig.safeParse(config);
    if (!parsed.success) throw new SimError('ERR_SIM_INVALID_ARGUMENT', 'a sim purse needs { account }');
    const account = await this.bank.account(parsed.data.account);
    if (account === undefined) throw new SimError('ERR_SIM_UNKNOWN_ACCOUNT', `no account ${parsed.data.account}`);
    if (account.owner !== owner)
      throw new SimError('ERR_SIM_INVALID_ARGUMENT', `account ${account.id} is not ${owner}'s`);
    const bank = this.bank;
    return Object.freeze({
      moduleId: this.id,
      owner,
      accountId: account.id,
      label: `sim account ${account.id}`,
      balance: async () => {
        const a = await bank.account(account.id);
        if (a === undefined) throw new SimError('ERR_SIM_UNKNOWN_ACCOUNT', `no account ${account.id}`);
        return a.available;
      },
    });
  }

  protected override async onPay(ctx: PayerContext<SimPurse>): Promise<PayOutcome> {
    const { account } = decode(accountMessage, await ctx.peer.receive('account', { maxBytes: 1024 }), 'account');
    const key = paymentKey(ctx.transactionId);
    await ctx.checkpoint('transfer', { key, from: ctx.purse.accountId, to: account });
    this.bank.faults.check('payer', 'before-transfer');
    const request = { key, from: ctx.purse.accountId, to: account, amount: ctx.amount, reference: ctx.transactionId };
    const result = await this.#withTimeout(
      ctx.mode === 'sale'
        ? this.bank.transfer(request)
        : this.bank.hold({ ...request, expiresAt: new Date(ctx.clock.now().getTime() + this.#ttl) }),
    );
    this.bank.faults.check('payer', 'after-transfer');
    await ctx.peer.send(
      'result',
      encode({ v: 1, status: result.status, key, ...(result.status === 'declined' ? { reason: result.reason } : {}) }),
    );
    if (result.operation !== undefined)
      await ctx.evidence('bank-operation', 'local', encode(describe(result.operation)));
    if (result.status === 'declined') return { status: 'declined', reason: result.reason, moduleData: { key } };
    return ctx.mode === 'sale'
      ? { status: 'captured', amount: ctx.amount, moduleData: { key } }
      : { status: 'authorized', amount: ctx.amount, moduleData: { key } };
  }

  protected override async onReceive(ctx: PayeeContext<SimPurse>): Promise<ReceiveOutcome> {
    await ctx.peer.send('account', encode({ v: 1, account: ctx.purse.accountId }));
    const report = decode(resultMessage, await ctx.peer.receive('result', { maxBytes: 2048 }), 'result');
    const key = paymentKey(ctx.transactionId);
    if (report.key !== key) throw new PaymentProtocolError('result', 'another bank key');
    this.bank.faults.check('payee', 'before-verify');
    const op = await this.#withTimeout(this.bank.operation(key));
    if (op === undefined)
      throw new SimError('ERR_SIM_MISMATCH', `the payer reported ${report.status}, the bank has no operation`);
    this.#checkPayment(op, ctx.purse.accountId, ctx.amount, ctx.mode === 'sale' ? 'transfer' : 'hold');
    if ((op.state === 'done') !== (report.status === 'done')) {
      throw new SimError('ERR_SIM_MISMATCH', `the payer reported ${report.status}, the bank says ${op.state}`);
    }
    this.bank.faults.check('payee', 'after-verify');
    await ctx.evidence('bank-operation', 'local', encode(describe(op)));
    if (op.state === 'declined') return { status: 'declined', reason: op.reason ?? 'declined', moduleData: { key } };
    return ctx.mode === 'sale'
      ? { status: 'captured', amount: ctx.amount, moduleData: { key } }
      : { status: 'authorized', amount: ctx.amount, moduleData: { key } };
  }

  protected override async onCapture(ctx: CaptureContext<SimPurse>): Promise<CaptureOutcome> {
    this.bank.faults.check('payee', 'before-capture');
    const r = await this.#withTimeout(
      this.bank.capture({
        key: operationKey('cap', ctx.transactionId, ctx.idempotencyKey),
        holdKey: paymentKey(ctx.transactionId),
        amount: ctx.amount,
      }),
    );
    this.bank.faults.check('payee', 'after-capture');
    return r.status === 'done' ? { status: 'captured', amount: ctx.amount } : { status: 'declined', reason: r.reason };
  }

  protected override async onVoid(ctx: TransactionContext<SimPurse>): Promise<VoidOutcome> {
    this.bank.faults.check('payee', 'before-void');
    const r = await this.#withTimeout(
      this.bank.release({
        key: operationKey('void', ctx.transactionId, ctx.idempotencyKey),
        holdKey: paymentKey(ctx.transactionId),
      }),
    );
    this.bank.faults.check('payee', 'after-void');
    return r.status === 'done' ? { status: 'voided' } : { status: 'declined', reason: r.reason };
  }

  protected override async onRefund(ctx: RefundContext<SimPurse>): Promise<RefundOutcome> {
    this.bank.faults.check('payee', 'before-refund');
    const r = await this.#withTimeout(
      this.bank.refund({
        key: operationKey('ref', ctx.transactionId, ctx.idempotencyKey),
        paymentKey: paymentKey(ctx.transactionId),
        amount: ctx.amount,
      }),
    );
    this.bank.faults.check('payee', 'after-refund');
    return r.status === 'done' ? { status: 'refunded', amount: ctx.amount } : { status: 'declined', reason: r.reason };
  }

  protected override async onRecover(ctx: RecoveryContext<SimPurse>): Promise<RecoveryOutcome> {
    const record = ctx.record;
    const pending = record.pending;
    if (pending === undefined) return { status: 'not-done' };
    if (pending.operation === 'pay' || pending.operation === 'receive') {
      const key = paymentKey(record.id);
      const kind = record.mode === 'sale' ? 'transfer' : 'hold';
      const op = await this.bank.settle({ key, kind, amount: record.amount, reason: 'abandoned' });
      await ctx.evidence('recovery', 'local', encode(describe(op)));
      if (op.state === 'declined') {
        return op.reason === 'abandoned'
          ? { status: 'failed', reason: 'the bank never did it' }
          : { status: 'declined', reason: op.reason ?? 'declined' };
      }
      if (op.kind !== kind || !op.amount.equals(record.amount)) {
        return { status: 'failed', reason: 'the bank operation does not match the payment' };
      }
      if (record.role === 'payee' && ctx.purse !== undefined && op.to !== ctx.purse.accountId) {
        return { status: 'failed', reason: 'the bank operation does not pay this payee' };
      }
      return kind === 'transfer'
        ? { status: 'captured', amount: record.amount, moduleData: { key } }
        : { status: 'authorized', amount: record.amount, moduleData: { key } };
    }
    const prefix = pending.operation === 'capture' ? 'cap' : pending.operation === 'void' ? 'void' : 'ref';
    const kind = pending.operation === 'capture' ? 'capture' : pending.operation === 'void' ? 'release' : 'refund';
    const amount = pending.amount ?? record.authorized;
    const op = await this.bank.settle({
      key: operationKey(prefix, record.id, pending.idempotencyKey),
      kind,
      amount,
      parentKey: paymentKey(record.id),
      reason: 'abandoned',
    });
    if (op.state === 'declined') return { status: 'not-done', reason: op.reason ?? 'declined' };
    if (pending.operation === 'capture') return { status: 'captured', amount: op.amount };
    if (pending.operation === 'void') return { status: 'voided' };
    return { status: 'refunded', amount: op.amount };
  }

  #checkPayment(op: SimOperation, account: string, amount: Money, kind: 'transfer' | 'hold'): void {
    if (op.kind !== kind) throw new SimError('ERR_SIM_MISMATCH', `the bank operation is a ${op.kind}, not a ${kind}`);
    if (op.state === 'declined') return;
    if (op.to !== account) throw new SimError('ERR_SIM_MISMATCH', 'the bank operation pays another account');
    if (!op.amount.equals(amount)) throw new SimError('ERR_SIM_MISMATCH', 'the bank operation is for another amount');
  }

  async #withTimeout<T>(promise: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new SimError('ERR_SIM_TIMEOUT', `the bank did not answer within ${this.#bankTimeoutMs} ms`)),
        this.#bankTimeoutMs,
      );
    });
    promise.catch(() => undefined);
    try {
      return await Promise.race([promise, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}

function describe(op: SimOperation): Record<string, unknown> {
  return {
    key: op.key,
    kind: op.kind,
    state: op.state,
    ...(op.reason === undefined ? {} : { reason: op.reason }),
    amount: op.amount.toJSON(),
    ...(op.from === undefined ? {} : { from: op.from }),
    ...(op.to === undefined ? {} : { to: op.to }),
    at: op.at.toISOString(),
  };
}
