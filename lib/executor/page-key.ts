import { createHash } from 'node:crypto';
import { InvalidQueryError } from './errors.js';
import type { PhysicalKind } from './sql/dialect.js';

/**
 * Opaque keyset page keys: the sort-key values of the last row of a page, plus a fingerprint of the sort
 * order they belong to. A key is only accepted by a query with the same table and order, and every value
 * is type-checked on the way back in, so a forged or stale key is a typed error, never a SQL error.
 */

const VERSION = 1;
const MAX_KEY_LENGTH = 4096;

const fingerprints = new Map<string, string>();

/** A short hash of a sort order (memoised: the same few orders are used by every request). */
export function orderFingerprint(shape: string): string {
  let fingerprint = fingerprints.get(shape);
  if (fingerprint === undefined) {
    fingerprint = createHash('sha256').update(shape).digest('base64url').slice(0, 12);
    if (fingerprints.size < 10_000) fingerprints.set(shape, fingerprint);
  }
  return fingerprint;
}

type Encoded = string | boolean | null;

function encodeValue(kind: PhysicalKind, value: unknown): Encoded {
  if (value === null || value === undefined) return null;
  switch (kind) {
    case 'int8':
      return (value as bigint).toString();
    case 'bool':
      return value as boolean;
    case 'datetime':
      return (value as Date).getTime().toString();
    case 'uuid':
    case 'text':
      return value as string;
    case 'json':
      throw new InvalidQueryError('INVALID_QUERY', 'JSON columns cannot be part of a sort key');
  }
}

function badKey(reason: string): InvalidQueryError {
  return new InvalidQueryError(
    'INVALID_PAGE_KEY',
    `invalid page key: ${reason}; request the first page again`,
  );
}

function decodeValue(kind: PhysicalKind, value: unknown): unknown {
  switch (kind) {
    case 'int8':
    case 'datetime': {
      if (typeof value !== 'string' || !/^-?\d{1,19}$/.test(value)) throw badKey('malformed integer');
      const n = BigInt(value);
      if (kind === 'datetime') {
        const d = new Date(Number(n));
        if (Number.isNaN(d.getTime())) throw badKey('malformed date');
        return d;
      }
      if (n < -(2n ** 63n) || n >= 2n ** 63n) throw badKey('integer out of range');
      return n;
    }
    case 'bool':
      if (typeof value !== 'boolean') throw badKey('malformed flag');
      return value;
    case 'uuid':
    case 'text':
      if (typeof value !== 'string') throw badKey('malformed string');
      return value;
    case 'json':
      throw badKey('JSON sort key');
  }
}

export function encodePageKey(
  fingerprint: string,
  kinds: readonly PhysicalKind[],
  values: readonly unknown[],
): string {
  const body = JSON.stringify([VERSION, fingerprint, kinds.map((k, i) => encodeValue(k, values[i]))]);
  return Buffer.from(body, 'utf8').toString('base64url');
}

/** `nullable[i]`: the i-th value may be null (a nullable sort column; the key then records the null state). */
export function decodePageKey(
  key: unknown,
  fingerprint: string,
  kinds: readonly PhysicalKind[],
  nullable: readonly boolean[] = [],
): unknown[] {
  if (typeof key !== 'string' || key.length === 0 || key.length > MAX_KEY_LENGTH) throw badKey('not a key');
  if (!/^[A-Za-z0-9_-]+$/.test(key)) throw badKey('not base64url');
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(key, 'base64url').toString('utf8'));
  } catch {
    throw badKey('undecodable');
  }
  if (!Array.isArray(parsed) || parsed.length !== 3 || parsed[0] !== VERSION) throw badKey('unknown format');
  if (parsed[1] !== fingerprint) throw badKey('it belongs to a different query order');
  const values: unknown = parsed[2];
  if (!Array.isArray(values) || values.length !== kinds.length) throw badKey('wrong number of values');
  return kinds.map((k, i) => {
    const v: unknown = values[i];
    if (v === null) {
      if (nullable[i] === true) return null;
      throw badKey('null sort value');
    }
    return decodeValue(k, v);
  });
}
