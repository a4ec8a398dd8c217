import type { ClientOptions } from 'ws';
import WebSocket from 'ws';
import { WAIT_LIMIT_MS } from '../../lib/test-support/eventually.js';

/** A message of the graphql-transport-ws protocol, as received. */
export interface WsMessage {
  readonly type: string;
  readonly id?: string;
  readonly payload?: unknown;
}

/**
 * A bare graphql-transport-ws client for tests that look at the protocol itself: close codes at
 * connection_init, the messages of each subscription in order. (The interop test uses graphql-ws's
 * own client.)
 */
export class WsTestClient {
  private readonly messages: WsMessage[] = [];
  private readonly waiters = new Set<() => void>();
  closed: { code: number; reason: string } | null = null;

  private constructor(private readonly socket: WebSocket) {
    socket.on('message', (data: Buffer) => {
      const message = JSON.parse(data.toString()) as WsMessage;
      if (message.type === 'ping') socket.send(JSON.stringify({ type: 'pong' }));
      else this.messages.push(message);
      this.notify();
    });
    socket.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      this.notify();
    });
  }

  /** Opens a socket and sends connection_init with `params` (nothing when undefined). */
  static async connect(url: string, params?: Record<string, unknown>, options: ClientOptions = {}) {
    const socket = new WebSocket(url, 'graphql-transport-ws', options);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    const client = new WsTestClient(socket);
    socket.send(JSON.stringify({ type: 'connection_init', ...(params ? { payload: params } : {}) }));
    return client;
  }

  /** Waits for the server's answer to connection_init: `ack`, or the close code and reason. */
  async initResult(): Promise<'ack' | { code: number; reason: string }> {
    await this.until(() => this.messages.some((m) => m.type === 'connection_ack') || this.closed !== null);
    return this.messages.some((m) => m.type === 'connection_ack') ? 'ack' : this.closed!;
  }

  subscribe(id: string, query: string, variables?: Record<string, unknown>, operationName?: string): void {
    this.socket.send(JSON.stringify({ id, type: 'subscribe', payload: { query, variables, operationName } }));
  }

  complete(id: string): void {
    this.socket.send(JSON.stringify({ id, type: 'complete' }));
  }

  /** The messages received for operation `id` so far. */
  of(id: string): WsMessage[] {
    return this.messages.filter((m) => m.id === id);
  }

  /** Waits until operation `id` has received `count` messages (or the socket closed); returns them. */
  async nextOf(id: string, count: number, timeoutMs = WAIT_LIMIT_MS): Promise<WsMessage[]> {
    await this.until(() => this.of(id).length >= count || this.closed !== null, timeoutMs);
    return this.of(id);
  }

  async waitClosed(timeoutMs = WAIT_LIMIT_MS): Promise<{ code: number; reason: string }> {
    await this.until(() => this.closed !== null, timeoutMs);
    return this.closed!;
  }

  /** Waits until `done()` holds, checked at each message; `timeoutMs` guards against a hang. */
  until(done: () => boolean, timeoutMs = WAIT_LIMIT_MS): Promise<void> {
    if (done()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(
          new Error(`timed out after ${timeoutMs} ms; messages so far: ${JSON.stringify(this.messages)}`),
        );
      }, timeoutMs);
      const check = () => {
        if (!done()) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve();
      };
      this.waiters.add(check);
    });
  }

  close(): void {
    this.socket.close();
  }

  private notify(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}
