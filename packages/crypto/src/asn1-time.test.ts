import * as asn1js from 'asn1js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { derTime, parseTime } from './asn1-time.js';
import { berRead, derEncode, derPrimitive } from './cms-structures.js';
import { MalformedInputError } from './errors.js';

const enc = new TextEncoder();

function der(date: Date): Uint8Array {
  return derEncode(derTime(date));
}

function read(bytes: Uint8Array): Date {
  return parseTime(berRead(bytes), 'the time');
}

function element(tag: number, text: string): Uint8Array {
  return derEncode(derPrimitive(tag, enc.encode(text)));
}

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  return undefined;
}

/** Whole-second dates from year 1 to 9999 (year 0 has its own test below). */
const wholeSeconds = fc
  .integer({ min: Date.parse('0001-01-01T00:00:00Z'), max: Date.parse('9999-12-31T23:59:59Z') })
  .map((ms) => new Date(Math.floor(ms / 1000) * 1000));
/** Mostly around the UTCTime/GeneralizedTime switches of 1950 and 2050. */
const anyTime = fc.oneof(
  wholeSeconds,
  fc
    .integer({ min: Date.parse('1940-01-01T00:00:00Z'), max: Date.parse('2060-12-31T23:59:59Z') })
    .map((ms) => new Date(Math.floor(ms / 1000) * 1000)),
);

describe('derTime', () => {
  it('writes UTCTime from 1950 to 2049 and GeneralizedTime otherwise', () => {
    const cases: [string, number, string][] = [
      ['1950-01-01T00:00:00Z', 0x17, '500101000000Z'],
      ['1999-12-31T23:59:59Z', 0x17, '991231235959Z'],
      ['2000-02-29T12:34:56Z', 0x17, '000229123456Z'],
      ['2049-12-31T23:59:59Z', 0x17, '491231235959Z'],
      ['2050-01-01T00:00:00Z', 0x18, '20500101000000Z'],
      ['1949-12-31T23:59:59Z', 0x18, '19491231235959Z'],
      ['9999-12-31T23:59:59Z', 0x18, '99991231235959Z'],
      ['0099-06-15T01:02:03Z', 0x18, '00990615010203Z'],
    ];
    for (const [iso, tag, text] of cases) {
      const bytes = der(new Date(iso));
      expect(bytes[0], iso).toBe(tag);
      expect(bytes[1]).toBe(text.length);
      expect(new TextDecoder().decode(bytes.subarray(2)), iso).toBe(text);
    }
  });

  it('drops milliseconds (DER: no fractions)', () => {
    expect(new TextDecoder().decode(der(new Date('2026-05-04T03:02:01.999Z')).subarray(2))).toBe('260504030201Z');
  });

  it('refuses invalid dates and years beyond 9999', () => {
    expect(() => derTime(new Date(Number.NaN))).toThrow(RangeError);
    expect(() => derTime(new Date('+010000-01-01T00:00:00Z'))).toThrow(RangeError);
    expect(() => derTime(new Date('-000001-01-01T00:00:00Z'))).toThrow(RangeError);
  });

  it('agrees with asn1js on every date it writes (property)', () => {
    fc.assert(
      fc.property(anyTime, (d) => {
        const bytes = der(d);
        const parsed = asn1js.fromBER(bytes);
        expect(parsed.offset).toBe(bytes.length);
        const y = d.getUTCFullYear();
        if (y >= 1950 && y < 2050) {
          expect(parsed.result).toBeInstanceOf(asn1js.UTCTime);
          expect((parsed.result as asn1js.UTCTime).toDate().getTime()).toBe(d.getTime());
        } else {
          expect(parsed.result).toBeInstanceOf(asn1js.GeneralizedTime);
          if (y >= 1000) expect((parsed.result as asn1js.GeneralizedTime).toDate().getTime()).toBe(d.getTime());
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('parseTime', () => {
  it('round-trips every whole-second date from year 1 to 9999 (property)', () => {
    fc.assert(
      fc.property(anyTime, (d) => {
        expect(read(der(d)).toISOString()).toBe(d.toISOString());
      }),
      { numRuns: 1000 },
    );
  });

  it('round-trips the boundaries and leap days', () => {
    for (const iso of [
      '1950-01-01T00:00:00.000Z',
      '2049-12-31T23:59:59.000Z',
      '2050-01-01T00:00:00.000Z',
      '1949-12-31T23:59:59.000Z',
      '2000-02-29T00:00:00.000Z',
      '2024-02-29T23:59:59.000Z',
      '1600-02-29T00:00:00.000Z',
      '0004-02-29T00:00:00.000Z',
      '0001-01-01T00:00:00.000Z',
      '9999-12-31T23:59:59.000Z',
    ]) {
      expect(read(der(new Date(iso))).toISOString()).toBe(iso);
    }
  });

  it('round-trips 29 February of year 0 (a leap year), which derTime writes', () => {
    const d = new Date(Date.UTC(2000, 1, 29));
    d.setUTCFullYear(0, 1, 29);
    const bytes = der(d);
    expect(new TextDecoder().decode(bytes.subarray(2))).toBe('00000229000000Z');
    // parseTime builds the date with Date.UTC, which maps years 0–99 to 1900–1999, and checks the day before
    // it moves the year back: 1900 is no leap year, so this valid GeneralizedTime is refused.
    expect(read(bytes).toISOString()).toBe(d.toISOString());
  });

  it('reads UTCTime years 50–99 as 19xx and 00–49 as 20xx', () => {
    expect(read(element(0x17, '500101000000Z')).getUTCFullYear()).toBe(1950);
    expect(read(element(0x17, '991231235959Z')).getUTCFullYear()).toBe(1999);
    expect(read(element(0x17, '000101000000Z')).getUTCFullYear()).toBe(2000);
    expect(read(element(0x17, '491231235959Z')).getUTCFullYear()).toBe(2049);
  });

  it('reads GeneralizedTime fractions (milliseconds, truncated)', () => {
    expect(read(element(0x18, '20260102030405.5Z')).toISOString()).toBe('2026-01-02T03:04:05.500Z');
    expect(read(element(0x18, '20260102030405.123Z')).toISOString()).toBe('2026-01-02T03:04:05.123Z');
    expect(read(element(0x18, '20260102030405.123999999Z')).toISOString()).toBe('2026-01-02T03:04:05.123Z');
    for (let ms = 0; ms < 1000; ms += 37) {
      const s = String(ms).padStart(3, '0');
      expect(read(element(0x18, `20260102030405.${s}Z`)).getUTCMilliseconds()).toBe(ms);
    }
  });

  it('refuses what RFC 5280 does not allow, and impossible dates', () => {
    const bad: [number, string][] = [
      [0x17, '2601020304Z'], // no seconds
      [0x17, '260102030405'], // no Z
      [0x17, '260102030405+0100'], // offset
      [0x17, '260102030405.5Z'], // fraction in UTCTime
      [0x17, '261302030405Z'], // month 13
      [0x17, '260002030405Z'], // month 0
      [0x17, '260100030405Z'], // day 0
      [0x17, '260132030405Z'], // day 32
      [0x17, '260230030405Z'], // 30 February
      [0x17, '250229000000Z'], // 29 February of a common year
      [0x17, '260102240000Z'], // hour 24
      [0x17, '260102036000Z'], // minute 60
      [0x17, '260102030460Z'], // leap second
      [0x17, '2601020304O5Z'], // not a digit
      [0x17, ''],
      [0x18, '260102030405Z'], // GeneralizedTime with two-digit year
      [0x18, '20260102030405'], // no Z
      [0x18, '20260102030405.Z'], // empty fraction
      [0x18, '20260102030405.1234567890Z'], // ten fraction digits
      [0x18, '20260102030405-0500'],
      [0x18, '21000229000000Z'], // 2100 is no leap year
      [0x04, '260102030405Z'], // an OCTET STRING
    ];
    for (const [tag, text] of bad) {
      const err = thrown(() => read(element(tag, text)));
      expect(err, `${tag} ${text}`).toBeInstanceOf(MalformedInputError);
      expect(err).toMatchObject({ code: 'ERR_CRYPTO_MALFORMED', message: 'malformed the time' });
    }
    expect(thrown(() => parseTime(undefined, 'notBefore'))).toMatchObject({ message: 'malformed notBefore' });
  });

  it('never throws anything but MalformedInputError on arbitrary content (property)', () => {
    const chars = fc.constantFrom(...'0123456789Z.+-'.split(''), '9', '0');
    fc.assert(
      fc.property(fc.constantFrom(0x17, 0x18), fc.string({ unit: chars, maxLength: 20 }), (tag, text) => {
        try {
          const d = read(element(tag, text));
          expect(Number.isNaN(d.getTime())).toBe(false);
        } catch (e) {
          expect(e).toBeInstanceOf(MalformedInputError);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
