import { once } from 'node:events';
import type { IncomingHttpHeaders, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { WebhookEnvelope } from '../webhook-envelope.js';

/** One POST as the receiver saw it. */
export interface ReceivedRequest {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: WebhookEnvelope;
  /** The status the receiver answered (maybe after the sender gave up waiting). */
  readonly status: number;
}

/** How the receiver answers the n-th request (0-based): a status, after an optional delay. */
export type Answer = (
  request: Omit<ReceivedRequest, 'status'>,
  index: number,
) => {
  status: number;
  delayMs?: number;
};

/** A webhook receiver on 127.0.0.1 (node:http), recording every request it gets. */
export class WebhookReceiver {
  readonly requests: ReceivedRequest[] = [];
  answer: Answer = () => ({ status: 204 });
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  /** Listens on `port` (0: any free port). */
  static async start(port = 0): Promise<WebhookReceiver> {
    const server = createServer();
    server.listen(port, '127.0.0.1');
    await once(server, 'listening');
    const receiver = new WebhookReceiver(server, (server.address() as AddressInfo).port);
    server.on('request', (req, res) => void receiver.handle(req.url ?? '/', req.headers, req, res));
    return receiver;
  }

  /** A port nothing listens on (yet): deliveries to it are refused. */
  static async freePort(): Promise<number> {
    const probe = await WebhookReceiver.start();
    await probe.close();
    return probe.port;
  }

  /** The URL to register; the query holds a token, which logs must never show. */
  url(path = '/hook'): string {
    return `http://127.0.0.1:${this.port}${path}?token=secret-token`;
  }

  /** The envelopes received, in arrival order. */
  bodies(): WebhookEnvelope[] {
    return this.requests.map((r) => r.body);
  }

  /** Waits until `done()` holds, failing with `what` after `timeoutMs`. */
  async waitFor(done: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
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
    };
    const { status, delayMs } = this.answer(seen, this.requests.length);
    this.requests.push({ ...seen, status });
    if (delayMs) await new Promise((resolve) => setTimeout(resolve, delayMs));
    if (!res.destroyed) res.writeHead(status).end();
  }
}
