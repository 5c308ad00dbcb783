import { MalformedInputError } from './errors.js';

/** Limits applied to every untrusted ASN.1 input before it is parsed. */
export interface Asn1Limits {
  /** Largest accepted input in bytes. Default 64 MiB. */
  readonly maxBytes?: number;
  /** Deepest accepted nesting of constructed values. Default 64. */
  readonly maxDepth?: number;
}

/** The limits used when a caller gives none. */
export const DEFAULT_ASN1_LIMITS: Required<Asn1Limits> = Object.freeze({ maxBytes: 64 * 1024 * 1024, maxDepth: 64 });

interface Frame {
  /** End offset of a definite-length constructed value, or -1 for an indefinite one. */
  readonly end: number;
}

/**
 * Walks a BER/DER encoding without recursion and checks that it is one complete, well-formed value
 * (tags, lengths, end-of-contents markers, nothing trailing) within the size and depth limits. Parsers
 * (asn1js underneath) recurse; this guard runs first so that hostile nesting can never exhaust the stack.
 *
 * Indefinite lengths (BER, as `openssl cms -stream` writes) are accepted; DER-only checks belong to the
 * callers that need them (e.g. signed attributes).
 *
 * @throws {@link MalformedInputError} with `ERR_CRYPTO_TOO_LARGE`, `ERR_CRYPTO_TOO_DEEP` or `ERR_CRYPTO_MALFORMED`.
 *
 * @example
 * ```ts
 * import { checkAsn1 } from '@semper/crypto';
 * checkAsn1(new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x05]), { maxDepth: 8 }); // ok: SEQUENCE { INTEGER 5 }
 * ```
 */
export function checkAsn1(bytes: Uint8Array, limits: Asn1Limits = {}): void {
  const maxBytes = limits.maxBytes ?? DEFAULT_ASN1_LIMITS.maxBytes;
  const maxDepth = limits.maxDepth ?? DEFAULT_ASN1_LIMITS.maxDepth;
  if (bytes.length > maxBytes) {
    throw new MalformedInputError(
      'ERR_CRYPTO_TOO_LARGE',
      `input of ${bytes.length} bytes exceeds the limit of ${maxBytes}`,
    );
  }
  if (bytes.length === 0) throw new MalformedInputError('ERR_CRYPTO_MALFORMED', 'empty input');
  const bad = (what: string, at: number): never => {
    throw new MalformedInputError('ERR_CRYPTO_MALFORMED', `malformed ASN.1: ${what} at offset ${at}`);
  };
  const stack: Frame[] = [];
  let pos = 0;
  let seenTop = false;
  for (;;) {
    // Close every definite-length frame that ends here.
    while (stack.length > 0 && stack[stack.length - 1].end === pos) stack.pop();
    if (stack.length === 0 && seenTop) break;
    if (pos >= bytes.length) bad('unexpected end of input', pos);
    const top = stack[stack.length - 1];
    if (top !== undefined && top.end !== -1 && pos > top.end) bad('value overruns its parent', pos);
    const start = pos;
    const tag = bytes[pos++];
    // End-of-contents inside an indefinite-length value.
    if (tag === 0x00) {
      if (pos >= bytes.length || bytes[pos] !== 0x00) bad('bad end-of-contents', start);
      pos++;
      if (top === undefined || top.end !== -1) bad('end-of-contents outside an indefinite value', start);
      stack.pop();
      if (stack.length === 0) break;
      continue;
    }
    const constructed = (tag & 0x20) !== 0;
    if ((tag & 0x1f) === 0x1f) {
      // High tag number form: base-128, at most 4 bytes here.
      let n = 0;
      for (;;) {
        if (pos >= bytes.length) bad('truncated tag', start);
        const b = bytes[pos++];
        if (++n > 4) bad('tag number too large', start);
        if ((b & 0x80) === 0) break;
      }
    }
    if (pos >= bytes.length) bad('truncated length', start);
    const first = bytes[pos++];
    let length: number;
    if (first < 0x80) {
      length = first;
    } else if (first === 0x80) {
      if (!constructed) bad('indefinite length on a primitive value', start);
      length = -1;
    } else {
      const count = first & 0x7f;
      if (count > 4 || count === 0x7f) bad('length too large', start);
      if (pos + count > bytes.length) bad('truncated length', start);
      length = 0;
      for (let i = 0; i < count; i++) length = length * 256 + bytes[pos++];
    }
    if (length === -1) {
      if (stack.length + 1 > maxDepth) {
        throw new MalformedInputError('ERR_CRYPTO_TOO_DEEP', `ASN.1 nesting deeper than ${maxDepth}`);
      }
      stack.push({ end: -1 });
      seenTop = true;
      continue;
    }
    const end = pos + length;
    if (end > bytes.length) bad('value longer than the input', start);
    if (top !== undefined && top.end !== -1 && end > top.end) bad('value overruns its parent', start);
    seenTop = true;
    if (constructed) {
      if (stack.length + 1 > maxDepth) {
        throw new MalformedInputError('ERR_CRYPTO_TOO_DEEP', `ASN.1 nesting deeper than ${maxDepth}`);
      }
      if (length === 0) continue;
      stack.push({ end });
    } else {
      pos = end;
    }
  }
  if (pos !== bytes.length) bad('trailing data', pos);
}
