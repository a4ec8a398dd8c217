/**
 * A circuit breaker for one subgraph over HTTP, against a part that is hung rather than dead.
 *
 * A dead part refuses connections and is answered 503 at once (subgraphFetch). A hung one (SIGSTOP, a
 * stuck event loop) accepts them and answers nothing, so without a breaker every request that needs it
 * waits the whole fetch deadline (TAMS_SUBGRAPH_TIMEOUT_MS, 30 s) before its 503, and the gateway's
 * in-flight bound fills with requests that cannot succeed.
 *
 * The circuit opens when a request reaches its deadline and the part answered nothing at all while that
 * request waited: no response to any other request, no probe. The condition, not a count of failures, is
 * what tells a hung part from one slow request, and from one hung instance among several behind a
 * balancer (the others keep answering, so the circuit stays closed and only the requests the hung
 * instance took wait their deadline, as before). While open, requests are answered 503 at once and a
 * probe (a trivial query with a short deadline) runs every `probeIntervalMs`; the first probe answered
 * closes the circuit. There is no half-open trial with a client's request: a trial on a part still hung
 * would cost that client the whole deadline.
 */
export interface SubgraphCircuitOptions {
  /** The subgraph's name, in messages and metrics. */
  readonly name: string;
  /** Resolves when the part answered a trivial request within `timeoutMs`; rejects otherwise. */
  probe(timeoutMs: number): Promise<void>;
  /** How long a probe may take (default 2 s, the readiness probe's). */
  readonly probeTimeoutMs?: number;
  /** Pause between probes while open (default 1 s). */
  readonly probeIntervalMs?: number;
  /** Told when the circuit opens (true) or closes (false): metrics, logs. */
  onChange?(open: boolean): void;
}

export class SubgraphCircuit {
  readonly name: string;
  /** performance.now() of the last answer from the part (a response to a request, or a probe). */
  private lastAnswerAt = Number.NEGATIVE_INFINITY;
  private opened = false;
  private stopped = false;
  private probeTimer: NodeJS.Timeout | undefined;
  private readonly probeTimeoutMs: number;
  private readonly probeIntervalMs: number;

  constructor(private readonly options: SubgraphCircuitOptions) {
    this.name = options.name;
    this.probeTimeoutMs = options.probeTimeoutMs ?? 2000;
    this.probeIntervalMs = options.probeIntervalMs ?? 1000;
  }

  /** Whether requests are answered at once without being sent (the part is being probed). */
  get open(): boolean {
    return this.opened;
  }

  /** A request is about to be sent: the moment its wait starts, for `timedOut`. */
  started(): number {
    return performance.now();
  }

  /** The part answered (response headers arrived, whatever the status): it is not hung. */
  answered(): void {
    this.lastAnswerAt = performance.now();
  }

  /** A request sent at `startedAt` reached its deadline: open when nothing was answered since it was sent. */
  timedOut(startedAt: number): void {
    if (this.opened || this.stopped || this.lastAnswerAt >= startedAt) return;
    this.opened = true;
    this.options.onChange?.(true);
    this.scheduleProbe();
  }

  /** Stops probing (shutdown); the circuit stays as it is. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.probeTimer);
  }

  private scheduleProbe(): void {
    if (this.stopped) return;
    this.probeTimer = setTimeout(() => void this.runProbe(), this.probeIntervalMs);
    this.probeTimer.unref();
  }

  private async runProbe(): Promise<void> {
    try {
      await this.options.probe(this.probeTimeoutMs);
    } catch {
      this.scheduleProbe();
      return;
    }
    this.answered();
    if (!this.opened) return;
    this.opened = false;
    this.options.onChange?.(false);
  }
}
