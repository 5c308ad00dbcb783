/**
 * The JSON Canonicalization Scheme (JCS, RFC 8785): the one serialization of a JSON value that
 * statements are signed in, and the strict reader that accepts signed bytes only in that form.
 *
 * - No whitespace. Literals `null`, `true`, `false`.
 * - Numbers as ECMAScript's `Number.prototype.toString` writes them (RFC 8785 §3.2.2.3 is defined by
 *   it: `1e+30`, `4.5`, `0.002`, `-0` → `0`); NaN and ±Infinity are not JSON and are refused.
 * - Strings: `"` and `\` escaped as `\"` and `\\`; U+0008, U+0009, U+000A, U+000C, U+000D as `\b`,
 *   `\t`, `\n`, `\f`, `\r`; the other controls below U+0020 as `\u00xx` (lower-case hex); everything
 *   else as it is (no `\/`, no escapes for non-ASCII). A lone surrogate is not Unicode and is refused.
 * - Object members sorted by their names as arrays of UTF-16 code units (RFC 8785 §3.2.3), recursively;
 *   arrays keep their order.
 * - The result is UTF-8 (`canonicalBytes`).
 *
 * Only JSON data is accepted: `null`, booleans, finite numbers, strings, arrays and plain objects (whose
 * prototype is `Object.prototype` or `null`). A `Money`, a `Date`, a `Map`, a bigint, `undefined`, a
 * function, a symbol (as value or key), a sparse array or a cycle is a {@link CanonicalJsonError}
 * (`ERR_STATEMENTS_NOT_JSON`) naming where it is: nothing is converted behind the caller's back (a
 * `Money` travels as its JSON form, `money.toJSON()`).
 *
 * @packageDocumentation
 */
import { CanonicalJsonError, StatementsError } from './errors.js';

/**
 * JSON data, as `canonicalize` accepts it and `parseCanonical` returns it.
 *
 * @example
 * ```ts
 * import type { JsonValue } from '@semper/statements';
 * const price: JsonValue = { amount: '1234', currency: 'EUR' };
 * ```
 */
export type JsonValue = null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/**
 * Options of {@link canonicalize} and {@link canonicalBytes}.
 *
 * @example
 * ```ts
 * import { canonicalize, type CanonicalizeOptions } from '@semper/statements';
 * const options: CanonicalizeOptions = { maxDepth: 16 };
 * canonicalize({ a: [1, 2] }, options);
 * ```
 */
export interface CanonicalizeOptions {
  /** Deepest nesting of arrays and objects accepted (the root container is depth 1); default 64. */
  readonly maxDepth?: number;
}

/**
 * Options of {@link parseCanonical}.
 *
 * @example
 * ```ts
 * import { parseCanonical, type ParseCanonicalOptions } from '@semper/statements';
 * const options: ParseCanonicalOptions = { maxBytes: 65_536, maxDepth: 32 };
 * parseCanonical(new TextEncoder().encode('{"a":1}'), options);
 * ```
 */
export interface ParseCanonicalOptions extends CanonicalizeOptions {
  /** Largest input accepted, in bytes (UTF-8), checked before anything is parsed; default 1 MiB. */
  readonly maxBytes?: number;
}

/**
 * The nesting limit of {@link canonicalize} and {@link parseCanonical} when none is given.
 *
 * @example
 * ```ts
 * import { DEFAULT_MAX_JSON_DEPTH } from '@semper/statements/spi';
 * DEFAULT_MAX_JSON_DEPTH; // 64
 * ```
 */
export const DEFAULT_MAX_JSON_DEPTH = 64;
const DEFAULT_MAX_BYTES = 1024 * 1024;

const NEEDS_ESCAPE = /["\\\u0000-\u001f]/;
const LONE_SURROGATE = /\p{Cs}/u;
const SHORT_ESCAPES: Readonly<Record<number, string>> = {
  8: '\\b',
  9: '\\t',
  10: '\\n',
  12: '\\f',
  13: '\\r',
  34: '\\"',
  92: '\\\\',
};

function pointer(path: readonly (string | number)[]): string {
  let out = '';
  for (const segment of path) {
    const text = String(segment);
    out += `/${(text.length > 64 ? `${text.slice(0, 64)}…` : text).replace(/~/g, '~0').replace(/\//g, '~1')}`;
  }
  // A key may hold anything, even a lone surrogate: keep the pointer printable.
  return out.replace(/\p{Cs}|[\u0000-\u001f\u007f]/gu, '\ufffd');
}

function checkDepth(value: number | undefined, what: string): number {
  if (value === undefined) return DEFAULT_MAX_JSON_DEPTH;
  if (!Number.isSafeInteger(value) || value < 1 || value > 10_000) {
    throw new StatementsError('ERR_STATEMENTS_INVALID_ARGUMENT', `${what} must be an integer from 1 to 10000`);
  }
  return value;
}

/** The JCS form of a string (RFC 8785 §3.2.2.2). */
function quote(text: string, path: readonly (string | number)[]): string {
  if (LONE_SURROGATE.test(text)) {
    throw new CanonicalJsonError(
      'lone-surrogate',
      pointer(path),
      `not JSON data at '${pointer(path)}': a string holds a lone surrogate (not Unicode text)`,
    );
  }
  if (!NEEDS_ESCAPE.test(text)) return `"${text}"`;
  let out = '"';
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0x20 && unit !== 0x22 && unit !== 0x5c) continue;
    out += text.slice(start, i) + (SHORT_ESCAPES[unit] ?? `\\u00${unit.toString(16).padStart(2, '0')}`);
    start = i + 1;
  }
  return `${out}${text.slice(start)}"`;
}

function describe(value: object): string {
  const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === 'string' && name !== '' ? `a ${name.slice(0, 32)}` : 'an object with a prototype';
}

class Writer {
  readonly #maxDepth: number;
  readonly #path: (string | number)[] = [];
  readonly #open = new Set<object>();

  constructor(maxDepth: number) {
    this.#maxDepth = maxDepth;
  }

  #fail(reason: ConstructorParameters<typeof CanonicalJsonError>[0], what: string): never {
    const at = pointer(this.#path);
    throw new CanonicalJsonError(reason, at, `not JSON data at '${at}': ${what}`);
  }

  write(value: unknown): string {
    switch (typeof value) {
      case 'string':
        return quote(value, this.#path);
      case 'number':
        if (!Number.isFinite(value)) return this.#fail('non-finite-number', `${String(value)} is not a JSON number`);
        // ECMAScript's Number::toString is the serialization RFC 8785 §3.2.2.3 prescribes (it maps -0 to "0").
        return String(value);
      case 'boolean':
        return value ? 'true' : 'false';
      case 'undefined':
        return this.#fail('undefined', 'undefined is not a JSON value');
      case 'bigint':
        return this.#fail('bigint', 'a bigint is not a JSON number (Money travels as its JSON form, toJSON())');
      case 'function':
        return this.#fail('function', 'a function is not a JSON value');
      case 'symbol':
        return this.#fail('symbol', 'a symbol is not a JSON value');
      default:
        if (value === null) return 'null';
        return this.#container(value as object);
    }
  }

  #container(value: object): string {
    if (this.#open.has(value)) return this.#fail('cycle', 'the value contains itself (a cycle)');
    if (this.#open.size >= this.#maxDepth) {
      return this.#fail('too-deep', `nested deeper than ${this.#maxDepth} arrays and objects`);
    }
    this.#open.add(value);
    try {
      return Array.isArray(value) ? this.#array(value) : this.#object(value);
    } finally {
      this.#open.delete(value);
    }
  }

  #array(value: readonly unknown[]): string {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      this.#path.push(i);
      if (!(i in value)) this.#fail('sparse-array', 'an array with a hole');
      out += (i === 0 ? '' : ',') + this.write(value[i]);
      this.#path.pop();
    }
    return `${out}]`;
  }

  #object(value: object): string {
    const prototype = Object.getPrototypeOf(value);
    if (prototype !== Object.prototype && prototype !== null) {
      const hint = typeof (value as { toJSON?: unknown }).toJSON === 'function' ? ' (give its toJSON() form)' : '';
      return this.#fail('not-plain-object', `${describe(value)} is not a plain object${hint}`);
    }
    if (Object.getOwnPropertySymbols(value).length > 0) {
      return this.#fail('symbol-key', 'an object with a symbol key');
    }
    // Default sort order compares UTF-16 code units, as RFC 8785 §3.2.3 requires.
    const keys = Object.keys(value).sort();
    let out = '{';
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i];
      this.#path.push(key);
      out += `${i === 0 ? '' : ','}${quote(key, this.#path)}:${this.write((value as Record<string, unknown>)[key])}`;
      this.#path.pop();
    }
    return `${out}}`;
  }
}

/**
 * The RFC 8785 canonical JSON text of `value`: the one serialization that statements are signed in.
 * Equal JSON data always gives equal text, whatever the order its object members were created in.
 *
 * @throws {@link CanonicalJsonError} `ERR_STATEMENTS_NOT_JSON` (with `reason` and `path`) for anything
 * that is not JSON data: NaN, ±Infinity, `undefined`, functions, symbols, bigints, lone surrogates,
 * cycles, sparse arrays, class instances (`Date`, `Money`, `Map`...), nesting beyond `maxDepth`.
 *
 * @example
 * ```ts
 * import { canonicalize } from '@semper/statements';
 * canonicalize({ b: [1e30, 4.50, 'é'], a: { z: null, '\r': true } }); // '{"a":{"\r":true,"z":null},"b":[1e+30,4.5,"é"]}'
 * ```
 */
export function canonicalize(value: unknown, options: CanonicalizeOptions = {}): string {
  return new Writer(checkDepth(options.maxDepth, 'maxDepth')).write(value);
}

const encoder = new TextEncoder();

/**
 * {@link canonicalize}, as UTF-8 bytes: what a statement's signature covers.
 *
 * @example
 * ```ts
 * import { canonicalBytes } from '@semper/statements';
 * canonicalBytes({ currency: 'EUR', amount: '1234' }); // the UTF-8 of '{"amount":"1234","currency":"EUR"}'
 * ```
 */
export function canonicalBytes(value: unknown, options: CanonicalizeOptions = {}): Uint8Array {
  return encoder.encode(canonicalize(value, options));
}

const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Nesting depth of JSON text, without parsing it (strings skipped). Stops counting past `limit`. */
function nesting(text: string, limit: number): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b || c === 0x7b) {
      depth++;
      if (depth > max) {
        max = depth;
        if (max > limit) return max;
      }
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return max;
}

/**
 * Reads JSON that must already be in its RFC 8785 canonical form, strictly: UTF-8 without a byte order
 * mark, valid JSON, nested no deeper than `maxDepth`, and byte for byte equal to the canonical form of
 * what it says (so no whitespace, no other member order, no duplicate names, no `1.0` or `1e2`, no
 * `\u0041` or `\/`, no escaped lone surrogate). This is how signed statements are read, so that a
 * statement has exactly one encoding.
 *
 * @throws {@link StatementsError} `ERR_STATEMENTS_TOO_LARGE` (size or nesting, checked before parsing),
 * `ERR_STATEMENTS_MALFORMED` (not UTF-8, not JSON), `ERR_STATEMENTS_NOT_CANONICAL` (JSON, but not
 * canonical).
 *
 * @example
 * ```ts
 * import { parseCanonical } from '@semper/statements';
 * parseCanonical(new TextEncoder().encode('{"a":1,"b":[true]}')); // { a: 1, b: [true] }
 * parseCanonical('{ "a": 1 }'); // throws ERR_STATEMENTS_NOT_CANONICAL
 * ```
 */
export function parseCanonical(input: Uint8Array | string, options: ParseCanonicalOptions = {}): JsonValue {
  const { text, value, maxDepth } = readJson(input, options);
  let canonical: string;
  try {
    canonical = canonicalize(value, { maxDepth });
  } catch (err) {
    // JSON.parse reads escaped lone surrogates ("\ud800"): valid JSON, but not I-JSON, so never canonical.
    throw new StatementsError('ERR_STATEMENTS_NOT_CANONICAL', 'the JSON text is not in its canonical form (RFC 8785)', {
      cause: err,
    });
  }
  if (canonical !== text) {
    throw new StatementsError(
      'ERR_STATEMENTS_NOT_CANONICAL',
      `the JSON text is not in its canonical form (RFC 8785): it differs from it at character ${firstDifference(text, canonical)}`,
    );
  }
  return value;
}

/**
 * Reads JSON text within limits, without requiring the canonical form: the first half of
 * {@link parseCanonical}, for tools that show what a non-canonical statement says.
 *
 * @internal
 */
export function readJson(
  input: Uint8Array | string,
  options: ParseCanonicalOptions = {},
): { readonly text: string; readonly value: JsonValue; readonly maxDepth: number } {
  const maxDepth = checkDepth(options.maxDepth, 'maxDepth');
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 1) {
    throw new StatementsError('ERR_STATEMENTS_INVALID_ARGUMENT', 'maxBytes must be a positive integer');
  }
  let text: string;
  if (typeof input === 'string') {
    // Every UTF-16 code unit is at most 3 UTF-8 bytes: a cheap bound first, the exact size when it matters.
    if (input.length * 3 > maxBytes && encoder.encode(input).length > maxBytes) {
      throw new StatementsError('ERR_STATEMENTS_TOO_LARGE', `JSON text longer than ${maxBytes} bytes`);
    }
    text = input;
  } else if (input instanceof Uint8Array) {
    if (input.length > maxBytes) {
      throw new StatementsError('ERR_STATEMENTS_TOO_LARGE', `JSON text of ${input.length} bytes exceeds ${maxBytes}`);
    }
    try {
      text = decoder.decode(input);
    } catch (err) {
      throw new StatementsError('ERR_STATEMENTS_MALFORMED', 'not UTF-8 text', { cause: err });
    }
  } else {
    throw new StatementsError('ERR_STATEMENTS_INVALID_ARGUMENT', 'JSON text is a Uint8Array or a string');
  }
  if (nesting(text, maxDepth) > maxDepth) {
    throw new StatementsError('ERR_STATEMENTS_TOO_LARGE', `JSON nested deeper than ${maxDepth} arrays and objects`);
  }
  try {
    return { text, value: JSON.parse(text) as JsonValue, maxDepth };
  } catch (err) {
    throw new StatementsError('ERR_STATEMENTS_MALFORMED', 'not JSON text', { cause: err });
  }
}

function firstDifference(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a.charCodeAt(i) !== b.charCodeAt(i)) return i;
  return n;
}

/**
 * Whether `input` is JSON in its RFC 8785 canonical form (as {@link parseCanonical} requires).
 *
 * @example
 * ```ts
 * import { isCanonical } from '@semper/statements';
 * isCanonical('{"a":1}'); // true
 * isCanonical('{"a":1.0}'); // false
 * ```
 */
export function isCanonical(input: Uint8Array | string, options: ParseCanonicalOptions = {}): boolean {
  try {
    parseCanonical(input, options);
    return true;
  } catch (err) {
    if (err instanceof StatementsError && err.code !== 'ERR_STATEMENTS_INVALID_ARGUMENT') return false;
    throw err;
  }
}
