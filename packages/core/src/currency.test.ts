import { describe, expect, it } from 'vitest';
import { getCurrency, isCurrencyCode, listCurrencies } from './currency.js';
import { CoreError } from './errors.js';

describe('ISO 4217 table', () => {
  it('has the exponents the standard gives for common and unusual currencies', () => {
    const exponents = Object.fromEntries(listCurrencies().map((c) => [c.code, c.minorUnits]));
    expect(exponents).toMatchObject({
      EUR: 2,
      USD: 2,
      GBP: 2,
      CHF: 2,
      JPY: 0,
      KRW: 0,
      ISK: 0,
      XOF: 0,
      XAF: 0,
      CLP: 0,
      KWD: 3,
      BHD: 3,
      TND: 3,
      JOD: 3,
      OMR: 3,
      IQD: 3,
      LYD: 3,
      CLF: 4,
      UYW: 4,
    });
  });

  it('lists each code once, in alphabetical order, with unique numeric codes', () => {
    const list = listCurrencies();
    const codes = list.map((c) => c.code);
    expect(codes).toEqual([...codes].sort());
    expect(new Set(codes).size).toBe(codes.length);
    expect(new Set(list.map((c) => c.numeric)).size).toBe(list.length);
    expect(list.length).toBe(165);
    for (const c of list) {
      expect(c.code).toMatch(/^[A-Z]{3}$/);
      expect([0, 2, 3, 4]).toContain(c.minorUnits);
      expect(c.numeric).toBeGreaterThan(0);
      expect(c.numeric).toBeLessThan(1000);
    }
  });

  it('gives numeric codes and names', () => {
    expect(getCurrency('EUR')).toEqual({ code: 'EUR', numeric: 978, minorUnits: 2, name: 'Euro' });
    expect(getCurrency('ALL').numeric).toBe(8);
    expect(Object.isFrozen(getCurrency('USD'))).toBe(true);
  });

  it('leaves out codes without a minor unit and withdrawn codes', () => {
    for (const code of ['XAU', 'XAG', 'XDR', 'XTS', 'XXX', 'XSU', 'XUA', 'HRK', 'CUC', 'DEM', 'ANG']) {
      expect(isCurrencyCode(code)).toBe(false);
    }
  });

  it('refuses unknown, lower-case and non-string codes with ERR_CORE_UNKNOWN_CURRENCY', () => {
    for (const code of ['eur', 'EURO', '', 'ABC', ' EUR']) {
      expect(isCurrencyCode(code)).toBe(false);
      expect(() => getCurrency(code)).toThrowError(expect.objectContaining({ code: 'ERR_CORE_UNKNOWN_CURRENCY' }));
    }
    expect(isCurrencyCode(42)).toBe(false);
    expect(() => getCurrency(42 as unknown as string)).toThrow(CoreError);
  });
});
