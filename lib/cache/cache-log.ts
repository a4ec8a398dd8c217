/** What the cache logs through (pino's shape, so the gateway passes its logger; lib/ needs no logger). */
export interface CacheLog {
  warn(details: Record<string, unknown>, message: string): void;
  info(details: Record<string, unknown>, message: string): void;
}
