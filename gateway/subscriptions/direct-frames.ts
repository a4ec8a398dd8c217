import type { FormattedExecutionResult } from 'graphql';

/**
 * A subscription's results written to its socket as `next` frames by this module instead of by
 * graphql-ws, which would stringify each result once per subscriber. Used by the subscriptions that are
 * served one by one (paced states, `storeEvents`); groups of identical state subscribers write the
 * bytes below (`nextFrame`) from state-groups.ts. Subscribers that share a run share
 * the result object, so its JSON is made once (`json`, cached per object) and each socket gets the same
 * text behind its own id: `{"id":…,"type":"next","payload":…}`, byte for byte what graphql-ws sends.
 *
 * graphql-ws still owns the subscription: it is handed the returned iterator, which yields nothing and
 * ends when the results do (graphql-ws then sends `complete`, after the last frame, as the socket keeps
 * the order of sends), and whose `return()` (client `complete`, socket closed) ends the results. Each
 * frame is sent only once the previous one was written, as graphql-ws does, so a slow client still costs
 * one result in flight while newer ones replace the one waiting (LiveQuery).
 *
 * fanout-bench --sqlite --quick (one gateway, 1,000 subscribers, 1,000 frames per write), interleaved,
 * graphql-ws's frames / these: with `--wide` (~1 KB results) gateway CPU per write 58.4, 67.4 / 50.2,
 * 51.2 ms, p99 1,733, 2,193 / 1,318, 1,687 ms; with the bench's ~60-byte results 46.8, 49.0 / 46.1,
 * 46.7 ms (no gain, no loss).
 */
export function framesThrough(
  results: AsyncIterableIterator<FormattedExecutionResult>,
  id: string,
  json: (result: FormattedExecutionResult) => string,
  send: (text: string) => Promise<void>,
): AsyncIterableIterator<never> {
  const prefix = `{"id":${JSON.stringify(id)},"type":"next","payload":`;
  const pumped = (async () => {
    for (;;) {
      const next = await results.next();
      if (next.done) return;
      await send(`${prefix}${json(next.value)}}`);
    }
  })();
  const end = (): Promise<IteratorResult<never>> => pumped.then(() => ({ value: undefined, done: true }));
  return {
    next: end,
    async return() {
      await results.return?.();
      return { value: undefined, done: true };
    },
    async throw(error?: unknown) {
      await results.return?.();
      throw error instanceof Error ? error : new Error(String(error));
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

/**
 * The bytes of a `next` frame before its payload, for one subscription: `{"id":…,"type":"next","payload":`
 * (made once per subscription, so a delivery only copies it).
 */
export function nextFramePrefix(id: string): Buffer {
  return Buffer.from(`{"id":${JSON.stringify(id)},"type":"next","payload":`);
}

/** A result's JSON and the frame's closing brace as bytes, made once per result (shared results). */
const tails = new WeakMap<FormattedExecutionResult, Buffer>();
export function nextFrameTail(
  result: FormattedExecutionResult,
  json: (result: FormattedExecutionResult) => string,
): Buffer {
  let tail = tails.get(result);
  if (tail === undefined) {
    tail = Buffer.from(`${json(result)}}`);
    tails.set(result, tail);
  }
  return tail;
}

/** One subscription's `next` frame: its prefix and a shared tail in one buffer, the only copy it costs. */
export function nextFrame(prefix: Buffer, tail: Buffer): Buffer {
  const frame = Buffer.allocUnsafe(prefix.length + tail.length);
  prefix.copy(frame, 0);
  tail.copy(frame, prefix.length);
  return frame;
}
