import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Authenticator } from '../auth/authenticator.js';
import { authenticateRequest } from '../auth/http-auth.js';
import { allows, describeRequirement, restRequirement } from '../auth/scope-rules.js';
import { isClientDisconnect } from '../http/client-disconnect.js';
import { HttpError } from '../http/errors.js';
import type { Route } from '../http/server.js';
import type { Logger } from '../logger.js';
import { QueryParams } from '../rest/query.js';
import type { ExportName, ExportSource } from './export-sources.js';
import { EXPORT_PATHS, refusalOfError } from './export-sources.js';

export const ARROW_STREAM_TYPE = 'application/vnd.apache.arrow.stream';

/**
 * `/export/*`: Arrow IPC streams for columnar tools (pyarrow, DuckDB, Polars), beside the REST API and
 * outside TAMS 7.0 (docs/decisions.md, "Arrow export"). GraphQL cannot carry a binary stream, so these
 * routes do not run operations: the data's owner produces the stream (`sources`: the subgraph in
 * process, or a proxy to the process that runs it) and this route owns the HTTP: authentication, the
 * scope table (REST_EXTENSION_SCOPES), TAMS error bodies for everything refused before the first byte,
 * then the stream piped with backpressure. A failure after the first byte can only cut the response
 * (the client sees a truncated stream, which Arrow readers report) and is logged; a client that goes
 * away stops the scan.
 */
export function exportRoute(input: {
  readonly authenticator: Authenticator;
  readonly sources: ReadonlyMap<ExportName, ExportSource>;
  readonly log: Logger;
}): Route {
  const { authenticator, sources, log } = input;
  return {
    name: 'export',
    matches: (path) => path.startsWith('/export/') && matchExport(path) !== undefined,
    async handle(req, res, requestId) {
      const rawTarget = req.url ?? '/';
      const q = rawTarget.indexOf('?');
      const match = matchExport(q < 0 ? rawTarget : rawTarget.slice(0, q))!;
      const method = req.method ?? '';
      if (method !== 'GET' && method !== 'HEAD')
        throw new HttpError(405, 'METHOD_NOT_ALLOWED', `${method} is not supported on ${match.template}`, {
          allow: 'GET, HEAD',
        });
      const caller = await authenticateRequest(authenticator, req);
      const requirement = restRequirement(match.template, method);
      if (!requirement || !allows(caller, requirement))
        throw new HttpError(
          403,
          'FORBIDDEN',
          `${method} ${match.template} needs the ${describeRequirement(requirement)} scope, which this caller lacks`,
        );
      if (match.params === 'malformed')
        throw new HttpError(404, 'NOT_FOUND', 'the path holds a malformed percent-encoded id');
      const source = sources.get(match.name);
      if (!source) throw new HttpError(404, 'NOT_FOUND', `${match.template} is not served by this process`);
      const head = method === 'HEAD';
      const chunks = await refusing(() =>
        source({
          name: match.name,
          params: match.params as Record<string, string>,
          query: new QueryParams(q < 0 ? '' : rawTarget.slice(q + 1)),
          rawTarget: withoutCredentials(rawTarget),
          caller,
          requestId,
          head,
        }),
      );
      const iterator = chunks[Symbol.asyncIterator]();
      if (head) {
        await iterator.return?.();
        res.writeHead(200, headers());
        res.end();
        return;
      }
      // The first chunk holds the schema and the first batch: reading it before answering makes a
      // failing first read (the database down, a bad predicate) a proper error answer.
      const first = await refusing(() => iterator.next());
      res.writeHead(200, headers());
      await send(req, res, first, iterator, { log, requestId, path: match.template });
    },
  };
}

/**
 * The target as a proxy forwards it: without `access_token`, so the client's credentials go no further
 * than the gateway (a subgraph given both them and the internal token would refuse the pair).
 */
function withoutCredentials(target: string): string {
  const q = target.indexOf('?');
  if (q < 0) return target;
  const kept = target
    .slice(q + 1)
    .split('&')
    .filter((pair) => pair !== '' && pair.split('=')[0] !== 'access_token');
  return kept.length ? `${target.slice(0, q)}?${kept.join('&')}` : target.slice(0, q);
}

const headers = () => ({ 'content-type': ARROW_STREAM_TYPE, 'cache-control': 'no-store' });

/** Runs `open`, turning a coded failure into the HTTP refusal it stands for (the rest stays a 500). */
async function refusing<T>(open: () => Promise<T>): Promise<T> {
  try {
    return await open();
  } catch (error) {
    throw refusalOfError(error) ?? error;
  }
}

async function send(
  req: IncomingMessage,
  res: ServerResponse,
  first: IteratorResult<Uint8Array>,
  iterator: AsyncIterator<Uint8Array>,
  where: { log: Logger; requestId: string; path: string },
): Promise<void> {
  async function* rest(): AsyncGenerator<Uint8Array> {
    try {
      if (first.done) return;
      yield first.value;
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
    } finally {
      // Reached when the client went away too: stops the scan (or the upstream request).
      await iterator.return?.();
    }
  }
  // Bytes, not objects: the buffer holds at most one batch beyond the socket's.
  const body = Readable.from(rest(), { objectMode: false });
  try {
    await pipeline(body, res);
  } catch (error) {
    res.destroy();
    if (isClientDisconnect(error, req.socket))
      where.log.debug(
        { requestId: where.requestId, path: where.path },
        'export client went away; scan stopped',
      );
    else
      where.log.error(
        { err: error, requestId: where.requestId, path: where.path },
        'export failed after streaming began; the response was cut',
      );
  }
}

interface ExportMatch {
  readonly name: ExportName;
  readonly template: string;
  readonly params: Readonly<Record<string, string>> | 'malformed';
}

const FLOW_SEGMENTS = /^\/export\/flows\/([^/]+)\/segments$/;

function matchExport(path: string): ExportMatch | undefined {
  if (path === EXPORT_PATHS.flowUsage)
    return { name: 'flowUsage', template: EXPORT_PATHS.flowUsage, params: {} };
  const segments = FLOW_SEGMENTS.exec(path);
  if (!segments) return undefined;
  let flowId: string;
  try {
    flowId = decodeURIComponent(segments[1]!);
  } catch {
    return { name: 'flowSegments', template: EXPORT_PATHS.flowSegments, params: 'malformed' };
  }
  return { name: 'flowSegments', template: EXPORT_PATHS.flowSegments, params: { flowId } };
}
