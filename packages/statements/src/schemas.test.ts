import { Money, newId } from '@semper/core';
import { describe, expect, it } from 'vitest';
import {
  digestSchema,
  httpsUrlSchema,
  idSchema,
  moneySchema,
  partySchema,
  percentSchema,
  statementRefSchema,
  textSchema,
  timestampSchema,
  totalsSchema,
} from './schemas.js';

const ok = (schema: { safeParse(v: unknown): { success: boolean } }, value: unknown) => schema.safeParse(value).success;

describe('schema building blocks', () => {
  it('text displays as it is signed', () => {
    const name = textSchema({ max: 10 });
    expect(ok(name, 'Café')).toBe(true);
    expect(ok(name, 'Cafe\u0301')).toBe(false); // not NFC
    expect(ok(name, 'a\u202Eb')).toBe(false); // bidi override
    expect(ok(name, 'a\u2066b')).toBe(false); // bidi isolate
    expect(ok(name, 'a\u0000b')).toBe(false);
    expect(ok(name, 'a\u0085b')).toBe(false); // C1
    expect(ok(name, 'a\ud800')).toBe(false);
    expect(ok(name, ' a')).toBe(false);
    expect(ok(name, 'a\nb')).toBe(false);
    expect(ok(name, '')).toBe(false);
    expect(ok(name, 'x'.repeat(11))).toBe(false);
    const note = textSchema({ max: 100, multiline: true });
    expect(ok(note, 'line 1\n\tline 2\n')).toBe(true);
    expect(ok(note, 'line 1\r\nline 2')).toBe(false);
  });

  it('amounts are MoneyJSON, read as strictly as Money.fromJSON', () => {
    expect(moneySchema.parse(Money.parse('12.34', 'EUR'))).toEqual({ amount: '1234', currency: 'EUR' });
    expect(moneySchema.parse({ amount: '-5', currency: 'JPY' })).toEqual({ amount: '-5', currency: 'JPY' });
    for (const bad of [
      { amount: '12.34', currency: 'EUR' },
      { amount: '012', currency: 'EUR' },
      { amount: '-0', currency: 'EUR' },
      { amount: '+1', currency: 'EUR' },
      { amount: 1, currency: 'EUR' },
      { amount: '1', currency: 'eur' },
      { amount: '1', currency: 'XXX' },
      { amount: '1', currency: 'EUR', extra: 1 },
      { amount: '1'.repeat(41), currency: 'EUR' },
      '1.00 EUR',
    ]) {
      expect(ok(moneySchema, bad), JSON.stringify(bad)).toBe(false);
    }
  });

  it('ids, timestamps, digests, references, URLs, percentages', () => {
    expect(ok(idSchema('order'), newId('order'))).toBe(true);
    expect(ok(idSchema('order'), newId('offer'))).toBe(false);
    expect(ok(idSchema('order'), newId('order').toLowerCase())).toBe(false);
    expect(timestampSchema.parse(new Date(Date.UTC(2030, 0, 1)))).toBe('2030-01-01T00:00:00.000Z');
    expect(ok(timestampSchema, '2030-01-01T00:00:00Z')).toBe(true);
    expect(ok(timestampSchema, '2030-02-30T00:00:00Z')).toBe(false);
    expect(ok(timestampSchema, new Date(Number.NaN))).toBe(false);
    expect(ok(digestSchema, `sha-256:${'0'.repeat(64)}`)).toBe(true);
    expect(ok(digestSchema, `sha-256:${'0'.repeat(63)}`)).toBe(false);
    expect(ok(digestSchema, `sha-1:${'0'.repeat(40)}`)).toBe(false);
    expect(ok(statementRefSchema(['order']), { kind: 'order', digest: `sha-256:${'0'.repeat(64)}` })).toBe(true);
    expect(ok(statementRefSchema(['order']), { kind: 'offer', digest: `sha-256:${'0'.repeat(64)}` })).toBe(false);
    expect(ok(statementRefSchema(), { kind: 'acme.any', digest: `sha-256:${'0'.repeat(64)}` })).toBe(true);
    expect(ok(httpsUrlSchema, 'https://shop.example/terms?v=2')).toBe(true);
    expect(ok(httpsUrlSchema, 'javascript:alert(1)')).toBe(false);
    expect(ok(httpsUrlSchema, `https://shop.example/${'x'.repeat(2048)}`)).toBe(false);
    for (const p of ['0', '7.7', '19', '99.99', '100']) expect(ok(percentSchema, p), p).toBe(true);
    for (const p of ['100.5', '-1', '07', '1.', '1.234', '101']) expect(ok(percentSchema, p), p).toBe(false);
  });

  it('parties and totals', () => {
    expect(ok(partySchema, { name: 'A', email: 'a@b.example', unknown: 1 })).toBe(false);
    const eur = (amount: string) => ({ amount, currency: 'EUR' });
    expect(
      ok(totalsSchema, {
        subtotal: eur('1000'),
        shipping: eur('100'),
        discount: eur('50'),
        tax: eur('200'),
        total: eur('1250'),
      }),
    ).toBe(true);
    expect(ok(totalsSchema, { subtotal: eur('1000'), tax: eur('200'), taxIncluded: true, total: eur('1000') })).toBe(
      true,
    );
    expect(ok(totalsSchema, { subtotal: eur('1000'), tax: eur('200'), total: eur('1000') })).toBe(false);
    expect(ok(totalsSchema, { subtotal: eur('1000'), total: { amount: '1000', currency: 'USD' } })).toBe(false);
    expect(ok(totalsSchema, { subtotal: eur('1000'), total: eur('1000.0') })).toBe(false);
  });
});
