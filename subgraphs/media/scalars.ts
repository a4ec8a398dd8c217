import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';
import type { ValueNode } from 'graphql';
import { formatTimeRange, formatTimestamp, parseTimeRange, parseTimestamp } from '../../lib/tams/index.js';
import type { TimeRange } from '../../lib/tams/index.js';

/** Custom scalars with exactly the TAMS 7.0 grammars; parse errors carry a BAD_USER_INPUT code. */

function inputError(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT' } });
}

function stringLiteral(ast: ValueNode, name: string): string {
  if (ast.kind !== Kind.STRING) throw inputError(`${name} must be a string`);
  return ast.value;
}

function parseTimestampValue(value: unknown): bigint {
  if (typeof value !== 'string') throw inputError('a Timestamp is a string such as "1694429247:40000000"');
  const r = parseTimestamp(value);
  if (!r.ok) throw inputError(r.error.message);
  return r.value;
}

export const TimestampScalar = new GraphQLScalarType<bigint, string>({
  name: 'Timestamp',
  serialize: (value) => formatTimestamp(value as bigint),
  parseValue: parseTimestampValue,
  parseLiteral: (ast) => parseTimestampValue(stringLiteral(ast, 'Timestamp')),
});

function parseTimeRangeValue(value: unknown): TimeRange {
  if (typeof value !== 'string') throw inputError('a TimeRange is a string such as "[0:0_10:0)"');
  const r = parseTimeRange(value);
  if (!r.ok) throw inputError(r.error.message);
  return r.value;
}

export const TimeRangeScalar = new GraphQLScalarType<TimeRange, string>({
  name: 'TimeRange',
  serialize: (value) => formatTimeRange(value as TimeRange),
  parseValue: parseTimeRangeValue,
  parseLiteral: (ast) => parseTimeRangeValue(stringLiteral(ast, 'TimeRange')),
});

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;

function parseDateTimeValue(value: unknown): Date {
  const date = typeof value === 'string' && RFC3339.test(value) ? new Date(value) : null;
  if (!date || Number.isNaN(date.getTime())) throw inputError('a DateTime is an RFC 3339 date-time');
  return date;
}

export const DateTimeScalar = new GraphQLScalarType<Date, string>({
  name: 'DateTime',
  serialize: (value) => (value as Date).toISOString(),
  parseValue: parseDateTimeValue,
  parseLiteral: (ast) => parseDateTimeValue(stringLiteral(ast, 'DateTime')),
});

function parseLongValue(value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value))
    throw inputError('a Long is an integer within ±(2^53 − 1)');
  return value;
}

export const LongScalar = new GraphQLScalarType<number, number>({
  name: 'Long',
  serialize: (value) => (typeof value === 'bigint' ? Number(value) : (value as number)),
  parseValue: parseLongValue,
  parseLiteral: (ast) => {
    if (ast.kind !== Kind.INT) throw inputError('a Long is an integer literal');
    return parseLongValue(Number(ast.value));
  },
});

function literalToJson(ast: ValueNode, variables: Record<string, unknown> | null | undefined): unknown {
  switch (ast.kind) {
    case Kind.STRING:
    case Kind.BOOLEAN:
      return ast.value;
    case Kind.INT:
    case Kind.FLOAT:
      return Number(ast.value);
    case Kind.NULL:
      return null;
    case Kind.LIST:
      return ast.values.map((v) => literalToJson(v, variables));
    case Kind.OBJECT:
      return Object.fromEntries(ast.fields.map((f) => [f.name.value, literalToJson(f.value, variables)]));
    case Kind.VARIABLE:
      return variables?.[ast.name.value];
    case Kind.ENUM:
      return ast.value;
  }
}

export const JSONScalar = new GraphQLScalarType<unknown, unknown>({
  name: 'JSON',
  serialize: (value) => value,
  parseValue: (value) => value,
  parseLiteral: (ast, variables) => literalToJson(ast, variables),
});
