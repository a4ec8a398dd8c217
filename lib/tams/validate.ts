/**
 * Validation of the free-form strings and identifiers of TAMS 7.0 entities. 7.0 limits none of these
 * strings; the limits here keep hostile input bounded and are ours, not the spec's. Lengths are counted
 * in UTF-16 code units. Lone surrogates and NUL are rejected everywhere because they cannot be stored.
 */
import { describeValue } from './describe-value.js';
import { fail, ok } from './result.js';
import type { Result } from './result.js';

export const MAX_TAG_NAME_LENGTH = 256;
export const MAX_TAG_VALUE_LENGTH = 65_536;
export const MAX_TAGS_PER_ENTITY = 1024;
export const MAX_LABEL_LENGTH = 4096;
export const MAX_DESCRIPTION_LENGTH = 65_536;

/** The pattern of every id in the 7.0 schemas (`uuid` component): lowercase hex, versions 1-5. */
const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const LONE_SURROGATE = /\p{Cs}/u;
const CONTROL_CHARACTER = /\p{Cc}/u;

export function validateUuid(value: unknown): Result<string> {
  if (typeof value !== 'string') {
    return fail('INVALID_UUID', `Invalid UUID ${describeValue(value)}: expected a string`);
  }
  if (UUID_PATTERN.test(value)) return ok(value);
  const reason = UUID_PATTERN.test(value.toLowerCase())
    ? 'TAMS 7.0 requires UUIDs in lowercase'
    : 'expected a lowercase RFC 4122 UUID of version 1-5, e.g. "0b3a5a6c-3c5f-4a3c-9f3a-3a4a5a6a7a8a"';
  return fail('INVALID_UUID', `Invalid UUID ${describeValue(value)}: ${reason}`);
}

export function validateTagName(value: unknown): Result<string> {
  const checked = checkString(value, MAX_TAG_NAME_LENGTH, 'INVALID_TAG_NAME', 'tag name');
  if (!checked.ok) return checked;
  if (checked.value === '') return fail('INVALID_TAG_NAME', 'Invalid tag name "": it must not be empty');
  if (CONTROL_CHARACTER.test(checked.value)) {
    return fail(
      'INVALID_TAG_NAME',
      `Invalid tag name ${describeValue(value)}: it must not contain control characters`,
    );
  }
  return checked;
}

export function validateTagValue(value: unknown): Result<string> {
  if (Array.isArray(value)) {
    return fail(
      'INVALID_TAG_VALUE',
      `Invalid tag value ${describeValue(value)}: TAMS 7.0 tag values are strings; lists of values arrived only in 8.0`,
    );
  }
  return checkString(value, MAX_TAG_VALUE_LENGTH, 'INVALID_TAG_VALUE', 'tag value');
}

/** A 7.0 `tags` object: a map from tag name to string value. The result is a frozen copy. */
export function validateTags(value: unknown): Result<Readonly<Record<string, string>>> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return fail(
      'INVALID_TAGS',
      `Invalid tags ${describeValue(value)}: expected an object mapping names to strings`,
    );
  }
  const record = value as Record<string, unknown>;
  const names = Object.keys(record);
  if (names.length > MAX_TAGS_PER_ENTITY) {
    return fail(
      'INVALID_TAGS',
      `Invalid tags: ${names.length} tags given, at most ${MAX_TAGS_PER_ENTITY} are allowed`,
    );
  }
  const entries: [string, string][] = [];
  for (const name of names) {
    const checkedName = validateTagName(name);
    if (!checkedName.ok) return checkedName;
    const checkedValue = validateTagValue(record[name]);
    if (!checkedValue.ok) {
      return fail(checkedValue.error.code, `Tag ${describeValue(name)}: ${checkedValue.error.message}`);
    }
    entries.push([name, checkedValue.value]);
  }
  // fromEntries defines own properties, so a tag named "__proto__" stays a tag rather than a prototype.
  return ok(Object.freeze(Object.fromEntries(entries)));
}

export function validateLabel(value: unknown): Result<string> {
  return checkString(value, MAX_LABEL_LENGTH, 'INVALID_LABEL', 'label');
}

export function validateDescription(value: unknown): Result<string> {
  return checkString(value, MAX_DESCRIPTION_LENGTH, 'INVALID_DESCRIPTION', 'description');
}

/** Free-form text of at most `maxLength` (an api key, an object id, a get URL label): the shared rules. */
export function validateText(value: unknown, maxLength: number, what = 'text'): Result<string> {
  return checkString(value, maxLength, 'INVALID_TEXT', what);
}

/** The rules shared by every free-form string: a string, within its length limit, encodable as UTF-8. */
function checkString(value: unknown, maxLength: number, code: string, what: string): Result<string> {
  const broken = (rule: string): Result<never> =>
    fail(code, `Invalid ${what} ${describeValue(value)}: ${rule}`);
  if (typeof value !== 'string') return broken('expected a string');
  if (value.length > maxLength) {
    return broken(`it is longer than the limit of ${maxLength} UTF-16 code units`);
  }
  if (LONE_SURROGATE.test(value)) {
    return broken('it contains a lone UTF-16 surrogate, which cannot be stored as UTF-8');
  }
  // PostgreSQL text cannot hold U+0000; refuse it on every backend so both behave alike.
  if (value.includes('\u0000')) return broken('it contains a NUL character, which cannot be stored');
  return ok(value);
}
