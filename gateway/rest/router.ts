import type { RestContext } from './context.js';

/** What a route handler answers: a status, an optional JSON body, optional headers. */
export interface RestResponse {
  readonly status: number;
  /** Serialised as JSON; undefined sends no body. */
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

export type RestHandler = (ctx: RestContext) => Promise<RestResponse>;
export type Method = 'GET' | 'PUT' | 'POST' | 'DELETE';

export interface RouteDefinition {
  /** A 7.0 path template, e.g. `/flows/{flowId}/tags/{name}`. */
  readonly path: string;
  readonly methods: Partial<Record<Method, RestHandler>>;
}

export interface RouteMatch {
  readonly route: RouteDefinition;
  readonly params: Readonly<Record<string, string>>;
}

/**
 * The REST routing table. Path segments are matched raw and each parameter is decoded exactly once, so
 * an object id `a/b` arrives as `a%2Fb` and stays one parameter (many routers split or double-decode).
 */
export class RestRouter {
  /**
   * Routes by their number of segments and first segment (always a literal in 7.0: `flows`, `sources`,
   * ...), in table order: a path is compared with the few routes of its bucket, not all ~80 (matching
   * runs up to three times per request: routing, the metrics label, the handler).
   */
  private readonly buckets = new Map<string, { route: RouteDefinition; parts: string[] }[]>();

  constructor(routes: readonly RouteDefinition[]) {
    for (const route of routes) {
      const parts = route.path.split('/').slice(1);
      if (parts[0]?.startsWith('{'))
        throw new Error(`route ${route.path}: the first segment must be a literal`);
      const key = bucketKey(parts.length, parts[0]!);
      this.buckets.set(key, [...(this.buckets.get(key) ?? []), { route, parts }]);
    }
  }

  match(rawPath: string): RouteMatch | undefined | 'malformed' {
    const segments = rawPath === '/' ? [''] : rawPath.split('/').slice(1);
    for (const { route, parts } of this.buckets.get(bucketKey(segments.length, segments[0]!)) ?? []) {
      const params: Record<string, string> = {};
      let matched = true;
      for (let i = 1; i < parts.length && matched; i++) {
        const part = parts[i]!;
        const segment = segments[i]!;
        if (part.startsWith('{')) {
          if (segment === '') matched = false;
          else {
            try {
              params[part.slice(1, -1)] = decodeURIComponent(segment);
            } catch {
              return 'malformed';
            }
          }
        } else if (part !== segment) matched = false;
      }
      if (matched) return { route, params };
    }
    return undefined;
  }
}

function bucketKey(length: number, first: string): string {
  return `${length}/${first}`;
}

/** `GET`, `HEAD` (every GET has one) and the others a route serves: the `Allow` header of a 405. */
export function allowedMethods(route: RouteDefinition): string {
  const methods = Object.keys(route.methods);
  return (methods.includes('GET') ? ['GET', 'HEAD', ...methods.filter((m) => m !== 'GET')] : methods).join(
    ', ',
  );
}
