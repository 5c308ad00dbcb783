import * as asn1js from 'asn1js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { berRead, derEncode, derPrimitive, derTlv, TAG } from './cms-structures.js';
import { CryptoError, MalformedInputError } from './errors.js';
import { decodeReceiptRequest, encodeReceiptRequest, parseReceiptRequest } from './receipt-request.js';

const enc = new TextEncoder();

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  return undefined;
}

const address = fc.string({
  unit: fc.constantFrom(...Array.from({ length: 0x7e - 0x21 + 1 }, (_, i) => String.fromCharCode(0x21 + i))),
  minLength: 1,
  maxLength: 40,
});

/** A hand-made ReceiptRequest: signedContentIdentifier, receiptsFrom element, receiptsTo GeneralNames lists. */
function request(id: Uint8Array, from: Uint8Array | ReturnType<typeof derTlv>, to: Uint8Array[][]): Uint8Array {
  return derEncode(
    derTlv(
      TAG.sequence,
      derPrimitive(TAG.octetString, id),
      from,
      derTlv(TAG.sequence, ...to.map((names) => derTlv(TAG.sequence, ...names))),
    ),
  );
}

const rfc822 = (s: string) => derEncode(derPrimitive(0x81, enc.encode(s)));
const allReceipts = derEncode(derPrimitive(0x80, Uint8Array.of(0)));

describe('encodeReceiptRequest / decodeReceiptRequest', () => {
  it('writes the RFC 2634 structure', () => {
    const der = encodeReceiptRequest({ to: ['a@b.example'], contentIdentifier: Uint8Array.of(1, 2, 3) });
    // SEQUENCE { OCTET STRING 010203, [0] 00 (allReceipts), SEQUENCE { SEQUENCE { [1] "a@b.example" } } }
    expect(Buffer.from(der).toString('hex')).toBe(
      `30190403010203800100300f300d810b${Buffer.from('a@b.example').toString('hex')}`,
    );
  });

  it('defaults to all recipients and a random 32-byte identifier', () => {
    const a = decodeReceiptRequest(encodeReceiptRequest({ to: ['x@y'] }));
    const b = decodeReceiptRequest(encodeReceiptRequest({ to: ['x@y'] }));
    expect(a.from).toBe('all');
    expect(a.contentIdentifier).toHaveLength(32);
    expect(Buffer.from(a.contentIdentifier).equals(Buffer.from(b.contentIdentifier))).toBe(false);
    expect(a.to).toEqual(['x@y']);
  });

  it('round-trips every request it accepts (property)', () => {
    fc.assert(
      fc.property(
        fc.array(address, { minLength: 1, maxLength: 5 }),
        fc.constantFrom('all' as const, 'first-tier' as const, undefined),
        fc.uint8Array({ minLength: 1, maxLength: 1024 }),
        (to, from, contentIdentifier) => {
          const der = encodeReceiptRequest({ to, from, contentIdentifier });
          const rr = decodeReceiptRequest(der);
          expect(rr).toEqual({ contentIdentifier, from: from ?? 'all', to });
          // DER: asn1js reads it completely and re-encodes it to the same bytes.
          const parsed = asn1js.fromBER(der);
          expect(parsed.offset).toBe(der.length);
          expect(Buffer.from(parsed.result.toBER()).equals(Buffer.from(der))).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('refuses bad options with ERR_CRYPTO_INVALID_ARGUMENT', () => {
    const bad: unknown[] = [
      undefined,
      {},
      { to: [] },
      { to: 'a@b' },
      { to: [''] },
      { to: ['with space@b'] },
      { to: ['ümlaut@b'] },
      { to: ['a@b\n'] },
      { to: [42] },
      { to: ['a@b'], from: 'list' },
      { to: ['a@b'], from: 'everyone' },
      { to: ['a@b'], contentIdentifier: new Uint8Array(0) },
      { to: ['a@b'], contentIdentifier: new Uint8Array(1025) },
      { to: ['a@b'], contentIdentifier: [1, 2, 3] },
    ];
    for (const o of bad) {
      const err = thrown(() => encodeReceiptRequest(o as never));
      expect(err, JSON.stringify(o)).toBeInstanceOf(CryptoError);
      expect(err).toMatchObject({ code: 'ERR_CRYPTO_INVALID_ARGUMENT' });
    }
    expect(encodeReceiptRequest({ to: ['a@b'], contentIdentifier: new Uint8Array(1024) }).length).toBeGreaterThan(1024);
  });
});

describe('parseReceiptRequest', () => {
  const id = Uint8Array.of(9, 9);

  it('reads firstTierRecipients, a receiptList, and DNS / URI / other names', () => {
    const firstTier = request(id, derPrimitive(0x80, Uint8Array.of(1)), [[rfc822('a@b')]]);
    expect(decodeReceiptRequest(firstTier)).toEqual({ contentIdentifier: id, from: 'first-tier', to: ['a@b'] });

    const list = request(id, derTlv(0xa1, derTlv(TAG.sequence, rfc822('x@y')), derTlv(TAG.sequence, rfc822('z@w'))), [
      [rfc822('a@b'), derEncode(derPrimitive(0x82, enc.encode('dns.example')))],
      [derEncode(derPrimitive(0x86, enc.encode('https://u.example/r'))), derEncode(derTlv(0xa4, derTlv(0x30)))],
    ]);
    expect(decodeReceiptRequest(list)).toEqual({
      contentIdentifier: id,
      from: 'list',
      fromList: ['x@y', 'z@w'],
      to: ['a@b', 'DNS:dns.example', 'URI:https://u.example/r', 'GeneralName[4]'],
    });
  });

  it('refuses every malformed form with ERR_CRYPTO_MALFORMED', () => {
    const bad: [string, Uint8Array][] = [
      ['not a SEQUENCE', derEncode(derTlv(TAG.set))],
      ['two fields', derEncode(derTlv(TAG.sequence, derPrimitive(TAG.octetString, id), allReceipts))],
      ['empty identifier', request(new Uint8Array(0), allReceipts, [[rfc822('a@b')]])],
      ['identifier too long', request(new Uint8Array(1025), allReceipts, [[rfc822('a@b')]])],
      ['allOrFirstTier 2', request(id, derPrimitive(0x80, Uint8Array.of(2)), [[rfc822('a@b')]])],
      ['allOrFirstTier two octets', request(id, derPrimitive(0x80, Uint8Array.of(0, 0)), [[rfc822('a@b')]])],
      ['receiptsFrom with another tag', request(id, derPrimitive(0x82, Uint8Array.of(0)), [[rfc822('a@b')]])],
      ['empty receiptsTo', request(id, allReceipts, [])],
      ['empty GeneralNames', request(id, allReceipts, [[]])],
      ['a non-ASCII name', request(id, allReceipts, [[derEncode(derPrimitive(0x81, Uint8Array.of(0xc3, 0xa9)))]])],
      [
        'identifier not an OCTET STRING',
        request(id, allReceipts, [[rfc822('a@b')]]).map((b, i) => (i === 2 ? 0x02 : b)),
      ],
    ];
    for (const [what, der] of bad) {
      const err = thrown(() => decodeReceiptRequest(der));
      expect(err, what).toBeInstanceOf(MalformedInputError);
      expect(err, what).toMatchObject({ code: 'ERR_CRYPTO_MALFORMED' });
    }
    const trailing = new Uint8Array([...encodeReceiptRequest({ to: ['a@b'] }), 0]);
    expect(thrown(() => decodeReceiptRequest(trailing))).toMatchObject({ code: 'ERR_CRYPTO_MALFORMED' });
  });

  it('refuses a very long name with a typed error, not a RangeError', () => {
    // 200 KB rfc822Name: String.fromCharCode(...bytes) with that many arguments overflows the stack.
    const long = request(id, allReceipts, [[derEncode(derPrimitive(0x81, new Uint8Array(200_000).fill(0x61)))]]);
    const err = thrown(() => parseReceiptRequest(berRead(long)));
    expect(err).toBeInstanceOf(CryptoError);
  });

  it('never throws anything but a CryptoError on mutated requests (property)', () => {
    const good = encodeReceiptRequest({ to: ['a@b.example', 'c@d.example'], from: 'first-tier' });
    fc.assert(
      fc.property(fc.nat({ max: good.length - 1 }), fc.integer({ min: 1, max: 255 }), (pos, mask) => {
        const bad = good.slice();
        bad[pos] ^= mask;
        try {
          decodeReceiptRequest(bad);
        } catch (e) {
          expect(e).toBeInstanceOf(CryptoError);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
