/**
 * Distinguished names and GeneralNames as path validation needs them: Name comparison by the rules of
 * RFC 5280 §7.1 (attribute values of string types compared after case folding and whitespace
 * normalisation, as OpenSSL's canonical encoding does), directory-name prefixes for name constraints, the
 * e-mail addresses of a subject DN, RFC 4514 text for messages, and a strict GeneralName reader.
 *
 * @packageDocumentation
 * @internal
 */
import {
  children,
  content,
  DerError,
  expect,
  oidFromContent,
  readOid,
  readOne,
  T,
  type Tlv,
  tlv,
  toHex,
} from './der.js';

/**
 * One AttributeTypeAndValue.
 * @example
 * ```ts
 * const [[cn]] = parseName(encodeName('CN=Alice')); // cn.oid === '2.5.4.3'
 * ```
 * @internal
 */
export interface Ava {
  readonly oid: string;
  /** Identifier octet of the value. */
  readonly tag: number;
  readonly value: Uint8Array;
  /** The comparison key: OID and normalised value. */
  readonly key: string;
}

/**
 * A Name: its RDNs in DER order, each a set of AVAs.
 * @example
 * ```ts
 * const rdns: Rdns = parseName(cert.subjectDer);
 * ```
 * @internal
 */
export type Rdns = readonly (readonly Ava[])[];

/**
 * The e-mail address attribute (PKCS #9), which RFC 5280 §4.2.1.10 constrains as an rfc822Name.
 * @example
 * ```ts
 * const emails = rdns.flat().filter((a) => a.oid === EMAIL_ADDRESS_OID);
 * ```
 */
export const EMAIL_ADDRESS_OID = '1.2.840.113549.1.9.1';

const STRING_TAGS = new Set<number>([
  T.utf8String,
  T.numericString,
  T.printableString,
  T.teletexString,
  T.ia5String,
  T.visibleString,
  T.universalString,
  T.bmpString,
]);

/**
 * The text of a string-typed attribute value, or `undefined` when the bytes are not valid for the type.
 *
 * @example
 * ```ts
 * decodeString(T.bmpString, Uint8Array.of(0, 0x41)); // 'A'
 * ```
 * @internal
 */
export function decodeString(tag: number, v: Uint8Array): string | undefined {
  switch (tag) {
    case T.utf8String:
      try {
        return new TextDecoder('utf-8', { fatal: true }).decode(v);
      } catch {
        return undefined;
      }
    case T.printableString:
    case T.numericString:
    case T.ia5String:
    case T.visibleString:
      for (const b of v) if (b > 0x7f) return undefined;
      return String.fromCharCode(...v);
    case T.teletexString:
      return Buffer.from(v).toString('latin1'); // as OpenSSL reads T61String in practice
    case T.bmpString: {
      if (v.length % 2) return undefined;
      let s = '';
      for (let i = 0; i < v.length; i += 2) s += String.fromCharCode((v[i] << 8) | v[i + 1]);
      return s;
    }
    case T.universalString: {
      if (v.length % 4) return undefined;
      let s = '';
      for (let i = 0; i < v.length; i += 4) {
        const cp = ((v[i] << 24) | (v[i + 1] << 16) | (v[i + 2] << 8) | v[i + 3]) >>> 0;
        if (cp > 0x10ffff) return undefined;
        s += String.fromCodePoint(cp);
      }
      return s;
    }
    default:
      return undefined;
  }
}

/** RFC 4518-lite: NFKC, case folded, leading/trailing space removed, inner runs of space collapsed. */
function normalise(s: string): string {
  return s.normalize('NFKC').toLowerCase().trim().replace(/\s+/g, ' ');
}

function avaKey(oid: string, tag: number, value: Uint8Array): string {
  if (STRING_TAGS.has(tag)) {
    const s = decodeString(tag, value);
    if (s !== undefined) return `${oid}=${normalise(s)}`;
  }
  return `${oid}#${tag.toString(16)}:${toHex(value)}`;
}

/**
 * Parses the DER of a Name into its RDNs.
 *
 * @throws {@link DerError} when it is not a Name (every RDN must hold at least one AVA).
 * @example
 * ```ts
 * parseName(encodeName('CN=Alice, O=Example')).length; // 2
 * ```
 * @internal
 */
export function parseName(der: Uint8Array): Rdns {
  const seq = expect(readOne(der, 'Name'), T.sequence, 'Name');
  return children(seq).map((rdn) => {
    const avas = children(expect(rdn, T.set, 'RelativeDistinguishedName'));
    if (avas.length === 0) throw new DerError('an empty RelativeDistinguishedName');
    return avas.map((a) => {
      const [type, value, ...rest] = children(expect(a, T.sequence, 'AttributeTypeAndValue'));
      if (value === undefined || rest.length > 0) throw new DerError('malformed AttributeTypeAndValue');
      const oid = readOid(type, 'attribute type');
      const v = content(value);
      return { oid, tag: value.tag, value: v, key: avaKey(oid, value.tag, v) };
    });
  });
}

const parsedNames = new WeakMap<Uint8Array, Rdns>();

/**
 * {@link parseName}, memoized per byte array (certificate fields are stable views).
 * @example
 * ```ts
 * const subject = rdnsOf(cert.subjectDer); // parsed once per byte array
 * ```
 * @internal
 */
export function rdnsOf(der: Uint8Array): Rdns {
  let r = parsedNames.get(der);
  if (r === undefined) {
    r = parseName(der);
    parsedNames.set(der, r);
  }
  return r;
}

function rdnEqual(a: readonly Ava[], b: readonly Ava[]): boolean {
  if (a.length !== b.length) return false;
  if (a.length === 1) return a[0].key === b[0].key;
  const ka = a.map((x) => x.key).sort();
  const kb = b.map((x) => x.key).sort();
  return ka.every((k, i) => k === kb[i]);
}

/**
 * Whether two Names match by RFC 5280 §7.1 (byte-equal, or equal after normalising string values).
 *
 * @example
 * ```ts
 * namesMatch(encodeName('CN=Alice'), encodeName('cn=ALICE')); // true (values compared case-folded)
 * ```
 * @internal
 */
export function namesMatch(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.length).equals(b)) return true;
  let ra: Rdns;
  let rb: Rdns;
  try {
    ra = rdnsOf(a);
    rb = rdnsOf(b);
  } catch {
    return false;
  }
  return ra.length === rb.length && ra.every((rdn, i) => rdnEqual(rdn, rb[i]));
}

/**
 * Whether `constraint` (the RDNs of a directoryName subtree) is a prefix of `name` (RFC 5280 §4.2.1.10).
 *
 * @example
 * ```ts
 * isNamePrefix(parseName(encodeName('O=semper')), parseName(encodeName('O=semper, CN=Alice'))); // true
 * ```
 * @internal
 */
export function isNamePrefix(constraint: Rdns, name: Rdns): boolean {
  if (constraint.length > name.length) return false;
  return constraint.every((rdn, i) => rdnEqual(rdn, name[i]));
}

/**
 * The values of the emailAddress attributes of a Name (as text; undecodable ones as `undefined`).
 * @example
 * ```ts
 * emailAttributes(parseName(encodeName('CN=A, E=a@example.com'))); // ['a@example.com']
 * ```
 * @internal
 */
export function emailAttributes(rdns: Rdns): (string | undefined)[] {
  const out: (string | undefined)[] = [];
  for (const rdn of rdns) {
    for (const a of rdn) if (a.oid === EMAIL_ADDRESS_OID) out.push(decodeString(a.tag, a.value));
  }
  return out;
}

const SHORT_NAMES: Readonly<Record<string, string>> = {
  '2.5.4.3': 'CN',
  '2.5.4.4': 'SN',
  '2.5.4.5': 'serialNumber',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.9': 'street',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.12': 'title',
  '2.5.4.42': 'givenName',
  '2.5.4.46': 'dnQualifier',
  '0.9.2342.19200300.100.1.25': 'DC',
  '0.9.2342.19200300.100.1.1': 'UID',
  [EMAIL_ADDRESS_OID]: 'E',
};

function escapeValue(s: string): string {
  let out = s.replace(/[\\,+"<>;=]/g, (c) => `\\${c}`);
  if (out.startsWith(' ') || out.startsWith('#')) out = `\\${out}`;
  if (out.endsWith(' ') && out.length > 1) out = `${out.slice(0, -1)}\\ `;
  return out;
}

/**
 * The Name as text, RDNs in DER order as `Certificate.subject` prints them (`CN=Alice, O=Example`); values
 * that are not strings as `#` and the hex of their DER.
 *
 * @example
 * ```ts
 * formatName(encodeName('CN=Alice, O=Example')); // 'CN=Alice, O=Example'
 * ```
 * @internal
 */
export function formatName(der: Uint8Array): string {
  let rdns: Rdns;
  try {
    rdns = rdnsOf(der);
  } catch {
    return `#${toHex(der)}`;
  }
  return rdns
    .map((rdn) =>
      rdn
        .map((a) => {
          const type = SHORT_NAMES[a.oid] ?? a.oid;
          const s = STRING_TAGS.has(a.tag) ? decodeString(a.tag, a.value) : undefined;
          if (s === undefined) return `${type}=#${toHex(tlv(a.tag, a.value))}`;
          return `${type}=${escapeValue(s)}`;
        })
        .join('+'),
    )
    .join(', ');
}

// ---------------------------------------------------------------------------------------------------------
// GeneralName
// ---------------------------------------------------------------------------------------------------------

/**
 * A GeneralName (RFC 5280 §4.2.1.6), read strictly. IA5String forms must be ASCII; `der` is the whole
 * encoding (for exact comparisons of distribution point names and unsupported forms).
 *
 * @example
 * ```ts
 * const g: GeneralName = readGeneralName(readTlv(Uint8Array.of(0x82, 1, 0x61))); // dNSName 'a'
 * ```
 * @internal
 */
export type GeneralName =
  | { readonly type: 'otherName'; readonly typeId: string; readonly der: Uint8Array }
  | { readonly type: 'rfc822Name'; readonly value: string; readonly der: Uint8Array }
  | { readonly type: 'dNSName'; readonly value: string; readonly der: Uint8Array }
  | { readonly type: 'x400Address'; readonly der: Uint8Array }
  | {
      readonly type: 'directoryName';
      readonly name: Uint8Array;
      readonly rdns: Rdns;
      readonly der: Uint8Array;
    }
  | { readonly type: 'ediPartyName'; readonly der: Uint8Array }
  | { readonly type: 'uniformResourceIdentifier'; readonly value: string; readonly der: Uint8Array }
  | { readonly type: 'iPAddress'; readonly bytes: Uint8Array; readonly der: Uint8Array }
  | { readonly type: 'registeredID'; readonly oid: string; readonly der: Uint8Array };

/**
 * The GeneralName form names, by context tag number.
 * @example
 * ```ts
 * GENERAL_NAME_TYPES[2]; // 'dNSName' (context tag [2])
 * ```
 * @internal
 */
export const GENERAL_NAME_TYPES = [
  'otherName',
  'rfc822Name',
  'dNSName',
  'x400Address',
  'directoryName',
  'ediPartyName',
  'uniformResourceIdentifier',
  'iPAddress',
  'registeredID',
] as const;

/**
 * One of {@link GENERAL_NAME_TYPES}.
 * @example
 * ```ts
 * const t: GeneralNameType = 'iPAddress';
 * ```
 * @internal
 */
export type GeneralNameType = (typeof GENERAL_NAME_TYPES)[number];

function ia5(el: Tlv, what: string): string {
  const c = content(el);
  for (const b of c) if (b > 0x7f) throw new DerError(`${what} is not an IA5String`);
  return String.fromCharCode(...c);
}

/**
 * Reads one GeneralName element.
 *
 * @throws {@link DerError} when it is not one.
 * @example
 * ```ts
 * readGeneralName(readTlv(Uint8Array.of(0x87, 4, 10, 0, 0, 1))); // { type: 'iPAddress', bytes: 10.0.0.1 }
 * ```
 * @internal
 */
export function readGeneralName(el: Tlv): GeneralName {
  const der = el.buf.subarray(el.start, el.end);
  switch (el.tag) {
    case 0xa0: {
      const [typeId, value, ...rest] = children(el);
      if (value === undefined || value.tag !== 0xa0 || rest.length > 0 || children(value).length !== 1) {
        throw new DerError('malformed otherName');
      }
      return { type: 'otherName', typeId: readOid(typeId, 'otherName type-id'), der };
    }
    case 0x81:
      return { type: 'rfc822Name', value: ia5(el, 'rfc822Name'), der };
    case 0x82:
      return { type: 'dNSName', value: ia5(el, 'dNSName'), der };
    case 0xa3:
      return { type: 'x400Address', der };
    case 0xa4: {
      const inner = children(el);
      if (inner.length !== 1) throw new DerError('malformed directoryName');
      const name = inner[0].buf.subarray(inner[0].start, inner[0].end);
      return { type: 'directoryName', name, rdns: parseName(name), der };
    }
    case 0xa5:
      return { type: 'ediPartyName', der };
    case 0x86:
      return { type: 'uniformResourceIdentifier', value: ia5(el, 'uniformResourceIdentifier'), der };
    case 0x87:
      return { type: 'iPAddress', bytes: content(el), der };
    case 0x88:
      return { type: 'registeredID', oid: oidFromContent(content(el), 'registeredID'), der };
    default:
      throw new DerError(`not a GeneralName (tag 0x${el.tag.toString(16)})`);
  }
}

/**
 * Reads a GeneralNames SEQUENCE (at least one name).
 *
 * @example
 * ```ts
 * const names = readGeneralNames(readOne(sanExtension.value, 'subjectAltName'), 'subjectAltName');
 * ```
 * @internal
 */
export function readGeneralNames(el: Tlv, what: string, tag: number = T.sequence): GeneralName[] {
  const names = children(expect(el, tag, what)).map(readGeneralName);
  if (names.length === 0) throw new DerError(`${what} is empty`);
  return names;
}

// ---------------------------------------------------------------------------------------------------------
// Syntax of the name forms that name constraints compare
// ---------------------------------------------------------------------------------------------------------

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i;

/**
 * Whether `name` is a DNS name in the preferred name syntax (RFC 1034 §3.5, RFC 1123 §2.1): LDH labels of
 * 1–63 characters, at most 253 in all, no trailing dot, a top-level label that is not all digits (so that
 * an IP address is not a DNS name). With `wildcard`, the leftmost label may be `*` (RFC 6125).
 *
 * @example
 * ```ts
 * isDnsName('www.example.com'); // true
 * isDnsName('*.example.com', true); // true
 * isDnsName('a_b.example'); // false
 * ```
 * @internal
 */
export function isDnsName(name: string, wildcard = false): boolean {
  if (name.length === 0 || name.length > 253) return false;
  const labels = name.split('.');
  if (wildcard && labels[0] === '*' && labels.length > 1) labels.shift();
  if (!labels.every((l) => LABEL.test(l))) return false;
  return !/^[0-9]+$/.test(labels[labels.length - 1]);
}

/**
 * Splits an RFC 822 mailbox `local@domain` (the local part a dot-atom or a quoted string), or `undefined`
 * when it is not one.
 *
 * @example
 * ```ts
 * splitMailbox('alice@example.com'); // { local: 'alice', domain: 'example.com' }
 * ```
 * @internal
 */
export function splitMailbox(address: string): { local: string; domain: string } | undefined {
  const at = address.lastIndexOf('@');
  if (at <= 0) return undefined;
  const local = address.slice(0, at);
  const domain = address.slice(at + 1);
  const atom = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
  const quoted = /^"(?:[\x20\x21\x23-\x5b\x5d-\x7e]|\\[\x20-\x7e])*"$/;
  if (!atom.test(local) && !quoted.test(local)) return undefined;
  if (!isDnsName(domain)) return undefined;
  return { local, domain };
}

/**
 * The host of an absolute URI with an authority (`scheme://[userinfo@]host[:port]...`), lower-cased; `null`
 * for a well-formed URI without one (`urn:…`, `mailto:…`); `undefined` when it is not an absolute URI.
 *
 * @example
 * ```ts
 * uriHost('https://Api.Example.com:8443/x'); // 'api.example.com'
 * uriHost('urn:isbn:1'); // null
 * ```
 * @internal
 */
export function uriHost(uri: string): string | null | undefined {
  const m = /^[A-Za-z][A-Za-z0-9+.-]*:(.*)$/s.exec(uri);
  if (m === null || /[\s\x00-\x1f\x7f]/.test(uri)) return undefined;
  if (!m[1].startsWith('//')) return null;
  let authority = m[1].slice(2);
  const end = authority.search(/[/?#]/);
  if (end >= 0) authority = authority.slice(0, end);
  const at = authority.lastIndexOf('@');
  if (at >= 0) authority = authority.slice(at + 1);
  if (authority.startsWith('[')) {
    const close = authority.indexOf(']');
    return close < 0 ? undefined : authority.slice(0, close + 1).toLowerCase();
  }
  const colon = authority.indexOf(':');
  const host = (colon >= 0 ? authority.slice(0, colon) : authority).toLowerCase();
  return host === '' ? undefined : host;
}
