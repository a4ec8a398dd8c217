import type { AddressInfo, Socket } from 'node:net';
import { createConnection, createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { FrameQueue } from './frame-queue.js';

/** One turn of the event loop: an immediate queued now runs after the drain queued before it. */
const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('FrameQueue', () => {
  it('writes nothing while the caller runs, then perTurn writers a turn, in the order queued', async () => {
    const queue = new FrameQueue(4);
    const flushed: number[] = [];
    for (let i = 0; i < 10; i++) queue.push({ flush: () => flushed.push(i) });
    expect(flushed).toEqual([]);
    await turn();
    expect(flushed).toEqual([0, 1, 2, 3]);
    await turn();
    expect(flushed).toHaveLength(8);
    await turn();
    expect(flushed).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(queue.length).toBe(0);
    // Empty again: a new writer starts a new drain.
    queue.push({ flush: () => flushed.push(10) });
    await turn();
    expect(flushed.at(-1)).toBe(10);
  });

  // The regression behind it (docs/decisions.md, "fan-out in slices"): a state for 1,000 subscribers
  // was written in one loop, and every PostgreSQL reply a write transaction waited for sat unread
  // behind it. Here the fan-out goes on until a socket's data has been read; written in one task, it
  // would go on until its cap, and the data would be read with nothing queued.
  it('lets network input be read while writers are still queued', async () => {
    const server = createServer();
    const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const client = createConnection((server.address() as AddressInfo).port, '127.0.0.1');
    const peer = await accepted;
    try {
      let read = false;
      let flushes = 0;
      let queuedWhenRead = -1;
      const queue = new FrameQueue(8);
      peer.once('data', () => {
        read = true;
        queuedWhenRead = queue.length;
      });
      const writer = {
        flush: () => {
          flushes++;
          if (!read && flushes < 100_000) queue.push(writer);
        },
      };
      for (let i = 0; i < 32; i++) queue.push(writer);
      client.write('x');
      while (!read || queue.length > 0) await turn();
      expect(queuedWhenRead).toBeGreaterThan(0);
      expect(flushes).toBeGreaterThan(0);
    } finally {
      client.destroy();
      peer.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
