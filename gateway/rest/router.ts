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
  private readonly compiled: { route: RouteDefinition; parts: string[] }[];

  constructor(routes: readonly RouteDefinition[]) {
    this.compiled = routes.map((route) => ({ route, parts: route.path.split('/').slice(1) }));
  }

  match(rawPath: string): RouteMatch | undefined | 'malformed' {
    const segments = rawPath === '/' ? [''] : rawPath.split('/').slice(1);
    for (const { route, parts } of this.compiled) {
      if (parts.length !== segments.length) continue;
      const params: Record<string, string> = {};
      let matched = true;
      for (let i = 0; i < parts.length && matched; i++) {
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

/** `GET`, `HEAD` (every GET has one) and the others a route serves: the `Allow` header of a 405. */
export function allowedMethods(route: RouteDefinition): string {
  const methods = Object.keys(route.methods);
  return (methods.includes('GET') ? ['GET', 'HEAD', ...methods.filter((m) => m !== 'GET')] : methods).join(
    ', ',
  );
}
