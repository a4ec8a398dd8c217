import { request as httpRequest } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';

export interface RawResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/**
 * One HTTP request with the path sent exactly as given. Tests of hostile paths cannot use fetch: WHATWG
 * URL parsing would collapse `..` and `%2e%2e` segments before anything is sent.
 */
export function rawRequest(
  origin: string,
  method: string,
  path: string,
  options: { headers?: Record<string, string>; body?: Buffer | Iterable<Buffer> } = {},
): Promise<RawResponse> {
  const { hostname, port } = new URL(origin);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ hostname, port, method, path, headers: options.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    const { body } = options;
    if (Buffer.isBuffer(body)) {
      req.end(body);
    } else if (body !== undefined) {
      for (const chunk of body) req.write(chunk);
      req.end();
    } else {
      req.end();
    }
  });
}

/** The path and query of a URL exactly as written (no normalisation). */
export function pathOf(url: string): string {
  return url.slice(url.indexOf('/', url.indexOf('//') + 2));
}
