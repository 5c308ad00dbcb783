import { createHash, timingSafeEqual } from 'node:crypto';
import { TrustedIoError } from './errors.js';

const HEX = /^[0-9a-f]{64}$/;

/**
 * The SHA-256 digest of `bytes`, as 64 lowercase hex digits: what a confirmation item carries and
 * what the user is shown.
 *
 * @example
 * ```ts
 * import { sha256Hex } from '@semper/trusted-io';
 * sha256Hex(new TextEncoder().encode('abc')); // 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'
 * ```
 */
export function sha256Hex(bytes: Uint8Array): string {
  if (!(bytes instanceof Uint8Array)) {
    throw new TrustedIoError('ERR_TRUSTEDIO_INVALID_ARGUMENT', 'the bytes to digest must be a Uint8Array');
  }
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Whether `value` is a SHA-256 digest in the form items carry: 64 lowercase hex digits.
 *
 * @example
 * ```ts
 * import { isSha256Hex } from '@semper/trusted-io';
 * isSha256Hex('00'.repeat(32)); // true
 * isSha256Hex('AB'.repeat(32)); // false (upper case)
 * ```
 */
export function isSha256Hex(value: unknown): value is string {
  return typeof value === 'string' && HEX.test(value);
}

/**
 * Whether two SHA-256 hex digests are equal, compared in constant time.
 *
 * @example
 * ```ts
 * import { digestsEqual, sha256Hex } from '@semper/trusted-io';
 * const d = sha256Hex(new Uint8Array([1, 2, 3]));
 * digestsEqual(d, d); // true
 * ```
 */
export function digestsEqual(a: string, b: string): boolean {
  if (!isSha256Hex(a) || !isSha256Hex(b)) return false;
  return timingSafeEqual(Buffer.from(a, 'hex'), Buffer.from(b, 'hex'));
}

/**
 * A SHA-256 hex digest grouped for reading aloud and comparing by eye: groups of 4 hex digits, 8
 * groups a line (two lines for SHA-256).
 *
 * @example
 * ```ts
 * import { formatDigest } from '@semper/trusted-io';
 * formatDigest('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
 * // ['ba78 16bf 8f01 cfea 4141 40de 5dae 2223', 'b003 61a3 9617 7a9c b410 ff61 f200 15ad']
 * ```
 */
export function formatDigest(hex: string): string[] {
  if (!isSha256Hex(hex)) {
    throw new TrustedIoError('ERR_TRUSTEDIO_INVALID_ARGUMENT', 'a digest is 64 lowercase hex digits (SHA-256)');
  }
  const groups = hex.match(/.{4}/g)!;
  return [groups.slice(0, 8).join(' '), groups.slice(8).join(' ')];
}
