import { once } from 'node:events';
import type { IncomingHttpHeaders, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { WAIT_LIMIT_MS } from '../../../../lib/test-support/eventually.js';
import type { WebhookEnvelope } from '../webhook-envelope.js';
import { distinctEvents } from './distinct-events.js';

/** One POST as the receiver saw it. */
export interface ReceivedRequest {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: WebhookEnvelope;
  /** The status the receiver answered (maybe after the sender gave up waiting); 0: it never answered. */
  readonly status: number;
  /** When the body had arrived (ms since the epoch). */
  readonly receivedAt: number;
}

/**
 * How the receiver answers the n-th request (0-based): a status, or `null` for no answer at all (the
 * request stays open until the sender gives up or the receiver closes). A receiver slower than the
 * sender's timeout is one that never answers: no test depends on which of two timers fires first.
 */
export type Answer = (request: Omit<ReceivedRequest, 'status'>, index: number) => { status: number } | null;

/**
 * A webhook receiver on 127.0.0.1 (node:http), recording every request it gets. It keeps its port for
 * its whole life: "down" is `refuseConnections`, not a closed port that another process could take.
 */
export class WebhookReceiver {
  readonly requests: ReceivedRequest[] = [];
  answer: Answer = () => ({ status: 204 });
  /** Resets every new connection at once, as a host whose receiver is not running. */
  refuseConnections = false;
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {
    server.on('connection', (socket) => {
      if (this.refuseConnections) return void socket.resetAndDestroy();
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  /** Listens on a free port. */
  static async start(): Promise<WebhookReceiver> {
    const server = createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const receiver = new WebhookReceiver(server, (server.address() as AddressInfo).port);
    server.on('request', (req, res) => void receiver.handle(req.url ?? '/', req.headers, req, res));
    return receiver;
  }

  /** The URL to register; the query holds a token, which logs must never show. */
  url(path = '/hook'): string {
    return `http://127.0.0.1:${this.port}${path}?token=secret-token`;
  }

  /** The envelopes received, in arrival order, redeliveries included. */
  bodies(): WebhookEnvelope[] {
    return this.requests.map((r) => r.body);
  }

  /**
   * The events delivered to the registration at `path` (all paths when omitted): the first copy of each,
   * in arrival order, as a receiver that de-duplicates by event sees them (delivery is at-least-once).
   */
  events(path?: string): WebhookEnvelope[] {
    const mine =
      path === undefined
        ? this.requests
        : this.requests.filter((r) => r.path === path || r.path.startsWith(`${path}?`));
    return distinctEvents(mine, (r) => r.body).map((r) => r.body);
  }

  /** Waits until `done()` holds, failing with `what` after `timeoutMs`. */
  async waitFor(done: () => boolean, what: string, timeoutMs = WAIT_LIMIT_MS): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!done()) {
      if (Date.now() > deadline)
        throw new Error(`timed out waiting for ${what}; received ${this.requests.length} requests`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(
    path: string,
    headers: IncomingHttpHeaders,
    req: AsyncIterable<Buffer>,
    res: ServerResponse,
  ): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk);
    const seen = {
      path,
      headers,
      body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as WebhookEnvelope,
      receivedAt: Date.now(),
    };
    const answer = this.answer(seen, this.requests.length);
    this.requests.push({ ...seen, status: answer?.status ?? 0 });
    // No answer: the socket stays open until the sender gives up or close() destroys it.
    if (answer !== null && !res.destroyed) res.writeHead(answer.status).end();
  }
}
