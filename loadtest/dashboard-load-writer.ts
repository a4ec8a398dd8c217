/**
 * The segment writers of loadtest/dashboard-load.ts, in a process of their own (forked with
 * `--import tsx`), so that building, sending and awaiting a thousand segments a second does not share
 * the gateway's event loop (the gateway runs in the load script's process). Each flow of its share gets
 * one POST /flows/{id}/segments of `rate` segments (TAMS 7.0 takes an array) per second, on its own
 * keep-alive connection (fetch's pool opens one per request in flight), on a schedule fixed from
 * `started`: a write that falls behind is sent at once, never skipped.
 *
 * Protocol (IPC): in `WriterStart`; out `WriterResult` when every write is done. Times are Date.now()
 * (the load script's clock too: same machine).
 */

export interface WriterStart {
  readonly url: string;
  readonly token: string;
  /** This writer's flows, with their index among all flows (the index sets each flow's phase). */
  readonly flows: readonly { readonly id: string; readonly index: number }[];
  readonly totalFlows: number;
  readonly rate: number;
  readonly seconds: number;
  /** Date.now() of the schedule's start. */
  readonly started: number;
  /** TAI ns (as a string) where every flow's timeline starts. */
  readonly t0: string;
  /** Seconds of its timeline the watched flow (index 0) misses: a gap its page shows. */
  readonly skip: readonly number[];
}

/** One acknowledged write: when sent, when acknowledged (201), its flow's index, how many segments. */
export type Write = readonly [sent: number, acked: number, flowIndex: number, segments: number];

export interface WriterResult {
  readonly writes: readonly Write[];
  readonly failures: number;
  readonly firstError: string | null;
}

const ts = (ns: bigint) => `${ns / 1_000_000_000n}:${ns % 1_000_000_000n}`;

async function run(start: WriterStart): Promise<WriterResult> {
  const writes: Write[] = [];
  let failures = 0;
  let firstError: string | null = null;
  const step = 1_000_000_000n / BigInt(start.rate);
  const t0 = BigInt(start.t0);
  await Promise.all(
    start.flows.map(async ({ id, index }) => {
      for (let second = 0; second < start.seconds; second++) {
        const due = start.started + (index * 1000) / start.totalFlows + second * 1000;
        if (Date.now() < due) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
        if (index === 0 && start.skip.includes(second)) continue;
        const segments = Array.from({ length: start.rate }, (_, k) => {
          const begin = t0 + BigInt(second * start.rate + k) * step;
          return {
            object_id: `load-${id}-${second}-${k}`,
            timerange: `[${ts(begin)}_${ts(begin + step)})`,
            get_urls: [{ url: `https://media.example.invalid/${id}/${second}-${k}.ts`, label: 'origin' }],
          };
        });
        const sent = Date.now();
        try {
          const response = await fetch(`${start.url}/flows/${id}/segments`, {
            method: 'POST',
            headers: { authorization: `Bearer ${start.token}`, 'content-type': 'application/json' },
            body: JSON.stringify(segments),
          });
          const text = await response.text();
          if (response.status !== 201)
            throw new Error(`POST segments: ${response.status} ${text.slice(0, 300)}`);
        } catch (error) {
          failures++;
          firstError ??= String(error);
          continue;
        }
        writes.push([sent, Date.now(), index, start.rate]);
      }
    }),
  );
  return { writes, failures, firstError };
}

process.once('message', (message) => {
  void run(message as WriterStart).then(
    (result) => process.send!(result, () => process.exit(0)),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
});
