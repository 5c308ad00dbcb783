import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from './clock.js';
import { createIdGenerator, isId, newId, parseId } from './ids.js';

const CROCKFORD = /^[0-9A-HJKMNP-TV-Z]{26}$/;

describe('newId', () => {
  it('makes 26-character Crockford base 32 ULIDs, optionally prefixed', () => {
    const bare = newId();
    expect(bare).toMatch(CROCKFORD);
    const pay = newId('pay');
    expect(pay).toMatch(/^pay_[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(parseId(pay).prefix).toBe('pay');
    expect(parseId(bare).prefix).toBeUndefined();
  });

  it('stamps the current time', () => {
    const before = Date.now();
    const { timestamp } = parseId(newId());
    expect(timestamp).toBeGreaterThanOrEqual(before);
    expect(timestamp).toBeLessThanOrEqual(Date.now());
  });

  it('makes unique ids that sort in creation order', () => {
    const ids = Array.from({ length: 5000 }, () => newId('evt'));
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
  });

  it('refuses malformed prefixes', () => {
    for (const prefix of ['', 'Pay', 'pay_x', '1pay', 'pay-x', 'a'.repeat(33), 'é']) {
      expect(() => newId(prefix)).toThrowError(expect.objectContaining({ code: 'ERR_CORE_INVALID_ARGUMENT' }));
    }
  });
});

describe('createIdGenerator', () => {
  it('encodes the clock time in the first 10 characters', () => {
    const clock = new ManualClock('2016-07-30T23:54:10.259Z');
    const next = createIdGenerator({ clock, random: (b) => b.fill(0) });
    expect(next()).toBe('01ARZ3NDEK0000000000000000');
    expect(parseId(next('x')).timestamp).toBe(Date.parse('2016-07-30T23:54:10.259Z'));
  });

  it('encodes the randomness as 16 characters', () => {
    const next = createIdGenerator({ clock: new ManualClock(0), random: (b) => b.fill(0xff) });
    expect(next()).toBe('0000000000ZZZZZZZZZZZZZZZZ');
  });

  it('is monotonic within one millisecond and when the clock goes back', () => {
    const clock = new ManualClock(1_000_000);
    let draws = 0;
    const next = createIdGenerator({
      clock,
      random: (b) => {
        draws++;
        return b.fill(0);
      },
    });
    const a = next();
    const b = next();
    clock.set(999_000);
    const c = next();
    expect(a.slice(0, 10)).toBe(b.slice(0, 10));
    expect(b.endsWith('0001')).toBe(true);
    expect(c.slice(0, 10)).toBe(a.slice(0, 10));
    expect(c.endsWith('0002')).toBe(true);
    expect([a, b, c]).toEqual([a, b, c].sort());
    expect(draws).toBe(1);
    clock.advance(5_000);
    const d = next();
    expect(draws).toBe(2);
    expect(parseId(d).timestamp).toBe(1_004_000);
  });

  it('moves to the next millisecond if the random part would overflow', () => {
    const clock = new ManualClock(5);
    let first = true;
    const next = createIdGenerator({
      clock,
      random: (b) => {
        b.fill(first ? 0xff : 0);
        first = false;
        return b;
      },
    });
    const a = next();
    const b = next();
    expect(a).toBe('0000000005ZZZZZZZZZZZZZZZZ');
    expect(b).toBe('00000000060000000000000000');
    expect(a < b).toBe(true);
  });

  it('refuses a clock outside the ULID range', () => {
    const next = createIdGenerator({ clock: new ManualClock(-1) });
    expect(() => next()).toThrowError(/range/);
  });

  it('property: ids of one generator sort in creation order whatever the clock does', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 2 ** 40 }), { minLength: 1, maxLength: 50 }), (times) => {
        const clock = new ManualClock(0);
        const next = createIdGenerator({ clock });
        const ids = times.map((t) => {
          clock.set(t);
          return next('p');
        });
        expect([...ids].sort()).toEqual(ids);
        expect(new Set(ids).size).toBe(ids.length);
      }),
    );
  });
});

describe('parseId and isId', () => {
  it('reads prefix, ulid and timestamp', () => {
    expect(parseId('pay_01ARZ3NDEKTSV4RRFFQ69G5FAV')).toEqual({
      prefix: 'pay',
      ulid: '01ARZ3NDEKTSV4RRFFQ69G5FAV',
      timestamp: 1469922850259,
    });
    expect(parseId('7ZZZZZZZZZZZZZZZZZZZZZZZZZ').timestamp).toBe(2 ** 48 - 1);
  });

  it.each([
    '',
    '01ARZ3NDEKTSV4RRFFQ69G5FA',
    '01ARZ3NDEKTSV4RRFFQ69G5FAVX',
    '01arz3ndektsv4rrffq69g5fav',
    '01ARZ3NDEKTSV4RRFFQ69G5FAI',
    '01ARZ3NDEKTSV4RRFFQ69G5FAL',
    '01ARZ3NDEKTSV4RRFFQ69G5FAO',
    '01ARZ3NDEKTSV4RRFFQ69G5FAU',
    '81ARZ3NDEKTSV4RRFFQ69G5FAV',
    '_01ARZ3NDEKTSV4RRFFQ69G5FAV',
    'Pay_01ARZ3NDEKTSV4RRFFQ69G5FAV',
    'pay__01ARZ3NDEKTSV4RRFFQ69G5FAV',
    'a_b_01ARZ3NDEKTSV4RRFFQ69G5FAV',
    `${'a'.repeat(40)}_01ARZ3NDEKTSV4RRFFQ69G5FAV`,
  ])('refuses %j with ERR_CORE_INVALID_ID', (id) => {
    expect(() => parseId(id)).toThrowError(expect.objectContaining({ code: 'ERR_CORE_INVALID_ID' }));
    expect(isId(id)).toBe(false);
  });

  it('checks the prefix when asked', () => {
    const id = newId('order');
    expect(isId(id)).toBe(true);
    expect(isId(id, 'order')).toBe(true);
    expect(isId(id, 'pay')).toBe(false);
    expect(isId(newId(), 'order')).toBe(false);
    expect(isId(42)).toBe(false);
    expect(() => parseId(42 as unknown as string)).toThrowError(
      expect.objectContaining({ code: 'ERR_CORE_INVALID_ID' }),
    );
  });

  it('property: parse reads back what the generator wrote', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 48 - 1 }),
        fc.uint8Array({ minLength: 10, maxLength: 10 }),
        fc.stringMatching(/^[a-z][a-z0-9]{0,31}$/),
        (time, bytes, prefix) => {
          const next = createIdGenerator({
            clock: new ManualClock(time),
            random: (b) => {
              b.set(bytes);
              return b;
            },
          });
          const id = next(prefix);
          expect(parseId(id)).toMatchObject({ prefix, timestamp: time });
          expect(isId(id, prefix)).toBe(true);
        },
      ),
    );
  });
});
