import type { Clock } from './clock.js';
import { CoreError } from './errors.js';

/** Crockford's base 32 (no I, L, O, U). */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const TIME_LENGTH = 10;
const RANDOM_LENGTH = 16;
const ULID_LENGTH = TIME_LENGTH + RANDOM_LENGTH;
const MAX_TIME = 2 ** 48 - 1;
const RANDOM_LIMIT = 1n << 80n;
const PREFIX = /^[a-z][a-z0-9]{0,31}$/;
const ULID = /^[0-7][0-9A-HJKMNP-TV-Z]{25}$/;

/**
 * A semper id: a ULID (26 characters of Crockford base 32: 10 for the creation time in milliseconds,
 * 16 for 80 bits of randomness), optionally after a prefix naming what it identifies and `_`:
 * `01JD3Q4ZC0M2G4ZCQ5V0NB7XQ8`, `pay_01JD3Q4ZC0M2G4ZCQ5V0NB7XQ8`.
 *
 * @example
 * ```ts
 * import { newId, type Id } from '@semper/core';
 * const paymentId: Id<'pay'> = newId('pay');
 * ```
 */
export type Id<P extends string = string> = `${P}_${string}`;

/**
 * What {@link parseId} reads from an id.
 *
 * @example
 * ```ts
 * import { parseId, type ParsedId } from '@semper/core';
 * const parsed: ParsedId = parseId('pay_01ARZ3NDEKTSV4RRFFQ69G5FAV');
 * ```
 */
export interface ParsedId {
  /** The prefix, or `undefined` for a bare ULID. */
  readonly prefix: string | undefined;
  /** The 26-character ULID. */
  readonly ulid: string;
  /** The creation time, in milliseconds since the epoch. */
  readonly timestamp: number;
}

/**
 * Options of {@link createIdGenerator}.
 *
 * @example
 * ```ts
 * import { createIdGenerator, ManualClock, type IdGeneratorOptions } from '@semper/core';
 * const options: IdGeneratorOptions = { clock: new ManualClock(0) };
 * const next = createIdGenerator(options);
 * ```
 */
export interface IdGeneratorOptions {
  /** Where the time comes from (default: the system time). */
  readonly clock?: Clock;
  /** Fills `bytes` with random bytes (default: `crypto.getRandomValues`). */
  readonly random?: (bytes: Uint8Array) => Uint8Array;
}

/**
 * Makes ids: `next()` gives a bare ULID, `next('pay')` gives `pay_<ULID>`.
 *
 * @example
 * ```ts
 * import { createIdGenerator, type IdGenerator } from '@semper/core';
 * const next: IdGenerator = createIdGenerator();
 * next('order'); // 'order_01J...'
 * ```
 */
export interface IdGenerator {
  (): string;
  <P extends string>(prefix: P): Id<P>;
}

function encodeTime(time: number): string {
  let out = '';
  for (let i = 0; i < TIME_LENGTH; i++) {
    out = ALPHABET[time % 32]! + out;
    time = Math.floor(time / 32);
  }
  return out;
}

function encodeRandom(value: bigint): string {
  let out = '';
  for (let i = 0; i < RANDOM_LENGTH; i++) {
    out = ALPHABET[Number(value & 31n)]! + out;
    value >>= 5n;
  }
  return out;
}

function decodeTime(text: string): number {
  let time = 0;
  for (const ch of text) time = time * 32 + ALPHABET.indexOf(ch);
  return time;
}

function defaultRandom(bytes: Uint8Array): Uint8Array {
  return globalThis.crypto.getRandomValues(bytes);
}

function checkPrefix(prefix: unknown): void {
  if (typeof prefix !== 'string' || !PREFIX.test(prefix)) {
    throw new CoreError(
      'ERR_CORE_INVALID_ARGUMENT',
      'an id prefix is 1 to 32 characters: a lowercase letter, then lowercase letters or digits',
    );
  }
}

/**
 * A generator of sortable unique ids (ULIDs). Ids made by one generator sort, as strings, in the order
 * they were made: within one millisecond (or if the clock goes back) the random part of the previous id
 * is incremented instead of drawn again, as in the ULID specification's monotonic mode. Randomness
 * comes from `crypto.getRandomValues`.
 *
 * @example
 * ```ts
 * import { createIdGenerator, ManualClock } from '@semper/core';
 * const clock = new ManualClock('2030-01-01T00:00:00Z');
 * const next = createIdGenerator({ clock });
 * const a = next('evt');
 * const b = next('evt');
 * a < b; // true, even within the same millisecond
 * ```
 */
export function createIdGenerator(options: IdGeneratorOptions = {}): IdGenerator {
  const random = options.random ?? defaultRandom;
  const clock = options.clock;
  let lastTime = -1;
  let lastRandom = 0n;

  const draw = (): bigint => {
    const bytes = random(new Uint8Array(10));
    let value = 0n;
    for (const byte of bytes) value = (value << 8n) | BigInt(byte);
    return value;
  };

  function next(prefix?: string): string {
    if (prefix !== undefined) checkPrefix(prefix);
    let time = clock ? clock.now().getTime() : Date.now();
    if (!Number.isSafeInteger(time) || time < 0 || time > MAX_TIME) {
      throw new CoreError('ERR_CORE_INVALID_ARGUMENT', 'the clock is outside the range of a ULID timestamp');
    }
    if (time <= lastTime) {
      time = lastTime;
      lastRandom += 1n;
      if (lastRandom >= RANDOM_LIMIT) {
        // 2^80 ids in one millisecond cannot happen with a random start; move on a millisecond regardless.
        time = lastTime + 1;
        lastRandom = draw();
      }
    } else {
      lastRandom = draw();
    }
    lastTime = time;
    const ulid = encodeTime(time) + encodeRandom(lastRandom);
    return prefix === undefined ? ulid : `${prefix}_${ulid}`;
  }
  return next as IdGenerator;
}

let defaultGenerator: IdGenerator | undefined;

/**
 * A new sortable unique id, optionally prefixed: `newId()` → `'01JD3Q4ZC0M2G4ZCQ5V0NB7XQ8'`,
 * `newId('pay')` → `'pay_01JD3Q4ZC0M2G4ZCQ5V0NB7XQ8'`. Uses the system time and
 * `crypto.getRandomValues`; for a clock of your own use {@link createIdGenerator}. A prefix is 1 to 32
 * characters, a lowercase letter then lowercase letters or digits.
 *
 * @example
 * ```ts
 * import { newId } from '@semper/core';
 * const orderId = newId('order');
 * ```
 */
export function newId(): string;
export function newId<P extends string>(prefix: P): Id<P>;
export function newId(prefix?: string): string {
  defaultGenerator ??= createIdGenerator();
  return prefix === undefined ? defaultGenerator() : defaultGenerator(prefix);
}

/**
 * Reads an id strictly: a canonical (upper-case) ULID, or `<prefix>_<ULID>`. Throws
 * `ERR_CORE_INVALID_ID` for anything else, so that one id has exactly one spelling.
 *
 * @example
 * ```ts
 * import { parseId } from '@semper/core';
 * const { prefix, timestamp } = parseId('pay_01ARZ3NDEKTSV4RRFFQ69G5FAV');
 * prefix; // 'pay'
 * new Date(timestamp).toISOString(); // '2016-07-30T23:54:10.259Z'
 * ```
 */
export function parseId(id: string): ParsedId {
  if (typeof id !== 'string' || id.length > ULID_LENGTH + 33) {
    throw new CoreError('ERR_CORE_INVALID_ID', 'not an id');
  }
  const underscore = id.indexOf('_');
  const prefix = underscore < 0 ? undefined : id.slice(0, underscore);
  const ulid = underscore < 0 ? id : id.slice(underscore + 1);
  if ((prefix !== undefined && !PREFIX.test(prefix)) || !ULID.test(ulid)) {
    throw new CoreError('ERR_CORE_INVALID_ID', `not an id: '${id.slice(0, 64)}'`);
  }
  return { prefix, ulid, timestamp: decodeTime(ulid.slice(0, TIME_LENGTH)) };
}

/**
 * Whether `value` is a well-formed id, with exactly the given prefix if one is given (`isId(x)`
 * accepts any prefix or none; `isId(x, 'pay')` only `pay_…`).
 *
 * @example
 * ```ts
 * import { isId } from '@semper/core';
 * isId('pay_01ARZ3NDEKTSV4RRFFQ69G5FAV', 'pay'); // true
 * isId('pay_01ARZ3NDEKTSV4RRFFQ69G5FAV', 'order'); // false
 * isId('01arz3ndektsv4rrffq69g5fav'); // false: lower case is not canonical
 * ```
 */
export function isId(value: unknown): value is string;
export function isId<P extends string>(value: unknown, prefix: P): value is Id<P>;
export function isId(value: unknown, prefix?: string): boolean {
  if (typeof value !== 'string') return false;
  try {
    const parsed = parseId(value);
    return prefix === undefined || parsed.prefix === prefix;
  } catch {
    return false;
  }
}
