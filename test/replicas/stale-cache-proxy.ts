import type { Server } from 'node:http';
import { createServer } from 'node:http';

/**
 * A deliberately broken replica: an HTTP proxy in front of a real one that answers every read (GET, and
 * a GraphQL POST that is not a mutation) from a cache nobody invalidates. The replica suites point their
 * reads at it once, to show that their stale-read count catches what a cache without invalidation does.
 */
export interface StaleCacheProxy {
  readonly url: string;
  close(): Promise<void>;
}

export async function startStaleCacheProxy(upstream: string): Promise<StaleCacheProxy> {
  const cache = new Map<string, { status: number; type: string; body: string }>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      const read =
        req.method === 'GET' ||
        (req.url === '/graphql' && !/^\s*\{?\s*"query"\s*:\s*"\s*mutation/.test(body));
      const key = `${req.method} ${req.url} ${body}`;
      const cached = read ? cache.get(key) : undefined;
      const answer = cached
        ? Promise.resolve(cached)
        : fetch(`${upstream}${req.url}`, {
            method: req.method,
            headers: Object.fromEntries(
              Object.entries(req.headers).filter(
                (e): e is [string, string] =>
                  typeof e[1] === 'string' && e[0] !== 'host' && e[0] !== 'connection',
              ),
            ),
            body: body || undefined,
          }).then(async (r) => {
            const fresh = {
              status: r.status,
              type: r.headers.get('content-type') ?? '',
              body: await r.text(),
            };
            if (read && r.status === 200) cache.set(key, fresh);
            return fresh;
          });
      answer.then(
        (a) => res.writeHead(a.status, { 'content-type': a.type }).end(a.body),
        (error: Error) => res.writeHead(502).end(error.message),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
