import {
  validateDescription,
  validateLabel,
  validateTagName,
  validateTags,
  validateTagValue,
  validateText,
  validateUuid,
} from '../../../lib/tams/index.js';
import type { Result } from '../../../lib/tams/index.js';
import { objectIdProblem } from '../../../lib/objects/index.js';
import { DomainError } from '../errors.js';
import type { TagInput } from '../__generated__/resolvers-types.js';

/** Input checks shared by the mutations: each failure is a 400 naming the field and the rule. */

export function check<T>(result: Result<T>, field: string): T {
  if (!result.ok) throw new DomainError('BAD_REQUEST', `${field}: ${result.error.message}`);
  return result.value;
}

export function checkId(value: string, field = 'id'): string {
  const r = validateUuid(value);
  if (!r.ok) throw new DomainError('INVALID_ID', `${field}: ${r.error.message}`);
  return r.value;
}

/**
 * An object id a client gives (storage allocation, segment registration): the one rule every object
 * store and URL can carry (lib/objects/object-id.ts), so a refused id is a 400 before anything is stored.
 */
export function checkObjectId(value: string, field = 'objectId'): string {
  const problem = objectIdProblem(value);
  if (problem !== undefined) throw new DomainError('INVALID_OBJECT_ID', `${field}: ${problem}`);
  return value;
}

export const checkLabel = (v: string, field = 'label') => check(validateLabel(v), field);
export const checkDescription = (v: string, field = 'description') => check(validateDescription(v), field);
export const checkTagName = (v: string) => check(validateTagName(v), 'tag name');
export const checkTagValue = (v: string) => check(validateTagValue(v), 'tag value');

export function checkTags(tags: readonly TagInput[] | null | undefined): Record<string, string> {
  const seen = new Set<string>();
  for (const t of tags ?? []) {
    if (seen.has(t.name))
      throw new DomainError('BAD_REQUEST', `tags: the tag ${JSON.stringify(t.name)} is given twice`);
    seen.add(t.name);
  }
  // fromEntries, not `map[name] = value`: a tag named "__proto__" is a tag like any other, where an
  // assignment would set the object's prototype (and drop the tag without a word).
  const map = Object.fromEntries((tags ?? []).map((t) => [t.name, t.value])) as Record<string, string>;
  return { ...check(validateTags(map), 'tags') };
}

export function checkInteger(value: number | null | undefined, field: string, min: number): number | null {
  if (value === null || value === undefined) return null;
  if (!Number.isSafeInteger(value) || value < min)
    throw new DomainError('BAD_REQUEST', `${field}: expected an integer of at least ${min}, got ${value}`);
  return value;
}

const MIME = /^[^\s/]+\/[^\s/]+$/;

export function checkMime(value: string | null | undefined, field: string): string | null {
  if (value === null || value === undefined) return null;
  if (!MIME.test(value) || value.length > 255)
    throw new DomainError(
      'BAD_REQUEST',
      `${field}: expected a MIME type such as "video/mp2t", got ${JSON.stringify(value)}`,
    );
  return value;
}

export function checkText(value: string | null | undefined, field: string, max = 4096): string | null {
  if (value === null || value === undefined) return null;
  return check(validateText(value, max), field);
}

/** `{numerator, denominator}` with both > 0; the denominator defaults to 1 (7.0 schema default). */
export function checkRational(
  value: { numerator: number; denominator?: number | null } | null | undefined,
  field: string,
): { numerator: number; denominator: number } | null {
  if (value === null || value === undefined) return null;
  const numerator = checkInteger(value.numerator, `${field}.numerator`, 1)!;
  const denominator = checkInteger(value.denominator ?? 1, `${field}.denominator`, 1)!;
  return { numerator, denominator };
}
