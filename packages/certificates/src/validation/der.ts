/**
 * A small, strict DER reader and writer for the structures path validation and CRLs read and write
 * (extension values, Names, GeneralNames, CertificateList).
 *
 * Why not the engine's BER reader: `@semper/crypto` keeps its reader and writer internal (its public entry
 * exports neither), and the layer rules allow a block to import another package's public entry only. This
 * one reads DER only (definite lengths, low tag numbers, minimal INTEGERs, BOOLEAN as 00/FF), returns views
 * into the input, and throws {@link DerError} on anything else. It is only ever run on input that
 * `checkAsn1` has accepted (size and nesting), and every caller turns a {@link DerError} into its own typed
 * error or failure result.
 *
 * @packageDocumentation
 * @internal
 */

/**
 * Input that is not the DER expected. Internal: callers convert it (a `CertificatesError` or a validation
 * failure), so it never reaches a user.
 *
 * @example
 * ```ts
 * try { readTlv(bytes); } catch (e) { if (e instanceof DerError) return failure('MALFORMED', e.message); }
 * ```
 * @internal
 */
export class DerError extends Error {
  override name = 'DerError';
}

/**
 * One DER element: offsets into `buf` (no copies).
 *
 * @example
 * ```ts
 * const seq = readTlv(bytes);
 * if (seq.tag === 0x30) console.log(children(seq).length);
 * ```
 * @internal
 */
export interface Tlv {
  readonly buf: Uint8Array;
  /** The identifier octet (class, constructed bit, tag number below 31). */
  readonly tag: number;
  readonly start: number;
  readonly contentStart: number;
  readonly end: number;
}

/**
 * Identifier octets used here.
 * @example
 * ```ts
 * const seq = expect(el, T.sequence, 'TBSCertList');
 * ```
 * @internal
 */
export const T = Object.freeze({
  boolean: 0x01,
  integer: 0x02,
  bitString: 0x03,
  octetString: 0x04,
  null: 0x05,
  oid: 0x06,
  enumerated: 0x0a,
  utf8String: 0x0c,
  numericString: 0x12,
  printableString: 0x13,
  teletexString: 0x14,
  ia5String: 0x16,
  utcTime: 0x17,
  generalizedTime: 0x18,
  visibleString: 0x1a,
  universalString: 0x1c,
  bmpString: 0x1e,
  sequence: 0x30,
  set: 0x31,
});

function fail(what: string): never {
  throw new DerError(what);
}

/**
 * Reads the element at `pos`, which must end by `limit`.
 *
 * @throws {@link DerError} on a high tag number, an indefinite or non-minimal length, or an overrun.
 * @example
 * ```ts
 * const el = readTlv(bytes); // bytes must hold exactly one element: check el.end === bytes.length
 * ```
 * @internal
 */
export function readTlv(buf: Uint8Array, pos = 0, limit = buf.length): Tlv {
  const start = pos;
  if (pos >= limit) fail('unexpected end of data');
  const tag = buf[pos++];
  if ((tag & 0x1f) === 0x1f) fail('high tag numbers are not used here');
  if (pos >= limit) fail('truncated length');
  const first = buf[pos++];
  let length: number;
  if (first < 0x80) length = first;
  else {
    const count = first & 0x7f;
    if (count === 0) fail('indefinite length (BER) where DER is required');
    if (count > 4 || pos + count > limit) fail('bad length');
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + buf[pos++];
    if (length < 0x80 || (count > 1 && buf[start + 2] === 0)) fail('non-minimal length (not DER)');
  }
  if (length > limit - pos) fail('value longer than its container');
  return { buf, tag, start, contentStart: pos, end: pos + length };
}

/**
 * Reads `bytes` as exactly one element (nothing after it).
 *
 * @example
 * ```ts
 * const value = readOne(extension.value, 'subjectAltName');
 * ```
 * @internal
 */
export function readOne(bytes: Uint8Array, what: string): Tlv {
  const el = readTlv(bytes);
  if (el.end !== bytes.length) fail(`${what}: trailing data`);
  return el;
}

/**
 * The elements inside a constructed element.
 *
 * @example
 * ```ts
 * const [oid, value] = children(expect(el, T.sequence, 'AttributeTypeAndValue'));
 * ```
 * @internal
 */
export function children(el: Tlv): Tlv[] {
  if ((el.tag & 0x20) === 0) fail('expected a constructed value');
  const out: Tlv[] = [];
  let p = el.contentStart;
  while (p < el.end) {
    const c = readTlv(el.buf, p, el.end);
    out.push(c);
    p = c.end;
  }
  return out;
}

/**
 * The content octets (a view).
 *
 * @example
 * ```ts
 * const octets = content(expect(el, T.octetString, 'keyIdentifier'));
 * ```
 * @internal
 */
export function content(el: Tlv): Uint8Array {
  return el.buf.subarray(el.contentStart, el.end);
}

/**
 * The whole encoding (a view).
 *
 * @example
 * ```ts
 * const nameDer = bytes(issuerElement);
 * ```
 * @internal
 */
export function bytes(el: Tlv): Uint8Array {
  return el.buf.subarray(el.start, el.end);
}

/**
 * `el`, checked to exist and have identifier octet `tag`.
 *
 * @example
 * ```ts
 * const seq = expect(kids[0], T.sequence, 'tbsCertList');
 * ```
 * @internal
 */
export function expect(el: Tlv | undefined, tag: number, what: string): Tlv {
  if (el === undefined) fail(`${what} is missing`);
  if (el.tag !== tag) fail(`${what} has tag 0x${el.tag.toString(16)}, expected 0x${tag.toString(16)}`);
  return el;
}

/**
 * The dotted form of an OBJECT IDENTIFIER element (or of raw OID content octets with `tag` 0).
 *
 * @example
 * ```ts
 * readOid(kids[0], 'extnID'); // '2.5.29.17'
 * ```
 * @internal
 */
export function readOid(el: Tlv | undefined, what: string, tag: number = T.oid): string {
  return oidFromContent(content(expect(el, tag, what)), what);
}

/**
 *
 * @example
 * ```ts
 * oidFromContent(Uint8Array.of(0x55, 0x1d, 0x13), 'extnID'); // '2.5.29.19'
 * ```
 * @internal
 */
export function oidFromContent(c: Uint8Array, what: string): string {
  if (c.length === 0 || c.length > 128 || c[c.length - 1] & 0x80) fail(`${what} is not a valid OBJECT IDENTIFIER`);
  const arcs: string[] = [];
  let v = 0n;
  let first = true;
  for (let i = 0; i < c.length; i++) {
    if (v === 0n && c[i] === 0x80) fail(`${what} is not a minimal OBJECT IDENTIFIER`);
    v = (v << 7n) | BigInt(c[i] & 0x7f);
    if ((c[i] & 0x80) === 0) {
      if (first) {
        const a = v < 40n ? 0n : v < 80n ? 1n : 2n;
        arcs.push(a.toString(), (v - a * 40n).toString());
        first = false;
      } else arcs.push(v.toString());
      v = 0n;
    }
  }
  return arcs.join('.');
}

/**
 * A DER BOOLEAN (only 00 and FF are DER).
 *
 * @example
 * ```ts
 * const critical = readBoolean(kids[1], 'critical');
 * ```
 * @internal
 */
export function readBoolean(el: Tlv | undefined, what: string, tag: number = T.boolean): boolean {
  const c = content(expect(el, tag, what));
  if (c.length !== 1 || (c[0] !== 0 && c[0] !== 0xff)) fail(`${what} is not a DER BOOLEAN`);
  return c[0] === 0xff;
}

/**
 * The content octets of an INTEGER, checked to be minimal (DER).
 *
 * @example
 * ```ts
 * const serial = readIntegerBytes(kids[0], 'userCertificate');
 * ```
 * @internal
 */
export function readIntegerBytes(el: Tlv | undefined, what: string, tag: number = T.integer): Uint8Array {
  const c = content(expect(el, tag, what));
  if (c.length === 0) fail(`${what} is an empty INTEGER`);
  if (c.length > 1 && ((c[0] === 0 && (c[1] & 0x80) === 0) || (c[0] === 0xff && (c[1] & 0x80) !== 0))) {
    fail(`${what} is not a minimal INTEGER`);
  }
  return c;
}

/**
 * A non-negative INTEGER as a bigint.
 *
 * @example
 * ```ts
 * const crlNumber = readUnsigned(el, 'cRLNumber');
 * ```
 * @internal
 */
export function readUnsigned(el: Tlv | undefined, what: string, tag: number = T.integer): bigint {
  const c = readIntegerBytes(el, what, tag);
  if (c[0] & 0x80) fail(`${what} is negative`);
  let v = 0n;
  for (const b of c) v = (v << 8n) | BigInt(b);
  return v;
}

/**
 * A UTCTime or GeneralizedTime in the DER form RFC 5280 §4.1.2.5 requires: UTC (`Z`), seconds present, no
 * fractions; UTCTime years 50–99 are 1950–1999.
 *
 * @example
 * ```ts
 * const thisUpdate = readTime(kids[3], 'thisUpdate');
 * ```
 * @internal
 */
export function readTime(el: Tlv | undefined, what: string): Date {
  if (el === undefined || (el.tag !== T.utcTime && el.tag !== T.generalizedTime)) fail(`${what} is not a Time`);
  const s = String.fromCharCode(...content(el));
  const m =
    el.tag === T.utcTime
      ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(s)
      : /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(s);
  if (m === null) fail(`${what} is not a DER time (UTC with seconds, no fractions): ${JSON.stringify(s)}`);
  let year = Number(m[1]);
  if (el.tag === T.utcTime) year += year >= 50 ? 1900 : 2000;
  const [month, day, hour, minute, second] = [m[2], m[3], m[4], m[5], m[6]].map(Number);
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, minute, second, 0);
  if (
    month < 1 ||
    month > 12 ||
    d.getUTCDate() !== day ||
    d.getUTCMonth() !== month - 1 ||
    hour > 23 ||
    minute > 59 ||
    second > 59
  ) {
    fail(`${what} is not a valid date: ${JSON.stringify(s)}`);
  }
  return d;
}

// ---------------------------------------------------------------------------------------------------------
// Writer
// ---------------------------------------------------------------------------------------------------------

/**
 * The DER element `tag` around the concatenation of `parts` (`undefined` parts are skipped).
 *
 * @example
 * ```ts
 * const seq = tlv(T.sequence, oid('2.5.29.20'), tlv(T.octetString, integer(1n)));
 * ```
 * @internal
 */
export function tlv(tag: number, ...parts: (Uint8Array | undefined)[]): Uint8Array {
  let length = 0;
  for (const p of parts) if (p !== undefined) length += p.length;
  let header: number[];
  if (length < 0x80) header = [tag, length];
  else if (length < 0x100) header = [tag, 0x81, length];
  else if (length < 0x10000) header = [tag, 0x82, length >>> 8, length & 0xff];
  else if (length < 0x1000000) header = [tag, 0x83, length >>> 16, (length >>> 8) & 0xff, length & 0xff];
  else header = [tag, 0x84, length >>> 24, (length >>> 16) & 0xff, (length >>> 8) & 0xff, length & 0xff];
  const out = new Uint8Array(header.length + length);
  out.set(header, 0);
  let pos = header.length;
  for (const p of parts) {
    if (p === undefined) continue;
    out.set(p, pos);
    pos += p.length;
  }
  return out;
}

/**
 * The DER OBJECT IDENTIFIER of a dotted OID.
 *
 * @throws {@link DerError} when `dotted` is not an OID.
 * @example
 * ```ts
 * oid('2.5.29.35'); // 06 03 55 1d 23
 * ```
 * @internal
 */
export function oid(dotted: string): Uint8Array {
  const arcs = dotted.split('.');
  if (arcs.length < 2 || arcs.some((a) => !/^(0|[1-9][0-9]*)$/.test(a))) fail(`not an OID: ${dotted}`);
  const big = arcs.map((a) => BigInt(a));
  if (big[0] > 2n || (big[0] < 2n && big[1] > 39n)) fail(`not an OID: ${dotted}`);
  const out: number[] = [];
  for (const v of [big[0] * 40n + big[1], ...big.slice(2)]) {
    const groups: number[] = [];
    let x = v;
    do {
      groups.unshift(Number(x & 0x7fn));
      x >>= 7n;
    } while (x > 0n);
    for (let i = 0; i < groups.length - 1; i++) groups[i] |= 0x80;
    out.push(...groups);
  }
  return tlv(T.oid, Uint8Array.from(out));
}

/**
 * The DER INTEGER of a non-negative bigint.
 *
 * @example
 * ```ts
 * integer(128n); // 02 02 00 80
 * ```
 * @internal
 */
export function integer(value: bigint, tag: number = T.integer): Uint8Array {
  if (value < 0n) fail('negative INTEGER');
  const octets: number[] = [];
  let v = value;
  do {
    octets.unshift(Number(v & 0xffn));
    v >>= 8n;
  } while (v > 0n);
  if (octets[0] & 0x80) octets.unshift(0);
  return tlv(tag, Uint8Array.from(octets));
}

/**
 * The DER Time of `date` (whole seconds): UTCTime from 1950 to 2049, GeneralizedTime otherwise (RFC 5280
 * §4.1.2.5), or always GeneralizedTime with `generalized`.
 *
 * @example
 * ```ts
 * time(new Date('2030-01-01T00:00:00Z')); // UTCTime 300101000000Z
 * ```
 * @internal
 */
export function time(date: Date, generalized = false): Uint8Array {
  const y = date.getUTCFullYear();
  if (y < 0 || y > 9999) fail('year out of range for an ASN.1 Time');
  const two = (n: number): string => n.toString().padStart(2, '0');
  const rest = `${two(date.getUTCMonth() + 1)}${two(date.getUTCDate())}${two(date.getUTCHours())}${two(date.getUTCMinutes())}${two(date.getUTCSeconds())}Z`;
  const ascii = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));
  if (!generalized && y >= 1950 && y < 2050) return tlv(T.utcTime, ascii(`${two(y % 100)}${rest}`));
  return tlv(T.generalizedTime, ascii(`${y.toString().padStart(4, '0')}${rest}`));
}

/**
 * Lower-case hex of `b`.
 *
 * @example
 * ```ts
 * toHex(Uint8Array.of(1, 255)); // '01ff'
 * ```
 * @internal
 */
export function toHex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

/**
 * Whether two byte arrays are equal.
 *
 * @example
 * ```ts
 * if (equalBytes(cert.authorityKeyIdentifier, issuer.subjectKeyIdentifier)) { ... }
 * ```
 * @internal
 */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.length).equals(b);
}
