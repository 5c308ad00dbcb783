import { Money } from '@semper/core';
import { describe, expect, it } from 'vitest';
import { digestsEqual, formatDigest, isSha256Hex, sha256Hex } from './digest.js';
import { checkChoice, checkItem, checkNotice, checkPrompt, displayText } from './item.js';

const invalid = expect.objectContaining({ code: 'ERR_TRUSTEDIO_INVALID_ARGUMENT' });

describe('digests', () => {
  it('are SHA-256 in lowercase hex (FIPS 180-2 test vectors)', () => {
    expect(sha256Hex(new TextEncoder().encode('abc'))).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
    expect(sha256Hex(new Uint8Array())).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(() => sha256Hex('abc' as never)).toThrow(invalid);
  });

  it('are grouped 4 by 4, 8 groups a line, and compared strictly', () => {
    const d = sha256Hex(new TextEncoder().encode('abc'));
    expect(formatDigest(d)).toEqual([
      'ba78 16bf 8f01 cfea 4141 40de 5dae 2223',
      'b003 61a3 9617 7a9c b410 ff61 f200 15ad',
    ]);
    expect(formatDigest(d).join('').replaceAll(' ', '')).toBe(d);
    expect(() => formatDigest('abc')).toThrow(invalid);
    expect(isSha256Hex(d)).toBe(true);
    expect(isSha256Hex(d.toUpperCase())).toBe(false);
    expect(isSha256Hex(`${d}0`)).toBe(false);
    expect(digestsEqual(d, d)).toBe(true);
    expect(digestsEqual(d, `${d.slice(0, 63)}0`)).toBe(false);
    expect(digestsEqual(d, 'x')).toBe(false);
  });
});

describe('items and display', () => {
  const digest = sha256Hex(new Uint8Array([1]));

  it('snapshots an item, frozen, and keeps only known fields', () => {
    const fields = [{ label: 'Order', value: 'o1' }];
    const item = { kind: 'payment', title: 'Pay', fields, amount: Money.parse('1', 'EUR'), digest, extra: 'x' };
    const shown = checkItem(item);
    fields.push({ label: 'Injected', value: 'later' });
    expect(shown).toEqual({
      kind: 'payment',
      title: 'Pay',
      fields: [{ label: 'Order', value: 'o1' }],
      amount: item.amount,
      digest,
    });
    expect(Object.isFrozen(shown) && Object.isFrozen(shown.fields) && Object.isFrozen(shown.fields![0])).toBe(true);
  });

  it('refuses malformed items', () => {
    const ok = { kind: 'payment', title: 'Pay', digest };
    for (const bad of [
      { ...ok, digest: undefined },
      { ...ok, kind: '' },
      { ...ok, title: '' },
      { ...ok, title: 'x'.repeat(501) },
      { ...ok, fields: Array.from({ length: 65 }, () => ({ label: 'a', value: 'b' })) },
      { ...ok, fields: [{ label: 'a', value: 'x'.repeat(4097) }] },
      { ...ok, fields: [{ label: 'a', value: 3 }] },
      { ...ok, payee: '' },
      null,
    ]) {
      expect(() => checkItem(bad as never)).toThrow(invalid);
    }
  });

  it('checks choices, prompts and notices', () => {
    expect(() => checkChoice({ purpose: 'p', options: [] })).toThrow(invalid);
    expect(() =>
      checkChoice({
        purpose: 'p',
        options: [
          { id: 'a', label: 'A' },
          { id: 'a', label: 'B' },
        ],
      }),
    ).toThrow(invalid);
    expect(() => checkChoice({ purpose: 'p', block: 'Pay Ments', options: [{ id: 'a', label: 'A' }] })).toThrow(
      invalid,
    );
    expect(() => checkChoice({ purpose: 'p', options: [{ id: 'a b', label: 'A' }] })).toThrow(invalid);
    expect(checkPrompt({ id: 'pin', label: 'PIN' })).toEqual({ id: 'pin', label: 'PIN' });
    expect(() => checkPrompt({ id: '', label: 'PIN' })).toThrow(invalid);
    expect(checkNotice({ text: 'x' })).toEqual({ level: 'info', text: 'x' });
    expect(() => checkNotice({ level: 'loud' as never, text: 'x' })).toThrow(invalid);
  });

  it('escapes what could move the cursor, reorder text or hide characters', () => {
    expect(displayText('plain text: 42.50 EUR, äöü €')).toBe('plain text: 42.50 EUR, äöü €');
    expect(displayText('\u001b[31mred\u001b[0m')).toBe('\\u{1b}[31mred\\u{1b}[0m');
    expect(displayText('a\nb\rc\td\u0000')).toBe('a\\u{a}b\\u{d}c\\u{9}d\\u{0}');
    expect(displayText('\u009b2J')).toBe('\\u{9b}2J'); // C1 CSI
    expect(displayText('\u202eevil\u2066\u200b\ufeff\u2028')).toBe('\\u{202e}evil\\u{2066}\\u{200b}\\u{feff}\\u{2028}');
    expect(displayText('back\\u{1b}slash')).toBe('back\\\\u{1b}slash'); // a typed escape is not a real one
  });
});
