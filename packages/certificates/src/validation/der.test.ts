import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  children,
  DerError,
  integer,
  oid,
  readBoolean,
  readIntegerBytes,
  readOid,
  readOne,
  readTime,
  readTlv,
  readUnsigned,
  T,
  time,
  tlv,
} from './der.js';

describe('DER reader and writer', () => {
  it('round-trips OIDs, non-negative INTEGERs and Times (property)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(0, 1, 2),
        fc.nat({ max: 39 }),
        fc.array(fc.bigInt({ min: 0n, max: 1n << 64n }), { maxLength: 8 }),
        (a, b, rest) => {
          const dotted = [a, a === 2 ? b + 100 : b, ...rest].join('.');
          expect(readOid(readOne(oid(dotted), 'oid'), 'oid')).toBe(dotted);
        },
      ),
    );
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 1n << 200n }), (v) => {
        expect(readUnsigned(readOne(integer(v), 'int'), 'int')).toBe(v);
      }),
    );
    fc.assert(
      fc.property(
        fc.date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true }),
        (d) => {
          const whole = new Date(Math.floor(d.getTime() / 1000) * 1000);
          expect(readTime(readOne(time(whole), 'time'), 'time')).toEqual(whole);
          expect(readTime(readOne(time(whole, true), 'time'), 'time')).toEqual(whole);
        },
      ),
    );
  });

  it('writes UTCTime from 1950 to 2049 and GeneralizedTime otherwise', () => {
    expect(time(new Date('2049-12-31T23:59:59Z'))[0]).toBe(T.utcTime);
    expect(time(new Date('2050-01-01T00:00:00Z'))[0]).toBe(T.generalizedTime);
    expect(time(new Date('1949-12-31T23:59:59Z'))[0]).toBe(T.generalizedTime);
    expect(readTime(readOne(tlv(T.utcTime, new TextEncoder().encode('500101000000Z')), 't'), 't')).toEqual(
      new Date('1950-01-01T00:00:00Z'),
    );
  });

  it('refuses what is not DER', () => {
    const bad: [string, Uint8Array][] = [
      ['indefinite length', Uint8Array.of(0x30, 0x80, 0, 0)],
      ['non-minimal length', Uint8Array.of(0x04, 0x81, 0x01, 0x00)],
      ['leading zero length octet', Uint8Array.of(0x04, 0x82, 0x00, 0x81, ...new Uint8Array(0x81))],
      ['high tag number', Uint8Array.of(0x1f, 0x81, 0x00, 0x00)],
      ['overrun', Uint8Array.of(0x04, 0x05, 0x00)],
      ['truncated', Uint8Array.of(0x04)],
    ];
    for (const [what, b] of bad) expect(() => readTlv(b), what).toThrow(DerError);
    expect(() => readOne(Uint8Array.of(0x05, 0x00, 0x00), 'x')).toThrow(DerError);
    expect(() => readBoolean(readOne(Uint8Array.of(0x01, 0x01, 0x01), 'b'), 'b')).toThrow(DerError);
    expect(() => readIntegerBytes(readOne(Uint8Array.of(0x02, 0x02, 0x00, 0x01), 'i'), 'i')).toThrow(DerError);
    expect(() => readIntegerBytes(readOne(Uint8Array.of(0x02, 0x02, 0xff, 0x80), 'i'), 'i')).toThrow(DerError);
    expect(() => readUnsigned(readOne(Uint8Array.of(0x02, 0x01, 0x80), 'i'), 'i')).toThrow(DerError);
    expect(() => readOid(readOne(Uint8Array.of(0x06, 0x02, 0x2a, 0x80), 'o'), 'o')).toThrow(DerError);
    expect(() => readOid(readOne(Uint8Array.of(0x06, 0x02, 0x80, 0x01), 'o'), 'o')).toThrow(DerError);
    const enc = (s: string, tag: number = T.utcTime) => readOne(tlv(tag, new TextEncoder().encode(s)), 't');
    for (const s of [
      '3001010000Z',
      '300101000000',
      '300101000000+0100',
      '301301000000Z',
      '300230000000Z',
      '300101240000Z',
    ]) {
      expect(() => readTime(enc(s), 't'), s).toThrow(DerError);
    }
    expect(() => readTime(enc('20300101000000.5Z', T.generalizedTime), 't')).toThrow(DerError);
    expect(() => children(readOne(Uint8Array.of(0x04, 0x00), 'x'))).toThrow(DerError);
    expect(() => oid('1.40')).toThrow(DerError);
    expect(() => oid('x')).toThrow(DerError);
    expect(() => integer(-1n)).toThrow(DerError);
  });
});
