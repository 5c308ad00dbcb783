import { describe, expect, it } from 'vitest';
import { Money } from './money.js';
import { Preferences } from './preferences.js';

const eur = (t: string) => Money.parse(t, 'EUR');

describe('Preferences', () => {
  it('has defaults', () => {
    const p = Preferences.defaults();
    expect(p.language).toBe('en');
    expect(p.preferredModules('payments')).toEqual([]);
    expect(p.blocks()).toEqual([]);
    expect(p.spendingLimit('EUR')).toBeUndefined();
    expect(p.spendingLimits()).toEqual([]);
    expect(p.trustedRoots).toEqual([]);
    expect(p.toJSON()).toEqual({ language: 'en', preferredModules: {}, spendingLimits: {}, trustedRoots: [] });
  });

  it('gives typed accessors', () => {
    const p = Preferences.from({
      language: 'de-CH',
      preferredModules: { payments: ['payment-ecash', 'payment-card'], certificates: ['ca-local'] },
      spendingLimits: { EUR: eur('100'), JPY: Money.parse('5000', 'JPY') },
      trustedRoots: ['sha256:aa', 'sha256:bb'],
    });
    expect(p.language).toBe('de-CH');
    expect(p.preferredModules('payments')).toEqual(['payment-ecash', 'payment-card']);
    expect(p.preferredModules('statements')).toEqual([]);
    expect(p.preferredModules('toString')).toEqual([]);
    expect(p.blocks()).toEqual(['certificates', 'payments']);
    expect(p.spendingLimit('EUR')?.toString()).toBe('100.00 EUR');
    expect(p.spendingLimits().map(String)).toEqual(['100.00 EUR', '5000 JPY']);
    expect(p.isTrustedRoot('sha256:bb')).toBe(true);
    expect(p.isTrustedRoot('sha256:cc')).toBe(false);
  });

  it('checks amounts against spending limits', () => {
    const p = Preferences.from({ spendingLimits: { EUR: eur('20') } });
    expect(p.exceedsSpendingLimit(eur('20'))).toBe(false);
    expect(p.exceedsSpendingLimit(eur('20.01'))).toBe(true);
    expect(p.exceedsSpendingLimit(Money.parse('1000000', 'USD'))).toBe(false);
  });

  it('merges per block and per currency, null removing, and never changes the original', () => {
    const a = Preferences.from({
      preferredModules: { payments: ['payment-sim'], certificates: ['ca-local'] },
      spendingLimits: { EUR: eur('20'), USD: Money.parse('20', 'USD') },
      trustedRoots: ['r1'],
    });
    const b = a.merge({
      preferredModules: { payments: ['payment-ecash'], certificates: null },
      spendingLimits: { USD: null, CHF: Money.parse('30', 'CHF') },
      trustedRoots: ['r2'],
      language: 'fr',
    });
    expect(b.preferredModules('payments')).toEqual(['payment-ecash']);
    expect(b.blocks()).toEqual(['payments']);
    expect(b.spendingLimits().map(String)).toEqual(['30.00 CHF', '20.00 EUR']);
    expect(b.trustedRoots).toEqual(['r2']);
    expect(b.language).toBe('fr');
    expect(a.preferredModules('payments')).toEqual(['payment-sim']);
    expect(a.spendingLimits().map(String)).toEqual(['20.00 EUR', '20.00 USD']);
    expect(a.language).toBe('en');
    expect(Object.isFrozen(b)).toBe(true);
    expect(Object.isFrozen(b.preferredModules('payments'))).toBe(true);
  });

  it.each([
    [{ language: '' }, /language/],
    [{ language: 'not a tag' }, /language/],
    [{ trustedRoots: ['a', 'a'] }, /duplicates/],
    [{ trustedRoots: [''] }, /non-empty/],
    [{ preferredModules: { payments: ['x', 'x'] } }, /duplicates/],
    [{ preferredModules: { payments: 'x' } }, /list/],
    [{ preferredModules: { Payments: ['x'] } }, /block name/],
    [JSON.parse('{"preferredModules":{"__proto__":["x"]}}'), /block name/],
    [{ spendingLimits: { EUR: Money.parse('1', 'USD') } }, /is in USD/],
    [{ spendingLimits: { EUR: eur('-1') } }, /negative/],
    [{ spendingLimits: { EUR: 100 } }, /must be a Money/],
    [{ spendingLimits: { BTC: eur('1') } }, /unknown currency/],
  ])('refuses %j with ERR_CORE_INVALID_PREFERENCES', (patch, message) => {
    expect(() => Preferences.from(patch as never)).toThrowError(
      expect.objectContaining({ code: 'ERR_CORE_INVALID_PREFERENCES', message: expect.stringMatching(message) }),
    );
  });

  it('round-trips through JSON', () => {
    const p = Preferences.from({
      language: 'fr-BE',
      preferredModules: { payments: ['payment-ecash'] },
      spendingLimits: { EUR: eur('99.99'), KWD: Money.parse('1.5', 'KWD') },
      trustedRoots: ['sha256:aa'],
    });
    const json = JSON.parse(JSON.stringify(p));
    expect(json.spendingLimits).toEqual({
      EUR: { amount: '9999', currency: 'EUR' },
      KWD: { amount: '1500', currency: 'KWD' },
    });
    const back = Preferences.fromJSON(json);
    expect(back.toJSON()).toEqual(p.toJSON());
    expect(back.spendingLimit('KWD')?.equals(Money.parse('1.5', 'KWD'))).toBe(true);
  });

  it.each([
    null,
    [],
    {},
    { language: 'en', preferredModules: {}, spendingLimits: {} },
    { language: 'en', preferredModules: [], spendingLimits: {}, trustedRoots: [] },
    {
      language: 'en',
      preferredModules: {},
      spendingLimits: { EUR: { amount: '1.5', currency: 'EUR' } },
      trustedRoots: [],
    },
    {
      language: 'en',
      preferredModules: {},
      spendingLimits: { EUR: { amount: '1', currency: 'USD' } },
      trustedRoots: [],
    },
    { language: 7, preferredModules: {}, spendingLimits: {}, trustedRoots: [] },
  ])('fromJSON refuses %j', (json) => {
    expect(() => Preferences.fromJSON(json)).toThrowError(
      expect.objectContaining({ code: 'ERR_CORE_INVALID_PREFERENCES' }),
    );
  });

  it('fromJSON reports a malformed limit with its cause', () => {
    try {
      Preferences.fromJSON({
        language: 'en',
        preferredModules: {},
        spendingLimits: { EUR: { amount: 'x', currency: 'EUR' } },
        trustedRoots: [],
      });
      expect.unreachable();
    } catch (err) {
      expect((err as Error).cause).toMatchObject({ code: 'ERR_CORE_INVALID_MONEY' });
    }
  });
});
