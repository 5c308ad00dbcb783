/**
 * Distinguished names from text: `CN=Alice, O=Example\, Inc., C=DE`, with the escapes of RFC 4514 (`\,`,
 * `\+`, `\"`, `\\`, `\<`, `\>`, `\;`, `\=`, `\ `, `\#` and `\XX` hex pairs) and `+` for multi-valued RDNs.
 *
 * The RDNs are written in the order given, as OpenSSL's `-subj` does and as
 * {@link Certificate.subject} prints them (RFC 4514 itself lists them in reverse).
 *
 * @packageDocumentation
 */
import {
  type BerElement,
  berChildren,
  berContent,
  berExpect,
  berOid,
  berRead,
  derEncode,
  derOid,
  derPrimitive,
  derTlv,
  TAG,
} from './cms-structures.js';
import { CryptoError, MalformedInputError } from './errors.js';

const UTF8_STRING = 0x0c;
const PRINTABLE_STRING = 0x13;
const IA5_STRING = 0x16;

/** Attribute types by their short names (case-insensitive), with the string type each is written in. */
const TYPES: Readonly<Record<string, { oid: string; tag: number; max?: number }>> = {
  cn: { oid: '2.5.4.3', tag: UTF8_STRING, max: 64 },
  commonname: { oid: '2.5.4.3', tag: UTF8_STRING, max: 64 },
  sn: { oid: '2.5.4.4', tag: UTF8_STRING },
  surname: { oid: '2.5.4.4', tag: UTF8_STRING },
  serialnumber: { oid: '2.5.4.5', tag: PRINTABLE_STRING, max: 64 },
  c: { oid: '2.5.4.6', tag: PRINTABLE_STRING, max: 2 },
  l: { oid: '2.5.4.7', tag: UTF8_STRING, max: 128 },
  st: { oid: '2.5.4.8', tag: UTF8_STRING, max: 128 },
  street: { oid: '2.5.4.9', tag: UTF8_STRING, max: 128 },
  o: { oid: '2.5.4.10', tag: UTF8_STRING, max: 64 },
  ou: { oid: '2.5.4.11', tag: UTF8_STRING, max: 64 },
  title: { oid: '2.5.4.12', tag: UTF8_STRING, max: 64 },
  gn: { oid: '2.5.4.42', tag: UTF8_STRING },
  givenname: { oid: '2.5.4.42', tag: UTF8_STRING },
  initials: { oid: '2.5.4.43', tag: UTF8_STRING },
  dnqualifier: { oid: '2.5.4.46', tag: PRINTABLE_STRING },
  pseudonym: { oid: '2.5.4.65', tag: UTF8_STRING },
  e: { oid: '1.2.840.113549.1.9.1', tag: IA5_STRING, max: 255 },
  emailaddress: { oid: '1.2.840.113549.1.9.1', tag: IA5_STRING, max: 255 },
  dc: { oid: '0.9.2342.19200300.100.1.25', tag: IA5_STRING },
  uid: { oid: '0.9.2342.19200300.100.1.1', tag: UTF8_STRING },
};

function bad(text: string, why: string): CryptoError {
  return new CryptoError('ERR_CRYPTO_INVALID_ARGUMENT', `not a distinguished name (${why}): ${JSON.stringify(text)}`);
}

interface Ava {
  readonly oid: string;
  readonly tag: number;
  readonly value: string;
}

/**
 * Parses a distinguished name into its RDNs of attribute/value pairs.
 *
 * @throws {@link CryptoError} `ERR_CRYPTO_INVALID_ARGUMENT` naming what is wrong.
 */
function parseRdns(text: string): Ava[][] {
  if (typeof text !== 'string' || text.trim() === '') throw bad(String(text), 'empty');
  if (text.length > 4096) throw bad(text.slice(0, 40), 'too long');
  const rdns: Ava[][] = [];
  let rdn: Ava[] = [];
  let i = 0;
  const n = text.length;
  for (;;) {
    while (i < n && text[i] === ' ') i++;
    // attribute type
    const start = i;
    while (i < n && text[i] !== '=' && text[i] !== ',' && text[i] !== '+') i++;
    const typeText = text.slice(start, i).trim();
    if (i >= n || text[i] !== '=')
      throw bad(text, typeText ? `no '=' after ${typeText}` : 'an attribute type is missing');
    i++;
    let type: { oid: string; tag: number; max?: number } | undefined;
    if (/^(0|[12])(\.(0|[1-9][0-9]*))+$/.test(typeText)) {
      try {
        derOid(typeText); // arcs in range, not too long
      } catch {
        throw bad(text, `${JSON.stringify(typeText)} is not a valid OID`);
      }
      type = { oid: typeText, tag: UTF8_STRING };
    } else type = TYPES[typeText.toLowerCase()];
    if (type === undefined) throw bad(text, `unknown attribute type ${JSON.stringify(typeText)}`);
    // value
    while (i < n && text[i] === ' ') i++;
    let value = '';
    let pendingSpaces = '';
    const bytes: number[] = [];
    const flushBytes = (): void => {
      if (bytes.length === 0) return;
      try {
        value += new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(bytes));
      } catch {
        throw bad(text, 'escaped bytes are not UTF-8');
      }
      bytes.length = 0;
    };
    while (i < n && text[i] !== ',' && text[i] !== '+') {
      const ch = text[i];
      if (ch === '\\') {
        const next = text[i + 1];
        if (next !== undefined && /[0-9a-fA-F]/.test(next) && /[0-9a-fA-F]/.test(text[i + 2] ?? '')) {
          value += pendingSpaces;
          pendingSpaces = '';
          bytes.push(Number.parseInt(text.slice(i + 1, i + 3), 16));
          i += 3;
          continue;
        }
        if (next === undefined || !' "#+,;<=>\\'.includes(next)) throw bad(text, 'a bad escape');
        flushBytes();
        value += pendingSpaces + next;
        pendingSpaces = '';
        i += 2;
        continue;
      }
      flushBytes();
      if (ch === ' ') {
        pendingSpaces += ch; // trailing spaces are dropped, inner ones kept
      } else {
        if (ch === '"' || ch === ';' || ch === '<' || ch === '>' || ch === '=') throw bad(text, `an unescaped ${ch}`);
        value += pendingSpaces + ch;
        pendingSpaces = '';
      }
      i++;
    }
    flushBytes();
    if (value === '') throw bad(text, `the value of ${typeText} is empty`);
    if (type.max !== undefined && [...value].length > type.max) {
      throw bad(text, `the value of ${typeText} is longer than ${type.max} characters`);
    }
    if (type.tag === PRINTABLE_STRING && !/^[A-Za-z0-9 '()+,\-./:=?]+$/.test(value)) {
      throw bad(text, `the value of ${typeText} must be a PrintableString`);
    }
    if (type.tag === IA5_STRING && !/^[\x20-\x7e]+$/.test(value)) {
      throw bad(text, `the value of ${typeText} must be ASCII`);
    }
    if (type.oid === '2.5.4.6' && !/^[A-Z]{2}$/.test(value)) throw bad(text, 'C must be two capital letters');
    rdn.push({ oid: type.oid, tag: type.tag, value });
    if (i >= n) {
      rdns.push(rdn);
      break;
    }
    if (text[i] === ',') {
      rdns.push(rdn);
      rdn = [];
    }
    i++;
    if (i >= n) throw bad(text, 'it ends with a separator');
  }
  return rdns;
}

function compare(a: Uint8Array, b: Uint8Array): number {
  const m = Math.min(a.length, b.length);
  for (let i = 0; i < m; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

/**
 * The DER `Name` (RDNSequence) of a distinguished name in text. Country (C) and dnQualifier/serialNumber are
 * PrintableString, e-mail (E, emailAddress) and DC IA5String, the others UTF8String (as OpenSSL writes).
 *
 * @throws {@link CryptoError} `ERR_CRYPTO_INVALID_ARGUMENT` when the text is not a distinguished name (no
 * `type=value`, an unknown type, an empty value, a bad escape, a country that is not two capital letters).
 *
 * @example
 * ```ts
 * import { encodeName } from '@semper/crypto';
 * const der = encodeName('CN=Agency 42, O=Semper Hub, C=DE');
 * ```
 */
export function encodeName(text: string): Uint8Array {
  const rdns = parseRdns(text);
  const enc = new TextEncoder();
  return derEncode(
    derTlv(
      TAG.sequence,
      ...rdns.map((rdn) => {
        const avas = rdn
          .map((a) => derEncode(derTlv(TAG.sequence, derOid(a.oid), derPrimitive(a.tag, enc.encode(a.value)))))
          .sort(compare); // a SET OF in DER order
        return derTlv(TAG.set, ...avas);
      }),
    ),
  );
}

/** Short names printed by {@link formatName} (those of @peculiar/x509, which semper used before). */
const SHORT_NAMES: Readonly<Record<string, string>> = {
  '2.5.4.3': 'CN',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.6': 'C',
  '0.9.2342.19200300.100.1.25': 'DC',
  '1.2.840.113549.1.9.1': 'E',
  '2.5.4.42': 'G',
  '2.5.4.43': 'I',
  '2.5.4.4': 'SN',
  '2.5.4.12': 'T',
};

const TELETEX_STRING = 0x14;
const UNIVERSAL_STRING = 0x1c;
const BMP_STRING = 0x1e;

function stringValue(el: BerElement): string | undefined {
  const c = berContent(el);
  const view = Buffer.from(c.buffer, c.byteOffset, c.length);
  switch (el.tag) {
    case UTF8_STRING:
      return new TextDecoder('utf-8', { fatal: false }).decode(c);
    case PRINTABLE_STRING:
    case IA5_STRING:
    case TELETEX_STRING:
      return view.toString('latin1');
    case BMP_STRING:
      if (c.length % 2) return undefined;
      return Buffer.from(c).swap16().toString('utf16le');
    case UNIVERSAL_STRING: {
      if (c.length % 4) return undefined;
      let out = '';
      for (let i = 0; i < c.length; i += 4) {
        const cp = view.readUInt32BE(i);
        if (cp > 0x10ffff) return undefined;
        out += String.fromCodePoint(cp);
      }
      return out;
    }
    default:
      return undefined;
  }
}

function escapeValue(v: string): string {
  return v
    .replace(/([,+"\\<>;])/g, '\\$1')
    .replace(/^([ #])/, '\\$1')
    .replace(/ $/, '\\ ')
    .replace(/[\r\n\t]/g, (ch) => `\\${ch.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

/**
 * The text form of a DER `Name` (RDNSequence), in certificate order: `CN=Alice, O=Example`, multi-valued RDNs
 * joined with `+`, RFC 4514 escapes, short names for the common attribute types (CN, L, ST, O, OU, C, DC, E,
 * G, I, SN, T), dotted OIDs for others, and `#` followed by the hex of the DER for values that are not
 * strings. Linear in the size of the name.
 *
 * @throws {@link MalformedInputError} when the bytes are not a Name.
 *
 * @example
 * ```ts
 * import { encodeName, formatName } from '@semper/crypto';
 * formatName(encodeName('CN=Alice, O=Example\\, Inc.')); // 'CN=Alice, O=Example\\, Inc.'
 * ```
 */
export function formatName(der: Uint8Array): string {
  try {
    const seq = berExpect(berRead(der), TAG.sequence, 'Name');
    if (seq.end !== der.length) throw new Error('trailing data');
    return berChildren(seq)
      .map((rdn) =>
        berChildren(berExpect(rdn, TAG.set, 'RelativeDistinguishedName'))
          .map((ava) => {
            const [typeEl, valueEl, ...rest] = berChildren(berExpect(ava, TAG.sequence, 'AttributeTypeAndValue'));
            if (valueEl === undefined || rest.length > 0) throw new Error('AttributeTypeAndValue');
            const oid = berOid(typeEl, 'attribute type');
            const text = stringValue(valueEl);
            const shown =
              text === undefined
                ? `#${Buffer.from(der.buffer, der.byteOffset + valueEl.start, valueEl.end - valueEl.start).toString('hex')}`
                : escapeValue(text);
            return `${SHORT_NAMES[oid] ?? oid}=${shown}`;
          })
          .join('+'),
      )
      .join(', ');
  } catch (err) {
    if (err instanceof MalformedInputError) throw err;
    throw new MalformedInputError('ERR_CRYPTO_MALFORMED', 'malformed Name', { cause: err });
  }
}

/**
 * The first common name (CN, 2.5.4.3) of a DER `Name`, in certificate order, as its plain string value (no
 * RFC 4514 escapes), or `undefined` when the Name has none or its value is not a string. This is how a
 * certificate names a party: `commonNameOf(cert.subjectDer)`.
 *
 * @throws {@link MalformedInputError} when the bytes are not a Name.
 *
 * @example
 * ```ts
 * import { commonNameOf, encodeName } from '@semper/crypto';
 * commonNameOf(encodeName('CN=shop\\, Inc., O=Example')); // 'shop, Inc.'
 * ```
 */
export function commonNameOf(der: Uint8Array): string | undefined {
  try {
    const seq = berExpect(berRead(der), TAG.sequence, 'Name');
    if (seq.end !== der.length) throw new Error('trailing data');
    for (const rdn of berChildren(seq)) {
      for (const ava of berChildren(berExpect(rdn, TAG.set, 'RelativeDistinguishedName'))) {
        const [typeEl, valueEl, ...rest] = berChildren(berExpect(ava, TAG.sequence, 'AttributeTypeAndValue'));
        if (valueEl === undefined || rest.length > 0) throw new Error('AttributeTypeAndValue');
        if (berOid(typeEl, 'attribute type') === '2.5.4.3') return stringValue(valueEl);
      }
    }
    return undefined;
  } catch (err) {
    if (err instanceof MalformedInputError) throw err;
    throw new MalformedInputError('ERR_CRYPTO_MALFORMED', 'malformed Name', { cause: err });
  }
}
