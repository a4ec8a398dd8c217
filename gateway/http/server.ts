import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { finished } from 'node:stream';
import { withReadScope } from '../../lib/executor/index.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import { disconnectCode, isClientDisconnect } from './client-disconnect.js';
import { ConnectionDrain } from './connection-drain.js';
import type { ErrorCode } from '../error-codes.js';
import { SAFE_INTERNAL_MESSAGE } from '../error-codes.js';
import type { AdmissionLimits, RejectReason } from './admission.js';
import { Admission, refusalMessage, UNBOUNDED } from './admission.js';
import { HttpError, sendError, sendGraphQLError } from './errors.js';
import { LoopTurns } from './loop-turns.js';
import { requestIdOf } from './request-id.js';
import type { RequestSpans } from '../tracing/request-spans.js';
import { retryAfterOn503 } from './retry-after.js';

/** One entry of the routing table: a fixed route class (for metrics) and the paths it serves. */
export interface Route {
  readonly name: string;
  matches(path: string): boolean;
  /** The `path` label of the request metrics: a bounded template (REST: the 7.0 path); the name when absent. */
  pathLabel?(path: string): string;
  handle(req: IncomingMessage, res: ServerResponse, requestId: string): Promise<void> | void;
}

/** What a request that arrives while the server drains is told to wait before retrying (seconds). */
export const DRAIN_RETRY_AFTER_SECONDS = 1;

/** Routes never refused by admission control: an orchestrator must see the state of an overloaded process. */
const ALWAYS_ADMITTED: ReadonlySet<string> = new Set(['health', 'ready', 'metrics']);

/** A WebSocket upgrade refused before its handshake: the HTTP answer to write on its socket. */
export interface UpgradeRefusal {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  /** A GraphQL response holding one error (upgrades are to graphql-ws, at the GraphQL path). */
  readonly body: string;
}

/**
 * Connections the kernel may hold completed for the process before it accepts them (capped by
 * net.core.somaxconn, 4096 by default on Linux 5.4+). Node's default, 511, overflowed under a burst of
 * 500 new connections while the loop was busy: the kernel then drops the handshake's last ACK, and the
 * client, which believes it is connected, waits for SYN-ACK retransmits (1, 2, 4, 8 s: past a 10 s
 * timeout) while the process sits idle. Queued instead, a connection is accepted at the loop's next
 * turn, where admission control sees its request (docs/decisions.md, "Admission control").
 */
export const LISTEN_BACKLOG = 4096;

/** nginx's status for a request whose client closed the connection before it was answered. */
const CLIENT_CLOSED_REQUEST = 499;

/**
 * The process's HTTP server. Routes are bound after `listen`, so a process started on port 0 can build
 * the URLs it hands out from the port it got; until then every request is answered 503.
 */
export class HttpServer {
  private routes: readonly Route[] | null = null;
  readonly server: Server;
  private readonly connections: ConnectionDrain;
  readonly admission: Admission;
  /** Paces the start of admitted requests so that the loop keeps turning (and accepting). */
  readonly turns = new LoopTurns();

  constructor(
    private readonly log: Logger,
    private readonly metrics: Metrics,
    timeouts: { idleMs?: number; headersMs?: number; keepAliveMs?: number } = {},
    limits: AdmissionLimits = UNBOUNDED,
    /** With tracing on: a server span per request (gateway/tracing). */
    private readonly spans?: RequestSpans,
  ) {
    this.admission = new Admission(limits);
    metrics.watchAdmission(this.admission);
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
    // Advertised to clients (Keep-Alive: timeout=5), which close idle connections a little before it;
    // a drain also keeps idle connections this long (connection-drain.ts).
    this.server.keepAliveTimeout = timeouts.keepAliveMs ?? 5_000;
    this.connections = new ConnectionDrain(this.server, log);
    this.server.once('listening', () => this.admission.start());
    this.server.once('close', () => this.admission.stop());
  }

  /** Whether a drain has begun (requests are answered 503 from then on). */
  get draining(): boolean {
    return this.connections.draining;
  }

  async listen(host: string, port: number): Promise<AddressInfo> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen({ port, host, backlog: LISTEN_BACKLOG }, () => {
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
    this.connections.dispatched(req, res);
    const requestId = requestIdOf(req);
    res.setHeader('x-request-id', requestId);
    // The path only: query strings may carry credentials (access_token) and never reach a log.
    const path = (req.url ?? '/').split('?')[0]!;
    const route = this.routes?.find((r) => r.matches(path));
    const template = route?.pathLabel?.(path);
    const span = this.spans?.begin(req, path, route?.name, template, requestId);
    let failure: unknown;
    let admitted = false;
    try {
      if (this.connections.draining) {
        // Nothing runs for it, so a retry is always safe. The body is read (and dropped) first: answering
        // while the client is still sending it would close the connection on unread bytes, a reset that
        // can destroy the answer before the client reads it.
        await discardBody(req);
        throw new HttpError(
          503,
          'SHUTTING_DOWN',
          'this server is shutting down and did not process the request; retry it',
          { 'retry-after': String(DRAIN_RETRY_AFTER_SECONDS) },
        );
      }
      if (!this.routes)
        throw new HttpError(503, 'STARTING', 'the server is starting; retry shortly', {
          'retry-after': String(this.admission.limits.retryAfterSeconds),
        });
      if (!route) throw new HttpError(404, 'NOT_FOUND', `nothing is served at ${path.slice(0, 200)}`);
      if (!ALWAYS_ADMITTED.has(route.name)) {
        const refused = this.admission.admit();
        if (refused) {
          await this.refuse(req, res, route, refused);
          return;
        }
        admitted = true;
        retryAfterOn503(res, this.admission.limits.retryAfterSeconds);
        // Counted in flight meanwhile, so a long wait shows as in-flight refusals (loop-turns.ts).
        await this.turns.enter();
      }
      // One read scope per request: its reads may use standbys, never older than acknowledged writes.
      const handle = () => withReadScope(() => route.handle(req, res, requestId));
      await (span ? span.within(handle) : handle());
    } catch (error) {
      failure = error;
      if (error instanceof HttpError) sendError(res, error.status, error.type, error.message, error.headers);
      else if (!isClientDisconnect(error, req.socket)) {
        this.log.error({ err: error, requestId, path }, 'request failed');
        sendError(res, 500, 'INTERNAL_SERVER_ERROR', SAFE_INTERNAL_MESSAGE);
      }
    } finally {
      if (admitted) this.admission.release();
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      // Not answered in full because the connection went away (the client aborted, or a deadline cut it).
      const aborted = !res.writableEnded && (res.destroyed || req.socket.destroyed);
      const status = aborted && !res.headersSent ? CLIENT_CLOSED_REQUEST : res.statusCode;
      const labels = {
        method: req.method ?? '?',
        route: route?.name ?? 'none',
        path: template ?? route?.name ?? 'none',
        status: String(status),
      };
      span?.end(status, failure);
      this.metrics.httpDuration.observe(labels, seconds);
      const ms = Math.round(seconds * 1000);
      this.log.info(
        { requestId, method: req.method, path, status, ms, ...(aborted ? { aborted } : {}) },
        'request',
      );
      if (aborted)
        this.log.debug(
          {
            requestId,
            route: labels.route,
            method: req.method,
            path,
            reason: disconnectCode(failure) ?? 'closed',
          },
          'the connection closed before the response was complete',
        );
    }
  }

  /**
   * Answers a request admission control refused: 503 + Retry-After, a TAMS error body (a GraphQL error
   * with code OVERLOADED on /graphql). The body is read and dropped first, as a draining server does.
   */
  private async refuse(req: IncomingMessage, res: ServerResponse, route: Route, reason: RejectReason) {
    this.metrics.httpRejected.inc({ reason });
    await discardBody(req);
    const headers = { 'retry-after': String(this.admission.limits.retryAfterSeconds) };
    if (route.name === 'graphql') sendGraphQLError(res, 503, 'OVERLOADED', refusalMessage(reason), headers);
    else sendError(res, 503, 'OVERLOADED', refusalMessage(reason), headers);
  }

  /**
   * Whether a WebSocket upgrade may complete its handshake. Upgrades bypass `dispatch`, so the same
   * bounds are checked here: over one (or while draining) the upgrade is answered 503 + Retry-After,
   * counted in `tams_http_rejected_total` like a refused request. An accepted socket is not counted in
   * flight: it lives for hours, mostly idle; its operations are bounded per socket.
   */
  upgradeRefusal(): UpgradeRefusal | null {
    const refusal = (code: ErrorCode, message: string, retryAfterSeconds: number): UpgradeRefusal => ({
      status: 503,
      headers: { 'retry-after': String(retryAfterSeconds) },
      body: JSON.stringify({ errors: [{ message, extensions: { code } }] }),
    });
    if (this.connections.draining)
      return refusal(
        'SHUTTING_DOWN',
        'this server is shutting down; connect again',
        DRAIN_RETRY_AFTER_SECONDS,
      );
    const reason = this.admission.check('upgrade');
    if (!reason) return null;
    this.metrics.httpRejected.inc({ reason });
    return refusal('OVERLOADED', refusalMessage(reason), this.admission.limits.retryAfterSeconds);
  }

  /**
   * Graceful stop (connection-drain.ts): stop listening; answer what is in flight, with
   * `Connection: close`; answer requests arriving on open connections with 503 + Retry-After; close idle
   * connections after the keep-alive grace; cut what is left after `timeoutMs`. Begins synchronously;
   * resolves when no connection is left. Calling it again returns the same drain.
   */
  close(timeoutMs: number): Promise<void> {
    return this.connections.drain(timeoutMs);
  }
}

/** Reads and drops what is left of a request body; resolves when it ended or the connection closed. */
function discardBody(req: IncomingMessage): Promise<void> {
  if (req.complete && req.readableEnded) return Promise.resolve();
  return new Promise((resolve) => {
    finished(req, () => resolve());
    req.resume();
  });
}

export const exact =
  (...paths: string[]) =>
  (path: string) =>
    paths.includes(path);
export const under = (prefix: string) => (path: string) => path === prefix || path.startsWith(`${prefix}/`);
