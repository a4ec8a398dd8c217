import type { IncomingMessage } from 'node:http';
import { HttpError } from './errors.js';

/**
 * How long a whole JSON body may take to arrive: 16 MiB in 60 s is 280 KB/s, far below any real link.
 * The idle-socket timeout cuts a client that stops sending; this cuts one that trickles a byte at a time.
 */
export const BODY_DEADLINE_MS = 60_000;

/**
 * Reads a request body into memory up to `maxBytes`: a larger body is refused with 413 as soon as it
 * crosses the limit (or at once when Content-Length announces it), so no client can make us buffer more.
 * A body still incomplete after `deadlineMs` is refused with 408 and its connection closed.
 */
export function readBody(
  req: IncomingMessage,
  maxBytes: number,
  deadlineMs = BODY_DEADLINE_MS,
): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > maxBytes)
    return Promise.reject(
      new HttpError(413, 'REQUEST_TOO_LARGE', `the request body is larger than ${maxBytes} bytes`),
    );
  // The client went away while the handler awaited something else (a client giving up on a slow or
  // stopped server): the request's 'error' and 'close' are past, and waiting for its 'end' would hold the
  // handler, and a draining process's exit, until the deadline.
  if (req.destroyed && !req.readableEnded) return Promise.reject(clientGone());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = (error: Error) => {
      cleanup();
      // Unread bytes are discarded; a refused client's body never reaches memory.
      req.resume();
      reject(error);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes)
        stop(new HttpError(413, 'REQUEST_TOO_LARGE', `the request body is larger than ${maxBytes} bytes`));
      else chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks));
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    // Destroyed without an error (req.destroy() by another part of the server): no 'end' will come.
    const onClose = () => onError(clientGone());
    const timer = setTimeout(
      () =>
        stop(
          new HttpError(
            408,
            'REQUEST_TIMEOUT',
            `the request body did not arrive within ${Math.round(deadlineMs / 1000)} s`,
            { connection: 'close' },
          ),
        ),
      deadlineMs,
    );
    function cleanup() {
      clearTimeout(timer);
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    }
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

/** A disconnect (client-disconnect.ts): logged at debug, as the client's doing, when its socket is gone. */
function clientGone(): Error {
  return Object.assign(new Error('the connection closed before the request body was read'), {
    code: 'ERR_STREAM_PREMATURE_CLOSE',
  });
}
