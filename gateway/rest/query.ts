import { parseTimeRange, validateUuid } from '../../lib/tams/index.js';
import type { TimeRange } from '../../lib/tams/index.js';
import { HttpError } from '../http/errors.js';
import { queryStringProblem } from '../http/strict-text.js';

/**
 * Query parameters of the 7.0 routes. Known parameters with bad values are a 400 naming the parameter
 * and the expected form; unknown parameters (and `access_token`, an authentication scheme) are ignored,
 * as the DIGEST recommends for a 7.0 server.
 */
export class QueryParams {
  private readonly params: URLSearchParams;

  constructor(readonly raw: string) {
    // URLSearchParams decodes leniently (`%FF` becomes U+FFFD): text that is not UTF-8 is refused first.
    const problem = queryStringProblem(raw);
    if (problem !== undefined) throw new HttpError(400, 'BAD_REQUEST', problem);
    this.params = new URLSearchParams(raw);
  }

  private bad(name: string, expected: string): HttpError {
    return new HttpError(400, 'BAD_REQUEST', `query parameter ${name}: expected ${expected}`);
  }

  has(name: string): boolean {
    return this.params.has(name);
  }

  string(name: string): string | undefined {
    const values = this.params.getAll(name);
    if (values.length > 1) throw this.bad(name, 'a single value');
    return values[0];
  }

  boolean(name: string): boolean | undefined {
    const v = this.string(name);
    if (v === undefined) return undefined;
    if (v !== 'true' && v !== 'false') throw this.bad(name, '"true" or "false"');
    return v === 'true';
  }

  integer(name: string, min: number): number | undefined {
    const v = this.string(name);
    if (v === undefined) return undefined;
    if (!/^-?\d{1,15}$/.test(v) || Number(v) < min) throw this.bad(name, `an integer of at least ${min}`);
    return Number(v);
  }

  uuid(name: string): string | undefined {
    const v = this.string(name);
    if (v === undefined) return undefined;
    const r = validateUuid(v);
    if (!r.ok) throw this.bad(name, `a lowercase UUID (${r.error.message})`);
    return r.value;
  }

  timerange(name: string): TimeRange | undefined {
    const v = this.string(name);
    if (v === undefined) return undefined;
    const r = parseTimeRange(v);
    if (!r.ok) throw this.bad(name, `a TAMS timerange such as [0:0_10:0) (${r.error.message})`);
    return r.value;
  }

  /** A comma-separated list; present but empty is the empty list (7.0 gives that a meaning). */
  list(name: string): string[] | undefined {
    const v = this.string(name);
    if (v === undefined) return undefined;
    return v === '' ? [] : v.split(',');
  }

  /** `limit`: a positive integer (7.0 §3); clamping to the maximum happens where the maximum is known. */
  limit(): number | undefined {
    return this.integer('limit', 1);
  }

  page(): string | undefined {
    return this.string('page');
  }

  /**
   * `tag.{name}=value` and `tag_exists.{name}=true|false` filters. The prefix is stripped from the raw
   * key and the rest decoded (names may be percent-encoded, DIGEST §5).
   */
  tagFilters(): { tags: { name: string; value: string }[]; tagExists: { name: string; exists: boolean }[] } {
    const tags: { name: string; value: string }[] = [];
    const tagExists: { name: string; exists: boolean }[] = [];
    for (const pair of this.raw.split('&')) {
      if (!pair) continue;
      const eq = pair.indexOf('=');
      const rawKey = eq < 0 ? pair : pair.slice(0, eq);
      const decode = (s: string) => {
        try {
          return decodeURIComponent(s.replaceAll('+', ' '));
        } catch {
          throw new HttpError(
            400,
            'BAD_REQUEST',
            `query parameter ${rawKey.slice(0, 80)}: malformed percent-encoding`,
          );
        }
      };
      const value = decode(eq < 0 ? '' : pair.slice(eq + 1));
      if (rawKey.startsWith('tag.')) tags.push({ name: decode(rawKey.slice(4)), value });
      else if (rawKey.startsWith('tag_exists.')) {
        if (value !== 'true' && value !== 'false') throw this.bad(decode(rawKey), '"true" or "false"');
        tagExists.push({ name: decode(rawKey.slice(11)), exists: value === 'true' });
      }
    }
    return { tags, tagExists };
  }
}
