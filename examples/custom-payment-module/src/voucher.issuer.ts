import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { Money, SemperError } from '@semper/core';
import { type MigrationSet, migrate, type Queryable, type Store } from '@semper/store';

/**
 * Faults of the voucher issuer and module (`ERR_VOUCHER_*`).
 *
 * @example
 * ```ts
 * throw new VoucherError('ERR_VOUCHER_UNKNOWN', 'no such voucher');
 * ```
 */
export class VoucherError extends SemperError<
  | 'ERR_VOUCHER_INVALID_ARGUMENT'
  | 'ERR_VOUCHER_UNKNOWN'
  | 'ERR_VOUCHER_MISMATCH'
  | 'ERR_VOUCHER_INJECTED'
  | 'ERR_VOUCHER_CRASH'
> {}

/**
 * The issuer's tables, keyed by issuer name (several issuers, and the payments tables, may share a store).
 * A voucher is stored by the SHA-256 of its code: the issuer's database never holds a usable code.
 */
const MIGRATIONS: MigrationSet = {
  package: 'example-custom-payment-module',
  migrations: [
    {
      version: 1,
      name: 'init',
      sql: `
CREATE TABLE voucher_vouchers (
  issuer    text           NOT NULL,
  code_hash text           NOT NULL,
  currency  text           NOT NULL,
  balance   numeric(40, 0) NOT NULL CHECK (balance >= 0),
  reserved  numeric(40, 0) NOT NULL DEFAULT 0 CHECK (reserved >= 0 AND reserved <= balance),
  PRIMARY KEY (issuer, code_hash)
);
CREATE TABLE voucher_payments (
  issuer       text           NOT NULL,
  transaction  text           NOT NULL,
  state        text           NOT NULL CHECK (state IN ('reserved', 'redeemed', 'released', 'refunded', 'abandoned')),
  code_hash    text,
  payee        text,
  amount       numeric(40, 0) CHECK (amount > 0),
  currency     text,
  token_hash   text,
  PRIMARY KEY (issuer, transaction),
  CHECK (state = 'abandoned' OR (code_hash IS NOT NULL AND payee IS NOT NULL AND amount IS NOT NULL AND token_hash IS NOT NULL))
);
`,
    },
  ],
};

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * What a voucher payment is at the issuer.
 *
 * @example
 * ```ts
 * const s: VoucherPaymentState = 'redeemed';
 * ```
 */
export type VoucherPaymentState = 'reserved' | 'redeemed' | 'released' | 'refunded' | 'none';

/**
 * A prepaid-voucher issuer (the voucher system's server): it sells vouchers (a secret code with a
 * balance), reserves an amount of a voucher for one payment and payee against a one-time token,
 * redeems the token for the payee, and refunds. Every change runs in one database transaction under a
 * row lock; the payment's transaction id is its key, so each step happens at most once.
 *
 * @example
 * ```ts
 * import { Money } from '@semper/core';
 * import { openStore } from '@semper/store';
 * const issuer = await VoucherIssuer.open(await openStore('pglite:memory'), 'acme-gifts');
 * const code = await issuer.sell(Money.parse('50.00', 'EUR'));
 * console.log((await issuer.balance(code))?.toString()); // 50.00 EUR
 * ```
 */
export class VoucherIssuer {
  /** Test hook: the next reservation is declined. */
  declineNext = false;
  /** Test hook: `'<role>:<step>'` → what the module does there once (throw a fault, or "crash"). */
  readonly armed: Map<string, 'fail' | 'crash'> = new Map();
  readonly #store: Store;
  readonly #name: string;

  private constructor(store: Store, name: string) {
    this.#store = store;
    this.#name = name;
  }

  /** For the module: throws the fault armed for `role` at `step`, once. */
  check(role: string, step: string): void {
    const armed = this.armed.get(`${role}:${step}`);
    if (armed === undefined) return;
    this.armed.delete(`${role}:${step}`);
    throw new VoucherError(
      armed === 'crash' ? 'ERR_VOUCHER_CRASH' : 'ERR_VOUCHER_INJECTED',
      `${armed} of the ${role} at ${step}`,
    );
  }

  static async open(store: Store, name: string): Promise<VoucherIssuer> {
    await migrate(store, MIGRATIONS);
    return new VoucherIssuer(store, name);
  }

  /** Sells a voucher worth `value`; returns its secret code. */
  async sell(value: Money): Promise<string> {
    if (!value.isPositive()) throw new VoucherError('ERR_VOUCHER_INVALID_ARGUMENT', 'a voucher is worth something');
    const code = `V-${randomBytes(16).toString('hex')}`;
    await this.#store.query(
      'INSERT INTO voucher_vouchers (issuer, code_hash, currency, balance) VALUES ($1, $2, $3, $4::numeric)',
      [this.#name, sha256(code), value.currency, value.amount.toString()],
    );
    return code;
  }

  /** The available balance of a voucher (balance − reserved), or undefined. */
  async balance(code: string): Promise<Money | undefined> {
    const rows = await this.#store.query(
      `SELECT currency, (balance - reserved)::text AS available FROM voucher_vouchers WHERE issuer = $1 AND code_hash = $2`,
      [this.#name, sha256(code)],
    );
    const r = rows[0];
    return r === undefined ? undefined : Money.of(BigInt(String(r.available)), String(r.currency));
  }

  /**
   * At the payer's request: reserves `amount` of the voucher for `payee` and `transaction`; returns a
   * one-time token for the payee, or a decline.
   */
  async reserve(input: {
    readonly code: string;
    readonly transaction: string;
    readonly payee: string;
    readonly amount: Money;
  }): Promise<{ status: 'reserved'; token: string } | { status: 'declined'; reason: string }> {
    return this.#store.transaction(async (tx) => {
      const existing = await this.#payment(tx, input.transaction);
      if (existing !== undefined) {
        return {
          status: 'declined' as const,
          reason: existing.state === 'abandoned' ? 'abandoned' : `already ${existing.state}`,
        };
      }
      const rows = await tx.query(
        `SELECT currency, balance::text AS balance, reserved::text AS reserved FROM voucher_vouchers
         WHERE issuer = $1 AND code_hash = $2 FOR UPDATE`,
        [this.#name, sha256(input.code)],
      );
      const v = rows[0];
      if (v === undefined) return { status: 'declined' as const, reason: 'instrument-invalid' };
      if (v.currency !== input.amount.currency) return { status: 'declined' as const, reason: 'currency-mismatch' };
      if (this.declineNext) {
        this.declineNext = false;
        return { status: 'declined' as const, reason: 'refused' };
      }
      if (BigInt(String(v.balance)) - BigInt(String(v.reserved)) < input.amount.amount) {
        return { status: 'declined' as const, reason: 'insufficient-funds' };
      }
      const token = randomBytes(24).toString('base64url');
      await tx.query(
        'UPDATE voucher_vouchers SET reserved = reserved + $3::numeric WHERE issuer = $1 AND code_hash = $2',
        [this.#name, sha256(input.code), input.amount.amount.toString()],
      );
      await tx.query(
        `INSERT INTO voucher_payments (issuer, transaction, code_hash, payee, amount, currency, token_hash, state)
         VALUES ($1, $2, $3, $4, $5::numeric, $6, $7, 'reserved')`,
        [
          this.#name,
          input.transaction,
          sha256(input.code),
          input.payee,
          input.amount.amount.toString(),
          input.amount.currency,
          sha256(token),
        ],
      );
      return { status: 'reserved' as const, token };
    });
  }

  /** At the payee's request: redeems the token (once) for the reserved amount. */
  async redeem(input: {
    readonly transaction: string;
    readonly payee: string;
    readonly token: string;
    readonly amount: Money;
  }): Promise<{ status: 'redeemed' } | { status: 'declined'; reason: string }> {
    return this.#store.transaction(async (tx) => {
      const p = await this.#payment(tx, input.transaction, true);
      if (p === undefined || p.state === 'abandoned') return { status: 'declined' as const, reason: 'no-such-payment' };
      const given = Buffer.from(sha256(input.token), 'hex');
      const stored = Buffer.from(p.tokenHash, 'hex');
      if (given.length !== stored.length || !timingSafeEqual(given, stored)) {
        return { status: 'declined' as const, reason: 'instrument-invalid' };
      }
      if (p.payee !== input.payee || !p.amount.equals(input.amount))
        return { status: 'declined' as const, reason: 'refused' };
      if (p.state === 'redeemed') return { status: 'redeemed' as const };
      if (p.state !== 'reserved') return { status: 'declined' as const, reason: `payment ${p.state}` };
      await this.#settle(tx, input.transaction, p, 'redeemed');
      return { status: 'redeemed' as const };
    });
  }

  /**
   * For recovery: the payment's final state. A reservation nobody redeemed is released now, in the same
   * transaction, so the answer cannot change afterwards.
   */
  async settle(transaction: string): Promise<VoucherPaymentState> {
    return this.#store.transaction(async (tx) => {
      const p = await this.#payment(tx, transaction, true);
      if (p === undefined) {
        // A tombstone: a reservation for this transaction arriving later is declined.
        await tx.query(`INSERT INTO voucher_payments (issuer, transaction, state) VALUES ($1, $2, 'abandoned')`, [
          this.#name,
          transaction,
        ]);
        return 'none';
      }
      if (p.state === 'reserved') {
        await this.#settle(tx, transaction, p, 'released');
        return 'released';
      }
      return p.state === 'abandoned' ? 'none' : p.state;
    });
  }

  /** Refunds a redeemed payment in full to its voucher. */
  async refund(transaction: string): Promise<{ status: 'refunded' } | { status: 'declined'; reason: string }> {
    return this.#store.transaction(async (tx) => {
      const p = await this.#payment(tx, transaction, true);
      if (p === undefined || p.state === 'abandoned') return { status: 'declined' as const, reason: 'no-such-payment' };
      if (p.state === 'refunded') return { status: 'refunded' as const };
      if (p.state !== 'redeemed') return { status: 'declined' as const, reason: `payment ${p.state}` };
      await tx.query(
        'UPDATE voucher_vouchers SET balance = balance + $3::numeric WHERE issuer = $1 AND code_hash = $2',
        [this.#name, p.codeHash, p.amount.amount.toString()],
      );
      await tx.query(`UPDATE voucher_payments SET state = 'refunded' WHERE issuer = $1 AND transaction = $2`, [
        this.#name,
        transaction,
      ]);
      return { status: 'refunded' as const };
    });
  }

  /** The state of a payment, without changing it. */
  async state(transaction: string): Promise<VoucherPaymentState> {
    const state = (await this.#payment(this.#store, transaction))?.state;
    return state === undefined || state === 'abandoned' ? 'none' : state;
  }

  async #settle(tx: Queryable, transaction: string, p: Payment, state: 'redeemed' | 'released'): Promise<void> {
    const debit = state === 'redeemed' ? ', balance = balance - $3::numeric' : '';
    await tx.query(
      `UPDATE voucher_vouchers SET reserved = reserved - $3::numeric${debit} WHERE issuer = $1 AND code_hash = $2`,
      [this.#name, p.codeHash, p.amount.amount.toString()],
    );
    await tx.query('UPDATE voucher_payments SET state = $3 WHERE issuer = $1 AND transaction = $2', [
      this.#name,
      transaction,
      state,
    ]);
  }

  async #payment(q: Queryable, transaction: string, lock = false): Promise<Payment | undefined> {
    const rows = await q.query(
      `SELECT code_hash, payee, amount::text AS amount, currency, token_hash, state FROM voucher_payments
       WHERE issuer = $1 AND transaction = $2${lock ? ' FOR UPDATE' : ''}`,
      [this.#name, transaction],
    );
    const r = rows[0];
    if (r === undefined) return undefined;
    if (r.state === 'abandoned')
      return { codeHash: '', payee: '', amount: Money.zero('EUR'), tokenHash: '', state: 'abandoned' };
    return {
      codeHash: String(r.code_hash),
      payee: String(r.payee),
      amount: Money.of(BigInt(String(r.amount)), String(r.currency)),
      tokenHash: String(r.token_hash),
      state: r.state as Payment['state'],
    };
  }
}

interface Payment {
  readonly codeHash: string;
  readonly payee: string;
  readonly amount: Money;
  readonly tokenHash: string;
  readonly state: 'reserved' | 'redeemed' | 'released' | 'refunded' | 'abandoned';
}
