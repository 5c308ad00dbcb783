import { type Clock, Money, SystemClock } from '@semper/core';
import { type MigrationSet, migrate, type Queryable, type Row, type Store } from '@semper/store';
import { SimError } from './errors.js';
import { SimFaults } from './sim.faults.js';

/**
 * The simulated bank's schema (`@semper/payment-sim` migrations), in any store:
 * - `sim_accounts`: id, owner, currency, `balance` and `held` (reserved by authorizations) in minor
 *   units, with `0 ≤ held ≤ balance` as a CHECK constraint;
 * - `sim_operations`: every operation by its unique key (transfer, hold, capture, release, refund,
 *   deposit), its accounts and amount, its state (`done`, `declined`), what a hold has captured and a
 *   payment has refunded (`captured ≤ amount`, `refunded ≤ captured` as CHECKs).
 *
 * @example
 * ```ts
 * import { SIM_MIGRATIONS } from '@semper/payment-sim';
 * import { migrate, openStore } from '@semper/store';
 * await migrate(await openStore('pglite:memory'), SIM_MIGRATIONS);
 * ```
 */
export const SIM_MIGRATIONS: MigrationSet = {
  package: '@semper/payment-sim',
  migrations: [
    {
      version: 1,
      name: 'init',
      sql: `
CREATE TABLE sim_accounts (
  bank       text           NOT NULL,
  id         text           NOT NULL,
  owner      text           NOT NULL,
  currency   text           NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  balance    numeric(40, 0) NOT NULL DEFAULT 0,
  held       numeric(40, 0) NOT NULL DEFAULT 0,
  created_at timestamptz    NOT NULL,
  PRIMARY KEY (bank, id),
  CHECK (held >= 0 AND held <= balance)
);
CREATE TABLE sim_operations (
  bank         text           NOT NULL,
  key          text           NOT NULL,
  kind         text           NOT NULL CHECK (kind IN ('transfer', 'hold', 'capture', 'release', 'refund', 'deposit')),
  state        text           NOT NULL CHECK (state IN ('done', 'declined')),
  reason       text,
  from_account text,
  to_account   text,
  currency     text           NOT NULL,
  amount       numeric(40, 0) NOT NULL CHECK (amount >= 0),
  parent_key   text,
  reference    text,
  captured     numeric(40, 0) NOT NULL DEFAULT 0,
  refunded     numeric(40, 0) NOT NULL DEFAULT 0,
  open         boolean        NOT NULL DEFAULT false,
  expires_at   timestamptz,
  at           timestamptz    NOT NULL,
  PRIMARY KEY (bank, key),
  CHECK (captured <= amount),
  CHECK (refunded <= captured)
);
CREATE INDEX sim_operations_reference ON sim_operations (bank, reference);
`,
    },
  ],
};

/**
 * An account at the simulated bank.
 *
 * @example
 * ```ts
 * import type { SimAccount } from '@semper/payment-sim';
 * declare const a: SimAccount;
 * console.log(a.id, a.owner, a.available.toString());
 * ```
 */
export interface SimAccount {
  readonly id: string;
  readonly owner: string;
  readonly currency: string;
  readonly balance: Money;
  readonly held: Money;
  /** `balance − held`: what can be paid. */
  readonly available: Money;
}

/**
 * An operation as the bank records it.
 *
 * @example
 * ```ts
 * import type { SimOperation } from '@semper/payment-sim';
 * declare const op: SimOperation;
 * if (op.state === 'done' && op.kind === 'hold') console.log(op.amount.toString(), op.open);
 * ```
 */
export interface SimOperation {
  readonly key: string;
  readonly kind: 'transfer' | 'hold' | 'capture' | 'release' | 'refund' | 'deposit';
  readonly state: 'done' | 'declined';
  readonly reason?: string;
  readonly from?: string;
  readonly to?: string;
  readonly amount: Money;
  readonly parentKey?: string;
  readonly reference?: string;
  /** For a hold: what was captured; for a transfer, its full amount. */
  readonly captured: Money;
  /** For a transfer or a hold: what was refunded. */
  readonly refunded: Money;
  /** For a hold: whether it still reserves funds. */
  readonly open: boolean;
  readonly expiresAt?: Date;
  readonly at: Date;
}

/**
 * What an operation returns: the operation (done), or a decline (recorded too, so that a repeat of
 * the key and recovery see the same answer; only a release of an unknown hold is not recorded).
 *
 * @example
 * ```ts
 * import type { SimResult } from '@semper/payment-sim';
 * declare const r: SimResult;
 * if (r.status === 'declined') console.log(r.reason);
 * ```
 */
export type SimResult =
  | { readonly status: 'done'; readonly operation: SimOperation }
  | { readonly status: 'declined'; readonly reason: string; readonly operation?: SimOperation };

const KEY = /^[\x21-\x7e]{1,300}$/;
const ACCOUNT = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$/;

function bad(message: string): SimError {
  return new SimError('ERR_SIM_INVALID_ARGUMENT', message);
}

function checkKey(key: string): string {
  if (typeof key !== 'string' || !KEY.test(key)) throw bad('an operation key is 1 to 300 printable characters');
  return key;
}

function checkAccountId(id: string): string {
  if (typeof id !== 'string' || !ACCOUNT.test(id)) throw bad('an account id is 1 to 100 letters, digits, _ . : -');
  return id;
}

function checkPositive(amount: Money): Money {
  if (!Money.isMoney(amount) || !amount.isPositive()) throw bad('an amount is positive Money');
  return amount;
}

const OP_COLUMNS = `key, kind, state, reason, from_account, to_account, currency, amount::text AS amount, parent_key,
  reference, captured::text AS captured, refunded::text AS refunded, open, expires_at, at`;

function toOperation(r: Row): SimOperation {
  const currency = String(r.currency);
  const m = (v: unknown) => Money.of(BigInt(String(v)), currency);
  return Object.freeze({
    key: String(r.key),
    kind: r.kind as SimOperation['kind'],
    state: r.state as SimOperation['state'],
    ...(r.reason === null ? {} : { reason: String(r.reason) }),
    ...(r.from_account === null ? {} : { from: String(r.from_account) }),
    ...(r.to_account === null ? {} : { to: String(r.to_account) }),
    amount: m(r.amount),
    ...(r.parent_key === null ? {} : { parentKey: String(r.parent_key) }),
    ...(r.reference === null ? {} : { reference: String(r.reference) }),
    captured: m(r.captured),
    refunded: m(r.refunded),
    open: r.open === true,
    ...(r.expires_at === null
      ? {}
      : { expiresAt: r.expires_at instanceof Date ? r.expires_at : new Date(String(r.expires_at)) }),
    at: r.at instanceof Date ? r.at : new Date(String(r.at)),
  });
}

function toAccount(r: Row): SimAccount {
  const currency = String(r.currency);
  const balance = Money.of(BigInt(String(r.balance)), currency);
  const held = Money.of(BigInt(String(r.held)), currency);
  return Object.freeze({
    id: String(r.id),
    owner: String(r.owner),
    currency,
    balance,
    held,
    available: balance.subtract(held),
  });
}

/**
 * Options of {@link SimBank.open}.
 *
 * - `name`: the bank's name; several banks may share a store (default `sim`);
 * - `latencyMs`: a delay before each operation, to simulate a remote bank (default 0);
 * - `clock`: for operation times and hold expiry.
 *
 * @example
 * ```ts
 * import type { SimBankOptions } from '@semper/payment-sim';
 * declare const store: import('@semper/store').Store;
 * const options: SimBankOptions = { store, name: 'pilot-bank' };
 * ```
 */
export interface SimBankOptions {
  readonly store: Store;
  readonly name?: string;
  readonly latencyMs?: number;
  readonly clock?: Clock;
}

/**
 * A simulated bank for "payment by simulation" (the first pilot) and for tests: accounts with
 * balances, and operations that each run in one database transaction under row locks (a transfer
 * never half-happens, a balance never goes negative, concurrent payments from one account never
 * overdraw it). Every operation has a unique key: repeating it returns the first answer (declines
 * included), so a caller that lost the answer (a timeout, a crash) asks again or looks it up
 * (`operation(key)`). Faults are injected through {@link SimBank.faults}.
 *
 * @example
 * ```ts
 * import { Money } from '@semper/core';
 * import { openStore } from '@semper/store';
 * import { SimBank } from '@semper/payment-sim';
 * const bank = await SimBank.open({ store: await openStore('pglite:memory') });
 * await bank.openAccount({ id: 'ACC-ALICE', owner: 'alice', currency: 'EUR', balance: Money.parse('100.00', 'EUR') });
 * await bank.openAccount({ id: 'ACC-SHOP', owner: 'shop', currency: 'EUR' });
 * const r = await bank.transfer({ key: 'order-1', from: 'ACC-ALICE', to: 'ACC-SHOP', amount: Money.parse('9.90', 'EUR') });
 * console.log(r.status, (await bank.account('ACC-SHOP'))?.balance.toString()); // done 9.90 EUR
 * ```
 */
export class SimBank {
  readonly name: string;
  /** Fault injection: declines, delays, failures and crashes at named steps. */
  readonly faults: SimFaults = new SimFaults();
  readonly #store: Store;
  readonly #clock: Clock;
  readonly #latencyMs: number;

  private constructor(options: SimBankOptions) {
    this.#store = options.store;
    this.name = options.name ?? 'sim';
    this.#clock = options.clock ?? new SystemClock();
    this.#latencyMs = options.latencyMs ?? 0;
  }

  /**
   * Opens the bank in `store` (applying its migrations).
   *
   * @example
   * ```ts
   * // const bank = await SimBank.open({ store });
   * ```
   */
  static async open(options: SimBankOptions): Promise<SimBank> {
    if (typeof options !== 'object' || options === null || typeof options.store?.transaction !== 'function') {
      throw bad('SimBank.open needs a store');
    }
    if (options.name !== undefined && !ACCOUNT.test(options.name)) throw bad('a bank name is like an account id');
    if (options.latencyMs !== undefined && (!Number.isSafeInteger(options.latencyMs) || options.latencyMs < 0)) {
      throw bad('latencyMs is a non-negative integer');
    }
    await migrate(options.store, SIM_MIGRATIONS);
    return new SimBank(options);
  }

  /**
   * Opens an account (with an opening `balance`, default zero); an existing one with the same owner
   * and currency is returned as it is (so that a restarted party finds its account).
   *
   * @example
   * ```ts
   * // await bank.openAccount({ id: 'ACC-1', owner: 'alice', currency: 'EUR', balance: Money.parse('50', 'EUR') });
   * ```
   */
  async openAccount(input: {
    readonly id: string;
    readonly owner: string;
    readonly currency: string;
    readonly balance?: Money;
  }): Promise<SimAccount> {
    checkAccountId(input.id);
    if (typeof input.owner !== 'string' || input.owner.length === 0 || input.owner.length > 256) throw bad('bad owner');
    const opening = input.balance ?? Money.zero(input.currency);
    if (!Money.isMoney(opening) || opening.isNegative() || opening.currency !== input.currency) {
      throw bad('the opening balance is non-negative Money in the account currency');
    }
    return this.#store.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO sim_accounts (bank, id, owner, currency, balance, created_at) VALUES ($1, $2, $3, $4, $5::numeric, $6)
         ON CONFLICT (bank, id) DO NOTHING`,
        [this.name, input.id, input.owner, opening.currency, opening.amount.toString(), this.#clock.now()],
      );
      const account = await this.#account(tx, input.id);
      if (account === undefined || account.owner !== input.owner || account.currency !== opening.currency) {
        throw bad(`account ${input.id} exists with another owner or currency`);
      }
      return account;
    });
  }

  /**
   * An account, or `undefined`.
   *
   * @example
   * ```ts
   * // const a = await bank.account('ACC-1');
   * ```
   */
  async account(id: string): Promise<SimAccount | undefined> {
    checkAccountId(id);
    return this.#account(this.#store, id);
  }

  /**
   * Credits an account from outside the bank (salary, a top-up).
   *
   * @example
   * ```ts
   * // await bank.deposit({ key: 'topup-1', to: 'ACC-1', amount: Money.parse('20', 'EUR') });
   * ```
   */
  async deposit(input: { readonly key: string; readonly to: string; readonly amount: Money }): Promise<SimResult> {
    checkPositive(input.amount);
    return this.#operate(input.key, 'deposit', { to: input.to, amount: input.amount }, async (tx) => {
      await this.#credit(tx, input.to, input.amount);
      return { state: 'done' };
    });
  }

  /**
   * Moves `amount` from one account to another at once (a sale).
   *
   * @example
   * ```ts
   * // const r = await bank.transfer({ key: 'tx-1', from: 'ACC-A', to: 'ACC-B', amount, reference: 'tx-1' });
   * ```
   */
  async transfer(input: {
    readonly key: string;
    readonly from: string;
    readonly to: string;
    readonly amount: Money;
    readonly reference?: string;
  }): Promise<SimResult> {
    checkPositive(input.amount);
    return this.#operate(input.key, 'transfer', input, async (tx) => {
      const declined = await this.#checkFunds(tx, input.from, input.to, input.amount);
      if (declined !== undefined) return declined;
      await this.#debit(tx, input.from, input.amount);
      await this.#credit(tx, input.to, input.amount);
      return { state: 'done', captured: input.amount };
    });
  }

  /**
   * Reserves `amount` on `from` for `to` (an authorization), until captured, released or expired.
   *
   * @example
   * ```ts
   * // const r = await bank.hold({ key: 'tx-2', from: 'ACC-A', to: 'ACC-B', amount, expiresAt });
   * ```
   */
  async hold(input: {
    readonly key: string;
    readonly from: string;
    readonly to: string;
    readonly amount: Money;
    readonly reference?: string;
    readonly expiresAt?: Date;
  }): Promise<SimResult> {
    checkPositive(input.amount);
    return this.#operate(input.key, 'hold', input, async (tx) => {
      const declined = await this.#checkFunds(tx, input.from, input.to, input.amount);
      if (declined !== undefined) return declined;
      await tx.query('UPDATE sim_accounts SET held = held + $3::numeric WHERE bank = $1 AND id = $2', [
        this.name,
        input.from,
        input.amount.amount.toString(),
      ]);
      return { state: 'done', open: true };
    });
  }

  /**
   * Captures (part of) an open hold: moves `amount` to the hold's payee and releases the rest.
   *
   * @example
   * ```ts
   * // await bank.capture({ key: 'cap-1', holdKey: 'tx-2', amount });
   * ```
   */
  async capture(input: { readonly key: string; readonly holdKey: string; readonly amount: Money }): Promise<SimResult> {
    checkPositive(input.amount);
    return this.#operate(input.key, 'capture', { amount: input.amount, parentKey: input.holdKey }, async (tx) => {
      const hold = await this.#lockOperation(tx, input.holdKey);
      if (hold === undefined || hold.kind !== 'hold' || hold.state !== 'done')
        return { state: 'declined', reason: 'no-such-authorization' };
      if (!hold.open) return { state: 'declined', reason: 'authorization-closed' };
      if (hold.expiresAt !== undefined && this.#clock.now().getTime() >= hold.expiresAt.getTime()) {
        return { state: 'declined', reason: 'authorization-expired' };
      }
      if (input.amount.currency !== hold.amount.currency || input.amount.greaterThan(hold.amount)) {
        return { state: 'declined', reason: 'amount-exceeds-authorization' };
      }
      await tx.query('UPDATE sim_accounts SET held = held - $3::numeric WHERE bank = $1 AND id = $2', [
        this.name,
        hold.from,
        hold.amount.amount.toString(),
      ]);
      await this.#debit(tx, hold.from as string, input.amount);
      await this.#credit(tx, hold.to as string, input.amount);
      await tx.query('UPDATE sim_operations SET open = false, captured = $3::numeric WHERE bank = $1 AND key = $2', [
        this.name,
        hold.key,
        input.amount.amount.toString(),
      ]);
      return { state: 'done', from: hold.from, to: hold.to };
    });
  }

  /**
   * Releases an open hold.
   *
   * @example
   * ```ts
   * // await bank.release({ key: 'rel-1', holdKey: 'tx-2' });
   * ```
   */
  async release(input: { readonly key: string; readonly holdKey: string }): Promise<SimResult> {
    return this.#operate(input.key, 'release', { parentKey: input.holdKey }, async (tx) => {
      const hold = await this.#lockOperation(tx, input.holdKey);
      if (hold === undefined || hold.kind !== 'hold' || hold.state !== 'done')
        return { state: 'declined', reason: 'no-such-authorization' };
      if (!hold.open) return { state: 'declined', reason: 'authorization-closed' };
      await tx.query('UPDATE sim_accounts SET held = held - $3::numeric WHERE bank = $1 AND id = $2', [
        this.name,
        hold.from,
        hold.amount.amount.toString(),
      ]);
      await tx.query('UPDATE sim_operations SET open = false WHERE bank = $1 AND key = $2', [this.name, hold.key]);
      return { state: 'done', amount: hold.amount, from: hold.from, to: hold.to };
    });
  }

  /**
   * Refunds (part of) a transfer or a captured hold to its payer; the total refunded never exceeds
   * what was captured (declined `refund-exceeds-captured`), and the payee must have the funds.
   *
   * @example
   * ```ts
   * // await bank.refund({ key: 'ref-1', paymentKey: 'tx-1', amount });
   * ```
   */
  async refund(input: {
    readonly key: string;
    readonly paymentKey: string;
    readonly amount: Money;
  }): Promise<SimResult> {
    checkPositive(input.amount);
    return this.#operate(input.key, 'refund', { amount: input.amount, parentKey: input.paymentKey }, async (tx) => {
      const payment = await this.#lockOperation(tx, input.paymentKey);
      if (
        payment === undefined ||
        payment.state !== 'done' ||
        (payment.kind !== 'transfer' && payment.kind !== 'hold')
      ) {
        return { state: 'declined', reason: 'no-such-payment' };
      }
      if (input.amount.currency !== payment.amount.currency) return { state: 'declined', reason: 'currency-mismatch' };
      if (payment.refunded.add(input.amount).greaterThan(payment.captured)) {
        return { state: 'declined', reason: 'refund-exceeds-captured' };
      }
      const payee = await this.#lockAccount(tx, payment.to as string);
      if (payee === undefined || payee.available.lessThan(input.amount))
        return { state: 'declined', reason: 'insufficient-funds' };
      await this.#debit(tx, payment.to as string, input.amount);
      await this.#credit(tx, payment.from as string, input.amount);
      await tx.query('UPDATE sim_operations SET refunded = refunded + $3::numeric WHERE bank = $1 AND key = $2', [
        this.name,
        payment.key,
        input.amount.amount.toString(),
      ]);
      return { state: 'done', from: payment.to, to: payment.from };
    });
  }

  /**
   * Settles a key for a caller that lost track of it (recovery after a crash or a timeout): returns the
   * operation if the bank has it, and otherwise records a declined tombstone (`reason`) under the key
   * in the same transaction, so that a request with that key arriving later is declined, never done.
   *
   * @example
   * ```ts
   * // const op = await bank.settle({ key: 'pay:tx-1', kind: 'transfer', amount, reason: 'abandoned' });
   * ```
   */
  async settle(input: {
    readonly key: string;
    readonly kind: SimOperation['kind'];
    readonly amount: Money;
    readonly parentKey?: string;
    readonly reason: string;
  }): Promise<SimOperation> {
    checkKey(input.key);
    return this.#store.transaction(async (tx) => {
      const existing = await this.#lockOperation(tx, input.key);
      if (existing !== undefined) return existing;
      await tx.query(
        `INSERT INTO sim_operations (bank, key, kind, state, reason, currency, amount, parent_key, at)
         VALUES ($1, $2, $3, 'declined', $4, $5, $6::numeric, $7, $8)`,
        [
          this.name,
          input.key,
          input.kind,
          input.reason.slice(0, 200),
          input.amount.currency,
          input.amount.amount.toString(),
          input.parentKey ?? null,
          this.#clock.now(),
        ],
      );
      return (await this.#lockOperation(tx, input.key)) as SimOperation;
    });
  }

  /**
   * The operation with `key`, if the bank has it (for callers that lost the answer).
   *
   * @example
   * ```ts
   * // const op = await bank.operation('tx-1');
   * ```
   */
  async operation(key: string): Promise<SimOperation | undefined> {
    checkKey(key);
    const rows = await this.#store.query(`SELECT ${OP_COLUMNS} FROM sim_operations WHERE bank = $1 AND key = $2`, [
      this.name,
      key,
    ]);
    return rows[0] === undefined ? undefined : toOperation(rows[0]);
  }

  /**
   * The sum of all balances in `currency` (money is neither made nor lost by payments: tests check it).
   *
   * @example
   * ```ts
   * // const total = await bank.totalBalance('EUR');
   * ```
   */
  async totalBalance(currency: string): Promise<Money> {
    const rows = await this.#store.query(
      'SELECT COALESCE(SUM(balance), 0)::text AS total FROM sim_accounts WHERE bank = $1 AND currency = $2',
      [this.name, currency],
    );
    return Money.of(BigInt(String(rows[0]?.total ?? '0')), currency);
  }

  async #account(q: Queryable, id: string): Promise<SimAccount | undefined> {
    const rows = await q.query(
      'SELECT id, owner, currency, balance::text AS balance, held::text AS held FROM sim_accounts WHERE bank = $1 AND id = $2',
      [this.name, id],
    );
    return rows[0] === undefined ? undefined : toAccount(rows[0]);
  }

  async #lockAccount(q: Queryable, id: string): Promise<SimAccount | undefined> {
    const rows = await q.query(
      `SELECT id, owner, currency, balance::text AS balance, held::text AS held FROM sim_accounts
       WHERE bank = $1 AND id = $2 FOR UPDATE`,
      [this.name, id],
    );
    return rows[0] === undefined ? undefined : toAccount(rows[0]);
  }

  async #lockOperation(q: Queryable, key: string): Promise<SimOperation | undefined> {
    const rows = await q.query(`SELECT ${OP_COLUMNS} FROM sim_operations WHERE bank = $1 AND key = $2 FOR UPDATE`, [
      this.name,
      key,
    ]);
    return rows[0] === undefined ? undefined : toOperation(rows[0]);
  }

  async #checkFunds(
    q: Queryable,
    from: string,
    to: string,
    amount: Money,
  ): Promise<{ state: 'declined'; reason: string } | undefined> {
    checkAccountId(from);
    checkAccountId(to);
    if (from === to) throw bad('a payment needs two accounts');
    // Lock both accounts in id order: concurrent opposite transfers cannot deadlock.
    const [first, second] = from < to ? [from, to] : [to, from];
    const a = await this.#lockAccount(q, first);
    const b = await this.#lockAccount(q, second);
    const source = from === first ? a : b;
    const target = from === first ? b : a;
    if (source === undefined) throw new SimError('ERR_SIM_UNKNOWN_ACCOUNT', `no account ${from}`);
    if (target === undefined) throw new SimError('ERR_SIM_UNKNOWN_ACCOUNT', `no account ${to}`);
    if (source.currency !== amount.currency || target.currency !== amount.currency) {
      return { state: 'declined', reason: 'currency-mismatch' };
    }
    if (this.faults.takeDecline()) return { state: 'declined', reason: 'refused' };
    if (source.available.lessThan(amount)) return { state: 'declined', reason: 'insufficient-funds' };
    return undefined;
  }

  async #debit(q: Queryable, id: string, amount: Money): Promise<void> {
    await q.query('UPDATE sim_accounts SET balance = balance - $3::numeric WHERE bank = $1 AND id = $2', [
      this.name,
      id,
      amount.amount.toString(),
    ]);
  }

  async #credit(q: Queryable, id: string, amount: Money): Promise<void> {
    checkAccountId(id);
    const rows = await q.query(
      'UPDATE sim_accounts SET balance = balance + $3::numeric WHERE bank = $1 AND id = $2 AND currency = $4 RETURNING id',
      [this.name, id, amount.amount.toString(), amount.currency],
    );
    if (rows.length === 0) throw new SimError('ERR_SIM_UNKNOWN_ACCOUNT', `no ${amount.currency} account ${id}`);
  }

  /**
   * Runs one keyed operation in a transaction: a repeat of the key returns the recorded operation
   * (its parameters must match), else `body` decides and the operation is recorded with the outcome.
   */
  async #operate(
    key: string,
    kind: SimOperation['kind'],
    params: {
      readonly from?: string;
      readonly to?: string;
      readonly amount?: Money;
      readonly reference?: string;
      readonly parentKey?: string;
      readonly expiresAt?: Date;
    },
    body: (tx: Queryable) => Promise<{
      state: 'done' | 'declined';
      reason?: string;
      captured?: Money;
      open?: boolean;
      amount?: Money;
      from?: string | undefined;
      to?: string | undefined;
    }>,
  ): Promise<SimResult> {
    checkKey(key);
    await this.faults.delay();
    if (this.#latencyMs > 0) await new Promise((r) => setTimeout(r, this.#latencyMs));
    return this.#store.transaction(async (tx) => {
      const existing = await this.#lockOperation(tx, key);
      if (existing !== undefined) {
        const same =
          existing.kind === kind &&
          (params.amount === undefined || existing.amount.equals(params.amount)) &&
          (params.from === undefined || existing.from === undefined || existing.from === params.from) &&
          (params.to === undefined || existing.to === undefined || existing.to === params.to) &&
          (params.parentKey === undefined ||
            existing.parentKey === undefined ||
            existing.parentKey === params.parentKey);
        if (!same)
          throw new SimError('ERR_SIM_KEY_REUSED', `operation key ${key.slice(0, 64)} was used for another operation`);
        return existing.state === 'done'
          ? { status: 'done', operation: existing }
          : { status: 'declined', reason: existing.reason ?? 'declined', operation: existing };
      }
      const outcome = await body(tx);
      const amount = outcome.amount ?? params.amount;
      if (amount === undefined) {
        // Only a release of an unknown hold has no amount: nothing to record.
        return { status: 'declined', reason: outcome.reason ?? 'declined' };
      }
      await tx.query(
        `INSERT INTO sim_operations (bank, key, kind, state, reason, from_account, to_account, currency, amount, parent_key,
           reference, captured, open, expires_at, at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::numeric, $10, $11, $12::numeric, $13, $14, $15)`,
        [
          this.name,
          key,
          kind,
          outcome.state,
          outcome.reason ?? null,
          params.from ?? outcome.from ?? null,
          params.to ?? outcome.to ?? null,
          amount.currency,
          amount.amount.toString(),
          params.parentKey ?? null,
          params.reference ?? null,
          (outcome.state === 'done'
            ? (outcome.captured ?? Money.zero(amount.currency))
            : Money.zero(amount.currency)
          ).amount.toString(),
          outcome.state === 'done' && outcome.open === true,
          params.expiresAt ?? null,
          this.#clock.now(),
        ],
      );
      const operation = (await this.#lockOperation(tx, key)) as SimOperation;
      return outcome.state === 'done'
        ? { status: 'done', operation }
        : { status: 'declined', reason: outcome.reason ?? 'declined', operation };
    });
  }
}
