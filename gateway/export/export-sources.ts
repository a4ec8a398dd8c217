import { Readable } from 'node:stream';
import { GraphQLError } from 'graphql';
import type * as Undici from 'undici';
import type { request as undiciRequest } from 'undici';
import type { AnalyticsSubgraph } from '../../subgraphs/analytics/index.js';
import type { MediaSubgraph } from '../../subgraphs/media/index.js';
import type { Caller } from '../auth/caller.js';
import type { InternalTokens } from '../auth/internal-token.js';
import type { ErrorCode } from '../error-codes.js';
import { INTERNAL_CODES, isErrorCode, SAFE_INTERNAL_MESSAGE, statusOf } from '../error-codes.js';
import { HttpError } from '../http/errors.js';
import type { QueryParams } from '../rest/query.js';
import { lazyModule } from '../../lib/lazy-module.js';

/** undici only where an export is proxied to a distributed part (lib/lazy-module.ts: idle RSS). */
const undici = lazyModule<typeof Undici>('undici');

/** The Arrow exports, by the path template they are served at. */
export const EXPORT_PATHS = {
  flowSegments: '/export/flows/{flowId}/segments',
  flowUsage: '/export/analytics/flow-usage',
} as const;
export type ExportName = keyof typeof EXPORT_PATHS;

/** One export request, authenticated and authorised by the route. */
export interface ExportRequest {
  readonly name: ExportName;
  readonly params: Readonly<Record<string, string>>;
  readonly query: QueryParams;
  /** The request's path and query string as received, for a proxy to forward unchanged. */
  readonly rawTarget: string;
  readonly caller: Caller;
  readonly requestId: string;
  /** HEAD: check everything a GET would, produce no body. */
  readonly head: boolean;
}

/**
 * Opens an export: throws (an HttpError, or a coded GraphQLError of the domain) for what is refused
 * before any byte, else returns the chunks, read only as they are pulled; returning early stops the scan.
 */
export type ExportSource = (request: ExportRequest) => Promise<AsyncIterable<Uint8Array>>;

/** The exports this process serves, by where their data lives: in process (the subgraph's own code). */
export function localExportSources(subgraphs: {
  readonly media: MediaSubgraph | undefined;
  readonly analytics: AnalyticsSubgraph | undefined;
}): Map<ExportName, ExportSource> {
  const sources = new Map<ExportName, ExportSource>();
  const { media, analytics } = subgraphs;
  if (media)
    sources.set('flowSegments', ({ params, query }) =>
      media.exportSegments({ flowId: params.flowId!, timerange: query.string('timerange') }),
    );
  if (analytics)
    sources.set('flowUsage', async ({ query }) => {
      const bytes = await analytics.exportFlowUsage({
        format: query.string('format'),
        sourceId: query.string('source_id'),
        createdAfter: query.string('created_after'),
        createdBefore: query.string('created_before'),
      });
      // An aggregate: a few rows, one chunk.
      return Readable.from([bytes]);
    });
  return sources;
}

/**
 * Distributed mode: the gateway role proxies each export to the process owning its data, which serves
 * the same path accepting only the gateway's internal token. `graphqlUrls`: the subgraphs' `/graphql` URLs
 * (TAMS_MEDIA_URL, TAMS_ANALYTICS_URL); the export is at the same origin and path prefix.
 *
 * `timeoutMs` (TAMS_SUBGRAPH_TIMEOUT_MS) bounds the wait for the answer's headers (a stopped process:
 * 503, the connection closed) and then each gap between chunks, never the whole stream: an export of a
 * long flow streams for as long as its chunks keep coming.
 */
export function remoteExportSources(
  graphqlUrls: { readonly media: string; readonly analytics: string },
  internal: InternalTokens | undefined,
  timeoutMs: number,
): Map<ExportName, ExportSource> {
  const base = (url: string) => url.replace(/\/graphql\/?$/, '');
  return new Map<ExportName, ExportSource>([
    ['flowSegments', proxy('media', base(graphqlUrls.media), internal, timeoutMs)],
    ['flowUsage', proxy('analytics', base(graphqlUrls.analytics), internal, timeoutMs)],
  ]);
}

function proxy(
  subgraph: string,
  base: string,
  internal: InternalTokens | undefined,
  timeoutMs: number,
): ExportSource {
  return async ({ rawTarget, caller, requestId, head }) => {
    let response: Awaited<ReturnType<typeof undiciRequest>>;
    try {
      response = await undici().request(`${base}${rawTarget}`, {
        method: head ? 'HEAD' : 'GET',
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
        headers: {
          'x-request-id': requestId,
          ...(internal ? { authorization: `Bearer ${await internal.sign(caller)}` } : {}),
        },
      });
    } catch (error) {
      throw new HttpError(
        503,
        'SERVICE_UNAVAILABLE',
        `the ${subgraph} subgraph could not be reached (${(error as Error).message}); retry later`,
        { 'retry-after': '5' },
      );
    }
    if (response.statusCode === 200) return response.body;
    throw await refusalOf(subgraph, response);
  };
}

const BODILESS_REFUSALS: Readonly<Record<number, ErrorCode>> = {
  400: 'BAD_REQUEST',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  503: 'SERVICE_UNAVAILABLE',
};

/** A non-200 answer of the subgraph, as the same refusal from the gateway (its TAMS error body kept). */
async function refusalOf(
  subgraph: string,
  response: Awaited<ReturnType<typeof undiciRequest>>,
): Promise<HttpError> {
  const text = await response.body.text().catch(() => '');
  let body: { type?: unknown; summary?: unknown } = {};
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    // not a TAMS error body (HEAD has none): the status alone
  }
  const retryAfter = response.headers['retry-after'];
  const headers: Record<string, string> = typeof retryAfter === 'string' ? { 'retry-after': retryAfter } : {};
  // A subgraph refusing the gateway's own token is a deployment fault, not the client's.
  if (response.statusCode === 401)
    return new HttpError(
      500,
      'INTERNAL_SERVER_ERROR',
      `the ${subgraph} subgraph refused the gateway's token`,
    );
  // A HEAD answer has no body: the status names the refusal.
  const type = isErrorCode(body.type) ? body.type : BODILESS_REFUSALS[response.statusCode];
  if (type && !INTERNAL_CODES.has(type) && statusOf(type) === response.statusCode)
    return new HttpError(
      response.statusCode,
      type,
      typeof body.summary === 'string' ? body.summary : `the ${subgraph} subgraph answered ${type}`,
      headers,
    );
  // Anything else is ours; the subgraph's log has the details under the same request id.
  return new HttpError(500, 'INTERNAL_SERVER_ERROR', SAFE_INTERNAL_MESSAGE);
}

/** An error met before the first byte, as the HTTP refusal to answer with (undefined: internal, log it). */
export function refusalOfError(error: unknown): HttpError | undefined {
  if (error instanceof HttpError) return error;
  if (error instanceof GraphQLError) {
    const code = error.extensions.code;
    if (isErrorCode(code) && !INTERNAL_CODES.has(code))
      return new HttpError(statusOf(code), code, error.message);
  }
  return undefined;
}
