// The other half of the compatibility layer's synchronous k6/http (http.ts): this worker thread makes
// each request with undici while the VU's thread blocks in Atomics.wait, then posts the answer and
// wakes it. Plain JavaScript, so the worker needs no TypeScript loader.
import { workerData } from 'node:worker_threads';
import { Agent, request } from 'undici';

const { port, flag } = workerData;
const dispatcher = new Agent({ keepAliveTimeout: 30_000, connections: 64 });

port.on('message', async (req) => {
  const started = performance.now();
  let answer;
  try {
    const res = await request(req.url, {
      method: req.method,
      headers: req.headers,
      body: req.body ?? undefined,
      dispatcher,
      headersTimeout: req.timeoutMs,
      bodyTimeout: req.timeoutMs,
    });
    const waited = performance.now() - started;
    const body = req.responseType === 'none' ? '' : await res.body.text();
    if (req.responseType === 'none') await res.body.dump();
    answer = {
      status: res.statusCode,
      headers: res.headers,
      body,
      waiting: waited,
      duration: performance.now() - started,
    };
  } catch (error) {
    answer = {
      status: 0,
      headers: {},
      body: '',
      error: `${error?.code ?? ''} ${error?.message ?? String(error)}`.trim(),
      waiting: 0,
      duration: performance.now() - started,
    };
  }
  port.postMessage(answer);
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
});
