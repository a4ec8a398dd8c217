/**
 * Matching a concrete request path to a spec path template. Object ids may contain `/`, which clients
 * send as `%2F` (DIGEST §7.3), so the raw path is split on literal `/` only and each parameter is
 * decoded exactly once afterwards: `%2F` is part of one parameter, `%252F` decodes to `%2F`.
 */

export interface PathMatch {
  readonly template: string;
  readonly params: Readonly<Record<string, string>>;
}

interface CompiledTemplate {
  readonly template: string;
  readonly segments: readonly ({ literal: string } | { param: string })[];
  readonly literals: number;
}

export class PathMatcher {
  private readonly templates: readonly CompiledTemplate[];

  constructor(templates: Iterable<string>) {
    this.templates = [...templates]
      .map((template) => {
        const segments = splitPath(template).map((s) => {
          const param = /^\{([^}]+)\}$/.exec(s)?.[1];
          return param === undefined ? { literal: s } : { param };
        });
        return { template, segments, literals: segments.filter((s) => 'literal' in s).length };
      })
      // A literal segment wins over a parameter where both would match (as OpenAPI requires).
      .sort((a, b) => b.literals - a.literals);
  }

  /**
   * The template a raw path (as sent on the wire, without the query) matches, or undefined. A trailing
   * slash is significant: `/flows/` is not `/flows`.
   */
  match(rawPath: string): PathMatch | undefined {
    const parts = splitPath(rawPath);
    for (const t of this.templates) {
      if (t.segments.length !== parts.length) continue;
      const params: Record<string, string> = {};
      let matched = true;
      for (const [i, segment] of t.segments.entries()) {
        const part = parts[i]!;
        if ('literal' in segment) {
          if (safeDecode(part) !== segment.literal) matched = false;
        } else {
          const value = safeDecode(part);
          if (value === undefined || value === '') matched = false;
          else params[segment.param] = value;
        }
        if (!matched) break;
      }
      if (matched) return { template: t.template, params };
    }
    return undefined;
  }
}

/** `/a/b` → ['a', 'b']; `/` → []; `/a/` → ['a', ''] (so a trailing slash never matches a template). */
function splitPath(path: string): string[] {
  if (path === '/' || path === '') return [];
  return path.replace(/^\//, '').split('/');
}

function safeDecode(part: string): string | undefined {
  try {
    return decodeURIComponent(part);
  } catch {
    return undefined;
  }
}

/**
 * Removes the client's base path (a store may be mounted under a prefix, e.g. `/tams/v7.0`) from a
 * request path; undefined when the path is outside it.
 */
export function stripBasePath(basePath: string, rawPath: string): string | undefined {
  const base = basePath.replace(/\/+$/, '');
  if (base === '') return rawPath;
  if (rawPath === base) return '/';
  return rawPath.startsWith(`${base}/`) ? rawPath.slice(base.length) : undefined;
}

/**
 * A tagged template that percent-encodes every interpolated value as one path segment, so ids with
 * `/` or spaces stay one parameter: p`/objects/${'bucket/obj'}` → `/objects/bucket%2Fobj`.
 */
export function p(strings: TemplateStringsArray, ...values: readonly (string | number)[]): string {
  return strings.reduce(
    (out, s, i) => out + s + (i < values.length ? encodeURIComponent(values[i]!) : ''),
    '',
  );
}
