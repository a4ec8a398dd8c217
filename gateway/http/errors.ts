import type { ServerResponse } from 'node:http';
import type { ErrorCode } from '../error-codes.js';

/**
 * An HTTP-level refusal (before GraphQL or REST see the request, or a REST answer): status plus a
 * TAMS-style error body whose `type` is one of the gateway's error codes (error-codes.ts).
 */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly type: ErrorCode,
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
  type: ErrorCode,
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

/** Writes a GraphQL response holding one error with `code` (graphql-over-http's shape for a refusal). */
export function sendGraphQLError(
  res: ServerResponse,
  status: number,
  code: ErrorCode,
  message: string,
  headers: Readonly<Record<string, string>> = {},
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify({ errors: [{ message, extensions: { code } }] });
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}
