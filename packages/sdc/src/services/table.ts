import { SdcServiceError } from './errors.js';

/**
 * The column types a record set may carry, with their JSON form on the wire and their PostgreSQL type:
 *
 * | type | JSON value | PostgreSQL |
 * | --- | --- | --- |
 * | `text` | string | `text` |
 * | `integer` | number (a 32-bit integer) | `int4` |
 * | `bigint` | decimal string (64-bit; money in minor units) | `int8` |
 * | `numeric` | decimal string (`-12.50`) | `numeric` |
 * | `boolean` | `true` / `false` | `bool` |
 * | `date` | `YYYY-MM-DD` | `date` |
 * | `timestamptz` | ISO 8601 instant (`2026-12-01T10:00:00Z`) | `timestamptz` |
 *
 * `null` is the JSON value of SQL NULL, for nullable columns.
 *
 * @example
 * ```ts
 * import { SDC_COLUMN_TYPES, type SdcColumnType } from '@semper/sdc';
 * const t: SdcColumnType = 'bigint';
 * SDC_COLUMN_TYPES.includes(t); // true
 * ```
 */
export type SdcColumnType = 'text' | 'integer' | 'bigint' | 'numeric' | 'boolean' | 'date' | 'timestamptz';

/**
 * Every {@link SdcColumnType}.
 *
 * @example
 * ```ts
 * import { SDC_COLUMN_TYPES } from '@semper/sdc';
 * console.log(SDC_COLUMN_TYPES.join(', '));
 * ```
 */
export const SDC_COLUMN_TYPES: readonly SdcColumnType[] = Object.freeze([
  'text',
  'integer',
  'bigint',
  'numeric',
  'boolean',
  'date',
  'timestamptz',
]);

/**
 * The PostgreSQL type of each column type (fixed here: never taken from the wire).
 *
 * @example
 * ```ts
 * import { SQL_TYPES } from '@semper/sdc';
 * SQL_TYPES.bigint; // 'int8'
 * ```
 */
export const SQL_TYPES: Readonly<Record<SdcColumnType, string>> = Object.freeze({
  text: 'text',
  integer: 'int4',
  bigint: 'int8',
  numeric: 'numeric',
  boolean: 'bool',
  date: 'date',
  timestamptz: 'timestamptz',
});

/**
 * One column of a record table (besides `Numero` and `Status`, which every record table has).
 *
 * @example
 * ```ts
 * import type { SdcColumn } from '@semper/sdc';
 * const amount: SdcColumn = { name: 'amount', type: 'bigint' };
 * const note: SdcColumn = { name: 'note', type: 'text', nullable: true, maxLength: 200 };
 * ```
 */
export interface SdcColumn {
  /** Lower-case letters, digits and `_`, starting with a letter; at most 63 characters. */
  readonly name: string;
  readonly type: SdcColumnType;
  /** Default false: the column is required in every row. */
  readonly nullable?: boolean;
  /** For `text`: the longest value, in characters (default {@link DEFAULT_TEXT_MAX_LENGTH}). */
  readonly maxLength?: number;
}

/**
 * The description of a record table: its name and columns. Every record table also has
 * `"Numero"` (`int8`, numbered by each site, never sent: a row gets a new Numero wherever it lands)
 * and `"Status"` (`int2`: {@link RECORD_STATUS}).
 *
 * @example
 * ```ts
 * import { defineTable } from '@semper/sdc';
 * const transfers = defineTable({
 *   name: 'transfers',
 *   columns: [
 *     { name: 'reference', type: 'text', maxLength: 40 },
 *     { name: 'amount', type: 'bigint' },
 *     { name: 'currency', type: 'text', maxLength: 3 },
 *   ],
 * });
 * ```
 */
export interface SdcTable {
  readonly name: string;
  readonly columns: readonly SdcColumn[];
}

/**
 * The `Status` values of a record.
 *
 * @example
 * ```ts
 * import { RECORD_STATUS } from '@semper/sdc';
 * RECORD_STATUS.validated; // 2: ready for export
 * ```
 */
export const RECORD_STATUS = Object.freeze({
  cancelled: 0,
  created: 1,
  validated: 2,
  collected: 3,
} as const);

/**
 * A record's status: 0 cancelled, 1 created, 2 validated (ready for export), 3 collected for export.
 *
 * @example
 * ```ts
 * import type { RecordStatus } from '@semper/sdc';
 * const s: RecordStatus = 2;
 * ```
 */
export type RecordStatus = (typeof RECORD_STATUS)[keyof typeof RECORD_STATUS];

/**
 * The longest `text` value, in characters, of a column without `maxLength`.
 *
 * @example
 * ```ts
 * import { DEFAULT_TEXT_MAX_LENGTH } from '@semper/sdc';
 * console.log(DEFAULT_TEXT_MAX_LENGTH); // 4096
 * ```
 */
export const DEFAULT_TEXT_MAX_LENGTH = 4096;

/**
 * The name of the column every record table has for its site-local number (not in descriptions, never
 * sent in a record set).
 *
 * @example
 * ```ts
 * import { NUMERO, quoteIdentifier } from '@semper/sdc';
 * const order = `ORDER BY ${quoteIdentifier(NUMERO)}`; // ORDER BY "Numero"
 * ```
 */
export const NUMERO = 'Numero';
/**
 * The name of the column every record table has for its {@link RecordStatus}.
 *
 * @example
 * ```ts
 * import { quoteIdentifier, STATUS } from '@semper/sdc';
 * const ready = `WHERE ${quoteIdentifier(STATUS)} = 2`; // WHERE "Status" = 2
 * ```
 */
export const STATUS = 'Status';

const NAME = /^[a-z][a-z0-9_]{0,62}$/;

/**
 * Whether `name` is a valid table or column name for a description (lower-case letters, digits, `_`,
 * starting with a letter, at most 63 characters).
 *
 * @example
 * ```ts
 * import { isSdcName } from '@semper/sdc';
 * isSdcName('transfers'); // true
 * isSdcName('x"; drop table y; --'); // false
 * ```
 */
export function isSdcName(name: unknown): name is string {
  return typeof name === 'string' && NAME.test(name);
}

/**
 * Quotes an identifier for SQL. Only names that passed {@link isSdcName} (or `Numero`/`Status`) reach
 * it; it refuses anything else rather than escape it.
 *
 * @example
 * ```ts
 * import { quoteIdentifier } from '@semper/sdc';
 * quoteIdentifier('Numero'); // '"Numero"'
 * ```
 */
export function quoteIdentifier(name: string): string {
  if (!(isSdcName(name) || name === NUMERO || name === STATUS)) {
    throw new SdcServiceError('ERR_SDC_INVALID_ARGUMENT', 'an identifier outside the description reached SQL');
  }
  return `"${name}"`;
}

/**
 * Checks and freezes a table description: valid names, no duplicate column, no `Numero`/`Status`
 * (implicit), known types, sensible `maxLength`.
 *
 * @throws SdcServiceError `ERR_SDC_INVALID_ARGUMENT`.
 * @example
 * ```ts
 * import { defineTable } from '@semper/sdc';
 * const customers = defineTable({ name: 'customers', columns: [{ name: 'name', type: 'text' }] });
 * ```
 */
export function defineTable(table: SdcTable): SdcTable {
  const bad = (m: string) => new SdcServiceError('ERR_SDC_INVALID_ARGUMENT', `table description: ${m}`);
  if (typeof table !== 'object' || table === null) throw bad('not an object');
  if (!isSdcName(table.name)) throw bad(`invalid table name ${JSON.stringify(table.name)}`);
  if (!Array.isArray(table.columns) || table.columns.length === 0 || table.columns.length > 200) {
    throw bad(`${table.name}: 1 to 200 columns`);
  }
  const seen = new Set<string>();
  const columns = table.columns.map((c) => {
    if (!isSdcName(c?.name)) throw bad(`${table.name}: invalid column name ${JSON.stringify(c?.name)}`);
    if (seen.has(c.name)) throw bad(`${table.name}: column ${c.name} twice`);
    seen.add(c.name);
    if (!SDC_COLUMN_TYPES.includes(c.type)) throw bad(`${table.name}.${c.name}: unknown type`);
    if (c.maxLength !== undefined) {
      if (c.type !== 'text') throw bad(`${table.name}.${c.name}: maxLength is for text`);
      if (!Number.isSafeInteger(c.maxLength) || c.maxLength < 1 || c.maxLength > 1_000_000) {
        throw bad(`${table.name}.${c.name}: maxLength 1 to 1000000`);
      }
    }
    return Object.freeze({ ...c, nullable: c.nullable === true });
  });
  return Object.freeze({ name: table.name, columns: Object.freeze(columns) });
}

/**
 * The `CREATE TABLE IF NOT EXISTS` statement of a record table: `"Numero"` an identity primary key,
 * `"Status"` `int2` 0–3 (default 1), then the columns, with an index on `"Status"`.
 *
 * @example
 * ```ts
 * import { defineTable, recordTableDdl } from '@semper/sdc';
 * await store.exec(recordTableDdl(defineTable({ name: 'notes', columns: [{ name: 'text', type: 'text' }] })));
 * ```
 */
export function recordTableDdl(table: SdcTable): string {
  const t = defineTable(table);
  const cols = t.columns.map((c) => {
    const check =
      c.type === 'text'
        ? ` CHECK (char_length(${quoteIdentifier(c.name)}) <= ${c.maxLength ?? DEFAULT_TEXT_MAX_LENGTH})`
        : '';
    return `  ${quoteIdentifier(c.name)} ${SQL_TYPES[c.type]}${c.nullable ? '' : ' NOT NULL'}${check}`;
  });
  const q = quoteIdentifier(t.name);
  return `CREATE TABLE IF NOT EXISTS ${q} (
  "Numero" int8 GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  "Status" int2 NOT NULL DEFAULT 1 CHECK ("Status" BETWEEN 0 AND 3),
${cols.join(',\n')}
);
CREATE INDEX IF NOT EXISTS ${quoteIdentifier(`${t.name}_status`.slice(0, 63))} ON ${q} ("Status", "Numero");`;
}

/**
 * A value as it is sent to PostgreSQL (a query parameter or a column of a row to insert).
 *
 * @example
 * ```ts
 * import type { SqlValue } from '@semper/sdc';
 * const params: SqlValue[] = ['EUR', 1250n, new Date(), null];
 * ```
 */
export type SqlValue = string | number | bigint | boolean | Date | null;

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const DECIMAL = /^-?(0|[1-9][0-9]{0,59})(\.[0-9]{1,30})?$/;
const BIGINT = /^-?(0|[1-9][0-9]{0,18})$/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Checks a JSON value from the wire against a column and returns the SQL parameter, or a reason why it
 * does not fit (never echoing the value). `undefined` counts as missing.
 *
 * @example
 * ```ts
 * import { decodeColumnValue } from '@semper/sdc';
 * decodeColumnValue({ name: 'amount', type: 'bigint' }, '1250'); // { ok: true, value: 1250n }
 * decodeColumnValue({ name: 'amount', type: 'bigint' }, 12.5); // { ok: false, reason: '...' }
 * ```
 */
export function decodeColumnValue(
  column: SdcColumn,
  value: unknown,
): { ok: true; value: SqlValue } | { ok: false; reason: string } {
  const no = (reason: string) => ({ ok: false as const, reason });
  if (value === null || value === undefined) {
    return column.nullable ? { ok: true, value: null } : no(value === null ? 'null in a required column' : 'missing');
  }
  switch (column.type) {
    case 'text': {
      if (typeof value !== 'string') return no('not a string');
      const max = column.maxLength ?? DEFAULT_TEXT_MAX_LENGTH;
      if (value.length > max * 2 || [...value].length > max) return no(`longer than ${max} characters`);
      if (value.includes('\u0000')) return no('contains NUL');
      if (LONE_SURROGATE.test(value)) return no('not well-formed Unicode');
      return { ok: true, value };
    }
    case 'integer':
      if (typeof value !== 'number' || !Number.isInteger(value) || value < -(2 ** 31) || value > 2 ** 31 - 1) {
        return no('not a 32-bit integer');
      }
      return { ok: true, value };
    case 'bigint': {
      if (typeof value !== 'string' || !BIGINT.test(value)) return no('not a decimal 64-bit integer string');
      const n = BigInt(value);
      if (n < INT64_MIN || n > INT64_MAX) return no('outside the 64-bit range');
      return { ok: true, value: n };
    }
    case 'numeric':
      if (typeof value !== 'string' || !DECIMAL.test(value)) return no('not a decimal string');
      return { ok: true, value };
    case 'boolean':
      if (typeof value !== 'boolean') return no('not a boolean');
      return { ok: true, value };
    case 'date': {
      if (typeof value !== 'string') return no('not a date string');
      const m = DATE.exec(value);
      if (m === null) return no('not YYYY-MM-DD');
      const d = new Date(`${value}T00:00:00Z`);
      if (Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== value || Number(m[1]) < 1) {
        return no('not a calendar date');
      }
      return { ok: true, value };
    }
    case 'timestamptz': {
      if (typeof value !== 'string' || !INSTANT.test(value)) return no('not an ISO 8601 instant');
      const d = new Date(value);
      if (Number.isNaN(d.getTime())) return no('not an instant');
      return { ok: true, value: d };
    }
  }
}

/**
 * Turns a value read from PostgreSQL into its JSON form for a record set (see {@link SdcColumnType}).
 *
 * @example
 * ```ts
 * import { encodeColumnValue } from '@semper/sdc';
 * encodeColumnValue({ name: 'amount', type: 'bigint' }, 1250n); // '1250'
 * ```
 */
export function encodeColumnValue(column: SdcColumn, value: unknown): string | number | boolean | null {
  if (value === null || value === undefined) return null;
  switch (column.type) {
    case 'bigint':
      return typeof value === 'bigint' ? value.toString() : String(value);
    case 'timestamptz':
      return value instanceof Date ? value.toISOString() : String(value);
    case 'integer':
      return Number(value);
    case 'boolean':
      return Boolean(value);
    default:
      return String(value);
  }
}
