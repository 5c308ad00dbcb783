import { CoreError } from './errors.js';

/**
 * How a quotient that falls between two integers is rounded. The names are those of
 * `Intl.NumberFormat`'s `roundingMode` (ECMA-402):
 *
 * | mode         | rule                                   | 2.5 | -2.5 | 2.4 | -2.6 |
 * | ------------ | -------------------------------------- | --- | ---- | --- | ---- |
 * | `ceil`       | toward +∞                              | 3   | -2   | 3   | -2   |
 * | `floor`      | toward -∞                              | 2   | -3   | 2   | -3   |
 * | `expand`     | away from zero                         | 3   | -3   | 3   | -3   |
 * | `trunc`      | toward zero                            | 2   | -2   | 2   | -2   |
 * | `halfCeil`   | nearest; a tie goes toward +∞          | 3   | -2   | 2   | -3   |
 * | `halfFloor`  | nearest; a tie goes toward -∞          | 2   | -3   | 2   | -3   |
 * | `halfExpand` | nearest; a tie goes away from zero     | 3   | -3   | 2   | -3   |
 * | `halfTrunc`  | nearest; a tie goes toward zero        | 2   | -2   | 2   | -3   |
 * | `halfEven`   | nearest; a tie goes to the even one    | 2   | -2   | 2   | -3   |
 *
 * @example
 * ```ts
 * import { Money, type RoundingMode } from '@semper/core';
 * const mode: RoundingMode = 'halfEven';
 * Money.parse('0.05', 'EUR').multiply({ numerator: 1n, denominator: 2n }, mode).toString(); // '0.02 EUR'
 * ```
 */
export type RoundingMode =
  | 'ceil'
  | 'floor'
  | 'expand'
  | 'trunc'
  | 'halfCeil'
  | 'halfFloor'
  | 'halfExpand'
  | 'halfTrunc'
  | 'halfEven';

const MODES: ReadonlySet<string> = new Set<RoundingMode>([
  'ceil',
  'floor',
  'expand',
  'trunc',
  'halfCeil',
  'halfFloor',
  'halfExpand',
  'halfTrunc',
  'halfEven',
]);

/**
 * Whether `value` names a {@link RoundingMode}.
 *
 * @example
 * ```ts
 * import { isRoundingMode } from '@semper/core';
 * isRoundingMode('halfEven'); // true
 * isRoundingMode('round'); // false
 * ```
 */
export function isRoundingMode(value: unknown): value is RoundingMode {
  return typeof value === 'string' && MODES.has(value);
}

/**
 * Divides two integers exactly and rounds the quotient with `mode`. Throws `ERR_CORE_INVALID_ARGUMENT`
 * when `denominator` is zero or `mode` is not a rounding mode.
 *
 * @example
 * ```ts
 * import { divideRounded } from '@semper/core';
 * divideRounded(5n, 2n, 'halfEven'); // 2n
 * divideRounded(-5n, 2n, 'floor'); // -3n
 * ```
 */
export function divideRounded(numerator: bigint, denominator: bigint, mode: RoundingMode): bigint {
  if (typeof numerator !== 'bigint' || typeof denominator !== 'bigint') {
    throw new CoreError('ERR_CORE_INVALID_ARGUMENT', 'divideRounded takes bigint operands');
  }
  if (!isRoundingMode(mode)) {
    throw new CoreError('ERR_CORE_INVALID_ARGUMENT', `unknown rounding mode: ${String(mode)}`);
  }
  if (denominator === 0n) throw new CoreError('ERR_CORE_INVALID_ARGUMENT', 'division by zero');
  if (denominator < 0n) {
    numerator = -numerator;
    denominator = -denominator;
  }
  const quotient = numerator / denominator; // truncated toward zero
  const remainder = numerator % denominator; // has the sign of the numerator
  if (remainder === 0n) return quotient;

  const positive = numerator > 0n;
  const away = positive ? quotient + 1n : quotient - 1n;
  const up = positive ? away : quotient; // toward +∞
  const down = positive ? quotient : away; // toward -∞

  switch (mode) {
    case 'ceil':
      return up;
    case 'floor':
      return down;
    case 'expand':
      return away;
    case 'trunc':
      return quotient;
  }

  const twice = (remainder < 0n ? -remainder : remainder) * 2n;
  if (twice > denominator) return away;
  if (twice < denominator) return quotient;
  switch (mode) {
    case 'halfCeil':
      return up;
    case 'halfFloor':
      return down;
    case 'halfExpand':
      return away;
    case 'halfTrunc':
      return quotient;
    case 'halfEven':
      return quotient % 2n === 0n ? quotient : away;
  }
}
