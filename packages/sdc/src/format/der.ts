/**
 * The little DER the format layer needs on top of the engine: walking the outer ContentInfo and
 * AuthEnvelopedData frame to read and write the clear header (unauthAttrs). Definite lengths only (a
 * container is DER); every read is bounds-checked and a defect throws `ERR_SDC_MALFORMED`.
 */
import { SdcError } from './errors.js';

/** One TLV: its tag octet, and where its header and content are in the input. */
export interface Tlv {
  readonly tag: number;
  /** Offset of the tag octet. */
  readonly start: number;
  /** Offset of the first content octet. */
  readonly contentStart: number;
  /** Offset after the last content octet. */
  readonly end: number;
}

export const TAG = {
  integer: 0x02,
  octetString: 0x04,
  oid: 0x06,
  utf8String: 0x0c,
  sequence: 0x30,
  set: 0x31,
  context0c: 0xa0,
  context1c: 0xa1,
  context2c: 0xa2,
} as const;

function malformed(what: string): never {
  throw new SdcError('ERR_SDC_MALFORMED', `malformed container: ${what}`);
}

/** Reads the TLV at `offset`, which must end at or before `limit`. */
export function readTlv(bytes: Uint8Array, offset: number, limit: number = bytes.length): Tlv {
  if (offset + 2 > limit) malformed('truncated');
  const tag = bytes[offset] as number;
  if ((tag & 0x1f) === 0x1f) malformed('multi-octet tags are not used');
  let pos = offset + 1;
  const first = bytes[pos++] as number;
  let length: number;
  if (first < 0x80) length = first;
  else {
    const n = first & 0x7f;
    if (n === 0) malformed('indefinite lengths are not DER');
    if (n > 4) malformed('length too large');
    if (pos + n > limit) malformed('truncated');
    length = 0;
    for (let i = 0; i < n; i++) length = length * 256 + (bytes[pos++] as number);
    if (length < 0x80 || (n > 1 && (bytes[pos - n] as number) === 0)) malformed('non-minimal length');
  }
  const end = pos + length;
  if (end > limit) malformed('truncated');
  return { tag, start: offset, contentStart: pos, end };
}

/** The children of a constructed TLV; they must fill it exactly. */
export function children(bytes: Uint8Array, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  let pos = parent.contentStart;
  while (pos < parent.end) {
    const t = readTlv(bytes, pos, parent.end);
    out.push(t);
    pos = t.end;
  }
  return out;
}

export function expectTag(t: Tlv | undefined, tag: number, what: string): Tlv {
  if (t === undefined || t.tag !== tag) malformed(`expected ${what}`);
  return t;
}

export function content(bytes: Uint8Array, t: Tlv): Uint8Array {
  return bytes.subarray(t.contentStart, t.end);
}

/** Encodes a tag, a definite DER length and the content. */
export function tlv(tag: number, ...parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const lenBytes: number[] = [];
  if (length < 0x80) lenBytes.push(length);
  else {
    const digits: number[] = [];
    for (let l = length; l > 0; l = Math.floor(l / 256)) digits.unshift(l % 256);
    lenBytes.push(0x80 | digits.length, ...digits);
  }
  const out = new Uint8Array(1 + lenBytes.length + length);
  out[0] = tag;
  out.set(lenBytes, 1);
  let pos = 1 + lenBytes.length;
  for (const p of parts) {
    out.set(p, pos);
    pos += p.length;
  }
  return out;
}

/** The DER of an OBJECT IDENTIFIER in dotted form. */
export function encodeOid(dotted: string): Uint8Array {
  const arcs = dotted.split('.').map((a) => BigInt(a));
  const [a0, a1, ...rest] = arcs;
  if (a0 === undefined || a1 === undefined) throw new SdcError('ERR_SDC_INVALID_ARGUMENT', `not an OID: ${dotted}`);
  const out: number[] = [];
  for (const arc of [a0 * 40n + a1, ...rest]) {
    const groups: number[] = [];
    let v = arc;
    do {
      groups.unshift(Number(v & 0x7fn));
      v >>= 7n;
    } while (v > 0n);
    for (let i = 0; i < groups.length - 1; i++) groups[i] = (groups[i] as number) | 0x80;
    out.push(...groups);
  }
  return tlv(TAG.oid, Uint8Array.from(out));
}

/** The dotted form of the OBJECT IDENTIFIER content octets `c`. */
export function decodeOid(c: Uint8Array): string {
  if (c.length === 0 || c.length > 64) malformed('object identifier length');
  const arcs: bigint[] = [];
  let v = 0n;
  let fresh = true;
  for (const b of c) {
    if (fresh && b === 0x80) malformed('non-minimal object identifier');
    v = (v << 7n) | BigInt(b & 0x7f);
    fresh = (b & 0x80) === 0;
    if (fresh) {
      arcs.push(v);
      v = 0n;
    }
  }
  if (!fresh) malformed('truncated object identifier');
  const first = arcs[0] as bigint;
  const head = first < 80n ? [first / 40n, first % 40n] : [2n, first - 80n];
  return [...head, ...arcs.slice(1)].join('.');
}
