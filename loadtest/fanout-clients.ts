/**
 * The subscribers of loadtest/fanout-bench.ts, in a process of their own (forked by the bench with
 * `--import tsx`), so that receiving the frames does not compete with the writer's timing in the bench
 * process. Each subscriber is one graphql-ws socket with one `flowUpdated` subscription per watched
 * flow, selecting `stats { segmentCount }`: the writer appends to each flow one segment at a time, so a
 * state with count c reflects exactly the first c writes to that flow. Times are `process.hrtime`
 * (CLOCK_MONOTONIC), which the bench process shares.
 *
 * Protocol with the bench (IPC): in `{type:'start', ...}`; out `{type:'ready'}` once every socket is
 * acknowledged and has subscribed; in `{type:'counts'}` → out `{type:'counts', min}` (the lowest count
 * any subscriber has seen per flow); in `{type:'finish', sent, base}` → out `{type:'result', ...}`.
 */
import WebSocket from 'ws';

export interface ClientStart {
  readonly type: 'start';
  readonly url: string;
  /** The bearer token of each subscriber (cycled). */
  readonly tokens: readonly string[];
  readonly subscribers: number;
  readonly flows: readonly string[];
  /** Flow indexes each subscriber watches: all of them, or subscriber i only flow i mod n. */
  readonly watch: 'all' | 'one';
  /** Select a dashboard's worth of flow fields besides the count (a result of ~1 KB, not ~50 B). */
  readonly wide: boolean;
}

const WIDE =
  'id label description format codec container tags { name value } readOnly created createdBy ' +
  'metadataUpdated metadataVersion segmentsUpdated timerange essenceParameters { ... on VideoEssenceParameters { frameWidth frameHeight } } ' +
  'source { id label format }';

export interface ClientFinish {
  readonly type: 'finish';
  /** Per flow, the send time (ms, monotonic) of its n-th write at index n - 1 (the measured ones). */
  readonly sent: readonly (readonly number[])[];
  /** Per flow, the time its n-th write was acknowledged (201; NaN when it failed), like `sent`. */
  readonly acked: readonly (readonly number[])[];
  /** Per flow, the count before the measured writes (warm-up writes). */
  readonly base: readonly number[];
}

export interface ClientResult {
  readonly type: 'result';
  /** Write → first state reflecting it, ms, one per (subscriber, flow watched, measured write). */
  readonly latencies: Float64Array;
  /**
   * The write's 201 → that state, ms, for the same pairs: the fan-out's own share (negative when the
   * state reached the subscriber before the 201 reached the writer).
   */
  readonly fromAck: Float64Array;
  /** Writes a subscriber of the flow never saw reflected by the end. */
  readonly lost: number;
  /** States delivered twice in a row (the same count as the previous one). */
  readonly duplicated: number;
  /** States older than one delivered before (a lower count). */
  readonly regressed: number;
  /** Intermediate states never delivered (coalesced: a later state reflected them). */
  readonly coalesced: number;
  readonly deliveries: number;
  /** Sockets closed by the server during the run, by close code. */
  readonly closed: Record<string, number>;
}

const now = () => Number(process.hrtime.bigint()) / 1e6;

interface Watch {
  readonly flow: number;
  /** Highest count delivered so far. */
  last: number;
  /** (count, time) of each delivery that raised the count. */
  readonly counts: number[];
  readonly times: number[];
  duplicated: number;
  regressed: number;
}

const watches: Watch[] = [];
const sockets: WebSocket[] = [];
const closed: Record<string, number> = {};
let deliveries = 0;
let finishing = false;

async function open(start: ClientStart, index: number): Promise<void> {
  const token = start.tokens[index % start.tokens.length]!;
  const socket = new WebSocket(start.url, 'graphql-transport-ws');
  sockets.push(socket);
  const mine = (start.watch === 'all' ? start.flows.map((_, i) => i) : [index % start.flows.length]).map(
    (flow): Watch => ({ flow, last: -1, counts: [], times: [], duplicated: 0, regressed: 0 }),
  );
  watches.push(...mine);
  const byId = new Map(mine.map((w) => [String(w.flow), w]));
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  socket.on('close', (code) => {
    if (!finishing) closed[code] = (closed[code] ?? 0) + 1;
  });
  const acked = new Promise<void>((resolve) =>
    socket.on('message', (data: Buffer) => {
      const t = now();
      const message = JSON.parse(data.toString()) as {
        type: string;
        id?: string;
        payload?: { data?: { flowUpdated?: { stats: { segmentCount: number } } }; errors?: unknown };
      };
      if (message.type === 'next') {
        deliveries++;
        const watch = byId.get(message.id!)!;
        const count = message.payload?.data?.flowUpdated?.stats.segmentCount;
        if (count === undefined) throw new Error(`unexpected result: ${JSON.stringify(message.payload)}`);
        if (count === watch.last) watch.duplicated++;
        else if (count < watch.last) watch.regressed++;
        else {
          watch.last = count;
          watch.counts.push(count);
          watch.times.push(t);
        }
      } else if (message.type === 'connection_ack') resolve();
      else if (message.type === 'ping') socket.send('{"type":"pong"}');
      else if (message.type === 'error') throw new Error(`subscription refused: ${JSON.stringify(message)}`);
    }),
  );
  socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } }));
  await acked;
  for (const watch of mine)
    socket.send(
      JSON.stringify({
        id: String(watch.flow),
        type: 'subscribe',
        payload: {
          query: `subscription($id: ID!) { flowUpdated(id: $id) { ${start.wide ? `${WIDE} ` : ''}stats { segmentCount } } }`,
          variables: { id: start.flows[watch.flow] },
        },
      }),
    );
}

function result(finish: ClientFinish): ClientResult {
  const latencies: number[] = [];
  const fromAck: number[] = [];
  let lost = 0;
  let duplicated = 0;
  let regressed = 0;
  let coalesced = 0;
  for (const w of watches) {
    duplicated += w.duplicated;
    regressed += w.regressed;
    const sent = finish.sent[w.flow]!;
    const acked = finish.acked[w.flow]!;
    const base = finish.base[w.flow]!;
    let reflected = base;
    for (let i = 0; i < w.counts.length; i++) {
      const count = w.counts[i]!;
      if (count <= base) continue;
      // States are cumulative: this one reflects every write up to `count` not reflected before.
      if (count > reflected + 1) coalesced += count - reflected - 1;
      for (let n = reflected + 1; n <= count; n++) {
        latencies.push(w.times[i]! - sent[n - base - 1]!);
        const ack = acked[n - base - 1]!;
        if (!Number.isNaN(ack)) fromAck.push(w.times[i]! - ack);
      }
      reflected = count;
    }
    lost += base + sent.length - reflected;
  }
  return {
    type: 'result',
    latencies: Float64Array.from(latencies),
    fromAck: Float64Array.from(fromAck),
    lost,
    duplicated,
    regressed,
    coalesced,
    deliveries,
    closed,
  };
}

process.on('message', (message: ClientStart | ClientFinish | { type: 'counts' }) => {
  if (message.type === 'start') {
    const start = message;
    // Opened a few at a time: a thousand upgrades at once only measure the accept queue.
    void (async () => {
      for (let i = 0; i < start.subscribers; i += 50)
        await Promise.all(
          Array.from({ length: Math.min(50, start.subscribers - i) }, (_, k) => open(start, i + k)),
        );
      process.send!({ type: 'ready' });
    })();
  } else if (message.type === 'counts') {
    const min: Record<number, number> = {};
    for (const w of watches) min[w.flow] = Math.min(min[w.flow] ?? Infinity, w.last);
    process.send!({ type: 'counts', min });
  } else if (message.type === 'finish') {
    finishing = true;
    const out = result(message);
    for (const socket of sockets) socket.close();
    process.send!(out, () => process.exit(0));
  }
});
