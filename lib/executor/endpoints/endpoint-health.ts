import type { ReadEndpointsConfig } from '../../config/config.js';
import { ExecutorError } from '../errors.js';
import type { PostgresExecutor } from '../postgres/postgres-executor.js';
import type { ReadEndpoint } from './read-endpoint.js';

/**
 * Active health checks of the read endpoints: every `probeMs` each is asked where it stands in
 * replication (a connection, a trivial query, its replay position and age), beside the primary's WAL
 * position. An endpoint is taken out after `failuresToEject` failures in a row (probes or reads: the
 * router reports those) or when it is more than `maxLagSeconds` behind, and admitted again after
 * `probesToAdmit` good probes in a row.
 */
export class EndpointHealth {
  private timer: NodeJS.Timeout | null = null;
  private probing: Promise<void> | null = null;

  constructor(
    private readonly primary: PostgresExecutor,
    private readonly endpoints: readonly ReadEndpoint[],
    private readonly settings: ReadEndpointsConfig,
    private readonly onChange: (endpoint: ReadEndpoint) => void = () => {},
  ) {}

  start(): void {
    void this.probeAll();
    this.timer ??= setInterval(() => void this.probeAll(), this.settings.probeMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.probing;
  }

  /** One round of probes (also for tests, which do not wait for the interval). */
  probeAll(): Promise<void> {
    this.probing ??= (async () => {
      try {
        let primaryLsn: bigint | null = null;
        try {
          primaryLsn = (await this.primary.replicationStatus()).lsn;
        } catch {
          // Without the primary's position lag is unknown: judge reachability only.
        }
        await Promise.all(this.endpoints.map((e) => this.probe(e, primaryLsn)));
      } finally {
        this.probing = null;
      }
    })();
    return this.probing;
  }

  private async probe(endpoint: ReadEndpoint, primaryLsn: bigint | null): Promise<void> {
    let status;
    try {
      status = await endpoint.executor.replicationStatus();
    } catch {
      return this.failed(endpoint);
    }
    if (!status.standby) return this.eject(endpoint, 'not-a-standby');
    endpoint.sawLsn(status.lsn);
    // Caught up with the primary's position read just before: no lag, however old its last replayed
    // transaction (an idle primary commits nothing). Behind it: how long it has been behind without a
    // break, at most the age of what it replayed last. The age alone would eject a healthy standby
    // probed in the moment after the first write following a quiet minute.
    const now = performance.now();
    let lag = 0;
    // Without the primary's position (it did not answer) lag is unknown: judge reachability only.
    if (primaryLsn !== null && status.lsn < primaryLsn) {
      endpoint.behindSince ??= now;
      lag = Math.min(status.replayAgeSeconds ?? Infinity, (now - endpoint.behindSince) / 1000);
    } else if (primaryLsn !== null) endpoint.behindSince = null;
    endpoint.lagSeconds = Number.isFinite(lag) ? lag : null;
    endpoint.failures = 0;
    if (lag > this.settings.maxLagSeconds) return this.eject(endpoint, 'lagging');
    endpoint.successes += 1;
    if (!endpoint.up && endpoint.successes >= this.settings.probesToAdmit) {
      endpoint.up = true;
      endpoint.reason = null;
      this.onChange(endpoint);
    }
  }

  /** A probe or a read failed for the endpoint's own reasons (not the query's). */
  failed(endpoint: ReadEndpoint): void {
    endpoint.failures += 1;
    endpoint.successes = 0;
    if (endpoint.failures >= this.settings.failuresToEject) this.eject(endpoint, 'failing');
  }

  private eject(endpoint: ReadEndpoint, reason: 'failing' | 'lagging' | 'not-a-standby'): void {
    endpoint.successes = 0;
    const changed = endpoint.up || endpoint.reason !== reason;
    endpoint.up = false;
    endpoint.reason = reason;
    if (changed) this.onChange(endpoint);
  }
}

/** Whether a failed read says something about the endpoint (unreachable, shutting down), not the query. */
export function isEndpointFailure(error: unknown): boolean {
  return error instanceof ExecutorError && error.code === 'UNAVAILABLE';
}
