import type { ReadStrategy } from '../../config/config.js';
import type { ReadEndpoint } from './read-endpoint.js';

/** Picks the endpoint for one read among those that may take it (never empty). */
export type Pick = (candidates: readonly ReadEndpoint[]) => ReadEndpoint;

/**
 * `round-robin`: in turn. `least-outstanding`: the fewest reads in flight (ties in turn), which follows
 * load without measuring it. `latency`: the lowest EWMA of measured read latency, endpoints not yet
 * measured first, so every endpoint gets measured.
 */
export function readStrategy(name: ReadStrategy): Pick {
  let turn = 0;
  const next = (candidates: readonly ReadEndpoint[]) => candidates[turn++ % candidates.length]!;
  switch (name) {
    case 'round-robin':
      return next;
    case 'least-outstanding':
      return (candidates) => {
        const fewest = Math.min(...candidates.map((e) => e.inFlight));
        return next(candidates.filter((e) => e.inFlight === fewest));
      };
    case 'latency':
      return (candidates) => {
        const unmeasured = candidates.filter((e) => e.latencyMs === null);
        if (unmeasured.length) return next(unmeasured);
        return candidates.reduce((best, e) => (e.latencyMs! < best.latencyMs! ? e : best));
      };
  }
}
