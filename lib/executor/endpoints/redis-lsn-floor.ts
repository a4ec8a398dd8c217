import type * as IoRedis from 'ioredis';
import type { Redis } from 'ioredis';
import { lazyModule } from '../../lazy-module.js';
import type { LsnFloor } from './lsn-floor.js';

/** Loaded when a Redis client is first made (lib/lazy-module.ts). */
const ioredis = lazyModule<typeof IoRedis>('ioredis');

const KEY = 'tams:read-floor:lsn';
/** Positions as 16 hex digits: Lua compares them as strings, which is their numeric order (no 2^53 limit). */
const hex = (lsn: bigint) => lsn.toString(16).padStart(16, '0');
const RAISE = `local c = redis.call('GET', KEYS[1])
if (not c) or c < ARGV[1] then redis.call('SET', KEYS[1], ARGV[1]) end
return 1`;

/**
 * The floor shared by every process through Redis (the deployment's shared tier): one `GET` per request
 * that reads from standbys, one script per write. Fails closed: when Redis cannot be reached `current`
 * rejects and reads go to the primary; a write whose `raise` fails is still acknowledged (PostgreSQL
 * has it) and this process reads from the primary until a later raise succeeds, so at least it never
 * reads older than its own writes. Another process that still reaches Redis could read a standby that
 * lacks such a write (a partition between this process and Redis only): docs/decisions.md says so.
 */
export class RedisLsnFloor implements LsnFloor {
  private readonly redis: Redis;
  /** Raises that failed: the highest position not yet shared. */
  private unshared: bigint | null = null;

  constructor(url: string, commandTimeoutMs = 500) {
    this.redis = new (ioredis().Redis)(url, {
      enableOfflineQueue: false,
      commandTimeout: commandTimeoutMs,
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      retryStrategy: (attempt) => Math.min(50 * attempt, 2000),
      connectTimeout: Math.max(commandTimeoutMs, 1000),
      connectionName: 'tams-read-floor',
    });
    this.redis.on('error', () => undefined); // reconnects by itself; callers see failures as rejections
  }

  async raise(lsn: bigint): Promise<void> {
    const target = this.unshared !== null && this.unshared > lsn ? this.unshared : lsn;
    try {
      await this.redis.eval(RAISE, 1, KEY, hex(target));
      if (this.unshared !== null && this.unshared <= target) this.unshared = null;
    } catch {
      this.unshared = target;
    }
  }

  async current(): Promise<bigint> {
    if (this.unshared !== null) {
      await this.raise(this.unshared);
      if (this.unshared !== null) throw new Error('the read floor could not be shared through Redis');
    }
    const value = await this.redis.get(KEY);
    return value === null ? 0n : BigInt(`0x${value}`);
  }

  close(): Promise<void> {
    this.redis.disconnect();
    return Promise.resolve();
  }
}
