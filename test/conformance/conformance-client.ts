import { CoverageRecorder } from './coverage.js';
import { PAGING_HEADERS } from './paging-headers.js';
import { PathMatcher, stripBasePath } from './path-matching.js';
import type { Exchange } from './response-checks.js';
import { judgeExchange } from './response-checks.js';
import type { HttpMethod, Operation, Spec } from './spec.js';
import { loadSpec } from './spec.js';
import type { UndeclaredStatus } from './undeclared-statuses.js';
import type { Violation } from './violations.js';
import { ConformanceViolationError, formatViolation } from './violations.js';

/**
 * A `fetch` wrapper bound to a store's base URL that judges every response against the 7.0 spec
 * (response-checks.ts) and records coverage. By default it throws on the first non-conforming response,
 * so a family test fails at the request that broke the spec, with the reason.
 */

export type QueryValue = string | number | boolean | readonly (string | number | boolean)[] | undefined;

export interface RequestOptions {
  /** Query parameters; undefined values are left out, arrays repeat the name. Keys are sent as given. */
  readonly query?: Readonly<Record<string, QueryValue>>;
  /** A JSON request body (serialised, with Content-Type application/json). */
  readonly body?: unknown;
  /** A request body sent verbatim (e.g. malformed JSON); Content-Type application/json unless overridden. */
  readonly rawBody?: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Fail (after the conformance checks) unless the status is one of these. */
  readonly expectStatus?: number | readonly number[];
}

export interface ConformanceResponse<T = unknown> {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  /** The parsed JSON body (after schema validation), or undefined. */
  readonly body: T;
  readonly url: URL;
  readonly operation: Operation | undefined;
  readonly undeclared: UndeclaredStatus | undefined;
  readonly violations: readonly Violation[];
}

export interface ClientOptions {
  readonly spec?: Spec;
  /** Shared across the families of one run; a private one otherwise. */
  readonly coverage?: CoverageRecorder;
  /** Throw at the first violation (default). Off in self-tests that inspect violations. */
  readonly throwOnViolation?: boolean;
  /** Sent with every request (e.g. Authorization). */
  readonly headers?: Readonly<Record<string, string>>;
}

export class ConformanceClient {
  readonly spec: Spec;
  readonly coverage: CoverageRecorder;
  readonly baseUrl: URL;
  /** Every violation seen by this client, in order. */
  readonly violations: Violation[] = [];
  private readonly matcher: PathMatcher;
  private readonly throwOnViolation: boolean;
  private readonly defaultHeaders: Readonly<Record<string, string>>;

  constructor(baseUrl: string, options: ClientOptions = {}) {
    this.spec = options.spec ?? loadSpec();
    this.coverage = options.coverage ?? new CoverageRecorder(this.spec.operations);
    this.baseUrl = new URL(baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
    this.matcher = new PathMatcher(this.spec.paths.keys());
    this.throwOnViolation = options.throwOnViolation ?? true;
    this.defaultHeaders = options.headers ?? {};
  }

  /**
   * Sends one request and judges the response. `path` is the spec path with parameters filled in and
   * percent-encoded (use the `p` tag from path-matching.ts), without the base path: `/flows/${id}`.
   */
  async request<T = unknown>(
    method: HttpMethod,
    path: string,
    options: RequestOptions = {},
  ): Promise<ConformanceResponse<T>> {
    if (!path.startsWith('/')) throw new Error(`request path must start with "/": ${path}`);
    if (path.includes('?'))
      throw new Error(`pass query parameters in options.query, not in the path: ${path}`);
    const url = new URL(this.baseUrl.pathname.replace(/\/$/, '') + path, this.baseUrl);
    for (const [name, value] of Object.entries(options.query ?? {})) {
      if (value === undefined) continue;
      for (const v of Array.isArray(value) ? value : [value]) url.searchParams.append(name, String(v));
    }
    const headers: Record<string, string> = { ...this.defaultHeaders, ...options.headers };
    let requestBody: string | undefined;
    if (options.rawBody !== undefined || options.body !== undefined) {
      requestBody = options.rawBody ?? JSON.stringify(options.body);
      if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type'))
        headers['content-type'] = 'application/json';
    }
    const response = await fetch(url, { method, headers, body: requestBody, redirect: 'manual' });
    const text = await response.text();
    const exchange: Exchange = {
      method,
      url,
      specPath: stripBasePath(this.baseUrl.pathname, url.pathname),
      status: response.status,
      headers: response.headers,
      text,
    };
    const verdict = judgeExchange(this.spec, this.matcher, exchange);
    if (verdict.operation) this.coverage.record(verdict.operation, response.status, verdict.declared);
    else this.coverage.recordOutside(`${method} ${verdict.match?.template ?? path}`, response.status);
    this.report(verdict.violations);

    const expected = options.expectStatus;
    if (expected !== undefined) {
      const allowed = typeof expected === 'number' ? [expected] : expected;
      if (!allowed.includes(response.status))
        throw new Error(
          `expected ${allowed.join(' or ')} from ${method} ${url.pathname}${url.search}, got ${response.status}: ` +
            text.slice(0, 500),
        );
    }
    return {
      status: response.status,
      headers: response.headers,
      text,
      body: verdict.body as T,
      url,
      operation: verdict.operation,
      undeclared: verdict.undeclared,
      violations: verdict.violations,
    };
  }

  get<T = unknown>(path: string, options?: RequestOptions) {
    return this.request<T>('GET', path, options);
  }
  head(path: string, options?: RequestOptions) {
    return this.request<undefined>('HEAD', path, options);
  }
  post<T = unknown>(path: string, options?: RequestOptions) {
    return this.request<T>('POST', path, options);
  }
  put<T = unknown>(path: string, options?: RequestOptions) {
    return this.request<T>('PUT', path, options);
  }
  delete<T = unknown>(path: string, options?: RequestOptions) {
    return this.request<T>('DELETE', path, options);
  }

  /**
   * GETs then HEADs `path` (same query and headers) and requires the HEAD to answer the same status,
   * Content-Type and paging/declared headers with no body (DIGEST §1). Both responses are judged and
   * recorded like any other. Do not use it where the GET itself changes what the HEAD would see.
   */
  async expectHeadMatchesGet<T = unknown>(
    path: string,
    options: Omit<RequestOptions, 'body' | 'rawBody'> = {},
  ): Promise<{ get: ConformanceResponse<T>; head: ConformanceResponse<undefined> }> {
    const get = await this.request<T>('GET', path, options);
    const head = await this.request<undefined>('HEAD', path, options);
    const problems: string[] = [];
    if (head.status !== get.status) problems.push(`HEAD answered ${head.status}, GET ${get.status}`);
    const compared = new Set<string>(['content-type', ...PAGING_HEADERS]);
    for (const name of get.operation?.responses.get(get.status)?.headers.keys() ?? []) compared.add(name);
    for (const name of compared) {
      const g = name === 'content-type' ? mediaType(get.headers.get(name)) : get.headers.get(name);
      const h = name === 'content-type' ? mediaType(head.headers.get(name)) : head.headers.get(name);
      if (g !== h) problems.push(`${name}: GET ${JSON.stringify(g)}, HEAD ${JSON.stringify(h)}`);
    }
    if (problems.length > 0) {
      const url = head.url;
      this.report(
        problems.map((message) => ({
          operation: head.operation?.key ?? `HEAD ${path}`,
          request: `HEAD ${url.pathname}${url.search}`,
          status: head.status,
          rule: 'head-mismatch',
          message: `HEAD must mirror GET: ${message}`,
          details: [],
        })),
      );
    }
    return { get, head };
  }

  /** Throws with every violation this client has seen (for runs with throwOnViolation: false). */
  assertNoViolations(): void {
    if (this.violations.length > 0) throw new ConformanceViolationError(this.violations);
  }

  /** Human-readable list of the violations seen so far. */
  describeViolations(): string {
    return this.violations.map(formatViolation).join('\n');
  }

  private report(violations: readonly Violation[]): void {
    if (violations.length === 0) return;
    this.violations.push(...violations);
    if (this.throwOnViolation) throw new ConformanceViolationError(violations);
  }
}

function mediaType(value: string | null): string | null {
  return value === null ? null : (value.split(';')[0] ?? '').trim().toLowerCase();
}
