import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type CurrencyCode, listCurrencies } from './currency.js';
import { CoreError, CurrencyMismatchError } from './errors.js';
import { Money } from './money.js';
import { divideRounded, type RoundingMode } from './rounding.js';

const eur = (text: string) => Money.parse(text, 'EUR');
const code = (err: unknown) => (err as CoreError).code;
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
}

const currencies = listCurrencies().map((c) => c.code);
const arbCurrency = fc.constantFrom(...currencies);
const arbAmount = fc.bigInt({ min: -(10n ** 24n), max: 10n ** 24n });
const arbMoney = fc.tuple(arbAmount, arbCurrency).map(([a, c]) => Money.of(a, c));
const sameCurrencyPair = arbCurrency.chain((c) =>
  fc.tuple(arbAmount, arbAmount).map(([a, b]) => [Money.of(a, c), Money.of(b, c)] as const),
);
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

describe('Money: construction', () => {
  it('holds minor units as a bigint with the ISO exponent', () => {
    const m = Money.of(1234n, 'EUR');
    expect(m.amount).toBe(1234n);
    expect(m.currency).toBe('EUR');
    expect(m.exponent).toBe(2);
    expect(Money.of(7, 'JPY').amount).toBe(7n);
    expect(Money.zero('CLF').exponent).toBe(4);
  });

  it('is immutable', () => {
    const m = eur('1.00');
    expect(Object.isFrozen(m)).toBe(true);
    expect(() => {
      (m as { amount: bigint }).amount = 5n;
    }).toThrow(TypeError);
  });

  it('refuses floats, NaN and non-numbers as minor units (ERR_CORE_INVALID_MONEY)', () => {
    for (const bad of [1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 60, '12', null]) {
      expect(code(thrown(() => Money.of(bad as number, 'EUR')))).toBe('ERR_CORE_INVALID_MONEY');
    }
  });

  it('refuses unknown currencies (ERR_CORE_UNKNOWN_CURRENCY)', () => {
    expect(code(thrown(() => Money.of(1n, 'XAU')))).toBe('ERR_CORE_UNKNOWN_CURRENCY');
    expect(code(thrown(() => Money.zero('eur')))).toBe('ERR_CORE_UNKNOWN_CURRENCY');
    expect(code(thrown(() => Money.parse('1', 'BTC')))).toBe('ERR_CORE_UNKNOWN_CURRENCY');
  });
});

describe('Money.parse', () => {
  it.each([
    ['12.34', 'EUR', 1234n],
    ['12.3', 'EUR', 1230n],
    ['12', 'EUR', 1200n],
    ['0', 'EUR', 0n],
    ['-0', 'EUR', 0n],
    ['-0.05', 'EUR', -5n],
    ['0.001', 'KWD', 1n],
    ['1.5', 'BHD', 1500n],
    ['-12.345', 'TND', -12345n],
    ['1234', 'JPY', 1234n],
    ['10', 'XOF', 10n],
    ['1.2345', 'CLF', 12345n],
    ['123456789012345678901234567890.12', 'EUR', 12345678901234567890123456789012n],
  ] as const)('reads %s %s as %s minor units', (text, currency, minor) => {
    expect(Money.parse(text, currency).amount).toBe(minor);
  });

  it.each([
    ['12.345', 'EUR'],
    ['1.5', 'JPY'],
    ['1.0', 'JPY'],
    ['0.0001', 'KWD'],
    ['1.23456', 'CLF'],
  ] as const)('refuses too many decimals: %s %s', (text, currency) => {
    const err = thrown(() => Money.parse(text, currency));
    expect(err).toBeInstanceOf(CoreError);
    expect(code(err)).toBe('ERR_CORE_INVALID_MONEY');
  });

  it.each([
    '',
    ' ',
    ' 1',
    '1 ',
    '+1',
    '1e3',
    '1E3',
    '0x10',
    '1,00',
    '1.000,00',
    '.5',
    '5.',
    '--1',
    '01',
    '00.5',
    'abc',
    '12.3.4',
    'NaN',
    'Infinity',
    '١٢',
    '1_000',
    '-',
  ])('refuses garbage: %j', (text) => {
    expect(code(thrown(() => Money.parse(text, 'EUR')))).toBe('ERR_CORE_INVALID_MONEY');
  });

  it('refuses over-long text before parsing it', () => {
    expect(thrown(() => Money.parse('1'.repeat(129), 'EUR'))).toMatchObject({
      code: 'ERR_CORE_INVALID_MONEY',
      message: expect.stringMatching(/longer than/),
    });
  });

  it("reads the toString form '<decimal> <CODE>' when no currency is given", () => {
    expect(Money.parse('12.34 EUR').equals(Money.of(1234n, 'EUR'))).toBe(true);
    expect(Money.parse('-0.050 KWD').amount).toBe(-50n);
    for (const bad of ['12.34', '12.34  EUR', '12.34 EUR ', 'EUR 12.34', '12.34 eur']) {
      expect(thrown(() => Money.parse(bad))).toBeInstanceOf(CoreError);
    }
  });

  it('refuses a non-string', () => {
    expect(code(thrown(() => Money.parse(12 as unknown as string, 'EUR')))).toBe('ERR_CORE_INVALID_MONEY');
  });
});

describe('Money: text and JSON', () => {
  it.each([
    [1234n, 'EUR', '12.34 EUR'],
    [-5n, 'EUR', '-0.05 EUR'],
    [0n, 'EUR', '0.00 EUR'],
    [5n, 'JPY', '5 JPY'],
    [-5n, 'JPY', '-5 JPY'],
    [50n, 'KWD', '0.050 KWD'],
    [10000n, 'CLF', '1.0000 CLF'],
    [-1n, 'CLF', '-0.0001 CLF'],
  ] as const)('toString of %s %s is %s', (minor, currency, text) => {
    expect(Money.of(minor, currency).toString()).toBe(text);
    expect(String(Money.of(minor, currency))).toBe(text);
  });

  it('has the JSON form { amount, currency } and reads it back', () => {
    const m = eur('12.34');
    expect(m.toJSON()).toEqual({ amount: '1234', currency: 'EUR' });
    expect(JSON.stringify({ price: m })).toBe('{"price":{"amount":"1234","currency":"EUR"}}');
    expect(Money.fromJSON({ amount: '-5', currency: 'JPY' }).amount).toBe(-5n);
  });

  it.each([
    null,
    [],
    '1234',
    { amount: 1234, currency: 'EUR' },
    { amount: '12.34', currency: 'EUR' },
    { amount: '0x10', currency: 'EUR' },
    { amount: '+1', currency: 'EUR' },
    { amount: '01', currency: 'EUR' },
    { amount: '-0', currency: 'EUR' },
    { amount: ' 1', currency: 'EUR' },
    { amount: '1' },
    { currency: 'EUR' },
    { amount: '1', currency: 'EUR', extra: true },
    { amount: '1', currency: 42 },
    { amount: '1'.repeat(200), currency: 'EUR' },
  ])('fromJSON refuses %j', (json) => {
    expect(code(thrown(() => Money.fromJSON(json)))).toBe('ERR_CORE_INVALID_MONEY');
  });

  it('fromJSON refuses an unknown currency', () => {
    expect(code(thrown(() => Money.fromJSON({ amount: '1', currency: 'XXX' })))).toBe('ERR_CORE_UNKNOWN_CURRENCY');
  });

  it('property: parse(toString()) and fromJSON(toJSON()) give the same amount back', () => {
    fc.assert(
      fc.property(arbMoney, (m) => {
        expect(Money.parse(m.toString()).equals(m)).toBe(true);
        expect(Money.parse(m.toDecimalString(), m.currency).equals(m)).toBe(true);
        expect(Money.fromJSON(JSON.parse(JSON.stringify(m))).equals(m)).toBe(true);
      }),
    );
  });

  it('property: parse reads any decimal with at most the exponent of decimals exactly, and refuses more', () => {
    const arb = fc.record({
      currency: arbCurrency,
      negative: fc.boolean(),
      int: fc.bigInt({ min: 0n, max: 10n ** 20n }),
      decimals: fc.string({ unit: fc.constantFrom(...'0123456789'), maxLength: 6 }),
    });
    fc.assert(
      fc.property(arb, ({ currency, negative, int, decimals }) => {
        const text = `${negative ? '-' : ''}${int}${decimals === '' ? '' : `.${decimals}`}`;
        const exponent = Money.zero(currency).exponent;
        if (decimals.length > exponent) {
          expect(code(thrown(() => Money.parse(text, currency)))).toBe('ERR_CORE_INVALID_MONEY');
          return;
        }
        const minor = BigInt(`${int}${decimals.padEnd(exponent, '0')}`);
        expect(Money.parse(text, currency).amount).toBe(negative ? -minor : minor);
      }),
    );
  });
});

describe('Money: format', () => {
  it('formats through Intl with the ISO number of decimals', () => {
    const nbsp = /\u00a0/g;
    expect(eur('1234.5').format('de-DE').replace(nbsp, ' ')).toBe('1.234,50 €');
    expect(eur('1234.5').format('en-US')).toBe('€1,234.50');
    expect(eur('-0.05').format('en-US')).toBe('-€0.05');
    expect(eur('1234.5').format('en-US', { currencyDisplay: 'code' }).replace(nbsp, ' ')).toBe('EUR 1,234.50');
    expect(Money.parse('1234', 'JPY').format('en-US')).toBe('¥1,234');
    // CLDR would show IQD without decimals; ISO 4217 says three.
    expect(Money.parse('1.5', 'IQD').format('en-US', { currencyDisplay: 'code' }).replace(nbsp, ' ')).toBe('IQD 1.500');
    expect(Money.parse('1.2345', 'CLF').format('en-US', { currencyDisplay: 'code' }).replace(nbsp, ' ')).toBe(
      'CLF 1.2345',
    );
  });

  it('refuses an invalid locale or option with ERR_CORE_INVALID_ARGUMENT', () => {
    expect(code(thrown(() => eur('1').format('not a locale!')))).toBe('ERR_CORE_INVALID_ARGUMENT');
    expect(code(thrown(() => eur('1').format('en', { currencyDisplay: 'bogus' as never })))).toBe(
      'ERR_CORE_INVALID_ARGUMENT',
    );
  });

  it('is exact beyond 2^53 minor units (no float on the way)', () => {
    const huge = Money.parse('123456789012345678901234567.89', 'USD');
    expect(huge.format('en-US', { useGrouping: false })).toBe('$123456789012345678901234567.89');
  });

  it('property: the formatted digits are exactly the decimal digits', () => {
    fc.assert(
      fc.property(arbMoney, (m) => {
        const shown = m.format('en-US', { useGrouping: false, currencyDisplay: 'code' }).replace(/[^0-9]/g, '');
        expect(shown).toBe(m.abs().toDecimalString().replace('.', ''));
      }),
      { numRuns: 200 },
    );
  });
});

describe('Money: arithmetic', () => {
  it('adds and subtracts exactly', () => {
    expect(eur('0.10').add(eur('0.20')).toString()).toBe('0.30 EUR');
    expect(eur('1.00').subtract(eur('1.01')).toString()).toBe('-0.01 EUR');
    expect(Money.sum([eur('1.10'), eur('2.20'), eur('-0.30')]).toString()).toBe('3.00 EUR');
    expect(Money.sum([], 'USD').equals(Money.zero('USD'))).toBe(true);
  });

  it('throws CurrencyMismatchError (ERR_CORE_CURRENCY_MISMATCH) when currencies differ', () => {
    const usd = Money.parse('1', 'USD');
    for (const op of [
      () => eur('1').add(usd),
      () => eur('1').subtract(usd),
      () => eur('1').compare(usd),
      () => eur('1').lessThan(usd),
      () => eur('1').greaterThanOrEqual(usd),
      () => Money.sum([eur('1'), usd]),
      () => Money.sum([eur('1')], 'USD'),
    ]) {
      const err = thrown(op);
      expect(err).toBeInstanceOf(CurrencyMismatchError);
      expect(err).toMatchObject({ code: 'ERR_CORE_CURRENCY_MISMATCH', name: 'CurrencyMismatchError' });
    }
    expect(thrown(() => eur('1').add(usd))).toMatchObject({ expected: 'EUR', actual: 'USD' });
  });

  it('refuses a non-Money operand and an empty sum without currency', () => {
    expect(code(thrown(() => eur('1').add({ amount: 1n, currency: 'EUR' } as unknown as Money)))).toBe(
      'ERR_CORE_INVALID_ARGUMENT',
    );
    expect(code(thrown(() => Money.sum([])))).toBe('ERR_CORE_INVALID_ARGUMENT');
  });

  it('multiplies by integers exactly and refuses fractional numbers', () => {
    expect(eur('2.50').multiply(3).toString()).toBe('7.50 EUR');
    expect(eur('2.50').multiply(-2n).toString()).toBe('-5.00 EUR');
    expect(eur('2.50').multiply(0).isZero()).toBe(true);
    expect(code(thrown(() => eur('1').multiply(1.5)))).toBe('ERR_CORE_INVALID_ARGUMENT');
    expect(code(thrown(() => eur('1').multiply(Number.NaN)))).toBe('ERR_CORE_INVALID_ARGUMENT');
  });

  it('multiplies by a ratio with an explicit rounding mode', () => {
    expect(eur('9.99').multiply('0.19', 'halfExpand').toString()).toBe('1.90 EUR');
    expect(eur('1.00').multiply({ numerator: 1n, denominator: 3n }, 'ceil').toString()).toBe('0.34 EUR');
    expect(eur('1.00').multiply({ numerator: 1, denominator: 3 }, 'floor').toString()).toBe('0.33 EUR');
    expect(eur('0.05').multiply({ numerator: 1n, denominator: 2n }, 'halfEven').toString()).toBe('0.02 EUR');
    expect(eur('0.05').multiply({ numerator: 1n, denominator: 2n }, 'halfExpand').toString()).toBe('0.03 EUR');
    expect(eur('-0.05').multiply('0.5', 'halfExpand').toString()).toBe('-0.03 EUR');
    expect(eur('100').multiply('-1.5', 'trunc').toString()).toBe('-150.00 EUR');
    expect(eur('100').multiply({ numerator: 2n, denominator: -3n }, 'floor').toString()).toBe('-66.67 EUR');
  });

  it('refuses a ratio without rounding mode, a zero denominator and malformed ratio strings', () => {
    expect(code(thrown(() => (eur('1') as unknown as { multiply(r: string): Money }).multiply('0.5')))).toBe(
      'ERR_CORE_INVALID_ARGUMENT',
    );
    expect(code(thrown(() => eur('1').multiply({ numerator: 1n, denominator: 0n }, 'floor')))).toBe(
      'ERR_CORE_INVALID_ARGUMENT',
    );
    for (const bad of ['1e2', '.5', '0,5', '', ' 1']) {
      expect(code(thrown(() => eur('1').multiply(bad, 'floor')))).toBe('ERR_CORE_INVALID_ARGUMENT');
    }
    expect(code(thrown(() => eur('1').multiply({ numerator: 0.5, denominator: 1 }, 'floor')))).toBe(
      'ERR_CORE_INVALID_ARGUMENT',
    );
  });

  it('divides with a rounding mode', () => {
    expect(eur('10.00').divide(3, 'halfEven').toString()).toBe('3.33 EUR');
    expect(eur('10.00').divide(3n, 'ceil').toString()).toBe('3.34 EUR');
    expect(eur('-10.00').divide(3, 'floor').toString()).toBe('-3.34 EUR');
    expect(code(thrown(() => eur('1').divide(0, 'floor')))).toBe('ERR_CORE_INVALID_ARGUMENT');
  });

  it('negates, takes absolute values, compares and tests sign', () => {
    expect(eur('1').negate().toString()).toBe('-1.00 EUR');
    expect(eur('-1').abs().toString()).toBe('1.00 EUR');
    expect(eur('1').compare(eur('2'))).toBe(-1);
    expect(eur('2').compare(eur('2'))).toBe(0);
    expect(eur('3').compare(eur('2'))).toBe(1);
    expect(eur('1').lessThan(eur('2'))).toBe(true);
    expect(eur('2').lessThanOrEqual(eur('2'))).toBe(true);
    expect(eur('3').greaterThan(eur('2'))).toBe(true);
    expect(eur('2').greaterThanOrEqual(eur('3'))).toBe(false);
    expect(eur('0').isZero()).toBe(true);
    expect(eur('-0.01').isNegative()).toBe(true);
    expect(eur('-0.01').isPositive()).toBe(false);
    expect(eur('0').isNegative() || eur('0').isPositive()).toBe(false);
    expect(eur('1').equals(Money.parse('1', 'USD'))).toBe(false);
    expect(Money.isMoney(eur('1'))).toBe(true);
    expect(Money.isMoney({ amount: 1n, currency: 'EUR' })).toBe(false);
  });

  it('property: add and subtract are inverse, add commutes, compare agrees with subtract', () => {
    fc.assert(
      fc.property(sameCurrencyPair, ([a, b]) => {
        expect(a.add(b).subtract(b).equals(a)).toBe(true);
        expect(a.subtract(b).add(b).equals(a)).toBe(true);
        expect(a.add(b).equals(b.add(a))).toBe(true);
        const d = a.subtract(b);
        expect(a.compare(b)).toBe(d.isZero() ? 0 : d.isNegative() ? -1 : 1);
        expect(a.add(a.negate()).isZero()).toBe(true);
      }),
    );
  });

  it('property: multiplying by a ratio is the exact product rounded by the mode', () => {
    const arb = fc.tuple(
      arbMoney,
      fc.bigInt({ min: -(10n ** 12n), max: 10n ** 12n }),
      fc.bigInt({ min: 1n, max: 10n ** 12n }),
      fc.constantFrom(...MODES),
    );
    fc.assert(
      fc.property(arb, ([m, n, d, mode]) => {
        const r = m.multiply({ numerator: n, denominator: d }, mode);
        expect(r.amount).toBe(divideRounded(m.amount * n, d, mode));
        expect(r.currency).toBe(m.currency);
      }),
    );
  });
});

describe('Money.allocate', () => {
  it('never loses a unit on the classic examples', () => {
    expect(eur('0.05').allocate([3, 7]).map(String)).toEqual(['0.02 EUR', '0.03 EUR']);
    expect(eur('100.00').allocate([1, 1, 1]).map(String)).toEqual(['33.34 EUR', '33.33 EUR', '33.33 EUR']);
    expect(eur('119.00').allocate([1, 1, 1]).map(String)).toEqual(['39.67 EUR', '39.67 EUR', '39.66 EUR']);
    expect(
      Money.of(1n, 'EUR')
        .allocate([1, 1000])
        .map((m) => m.amount),
    ).toEqual([0n, 1n]);
    expect(
      Money.of(10n, 'JPY')
        .split(3)
        .map((m) => m.amount),
    ).toEqual([4n, 3n, 3n]);
  });

  it('gives leftover units to the largest remainders, ties to the lower index', () => {
    // 7 × [1, 2, 4] / 7 is exact; 10 × [1, 2, 4] / 7 = 1.43, 2.86, 5.71 → trunc 1, 2, 5 (8), 2 left:
    // remainders 3/7, 6/7, 5/7 → parts 2 and 3 get one each.
    expect(
      Money.of(10n, 'JPY')
        .allocate([1, 2, 4])
        .map((m) => m.amount),
    ).toEqual([1n, 3n, 6n]);
    expect(
      Money.of(2n, 'JPY')
        .allocate([1, 1, 1])
        .map((m) => m.amount),
    ).toEqual([1n, 1n, 0n]);
  });

  it('gives nothing to a zero ratio and allocates negative amounts symmetrically', () => {
    expect(
      Money.of(5n, 'EUR')
        .allocate([0, 1, 0, 1])
        .map((m) => m.amount),
    ).toEqual([0n, 3n, 0n, 2n]);
    expect(
      Money.of(-5n, 'EUR')
        .allocate([3, 7])
        .map((m) => m.amount),
    ).toEqual([-2n, -3n]);
    expect(
      Money.zero('EUR')
        .allocate([1, 2])
        .map((m) => m.amount),
    ).toEqual([0n, 0n]);
  });

  it('refuses empty, negative, fractional or all-zero ratios', () => {
    for (const ratios of [[], [-1, 2], [0.5, 0.5], [0, 0], [Number.NaN]]) {
      expect(code(thrown(() => eur('1').allocate(ratios)))).toBe('ERR_CORE_INVALID_ARGUMENT');
    }
    expect(code(thrown(() => eur('1').split(0)))).toBe('ERR_CORE_INVALID_ARGUMENT');
    expect(code(thrown(() => eur('1').split(1.5)))).toBe('ERR_CORE_INVALID_ARGUMENT');
  });

  it('property: the parts add up to the whole, each within one unit of its exact share', () => {
    const ratios = fc
      .array(fc.bigInt({ min: 0n, max: 10n ** 9n }), { minLength: 1, maxLength: 12 })
      .filter((r) => r.some((x) => x > 0n));
    fc.assert(
      fc.property(arbMoney, ratios, (m, rs) => {
        const parts = m.allocate(rs);
        expect(parts).toHaveLength(rs.length);
        expect(Money.sum(parts).equals(m)).toBe(true);
        const total = rs.reduce((a, b) => a + b, 0n);
        parts.forEach((p, i) => {
          expect(p.currency).toBe(m.currency);
          // |p·total − m·r| < total: p is the floor or the ceiling of the exact share.
          const err = p.amount * total - m.amount * rs[i]!;
          expect(err < 0n ? -err : err).toBeLessThan(total);
          if (rs[i] === 0n) expect(p.isZero()).toBe(true);
          if (!p.isZero()) expect(p.isNegative()).toBe(m.isNegative());
        });
        // Deterministic, and the same as the positive allocation negated.
        expect(m.allocate(rs).map(String)).toEqual(parts.map(String));
        expect(
          m
            .negate()
            .allocate(rs)
            .map((p) => p.amount),
        ).toEqual(parts.map((p) => -p.amount));
      }),
    );
  });

  it('property: split parts differ by at most one unit, larger first', () => {
    fc.assert(
      fc.property(arbMoney, fc.integer({ min: 1, max: 50 }), (m, n) => {
        const parts = m.split(n).map((p) => p.amount);
        expect(Money.sum(m.split(n)).equals(m)).toBe(true);
        const abs = parts.map((p) => (p < 0n ? -p : p));
        for (let i = 1; i < abs.length; i++) {
          expect(abs[i]! <= abs[i - 1]!).toBe(true);
          expect(abs[0]! - abs[i]! <= 1n).toBe(true);
        }
      }),
    );
  });
});

describe('Money typing', () => {
  it('exposes the currency as a CurrencyCode', () => {
    const c: CurrencyCode = eur('1').currency;
    expect(c).toBe('EUR');
  });
});
