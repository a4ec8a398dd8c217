/**
 * Samples the server processes once a second: RSS from /proc, and from each one's /metrics (never refused
 * by admission control) its event-loop delay p99 over the last interval and its requests in flight.
 */
import { rssBytes } from '../proc-stats.js';
import type { Recorder } from './recorder.js';

export interface Watched {
  readonly name: string;
  /** The process id and base URL now (a restarted process has new ones); null while it is down. */
  readonly current: () => { pid: number; url: string } | null;
}

export function startSampler(recorder: Recorder, watched: readonly Watched[], everyMs = 1000): () => void {
  let running = true;
  const sampleOnce = async () => {
    const t = recorder.now() / 1000;
    await Promise.all(
      watched.map(async (w) => {
        const target = w.current();
        if (!target) return;
        let rss: number;
        try {
          rss = rssBytes(target.pid);
        } catch {
          return; // gone between the check and the read
        }
        const metrics = await scrape(target.url);
        recorder.processes.push({
          t,
          process: w.name,
          rssMiB: Math.round((rss / 1024 / 1024) * 10) / 10,
          lagP99Ms: metrics.get('nodejs_eventloop_lag_p99_seconds') ?? null,
          inFlight: metrics.get('tams_http_in_flight') ?? null,
        });
      }),
    );
  };
  void (async () => {
    while (running) {
      const next = Date.now() + everyMs;
      await sampleOnce();
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, next - Date.now())));
    }
  })();
  return () => {
    running = false;
  };
}

/** The few gauges the sampler reads (seconds turned into ms); empty when the scrape fails. */
async function scrape(url: string): Promise<Map<string, number>> {
  const values = new Map<string, number>();
  try {
    const res = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5000) });
    for (const line of (await res.text()).split('\n')) {
      const m = /^(nodejs_eventloop_lag_p99_seconds|tams_http_in_flight)\{[^}]*\} ([\d.e+-]+)$/.exec(line);
      if (m) values.set(m[1]!, m[1]!.endsWith('_seconds') ? Number(m[2]) * 1000 : Number(m[2]));
    }
  } catch {
    // down or too slow: the sample has RSS only
  }
  return values;
}
