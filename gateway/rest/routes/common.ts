import { validateTagName, validateUuid } from '../../../lib/tams/index.js';
import { restError } from '../errors.js';
import type { RestResponse } from '../router.js';

/** Small answers shared by the route families. */

export const ok = (body: unknown, headers?: Record<string, string>): RestResponse => ({
  status: 200,
  body,
  headers,
});
export const noContent: RestResponse = { status: 204 };

/**
 * Path ids that are not UUIDs name nothing: 7.0 answers 404 for a missing or invalid id. A routing
 * matter (the 7.0 path templates declare the pattern), so it is checked here rather than left to the
 * domain, whose INVALID_ID (400) is right for an id in a body or a query parameter.
 */
export function pathId(value: string, what: string): string {
  if (!validateUuid(value).ok)
    throw restError('NOT_FOUND', `${what} ${JSON.stringify(value.slice(0, 80))} is not a valid id`);
  return value;
}

/** A tag name in a path that no tag could have names nothing: 7.0 answers 404 ("the tag name in the path is invalid"). */
export function pathTagName(value: string): string {
  const r = validateTagName(value);
  if (!r.ok) throw restError('NOT_FOUND', `tag name in the path: ${r.error.message}`);
  return value;
}

export function notFound(what: string) {
  return restError('NOT_FOUND', `${what} does not exist`);
}
