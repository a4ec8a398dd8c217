import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import { HttpError, sendError } from './errors.js';

/** One entry of the routing table: a fixed route class (for metrics) and the paths it serves. */
export interface Route {
  readonly name: string;
  matches(path: string): boolean;
  handle(req: IncomingMessage, res: ServerResponse, requestId: string): Promise<void> | void;
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * The process's HTTP server. Routes are bound after `listen`, so a process started on port 0 can build
 * the URLs it hands out from the port it got; until then every request is answered 503.
 */
export class HttpServer {
  private routes: readonly Route[] | null = null;
  readonly server: Server;

  constructor(
    private readonly log: Logger,
    private readonly metrics: Metrics,
    timeouts: { idleMs?: number; headersMs?: number } = {},
  ) {
    const headersMs = timeouts.headersMs ?? 60_000;
    // Checked this often (Node's default is 30 s, so a 60 s limit could be 90 s in practice).
    this.server = createServer(
      { connectionsCheckingInterval: Math.min(5_000, headersMs) },
      (req, res) => void this.dispatch(req, res),
    );
    // Large object uploads stream for a long time; the default 5-minute request timeout would cut them.
    // A client that stops sending (or reading) is cut instead: a socket idle this long is destroyed, so
    // a slow client cannot hold a connection, or a half-read body, indefinitely.
    this.server.requestTimeout = 0;
    this.server.timeout = timeouts.idleMs ?? 60_000;
    this.server.headersTimeout = headersMs;
    this.server.keepAliveTimeout = 5_000;
  }

  async listen(host: string, port: number): Promise<AddressInfo> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    return this.server.address() as AddressInfo;
  }

  use(routes: readonly Route[]): void {
    this.routes = routes;
  }

  private async dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = process.hrtime.bigint();
    const header = req.headers['x-request-id'];
    const requestId = typeof header === 'string' && REQUEST_ID.test(header) ? header : randomUUID();
    res.setHeader('x-request-id', requestId);
    // The path only: query strings may carry credentials (access_token) and never reach a log.
    const path = (req.url ?? '/').split('?')[0]!;
    const route = this.routes?.find((r) => r.matches(path));
    try {
      if (!this.routes) throw new HttpError(503, 'Starting', 'the server is starting; retry shortly');
      if (!route) throw new HttpError(404, 'NotFound', `nothing is served at ${path.slice(0, 200)}`);
      await route.handle(req, res, requestId);
    } catch (error) {
      if (error instanceof HttpError) sendError(res, error.status, error.type, error.message, error.headers);
      else {
        this.log.error({ err: error, requestId, path }, 'request failed');
        sendError(res, 500, 'InternalError', 'internal error; the server log has the details');
      }
    } finally {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const labels = {
        method: req.method ?? '?',
        route: route?.name ?? 'none',
        status: String(res.statusCode),
      };
      this.metrics.httpDuration.observe(labels, seconds);
      this.log.info(
        { requestId, method: req.method, path, status: res.statusCode, ms: Math.round(seconds * 1000) },
        'request',
      );
    }
  }

  /**
   * Graceful stop: no new connections, idle keep-alive connections closed now, in-flight requests given
   * `timeoutMs` to finish before their connections are cut.
   */
  async close(timeoutMs: number): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeIdleConnections();
    const timer = setTimeout(() => this.server.closeAllConnections(), timeoutMs);
    await closed;
    clearTimeout(timer);
  }
}

export const exact =
  (...paths: string[]) =>
  (path: string) =>
    paths.includes(path);
export const under = (prefix: string) => (path: string) => path === prefix || path.startsWith(`${prefix}/`);
