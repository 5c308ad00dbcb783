import { z } from 'zod';
import { SdcServiceError } from './errors.js';
import {
  decodeColumnValue,
  encodeColumnValue,
  SDC_COLUMN_TYPES,
  type SdcColumn,
  type SdcColumnType,
  type SdcTable,
  type SqlValue,
} from './table.js';

/**
 * The limits of a record set in a container.
 *
 * @example
 * ```ts
 * import { RECORD_SET_LIMITS } from '@semper/sdc';
 * console.log(RECORD_SET_LIMITS.rows); // 10000
 * ```
 */
export const RECORD_SET_LIMITS = Object.freeze({
  /** Rows of one record set. */
  rows: 10_000,
  /** Columns of one record set. */
  columns: 200,
});

/**
 * A record set on the wire: the table, the columns it carries (name and type: the receiver checks them
 * against its description) and the rows, each an object keyed by column name (fields are matched by
 * name, never by position). `Numero` and `Status` are never sent: the receiver numbers the rows.
 *
 * @example
 * ```ts
 * import type { RecordSet } from '@semper/sdc';
 * const set: RecordSet = {
 *   table: 'transfers',
 *   columns: [{ name: 'reference', type: 'text' }, { name: 'amount', type: 'bigint' }],
 *   rows: [{ amount: '1250', reference: 'T-1' }],
 * };
 * ```
 */
export interface RecordSet {
  readonly table: string;
  readonly columns: readonly { readonly name: string; readonly type: SdcColumnType }[];
  readonly rows: readonly Readonly<Record<string, string | number | boolean | null>>[];
}

const name = z.string().min(1).max(63);
const cell = z.union([z.string(), z.number(), z.boolean(), z.null()]);
const recordSetSchema = z.strictObject({
  table: name,
  columns: z
    .array(z.strictObject({ name, type: z.enum(SDC_COLUMN_TYPES as [SdcColumnType, ...SdcColumnType[]]) }))
    .min(1)
    .max(RECORD_SET_LIMITS.columns),
  rows: z.array(z.record(z.string().max(63), cell)).max(RECORD_SET_LIMITS.rows),
});
const containerId = z.string().min(1).max(64);

/**
 * The zod schemas of the bodies, per container type (strict: unknown keys refused):
 *
 * - `export`: `{ recordSet }`;
 * - `import-request`: `{ query }` (checked further by `parseQuery`/`compileQuery`);
 * - `import-response`: `{ recordSet, truncated }` (`inReplyTo`: the request);
 * - `receipt`: `{ for, digest, rows }` — `for` the container applied, `digest` SHA-256 of its bytes
 *   (base64url), `rows` how many rows it added;
 * - `error`: `{ for, code, reason }`;
 * - `message`: `{ subject?, text }`.
 *
 * @example
 * ```ts
 * import { SDC_BODY_SCHEMAS } from '@semper/sdc';
 * SDC_BODY_SCHEMAS.message.safeParse({ text: 'closing early on Friday' }).success; // true
 * ```
 */
export const SDC_BODY_SCHEMAS = Object.freeze({
  export: z.strictObject({ recordSet: recordSetSchema }),
  'import-request': z.strictObject({ query: z.record(z.string(), z.unknown()) }),
  'import-response': z.strictObject({ recordSet: recordSetSchema, truncated: z.boolean() }),
  receipt: z.strictObject({
    for: containerId,
    digest: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
    rows: z.number().int().min(0).max(RECORD_SET_LIMITS.rows),
  }),
  error: z.strictObject({ for: containerId, code: z.string().min(1).max(64), reason: z.string().max(1000) }),
  message: z.strictObject({ subject: z.string().max(200).optional(), text: z.string().max(100_000) }),
});

/**
 * The body of each container type, as {@link SDC_BODY_SCHEMAS} parse it.
 *
 * @example
 * ```ts
 * import type { SdcBodies } from '@semper/sdc';
 * const receipt: SdcBodies['receipt'] = { for: 'sdc_01', digest: 'A'.repeat(43), rows: 10 };
 * ```
 */
export type SdcBodies = { [K in keyof typeof SDC_BODY_SCHEMAS]: z.output<(typeof SDC_BODY_SCHEMAS)[K]> };

/**
 * Parses an untrusted body for a container type.
 *
 * @throws SdcServiceError `ERR_SDC_BODY_INVALID` (issue paths and codes, never values).
 * @example
 * ```ts
 * import { parseBody } from '@semper/sdc';
 * const m = parseBody('message', { text: 'hello' }); // { text: 'hello' }
 * ```
 */
export function parseBody<T extends keyof SdcBodies>(type: T, body: unknown): SdcBodies[T] {
  const r = SDC_BODY_SCHEMAS[type].safeParse(body);
  if (!r.success) {
    const where = r.error.issues
      .slice(0, 3)
      .map((i) => `${i.path.slice(0, 4).join('.') || '(body)'}: ${i.code}`)
      .join('; ');
    throw new SdcServiceError('ERR_SDC_BODY_INVALID', `the ${type} body does not match its schema (${where})`);
  }
  return r.data as SdcBodies[T];
}

/**
 * A record set checked against a table: the columns it carries (in the description's order) and the
 * rows as SQL parameters in that order.
 *
 * @example
 * ```ts
 * import type { DecodedRecordSet } from '@semper/sdc';
 * const count = (d: DecodedRecordSet) => d.rows.length;
 * ```
 */
export interface DecodedRecordSet {
  readonly table: SdcTable;
  readonly columns: readonly SdcColumn[];
  readonly rows: readonly (readonly SqlValue[])[];
}

/**
 * Checks a record set (already through the body schema) against the receiver's table description and the
 * allowed columns: every declared column allowed, described, of the described type, declared once; every
 * required column (not nullable) declared; every row with only declared fields, each value fitting its
 * column. One bad row refuses the whole set.
 *
 * @throws SdcServiceError `ERR_SDC_TABLE_NOT_ALLOWED`, `ERR_SDC_COLUMN_NOT_ALLOWED`, `ERR_SDC_SCHEMA_MISMATCH`,
 * `ERR_SDC_BAD_ROW` (with the row index and column in `details`).
 * @example
 * ```ts
 * import { decodeRecordSet } from '@semper/sdc';
 * const decoded = decodeRecordSet(body.recordSet, transfersTable, ['reference', 'amount', 'currency']);
 * ```
 */
export function decodeRecordSet(
  set: RecordSet,
  table: SdcTable | undefined,
  allowed: readonly string[] | undefined,
): DecodedRecordSet {
  if (table === undefined || allowed === undefined || table.name !== set.table) {
    throw new SdcServiceError('ERR_SDC_TABLE_NOT_ALLOWED', 'the table does not take record sets from this service', {
      details: { table: set.table },
    });
  }
  const declared = new Map<string, SdcColumnType>();
  for (const c of set.columns) {
    if (declared.has(c.name)) {
      throw new SdcServiceError('ERR_SDC_SCHEMA_MISMATCH', 'a column is declared twice', {
        details: { column: c.name },
      });
    }
    declared.set(c.name, c.type);
    if (!allowed.includes(c.name)) {
      throw new SdcServiceError('ERR_SDC_COLUMN_NOT_ALLOWED', 'a declared column is not allowed', {
        details: { table: table.name, column: c.name },
      });
    }
    const local = table.columns.find((x) => x.name === c.name);
    if (local === undefined || local.type !== c.type) {
      throw new SdcServiceError(
        'ERR_SDC_SCHEMA_MISMATCH',
        local === undefined
          ? 'a declared column is not in the table'
          : `column ${c.name} is ${local.type} here, not ${c.type}`,
        { details: { table: table.name, column: c.name } },
      );
    }
  }
  for (const c of table.columns) {
    if (!c.nullable && !declared.has(c.name)) {
      throw new SdcServiceError('ERR_SDC_SCHEMA_MISMATCH', `the required column ${c.name} is not in the record set`, {
        details: { table: table.name, column: c.name },
      });
    }
  }
  const columns = table.columns.filter((c) => declared.has(c.name));
  const rows = set.rows.map((row, index) => {
    for (const key of Object.keys(row)) {
      if (!declared.has(key)) {
        throw new SdcServiceError('ERR_SDC_BAD_ROW', `row ${index} has an undeclared field`, {
          details: { row: index, column: key.slice(0, 63) },
        });
      }
    }
    return columns.map((c) => {
      const v = Object.hasOwn(row, c.name) ? row[c.name] : undefined;
      const d = decodeColumnValue(c, v);
      if (!d.ok) {
        throw new SdcServiceError('ERR_SDC_BAD_ROW', `row ${index}, column ${c.name}: ${d.reason}`, {
          details: { row: index, column: c.name },
        });
      }
      return d.value;
    });
  });
  return { table, columns, rows };
}

/**
 * Makes the wire record set of rows read from a table (any extra property of a row, such as `Numero`, is
 * left out).
 *
 * @example
 * ```ts
 * import { encodeRecordSet } from '@semper/sdc';
 * const set = encodeRecordSet(transfersTable, transfersTable.columns, await store.query('select * from transfers'));
 * ```
 */
export function encodeRecordSet(
  table: SdcTable,
  columns: readonly SdcColumn[],
  rows: readonly Record<string, unknown>[],
): RecordSet {
  return {
    table: table.name,
    columns: columns.map((c) => ({ name: c.name, type: c.type })),
    rows: rows.map((r) => Object.fromEntries(columns.map((c) => [c.name, encodeColumnValue(c, r[c.name])]))),
  };
}

/**
 * For import responses: a query's columns may include `Numero`/`Status`, which record sets never carry.
 *
 * @example
 * ```ts
 * const columns = recordColumnsOf(compiled.columns, compiled.table);
 * ```
 */
export function recordColumnsOf(columns: readonly SdcColumn[], table: SdcTable): SdcColumn[] {
  return columns.filter((c) => table.columns.some((t) => t.name === c.name));
}
