/**
 * `k6/http` for the compatibility layer: synchronous requests, as k6 makes them (the VU blocks until the
 * answer). A worker thread (http-worker.mjs) does the I/O; this thread waits on a shared flag with
 * Atomics.wait and reads the answer with receiveMessageOnPort. Each request is recorded in k6's
 * built-in metrics (http_reqs, http_req_duration, http_req_failed).
 */
import type { MessagePort } from 'node:worker_threads';
import { MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads';
import { addSample } from './context.js';

interface WorkerAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  error?: string;
  waiting: number;
  duration: number;
}

type Body = string | ArrayBuffer | Uint8Array | Record<string, unknown> | null | undefined;

interface Params {
  headers?: Record<string, string>;
  tags?: Record<string, string>;
  timeout?: string | number;
  responseType?: 'text' | 'binary' | 'none';
  responseCallback?: ExpectedStatuses;
}

interface ExpectedStatuses {
  readonly accepts: (status: number) => boolean;
}

let worker: { port: MessagePort; flag: Int32Array } | undefined;

function connect() {
  if (worker) return worker;
  const { port1, port2 } = new MessageChannel();
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const thread = new Worker(new URL('./http-worker.mjs', import.meta.url), {
    workerData: { port: port2, flag },
    transferList: [port2],
  });
  thread.unref();
  port1.unref();
  worker = { port: port1, flag };
  return worker;
}

/** Go's canonical header key (what k6's `res.headers` uses): `x-paging-nextkey` → `X-Paging-Nextkey`. */
const canonical = (name: string) =>
  name.toLowerCase().replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase());

function durationMs(timeout: string | number | undefined): number {
  if (timeout === undefined) return 60_000;
  if (typeof timeout === 'number') return timeout;
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(timeout);
  if (!match) throw new Error(`k6/http: timeout ${timeout} is not a duration like 500ms, 30s or 2m`);
  return Number(match[1]) * { ms: 1, s: 1000, m: 60_000 }[match[2] as 'ms' | 's' | 'm'];
}

function encodeBody(body: Body, headers: Record<string, string>): string | Uint8Array | undefined {
  if (body === null || body === undefined) return undefined;
  if (typeof body === 'string') return body;
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  if (body instanceof Uint8Array) return body;
  // k6 sends an object as a form.
  if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type'))
    headers['content-type'] = 'application/x-www-form-urlencoded';
  return new URLSearchParams(
    Object.entries(body).map(([k, v]): [string, string] => [k, String(v)]),
  ).toString();
}

let defaultExpected: ExpectedStatuses = expectedStatuses({ min: 200, max: 399 });

export class Response {
  constructor(
    readonly request: { method: string; url: string; body: string },
    readonly url: string,
    readonly status: number,
    readonly body: string | null,
    readonly headers: Record<string, string>,
    readonly error: string,
    readonly error_code: number,
    readonly timings: { duration: number; waiting: number; receiving: number },
  ) {}

  json(selector?: string): unknown {
    if (selector !== undefined)
      throw new Error('k6/http compatibility layer: json(selector) is not supported');
    return JSON.parse(this.body ?? '') as unknown;
  }
}

export function request(method: string, url: string, body?: Body, params: Params = {}): Response {
  const headers = { ...(params.headers ?? {}) };
  const encoded = encodeBody(body, headers);
  const { port, flag } = connect();
  Atomics.store(flag, 0, 0);
  port.postMessage({
    method: method.toUpperCase(),
    url,
    headers,
    body: encoded,
    timeoutMs: durationMs(params.timeout),
    responseType: params.responseType ?? 'text',
  });
  Atomics.wait(flag, 0, 0);
  const answer = receiveMessageOnPort(port)?.message as WorkerAnswer | undefined;
  if (!answer)
    throw new Error(`k6/http compatibility layer: no answer from the HTTP worker for ${method} ${url}`);
  const responseHeaders: Record<string, string> = {};
  for (const [name, value] of Object.entries(answer.headers))
    if (value !== undefined)
      responseHeaders[canonical(name)] = Array.isArray(value) ? value.join(', ') : value;
  const expected = params.responseCallback ?? defaultExpected;
  addSample('http_reqs', 'counter', 1);
  addSample('http_req_duration', 'trend', answer.duration);
  addSample('http_req_failed', 'rate', expected.accepts(answer.status) ? 0 : 1);
  return new Response(
    { method, url, body: typeof encoded === 'string' ? encoded : '' },
    url,
    answer.status,
    params.responseType === 'none' ? null : answer.body,
    responseHeaders,
    answer.error ?? '',
    answer.error ? 1000 : 0,
    { duration: answer.duration, waiting: answer.waiting, receiving: answer.duration - answer.waiting },
  );
}

export const get = (url: string, params?: Params) => request('GET', url, null, params);
export const head = (url: string, params?: Params) => request('HEAD', url, null, params);
export const del = (url: string, body?: Body, params?: Params) => request('DELETE', url, body, params);
export const post = (url: string, body?: Body, params?: Params) => request('POST', url, body, params);
export const put = (url: string, body?: Body, params?: Params) => request('PUT', url, body, params);
export const patch = (url: string, body?: Body, params?: Params) => request('PATCH', url, body, params);
export const options = (url: string, body?: Body, params?: Params) => request('OPTIONS', url, body, params);

export function expectedStatuses(...ranges: (number | { min: number; max: number })[]): ExpectedStatuses {
  return {
    accepts: (status) =>
      ranges.some((r) => (typeof r === 'number' ? r === status : status >= r.min && status <= r.max)),
  };
}

export function setResponseCallback(callback: ExpectedStatuses): void {
  defaultExpected = callback;
}

export default { request, get, head, del, post, put, patch, options, expectedStatuses, setResponseCallback };
