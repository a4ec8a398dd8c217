import type { IncomingMessage } from 'node:http';
import type { Server, ServerOptions } from 'graphql-ws';
import { CloseCode, handleProtocols, makeServer } from 'graphql-ws';
import type { WebSocket, WebSocketServer } from 'ws';
import { disconnectCode } from '../http/client-disconnect.js';
import { requestIdOf } from '../http/request-id.js';
import type { Logger } from '../logger.js';

/** What graphql-ws's context carries for this runtime, plus the fields our hooks add. */
export type WsExtra<E> = {
  readonly socket: WebSocket;
  readonly request: IncomingMessage;
  /** Sends a text frame, as graphql-ws's own messages are sent (a peer gone mid-send is no failure). */
  readonly send: (data: string) => Promise<void>;
} & Partial<E>;

/** The route name graphql-ws log lines carry (HTTP requests carry their route's). */
const ROUTE = 'graphql-ws';

/** Messages only a server sends; a client sending one breaks the protocol (graphql-ws throws on them). */
const SERVER_ONLY = new Set(['connection_ack', 'next', 'error']);

/**
 * graphql-ws's protocol (`makeServer`) on a `ws` server: the adapter graphql-ws ships (`use/ws`), rewritten
 * because it reports client mistakes (a message type only servers send, an oversized frame) as internal
 * errors, with stack traces on stderr and close code 4500. Here a client's mistake closes its socket
 * with a 44xx code (ws itself closes oversized frames with 1009) and is logged through the process log
 * at debug level; only a failure of our own code is a 4500, logged as an error. Dead peers are found by
 * ping/pong every `keepAliveMs`.
 */
export function serveGraphQLWs<
  P extends Record<string, unknown> | undefined,
  E extends Record<string, unknown>,
>(
  options: ServerOptions<P, WsExtra<E>>,
  wss: WebSocketServer,
  log: Logger,
  keepAliveMs = 12_000,
): { dispose(): Promise<void> } {
  const server = makeServer<P, WsExtra<E>>(options);
  wss.options.handleProtocols = handleProtocols;
  wss.on('error', (err) => log.error({ err }, 'the graphql-ws server failed'));
  wss.on('connection', (socket, request) => serveSocket(server, socket, request, log, keepAliveMs));
  return {
    /**
     * Stops accepting (upgrade requests then reach the HTTP server, which answers 503 while it drains)
     * and closes every socket with 1001 "going away"; resolves when they have all closed. A peer that does
     * not complete the closing handshake is cut by the HTTP server's drain.
     */
    async dispose() {
      for (const client of wss.clients) client.close(1001, 'the server is shutting down');
      wss.removeAllListeners('connection');
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

/** One connection: graphql-ws's protocol on the socket, pings to find a dead peer, failures sorted. */
function serveSocket<E extends Record<string, unknown>>(
  server: Server<WsExtra<E>>,
  socket: WebSocket,
  request: IncomingMessage,
  log: Logger,
  keepAliveMs: number,
): void {
  const requestId = requestIdOf(request);
  // A peer that vanished or broke the framing: its doing, logged without a stack.
  socket.on('error', (err: Error & { code?: string }) =>
    log.debug({ requestId, route: ROUTE, reason: err.code ?? err.message }, 'a graphql-ws socket failed'),
  );
  let pongWait: NodeJS.Timeout | null = null;
  const ping = setInterval(() => {
    if (socket.readyState !== socket.OPEN) return;
    pongWait = setTimeout(() => socket.terminate(), keepAliveMs);
    socket.once('pong', () => {
      if (pongWait) clearTimeout(pongWait);
      pongWait = null;
    });
    socket.ping();
  }, keepAliveMs);
  const send = (data: string) =>
    new Promise<void>((resolve, reject) => {
      if (socket.readyState !== socket.OPEN) return resolve();
      socket.send(data, (err) => {
        if (!err) return resolve();
        // The peer went away mid-send (a tab closed during a fan-out): nobody is left to receive
        // anything, so it is not a failure of the operation. Rejected, graphql-ws reported it as
        // the subscription's error, which the pipeline logged as an internal error with a stack
        // (fanout-bench logged one per subscription whose client it killed).
        const gone = disconnectCode(err);
        if (gone !== undefined || socket.readyState !== socket.OPEN) {
          log.debug(
            { requestId, route: ROUTE, reason: gone ?? err.message },
            'a graphql-ws client went away mid-send',
          );
          return resolve();
        }
        reject(err);
      });
    });
  const closed = server.opened(
    {
      protocol: socket.protocol,
      send,
      close: (code, reason) => socket.close(code, reason),
      onMessage: (cb) =>
        socket.on('message', (data: Buffer, isBinary: boolean) => {
          const text = isBinary ? null : data.toString('utf8');
          if (text === null || SERVER_ONLY.has(messageType(text) ?? ''))
            return socket.close(
              CloseCode.BadRequest,
              text === null ? 'binary frames are not used' : 'unexpected message type',
            );
          cb(text).catch((err: unknown) => {
            // Sending to a client that has gone meanwhile fails too; that is not a server fault.
            if (socket.readyState !== socket.OPEN) {
              const reason = disconnectCode(err) ?? (err instanceof Error ? err.message : String(err));
              log.debug({ requestId, route: ROUTE, reason }, 'a graphql-ws client went away mid-message');
              return;
            }
            log.error({ err, requestId }, 'handling a graphql-ws message failed');
            socket.close(CloseCode.InternalServerError, 'internal error; the server log has the details');
          });
        }),
    },
    { socket, request, send } as WsExtra<E>,
  );
  socket.once('close', (code, reason) => {
    if (pongWait) clearTimeout(pongWait);
    clearInterval(ping);
    void closed(code, reason.toString());
  });
}

function messageType(text: string): string | undefined {
  try {
    const message = JSON.parse(text) as { type?: unknown } | null;
    return typeof message?.type === 'string' ? message.type : undefined;
  } catch {
    return undefined; // not JSON: graphql-ws closes it with 4400 itself
  }
}
