import type { RedisOptions } from 'ioredis';
import type { OutboxEvent } from '../executor/index.js';
import type { FeedEvent } from './event-feed.js';

/**
 * The Redis side of the event bus, shared by the follower that writes it and the feeds that read it.
 *
 * - `<prefix>events`: a stream, one entry per outbox event, **its entry ID is the event's outbox
 *   position** (`<position>-0`). Redis refuses an XADD whose ID is not above the stream's last one, so
 *   an event can be in the stream at most once and the stream is always in outbox order, whoever adds.
 *   Each entry also names `p`, the outbox position just before it (or the follower's starting cursor):
 *   no event lies between `p` and the entry. A reader at position q may deliver an entry only when its
 *   `p` equals q; anything else (trimmed, lost with a Redis restart, never published) is a gap.
 * - `<prefix>follower`: the follower's heartbeat, the position up to which it has published everything,
 *   set with a TTL after each round. Absent means no follower has published for that long.
 * - `<prefix>wake`: a channel; a message asks the holding follower to read the outbox now (a commit in
 *   another process). Only latency depends on it: the holder polls anyway.
 */
export interface BusKeys {
  readonly stream: string;
  readonly heartbeat: string;
  /** A pub/sub channel: a standby follower whose process committed asks the holder to read now. */
  readonly wake: string;
}

export const DEFAULT_BUS_PREFIX = 'tams:bus:';

export const busKeys = (prefix = DEFAULT_BUS_PREFIX): BusKeys => ({
  stream: `${prefix}events`,
  heartbeat: `${prefix}follower`,
  wake: `${prefix}wake`,
});

/** The fields of one entry (XADD's field-value list). Absent keys are empty strings. */
export function entryFields(event: OutboxEvent, previous: bigint): string[] {
  return [
    't',
    event.event_type,
    'f',
    event.flow_id ?? '',
    's',
    event.source_id ?? '',
    'p',
    String(previous),
    'w',
    String(event.event_timestamp.getTime()),
  ];
}

export const entryId = (position: bigint): string => `${position}-0`;

/** One stream entry as a feed reads it. */
export interface BusEntry {
  readonly event: FeedEvent;
  /** The outbox position before it: deliverable only by a reader at exactly this position. */
  readonly previous: bigint;
  readonly writtenAt: Date;
}

/** Parses an entry as XREAD/XRANGE return it; throws on anything this bus did not write. */
export function parseEntry(id: string, fields: readonly string[]): BusEntry {
  const match = /^(\d+)-0$/.exec(id);
  const map = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2) map.set(fields[i]!, fields[i + 1]!);
  const type = map.get('t');
  const previous = map.get('p');
  const written = Number(map.get('w'));
  if (!match || !type || previous === undefined || !/^\d+$/.test(previous) || !Number.isFinite(written))
    throw new Error(
      `the event bus stream holds an entry it did not write (${id}); is another program using its key?`,
    );
  return {
    event: {
      type,
      flowId: map.get('f') || null,
      sourceId: map.get('s') || null,
      position: BigInt(match[1]!),
    },
    previous: BigInt(previous),
    writtenAt: new Date(written),
  };
}

/** XADD refused the ID: an entry at or after this position is already there (another follower's). */
export const isAlreadyPublished = (error: unknown): boolean =>
  error instanceof Error && /equal or smaller than the target stream top item/.test(error.message);

/**
 * ioredis options of the bus's connections: no command is queued while Redis is away (it fails at once
 * and the caller falls back or retries), a command without an answer fails after `commandTimeoutMs`,
 * and the client reconnects by itself, backing off up to a second.
 */
export const busConnectionOptions = (commandTimeoutMs: number, name: string): RedisOptions => ({
  enableOfflineQueue: false,
  commandTimeout: commandTimeoutMs,
  maxRetriesPerRequest: 0,
  autoResendUnfulfilledCommands: false,
  retryStrategy: (attempt) => Math.min(50 * attempt, 1000),
  connectTimeout: 1000,
  connectionName: name,
});
