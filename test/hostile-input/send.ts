import { Agent, request } from 'node:http';
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';

/** One generated request, exactly as it goes on the wire. */
export interface HostileRequest {
  readonly method: string;
  /** Path and query as written on the request line (already percent-encoded where needed). */
  readonly target: string;
  /** An array value sends the header once per element: duplicate headers. */
  readonly headers: Readonly<Record<string, string | readonly string[]>>;
  readonly body?: string | Buffer;
  /** Send the body with `Transfer-Encoding: chunked` instead of a `Content-Length`. */
  readonly chunked?: boolean;
  /** Which API it targets: the judge differs. */
  readonly api: 'rest' | 'graphql';
  /** The operation it targets, e.g. `PUT /flows/{flowId}/label` or `POST /graphql`: coverage and reports. */
  readonly operation: string;
  /** What the generator broke, for the failure report. */
  readonly intent: string;
  /** Would change the store if it were accepted: it must be refused (the generator guarantees it is malformed). */
  readonly mustBeRefused: boolean;
}

export interface Exchange {
  readonly request: HostileRequest;
  /** 0 when the connection failed before a response arrived. */
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  readonly error?: string;
}

/** A guard against a request the server never answers, not a latency bound: a busy machine is slow. */
const PER_REQUEST_TIMEOUT_MS = 60_000;
const CHUNK = 64 * 1024;

/**
 * Sends requests to one server over keep-alive connections, a few at a time. Every request carries
 * `extraHeaders` on top of its own (where an Authorization header goes once authentication is on).
 * Uses node:http rather than fetch: fetch cannot send duplicate headers, raw request targets or a body
 * on GET.
 */
export class Sender {
  private readonly agent: Agent;
  private readonly origin: URL;

  constructor(
    baseUrl: string,
    private readonly extraHeaders: Readonly<Record<string, string>> = {},
    private readonly concurrency = 8,
  ) {
    this.origin = new URL(baseUrl);
    this.agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  }

  send(req: HostileRequest): Promise<Exchange> {
    const headers: OutgoingHttpHeaders = { ...req.headers, ...this.extraHeaders } as OutgoingHttpHeaders;
    const body = req.body === undefined ? undefined : Buffer.from(req.body);
    // Always declared: node sends a GET or DELETE body without a length otherwise, and the server
    // would read it as the next request.
    if (body && req.chunked) headers['transfer-encoding'] = 'chunked';
    else if (body) headers['content-length'] = body.length;
    return new Promise((resolve) => {
      let settled = false;
      const settle = (exchange: Omit<Exchange, 'request'>) => {
        if (settled) return;
        settled = true;
        resolve({ request: req, ...exchange });
      };
      const failed = (error: string) => settle({ status: 0, headers: {}, body: Buffer.alloc(0), error });
      const outgoing = request(
        {
          host: this.origin.hostname,
          port: this.origin.port,
          method: req.method,
          path: req.target,
          headers,
          agent: this.agent,
          timeout: PER_REQUEST_TIMEOUT_MS,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () =>
            settle({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
          );
          res.on('error', (err) => failed(`response: ${err.message}`));
        },
      );
      outgoing.on('timeout', () => outgoing.destroy(new Error(`no answer in ${PER_REQUEST_TIMEOUT_MS} ms`)));
      // A server refusing a huge body early may close while we still write it; the answer already came.
      outgoing.on('error', (err) => failed(`connection: ${err.message}`));
      if (body && req.chunked) {
        for (let i = 0; i < body.length; i += CHUNK) outgoing.write(body.subarray(i, i + CHUNK));
        outgoing.end();
      } else outgoing.end(body);
    });
  }

  /** Sends every request, `concurrency` at a time, handing each exchange to `onExchange` as it completes. */
  async sendAll(
    requests: readonly HostileRequest[],
    onExchange: (exchange: Exchange) => void,
  ): Promise<void> {
    let next = 0;
    const worker = async () => {
      while (next < requests.length) onExchange(await this.send(requests[next++]!));
    };
    await Promise.all(Array.from({ length: this.concurrency }, worker));
  }

  close(): void {
    this.agent.destroy();
  }
}
