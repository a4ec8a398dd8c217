/**
 * The stress runs' HTTP client (undici, keep-alive): every request is recorded with its outcome, and a
 * 503/429 carrying Retry-After is honoured as a well-behaved client would (the caller waits that long).
 * A request unanswered within `timeoutMs` is recorded as `timeout`: what the suite counts as a hang.
 */
import { Agent, request } from 'undici';
import type { Outcome, Recorder } from './recorder.js';

export interface Answer {
  readonly status: number;
  readonly body: string;
  readonly header: (name: string) => string | undefined;
}

export interface Sent {
  readonly outcome: Outcome;
  /** The answer, when one came. */
  readonly answer?: Answer;
  /** Seconds the server asked the client to wait before retrying (503/429 with Retry-After). */
  readonly retryAfterS?: number;
}

export class LoadClient {
  private readonly dispatcher: Agent;

  constructor(
    /** The gateway (or the target process) base URL; a function for targets that move (a restarted role). */
    private readonly base: () => string,
    private readonly headers: Readonly<Record<string, string>>,
    private readonly recorder: Recorder,
    options: { connections: number; timeoutMs: number },
  ) {
    this.dispatcher = new Agent({
      connections: options.connections,
      keepAliveTimeout: 30_000,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
      connectTimeout: options.timeoutMs,
    });
  }

  async send(op: string, method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown): Promise<Sent> {
    const t = this.recorder.now();
    let sent: Sent;
    try {
      const res = await request(`${this.base()}${path}`, {
        method,
        dispatcher: this.dispatcher,
        headers: { ...this.headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.body.text();
      const header = (name: string) => {
        const value = res.headers[name.toLowerCase()];
        return Array.isArray(value) ? value.join(', ') : value;
      };
      const answer = { status: res.statusCode, body: text, header };
      sent = { outcome: outcomeOf(answer), answer, retryAfterS: retryAfterOf(answer) };
    } catch (error) {
      sent = { outcome: failureOf(error) };
    }
    this.recorder.requests.push({ t, op, outcome: sent.outcome, ms: this.recorder.now() - t });
    return sent;
  }

  close(): Promise<void> {
    return this.dispatcher.destroy();
  }
}

function outcomeOf(answer: Answer): Outcome {
  if ((answer.status === 503 || answer.status === 429) && answer.header('retry-after') === undefined)
    return `${answer.status}-no-retry-after`;
  if (answer.status === 200 && answer.body.includes('"errors":[')) {
    const code = /"errors":\[.*?"code":"([A-Z_]+)"/s.exec(answer.body)?.[1] ?? 'UNKNOWN';
    return `graphql:${code}`;
  }
  return String(answer.status);
}

function retryAfterOf(answer: Answer): number | undefined {
  if (answer.status !== 503 && answer.status !== 429) return undefined;
  const value = Number(answer.header('retry-after'));
  return Number.isFinite(value) ? value : undefined;
}

function failureOf(error: unknown): Outcome {
  const code = (error as { code?: string }).code ?? '';
  // UND_ERR_CONNECT_TIMEOUT, UND_ERR_HEADERS_TIMEOUT, UND_ERR_BODY_TIMEOUT: which stage hung.
  const stage = /^UND_ERR_(\w+)_TIMEOUT$/.exec(code)?.[1]?.toLowerCase();
  if (stage) return `timeout:${stage}`;
  return `connection:${code || 'unknown'}`;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
