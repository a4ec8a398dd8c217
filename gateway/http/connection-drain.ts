import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { Server as NetServer } from 'node:net';
import type { Socket } from 'node:net';
import type { Logger } from '../logger.js';

/** A connection the server accepted, and the responses it still owes on it. */
interface OpenConnection {
  /** Dispatched and not yet finished, oldest first; more than one when the client pipelines. */
  readonly responses: ServerResponse[];
  /** While draining and idle: closes the connection when it stays idle for the grace period. */
  idleTimer: NodeJS.Timeout | null;
}

/**
 * Graceful shutdown of an HTTP/1.1 server without resetting requests it accepted.
 *
 * The reset this avoids: closing a keep-alive connection that looks idle while the client's next
 * request is already on its way (Node's `server.close()` does exactly that since Node 19, through
 * `closeIdleConnections()`). The client then gets ECONNRESET for a request it cannot know whether the
 * server saw. So a drain
 *
 * - stops listening (new connections go elsewhere), without touching open connections;
 * - answers every request already dispatched, the last response owed on each connection carrying
 *   `Connection: close` (not every one: a pipelined request behind it would never be answered);
 * - lets the caller answer requests dispatched during the drain (503 + Retry-After, see HttpServer);
 *   they get `Connection: close` the same way;
 * - leaves idle connections open for the keep-alive timeout the server advertised
 *   (`Keep-Alive: timeout=N`): a client that sends on one in that time gets an answer, and clients that
 *   honour the hint close it themselves first; one still idle after it is closed, as it would have been
 *   without the drain;
 * - cuts whatever is left after `timeoutMs` (a slow upload, a stuck handler, a peer ignoring close).
 *
 * Upgraded connections (WebSockets) are tracked too: their owner should close them first (1001), and
 * those still open after the grace are cut like idle ones.
 */
export class ConnectionDrain {
  private readonly connections = new Map<Socket, OpenConnection>();
  /** Responses whose `Connection: close` the drain set (and may move to a later pipelined response). */
  private readonly markedClose = new WeakSet<ServerResponse>();
  private done: Promise<void> | null = null;
  private idleGraceMs = 0;

  constructor(
    private readonly server: Server,
    private readonly log: Logger,
  ) {
    server.on('connection', (socket: Socket) => this.accepted(socket));
  }

  get draining(): boolean {
    return this.done !== null;
  }

  /** Open connections, upgraded ones included. */
  get size(): number {
    return this.connections.size;
  }

  /** Called for every request the server dispatches, before it is handled. */
  dispatched(req: IncomingMessage, res: ServerResponse): void {
    const socket = req.socket;
    const connection = this.connections.get(socket);
    if (!connection) return;
    connection.responses.push(res);
    this.stopIdleTimer(connection);
    res.once('close', () => {
      const i = connection.responses.indexOf(res);
      if (i >= 0) connection.responses.splice(i, 1);
      if (this.draining && connection.responses.length === 0 && !socket.destroyed)
        this.closeWhenIdle(socket, connection);
    });
    if (this.draining) this.markLast(connection);
  }

  /**
   * Starts draining (once; later calls return the same promise) and resolves when every connection has
   * closed and the listener is shut.
   */
  drain(timeoutMs: number): Promise<void> {
    if (this.done) return this.done;
    // net.Server's close, not http.Server's: the latter also destroys idle keep-alive connections at once.
    const closed = new Promise<void>((resolve) =>
      NetServer.prototype.close.call(this.server, () => resolve()),
    );
    this.idleGraceMs = this.server.keepAliveTimeout;
    for (const [socket, connection] of this.connections)
      if (connection.responses.length) this.markLast(connection);
      else this.closeWhenIdle(socket, connection);
    const deadline = setTimeout(() => {
      if (this.connections.size)
        this.log.warn(
          { connections: this.connections.size, timeoutMs },
          'shutdown deadline reached: closing the connections still open (TAMS_SHUTDOWN_TIMEOUT_MS)',
        );
      for (const socket of this.connections.keys()) socket.destroy();
    }, timeoutMs);
    this.done = closed.then(() => {
      clearTimeout(deadline);
      // Nothing is left to close; this stops http.Server's own timers (its connection checks).
      this.server.close();
    });
    return this.done;
  }

  private accepted(socket: Socket): void {
    const connection: OpenConnection = { responses: [], idleTimer: null };
    this.connections.set(socket, connection);
    socket.once('close', () => {
      this.stopIdleTimer(connection);
      this.connections.delete(socket);
    });
    // Accepted in the same turn as the drain began: treated like any idle connection.
    if (this.draining) this.closeWhenIdle(socket, connection);
  }

  /**
   * `Connection: close` on the last response owed on the connection if its headers are still unsent,
   * and off the earlier ones the drain had marked (a pipelined request arrived behind them). When the
   * last one has been written already (queued behind a pipelined response), nothing can be marked: the
   * connection goes idle after it and is closed after the grace like any idle one.
   */
  private markLast(connection: OpenConnection): void {
    const { responses } = connection;
    responses.forEach((res, i) => {
      if (res.headersSent) return;
      if (i === responses.length - 1) {
        res.setHeader('connection', 'close');
        this.markedClose.add(res);
      } else if (this.markedClose.has(res)) {
        if (res.shouldKeepAlive) res.setHeader('connection', 'keep-alive');
        else res.removeHeader('connection');
        this.markedClose.delete(res);
      }
    });
  }

  private closeWhenIdle(socket: Socket, connection: OpenConnection): void {
    if (connection.idleTimer) return;
    connection.idleTimer = setTimeout(() => {
      connection.idleTimer = null;
      if (connection.responses.length === 0) socket.destroy();
    }, this.idleGraceMs);
  }

  private stopIdleTimer(connection: OpenConnection): void {
    if (connection.idleTimer) clearTimeout(connection.idleTimer);
    connection.idleTimer = null;
  }
}
