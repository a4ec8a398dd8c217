import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';

/**
 * Makes every 503 this response may become carry Retry-After: a part that is down (the database, a
 * subgraph) is answered 503 SERVICE_UNAVAILABLE by whichever layer saw it (REST, GraphQL, the object
 * endpoint), and a client must always be told when to come back. Wraps `writeHead`, which every answer
 * goes through (`end()` without it calls it too); an explicit Retry-After is kept.
 */
export function retryAfterOn503(res: ServerResponse, seconds: number): void {
  const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => ServerResponse;
  res.writeHead = (statusCode: number, ...rest: unknown[]) => {
    if (statusCode === 503 && !res.hasHeader('retry-after') && !namesRetryAfter(rest))
      res.setHeader('retry-after', String(seconds));
    return writeHead(statusCode, ...rest);
  };
}

/** Whether writeHead's optional reason and headers arguments set Retry-After. */
function namesRetryAfter(rest: readonly unknown[]): boolean {
  const headers = rest.find((a) => typeof a === 'object' && a !== null) as
    OutgoingHttpHeaders | unknown[] | undefined;
  if (!headers) return false;
  if (Array.isArray(headers))
    return headers.some((h, i) => i % 2 === 0 && String(h).toLowerCase() === 'retry-after');
  return Object.keys(headers).some((name) => name.toLowerCase() === 'retry-after');
}
