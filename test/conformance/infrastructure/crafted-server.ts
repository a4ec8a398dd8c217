import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A tiny local HTTP server that answers with whatever a self-test crafted, good or bad, so the
 * conformance client's judgement can be tested without a TAMS store. Replies are keyed by method and
 * raw path (still percent-encoded, without the query). A HEAD without its own reply gets the GET's
 * status and headers (Node drops the body), as most frameworks do.
 */

export interface CraftedResponse {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** Serialised as JSON with Content-Type application/json (unless headers say otherwise). */
  readonly json?: unknown;
  /** Sent verbatim. */
  readonly text?: string;
}

export interface CraftedServer {
  readonly url: string;
  /** The raw request URLs received, in order. */
  readonly received: string[];
  reply(method: string, rawPath: string, response: CraftedResponse | ((url: URL) => CraftedResponse)): void;
  close(): Promise<void>;
}

export const ERROR_BODY = { type: 'NotFound', summary: 'nothing here', time: '2025-01-01T00:00:00Z' };

export async function startCraftedServer(): Promise<CraftedServer> {
  const replies = new Map<string, CraftedResponse | ((url: URL) => CraftedResponse)>();
  const received: string[] = [];
  const server = createServer((req, res) => {
    const raw = req.url ?? '/';
    received.push(`${req.method} ${raw}`);
    const url = new URL(raw, 'http://crafted');
    const path = raw.split('?')[0]!;
    const found =
      replies.get(`${req.method} ${path}`) ??
      (req.method === 'HEAD' ? replies.get(`GET ${path}`) : undefined);
    const crafted: CraftedResponse = (typeof found === 'function' ? found(url) : found) ?? {
      status: 404,
      json: ERROR_BODY,
    };
    const body = crafted.text ?? (crafted.json === undefined ? '' : JSON.stringify(crafted.json));
    const headers: Record<string, string> = { ...crafted.headers };
    if (crafted.json !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type'))
      headers['content-type'] = 'application/json';
    res.writeHead(crafted.status, headers);
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    reply: (method, rawPath, response) => void replies.set(`${method} ${rawPath}`, response),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
