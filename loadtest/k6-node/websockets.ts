/**
 * `k6/websockets` over the `ws` package. Handlers run as the VU that opened the socket, and an open
 * socket keeps its iteration going until it closes, as in k6. k6's constructor takes no subprotocol
 * list; a Sec-WebSocket-Protocol header in params is offered as the subprotocols, as k6's handshake does.
 */
import NodeWebSocket from 'ws';
import { addSample, bound, currentVu, hold, release } from './context.js';

type EventName = 'open' | 'close' | 'error' | 'message' | 'ping' | 'pong';
type Listener = (event: unknown) => void;

interface Params {
  headers?: Record<string, string>;
  tags?: Record<string, string>;
}

export class WebSocket {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSING = 2;
  static readonly CLOSED = 3;
  readonly CONNECTING = 0;
  readonly OPEN = 1;
  readonly CLOSING = 2;
  readonly CLOSED = 3;

  onopen: (() => void) | null = null;
  onclose: (() => void) | null = null;
  onerror: ((event?: unknown) => void) | null = null;
  onmessage: ((event?: unknown) => void) | null = null;
  onping: (() => void) | null = null;
  onpong: (() => void) | null = null;
  binaryType: 'blob' | 'arraybuffer' = 'arraybuffer';
  private readonly listeners = new Map<EventName, Listener[]>();
  private readonly socket: NodeWebSocket;

  constructor(
    readonly url: string,
    _protocols?: null,
    params?: Params | null,
  ) {
    const headers: Record<string, string> = {};
    let protocols: string[] = [];
    for (const [name, value] of Object.entries(params?.headers ?? {}))
      if (name.toLowerCase() === 'sec-websocket-protocol') protocols = value.split(',').map((p) => p.trim());
      else headers[name] = value;
    const vu = currentVu();
    const token = {};
    hold(token);
    const started = performance.now();
    addSample('ws_sessions', 'counter', 1);
    this.socket = new NodeWebSocket(url, protocols, { headers });
    this.socket.on(
      'open',
      bound(() => {
        addSample('ws_connecting', 'trend', performance.now() - started);
        this.emit('open', { type: 'open' });
      }),
    );
    this.socket.on(
      'message',
      bound((data: Buffer, isBinary: boolean) => {
        addSample('ws_msgs_received', 'counter', 1);
        const payload = isBinary ? new Uint8Array(data).buffer : data.toString('utf8');
        this.emit('message', { type: 'message', data: payload, timestamp: Date.now() });
      }),
    );
    this.socket.on(
      'ping',
      bound(() => this.emit('ping', { type: 'ping' })),
    );
    this.socket.on(
      'pong',
      bound(() => this.emit('pong', { type: 'pong' })),
    );
    this.socket.on(
      'error',
      bound((error: Error) => this.emit('error', { type: 'error', error: error.message })),
    );
    this.socket.on(
      'close',
      bound(() => {
        try {
          this.emit('close', { type: 'close' });
        } finally {
          release(vu, token);
        }
      }),
    );
  }

  get readyState(): 0 | 1 | 2 | 3 {
    return this.socket.readyState;
  }

  get bufferedAmount(): number {
    return this.socket.bufferedAmount;
  }

  send(data: string | ArrayBuffer | ArrayBufferView): void {
    addSample('ws_msgs_sent', 'counter', 1);
    this.socket.send(data as string);
  }

  close(code?: number, reason?: string): void {
    this.socket.close(code ?? 1000, reason);
  }

  ping(): void {
    this.socket.ping();
  }

  addEventListener(event: EventName, listener: Listener): void {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener]);
  }

  private emit(name: EventName, event: unknown): void {
    const handler = this[`on${name}`];
    handler?.call(this, event);
    for (const listener of this.listeners.get(name) ?? []) listener.call(this, event);
  }
}

export default { WebSocket };
