/**
 * The building blocks of statement bodies, as zod schemas: text that displays as it is signed, amounts
 * (core's `MoneyJSON`), semper ids, timestamps, digests, references to other statements, parties,
 * addresses, line items and totals. The built-in kinds are made of them, and so should kinds of your
 * own (they are exported from `@semper/statements/spi`).
 *
 * Every schema here describes **JSON data** and its output is what gets signed: parsing the output again
 * gives it back unchanged. Two conveniences exist only on the way in: a `Money` is accepted where an
 * amount is expected (and becomes its JSON form) and a `Date` where a timestamp is (and becomes its ISO
 * 8601 text).
 *
 * @packageDocumentation
 */
import { type CurrencyCode, type Id, isCurrencyCode, isId, Money, type MoneyJSON } from '@semper/core';
import { z } from 'zod';

const LONE_SURROGATE = /\p{Cs}/u;
/**
 * Characters a reader cannot see or that change how the rest is shown: C0 controls other than tab and
 * line feed, DEL, C1 controls, the bidirectional formatting characters (Trojan Source, CVE-2021-42574),
 * the byte order mark and the line and paragraph separators.
 */
const INVISIBLE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ufeff]/;

/**
 * Options of {@link textSchema}.
 *
 * @example
 * ```ts
 * import type { TextOptions } from '@semper/statements/spi';
 * const options: TextOptions = { max: 2000, multiline: true };
 * ```
 */
export interface TextOptions {
  /** Longest text, in UTF-16 code units. */
  readonly max: number;
  /** Shortest text; default 1. */
  readonly min?: number;
  /** Allow line feeds and tabs (and leading or trailing spaces); default false. */
  readonly multiline?: boolean;
}

/**
 * Text a person reads before signing, or reads in a signed statement: well-formed Unicode in NFC, no
 * control or bidirectional formatting characters (so that what is shown is what was signed), no
 * leading or trailing white space on a single line, between `min` (default 1) and `max` code units.
 *
 * @example
 * ```ts
 * import { textSchema } from '@semper/statements/spi';
 * const name = textSchema({ max: 200 });
 * name.parse('Café Müller'); // 'Café Müller'
 * name.safeParse('evil\u202Etxt.exe').success; // false: a right-to-left override
 * ```
 */
export function textSchema(options: TextOptions): z.ZodString {
  const multiline = options.multiline === true;
  let schema = z
    .string()
    .min(options.min ?? 1)
    .max(options.max)
    .refine((s) => !LONE_SURROGATE.test(s), { message: 'must be well-formed Unicode (no lone surrogate)' })
    .refine((s) => !INVISIBLE.test(s), { message: 'must not contain control or bidirectional formatting characters' })
    .refine((s) => LONE_SURROGATE.test(s) || s.normalize('NFC') === s, {
      message: 'must be in Unicode normalization form C (NFC)',
    });
  if (!multiline) {
    schema = schema
      .refine((s) => !/[\t\n]/.test(s), { message: 'must be a single line' })
      .refine((s) => s.trim() === s, { message: 'must not start or end with white space' });
  }
  return schema;
}

/**
 * An amount as core's `MoneyJSON`: `{ amount: '<minor units>', currency: '<ISO 4217 code>' }`, read as
 * strictly as `Money.fromJSON` reads it (a canonical integer string of at most 40 digits, an active
 * currency). A `Money` is accepted as input and becomes its JSON form.
 *
 * @example
 * ```ts
 * import { Money } from '@semper/core';
 * import { moneySchema } from '@semper/statements/spi';
 * moneySchema.parse(Money.parse('12.34', 'EUR')); // { amount: '1234', currency: 'EUR' }
 * moneySchema.safeParse({ amount: '12.34', currency: 'EUR' }).success; // false: minor units are integers
 * ```
 */
export const moneySchema: z.ZodType<MoneyJSON, MoneyJSON | Money> = z.preprocess(
  (value) => (Money.isMoney(value) ? value.toJSON() : value),
  z.strictObject({
    amount: z
      .string()
      .max(41)
      .regex(/^-?(?:0|[1-9][0-9]{0,39})$/, { message: 'must be an integer count of minor units, as a string' })
      .refine((a) => a !== '-0', { message: 'must not be -0' }),
    currency: z
      .string()
      .refine((c) => isCurrencyCode(c), { message: 'must be an active ISO 4217 currency code' })
      .transform((c) => c as CurrencyCode),
  }),
) as unknown as z.ZodType<MoneyJSON, MoneyJSON | Money>;

/**
 * An amount that is zero or more (a price, a total, a discount given as a positive amount).
 *
 * @example
 * ```ts
 * import { nonNegativeMoneySchema } from '@semper/statements/spi';
 * nonNegativeMoneySchema.safeParse({ amount: '-5', currency: 'EUR' }).success; // false
 * ```
 */
export const nonNegativeMoneySchema: z.ZodType<MoneyJSON, MoneyJSON | Money> = moneySchema.refine(
  (m) => !m.amount.startsWith('-'),
  { message: 'must not be negative' },
);

/**
 * An amount above zero (a payment).
 *
 * @example
 * ```ts
 * import { positiveMoneySchema } from '@semper/statements/spi';
 * positiveMoneySchema.safeParse({ amount: '0', currency: 'EUR' }).success; // false
 * ```
 */
export const positiveMoneySchema: z.ZodType<MoneyJSON, MoneyJSON | Money> = moneySchema.refine(
  (m) => !m.amount.startsWith('-') && m.amount !== '0',
  { message: 'must be more than zero' },
);

/**
 * A semper id with exactly this prefix (core's `newId(prefix)`, read with `isId`): `order_01J…`.
 *
 * @example
 * ```ts
 * import { newId } from '@semper/core';
 * import { idSchema } from '@semper/statements/spi';
 * const orderId = idSchema('order');
 * orderId.parse(newId('order')); // 'order_01J…'
 * orderId.safeParse(newId('offer')).success; // false
 * ```
 */
export function idSchema<P extends string>(prefix: P): z.ZodType<Id<P>, Id<P>> {
  return z.custom<Id<P>>((v) => typeof v === 'string' && v.length <= 64 && isId(v, prefix), {
    message: `must be a semper id '${prefix}_<ULID>'`,
  });
}

/**
 * A point in time: ISO 8601 in UTC with `Z` (`2030-01-01T10:00:00Z`, `2030-01-01T10:00:00.250Z`). A
 * `Date` is accepted as input and becomes `toISOString()`.
 *
 * @example
 * ```ts
 * import { timestampSchema } from '@semper/statements/spi';
 * timestampSchema.parse(new Date('2030-01-01T10:00:00Z')); // '2030-01-01T10:00:00.000Z'
 * timestampSchema.safeParse('2030-01-01T11:00:00+01:00').success; // false: UTC only
 * ```
 */
export const timestampSchema: z.ZodType<string, string | Date> = z.preprocess(
  (value) => (value instanceof Date && !Number.isNaN(value.getTime()) ? value.toISOString() : value),
  z.iso.datetime({ offset: false, local: false }),
) as unknown as z.ZodType<string, string | Date>;

/**
 * A SHA-256 digest, `sha-256:` and 64 lower-case hex digits: how statements, documents and certificates
 * are referred to.
 *
 * @example
 * ```ts
 * import { digestSchema } from '@semper/statements/spi';
 * digestSchema.parse(`sha-256:${'ab'.repeat(32)}`);
 * ```
 */
export const digestSchema: z.ZodType<`sha-256:${string}`, `sha-256:${string}`> = z.custom<`sha-256:${string}`>(
  (v) => typeof v === 'string' && /^sha-256:[0-9a-f]{64}$/.test(v),
  { message: "must be 'sha-256:' and 64 lower-case hex digits" },
);

/**
 * The form of statement kind names: lower-case words joined by `-`, namespaced by `.` (`offer`,
 * `acme.warranty-claim`); `isKindName` also limits them to 64 characters.
 *
 * @example
 * ```ts
 * import { KIND_NAME } from '@semper/statements/spi';
 * KIND_NAME.test('order-confirmation'); // true
 * ```
 */
export const KIND_NAME = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*(?:\.[a-z][a-z0-9]*(?:-[a-z0-9]+)*)*$/;

/**
 * A statement kind name: `offer`, `order-confirmation`, `acme.warranty-claim` (at most 64 characters).
 *
 * @example
 * ```ts
 * import { kindNameSchema } from '@semper/statements/spi';
 * kindNameSchema.safeParse('Order').success; // false
 * ```
 */
export const kindNameSchema: z.ZodString = z
  .string()
  .max(64)
  .regex(KIND_NAME, { message: 'must be a statement kind name' });

/**
 * A reference to another statement, by the digest of its content (see `statementDigest`) and with its
 * kind, so that a reader knows what is referred to before resolving it.
 *
 * @example
 * ```ts
 * import type { StatementRef } from '@semper/statements';
 * const ref: StatementRef<'offer'> = { kind: 'offer', digest: `sha-256:${'0'.repeat(64)}` };
 * ```
 */
export interface StatementRef<K extends string = string> {
  readonly kind: K;
  readonly digest: `sha-256:${string}`;
}

/**
 * A {@link StatementRef} to a statement of one of `kinds` (of any kind when none are given).
 *
 * @example
 * ```ts
 * import { statementRefSchema } from '@semper/statements/spi';
 * const offerRef = statementRefSchema(['offer']);
 * offerRef.parse({ kind: 'offer', digest: `sha-256:${'0'.repeat(64)}` });
 * ```
 */
export function statementRefSchema<const K extends string>(
  kinds?: readonly [K, ...K[]],
): z.ZodType<StatementRef<K>, StatementRef<K>> {
  const kind = kinds === undefined ? kindNameSchema : z.enum(kinds as unknown as [K, ...K[]]);
  return z.strictObject({ kind, digest: digestSchema }) as unknown as z.ZodType<StatementRef<K>, StatementRef<K>>;
}

/**
 * An ISO 3166-1 alpha-2 country code, upper case (`DE`, `FR`).
 *
 * @example
 * ```ts
 * import { countrySchema } from '@semper/statements/spi';
 * countrySchema.parse('DE');
 * ```
 */
export const countrySchema: z.ZodString = z
  .string()
  .regex(/^[A-Z]{2}$/, { message: 'must be an ISO 3166-1 alpha-2 code' });

/**
 * A module id, as core's module descriptors have them (`payment-ecash`, `acme.card`): how a payment
 * method is named.
 *
 * @example
 * ```ts
 * import { moduleIdSchema } from '@semper/statements/spi';
 * moduleIdSchema.parse('payment-ecash');
 * ```
 */
export const moduleIdSchema: z.ZodString = z
  .string()
  .max(64)
  .regex(/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*$/, {
    message: 'must be a module id',
  });

/**
 * An https URL of at most 2048 characters (terms and conditions, tracking pages).
 *
 * @example
 * ```ts
 * import { httpsUrlSchema } from '@semper/statements/spi';
 * httpsUrlSchema.parse('https://shop.example/terms');
 * ```
 */
export const httpsUrlSchema: z.ZodType<string, string> = z
  .string()
  .max(2048)
  .pipe(z.url({ protocol: /^https$/, message: 'must be an https URL' }));

/**
 * A postal address: 1 to 4 lines, the locality, optionally the postal code and region, the country.
 *
 * @example
 * ```ts
 * import { addressSchema } from '@semper/statements/spi';
 * addressSchema.parse({ lines: ['Hauptstraße 1'], postalCode: '10115', locality: 'Berlin', country: 'DE' });
 * ```
 */
export const addressSchema = z.strictObject({
  lines: z
    .array(textSchema({ max: 100 }))
    .min(1)
    .max(4),
  postalCode: textSchema({ max: 20 }).optional(),
  locality: textSchema({ max: 100 }),
  region: textSchema({ max: 100 }).optional(),
  country: countrySchema,
});

/**
 * A postal address (the output of {@link addressSchema}).
 *
 * @example
 * ```ts
 * import type { Address } from '@semper/statements';
 * const a: Address = { lines: ['1 Rue de la Paix'], postalCode: '75002', locality: 'Paris', country: 'FR' };
 * ```
 */
export type Address = z.output<typeof addressSchema>;

/**
 * A party to a statement: its name, and optionally its id in the sender's books, the SHA-256
 * fingerprint of its certificate (`sha-256:<hex of the DER>`; when the party must sign the statement,
 * the signer's certificate must then be that one), an e-mail address, a postal address, a tax id.
 *
 * @example
 * ```ts
 * import { partySchema } from '@semper/statements/spi';
 * partySchema.parse({ name: 'Example Books GmbH', taxId: 'DE123456789', email: 'orders@books.example' });
 * ```
 */
export const partySchema = z.strictObject({
  name: textSchema({ max: 200 }),
  id: textSchema({ max: 128 }).optional(),
  certificate: digestSchema.optional(),
  email: z.string().max(254).pipe(z.email()).optional(),
  address: addressSchema.optional(),
  taxId: textSchema({ max: 32 }).optional(),
});

/**
 * A party (the output of {@link partySchema}).
 *
 * @example
 * ```ts
 * import type { Party } from '@semper/statements';
 * const merchant: Party = { name: 'Example Books GmbH' };
 * ```
 */
export type Party = z.output<typeof partySchema>;

/**
 * A document referred to by digest (general terms, a specification, a delivered file): a title,
 * optionally its media type and where to get it, and the SHA-256 of its bytes, which is what binds it.
 *
 * @example
 * ```ts
 * import { documentSchema } from '@semper/statements/spi';
 * documentSchema.parse({ title: 'General terms 2030', mediaType: 'application/pdf', digest: `sha-256:${'0'.repeat(64)}` });
 * ```
 */
export const documentSchema = z.strictObject({
  title: textSchema({ max: 200 }),
  mediaType: z
    .string()
    .max(127)
    .regex(/^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*$/, { message: 'must be a media type' })
    .optional(),
  url: httpsUrlSchema.optional(),
  digest: digestSchema,
});

/**
 * A document by digest (the output of {@link documentSchema}).
 *
 * @example
 * ```ts
 * import type { DocumentRef } from '@semper/statements';
 * const terms: DocumentRef = { title: 'Terms', digest: `sha-256:${'0'.repeat(64)}` };
 * ```
 */
export type DocumentRef = z.output<typeof documentSchema>;

/**
 * A percentage as a decimal string: `'19'`, `'7.7'`, `'0'`, `'100'` (at most two decimals).
 *
 * @example
 * ```ts
 * import { percentSchema } from '@semper/statements/spi';
 * percentSchema.parse('7.7');
 * ```
 */
export const percentSchema: z.ZodString = z.string().regex(/^(?:100|[1-9]?[0-9](?:\.[0-9]{1,2})?)$/, {
  message: 'must be a percentage from 0 to 100 as a decimal string',
});

/**
 * The minor units of an amount, or undefined when it is not well-formed. Object refinements can run
 * even when a member failed a (continuable) check, so they must not trust the members' form.
 */
function minor(m: MoneyJSON | undefined): bigint | undefined {
  return typeof m?.amount === 'string' && /^-?(?:0|[1-9][0-9]{0,39})$/.test(m.amount) ? BigInt(m.amount) : undefined;
}

/**
 * One line of an offer or order: a line number unique in the statement, the article (`sku`) and its
 * description, a whole quantity (in `unit`, a UN/ECE Recommendation 20 code such as `C62` for pieces or
 * `GRM` for grams; default pieces), the unit price, optionally the tax rate, and the line total, which
 * must be exactly unit price × quantity in the same currency.
 *
 * @example
 * ```ts
 * import { lineItemSchema } from '@semper/statements/spi';
 * lineItemSchema.parse({
 *   line: 1, sku: 'BOOK-42', description: 'The Hitchhiker’s Guide', quantity: 2,
 *   unitPrice: { amount: '1250', currency: 'EUR' }, total: { amount: '2500', currency: 'EUR' },
 * });
 * ```
 */
export const lineItemSchema = z
  .strictObject({
    line: z.int().min(1).max(99_999),
    sku: textSchema({ max: 64 }),
    description: textSchema({ max: 500 }),
    quantity: z.int().min(1).max(1_000_000),
    unit: z
      .string()
      .regex(/^[A-Z0-9]{2,3}$/, { message: 'must be a UN/ECE Recommendation 20 unit code' })
      .optional(),
    unitPrice: nonNegativeMoneySchema,
    taxRate: percentSchema.optional(),
    total: nonNegativeMoneySchema,
  })
  .superRefine((item, ctx) => {
    const total = minor(item.total);
    const unitPrice = minor(item.unitPrice);
    if (total === undefined || unitPrice === undefined || !Number.isSafeInteger(item.quantity)) return;
    if (item.total.currency !== item.unitPrice.currency) {
      ctx.addIssue({ code: 'custom', path: ['total'], message: 'must be in the currency of the unit price' });
    } else if (total !== unitPrice * BigInt(item.quantity)) {
      ctx.addIssue({ code: 'custom', path: ['total'], message: 'must be unit price × quantity' });
    }
  });

/**
 * A line of an offer or order (the output of {@link lineItemSchema}).
 *
 * @example
 * ```ts
 * import type { LineItem } from '@semper/statements';
 * declare const item: LineItem;
 * console.log(item.line, item.sku, item.quantity);
 * ```
 */
export type LineItem = z.output<typeof lineItemSchema>;

/**
 * 1 to 500 line items with unique line numbers, all in one currency.
 *
 * @example
 * ```ts
 * import { lineItemsSchema } from '@semper/statements/spi';
 * lineItemsSchema.safeParse([]).success; // false: at least one line
 * ```
 */
export const lineItemsSchema = z
  .array(lineItemSchema)
  .min(1)
  .max(500)
  .superRefine((items, ctx) => {
    const seen = new Set<number>();
    items.forEach((item, i) => {
      if (seen.has(item.line))
        ctx.addIssue({ code: 'custom', path: [i, 'line'], message: 'line numbers must be unique' });
      seen.add(item.line);
      if (item.unitPrice?.currency !== items[0].unitPrice?.currency) {
        ctx.addIssue({ code: 'custom', path: [i, 'unitPrice'], message: 'all lines must be in one currency' });
      }
    });
  });

/**
 * The totals of an offer or order: the subtotal (the sum of the line totals), optionally shipping, a
 * discount (a positive amount that is subtracted) and tax, and the total to pay, which must be exactly
 * subtotal + shipping − discount + tax (tax not added when `taxIncluded`, i.e. when the prices include
 * it). All in one currency; the total is not negative.
 *
 * @example
 * ```ts
 * import { totalsSchema } from '@semper/statements/spi';
 * const eur = (amount: string) => ({ amount, currency: 'EUR' as const });
 * totalsSchema.parse({ subtotal: eur('2500'), shipping: eur('490'), tax: eur('175'), taxIncluded: true, total: eur('2990') });
 * ```
 */
export const totalsSchema = z
  .strictObject({
    subtotal: nonNegativeMoneySchema,
    shipping: nonNegativeMoneySchema.optional(),
    discount: nonNegativeMoneySchema.optional(),
    tax: nonNegativeMoneySchema.optional(),
    taxIncluded: z.boolean().optional(),
    total: nonNegativeMoneySchema,
  })
  .superRefine((t, ctx) => {
    const currency = t.subtotal.currency;
    for (const key of ['shipping', 'discount', 'tax', 'total'] as const) {
      const m = t[key];
      if (m !== undefined && m.currency !== currency) {
        ctx.addIssue({ code: 'custom', path: [key], message: 'must be in the currency of the subtotal' });
        return;
      }
    }
    const [subtotal, shipping, discount, tax, total] = [t.subtotal, t.shipping, t.discount, t.tax, t.total].map((m) =>
      m === undefined ? 0n : minor(m),
    );
    if ([subtotal, shipping, discount, tax, total].some((m) => m === undefined)) return;
    const expected =
      (subtotal as bigint) +
      (shipping as bigint) -
      (discount as bigint) +
      (t.taxIncluded === true ? 0n : (tax as bigint));
    if (total !== expected) {
      ctx.addIssue({ code: 'custom', path: ['total'], message: 'must be subtotal + shipping − discount + tax' });
    }
  });

/**
 * Totals (the output of {@link totalsSchema}).
 *
 * @example
 * ```ts
 * import type { Totals } from '@semper/statements';
 * declare const totals: Totals;
 * console.log(totals.total.amount, totals.total.currency);
 * ```
 */
export type Totals = z.output<typeof totalsSchema>;

/**
 * For a kind's `superRefine`: the subtotal must be the sum of the line totals, in their currency.
 *
 * @example
 * ```ts
 * import { z } from 'zod';
 * import { checkPricing, lineItemsSchema, totalsSchema } from '@semper/statements/spi';
 * const quote = z.strictObject({ items: lineItemsSchema, totals: totalsSchema }).superRefine(checkPricing);
 * ```
 */
export function checkPricing(
  body: { readonly items: readonly LineItem[]; readonly totals: Totals },
  ctx: { addIssue(issue: { code: 'custom'; path: (string | number)[]; message: string }): void },
): void {
  const currency = body.items[0]?.total.currency;
  if (currency !== undefined && body.totals.subtotal.currency !== currency) {
    ctx.addIssue({ code: 'custom', path: ['totals', 'subtotal'], message: 'must be in the currency of the lines' });
    return;
  }
  const totals = body.items.map((item) => minor(item.total));
  const subtotal = minor(body.totals.subtotal);
  if (subtotal === undefined || totals.some((t) => t === undefined)) return;
  const sum = totals.reduce((s: bigint, t) => s + (t as bigint), 0n);
  if (subtotal !== sum) {
    ctx.addIssue({ code: 'custom', path: ['totals', 'subtotal'], message: 'must be the sum of the line totals' });
  }
}

/**
 * For a kind's `superRefine`: `earlier` (if present) must be strictly before `later` (if present), both
 * timestamps; the issue is reported at `path`.
 *
 * @example
 * ```ts
 * import { checkOrder } from '@semper/statements/spi';
 * // .superRefine((b, ctx) => checkOrder(b.validFrom, b.validUntil, ['validUntil'], ctx))
 * ```
 */
export function checkOrder(
  earlier: string | undefined,
  later: string | undefined,
  path: (string | number)[],
  ctx: { addIssue(issue: { code: 'custom'; path: (string | number)[]; message: string }): void },
  message = 'must be later',
): void {
  if (earlier === undefined || later === undefined) return;
  const [from, to] = [Date.parse(earlier), Date.parse(later)];
  if (!Number.isNaN(from) && !Number.isNaN(to) && !(from < to)) {
    ctx.addIssue({ code: 'custom', path, message });
  }
}
