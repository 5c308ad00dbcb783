import { z } from 'zod';
import { SdcServiceError } from './errors.js';
import {
  decodeColumnValue,
  NUMERO,
  quoteIdentifier,
  type SdcColumn,
  type SdcTable,
  STATUS,
  SQL_TYPES,
  type SqlValue,
} from './table.js';

/**
 * A value of a query condition, as JSON (in the column's wire form: a `bigint` column compares with a
 * decimal string).
 *
 * @example
 * ```ts
 * import type { SdcScalar } from '@semper/sdc';
 * const values: SdcScalar[] = ['XOF', 42, true, '1250'];
 * ```
 */
export type SdcScalar = string | number | boolean;

/**
 * A condition of a structured query: a comparison of a field with values, or `and`/`or`/`not` of
 * conditions. Fields are column names (`Numero` and `Status` included); values are JSON in the column's
 * wire form (see `SdcColumnType`). There is no SQL anywhere: the compiler writes it, from the allow-list.
 *
 * - `=`, `<>`, `<`, `<=`, `>`, `>=` with `value`;
 * - `in` with `values` (1 to {@link QUERY_LIMITS}.inValues);
 * - `prefix` with a string `value` (text columns: `LIKE 'value%'`, the value escaped);
 * - `is-null`, `not-null`.
 *
 * @example
 * ```ts
 * import type { SdcCondition } from '@semper/sdc';
 * const c: SdcCondition = {
 *   and: [
 *     { field: 'currency', op: 'in', values: ['EUR', 'XOF'] },
 *     { field: 'amount', op: '>=', value: '10000' },
 *     { not: { field: 'reference', op: 'prefix', value: 'TEST-' } },
 *   ],
 * };
 * ```
 */
export type SdcCondition =
  | { readonly field: string; readonly op: '=' | '<>' | '<' | '<=' | '>' | '>='; readonly value: SdcScalar }
  | { readonly field: string; readonly op: 'in'; readonly values: readonly SdcScalar[] }
  | { readonly field: string; readonly op: 'prefix'; readonly value: string }
  | { readonly field: string; readonly op: 'is-null' | 'not-null' }
  | { readonly and: readonly SdcCondition[] }
  | { readonly or: readonly SdcCondition[] }
  | { readonly not: SdcCondition };

/**
 * An import request's query: which table, which fields (default: every allowed one), which rows
 * (`where`), in what order (always ending with `Numero`), how many (`limit`).
 *
 * @example
 * ```ts
 * import type { SdcQuery } from '@semper/sdc';
 * const q: SdcQuery = {
 *   table: 'rates',
 *   fields: ['currency', 'rate'],
 *   where: { field: 'currency', op: '=', value: 'XOF' },
 *   orderBy: [{ field: 'currency' }],
 *   limit: 100,
 * };
 * ```
 */
export interface SdcQuery {
  readonly table: string;
  readonly fields?: readonly string[];
  readonly where?: SdcCondition;
  readonly orderBy?: readonly { readonly field: string; readonly desc?: boolean }[];
  readonly limit?: number;
}

/**
 * The limits of a structured query, checked before and by the schema.
 *
 * @example
 * ```ts
 * import { QUERY_LIMITS } from '@semper/sdc';
 * console.log(QUERY_LIMITS.depth); // 8
 * ```
 */
export const QUERY_LIMITS = Object.freeze({
  /** Nesting of `and`/`or`/`not`. */
  depth: 8,
  /** Conditions in all, comparisons and combinations counted. */
  nodes: 128,
  /** Values of one `in`. */
  inValues: 256,
  /** Operands of one `and`/`or`. */
  operands: 64,
  /** Length of a string value. */
  valueLength: 1024,
  /** Fields and order terms. */
  fields: 200,
  /** Largest `limit`. */
  rows: 10_000,
});

const name = z.string().min(1).max(63);
const scalar = z.union([z.string().max(QUERY_LIMITS.valueLength), z.number(), z.boolean()]);
const conditionSchema: z.ZodType<SdcCondition> = z.lazy(() =>
  z.union([
    z.strictObject({ field: name, op: z.enum(['=', '<>', '<', '<=', '>', '>=']), value: scalar }),
    z.strictObject({ field: name, op: z.literal('in'), values: z.array(scalar).min(1).max(QUERY_LIMITS.inValues) }),
    z.strictObject({ field: name, op: z.literal('prefix'), value: z.string().max(QUERY_LIMITS.valueLength) }),
    z.strictObject({ field: name, op: z.enum(['is-null', 'not-null']) }),
    z.strictObject({ and: z.array(conditionSchema).min(1).max(QUERY_LIMITS.operands) }),
    z.strictObject({ or: z.array(conditionSchema).min(1).max(QUERY_LIMITS.operands) }),
    z.strictObject({ not: conditionSchema }),
  ]),
);

/**
 * The zod schema of {@link SdcQuery} (strict: unknown keys refused). Run {@link parseQuery} rather than
 * this directly: it bounds the nesting first.
 *
 * @example
 * ```ts
 * import { sdcQuerySchema } from '@semper/sdc';
 * sdcQuerySchema.safeParse({ table: 'rates' }).success; // true
 * ```
 */
export const sdcQuerySchema: z.ZodType<SdcQuery> = z.strictObject({
  table: name,
  fields: z.array(name).min(1).max(QUERY_LIMITS.fields).optional(),
  where: conditionSchema.optional(),
  orderBy: z
    .array(z.strictObject({ field: name, desc: z.boolean().optional() }))
    .max(QUERY_LIMITS.fields)
    .optional(),
  limit: z.number().int().min(1).max(QUERY_LIMITS.rows).optional(),
});

function invalid(message: string, details?: Record<string, string | number>): SdcServiceError {
  return new SdcServiceError('ERR_SDC_QUERY_INVALID', message, { details });
}

/** Bounds depth and size of a JSON value iteratively, before any recursive parser sees it. */
function checkShape(value: unknown): void {
  const stack: { v: unknown; d: number }[] = [{ v: value, d: 0 }];
  let nodes = 0;
  while (stack.length > 0) {
    const { v, d } = stack.pop() as { v: unknown; d: number };
    if (typeof v !== 'object' || v === null) continue;
    if (++nodes > QUERY_LIMITS.nodes * 4 + QUERY_LIMITS.inValues) throw invalid('the query is too large');
    if (d > QUERY_LIMITS.depth * 2 + 4) throw invalid(`the query nests deeper than ${QUERY_LIMITS.depth}`);
    const children = Array.isArray(v) ? v : Object.values(v);
    if (children.length > QUERY_LIMITS.inValues + 8) throw invalid('the query is too large');
    for (const c of children) stack.push({ v: c, d: d + 1 });
  }
}

/**
 * Parses an untrusted query (JSON from a container): shape bounded first, then the strict zod schema,
 * then the condition tree's depth and size ({@link QUERY_LIMITS}).
 *
 * @throws SdcServiceError `ERR_SDC_QUERY_INVALID` (the zod issue paths in the message, no values).
 * @example
 * ```ts
 * import { parseQuery } from '@semper/sdc';
 * const q = parseQuery(JSON.parse('{"table":"rates","where":{"field":"currency","op":"=","value":"XOF"}}'));
 * ```
 */
export function parseQuery(input: unknown): SdcQuery {
  checkShape(input);
  const r = sdcQuerySchema.safeParse(input);
  if (!r.success) {
    const where = r.error.issues
      .slice(0, 3)
      .map((i) => `${i.path.join('.') || '(query)'}: ${i.code}`)
      .join('; ');
    throw invalid(`the query does not match the schema (${where})`);
  }
  let nodes = 0;
  const walk = (c: SdcCondition, depth: number): void => {
    if (++nodes > QUERY_LIMITS.nodes) throw invalid(`more than ${QUERY_LIMITS.nodes} conditions`);
    if (depth > QUERY_LIMITS.depth) throw invalid(`conditions nest deeper than ${QUERY_LIMITS.depth}`);
    if ('and' in c) for (const x of c.and) walk(x, depth + 1);
    else if ('or' in c) for (const x of c.or) walk(x, depth + 1);
    else if ('not' in c) walk(c.not, depth + 1);
  };
  if (r.data.where !== undefined) walk(r.data.where, 1);
  return r.data;
}

/**
 * One table of an import allow-list: the columns a requester may filter on, order by and receive
 * (`Numero` and `Status` only when listed), the most rows one answer carries, and an optional filter the
 * hub adds to every request of a requester (e.g. only its own rows).
 *
 * @example
 * ```ts
 * import type { SdcImportGrant } from '@semper/sdc';
 * const rates: SdcImportGrant = { columns: ['currency', 'rate', 'Status'], maxRows: 500 };
 * const own: SdcImportGrant = {
 *   columns: ['reference', 'amount'],
 *   scope: (requester) => ({ field: 'agency', op: '=', value: requester }),
 * };
 * ```
 */
export interface SdcImportGrant {
  readonly columns: readonly string[];
  /** Default {@link QUERY_LIMITS}.rows. */
  readonly maxRows?: number;
  /** A condition ANDed to every request of `requester` (its fields need not be allow-listed). */
  readonly scope?: (requester: string) => SdcCondition | undefined;
}

/**
 * The allow-list of the secure data services: per service, the tables and columns a peer may use.
 * A table or column not listed does not exist for the other side.
 *
 * @example
 * ```ts
 * import type { SdcAllowList } from '@semper/sdc';
 * const hub: SdcAllowList = {
 *   export: { transfers: ['reference', 'amount', 'currency', 'sent_at'] },
 *   import: { rates: { columns: ['currency', 'rate'] } },
 * };
 * ```
 */
export interface SdcAllowList {
  /** Tables whose record sets peers may send here (export), with the columns a record set may carry. */
  readonly export?: Readonly<Record<string, readonly string[]>>;
  /** Tables peers may query (import). */
  readonly import?: Readonly<Record<string, SdcImportGrant>>;
}

/**
 * A compiled query: parameterised SQL (identifiers quoted, from the description; every value a `$n`
 * parameter), its parameters, the columns it returns, and the row limit it asked for plus one (more rows
 * than `limit` means the answer was cut).
 *
 * @example
 * ```ts
 * import type { CompiledQuery } from '@semper/sdc';
 * const show = (q: CompiledQuery) => console.log(q.sql, q.params.length);
 * ```
 */
export interface CompiledQuery {
  readonly sql: string;
  readonly params: readonly SqlValue[];
  readonly table: SdcTable;
  readonly columns: readonly SdcColumn[];
  readonly limit: number;
}

const NUMERO_COLUMN: SdcColumn = Object.freeze({ name: NUMERO, type: 'bigint' });
const STATUS_COLUMN: SdcColumn = Object.freeze({ name: STATUS, type: 'integer' });

/** The column a field names in a table, `Numero`/`Status` included; undefined when there is none. */
function columnOf(table: SdcTable, field: string): SdcColumn | undefined {
  if (field === NUMERO) return NUMERO_COLUMN;
  if (field === STATUS) return STATUS_COLUMN;
  return table.columns.find((c) => c.name === field);
}

/**
 * Compiles an untrusted query against the import allow-list and the table descriptions into
 * parameterised SQL. The table must be on `allow.import` and described in `tables`; every field (in
 * `fields`, `where`, `orderBy`) must be on the table's allowed columns and described; every value must fit
 * its column's type; `prefix` only on text columns, ordering operators not on booleans. Nothing from the
 * query reaches the SQL text but names that passed these checks, quoted.
 *
 * @param requester the party asking (for the grant's `scope`).
 * @throws SdcServiceError `ERR_SDC_QUERY_INVALID`, `ERR_SDC_TABLE_NOT_ALLOWED`, `ERR_SDC_COLUMN_NOT_ALLOWED`.
 * @example
 * ```ts
 * import { compileQuery, defineTable } from '@semper/sdc';
 * const rates = defineTable({ name: 'rates', columns: [{ name: 'currency', type: 'text' }, { name: 'rate', type: 'numeric' }] });
 * const q = compileQuery(
 *   { table: 'rates', where: { field: 'currency', op: 'in', values: ['EUR', 'XOF'] } },
 *   { import: { rates: { columns: ['currency', 'rate'] } } },
 *   [rates],
 *   'agency-0042',
 * );
 * // q.sql: SELECT "currency", "rate" FROM "rates" WHERE ("currency" IN ($1::text, $2::text)) ORDER BY "Numero" LIMIT 10001
 * const rows = await store.query(q.sql, q.params);
 * ```
 */
export function compileQuery(
  input: unknown,
  allow: SdcAllowList,
  tables: readonly SdcTable[],
  requester: string,
): CompiledQuery {
  const query = parseQuery(input);
  const grants = allow.import ?? {};
  const grant = Object.hasOwn(grants, query.table) ? grants[query.table] : undefined;
  const table = tables.find((t) => t.name === query.table);
  if (grant === undefined || table === undefined) {
    throw new SdcServiceError('ERR_SDC_TABLE_NOT_ALLOWED', 'the table is not open to import requests', {
      details: { table: query.table },
    });
  }
  const allowed = new Set(grant.columns);
  const field = (f: string, where: string): SdcColumn => {
    const c = allowed.has(f) ? columnOf(table, f) : undefined;
    if (c === undefined) {
      throw new SdcServiceError('ERR_SDC_COLUMN_NOT_ALLOWED', `a column of ${where} is not open to import requests`, {
        details: { table: table.name, column: f },
      });
    }
    return c;
  };
  const params: SqlValue[] = [];
  const param = (c: SdcColumn, v: unknown, where: string): string => {
    // Query values may compare with longer texts than a column holds; only the type must fit.
    const d = decodeColumnValue(c.type === 'text' ? { ...c, maxLength: QUERY_LIMITS.valueLength } : c, v);
    if (!d.ok || d.value === null)
      throw invalid(`a value of ${where} does not fit column ${c.name}: ${d.ok ? 'null' : d.reason}`);
    params.push(d.value);
    return `$${params.length}::${SQL_TYPES[c.type]}`;
  };
  const cond = (c: SdcCondition, scoped: boolean): string => {
    if ('and' in c) return `(${c.and.map((x) => cond(x, scoped)).join(' AND ')})`;
    if ('or' in c) return `(${c.or.map((x) => cond(x, scoped)).join(' OR ')})`;
    if ('not' in c) return `(NOT ${cond(c.not, scoped)})`;
    const col = scoped ? columnOf(table, c.field) : field(c.field, 'the filter');
    if (col === undefined)
      throw new SdcServiceError('ERR_SDC_INVALID_ARGUMENT', 'the grant scope names an unknown column');
    const id = quoteIdentifier(col.name);
    switch (c.op) {
      case 'is-null':
        return `(${id} IS NULL)`;
      case 'not-null':
        return `(${id} IS NOT NULL)`;
      case 'in':
        return `(${id} IN (${c.values.map((v) => param(col, v, 'the filter')).join(', ')}))`;
      case 'prefix': {
        if (col.type !== 'text') throw invalid(`prefix on the non-text column ${col.name}`);
        if (typeof c.value !== 'string') throw invalid('a prefix is a string');
        params.push(`${c.value.replace(/[\\%_]/g, (m) => `\\${m}`)}%`);
        return `(${id} LIKE $${params.length}::text ESCAPE '\\')`;
      }
      default:
        if (col.type === 'boolean' && c.op !== '=' && c.op !== '<>')
          throw invalid(`${c.op} on the boolean ${col.name}`);
        return `(${id} ${c.op} ${param(col, c.value, 'the filter')})`;
    }
  };
  const fields = query.fields ?? grant.columns;
  const columns = [...new Set(fields)].map((f) => field(f, 'the fields'));
  const conditions: string[] = [];
  if (query.where !== undefined) conditions.push(cond(query.where, false));
  const scope = grant.scope?.(requester);
  if (scope !== undefined) conditions.push(cond(scope, true));
  const order = (query.orderBy ?? []).map(
    (o) => `${quoteIdentifier(field(o.field, 'the order').name)} ${o.desc ? 'DESC' : 'ASC'}`,
  );
  order.push('"Numero" ASC');
  const maxRows = Math.min(grant.maxRows ?? QUERY_LIMITS.rows, QUERY_LIMITS.rows);
  const limit = Math.min(query.limit ?? maxRows, maxRows);
  const sql =
    `SELECT ${columns.map((c) => quoteIdentifier(c.name)).join(', ')} FROM ${quoteIdentifier(table.name)}` +
    (conditions.length > 0 ? ` WHERE ${conditions.join(' AND ')}` : '') +
    ` ORDER BY ${order.join(', ')} LIMIT ${limit + 1}`;
  return { sql, params, table, columns, limit };
}
