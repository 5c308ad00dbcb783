// A searcher for card data in dumps: the PAN as digits, with spaces or dashes, packed BCD, and its hex and
// base64 encodings (at each of the three base64 alignments); the expiry and the CVV in their usual forms,
// as digit runs not embedded in longer alphanumeric runs (a 3- or 4-digit CVV occurs by chance inside hex
// and base64 text, where it is not a CVV).
import type { Store } from '@semper/store';

export interface SearchedCard {
  readonly pan: string;
  readonly expiry: string;
  readonly cvv: string;
}

export interface Finding {
  readonly where: string;
  readonly what: string;
  readonly context: string;
}

const latin1 = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');

/** The base64 characters that encode `needle` whatever the alignment of its first byte: three forms. */
export function base64Needles(needle: string): string[] {
  const bytes = Buffer.from(needle, 'latin1');
  const out: string[] = [];
  for (let k = 0; k < 3; k++) {
    const padded = Buffer.concat([Buffer.alloc(k), bytes]);
    const b64 = padded.toString('base64');
    const firstGroup = Math.ceil(k / 3);
    const lastGroup = Math.floor((k + bytes.length) / 3) - 1; // last group made of needle bytes only
    if (lastGroup >= firstGroup) out.push(b64.slice(firstGroup * 4, (lastGroup + 1) * 4));
  }
  return out;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** Every needle for one card, with a name for the report. */
export function cardNeedles(card: SearchedCard): { what: string; re: RegExp }[] {
  const { pan, expiry, cvv } = card;
  const groups = pan.match(/.{1,4}/g) ?? [pan];
  const [yyyy, mm] = expiry.split('-') as [string, string];
  const yy = yyyy.slice(2);
  const plain = (what: string, s: string) => ({ what, re: new RegExp(escapeRe(s)) });
  // A short digit string counts where it stands alone: not inside a longer run of letters and digits.
  const alone = (what: string, s: string) => ({
    what,
    re: new RegExp(`(?<![0-9A-Za-z])${escapeRe(s)}(?![0-9A-Za-z])`),
  });
  const needles = [
    plain('PAN digits', pan),
    plain('PAN with spaces', groups.join(' ')),
    plain('PAN with dashes', groups.join('-')),
    // Any grouping: the digits with up to two spaces, dashes, dots or slashes between any two of them.
    { what: 'PAN with separators', re: new RegExp(pan.split('').join('[ \\-./]{0,2}')) },
    plain('PAN hex', Buffer.from(pan, 'latin1').toString('hex')),
    { what: 'PAN HEX', re: new RegExp(Buffer.from(pan, 'latin1').toString('hex'), 'i') },
    plain('PAN packed BCD', latin1(Buffer.from(pan.length % 2 ? `${pan}f` : pan, 'hex'))),
    ...base64Needles(pan).map((n, i) => plain(`PAN base64 (alignment ${i})`, n)),
    ...base64Needles(groups.join(' ')).map((n, i) => plain(`PAN with spaces base64 (alignment ${i})`, n)),
    alone('expiry YYYY-MM', expiry),
    alone('expiry MM/YY', `${mm}/${yy}`),
    alone('expiry MMYY', `${mm}${yy}`),
    alone('expiry YYMM', `${yy}${mm}`),
    plain('expiry hex', Buffer.from(expiry, 'latin1').toString('hex')),
    ...base64Needles(expiry).map((n, i) => plain(`expiry base64 (alignment ${i})`, n)),
    alone('CVV digits', cvv),
    { what: 'CVV labelled', re: new RegExp(`(cvv|cvc|cid|csc)["':= ]{0,4}${cvv}`, 'i') },
    ...base64Needles(`"cvv":"${cvv}"`).map((n, i) => plain(`CVV field base64 (alignment ${i})`, n)),
  ];
  return needles;
}

export function search(
  haystacks: readonly { where: string; text: string }[],
  cards: readonly SearchedCard[],
): Finding[] {
  const findings: Finding[] = [];
  for (const card of cards) {
    const needles = cardNeedles(card);
    for (const h of haystacks) {
      for (const n of needles) {
        const m = n.re.exec(h.text);
        if (m) {
          const at = m.index;
          findings.push({
            where: h.where,
            what: n.what,
            context: JSON.stringify(h.text.slice(Math.max(0, at - 40), at + 60)),
          });
        }
      }
    }
  }
  return findings;
}

function valueText(v: unknown): string {
  if (v instanceof Uint8Array) return latin1(v);
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'object' && v !== null)
    return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x));
  return String(v);
}

/** Every value of every row of every table of `store`, one haystack per table column (bytea as bytes). */
export async function dumpStore(store: Store, name: string): Promise<{ where: string; text: string }[]> {
  const tables = await store.query<{ table_schema: string; table_name: string }>(
    `SELECT table_schema, table_name FROM information_schema.tables
     WHERE table_schema NOT IN ('pg_catalog', 'information_schema') AND table_type = 'BASE TABLE'
     ORDER BY table_schema, table_name`,
  );
  const out: { where: string; text: string }[] = [];
  for (const t of tables) {
    const rows = await store.query<Record<string, unknown>>(`SELECT * FROM "${t.table_schema}"."${t.table_name}"`);
    const columns = new Map<string, string[]>();
    for (const row of rows) {
      for (const [k, v] of Object.entries(row)) {
        const list = columns.get(k) ?? [];
        list.push(valueText(v));
        columns.set(k, list);
      }
    }
    for (const [k, values] of columns) out.push({ where: `${name}:${t.table_name}.${k}`, text: values.join('\n') });
    out.push({ where: `${name}:${t.table_name} (${rows.length} rows)`, text: '' });
  }
  return out;
}
