import type { ServerResponse } from 'node:http';

/** An HTTP-level refusal (before GraphQL or REST see the request): status plus a TAMS-style error body. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    /** Headers the answer must carry, e.g. `WWW-Authenticate` on a 401. */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }
}

/** Writes a TAMS 7.0 `error.json` shaped body ({type, summary, time}); never a stack trace. */
export function sendError(
  res: ServerResponse,
  status: number,
  type: string,
  summary: string,
  headers: Readonly<Record<string, string>> = {},
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify({ type, summary, time: new Date().toISOString() });
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}
