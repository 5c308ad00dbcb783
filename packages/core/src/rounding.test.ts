import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { divideRounded, isRoundingMode, type RoundingMode } from './rounding.js';

const MODES: RoundingMode[] = [
  'ceil',
  'floor',
  'expand',
  'trunc',
  'halfCeil',
  'halfFloor',
  'halfExpand',
  'halfTrunc',
  'halfEven',
];

describe('divideRounded', () => {
  // The table of the RoundingMode documentation: x/2 for x = 5, -5; 24/10, -26/10.
  const table: Record<RoundingMode, [bigint, bigint, bigint, bigint]> = {
    ceil: [3n, -2n, 3n, -2n],
    floor: [2n, -3n, 2n, -3n],
    expand: [3n, -3n, 3n, -3n],
    trunc: [2n, -2n, 2n, -2n],
    halfCeil: [3n, -2n, 2n, -3n],
    halfFloor: [2n, -3n, 2n, -3n],
    halfExpand: [3n, -3n, 2n, -3n],
    halfTrunc: [2n, -2n, 2n, -3n],
    halfEven: [2n, -2n, 2n, -3n],
  };
  for (const mode of MODES) {
    it(`rounds 2.5, -2.5, 2.4, -2.6 with ${mode}`, () => {
      expect([
        divideRounded(5n, 2n, mode),
        divideRounded(-5n, 2n, mode),
        divideRounded(24n, 10n, mode),
        divideRounded(-26n, 10n, mode),
      ]).toEqual(table[mode]);
    });
  }

  it('sends halfEven ties to the even neighbour', () => {
    expect([1n, 3n, 5n, 7n, -1n, -3n].map((n) => divideRounded(n, 2n, 'halfEven'))).toEqual([0n, 2n, 2n, 4n, 0n, -2n]);
  });

  it('handles a negative denominator like a negative numerator', () => {
    for (const mode of MODES) expect(divideRounded(5n, -2n, mode)).toBe(divideRounded(-5n, 2n, mode));
  });

  it('refuses division by zero, unknown modes and non-bigints', () => {
    expect(() => divideRounded(1n, 0n, 'floor')).toThrowError(
      expect.objectContaining({ code: 'ERR_CORE_INVALID_ARGUMENT' }),
    );
    expect(() => divideRounded(1n, 2n, 'round' as RoundingMode)).toThrowError(/unknown rounding mode/);
    expect(() => divideRounded(1 as unknown as bigint, 2n, 'floor')).toThrowError(/bigint/);
    expect(isRoundingMode('halfEven')).toBe(true);
    expect(isRoundingMode('HALF_EVEN')).toBe(false);
  });

  it('property: the result is a neighbour of the exact quotient, on the side the mode says', () => {
    const big = fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n });
    const nonZero = big.filter((d) => d !== 0n);
    fc.assert(
      fc.property(big, nonZero, fc.constantFrom(...MODES), (n, d, mode) => {
        const q = divideRounded(n, d, mode);
        // q*d - n has |.| < |d|, i.e. q is floor or ceil of n/d.
        const err = q * d - n;
        expect(err < 0n ? -err : err).toBeLessThan(d < 0n ? -d : d);
        if (n % d === 0n) expect(q).toBe(n / d);
        // Compare as fractions with a positive denominator: sign of q - n/d is the sign of (q*d - n)*sign(d).
        const diff = d > 0n ? err : -err; // (q - n/d) * |d|
        const absD = d < 0n ? -d : d;
        if (mode === 'ceil') expect(diff >= 0n).toBe(true);
        if (mode === 'floor') expect(diff <= 0n).toBe(true);
        if (mode.startsWith('half')) expect(2n * (diff < 0n ? -diff : diff) <= absD).toBe(true);
      }),
    );
  });
});
