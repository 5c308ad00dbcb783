// Byte helpers shared by the mint and the wallet: base64url, SHA-256, canonical JSON for digests, constant-time compare.
import { timingSafeEqual } from 'node:crypto';

const TEXT = new TextEncoder();

/**
 * Bytes as unpadded base64url (RFC 4648 §5), the form every binary field takes on the wire.
 *
 * @example
 * ```ts
 * import { toBase64Url } from '@semper/payment-ecash';
 * toBase64Url(new Uint8Array([251, 255])); // '-_8'
 * ```
 */
export function toBase64Url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}

/**
 * Unpadded base64url to bytes; `undefined` for anything that is not canonical base64url (so that one value
 * has one encoding).
 *
 * @example
 * ```ts
 * import { fromBase64Url } from '@semper/payment-ecash';
 * fromBase64Url('-_8'); // Uint8Array [251, 255]
 * fromBase64Url('+/8='); // undefined
 * ```
 */
export function fromBase64Url(text: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) return undefined;
  const bytes = new Uint8Array(Buffer.from(text, 'base64url'));
  return toBase64Url(bytes) === text ? bytes : undefined;
}

/** SHA-256 of `data`. */
export async function sha256(data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', data as Uint8Array<ArrayBuffer>));
}

/** UTF-8 bytes of `text`. */
export function utf8(text: string): Uint8Array {
  return TEXT.encode(text);
}

/** The concatenation of `parts`. */
export function concatBytes(...parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A JSON value as used in digests: no floats, no undefined. */
export type CanonicalValue =
  | string
  | number
  | boolean
  | null
  | readonly CanonicalValue[]
  | { readonly [k: string]: CanonicalValue };

/**
 * Canonical JSON of a value made of strings, safe integers, booleans, null, arrays and plain objects: keys
 * sorted, no whitespace (RFC 8785 for this subset). The bytes digested and signed by coins and accounts.
 */
export function canonicalJson(value: CanonicalValue): string {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new TypeError('canonical JSON takes safe integers only');
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v)).join(',')}]`;
  const obj = value as { readonly [k: string]: CanonicalValue };
  const keys = Object.keys(obj).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k] as CanonicalValue)}`).join(',')}}`;
}

/** SHA-256 over a domain label, a zero octet and the canonical JSON of `value`. */
export async function digestOf(domain: string, value: CanonicalValue): Promise<Uint8Array> {
  return sha256(concatBytes(utf8(domain), new Uint8Array([0]), utf8(canonicalJson(value))));
}

/** Equality of two byte strings in time independent of where they differ. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
