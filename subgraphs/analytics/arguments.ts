import { parseTimeRange, validateUuid } from '../../lib/tams/index.js';
import type { TimeRange } from '../../lib/tams/index.js';
import { DomainError } from '../media/errors.js';

/**
 * Argument checks of the analytics fields, and their caps (documented in schema/analytics.graphql). A bad
 * argument is the caller's fault and gets BAD_USER_INPUT with what was wrong and what is accepted.
 */
export const CAPS = {
  buckets: 1000,
  bins: 1000,
  percentiles: 100,
  gapsLimit: 10_000,
  defaultGapsLimit: 100,
  last: 10_000,
  defaultLast: 60,
  defaultWindow: 5,
  minIntervalSeconds: 0.001,
  maxIntervalSeconds: 31 * 24 * 3600,
  defaultThreshold: 3,
} as const;

export function badInput(message: string, argument: string): DomainError {
  return new DomainError('BAD_USER_INPUT', message, { details: { argument } });
}

/** A TAMS 7.0 timerange argument; undefined when absent (the whole flow). */
export function timerangeArg(text: string | null | undefined, argument = 'timerange'): TimeRange | undefined {
  if (text === null || text === undefined) return undefined;
  const parsed = parseTimeRange(text);
  if (!parsed.ok) throw badInput(`${argument}: ${parsed.error.message}`, argument);
  return parsed.value;
}

export function intArg(
  value: number | null | undefined,
  argument: string,
  min: number,
  max: number,
  fallback?: number,
): number {
  if (value === null || value === undefined) {
    if (fallback === undefined) throw badInput(`${argument} is required`, argument);
    return fallback;
  }
  if (!Number.isInteger(value) || value < min || value > max)
    throw badInput(`${argument} must be an integer from ${min} to ${max}, got ${value}`, argument);
  return value;
}

export function percentilesArg(ps: readonly number[]): readonly number[] {
  if (ps.length > CAPS.percentiles)
    throw badInput(`p takes at most ${CAPS.percentiles} fractions, got ${ps.length}`, 'p');
  for (const p of ps)
    if (!(p >= 0 && p <= 1)) throw badInput(`each p must be a fraction from 0 to 1, got ${p}`, 'p');
  return ps;
}

/** An interval in seconds as whole milliseconds (the resolution of `created`). */
export function intervalArg(seconds: number): number {
  if (!Number.isFinite(seconds) || seconds < CAPS.minIntervalSeconds || seconds > CAPS.maxIntervalSeconds)
    throw badInput(
      `interval must be from ${CAPS.minIntervalSeconds} to ${CAPS.maxIntervalSeconds} seconds, got ${seconds}`,
      'interval',
    );
  return Math.round(seconds * 1000);
}

export function nonNegativeArg(value: number | null | undefined, argument: string, fallback: number): number {
  if (value === null || value === undefined) return fallback;
  if (!Number.isFinite(value) || value < 0)
    throw badInput(`${argument} must be a finite number ≥ 0, got ${value}`, argument);
  return value;
}

/** A flow, source or storage backend id (a lowercase UUID); undefined when absent. */
export function idArg(value: string | null | undefined, argument: string): string | undefined {
  if (value === null || value === undefined) return undefined;
  const checked = validateUuid(value);
  if (!checked.ok) throw badInput(`${argument}: ${checked.error.message}`, argument);
  return value;
}

/** An ISO 8601 date-time with a zone (e.g. 2026-12-01T00:00:00Z); undefined when absent. */
export function dateTimeArg(value: string | null | undefined, argument: string): Date | undefined {
  if (value === null || value === undefined) return undefined;
  const date = new Date(value);
  if (
    !/^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/.test(value) ||
    Number.isNaN(date.getTime())
  )
    throw badInput(
      `${argument} must be an ISO 8601 date-time with a zone, e.g. 2026-12-01T00:00:00Z; got ${JSON.stringify(value)}`,
      argument,
    );
  return date;
}
