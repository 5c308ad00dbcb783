// Values in and out, made the same on both backends (see `Row` and `Queryable` for the table).
import type pg from 'pg';
import { StoreError } from './errors.js';

/** PostgreSQL type OIDs whose parsing the store changes. */
const OID = {
  bytea: 17,
  int8: 20,
  textArray: 1009,
  byteaArray: 1001,
  int8Array: 1016,
  date: 1082,
  timestamp: 1114,
  timestampArray: 1115,
  dateArray: 1182,
} as const;

const identity = (value: string): string => value;

/** @internal The parsers PGlite is given: `int8` as bigint, `date` and `timestamp` as text (arrays follow). */
export const pgliteParsers: Record<number, (value: string) => unknown> = {
  [OID.int8]: (value) => BigInt(value),
  [OID.date]: identity,
  [OID.timestamp]: identity,
};

function mapDeep(value: unknown, f: (item: unknown) => unknown): unknown {
  if (Array.isArray(value)) return value.map((item) => mapDeep(item, f));
  return value === null ? null : f(value);
}

function toUint8Array(value: unknown): unknown {
  return Buffer.isBuffer(value) ? new Uint8Array(value.buffer, value.byteOffset, value.byteLength) : value;
}

type TextParser = (value: string) => unknown;

/**
 * `pg`'s `types` option: the same JavaScript values as PGlite gives, per the table in `Row`. Takes the
 * loaded `pg` module's `types` (pg is loaded only when a server store is opened).
 *
 * @internal
 */
export function makePgTypeParsers(types: typeof pg.types): pg.CustomTypesConfig {
  const builtin = (oid: number): TextParser => types.getTypeParser(oid, 'text') as TextParser;
  const getTypeParser = (oid: number, format: 'text' | 'binary' = 'text'): TextParser => {
    if (format !== 'text') return types.getTypeParser(oid, format) as TextParser;
    switch (oid) {
      case OID.int8:
        return (value) => BigInt(value);
      case OID.int8Array: {
        const strings = builtin(OID.textArray);
        return (value) => mapDeep(strings(value), (item) => BigInt(item as string));
      }
      case OID.bytea: {
        const bytes = builtin(OID.bytea);
        return (value) => toUint8Array(bytes(value));
      }
      case OID.byteaArray: {
        const bytesArray = builtin(OID.byteaArray);
        return (value) => mapDeep(bytesArray(value), toUint8Array);
      }
      case OID.date:
      case OID.timestamp:
        return identity;
      case OID.dateArray:
      case OID.timestampArray:
        return builtin(OID.textArray);
      default:
        return builtin(oid);
    }
  };
  return { getTypeParser } as unknown as pg.CustomTypesConfig;
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** JSON text of a plain object; bigints become decimal strings (JSON has no integers beyond 2^53). */
function toJson(value: object): string {
  return JSON.stringify(value, (_key, item) => (typeof item === 'bigint' ? item.toString() : item));
}

/** Checks and converts query parameters into what both drivers send the same way. @internal */
export function prepareParams(params: readonly unknown[] | undefined): unknown[] {
  if (params === undefined) return [];
  if (!Array.isArray(params)) throw new StoreError('ERR_STORE_INVALID_ARGUMENT', 'query parameters are an array');
  return params.map((value, index) => prepareParam(value, index));
}

function prepareParam(value: unknown, index: number): unknown {
  switch (typeof value) {
    case 'undefined':
      return null;
    case 'string':
    case 'number':
    case 'boolean':
    case 'bigint':
      return value;
    case 'object': {
      if (value === null || value instanceof Date || value instanceof Uint8Array) return value;
      if (Array.isArray(value)) return value.map((item) => prepareArrayItem(item, index));
      if (isPlainObject(value)) return toJson(value);
      throw new StoreError(
        'ERR_STORE_INVALID_ARGUMENT',
        `parameter $${index + 1} is a ${value.constructor?.name ?? 'object'}; pass a plain object (JSON), a Date, a Uint8Array, an array or a scalar`,
      );
    }
    default:
      throw new StoreError('ERR_STORE_INVALID_ARGUMENT', `parameter $${index + 1} is a ${typeof value}`);
  }
}

function prepareArrayItem(item: unknown, index: number): unknown {
  if (Array.isArray(item)) return item.map((inner) => prepareArrayItem(inner, index));
  if (item !== null && typeof item === 'object' && !(item instanceof Date) && !(item instanceof Uint8Array)) {
    if (isPlainObject(item)) return toJson(item);
  }
  return prepareParam(item, index);
}
