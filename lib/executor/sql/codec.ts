import { describeValue as describe, EMPTY, isNonEmpty, makeTimeRange } from '../../tams/index.js';
import type { TimeRange } from '../../tams/index.js';
import type { ColumnSpec, ColumnType } from '../catalog/columns.js';
import { physicalColumns } from '../catalog/columns.js';
import { InvalidValueError } from '../errors.js';
import type { PhysicalKind } from './dialect.js';

/**
 * Converts between logical column values (what callers see) and physical values (what a row holds),
 * validating on the way in so that a bad value is a typed error, never a driver error.
 * Physical values here are backend-neutral JS values; the dialect makes driver parameters of them.
 */

const INT8_MIN = -(2n ** 63n);
const INT8_MAX = 2n ** 63n - 1n;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
// A UTF-16 surrogate without its partner cannot be encoded as UTF-8: drivers would silently replace it.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const KINDS: Record<Exclude<ColumnType, 'timerange'>, PhysicalKind> = {
  uuid: 'uuid',
  text: 'text',
  int: 'int8',
  bigint: 'int8',
  timestamp: 'int8',
  bool: 'bool',
  datetime: 'datetime',
  json: 'json',
  tags: 'json',
};
const TIMERANGE_KINDS: readonly PhysicalKind[] = ['int8', 'bool', 'int8', 'bool'];

/** Physical kinds of a logical column, one per physical column (see `physicalColumns`). */
export function physicalKinds(spec: ColumnSpec): readonly PhysicalKind[] {
  return spec.type === 'timerange' ? TIMERANGE_KINDS : [KINDS[spec.type]];
}

function checkText(table: string, column: string, value: unknown): string {
  if (typeof value !== 'string')
    throw new InvalidValueError(table, column, `expected a string, got ${describe(value)}`);
  if (value.includes('\u0000'))
    throw new InvalidValueError(table, column, 'strings cannot contain NUL characters');
  if (LONE_SURROGATE.test(value))
    throw new InvalidValueError(table, column, 'string contains an unpaired UTF-16 surrogate');
  return value;
}

function checkInt8(table: string, column: string, value: bigint): bigint {
  if (value < INT8_MIN || value > INT8_MAX)
    throw new InvalidValueError(
      table,
      column,
      `${value} is outside the signed 64-bit range this store keeps (about ±292 years of nanoseconds)`,
      'OUT_OF_RANGE',
    );
  return value;
}

function toJsonText(table: string, column: string, value: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (e) {
    throw new InvalidValueError(table, column, `value is not JSON-serialisable (${(e as Error).message})`);
  }
  if (text === undefined) throw new InvalidValueError(table, column, `value is not JSON-serialisable`);
  // PostgreSQL jsonb rejects the NUL escape; refuse it on every backend so both behave the same.
  if (text.includes('\\u0000')) throw new InvalidValueError(table, column, 'JSON strings cannot contain NUL');
  if (LONE_SURROGATE.test(text))
    throw new InvalidValueError(table, column, 'JSON contains an unpaired surrogate');
  return text;
}

/** Validates one scalar (non-timerange) logical value and returns its physical value. */
export function encodeScalar(table: string, column: string, spec: ColumnSpec, value: unknown): unknown {
  switch (spec.type) {
    case 'uuid': {
      const s = checkText(table, column, value);
      if (!UUID.test(s))
        throw new InvalidValueError(table, column, `${describe(value)} is not a lowercase RFC 4122 UUID`);
      return s;
    }
    case 'text':
      return checkText(table, column, value);
    case 'int':
      if (typeof value !== 'number' || !Number.isSafeInteger(value))
        throw new InvalidValueError(table, column, `expected a safe integer number, got ${describe(value)}`);
      return BigInt(value);
    case 'bigint':
    case 'timestamp':
      if (typeof value !== 'bigint')
        throw new InvalidValueError(table, column, `expected a bigint, got ${describe(value)}`);
      return checkInt8(table, column, value);
    case 'bool':
      if (typeof value !== 'boolean')
        throw new InvalidValueError(table, column, `expected a boolean, got ${describe(value)}`);
      return value;
    case 'datetime':
      if (!(value instanceof Date) || Number.isNaN(value.getTime()))
        throw new InvalidValueError(table, column, `expected a valid Date, got ${describe(value)}`);
      return value;
    case 'json':
      return toJsonText(table, column, value);
    case 'tags': {
      if (typeof value !== 'object' || value === null || Array.isArray(value))
        throw new InvalidValueError(
          table,
          column,
          `expected a tag map (object of strings), got ${describe(value)}`,
        );
      for (const [k, v] of Object.entries(value))
        if (typeof v !== 'string')
          throw new InvalidValueError(table, column, `tag ${JSON.stringify(k)} must have a string value`);
      return toJsonText(table, column, value);
    }
    case 'timerange':
      throw new InvalidValueError(table, column, 'a timerange is not a scalar');
  }
}

/** Runtime check for values that reach the executor from untyped callers. */
export function isTimeRange(value: unknown): value is TimeRange {
  if (typeof value !== 'object' || value === null) return false;
  const kind = (value as { kind?: unknown }).kind;
  return kind === 'empty' || kind === 'range';
}

/** Validates a TimeRange for a timerange column: [start, startOpen, end, endClosed]. */
export function encodeTimeRange(table: string, column: string, spec: ColumnSpec, value: unknown): unknown[] {
  if (!isTimeRange(value))
    throw new InvalidValueError(table, column, `expected a TimeRange, got ${describe(value)}`);
  if (!isNonEmpty(value)) {
    if (!spec.nullable) throw new InvalidValueError(table, column, 'the timerange must not be empty');
    return [null, null, null, null];
  }
  if (spec.bounded && (value.start === null || value.end === null))
    throw new InvalidValueError(table, column, 'the timerange must have a finite start and end');
  return [
    value.start === null ? null : checkInt8(table, column, value.start),
    !value.startInclusive && value.start !== null,
    value.end === null ? null : checkInt8(table, column, value.end),
    value.endInclusive && value.end !== null,
  ];
}

/** Physical values of one logical value, in `physicalColumns` order. NULL handling included. */
export function encodeColumn(table: string, column: string, spec: ColumnSpec, value: unknown): unknown[] {
  if (spec.type === 'timerange')
    return encodeTimeRange(
      table,
      column,
      spec,
      (value === null || value === undefined) && spec.nullable ? EMPTY : value,
    );
  if (value === null || value === undefined) {
    if (!spec.nullable)
      throw new InvalidValueError(table, column, 'a value is required (the column is not nullable)');
    return [null];
  }
  return [encodeScalar(table, column, spec, value)];
}

/** The logical value of a column from its physical values (already converted back by the dialect). */
export function decodeColumn(spec: ColumnSpec, physical: readonly unknown[]): unknown {
  if (spec.type === 'timerange') {
    const [start, startOpen, end, endClosed] = physical;
    if (startOpen === null || startOpen === undefined) return EMPTY;
    return makeTimeRange({
      start: start as bigint | null,
      startInclusive: startOpen === false,
      end: end as bigint | null,
      endInclusive: endClosed === true,
    });
  }
  const v = physical[0];
  if (v === null || v === undefined) return null;
  if (spec.type === 'int') return Number(v);
  return v;
}

export { describe, physicalColumns };
