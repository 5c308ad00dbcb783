/**
 * The CMS structures that `@peculiar/asn1-cms` lacks — AuthEnvelopedData (RFC 5083), GCMParameters
 * (RFC 5084) and ECC-CMS-SharedInfo (RFC 5753) — declared with `@peculiar/asn1-schema` decorators, plus the
 * small zero-copy BER reader and DER writer that the envelope code uses for the outer frame of a message.
 *
 * Why a frame reader/writer of our own: the frame (ContentInfo → EnvelopedData/AuthEnvelopedData →
 * EncryptedContentInfo) carries the whole ciphertext. Going through asn1js/asn1-schema for it costs several
 * copies of the ciphertext (an IMPLICIT OCTET STRING is re-encoded and re-parsed, with asn1js' default
 * 16 MiB content limit and embedded-content probing), and asn1js spends microseconds per node. The frame has
 * a handful of fixed fields, so it is read here as views into the input (BER: indefinite lengths and
 * constructed OCTET STRINGs as `openssl cms -stream` writes them) and written as DER with one final copy.
 * Every structure inside the frame (RecipientInfo, AlgorithmIdentifier parameters, OAEP parameters, GCM
 * parameters, SharedInfo) is decoded with the asn1-schema declarations.
 *
 * The reader is only ever run on input that {@link checkAsn1} has accepted; it still checks every bound and
 * throws {@link MalformedInputError}, never a raw error.
 *
 * @packageDocumentation
 */
import { AsnParser, AsnProp, AsnPropTypes, AsnSerializer, OctetString } from '@peculiar/asn1-schema';
import { Attribute, EncryptedContentInfo, OriginatorInfo, RecipientInfos } from '@peculiar/asn1-cms';
import { AlgorithmIdentifier } from '@peculiar/asn1-x509';
import { MalformedInputError } from './errors.js';

// ---------------------------------------------------------------------------------------------------------
// ASN.1 declarations
//
// The asn1-schema property decorators are applied as plain calls after each class, not with `@` syntax: the
// `@` form needs `experimentalDecorators` in whatever compiles this file (tsx run from another folder, or
// TypeScript's standard decorators, would silently register nothing), while the calls behave the same
// everywhere.
// ---------------------------------------------------------------------------------------------------------

/**
 * RFC 5084 §3.2:
 * ```asn
 * GCMParameters ::= SEQUENCE {
 *   aes-nonce        OCTET STRING, -- recommended size is 12 octets
 *   aes-ICVlen       AES-GCM-ICVlen DEFAULT 12 }
 * AES-GCM-ICVlen ::= INTEGER (12 | 13 | 14 | 15 | 16)
 * ```
 * `icvLen` is declared without a DEFAULT so that the serializer always writes it: OpenSSL 3.0 requires the
 * field (its decoder has no default for it) and itself writes 16. semper always uses 16-byte tags, so
 * writing it is also correct DER (a DEFAULT value would have to be omitted, but 16 is not the default).
 * When the field is absent in input, the value is 12, as RFC 5084 says.
 *
 * @example
 * ```ts
 * import { AsnSerializer } from '@peculiar/asn1-schema';
 * const der = AsnSerializer.serialize(new GCMParameters({ nonce: new OctetString(12), icvLen: 16 }));
 * ```
 */
export class GCMParameters {
  public nonce: OctetString = new OctetString();

  public icvLen?: number;

  constructor(params: Partial<GCMParameters> = {}) {
    Object.assign(this, params);
  }
}
AsnProp({ type: OctetString })(GCMParameters.prototype, 'nonce');
AsnProp({ type: AsnPropTypes.Integer, optional: true })(GCMParameters.prototype, 'icvLen');

/**
 * RFC 5753 §7.2:
 * ```asn
 * ECC-CMS-SharedInfo ::= SEQUENCE {
 *   keyInfo         AlgorithmIdentifier,       -- the key-wrap algorithm, e.g. id-aes256-wrap
 *   entityUInfo [0] EXPLICIT OCTET STRING OPTIONAL,  -- the UKM, present only if the KARI has one
 *   suppPubInfo [2] EXPLICIT OCTET STRING }    -- the KEK length in bits, 4 octets, big-endian
 * ```
 *
 * @example
 * ```ts
 * import { AsnSerializer, OctetString } from '@peculiar/asn1-schema';
 * import { AlgorithmIdentifier } from '@peculiar/asn1-x509';
 * const info = new EccCmsSharedInfo({
 *   keyInfo: new AlgorithmIdentifier({ algorithm: '2.16.840.1.101.3.4.1.45' }),
 *   suppPubInfo: new OctetString(new Uint8Array([0, 0, 1, 0])),
 * });
 * const der = AsnSerializer.serialize(info);
 * ```
 */
export class EccCmsSharedInfo {
  public keyInfo: AlgorithmIdentifier = new AlgorithmIdentifier();

  public entityUInfo?: OctetString;

  public suppPubInfo: OctetString = new OctetString();

  constructor(params: Partial<EccCmsSharedInfo> = {}) {
    Object.assign(this, params);
  }
}
AsnProp({ type: AlgorithmIdentifier })(EccCmsSharedInfo.prototype, 'keyInfo');
AsnProp({ type: OctetString, context: 0, optional: true })(EccCmsSharedInfo.prototype, 'entityUInfo');
AsnProp({ type: OctetString, context: 2 })(EccCmsSharedInfo.prototype, 'suppPubInfo');

/**
 * RFC 5083 §2.1:
 * ```asn
 * AuthEnvelopedData ::= SEQUENCE {
 *   version CMSVersion,                                   -- always 0
 *   originatorInfo [0] IMPLICIT OriginatorInfo OPTIONAL,
 *   recipientInfos RecipientInfos,
 *   authEncryptedContentInfo EncryptedContentInfo,
 *   authAttrs [1] IMPLICIT AuthAttributes OPTIONAL,
 *   mac MessageAuthenticationCode,                        -- the GCM tag (RFC 5084)
 *   unauthAttrs [2] IMPLICIT UnauthAttributes OPTIONAL }
 * ```
 * The normative declaration of the structure. `encryptData`/`decryptData` read and write its frame with
 * the zero-copy reader/writer of this file (see the file header); the unit tests check that both agree with
 * this declaration.
 *
 * @example
 * ```ts
 * import { AsnParser } from '@peculiar/asn1-schema';
 * const aed = AsnParser.parse(contentInfo.content, AuthEnvelopedData);
 * console.log(aed.mac.byteLength); // 16 with OpenSSL and semper
 * ```
 */
export class AuthEnvelopedData {
  public version = 0;

  public originatorInfo?: OriginatorInfo;

  public recipientInfos: RecipientInfos = new RecipientInfos();

  public authEncryptedContentInfo: EncryptedContentInfo = new EncryptedContentInfo();

  public authAttrs?: Attribute[];

  public mac: OctetString = new OctetString();

  public unauthAttrs?: Attribute[];

  constructor(params: Partial<AuthEnvelopedData> = {}) {
    Object.assign(this, params);
  }
}
AsnProp({ type: AsnPropTypes.Integer })(AuthEnvelopedData.prototype, 'version');
AsnProp({ type: OriginatorInfo, context: 0, implicit: true, optional: true })(
  AuthEnvelopedData.prototype,
  'originatorInfo',
);
AsnProp({ type: RecipientInfos })(AuthEnvelopedData.prototype, 'recipientInfos');
AsnProp({ type: EncryptedContentInfo })(AuthEnvelopedData.prototype, 'authEncryptedContentInfo');
AsnProp({ type: Attribute, repeated: 'set', context: 1, implicit: true, optional: true })(
  AuthEnvelopedData.prototype,
  'authAttrs',
);
AsnProp({ type: OctetString })(AuthEnvelopedData.prototype, 'mac');
AsnProp({ type: Attribute, repeated: 'set', context: 2, implicit: true, optional: true })(
  AuthEnvelopedData.prototype,
  'unauthAttrs',
);

// ---------------------------------------------------------------------------------------------------------
// Tags used by the frame
// ---------------------------------------------------------------------------------------------------------

/**
 * Identifier octets (low tag numbers only) of the elements the envelope frame reads and writes.
 *
 * @example
 * ```ts
 * if (element.tag === TAG.sequence) { ... }
 * ```
 */
export const TAG = Object.freeze({
  integer: 0x02,
  bitString: 0x03,
  octetString: 0x04,
  constructedOctetString: 0x24,
  null: 0x05,
  oid: 0x06,
  sequence: 0x30,
  set: 0x31,
  /** [0] IMPLICIT, primitive (e.g. encryptedContent). */
  context0: 0x80,
  /** [0], constructed (EXPLICIT, or IMPLICIT over a constructed type / a constructed OCTET STRING). */
  context0c: 0xa0,
  context1c: 0xa1,
  context2c: 0xa2,
});

// ---------------------------------------------------------------------------------------------------------
// DER writer
// ---------------------------------------------------------------------------------------------------------

/**
 * A DER element under construction: its total encoded length and the byte chunks that make it up (headers
 * and views of content), so that the final encoding is assembled with a single copy of each chunk.
 *
 * @example
 * ```ts
 * const node: DerNode = derTlv(TAG.sequence, derInteger(0));
 * ```
 */
export interface DerNode {
  readonly length: number;
  readonly parts: readonly Uint8Array[];
}

/** What {@link derTlv} accepts as content: an encoded element, a node, or nothing (skipped). */
type DerChild = Uint8Array | DerNode | undefined;

function lengthHeader(tag: number, length: number): Uint8Array {
  if (length < 0x80) return Uint8Array.of(tag, length);
  if (length < 0x100) return Uint8Array.of(tag, 0x81, length);
  if (length < 0x10000) return Uint8Array.of(tag, 0x82, length >>> 8, length & 0xff);
  if (length < 0x1000000) return Uint8Array.of(tag, 0x83, length >>> 16, (length >>> 8) & 0xff, length & 0xff);
  return Uint8Array.of(tag, 0x84, length >>> 24, (length >>> 16) & 0xff, (length >>> 8) & 0xff, length & 0xff);
}

/**
 * A DER element with identifier octet `tag` around the concatenation of `children` (already-encoded
 * elements or nodes; `undefined` children are skipped, for OPTIONAL fields). No bytes are copied here.
 *
 * @example
 * ```ts
 * const algId = derTlv(TAG.sequence, derOid('2.16.840.1.101.3.4.1.45'));
 * const bytes = derEncode(algId); // 30 0b 06 09 60 86 48 01 65 03 04 01 2d
 * ```
 */
export function derTlv(tag: number, ...children: DerChild[]): DerNode {
  const parts: Uint8Array[] = [];
  let length = 0;
  for (const c of children) {
    if (c === undefined) continue;
    if (c instanceof Uint8Array) {
      parts.push(c);
      length += c.length;
    } else {
      for (const p of c.parts) parts.push(p);
      length += c.length;
    }
  }
  const header = lengthHeader(tag, length);
  parts.unshift(header);
  return { length: length + header.length, parts };
}

/**
 * A primitive element whose content octets are `content` (a view is kept, not copied).
 *
 * @example
 * ```ts
 * const os = derPrimitive(TAG.octetString, new Uint8Array(16));
 * ```
 */
export function derPrimitive(tag: number, content: Uint8Array): DerNode {
  const header = lengthHeader(tag, content.length);
  return { length: header.length + content.length, parts: [header, content] };
}

/**
 * A non-negative INTEGER from a small JavaScript number.
 *
 * @example
 * ```ts
 * derEncode(derInteger(16)); // 02 01 10
 * ```
 */
export function derInteger(value: number): Uint8Array {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError('derInteger takes a small non-negative integer');
  const bytes: number[] = [];
  let v = value;
  do {
    bytes.unshift(v % 256);
    v = Math.floor(v / 256);
  } while (v > 0);
  if (bytes[0] & 0x80) bytes.unshift(0);
  return Uint8Array.of(TAG.integer, bytes.length, ...bytes);
}

const oidCache = new Map<string, Uint8Array>();

/**
 * The DER encoding (tag, length and content) of an OBJECT IDENTIFIER in dotted form; cached.
 *
 * @example
 * ```ts
 * derOid('1.2.840.113549.1.7.1'); // 06 09 2a 86 48 86 f7 0d 01 07 01
 * ```
 */
export function derOid(oid: string): Uint8Array {
  const cached = oidCache.get(oid);
  if (cached) return cached;
  const arcs = oid.split('.');
  if (arcs.length < 2 || arcs.some((a) => !/^(0|[1-9][0-9]*)$/.test(a))) throw new RangeError(`not an OID: ${oid}`);
  const big = arcs.map((a) => BigInt(a));
  if (big[0] > 2n || (big[0] < 2n && big[1] > 39n)) throw new RangeError(`not an OID: ${oid}`);
  const values = [big[0] * 40n + big[1], ...big.slice(2)];
  const content: number[] = [];
  for (const v of values) {
    const groups: number[] = [];
    let x = v;
    do {
      groups.unshift(Number(x & 0x7fn));
      x >>= 7n;
    } while (x > 0n);
    for (let i = 0; i < groups.length - 1; i++) groups[i] |= 0x80;
    content.push(...groups);
  }
  const encoded = Uint8Array.of(TAG.oid, content.length, ...content);
  if (content.length >= 0x80) throw new RangeError(`OID too long: ${oid}`);
  oidCache.set(oid, encoded);
  return encoded;
}

/**
 * Assembles a node into its DER bytes: one allocation, one copy of each chunk.
 *
 * @example
 * ```ts
 * const bytes = derEncode(derTlv(TAG.sequence, derInteger(0))); // 30 03 02 01 00
 * ```
 */
export function derEncode(node: DerNode | Uint8Array): Uint8Array {
  if (node instanceof Uint8Array) return node;
  const out = new Uint8Array(node.length);
  let pos = 0;
  for (const p of node.parts) {
    out.set(p, pos);
    pos += p.length;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// BER reader
// ---------------------------------------------------------------------------------------------------------

/**
 * One BER element, as offsets into the buffer it was read from (no copies).
 *
 * @example
 * ```ts
 * const el = berRead(bytes);
 * if (el.tag === TAG.sequence) console.log(berChildren(el).length);
 * ```
 */
export interface BerElement {
  readonly buf: Uint8Array;
  /** The first identifier octet (class, constructed bit and, for low tag numbers, the number). */
  readonly tag: number;
  readonly constructed: boolean;
  readonly start: number;
  readonly contentStart: number;
  /** End of the content octets (before the end-of-contents octets of an indefinite length). */
  readonly contentEnd: number;
  /** End of the whole encoding. */
  readonly end: number;
  /** Ends of the indefinite-length elements already walked in this reading (start → end). */
  readonly ends: Map<number, number>;
}

function malformed(what: string): never {
  throw new MalformedInputError('ERR_CRYPTO_MALFORMED', `malformed CMS: ${what}`);
}

interface Header {
  tag: number;
  constructed: boolean;
  contentStart: number;
  /** -1 for an indefinite length. */
  length: number;
}

function readHeader(buf: Uint8Array, pos: number, limit: number): Header {
  if (pos >= limit) malformed('unexpected end of data');
  const tag = buf[pos++];
  if ((tag & 0x1f) === 0x1f) {
    let n = 0;
    for (;;) {
      if (pos >= limit || ++n > 4) malformed('bad tag');
      if ((buf[pos++] & 0x80) === 0) break;
    }
  }
  if (pos >= limit) malformed('truncated length');
  const first = buf[pos++];
  let length: number;
  if (first < 0x80) length = first;
  else if (first === 0x80) {
    if ((tag & 0x20) === 0) malformed('indefinite length on a primitive value');
    length = -1;
  } else {
    const count = first & 0x7f;
    if (count > 4 || pos + count > limit) malformed('bad length');
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + buf[pos++];
  }
  if (length > limit - pos) malformed('value longer than its container');
  return { tag, constructed: (tag & 0x20) !== 0, contentStart: pos, length };
}

/**
 * Reads the element that starts at `pos` and must end by `limit` (default: the end of `buf`).
 * Indefinite lengths are resolved by walking the nested elements up to the matching end-of-contents;
 * `ends` memoizes what was walked (elements read from one another share it), so reading a whole BER tree
 * costs time linear in its size whatever its depth.
 *
 * @throws {@link MalformedInputError} on any inconsistency.
 *
 * @example
 * ```ts
 * const contentInfo = berRead(bytes);
 * if (contentInfo.end !== bytes.length) throw new Error('trailing data');
 * ```
 */
export function berRead(
  buf: Uint8Array,
  pos = 0,
  limit = buf.length,
  ends: Map<number, number> = new Map(),
): BerElement {
  const h = readHeader(buf, pos, limit);
  if (h.length >= 0) {
    const end = h.contentStart + h.length;
    return {
      buf,
      tag: h.tag,
      constructed: h.constructed,
      start: pos,
      contentStart: h.contentStart,
      contentEnd: end,
      end,
      ends,
    };
  }
  // Indefinite: skip nested elements until the end-of-contents that closes this one. The ends of the nested
  // indefinite elements met on the way are remembered, so that reading them later costs nothing: walking a
  // deeply nested BER value stays linear in its size. (The memo lives with the elements of one reading.)
  let p = ends.get(pos) ?? -1;
  if (p < 0) {
    const open: number[] = [pos];
    p = h.contentStart;
    while (open.length > 0) {
      if (p + 1 < limit && buf[p] === 0 && buf[p + 1] === 0) {
        p += 2;
        ends.set(open.pop() as number, p);
        continue;
      }
      const known = ends.get(p);
      if (known !== undefined) {
        p = known;
        continue;
      }
      const inner = readHeader(buf, p, limit);
      if (inner.length < 0) {
        open.push(p);
        p = inner.contentStart;
      } else {
        p = inner.contentStart + inner.length;
      }
    }
  }
  if (p > limit) malformed('value longer than its container');
  return {
    buf,
    tag: h.tag,
    constructed: true,
    start: pos,
    contentStart: h.contentStart,
    contentEnd: p - 2,
    end: p,
    ends,
  };
}

/**
 * The elements inside a constructed element, in order.
 *
 * @example
 * ```ts
 * const [version, recipientInfos, encryptedContentInfo] = berChildren(envelopedData);
 * ```
 */
export function berChildren(el: BerElement): BerElement[] {
  if (!el.constructed) malformed('expected a constructed value');
  const out: BerElement[] = [];
  let p = el.contentStart;
  while (p < el.contentEnd) {
    const child = berRead(el.buf, p, el.contentEnd, el.ends);
    out.push(child);
    p = child.end;
  }
  if (p !== el.contentEnd) malformed('element overruns its parent');
  return out;
}

/**
 * The content octets of a primitive element (a view).
 *
 * @example
 * ```ts
 * const iv = berContent(berExpect(params, TAG.octetString, 'IV'));
 * ```
 */
export function berContent(el: BerElement): Uint8Array {
  return el.buf.subarray(el.contentStart, el.contentEnd);
}

/**
 * The whole encoding of an element (a view).
 *
 * @example
 * ```ts
 * const riBytes = berBytes(recipientInfo); // then AsnParser.parse(riBytes, RecipientInfo)
 * ```
 */
export function berBytes(el: BerElement): Uint8Array {
  return el.buf.subarray(el.start, el.end);
}

/**
 * Checks that `el` exists and has identifier octet `tag`.
 *
 * @throws {@link MalformedInputError} naming `what` otherwise.
 *
 * @example
 * ```ts
 * const set = berExpect(children[1], TAG.set, 'recipientInfos');
 * ```
 */
export function berExpect(el: BerElement | undefined, tag: number, what: string): BerElement {
  if (el === undefined || el.tag !== tag) malformed(`expected ${what}`);
  return el;
}

/**
 * The value of a small non-negative INTEGER element (versions, lengths).
 *
 * @example
 * ```ts
 * const version = berSmallInteger(children[0], 'version');
 * ```
 */
export function berSmallInteger(el: BerElement | undefined, what: string): number {
  const c = berContent(berExpect(el, TAG.integer, what));
  if (c.length === 0 || c.length > 4 || c[0] & 0x80 || (c.length > 1 && c[0] === 0 && (c[1] & 0x80) === 0)) {
    malformed(`${what} is not a small non-negative INTEGER`);
  }
  let v = 0;
  for (const b of c) v = v * 256 + b;
  return v;
}

/**
 * The dotted form of an OBJECT IDENTIFIER element.
 *
 * @example
 * ```ts
 * const contentType = berOid(children[0], 'contentType'); // '1.2.840.113549.1.7.3'
 * ```
 */
export function berOid(el: BerElement | undefined, what: string): string {
  const c = berContent(berExpect(el, TAG.oid, what));
  if (c.length === 0 || c[c.length - 1] & 0x80) malformed(`${what} is not a valid OBJECT IDENTIFIER`);
  const arcs: string[] = [];
  let v = 0n;
  let first = true;
  for (let i = 0; i < c.length; i++) {
    if (v === 0n && c[i] === 0x80) malformed(`${what} is not a valid OBJECT IDENTIFIER`);
    v = (v << 7n) | BigInt(c[i] & 0x7f);
    if ((c[i] & 0x80) === 0) {
      if (first) {
        const a = v < 40n ? 0n : v < 80n ? 1n : 2n;
        arcs.push(a.toString(), (v - a * 40n).toString());
        first = false;
      } else {
        arcs.push(v.toString());
      }
      v = 0n;
    }
  }
  return arcs.join('.');
}

/**
 * The octets of an OCTET STRING, primitive or constructed (BER: the concatenation of its segments, nested
 * at any depth), or of an IMPLICIT OCTET STRING with a context tag. Returns the segments as views, so that a
 * caller that copies anyway (into a cipher input) copies only once.
 *
 * @example
 * ```ts
 * const parts = berOctetStringParts(encryptedContent);
 * const total = parts.reduce((n, p) => n + p.length, 0);
 * ```
 */
export function berOctetStringParts(el: BerElement): Uint8Array[] {
  if (!el.constructed) return [berContent(el)];
  const out: Uint8Array[] = [];
  const stack: BerElement[] = [el];
  // Depth-first, in order: children are pushed in reverse.
  while (stack.length > 0) {
    const cur = stack.pop() as BerElement;
    if (!cur.constructed) {
      out.push(berContent(cur));
      continue;
    }
    const kids = berChildren(cur);
    for (let i = kids.length - 1; i >= 0; i--) {
      const k = kids[i];
      if (k.tag !== TAG.octetString && k.tag !== TAG.constructedOctetString) {
        malformed('a constructed OCTET STRING holds something else');
      }
      stack.push(k);
    }
  }
  return out;
}

/**
 * The octets of an OCTET STRING (primitive or constructed) as one array; a view when primitive.
 *
 * @example
 * ```ts
 * const mac = berOctetString(children[4]);
 * ```
 */
export function berOctetString(el: BerElement): Uint8Array {
  const parts = berOctetStringParts(el);
  if (parts.length === 1) return parts[0];
  return concatBytes(parts);
}

/**
 * Whether two byte arrays are equal, in time that depends only on their lengths (digests, tags and key
 * identifiers are compared with it).
 *
 * @example
 * ```ts
 * if (!equalBytes(expectedDigest, actualDigest)) throw new Error('digest mismatch');
 * ```
 */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i] ^ b[i];
  return d === 0;
}

/**
 * The DER order of two encodings (for a SET OF: ascending, shorter first when one is a prefix).
 *
 * @example
 * ```ts
 * encodings.sort(compareBytes);
 * ```
 */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

/**
 * A copy of `bytes` as a plain Uint8Array. (`slice()` is no copy when the input is a Node `Buffer`, whose
 * `slice` returns a view: never rely on it for input from outside.)
 *
 * @example
 * ```ts
 * const mine = copyBytes(readFileSync('msg.der')); // safe to modify
 * ```
 */
export function copyBytes(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes);
}

/**
 * Concatenates byte arrays into one new array (with optional room after them).
 *
 * @example
 * ```ts
 * concatBytes([Uint8Array.of(1), Uint8Array.of(2)]); // Uint8Array [1, 2]
 * ```
 */
export function concatBytes(parts: readonly Uint8Array[], extra = 0): Uint8Array {
  let n = extra;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let pos = 0;
  for (const p of parts) {
    out.set(p, pos);
    pos += p.length;
  }
  return out;
}

/**
 * Parses a DER value with an asn1-schema declaration and accepts it only if it re-encodes to the same bytes.
 * asn1-schema does not check every tag (a SEQUENCE with a context tag parses as a SEQUENCE, say), so without
 * this a changed byte could go unnoticed: the parsed value, not the bytes, is what the engine uses.
 *
 * @throws {@link MalformedInputError} naming `what` when it does not parse or is not that exact DER.
 *
 * @example
 * ```ts
 * const alg = parseDerStrict(bytes, AlgorithmIdentifier, 'keyEncryptionAlgorithm');
 * ```
 */
export function parseDerStrict<T>(bytes: Uint8Array | ArrayBuffer, type: new () => T, what: string): T {
  const input = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  let parsed: T;
  try {
    parsed = AsnParser.parse(input, type);
  } catch {
    return malformed(what);
  }
  let again: Uint8Array;
  try {
    again = new Uint8Array(AsnSerializer.serialize(parsed));
  } catch {
    return malformed(what);
  }
  if (again.length !== input.length || !Buffer.from(again).equals(input)) malformed(`${what} is not DER`);
  return parsed;
}
