/**
 * ASN.1 `Time` (RFC 5280 §4.1.2.5, RFC 5652 §11.3): UTCTime for the years 1950–2049, GeneralizedTime
 * otherwise, both in their DER form (UTC, `Z`, seconds, no fractions when written).
 *
 * @packageDocumentation
 */
import { type BerElement, berContent, derPrimitive, type DerNode } from './cms-structures.js';
import { MalformedInputError } from './errors.js';

const UTC_TIME = 0x17;
const GENERALIZED_TIME = 0x18;

function two(n: number): string {
  return n.toString().padStart(2, '0');
}

/**
 * The DER `Time` of `date` (whole seconds): UTCTime `YYMMDDHHMMSSZ` before 2050, GeneralizedTime
 * `YYYYMMDDHHMMSSZ` from 2050 on and before 1950.
 *
 * @internal
 */
export function derTime(date: Date): DerNode {
  const t = date.getTime();
  if (!Number.isFinite(t)) throw new RangeError('invalid date');
  const y = date.getUTCFullYear();
  const rest = `${two(date.getUTCMonth() + 1)}${two(date.getUTCDate())}${two(date.getUTCHours())}${two(date.getUTCMinutes())}${two(date.getUTCSeconds())}Z`;
  if (y >= 1950 && y < 2050) return derPrimitive(UTC_TIME, new TextEncoder().encode(`${two(y % 100)}${rest}`));
  if (y < 0 || y > 9999) throw new RangeError('year out of range for an ASN.1 Time');
  return derPrimitive(GENERALIZED_TIME, new TextEncoder().encode(`${y.toString().padStart(4, '0')}${rest}`));
}

/**
 * Reads a UTCTime or GeneralizedTime element. Accepts the forms RFC 5280 requires (UTC with `Z`, seconds
 * present) and GeneralizedTime fractions, which some signers put in signing-time.
 *
 * @throws {@link MalformedInputError} for anything else.
 * @internal
 */
export function parseTime(el: BerElement | undefined, what: string): Date {
  const bad = (): never => {
    throw new MalformedInputError('ERR_CRYPTO_MALFORMED', `malformed ${what}`);
  };
  if (el === undefined || (el.tag !== UTC_TIME && el.tag !== GENERALIZED_TIME)) return bad();
  const c = berContent(el);
  if (c.length > 32) return bad(); // the longest form, with fractions, is 24 characters
  const s = Buffer.from(c.buffer, c.byteOffset, c.length).toString('latin1');
  let m: RegExpExecArray | null;
  let year: number;
  let fraction = 0;
  if (el.tag === UTC_TIME) {
    m = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(s);
    if (m === null) return bad();
    const yy = Number(m[1]);
    year = yy >= 50 ? 1900 + yy : 2000 + yy;
  } else {
    m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:\.(\d{1,9}))?Z$/.exec(s);
    if (m === null) return bad();
    year = Number(m[1]);
    if (m[7] !== undefined) fraction = Math.floor(Number(`0.${m[7]}`) * 1000);
  }
  const [month, day, hour, minute, second] = [m[2], m[3], m[4], m[5], m[6]].map(Number);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) return bad();
  // setUTCFullYear, not Date.UTC: Date.UTC maps the years 0–99 to 1900–1999 (and so year 0's 29 February).
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, fraction);
  if (date.getUTCDate() !== day) return bad(); // 31 February and the like
  return date;
}
