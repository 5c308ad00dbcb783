import { type CurrencyCode, getCurrency } from './currency.js';
import { CoreError, CurrencyMismatchError } from './errors.js';
import { divideRounded, type RoundingMode } from './rounding.js';

/**
 * The JSON form of an amount: minor units as a decimal integer string (JSON has no bigint) and the
 * ISO 4217 code. `{ amount: '1234', currency: 'EUR' }` is 12.34 EUR.
 *
 * @example
 * ```ts
 * import { Money, type MoneyJSON } from '@semper/core';
 * const json: MoneyJSON = Money.parse('12.34', 'EUR').toJSON(); // { amount: '1234', currency: 'EUR' }
 * ```
 */
export interface MoneyJSON {
  /** Minor units, a decimal integer: `'-5'`, `'0'`, `'1234'` (no sign on zero, no leading zeros). */
  readonly amount: string;
  /** The ISO 4217 code. */
  readonly currency: CurrencyCode;
}

/**
 * An exact rational factor `numerator / denominator` (integers; the denominator is not zero). A decimal
 * string such as `'0.19'` or `'-1.5'` is accepted wherever a ratio is, and read exactly.
 *
 * @example
 * ```ts
 * import { Money, type Ratio } from '@semper/core';
 * const twoThirds: Ratio = { numerator: 2n, denominator: 3n };
 * Money.parse('10.00', 'EUR').multiply(twoThirds, 'halfEven').toString(); // '6.67 EUR'
 * ```
 */
export interface Ratio {
  readonly numerator: bigint | number;
  readonly denominator: bigint | number;
}

/**
 * A currency code, with the known codes offered by editors; any string is checked at run time.
 *
 * @example
 * ```ts
 * import { type CurrencyInput, Money } from '@semper/core';
 * const code: CurrencyInput = 'EUR';
 * Money.parse('1.00', code);
 * ```
 */
export type CurrencyInput = CurrencyCode | (string & {});

/** Longest decimal text `Money.parse` looks at (a size limit checked before parsing). */
const MAX_TEXT = 128;
const DECIMAL = /^(-)?(0|[1-9][0-9]*)(?:\.([0-9]+))?$/;
const INTEGER = /^-?(?:0|[1-9][0-9]*)$/;

function invalid(message: string): CoreError {
  return new CoreError('ERR_CORE_INVALID_MONEY', message);
}

/** A bigint, or a number that is a safe integer; anything else (a float, NaN, a string) is refused. */
function toBigInt(value: bigint | number, what: string): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
  throw new CoreError('ERR_CORE_INVALID_ARGUMENT', `${what} must be a bigint or a safe integer, got ${String(value)}`);
}

function toRatio(ratio: Ratio | string): { numerator: bigint; denominator: bigint } {
  if (typeof ratio === 'string') {
    const m = ratio.length <= MAX_TEXT ? DECIMAL.exec(ratio) : null;
    if (m === null) throw new CoreError('ERR_CORE_INVALID_ARGUMENT', 'a ratio string must be a plain decimal');
    const fraction = m[3] ?? '';
    const numerator = BigInt(m[2] + fraction);
    return { numerator: m[1] ? -numerator : numerator, denominator: 10n ** BigInt(fraction.length) };
  }
  if (typeof ratio !== 'object' || ratio === null) {
    throw new CoreError('ERR_CORE_INVALID_ARGUMENT', 'a ratio is { numerator, denominator } or a decimal string');
  }
  const numerator = toBigInt(ratio.numerator, 'ratio numerator');
  const denominator = toBigInt(ratio.denominator, 'ratio denominator');
  if (denominator === 0n) throw new CoreError('ERR_CORE_INVALID_ARGUMENT', 'ratio denominator is zero');
  return { numerator, denominator };
}

/**
 * An amount of money: an integer count of minor units (`bigint`) in an ISO 4217 currency. Never a
 * float: amounts are built from bigints, from decimal text (`Money.parse`) or from their JSON form, and
 * every operation is exact; where a result must be rounded (multiplying by a ratio, dividing) the
 * caller names the {@link RoundingMode}. Splitting an amount uses {@link Money.allocate}, which never
 * loses or creates a minor unit.
 *
 * Instances are immutable. Operations that combine two amounts throw {@link CurrencyMismatchError}
 * (`ERR_CORE_CURRENCY_MISMATCH`) when the currencies differ.
 *
 * @example
 * ```ts
 * import { Money } from '@semper/core';
 * const price = Money.parse('100.00', 'EUR');
 * const vat = price.multiply('0.19', 'halfEven'); // 19.00 EUR
 * const total = price.add(vat);
 * total.toString(); // '119.00 EUR'
 * total.toJSON(); // { amount: '11900', currency: 'EUR' }
 * total.allocate([1, 1, 1]).map(String); // ['39.67 EUR', '39.67 EUR', '39.66 EUR']
 * total.format('de-DE'); // '119,00 €'
 * ```
 */
export class Money {
  /** The amount in minor units (cents for EUR, yen for JPY, fils for KWD). */
  readonly amount: bigint;
  /** The ISO 4217 code. */
  readonly currency: CurrencyCode;

  private constructor(amount: bigint, currency: CurrencyCode) {
    this.amount = amount;
    this.currency = currency;
    Object.freeze(this);
  }

  /**
   * An amount of `amount` minor units. `amount` is a bigint or a safe integer number (never a
   * fraction); an unknown currency throws `ERR_CORE_UNKNOWN_CURRENCY`.
   *
   * @example
   * ```ts
   * import { Money } from '@semper/core';
   * Money.of(1234n, 'EUR').toString(); // '12.34 EUR'
   * Money.of(500, 'JPY').toString(); // '500 JPY'
   * ```
   */
  static of(amount: bigint | number, currency: CurrencyInput): Money {
    if (typeof amount === 'bigint') return new Money(amount, getCurrency(currency).code);
    if (typeof amount === 'number' && Number.isSafeInteger(amount)) {
      return new Money(BigInt(amount), getCurrency(currency).code);
    }
    throw invalid(`minor units must be a bigint or a safe integer, got ${typeof amount} ${String(amount)}`);
  }

  /**
   * Zero in `currency`.
   *
   * @example
   * ```ts
   * import { Money } from '@semper/core';
   * Money.zero('KWD').toString(); // '0.000 KWD'
   * ```
   */
  static zero(currency: CurrencyInput): Money {
    return new Money(0n, getCurrency(currency).code);
  }

  /**
   * Reads a plain decimal amount in major units, strictly: an optional `-`, digits without leading
   * zeros, and optionally `.` followed by at most as many digits as the currency has minor units
   * (`'12.3'` and `'12.30'` are both 12.30 EUR; `'12.345'` EUR, `'1.5'` JPY, `'1e3'`, `' 1'`, `'+1'`,
   * `'1,00'`, `'.5'`, `'5.'` and `''` throw `ERR_CORE_INVALID_MONEY`). Without `currency`, `text` is
   * the `toString()` form `'<decimal> <CODE>'`.
   *
   * @example
   * ```ts
   * import { Money } from '@semper/core';
   * Money.parse('12.34', 'EUR').amount; // 1234n
   * Money.parse('-0.5', 'KWD').amount; // -500n
   * Money.parse('12.34 EUR').equals(Money.of(1234n, 'EUR')); // true
   * ```
   */
  static parse(text: string, currency?: CurrencyInput): Money {
    if (typeof text !== 'string') throw invalid(`expected a string, got ${typeof text}`);
    if (text.length > MAX_TEXT) throw invalid(`amount text longer than ${MAX_TEXT} characters`);
    let decimal = text;
    if (currency === undefined) {
      const space = text.indexOf(' ');
      if (space < 0 || text.indexOf(' ', space + 1) >= 0) throw invalid(`expected '<amount> <currency>'`);
      decimal = text.slice(0, space);
      currency = text.slice(space + 1);
    }
    const { code, minorUnits } = getCurrency(currency);
    const m = DECIMAL.exec(decimal);
    if (m === null) throw invalid(`not a plain decimal amount: '${decimal.slice(0, 32)}'`);
    const fraction = m[3] ?? '';
    if (fraction.length > minorUnits) {
      throw invalid(`${code} has ${minorUnits} decimal place(s), got ${fraction.length}`);
    }
    const units = BigInt(m[2] + fraction.padEnd(minorUnits, '0'));
    return new Money(m[1] ? -units : units, code);
  }

  /**
   * Reads the JSON form `{ amount: '<integer minor units>', currency: '<CODE>' }`, strictly: exactly
   * those two keys, the amount a canonical decimal integer string (no `+`, no leading zeros, no `-0`).
   * Anything else throws `ERR_CORE_INVALID_MONEY` (or `ERR_CORE_UNKNOWN_CURRENCY`).
   *
   * @example
   * ```ts
   * import { Money } from '@semper/core';
   * Money.fromJSON({ amount: '1234', currency: 'EUR' }).toString(); // '12.34 EUR'
   * Money.fromJSON(JSON.parse('{"amount":"-5","currency":"JPY"}')).amount; // -5n
   * ```
   */
  static fromJSON(json: unknown): Money {
    if (typeof json !== 'object' || json === null || Array.isArray(json)) throw invalid('expected an object');
    const keys = Object.keys(json);
    if (keys.length !== 2 || !keys.includes('amount') || !keys.includes('currency')) {
      throw invalid("expected exactly the keys 'amount' and 'currency'");
    }
    const { amount, currency } = json as Record<string, unknown>;
    if (typeof amount !== 'string' || amount.length > MAX_TEXT || !INTEGER.test(amount) || amount === '-0') {
      throw invalid('amount must be a canonical decimal integer string of minor units');
    }
    if (typeof currency !== 'string') throw invalid('currency must be a string');
    return new Money(BigInt(amount), getCurrency(currency).code);
  }

  /**
   * The sum of `items`, all in one currency. An empty list needs `currency` (and sums to zero); with a
   * non-empty list, `currency` if given must match.
   *
   * @example
   * ```ts
   * import { Money } from '@semper/core';
   * Money.sum([Money.parse('1.10', 'EUR'), Money.parse('2.20', 'EUR')]).toString(); // '3.30 EUR'
   * Money.sum([], 'USD').isZero(); // true
   * ```
   */
  static sum(items: readonly Money[], currency?: CurrencyInput): Money {
    if (items.length === 0) {
      if (currency === undefined) throw new CoreError('ERR_CORE_INVALID_ARGUMENT', 'empty sum needs a currency');
      return Money.zero(currency);
    }
    let total = currency === undefined ? Money.zero(items[0]!.currency) : Money.zero(currency);
    for (const item of items) total = total.add(item);
    return total;
  }

  /**
   * Whether `value` is a `Money`.
   *
   * @example
   * ```ts
   * import { Money } from '@semper/core';
   * Money.isMoney(Money.zero('EUR')); // true
   * Money.isMoney({ amount: 0n, currency: 'EUR' }); // false
   * ```
   */
  static isMoney(value: unknown): value is Money {
    return value instanceof Money;
  }

  /**
   * The number of minor-unit digits of this amount's currency (2 for EUR, 0 for JPY, 3 for KWD).
   *
   * @example
   * ```ts
   * import { Money } from '@semper/core';
   * Money.zero('CLF').exponent; // 4
   * ```
   */
  get exponent(): number {
    return getCurrency(this.currency).minorUnits;
  }

  /**
   * This plus `other` (same currency).
   *
   * @example
   * ```ts
   * import { Money } from '@semper/core';
   * Money.parse('0.10', 'EUR').add(Money.parse('0.20', 'EUR')).toString(); // '0.30 EUR'
   * ```
   */
  add(other: Money): Money {
    this.assertSameCurrency(other);
    return new Money(this.amount + other.amount, this.currency);
  }

  /**
   * This minus `other` (same currency). The result may be negative.
   *
   * @example
   * ```ts
   * import { Money } from '@semper/core';
   * Money.parse('1.00', 'EUR').subtract(Money.parse('1.01', 'EUR')).toString(); // '-0.01 EUR'
   * ```
   */
  subtract(other: Money): Money {
    this.assertSameCurrency(other);
    return new Money(this.amount - other.amount, this.currency);
  }

  /**
   * Multiplies by an integer (exact), or by a ratio (`{ numerator, denominator }` or a decimal string
   * like `'0.19'`) rounded to whole minor units with the given mode.
   *
   * @example
   * ```ts
   * import { Money } from '@semper/core';
   * Money.parse('2.50', 'EUR').multiply(3).toString(); // '7.50 EUR'
   * Money.parse('9.99', 'EUR').multiply('0.19', 'halfExpand').toString(); // '1.90 EUR'
   * Money.parse('1.00', 'EUR').multiply({ numerator: 1n, denominator: 3n }, 'ceil').toString(); // '0.34 EUR'
   * ```
   */
  multiply(factor: bigint | number): Money;
  multiply(ratio: Ratio | string, rounding: RoundingMode): Money;
  multiply(factor: bigint | number | Ratio | string, rounding?: RoundingMode): Money {
    if (typeof factor === 'bigint' || typeof factor === 'number') {
      return new Money(this.amount * toBigInt(factor, 'factor'), this.currency);
    }
    if (rounding === undefined) {
      throw new CoreError('ERR_CORE_INVALID_ARGUMENT', 'multiplying by a ratio needs a rounding mode');
    }
    const { numerator, denominator } = toRatio(factor);
    return new Money(divideRounded(this.amount * numerator, denominator, rounding), this.currency);
  }

  /**
   * Divides by a non-zero integer, rounded with the given mode. To split an amount into parts that add
   * up to it, use {@link Money.allocate} instead.
   *
   * @example
   * ```ts
   * import { Money } from '@semper/core';
   * Money.parse('10.00', 'EUR').divide(3, 'halfEven').toString(); // '3.33 EUR'
   * ```
   */
  divide(divisor: bigint | number, rounding: RoundingMode): Money {
    const d = toBigInt(divisor, 'divisor');
    if (d === 0n) throw new CoreError('ERR_CORE_INVALID_ARGUMENT', 'division by zero');
    return new Money(divideRounded(this.amount, d, rounding), this.currency);
  }

  /**
   * Splits this amount in proportion to `ratios` (non-negative integers, not all zero) without losing
   * or creating a minor unit: the parts always add up to this amount exactly.
   *
   * The rule (largest remainder, deterministic): part `i` first gets `trunc(|amount| × ratios[i] / Σratios)`;
   * the minor units left over are then given one each to the parts with the largest fractional
   * remainders, ties going to the lower index. A part whose ratio is 0 gets 0. For a negative amount
   * the parts are those of `|amount|`, negated.
   *
   * @example
   * ```ts
   * import { Money } from '@semper/core';
   * Money.parse('0.05', 'EUR').allocate([3, 7]).map(String); // ['0.02 EUR', '0.03 EUR']
   * Money.parse('100.00', 'EUR').allocate([1, 1, 1]).map(String); // ['33.34 EUR', '33.33 EUR', '33.33 EUR']
   * Money.of(1n, 'EUR').allocate([1, 1000]).map((m) => m.amount); // [0n, 1n]
   * ```
   */
  allocate(ratios: readonly (bigint | number)[]): Money[] {
    if (!Array.isArray(ratios) || ratios.length === 0) {
      throw new CoreError('ERR_CORE_INVALID_ARGUMENT', 'allocate needs at least one ratio');
    }
    const weights = ratios.map((r, i) => {
      const w = toBigInt(r, `ratio ${i}`);
      if (w < 0n) throw new CoreError('ERR_CORE_INVALID_ARGUMENT', `ratio ${i} is negative`);
      return w;
    });
    const total = weights.reduce((a, b) => a + b, 0n);
    if (total === 0n) throw new CoreError('ERR_CORE_INVALID_ARGUMENT', 'ratios add up to zero');

    const negative = this.amount < 0n;
    const whole = negative ? -this.amount : this.amount;
    const parts = weights.map((w) => (whole * w) / total);
    const remainders = weights.map((w) => (whole * w) % total);
    let left = whole - parts.reduce((a, b) => a + b, 0n);
    const order = remainders
      .map((remainder, index) => ({ remainder, index }))
      .sort((a, b) => (a.remainder === b.remainder ? a.index - b.index : a.remainder > b.remainder ? -1 : 1));
    for (const { index } of order) {
      if (left === 0n) break;
      parts[index]! += 1n;
      left -= 1n;
    }
    return parts.map((p) => new Money(negative ? -p : p, this.currency));
  }

  /**
   * Splits this amount into `count` parts as equal as possible (`allocate` with equal ratios): the
   * larger parts come first.
   *
   * @example
   * ```ts
   * import { Money } from '@semper/core';
   * Money.of(10n, 'JPY').split(3).map((m) => m.amount); // [4n, 3n, 3n]
   * ```
   */
  split(count: number): Money[] {
    if (!Number.isSafeInteger(count) || count < 1) {
      throw new CoreError('ERR_CORE_INVALID_ARGUMENT', 'split needs a positive integer count');
    }
    return this.allocate(new Array<number>(count).fill(1));
  }

  /**
   * The opposite amount.
   *
   * @example
   * ```ts
   * import { Money } from '@semper/core';
   * Money.parse('1.00', 'EUR').negate().toString(); // '-1.00 EUR'
   * ```
   */
  negate(): Money {
    return new Money(-this.amount, this.currency);
  }

  /**
   * The absolute amount.
   *
   * @example
   * ```ts
   * import { Money } from '@semper/core';
   * Money.parse('-1.00', 'EUR').abs().toString(); // '1.00 EUR'
   * ```
   */
  abs(): Money {
    return this.amount < 0n ? this.negate() : this;
  }

  /**
   * `-1`, `0` or `1` as this is less than, equal to or greater than `other` (same currency).
   *
   * @example
   * ```ts
   * import { Money } from '@semper/core';
   * const prices = [Money.parse('2', 'EUR'), Money.parse('1', 'EUR')];
   * prices.sort((a, b) => a.compare(b)).map(String); // ['1.00 EUR', '2.00 EUR']
   * ```
   */
  compare(other: Money): -1 | 0 | 1 {
    this.assertSameCurrency(other);
    return this.amount < other.amount ? -1 : this.amount > other.amount ? 1 : 0;
  }

  /**
   * Same currency and same amount. Never throws: amounts in different currencies are simply not equal.
   *
   * @example
   * ```ts
   * import { Money } from '@semper/core';
   * Money.parse('1.5', 'EUR').equals(Money.of(150n, 'EUR')); // true
   * Money.parse('1', 'EUR').equals(Money.parse('1', 'USD')); // false
   * ```
   */
  equals(other: Money): boolean {
    return other instanceof Money && this.currency === other.currency && this.amount === other.amount;
  }

  /**
   * `this < other` (same currency).
   *
   * @example
   * ```ts
   * import { Money } from '@semper/core';
   * Money.parse('1', 'EUR').lessThan(Money.parse('2', 'EUR')); // true
   * ```
   */
  lessThan(other: Money): boolean {
    return this.compare(other) < 0;
  }

  /**
   * `this <= other` (same currency).
   *
   * @example
   * ```ts
   * import { Money } from '@semper/core';
   * Money.parse('2', 'EUR').lessThanOrEqual(Money.parse('2', 'EUR')); // true
   * ```
   */
  lessThanOrEqual(other: Money): boolean {
    return this.compare(other) <= 0;
  }

  /**
   * `this > other` (same currency).
   *
   * @example
   * ```ts
   * import { Money } from '@semper/core';
   * Money.parse('3', 'EUR').greaterThan(Money.parse('2', 'EUR')); // true
   * ```
   */
  greaterThan(other: Money): boolean {
    return this.compare(other) > 0;
  }

  /**
   * `this >= other` (same currency).
   *
   * @example
   * ```ts
   * import { Money } from '@semper/core';
   * Money.parse('2', 'EUR').greaterThanOrEqual(Money.parse('2', 'EUR')); // true
   * ```
   */
  greaterThanOrEqual(other: Money): boolean {
    return this.compare(other) >= 0;
  }

  /**
   * Whether the amount is zero.
   *
   * @example
   * ```ts
   * import { Money } from '@semper/core';
   * Money.zero('EUR').isZero(); // true
   * ```
   */
  isZero(): boolean {
    return this.amount === 0n;
  }

  /**
   * Whether the amount is below zero.
   *
   * @example
   * ```ts
   * import { Money } from '@semper/core';
   * Money.parse('-0.01', 'EUR').isNegative(); // true
   * ```
   */
  isNegative(): boolean {
    return this.amount < 0n;
  }

  /**
   * Whether the amount is above zero.
   *
   * @example
   * ```ts
   * import { Money } from '@semper/core';
   * Money.parse('0.01', 'EUR').isPositive(); // true
   * ```
   */
  isPositive(): boolean {
    return this.amount > 0n;
  }

  /**
   * The amount in major units as a plain decimal with exactly the currency's number of decimals:
   * `'12.34'`, `'-0.05'`, `'500'` (JPY), `'1.0000'` (CLF). `Money.parse` reads it back.
   *
   * @example
   * ```ts
   * import { Money } from '@semper/core';
   * Money.of(-5n, 'EUR').toDecimalString(); // '-0.05'
   * ```
   */
  toDecimalString(): string {
    const exponent = this.exponent;
    const negative = this.amount < 0n;
    const digits = (negative ? -this.amount : this.amount).toString().padStart(exponent + 1, '0');
    const text = exponent === 0 ? digits : `${digits.slice(0, -exponent)}.${digits.slice(-exponent)}`;
    return negative ? `-${text}` : text;
  }

  /**
   * `'<decimal> <CODE>'`, e.g. `'12.34 EUR'`, `'-0.050 KWD'`: locale-independent, for logs and for
   * `Money.parse` (which reads it back exactly).
   *
   * @example
   * ```ts
   * import { Money } from '@semper/core';
   * String(Money.of(1234n, 'EUR')); // '12.34 EUR'
   * ```
   */
  toString(): string {
    return `${this.toDecimalString()} ${this.currency}`;
  }

  /**
   * The JSON form `{ amount: '<minor units>', currency }`; `JSON.stringify` uses it.
   *
   * @example
   * ```ts
   * import { Money } from '@semper/core';
   * JSON.stringify({ price: Money.parse('12.34', 'EUR') }); // '{"price":{"amount":"1234","currency":"EUR"}}'
   * ```
   */
  toJSON(): MoneyJSON {
    return { amount: this.amount.toString(), currency: this.currency };
  }

  /**
   * A human-readable, localised form through `Intl.NumberFormat` (`style: 'currency'`), always with
   * exactly the ISO 4217 number of decimals, whatever the locale data says (CLDR shows IQD with none,
   * ISO 4217 with three). The exact decimal string is given to Intl, never a float, so amounts beyond
   * 2^53 minor units are shown exactly. For display only: never parse it back. An invalid locale or
   * option throws `ERR_CORE_INVALID_ARGUMENT`.
   *
   * @example
   * ```ts
   * import { Money } from '@semper/core';
   * Money.parse('1234.5', 'EUR').format('de-DE'); // '1.234,50 €'
   * Money.parse('1234.5', 'EUR').format('en-US', { currencyDisplay: 'code' }); // 'EUR 1,234.50'
   * ```
   */
  format(locales?: string | readonly string[], options?: MoneyFormatOptions): string {
    const exponent = this.exponent;
    let formatter: Intl.NumberFormat;
    try {
      formatter = new Intl.NumberFormat(locales as string | string[] | undefined, {
        style: 'currency',
        currency: this.currency,
        currencyDisplay: options?.currencyDisplay ?? 'symbol',
        minimumFractionDigits: exponent,
        maximumFractionDigits: exponent,
        useGrouping: options?.useGrouping ?? true,
      });
    } catch (err) {
      throw new CoreError('ERR_CORE_INVALID_ARGUMENT', 'invalid locale or format options', { cause: err });
    }
    return formatter.format(this.toDecimalString() as `${number}`);
  }

  private assertSameCurrency(other: Money): void {
    if (!(other instanceof Money)) {
      throw new CoreError('ERR_CORE_INVALID_ARGUMENT', 'expected a Money');
    }
    if (other.currency !== this.currency) throw new CurrencyMismatchError(this.currency, other.currency);
  }
}

/**
 * Options of {@link Money.format}.
 *
 * @example
 * ```ts
 * import { Money, type MoneyFormatOptions } from '@semper/core';
 * const options: MoneyFormatOptions = { currencyDisplay: 'name' };
 * Money.parse('2', 'USD').format('en-US', options); // '2.00 US dollars'
 * ```
 */
export interface MoneyFormatOptions {
  /** How the currency is shown: `'symbol'` (default, `€`), `'narrowSymbol'`, `'code'` (`EUR`), `'name'`. */
  readonly currencyDisplay?: 'symbol' | 'narrowSymbol' | 'code' | 'name';
  /** Whether to group thousands (default `true`). */
  readonly useGrouping?: boolean;
}
