import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isAddress, parseAddress, schemeOf } from './address.js';
import { decodeEnvelope, encodeEnvelope } from './envelope.js';
import { CommsError, MalformedMessageError, MessageTooLargeError } from './errors.js';
import { checkMaxMessageBytes, checkMessage, MAX_ENVELOPE_BYTES, MAX_HEADERS, type Message } from './message.js';

const base: Message = {
  id: 'msg_01',
  from: 'mem:a',
  to: 'mem:b',
  contentType: 'application/cms; smime-type=signed-data',
  body: new Uint8Array([1, 2, 3]),
};

describe('parseAddress', () => {
  it('splits scheme and target, strictly', () => {
    expect(parseAddress('mem:hub')).toEqual({ scheme: 'mem', target: 'hub', address: 'mem:hub' });
    expect(parseAddress('https://hub.example/in')).toMatchObject({ scheme: 'https', target: '//hub.example/in' });
    expect(schemeOf('mailto:hub@example.org')).toBe('mailto');
    for (const bad of ['', 'hub', ':x', 'MEM:x', 'mem:', 'mem:a b', 'mem:é', `mem:${'x'.repeat(2048)}`, '1x:y']) {
      expect(() => parseAddress(bad), bad).toThrow(CommsError);
      expect(isAddress(bad)).toBe(false);
    }
    expect(isAddress(42)).toBe(false);
  });
});

describe('checkMessage', () => {
  it('returns a frozen copy with headers and a fresh body', () => {
    const m = checkMessage(base);
    expect(Object.isFrozen(m)).toBe(true);
    expect(m.headers).toEqual({});
    expect(m.body).not.toBe(base.body);
    expect([...m.body]).toEqual([1, 2, 3]);
  });

  it('checks the size first', () => {
    const err = (() => {
      try {
        checkMessage({ ...base, id: 'bad id', body: new Uint8Array(11) }, { maxMessageBytes: 10 });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(MessageTooLargeError);
    expect(err).toMatchObject({ size: 11, limit: 10, kind: 'body', excess: 1 });
    expect((err as Error).message).toBe('message body of 11 bytes exceeds the body limit of 10 bytes by 1 byte');
  });

  it('says in MessageTooLargeError which limit was exceeded, and by how much', () => {
    const raw = new MessageTooLargeError(5000, 4096, { kind: 'raw', atLeast: true });
    expect(raw).toMatchObject({ kind: 'raw', size: 5000, limit: 4096, excess: 904, atLeast: true });
    expect(raw.message).toBe(
      'raw message of at least 5000 bytes exceeds the raw limit of 4096 bytes by at least 904 bytes',
    );
    const peer = new MessageTooLargeError(11_000_000, 0, { kind: 'raw', detail: 'smtp: 552 too big' });
    expect(peer.excess).toBe(0);
    expect(peer.message).toBe(
      "raw message of 11000000 bytes exceeds the receiving side's raw limit: smtp: 552 too big",
    );
  });

  it('refuses bad envelopes: ERR_COMMS_INVALID_MESSAGE from callers, ERR_COMMS_MALFORMED off the wire', () => {
    const bad: unknown[] = [
      null,
      'x',
      { ...base, body: [1, 2] },
      { ...base, id: '' },
      { ...base, id: 'a'.repeat(201) },
      { ...base, id: 'tab\there' },
      { ...base, from: 'nope' },
      { ...base, to: 42 },
      { ...base, contentType: 'text' },
      { ...base, contentType: `text/${'x'.repeat(300)}` },
      { ...base, contentType: 'text/plain\r\nx: y' },
      { ...base, headers: [] },
      { ...base, headers: { Upper: 'x' } },
      { ...base, headers: { ok: 1 } },
      { ...base, headers: { ok: 'é' } },
      { ...base, headers: { ok: 'x'.repeat(1025) } },
      { ...base, headers: Object.fromEntries(Array.from({ length: MAX_HEADERS + 1 }, (_, i) => [`h${i}`, 'x'])) },
      { ...base, headers: Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`h${i}`, 'x'.repeat(1000)])) },
    ];
    for (const value of bad) {
      expect(() => checkMessage(value), JSON.stringify(value)).toThrow(MalformedMessageError);
      expect(() => checkMessage(value)).toThrow(expect.objectContaining({ code: 'ERR_COMMS_INVALID_MESSAGE' }));
      expect(() => checkMessage(value, { received: true })).toThrow(
        expect.objectContaining({ code: 'ERR_COMMS_MALFORMED' }),
      );
    }
  });

  it('checks maxMessageBytes options', () => {
    expect(checkMaxMessageBytes(undefined)).toBe(16 * 1024 * 1024);
    expect(checkMaxMessageBytes(1)).toBe(1);
    for (const bad of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])
      expect(() => checkMaxMessageBytes(bad)).toThrow(CommsError);
  });
});

const printable = fc.string({ unit: fc.constantFrom(...'abcXYZ019-_.:@ ;=/'.split('')), minLength: 0, maxLength: 40 });
const arbitraryMessage = fc.record({
  id: fc.string({ unit: fc.constantFrom(...'abcXYZ019-_.:@'.split('')), minLength: 1, maxLength: 60 }),
  from: fc.constantFrom('mem:a', 'folder:/x/y', 'https://h.example/in', 'mailto:a@b.example'),
  to: fc.constantFrom('mem:b', 'folder:/z', 'http://127.0.0.1:1/p'),
  contentType: fc.constantFrom('application/cms', 'text/plain; charset=utf-8', 'application/vnd.semper.sdc+der'),
  body: fc.uint8Array({ maxLength: 2048 }),
  headers: fc.dictionary(fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,10}$/), printable, { maxKeys: 5 }),
});

describe('encodeEnvelope / decodeEnvelope', () => {
  it('round-trips any message (property)', () => {
    fc.assert(
      fc.property(arbitraryMessage, (m) => {
        const decoded = decodeEnvelope(encodeEnvelope(m));
        expect(decoded).toEqual({ ...m, body: new Uint8Array(m.body) });
      }),
      { numRuns: 200 },
    );
  });

  it('detects every truncation and any flipped byte (property)', () => {
    fc.assert(
      fc.property(arbitraryMessage, fc.nat(), fc.integer({ min: 1, max: 255 }), (m, at, flip) => {
        const bytes = encodeEnvelope(m);
        const cut = at % bytes.length;
        expect(() => decodeEnvelope(bytes.subarray(0, cut))).toThrow(CommsError);
        const damaged = new Uint8Array(bytes);
        damaged[cut] = damaged[cut]! ^ flip;
        let decoded: Message | undefined;
        try {
          decoded = decodeEnvelope(damaged);
        } catch (err) {
          expect(err).toBeInstanceOf(CommsError);
        }
        // A flip inside the JSON header may still parse to other valid field values; never to the same message.
        if (decoded) expect(decoded).not.toEqual({ ...m, body: new Uint8Array(m.body) });
      }),
      { numRuns: 300 },
    );
  });

  it('refuses oversized input before parsing, and an oversized declared length', () => {
    const bytes = encodeEnvelope({ ...base, body: new Uint8Array(100) });
    expect(() => decodeEnvelope(bytes, { maxMessageBytes: 99 })).toThrow(
      'message body of 100 bytes exceeds the body limit of 99 bytes by 1 byte',
    );
    const huge = new Uint8Array(10 + MAX_ENVELOPE_BYTES + 1);
    expect(() => decodeEnvelope(huge, { maxMessageBytes: 10 })).toThrow(MessageTooLargeError);
    expect(() => decodeEnvelope(huge, { maxMessageBytes: 10 })).toThrow(
      `raw message of ${huge.byteLength} bytes exceeds the raw limit of ${10 + MAX_ENVELOPE_BYTES} bytes by 1 byte`,
    );
    const noNewline = new TextEncoder().encode(`SEMPER-MESSAGE 1\n${'{'.repeat(MAX_ENVELOPE_BYTES + 5)}`);
    expect(() => decodeEnvelope(noNewline)).toThrow(/no header line/);
    const extra = new TextEncoder().encode('SEMPER-MESSAGE 1\n{"id":"a","evil":1}\n');
    expect(() => decodeEnvelope(extra)).toThrow(/unknown field 'evil'/);
    expect(() => decodeEnvelope(new TextEncoder().encode('SEMPER-MESSAGE 2\n{}\n'))).toThrow(/not a semper message/);
    expect(() => decodeEnvelope('text' as unknown as Uint8Array)).toThrow(MalformedMessageError);
  });
});
