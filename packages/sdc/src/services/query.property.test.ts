import { openStore, type Store } from '@semper/store';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SdcServiceError } from './errors.js';
import { compileQuery, parseQuery, QUERY_LIMITS, type SdcAllowList, type SdcCondition } from './query.js';
import { defineTable, recordTableDdl } from './table.js';

const items = defineTable({
  name: 'items',
  columns: [
    { name: 'name', type: 'text', maxLength: 50 },
    { name: 'qty', type: 'integer' },
    { name: 'big', type: 'bigint' },
    { name: 'flag', type: 'boolean' },
    { name: 'note', type: 'text', nullable: true },
    { name: 'secret', type: 'text', nullable: true },
  ],
});
const ALLOWED = ['name', 'qty', 'big', 'flag', 'note', 'Status'];
const allow: SdcAllowList = { import: { items: { columns: ALLOWED } } };
const tables = [items];

// Strings full of SQL metacharacters, quotes, escapes, LIKE wildcards and non-ASCII text.
const nasty = fc.string({
  unit: fc.oneof(
    fc.constantFrom(
      "'",
      '"',
      ';',
      '--',
      '/*',
      '*/',
      '\\',
      '%',
      '_',
      '$1',
      ' ',
      'a',
      'b',
      'é',
      '😀',
      ')',
      '(',
      'OR 1=1',
    ),
    fc.string({ maxLength: 2 }),
  ),
  maxLength: 12,
});

interface Row {
  Numero: number;
  Status: number;
  name: string;
  qty: number;
  big: bigint;
  flag: boolean;
  note: string | null;
}

const textField = fc.constantFrom('name', 'note');
const numField = fc.constantFrom('qty', 'big', 'Status');
const cmp = fc.constantFrom('=', '<>', '<', '<=', '>', '>=') as fc.Arbitrary<'=' | '<>' | '<' | '<=' | '>' | '>='>;
const small = fc.integer({ min: -5, max: 5 });

const leaf: fc.Arbitrary<SdcCondition> = fc.oneof(
  fc.record({ field: textField, op: fc.constantFrom('=', '<>') as fc.Arbitrary<'=' | '<>'>, value: nasty }),
  fc.record({
    field: textField,
    op: fc.constant('in' as const),
    values: fc.array(nasty, { minLength: 1, maxLength: 4 }),
  }),
  fc.record({ field: textField, op: fc.constant('prefix' as const), value: nasty }),
  fc.record({
    field: fc.constantFrom('name', 'note', 'qty'),
    op: fc.constantFrom('is-null', 'not-null') as fc.Arbitrary<'is-null' | 'not-null'>,
  }),
  fc
    .record({ field: numField, op: cmp, value: small })
    .map((c) => (c.field === 'big' ? { ...c, value: String(c.value) } : c)),
  fc.record({
    field: fc.constant('flag'),
    op: fc.constantFrom('=', '<>') as fc.Arbitrary<'=' | '<>'>,
    value: fc.boolean(),
  }),
);
const condition: fc.Arbitrary<SdcCondition> = fc
  .letrec<{ c: SdcCondition }>((tie) => ({
    c: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      leaf,
      fc.record({ and: fc.array(tie('c'), { minLength: 1, maxLength: 3 }) }),
      fc.record({ or: fc.array(tie('c'), { minLength: 1, maxLength: 3 }) }),
      fc.record({ not: tie('c') }),
    ),
  }))
  .c.filter((c) => depth(c) <= QUERY_LIMITS.depth);

function depth(c: SdcCondition): number {
  if ('and' in c) return 1 + Math.max(...c.and.map(depth));
  if ('or' in c) return 1 + Math.max(...c.or.map(depth));
  if ('not' in c) return 1 + depth(c.not);
  return 1;
}

/** SQL's three-valued logic, in JavaScript: the oracle. */
function evaluate(c: SdcCondition, r: Row): boolean | null {
  if ('and' in c) {
    const v = c.and.map((x) => evaluate(x, r));
    return v.includes(false) ? false : v.includes(null) ? null : true;
  }
  if ('or' in c) {
    const v = c.or.map((x) => evaluate(x, r));
    return v.includes(true) ? true : v.includes(null) ? null : false;
  }
  if ('not' in c) {
    const v = evaluate(c.not, r);
    return v === null ? null : !v;
  }
  const x = (r as unknown as Record<string, unknown>)[c.field];
  if (c.op === 'is-null') return x === null;
  if (c.op === 'not-null') return x !== null;
  if (x === null) return null;
  if (c.op === 'in') return c.values.includes(x as string);
  if (c.op === 'prefix') return (x as string).startsWith(c.value);
  const cv = (c as { value: string | number | boolean }).value;
  const a = typeof x === 'bigint' ? x : typeof x === 'number' ? BigInt(x) : x;
  const b = typeof cv === 'number' || (c.field === 'big' && typeof cv === 'string') ? BigInt(cv) : cv;
  switch (c.op) {
    case '=':
      return a === b;
    case '<>':
      return a !== b;
    case '<':
      return (a as bigint) < (b as bigint);
    case '<=':
      return (a as bigint) <= (b as bigint);
    case '>':
      return (a as bigint) > (b as bigint);
    case '>=':
      return (a as bigint) >= (b as bigint);
  }
}

/** Every quoted identifier of the SQL, and the SQL with them and the `$n::type` placeholders taken out. */
function skeleton(sql: string): { identifiers: string[]; rest: string; placeholders: number[] } {
  const identifiers = [...sql.matchAll(/"([^"]*)"/g)].map((m) => m[1] as string);
  const placeholders = [...sql.matchAll(/\$(\d+)::[a-z0-9]+/g)].map((m) => Number(m[1]));
  const rest = sql.replace(/"[^"]*"/g, 'I').replace(/\$\d+::[a-z0-9]+/g, 'P');
  return { identifiers, rest, placeholders };
}

describe('compileQuery (properties)', () => {
  let store: Store;
  const rows: Row[] = [];

  beforeAll(async () => {
    store = await openStore('pglite:memory');
    await store.exec(recordTableDdl(items));
    const names = ['a', "o'neil", 'a%b', 'a_b', 'x\\y', '', 'é😀', '"q"', 'OR 1=1', ';', 'ab', 'b'];
    for (let i = 0; i < 60; i++) {
      const r: Row = {
        Numero: i + 1,
        Status: i % 4,
        name: names[i % names.length] as string,
        qty: (i % 11) - 5,
        big: BigInt((i % 7) - 3),
        flag: i % 3 === 0,
        note: i % 5 === 0 ? null : (names[(i * 7) % names.length] as string),
      };
      rows.push(r);
      await store.query(
        'insert into items ("Status", name, qty, big, flag, note, secret) values ($1, $2, $3, $4, $5, $6, $7)',
        [r.Status, r.name, r.qty, r.big, r.flag, r.note, 'classified'],
      );
    }
  }, 60_000);
  afterAll(async () => store?.close());

  it('identifiers outside the allow-list are refused, wherever they appear', () => {
    const outside = fc
      .oneof(nasty, fc.constantFrom('secret', 'Numero', 'sdc_outbox', 'NAME', 'name ', 'pg_user', 'items; --'))
      .filter((s) => !ALLOWED.includes(s));
    const placements = [
      (f: string) => ({ table: 'items', fields: [f] }),
      (f: string) => ({ table: 'items', where: { field: f, op: '=', value: 'x' } }),
      (f: string) => ({
        table: 'items',
        where: { and: [{ field: 'name', op: 'is-null' }, { not: { field: f, op: 'is-null' } }] },
      }),
      (f: string) => ({ table: 'items', orderBy: [{ field: f }] }),
      (f: string) => ({ table: f }),
    ];
    fc.assert(
      fc.property(outside, fc.integer({ min: 0, max: placements.length - 1 }), (name, k) => {
        const q = (placements[k] as (f: string) => unknown)(name);
        let error: unknown;
        try {
          compileQuery(q, allow, tables, 'agency-a');
        } catch (e) {
          error = e;
        }
        expect(error).toBeInstanceOf(SdcServiceError);
        expect(['ERR_SDC_COLUMN_NOT_ALLOWED', 'ERR_SDC_TABLE_NOT_ALLOWED', 'ERR_SDC_QUERY_INVALID']).toContain(
          (error as SdcServiceError).code,
        );
      }),
      { numRuns: 2000 },
    );
  });

  it('values are always parameters: the SQL is the allow-listed identifiers, placeholders and fixed keywords', () => {
    fc.assert(
      fc.property(
        condition,
        fc.subarray(ALLOWED, { minLength: 1 }),
        fc.array(fc.record({ field: fc.constantFrom(...ALLOWED), desc: fc.boolean() }), { maxLength: 3 }),
        (where, fields, orderBy) => {
          const q = compileQuery({ table: 'items', fields, where, orderBy, limit: 50 }, allow, tables, 'agency-a');
          const { identifiers, rest, placeholders } = skeleton(q.sql);
          for (const id of identifiers) expect([...ALLOWED, 'Numero', 'items']).toContain(id);
          expect(placeholders).toEqual(q.params.map((_, i) => i + 1));
          // What is left is keywords, operators, commas and parentheses: no value, no quote but ESCAPE's.
          expect(rest.replaceAll("ESCAPE '\\'", '')).toMatch(/^[A-Z0-9IP ,()=<>]+$/);
        },
      ),
      { numRuns: 1500 },
    );
  });

  it('the compiled SQL selects exactly the rows the condition holds for (three-valued logic oracle)', async () => {
    await fc.assert(
      fc.asyncProperty(condition, async (where) => {
        const q = compileQuery({ table: 'items', fields: ['name'], where }, allow, tables, 'agency-a');
        const got = await store.query<{ name: string }>(
          q.sql.replace('SELECT "name"', 'SELECT "Numero", "name"'),
          q.params,
        );
        const expected = rows.filter((r) => evaluate(where, r) === true).map((r) => r.Numero);
        expect(got.map((r) => Number((r as unknown as { Numero: bigint }).Numero))).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  }, 120_000);

  it('a grant scope is ANDed to every request, and its columns need not be allow-listed', async () => {
    const scoped: SdcAllowList = {
      import: { items: { columns: ['name'], scope: (requester) => ({ field: 'secret', op: '=', value: requester }) } },
    };
    const q = compileQuery(
      { table: 'items', where: { or: [{ field: 'name', op: 'not-null' }] } },
      scoped,
      tables,
      'classified',
    );
    expect((await store.query(q.sql, q.params)).length).toBe(60);
    const none = compileQuery({ table: 'items' }, scoped, tables, "x' OR '1'='1");
    expect(await store.query(none.sql, none.params)).toEqual([]);
    expect(() => compileQuery({ table: 'items', fields: ['secret'] }, scoped, tables, 'classified')).toThrow(
      SdcServiceError,
    );
  });

  it('the parser bounds nesting and size before the schema sees them', () => {
    let deep: unknown = { field: 'name', op: 'is-null' };
    for (let i = 0; i < 100_000; i++) deep = { not: deep };
    expect(() => parseQuery({ table: 'items', where: deep })).toThrow(/deeper|too large/);
    const wide = { or: Array.from({ length: 10_000 }, () => ({ field: 'name', op: 'is-null' })) };
    expect(() => parseQuery({ table: 'items', where: wide })).toThrow(SdcServiceError);
    const nine = JSON.parse(
      `${'{"not":'.repeat(QUERY_LIMITS.depth)}{"field":"name","op":"is-null"}${'}'.repeat(QUERY_LIMITS.depth)}`,
    );
    expect(() => parseQuery({ table: 'items', where: nine })).toThrow(/deeper/);
    const eight = JSON.parse(
      `${'{"not":'.repeat(QUERY_LIMITS.depth - 1)}{"field":"name","op":"is-null"}${'}'.repeat(QUERY_LIMITS.depth - 1)}`,
    );
    expect(parseQuery({ table: 'items', where: eight }).table).toBe('items');
  });

  it('values must fit the column: type, range, no prefix on numbers, no ordering on booleans', () => {
    const bad = [
      { field: 'qty', op: '=', value: 'one' },
      { field: 'qty', op: '=', value: 2 ** 40 },
      { field: 'big', op: '=', value: 5 },
      { field: 'big', op: '=', value: '99999999999999999999' },
      { field: 'flag', op: '<', value: true },
      { field: 'qty', op: 'prefix', value: '1' },
      { field: 'name', op: '=', value: 3 },
      { field: 'name', op: 'in', values: ['a', 1] },
      { field: 'name', op: 'like', value: '%' },
      { field: 'name', op: '=', value: 'a', extra: 1 },
    ];
    for (const where of bad) {
      expect(() => compileQuery({ table: 'items', where }, allow, tables, 'a'), JSON.stringify(where)).toThrow(
        SdcServiceError,
      );
    }
  });
});
