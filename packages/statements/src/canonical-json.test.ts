import { readFileSync } from 'node:fs';
import { Money } from '@semper/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalBytes, canonicalize, isCanonical, parseCanonical } from './canonical-json.js';
import { CanonicalJsonError, StatementsError } from './errors.js';

interface Vectors {
  cases: { name: string; input: string; output: string; outputHex?: string }[];
  numbers: [string, string | null][];
}
const vectors = JSON.parse(readFileSync(new URL('../vectors/jcs/rfc8785.json', import.meta.url), 'utf8')) as Vectors;

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
}

function notJson(value: unknown): CanonicalJsonError {
  const err = thrown(() => canonicalize(value));
  expect(err).toBeInstanceOf(CanonicalJsonError);
  expect((err as CanonicalJsonError).code).toBe('ERR_STATEMENTS_NOT_JSON');
  return err as CanonicalJsonError;
}

function code(fn: () => unknown): string {
  const err = thrown(fn);
  expect(err).toBeInstanceOf(StatementsError);
  return (err as StatementsError).code;
}

describe('canonicalize: RFC 8785 test vectors', () => {
  for (const c of vectors.cases) {
    it(c.name, () => {
      expect(canonicalize(JSON.parse(c.input))).toBe(c.output);
      if (c.outputHex !== undefined)
        expect(Buffer.from(canonicalBytes(JSON.parse(c.input))).toString('hex')).toBe(c.outputHex);
      // The canonical form is a fixed point, and parseCanonical reads it (and only it).
      expect(parseCanonical(c.output)).toEqual(JSON.parse(c.output));
      if (c.input !== c.output) expect(code(() => parseCanonical(c.input))).toBe('ERR_STATEMENTS_NOT_CANONICAL');
    });
  }

  it('serializes numbers as RFC 8785 Appendix B says', () => {
    for (const [hex, expected] of vectors.numbers) {
      const value = Buffer.from(hex.padStart(16, '0'), 'hex').readDoubleBE(0);
      if (expected === null) expect(notJson([value]).reason).toBe('non-finite-number');
      else expect(canonicalize(value)).toBe(expected);
    }
    expect(vectors.numbers.length).toBeGreaterThan(20);
  });
});

describe('canonicalize', () => {
  it('writes literals, escapes, and sorts by UTF-16 code units rather than code points', () => {
    expect(canonicalize(null)).toBe('null');
    expect(canonicalize([true, false, -0, 0.1, -1.5e-7, 1e21, 123456789012345680000])).toBe(
      '[true,false,0,0.1,-1.5e-7,1e+21,123456789012345680000]',
    );
    expect(canonicalize('\u0000\u0008\u0009\u000a\u000b\u000c\u000d\u001f "\\/\u007f\u2028é')).toBe(
      '"\\u0000\\b\\t\\n\\u000b\\f\\r\\u001f \\"\\\\/\u007f\u2028é"',
    );
    // U+FB33 (one code unit) sorts after U+1F600 (surrogates D83D DE00), though its code point is lower.
    expect(canonicalize({ '\ufb33': 1, '\u{1f600}': 2, a: 3 })).toBe('{"a":3,"\u{1f600}":2,"\ufb33":1}');
    expect(canonicalize(Object.assign(Object.create(null), { b: 1, a: 2 }))).toBe('{"a":2,"b":1}');
  });

  it('refuses what is not JSON data, with the reason and a JSON Pointer to it', () => {
    expect(notJson(Number.NaN).reason).toBe('non-finite-number');
    expect(notJson({ a: [1, Number.POSITIVE_INFINITY] })).toMatchObject({ reason: 'non-finite-number', path: '/a/1' });
    expect(notJson({ a: undefined })).toMatchObject({ reason: 'undefined', path: '/a' });
    expect(notJson([undefined]).reason).toBe('undefined');
    expect(notJson({ f: () => 1 }).reason).toBe('function');
    expect(notJson(Symbol('s')).reason).toBe('symbol');
    expect(notJson({ [Symbol('k')]: 1 }).reason).toBe('symbol-key');
    expect(notJson({ amount: 12n })).toMatchObject({ reason: 'bigint', path: '/amount' });
    expect(notJson('\ud800').reason).toBe('lone-surrogate');
    expect(notJson({ 'x\udc00': 1 }).reason).toBe('lone-surrogate');
    // biome-ignore lint/suspicious/noSparseArray: the point of the test
    expect(notJson([1, , 3])).toMatchObject({ reason: 'sparse-array', path: '/1' });
    expect(notJson({ at: new Date(0) }).reason).toBe('not-plain-object');
    expect(notJson({ 'a/b~c': new Map() })).toMatchObject({ reason: 'not-plain-object', path: '/a~1b~0c' });
    const money = notJson({ price: Money.parse('1.00', 'EUR') });
    expect(money.reason).toBe('not-plain-object');
    expect(money.message).toContain('toJSON');
    expect(canonicalize({ price: Money.parse('1.00', 'EUR').toJSON() })).toBe(
      '{"price":{"amount":"100","currency":"EUR"}}',
    );
  });

  it('refuses cycles but accepts the same object twice', () => {
    const shared = { x: 1 };
    expect(canonicalize({ a: shared, b: [shared] })).toBe('{"a":{"x":1},"b":[{"x":1}]}');
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = { again: cyclic };
    expect(notJson(cyclic)).toMatchObject({ reason: 'cycle', path: '/self/again' });
  });

  it('limits nesting', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 70; i++) deep = [deep];
    expect(notJson(deep).reason).toBe('too-deep');
    expect(canonicalize([[1]], { maxDepth: 2 })).toBe('[[1]]');
    expect(() => canonicalize([[1]], { maxDepth: 1 })).toThrow(CanonicalJsonError);
    expect(code(() => canonicalize(1, { maxDepth: 0 }))).toBe('ERR_STATEMENTS_INVALID_ARGUMENT');
  });
});

describe('parseCanonical', () => {
  const enc = (s: string) => new TextEncoder().encode(s);

  it('accepts canonical text only', () => {
    expect(parseCanonical(enc('{"a":[1,"é",null]}'))).toEqual({ a: [1, 'é', null] });
    const notCanonical = [
      '{"b":1,"a":2}',
      '{ "a":1}',
      '{"a":1}\n',
      '{"a":1.0}',
      '{"a":1e2}',
      '{"a":-0}',
      '{"a":"\\u0041"}',
      '{"a":"\\/"}',
      '{"a":"\\u001F"}',
      '{"a":1,"a":1}',
      '{"a":"\\ud800"}',
      '[12345678901234567890]',
      '[1.00000000000000001]',
    ];
    for (const text of notCanonical) {
      expect(
        code(() => parseCanonical(enc(text))),
        text,
      ).toBe('ERR_STATEMENTS_NOT_CANONICAL');
      expect(isCanonical(text)).toBe(false);
    }
  });

  it('refuses what is not UTF-8 JSON, and what exceeds the limits before parsing it', () => {
    expect(code(() => parseCanonical(new Uint8Array([0x22, 0xff, 0x22])))).toBe('ERR_STATEMENTS_MALFORMED');
    expect(code(() => parseCanonical(new Uint8Array([0x22, 0xc0, 0xa2, 0x22])))).toBe('ERR_STATEMENTS_MALFORMED'); // overlong
    expect(code(() => parseCanonical(new Uint8Array([0xef, 0xbb, 0xbf, 0x31])))).toBe('ERR_STATEMENTS_MALFORMED'); // BOM
    expect(code(() => parseCanonical(enc('{"a":')))).toBe('ERR_STATEMENTS_MALFORMED');
    expect(code(() => parseCanonical(enc('')))).toBe('ERR_STATEMENTS_MALFORMED');
    expect(code(() => parseCanonical(enc('[1,2,3]'), { maxBytes: 6 }))).toBe('ERR_STATEMENTS_TOO_LARGE');
    expect(code(() => parseCanonical('"ééé"', { maxBytes: 6 }))).toBe('ERR_STATEMENTS_TOO_LARGE');
    expect(code(() => parseCanonical(enc(`${'['.repeat(100_000)}${']'.repeat(100_000)}`)))).toBe(
      'ERR_STATEMENTS_TOO_LARGE',
    );
    expect(parseCanonical(enc('["[[[[","{{{{"]'), { maxDepth: 1 })).toEqual(['[[[[', '{{{{']); // brackets in strings
    expect(code(() => parseCanonical(42 as never))).toBe('ERR_STATEMENTS_INVALID_ARGUMENT');
  });
});

/** JSON data with keys and strings over all of Unicode (well-formed), and numbers over all doubles. */
const jsonData = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constant(null),
    fc.boolean(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.integer(),
    fc.string({ unit: 'binary', maxLength: 12 }),
    fc.array(tie('value'), { maxLength: 5 }),
    fc.dictionary(fc.string({ unit: 'binary', maxLength: 6 }), tie('value'), { maxKeys: 5 }),
  ),
})).value;

/** The same data with every object's members inserted in a random order. */
function shuffled(value: unknown, random: () => number): unknown {
  if (Array.isArray(value)) return value.map((v) => shuffled(v, random));
  if (typeof value !== 'object' || value === null) return value;
  const entries = Object.entries(value);
  for (let i = entries.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [entries[i], entries[j]] = [entries[j], entries[i]];
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of entries)
    Object.defineProperty(out, k, { value: shuffled(v, random), enumerable: true, writable: true, configurable: true });
  return out;
}

/** JSON.stringify with members sorted: for well-formed data it must agree with JCS. */
function sortedStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(sortedStringify).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${sortedStringify((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

describe('canonicalize: properties', () => {
  it('is idempotent: canonicalize(JSON.parse(canonicalize(x))) === canonicalize(x)', () => {
    fc.assert(
      fc.property(jsonData, (x) => {
        const c = canonicalize(x);
        expect(canonicalize(JSON.parse(c))).toBe(c);
      }),
      { numRuns: 500 },
    );
  });

  it('does not depend on the order of object members', () => {
    fc.assert(
      fc.property(jsonData, fc.integer(), (x, seed) => {
        let s = seed >>> 0;
        const random = () => {
          s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
          return s / 2 ** 32;
        };
        expect(canonicalize(shuffled(x, random))).toBe(canonicalize(x));
      }),
      { numRuns: 300 },
    );
  });

  it('agrees with JSON.stringify of sorted members, and parseCanonical reads it back', () => {
    fc.assert(
      fc.property(jsonData, (x) => {
        const c = canonicalize(x);
        expect(c).toBe(sortedStringify(x));
        expect(parseCanonical(canonicalBytes(x))).toEqual(JSON.parse(c));
      }),
      { numRuns: 300 },
    );
  });

  it('parseCanonical refuses any other rendering of the same data', () => {
    fc.assert(
      fc.property(jsonData, (x) => {
        const pretty = JSON.stringify(x, null, 1);
        if (pretty !== canonicalize(x)) expect(isCanonical(pretty)).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('never throws anything but a StatementsError on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        try {
          parseCanonical(bytes);
        } catch (err) {
          expect(err).toBeInstanceOf(StatementsError);
        }
      }),
      { numRuns: 500 },
    );
  });
});
