import { type Clock, Money, SystemClock } from '@semper/core';
import type { Certificate } from '@semper/crypto';
import { migrate, type Queryable, type Store } from '@semper/store';
import { CardError } from './errors.js';
import type { DeclineReason } from './messages.js';
import { CARD_ISSUER_MIGRATIONS } from './migrations.js';

/**
 * A card as the issuer simulator issued it. This is card data: only the cardholder's device and the
 * issuer side (the gateway's store) ever hold it.
 *
 * @example
 * ```ts
 * const card: IssuedCard = await issuer.issueCard({ currency: 'EUR', balance: Money.parse('500.00', 'EUR') });
 * console.log(card.cardId); // the issuer's reference, not card data
 * ```
 */
export interface IssuedCard {
  readonly cardId: string;
  readonly pan: string;
  /** `YYYY-MM`. */
  readonly expiry: string;
  readonly cvv: string;
}

/**
 * What {@link IssuerSimulator.issueCard} takes.
 *
 * @example
 * ```ts
 * const o: IssueCardOptions = { currency: 'EUR', balance: Money.parse('100.00', 'EUR'), perTransactionLimit: Money.parse('50.00', 'EUR') };
 * ```
 */
export interface IssueCardOptions {
  readonly currency: string;
  /** Funds (or credit) available before holds. */
  readonly balance: Money;
  /** Largest single authorization; default the balance. */
  readonly perTransactionLimit?: Money;
  /** Default: a fresh Luhn-valid 16-digit number in the simulator's BIN 4999 99. */
  readonly pan?: string;
  /** `YYYY-MM`; default three years from now. */
  readonly expiry?: string;
  /** Default: three random digits. */
  readonly cvv?: string;
  /** The cardholder's certificate: authorizations signed by another certificate are declined. */
  readonly holderCertificate?: Certificate;
}

/**
 * The issuer's answer to an authorization request: approved (with the hold it placed) or declined.
 *
 * @example
 * ```ts
 * const r: IssuerDecision = await issuer.authorize(request);
 * if (r.status === 'declined') console.log(r.reason);
 * ```
 */
export type IssuerDecision =
  | { readonly status: 'approved'; readonly holdId: string; readonly authCode: string; readonly expiresAt: Date }
  | { readonly status: 'declined'; readonly reason: DeclineReason };

/**
 * An authorization request to the issuer: the card data from the decrypted PI and the hold to place.
 *
 * @example
 * ```ts
 * const req: IssuerAuthorizationRequest = { holdId, pan, expiry, cvv, amount, holderCertSha256, expiresAt };
 * ```
 */
export interface IssuerAuthorizationRequest {
  /** The idempotency key: authorizing with a known hold id returns that hold. */
  readonly holdId: string;
  readonly pan: string;
  readonly expiry: string;
  readonly cvv: string;
  readonly amount: Money;
  /** SHA-256 of the DER of the certificate that made the dual signature. */
  readonly holderCertSha256: Uint8Array;
  readonly expiresAt: Date;
}

/**
 * What a card has: the balance, what live holds reserve, and what is available.
 *
 * @example
 * ```ts
 * const { available } = await issuer.cardBalance(card.cardId);
 * ```
 */
export interface CardBalance {
  readonly balance: Money;
  readonly held: Money;
  readonly available: Money;
}

interface CardRow {
  card_id: string;
  pan: string;
  expiry: string;
  cvv: string;
  holder_cert_sha256: Uint8Array | null;
  currency: string;
  per_transaction_limit: bigint;
  balance: bigint;
  status: string;
}

interface HoldRow {
  hold_id: string;
  card_id: string;
  amount: bigint;
  captured: bigint;
  refunded: bigint;
  status: string;
  auth_code: string;
  expires_at: Date;
}

function luhnDigit(body: string): string {
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    let d = Number(body[body.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return String((10 - (sum % 10)) % 10);
}

/**
 * Whether a card number passes the Luhn check (ISO/IEC 7812-1).
 *
 * @example
 * ```ts
 * import { isLuhnValid } from '@semper/payment-card';
 * isLuhnValid('4999990000000008'); // true or false
 * ```
 */
export function isLuhnValid(pan: string): boolean {
  return /^[0-9]{12,19}$/.test(pan) && luhnDigit(pan.slice(0, -1)) === pan.slice(-1);
}

function randomDigits(n: number): string {
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(n));
  return Array.from(bytes, (b) => String(b % 10)).join('');
}

const CODE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
function authCode(): string {
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(6));
  return Array.from(bytes, (b) => CODE_ALPHABET[b % 32]).join('');
}

/** The first instant after the month `YYYY-MM`. */
function endOfMonth(expiry: string): number {
  const [y, m] = expiry.split('-').map(Number) as [number, number];
  return Date.UTC(y, m, 1);
}

function timingSafeEqualText(a: string, b: string): boolean {
  const x = new TextEncoder().encode(a);
  const y = new TextEncoder().encode(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/**
 * A card issuer simulator: cards with a per-transaction limit and a balance, authorizations as holds that
 * reserve funds until captured, released or expired, captures that debit, refunds that credit. Every
 * operation is one database transaction on the card's row (`SELECT … FOR UPDATE`), so concurrent
 * authorizations on one card cannot both spend the same funds; every posting has an id and happens once.
 *
 * It lives in the gateway's store (the acquirer side); a real gateway would reach the issuer over the card
 * network instead. Each method takes an optional `tx` to run inside the caller's transaction.
 *
 * @example
 * ```ts
 * import { IssuerSimulator } from '@semper/payment-card';
 * import { Money } from '@semper/core';
 * const issuer = await IssuerSimulator.open(store);
 * const card = await issuer.issueCard({ currency: 'EUR', balance: Money.parse('500.00', 'EUR') });
 * ```
 */
export class IssuerSimulator {
  readonly #store: Store;
  readonly #clock: Clock;

  constructor(store: Store, o: { readonly clock?: Clock } = {}) {
    this.#store = store;
    this.#clock = o.clock ?? new SystemClock();
  }

  /**
   * Applies the issuer's migrations to `store` and returns a simulator on it.
   *
   * @example
   * ```ts
   * const issuer = await IssuerSimulator.open(await openStore('pglite:memory'));
   * ```
   */
  static async open(store: Store, o: { readonly clock?: Clock } = {}): Promise<IssuerSimulator> {
    await migrate(store, CARD_ISSUER_MIGRATIONS);
    return new IssuerSimulator(store, o);
  }

  #run<T>(tx: Queryable | undefined, fn: (q: Queryable) => Promise<T>): Promise<T> {
    return tx === undefined ? this.#store.transaction(fn) : fn(tx);
  }

  /**
   * Issues a card (a fresh number unless `pan` is given).
   *
   * @example
   * ```ts
   * const card = await issuer.issueCard({ currency: 'EUR', balance: Money.parse('80.00', 'EUR'), holderCertificate: alice.certificate });
   * ```
   */
  async issueCard(o: IssueCardOptions): Promise<IssuedCard> {
    if (!Money.isMoney(o?.balance) || o.balance.isNegative() || o.balance.currency !== o.currency) {
      throw new CardError('ERR_CARD_INVALID_ARGUMENT', 'balance must be a non-negative amount in the card currency');
    }
    const limit = o.perTransactionLimit ?? o.balance;
    if (!Money.isMoney(limit) || limit.isNegative() || limit.currency !== o.currency) {
      throw new CardError(
        'ERR_CARD_INVALID_ARGUMENT',
        'perTransactionLimit must be a non-negative amount in the card currency',
      );
    }
    const pan =
      o.pan ??
      (() => {
        const body = `499999${randomDigits(9)}`;
        return body + luhnDigit(body);
      })();
    if (!/^[0-9]{12,19}$/.test(pan)) throw new CardError('ERR_CARD_INVALID_ARGUMENT', 'pan must be 12-19 digits');
    const now = this.#clock.now();
    const expiry = o.expiry ?? `${now.getUTCFullYear() + 3}-${String(now.getUTCMonth() + 1).padStart(2, '0')}`;
    if (!/^[0-9]{4}-(0[1-9]|1[0-2])$/.test(expiry))
      throw new CardError('ERR_CARD_INVALID_ARGUMENT', 'expiry must be YYYY-MM');
    const cvv = o.cvv ?? randomDigits(3);
    if (!/^[0-9]{3,4}$/.test(cvv)) throw new CardError('ERR_CARD_INVALID_ARGUMENT', 'cvv must be 3 or 4 digits');
    const cardId = `card_${Buffer.from(globalThis.crypto.getRandomValues(new Uint8Array(12))).toString('hex')}`;
    const holder =
      o.holderCertificate === undefined
        ? null
        : new Uint8Array(
            await globalThis.crypto.subtle.digest('SHA-256', o.holderCertificate.der as Uint8Array<ArrayBuffer>),
          );
    await this.#store.query(
      `INSERT INTO card_issuer_cards (card_id, pan, expiry, cvv, holder_cert_sha256, currency, per_transaction_limit, balance)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [cardId, pan, expiry, cvv, holder, o.currency, limit.amount, o.balance.amount],
    );
    return { cardId, pan, expiry, cvv };
  }

  /**
   * Blocks or unblocks a card.
   *
   * @example
   * ```ts
   * await issuer.setCardStatus(card.cardId, 'blocked');
   * ```
   */
  async setCardStatus(cardId: string, status: 'active' | 'blocked'): Promise<void> {
    await this.#store.query('UPDATE card_issuer_cards SET status = $2 WHERE card_id = $1', [cardId, status]);
  }

  /**
   * A card's balance, what its live holds reserve, and what is available.
   *
   * @example
   * ```ts
   * const { balance, held, available } = await issuer.cardBalance(card.cardId);
   * ```
   */
  async cardBalance(cardId: string, tx?: Queryable): Promise<CardBalance> {
    return this.#run(tx, async (q) => {
      const [card] = await q.query<CardRow>('SELECT * FROM card_issuer_cards WHERE card_id = $1', [cardId]);
      if (card === undefined) throw new CardError('ERR_CARD_INVALID_ARGUMENT', 'no such card');
      const held = await this.#held(q, card.card_id);
      return {
        balance: Money.of(card.balance, card.currency),
        held: Money.of(held, card.currency),
        available: Money.of(card.balance - held, card.currency),
      };
    });
  }

  async #held(q: Queryable, cardId: string): Promise<bigint> {
    const [row] = await q.query<{ held: bigint | string | null }>(
      `SELECT COALESCE(SUM(amount - captured), 0)::bigint AS held FROM card_issuer_holds
       WHERE card_id = $1 AND status = 'held' AND expires_at > $2`,
      [cardId, this.#clock.now()],
    );
    return BigInt(row?.held ?? 0);
  }

  /**
   * Authorizes: checks the card (known, not expired, active, expiry and CVV as issued, signed by its
   * holder's certificate, currency), the per-transaction limit and the available funds, and places a hold.
   * A known `holdId` returns its earlier approval. Declines are returned.
   *
   * @example
   * ```ts
   * const decision = await issuer.authorize({ holdId, pan, expiry, cvv, amount, holderCertSha256, expiresAt });
   * ```
   */
  async authorize(r: IssuerAuthorizationRequest, tx?: Queryable): Promise<IssuerDecision> {
    return this.#run(tx, async (q) => {
      const [existing] = await q.query<HoldRow>('SELECT * FROM card_issuer_holds WHERE hold_id = $1', [r.holdId]);
      if (existing !== undefined) {
        if (existing.amount !== r.amount.amount) {
          throw new CardError('ERR_CARD_IDEMPOTENCY_CONFLICT', 'hold id reused for another amount');
        }
        return {
          status: 'approved',
          holdId: existing.hold_id,
          authCode: existing.auth_code,
          expiresAt: existing.expires_at,
        };
      }
      const [card] = await q.query<CardRow>('SELECT * FROM card_issuer_cards WHERE pan = $1 FOR UPDATE', [r.pan]);
      const now = this.#clock.now();
      const decline = (reason: DeclineReason): IssuerDecision => ({ status: 'declined', reason });
      if (card === undefined) return decline('card-unknown');
      if (!timingSafeEqualText(card.expiry, r.expiry)) return decline('card-unknown');
      if (endOfMonth(card.expiry) <= now.getTime()) return decline('card-expired');
      if (card.status !== 'active') return decline('card-blocked');
      if (!timingSafeEqualText(card.cvv, r.cvv)) return decline('cvv-mismatch');
      if (card.holder_cert_sha256 !== null && !sameBytes(card.holder_cert_sha256, r.holderCertSha256)) {
        return decline('cardholder-mismatch');
      }
      if (card.currency !== r.amount.currency) return decline('currency-not-supported');
      if (r.amount.amount > card.per_transaction_limit) return decline('limit-exceeded');
      const held = await this.#held(q, card.card_id);
      if (r.amount.amount > card.balance - held) return decline('insufficient-funds');
      const code = authCode();
      await q.query(
        `INSERT INTO card_issuer_holds (hold_id, card_id, amount, status, auth_code, created_at, expires_at)
         VALUES ($1, $2, $3, 'held', $4, $5, $6)`,
        [r.holdId, card.card_id, r.amount.amount, code, now, r.expiresAt],
      );
      return { status: 'approved', holdId: r.holdId, authCode: code, expiresAt: r.expiresAt };
    });
  }

  async #posting(
    q: Queryable,
    postingId: string,
    holdId: string,
    kind: 'capture' | 'refund' | 'release',
    amount: bigint,
  ): Promise<{ hold: HoldRow; card: CardRow; repeated: boolean }> {
    const [hold] = await q.query<HoldRow>('SELECT * FROM card_issuer_holds WHERE hold_id = $1', [holdId]);
    if (hold === undefined) throw new CardError('ERR_CARD_UNKNOWN_AUTHORIZATION', 'the issuer has no such hold');
    const [card] = await q.query<CardRow>('SELECT * FROM card_issuer_cards WHERE card_id = $1 FOR UPDATE', [
      hold.card_id,
    ]);
    if (card === undefined) throw new CardError('ERR_CARD_UNKNOWN_AUTHORIZATION', 'the hold has no card');
    const [locked] = await q.query<HoldRow>('SELECT * FROM card_issuer_holds WHERE hold_id = $1 FOR UPDATE', [holdId]);
    const [done] = await q.query<{ kind: string; amount: bigint; hold_id: string }>(
      'SELECT kind, amount, hold_id FROM card_issuer_postings WHERE posting_id = $1',
      [postingId],
    );
    if (done !== undefined) {
      if (done.kind !== kind || done.amount !== amount || done.hold_id !== holdId) {
        throw new CardError('ERR_CARD_IDEMPOTENCY_CONFLICT', 'posting id reused for another posting');
      }
      return { hold: locked ?? hold, card, repeated: true };
    }
    await q.query(
      'INSERT INTO card_issuer_postings (posting_id, hold_id, kind, amount, at) VALUES ($1, $2, $3, $4, $5)',
      [postingId, holdId, kind, amount, this.#clock.now()],
    );
    return { hold: locked ?? hold, card, repeated: false };
  }

  /**
   * Captures `amount` of a hold: debits the card. Captures add up to at most the held amount.
   *
   * @example
   * ```ts
   * await issuer.capture('post_1', holdId, Money.parse('20.00', 'EUR'));
   * ```
   */
  async capture(postingId: string, holdId: string, amount: Money, tx?: Queryable): Promise<void> {
    await this.#run(tx, async (q) => {
      const { hold, repeated } = await this.#posting(q, postingId, holdId, 'capture', amount.amount);
      if (repeated) return;
      if (hold.status !== 'held') throw new CardError('ERR_CARD_INVALID_STATE', 'the hold was released');
      if (hold.captured + amount.amount > hold.amount) {
        throw new CardError('ERR_CARD_AMOUNT_EXCEEDS_AUTHORIZED', 'capture over the held amount');
      }
      await q.query('UPDATE card_issuer_holds SET captured = captured + $2 WHERE hold_id = $1', [
        holdId,
        amount.amount,
      ]);
      await q.query('UPDATE card_issuer_cards SET balance = balance - $2 WHERE card_id = $1', [
        hold.card_id,
        amount.amount,
      ]);
    });
  }

  /**
   * Releases what a hold still reserves (a void, or an expired authorization).
   *
   * @example
   * ```ts
   * await issuer.release('post_2', holdId);
   * ```
   */
  async release(postingId: string, holdId: string, tx?: Queryable): Promise<void> {
    await this.#run(tx, async (q) => {
      const { repeated } = await this.#posting(q, postingId, holdId, 'release', 0n);
      if (repeated) return;
      await q.query(`UPDATE card_issuer_holds SET status = 'released' WHERE hold_id = $1`, [holdId]);
    });
  }

  /**
   * Refunds `amount` of what a hold captured: credits the card. Refunds add up to at most the captured amount.
   *
   * @example
   * ```ts
   * await issuer.refund('post_3', holdId, Money.parse('5.00', 'EUR'));
   * ```
   */
  async refund(postingId: string, holdId: string, amount: Money, tx?: Queryable): Promise<void> {
    await this.#run(tx, async (q) => {
      const { hold, repeated } = await this.#posting(q, postingId, holdId, 'refund', amount.amount);
      if (repeated) return;
      if (hold.refunded + amount.amount > hold.captured) {
        throw new CardError('ERR_CARD_REFUND_EXCEEDS_CAPTURED', 'refund over the captured amount');
      }
      await q.query('UPDATE card_issuer_holds SET refunded = refunded + $2 WHERE hold_id = $1', [
        holdId,
        amount.amount,
      ]);
      await q.query('UPDATE card_issuer_cards SET balance = balance + $2 WHERE card_id = $1', [
        hold.card_id,
        amount.amount,
      ]);
    });
  }
}
