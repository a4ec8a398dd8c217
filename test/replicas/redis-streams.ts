import { Redis } from 'ioredis';

/**
 * What the replicas left in Redis Streams, read without knowing the bus's key names or entry format (a
 * later part of issue 12 defines them): every key of type stream, and each entry as the text of its
 * fields, which is enough to count the entries that mention an id.
 */

export interface StreamEntry {
  readonly id: string;
  /** The entry's field names and values, joined: where ids are looked for. */
  readonly text: string;
}

export async function readStreams(url: string): Promise<Map<string, StreamEntry[]>> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await redis.scan(cursor, 'COUNT', 1000, 'TYPE', 'stream');
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
    const streams = new Map<string, StreamEntry[]>();
    for (const key of keys.sort()) {
      const entries = await redis.xrange(key, '-', '+');
      streams.set(
        key,
        entries.map(([id, fields]) => ({ id, text: fields.join('\n') })),
      );
    }
    return streams;
  } finally {
    redis.disconnect();
  }
}
