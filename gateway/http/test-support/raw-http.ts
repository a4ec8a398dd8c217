import { connect } from 'node:net';
import type { Socket } from 'node:net';

/** One HTTP/1.1 response as it came off the wire (bodies with Content-Length only, which ours have). */
export interface RawResponse {
  readonly status: number;
  /** Lower-cased names. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/**
 * A hand-driven HTTP/1.1 connection, for tests that must control exactly when bytes are sent (keep-alive
 * reuse at a chosen moment, pipelining, a body sent in parts) and see exactly how the server ended the
 * connection: `ended` resolves with 'end' for an orderly close (FIN) or the error code (ECONNRESET for
 * a reset).
 */
export class RawConnection {
  readonly ended: Promise<string>;
  /**
   * Resolves at the first `100 Continue`: for a request sent with `Expect: 100-continue`, proof that the
   * server has dispatched it (Node answers 100 as it hands the request to the application).
   */
  readonly continued: Promise<void>;
  private continuedNow!: () => void;
  private buffer = Buffer.alloc(0);
  private readonly parsed: RawResponse[] = [];
  private waiting: { resolve: (r: RawResponse) => void; reject: (e: Error) => void } | null = null;
  private endedAs: string | null = null;

  private constructor(readonly socket: Socket) {
    this.continued = new Promise((resolve) => (this.continuedNow = resolve));
    this.ended = new Promise((resolve) => {
      const end = (how: string) => {
        if (this.endedAs !== null) return;
        this.endedAs = how;
        resolve(how);
        this.waiting?.reject(new Error(`the connection ended (${how}) before a complete response`));
        this.waiting = null;
      };
      socket.on('end', () => end('end'));
      socket.on('error', (error: NodeJS.ErrnoException) => end(error.code ?? error.message));
      socket.on('close', () => end('close'));
    });
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.parse();
    });
  }

  static open(port: number, host = '127.0.0.1'): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, host);
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new RawConnection(socket));
      });
      socket.once('error', reject);
    });
  }

  write(text: string): void {
    this.socket.write(text);
  }

  /** The next complete final response (1xx interim responses are skipped). */
  next(): Promise<RawResponse> {
    const ready = this.parsed.shift();
    if (ready) return Promise.resolve(ready);
    if (this.endedAs !== null)
      return Promise.reject(new Error(`the connection ended (${this.endedAs}) before a complete response`));
    return new Promise((resolve, reject) => (this.waiting = { resolve, reject }));
  }

  private parse(): void {
    for (;;) {
      const headEnd = this.buffer.indexOf('\r\n\r\n');
      if (headEnd < 0) return;
      const [statusLine, ...lines] = this.buffer.subarray(0, headEnd).toString('latin1').split('\r\n');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(statusLine ?? '')?.[1]);
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const colon = line.indexOf(':');
        headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      if (headers['transfer-encoding']) throw new Error('raw-http: chunked responses are not supported');
      const length = status < 200 ? 0 : Number(headers['content-length'] ?? 0);
      if (this.buffer.length < headEnd + 4 + length) return;
      const body = this.buffer.subarray(headEnd + 4, headEnd + 4 + length).toString('utf8');
      this.buffer = this.buffer.subarray(headEnd + 4 + length);
      if (status === 100) this.continuedNow();
      if (status < 200) continue;
      const response = { status, headers, body };
      if (this.waiting) {
        this.waiting.resolve(response);
        this.waiting = null;
      } else this.parsed.push(response);
    }
  }
}

export const get = (path: string, headers: Readonly<Record<string, string>> = {}) =>
  `GET ${path} HTTP/1.1\r\nhost: test\r\n${headerLines(headers)}\r\n`;

/**
 * The head of a request with a body of `length` bytes that asks for `100 Continue` (see `continued`);
 * the body is written separately, when the test chooses.
 */
export const headWithBody = (
  method: string,
  path: string,
  length: number,
  headers: Readonly<Record<string, string>> = {},
) =>
  `${method} ${path} HTTP/1.1\r\nhost: test\r\ncontent-length: ${length}\r\nexpect: 100-continue\r\n` +
  `${headerLines(headers)}\r\n`;

const headerLines = (headers: Readonly<Record<string, string>>) =>
  Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
