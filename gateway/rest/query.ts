import { queryStringProblem } from '../http/strict-text.js';
import { restError } from './errors.js';
import type { Vocabulary } from './tams-vocabulary.js';

/**
 * Query parameters of the 7.0 routes, as the JSON types of operation variables: a parameter given twice
 * or not of its type (an integer, `true`/`false`, a TAMS spelling) is a 400 naming it. Values are not
 * judged here: UUIDs, timeranges and page sizes are checked by the GraphQL schema and the domain.
 * Unknown parameters (and `access_token`, an authentication scheme) are ignored, as the DIGEST
 * recommends for a 7.0 server.
 */
export class QueryParams {
  private readonly params: URLSearchParams;

  constructor(readonly raw: string) {
    // URLSearchParams decodes leniently (`%FF` becomes U+FFFD): text that is not UTF-8 is refused first.
    const problem = queryStringProblem(raw);
    if (problem !== undefined) throw restError('BAD_REQUEST', problem);
    this.params = new URLSearchParams(raw);
  }

  private bad(name: string, expected: string) {
    return restError('BAD_REQUEST', `query parameter ${name}: expected ${expected}`);
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

  /** An integer, written in decimal digits; its range is the schema's (Int) and the domain's. */
  integer(name: string): number | undefined {
    const v = this.string(name);
    if (v === undefined) return undefined;
    if (!/^-?\d{1,15}$/.test(v)) throw this.bad(name, 'an integer');
    return Number(v);
  }

  /** A TAMS spelling of a GraphQL enum value (`format=urn:x-nmos:format:video`), as the enum value. */
  spelling<G extends string>(name: string, vocabulary: Vocabulary<G>): G | undefined {
    const v = this.string(name);
    if (v === undefined) return undefined;
    const value = vocabulary.graphqlOf(v);
    if (value === undefined) throw this.bad(name, `one of ${vocabulary.tamsValues.join(', ')}`);
    return value;
  }

  /** A comma-separated list; present but empty is the empty list (7.0 gives that a meaning). */
  list(name: string): string[] | undefined {
    const v = this.string(name);
    if (v === undefined) return undefined;
    return v === '' ? [] : v.split(',');
  }

  /** `limit`, the page size asked for; the domain checks it and says which it applied (`pageInfo.limit`). */
  limit(): number | undefined {
    return this.integer('limit');
  }

  page(): string | undefined {
    return this.string('page');
  }

  /**
   * `tag.{name}=value` and `tag_exists.{name}=true|false` filters. The prefix is stripped from the raw
   * key and the rest decoded (names may be percent-encoded, DIGEST §5).
   */
  tagFilters(): { tags: { name: string; value: string }[]; tag_exists: { name: string; exists: boolean }[] } {
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
          throw restError(
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
    return { tags, tag_exists: tagExists };
  }
}
