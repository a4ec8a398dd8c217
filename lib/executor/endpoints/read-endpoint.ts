import type { PostgresExecutor } from '../postgres/postgres-executor.js';

/** Why an endpoint takes no reads: never admitted yet, failing, or too far behind the primary. */
export type EjectReason = 'starting' | 'failing' | 'lagging' | 'not-a-standby';

/** What is known of a read endpoint now (for /health, metrics and tests). */
export interface EndpointSnapshot {
  readonly name: string;
  readonly up: boolean;
  readonly reason: EjectReason | null;
  readonly inFlight: number;
  /** EWMA of its reads' latency (ms); null before the first. */
  readonly latencyMs: number | null;
  /** Seconds behind the primary at the last probe; null before the first good one. */
  readonly lagSeconds: number | null;
  /** Its replayed WAL position as last seen. */
  readonly replayLsn: bigint;
  readonly reads: number;
  readonly errors: number;
}

/** Weight of the newest sample in the latency EWMA. */
const EWMA_ALPHA = 0.2;

/**
 * One streaming standby reads may go to: its executor (read-only, no migrations), whether it takes
 * reads, and the signals the strategies and the health monitor use. Starts out: a probe admits it.
 */
export class ReadEndpoint {
  up = false;
  reason: EjectReason | null = 'starting';
  inFlight = 0;
  latencyMs: number | null = null;
  lagSeconds: number | null = null;
  /** A lower bound of what it has replayed (WAL positions only grow). */
  replayLsn = 0n;
  /** When a probe first found it behind the primary, while it stays behind (ms, performance.now). */
  behindSince: number | null = null;
  /** Failures (probes or reads) in a row; good probes in a row. */
  failures = 0;
  successes = 0;
  reads = 0;
  errors = 0;

  constructor(
    /** host:port/database, never credentials. */
    readonly name: string,
    readonly executor: PostgresExecutor,
  ) {}

  observeLatency(ms: number): void {
    this.latencyMs = this.latencyMs === null ? ms : this.latencyMs + EWMA_ALPHA * (ms - this.latencyMs);
  }

  sawLsn(lsn: bigint): void {
    if (lsn > this.replayLsn) this.replayLsn = lsn;
  }

  snapshot(): EndpointSnapshot {
    return {
      name: this.name,
      up: this.up,
      reason: this.reason,
      inFlight: this.inFlight,
      latencyMs: this.latencyMs,
      lagSeconds: this.lagSeconds,
      replayLsn: this.replayLsn,
      reads: this.reads,
      errors: this.errors,
    };
  }
}
