/**
 * The machine's floor for subscription fan-out: what delivering N events a second to S WebSocket
 * subscribers costs when nothing else is done. A `ws` server process sends each event as one text frame
 * (a graphql-ws `next` message of the size the fan-out bench's subscribers get, JSON made once per
 * event) to every socket; `ws` clients in child processes parse each message and record the time from
 * the event's creation (CLOCK_MONOTONIC, shared by the processes). No GraphQL, no database, no write:
 * the same frames as loadtest/fanout-bench.ts, without the store. When this floor alone misses the
 * target on a machine, the store cannot meet it there (docs/performance.md, "Subscription fan-out").
 *
 *   npx tsx loadtest/fanout-floor.ts [--subscribers 1000] [--rate 100] [--seconds 20] [--client-processes 2]
 *
 * Progress on stderr; a Markdown line and one JSON line on stdout.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import WebSocket, { WebSocketServer } from 'ws';

const { values: opts } = parseArgs({
  options: {
    subscribers: { type: 'string', default: '1000' },
    rate: { type: 'string', default: '100' },
    seconds: { type: 'string', default: '20' },
    'client-processes': { type: 'string', default: '2' },
    role: { type: 'string' },
    url: { type: 'string' },
    count: { type: 'string' },
  },
});

const now = () => Number(process.hrtime.bigint()) / 1e6;
const cpuSeconds = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

if (opts.role === 'clients') {
  // S / P sockets of this process: each message is parsed and its age recorded.
  const latencies: number[] = [];
  const sockets: WebSocket[] = [];
  for (let i = 0; i < Number(opts.count); i++) {
    const socket = new WebSocket(opts.url!);
    socket.on('message', (data: Buffer) => {
      const message = JSON.parse(data.toString()) as { payload: { data: { sentAt: number } } };
      latencies.push(now() - message.payload.data.sentAt);
    });
    sockets.push(socket);
  }
  await Promise.all(sockets.map((s) => once(s, 'open')));
  const cpuAtStart = cpuSeconds();
  process.send!({ type: 'ready' });
  process.on('message', (m: { type: string }) => {
    if (m.type !== 'finish') return;
    const cpu = cpuSeconds() - cpuAtStart;
    for (const s of sockets) s.terminate();
    // Disconnect only once the (large) message is out: a disconnect right after send can drop it.
    process.send!({ type: 'result', latencies, cpu }, () => process.disconnect());
  });
} else {
  const SUBSCRIBERS = Number(opts.subscribers);
  const RATE = Number(opts.rate);
  const SECONDS = Number(opts.seconds);
  const PROCESSES = Number(opts['client-processes']);
  const say = (line: string) => process.stderr.write(`${line}\n`);

  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await once(server, 'listening');
  const url = `ws://127.0.0.1:${(server.address() as { port: number }).port}`;
  const clients: ChildProcess[] = [];
  for (let p = 0; p < PROCESSES; p++) {
    const count = Math.floor(SUBSCRIBERS / PROCESSES) + (p < SUBSCRIBERS % PROCESSES ? 1 : 0);
    clients.push(
      fork(fileURLToPath(import.meta.url), ['--role', 'clients', '--url', url, '--count', String(count)], {
        execArgv: ['--import', 'tsx'],
      }),
    );
  }
  await Promise.all(clients.map((c) => once(c, 'message')));
  say(`${server.clients.size} sockets open; ${RATE} events/s for ${SECONDS} s`);

  // The frame a `flowUpdated { id stats { segmentCount } }` subscriber gets, stamped with its creation.
  const frame = (sentAt: number, n: number) =>
    JSON.stringify({
      id: '5f7a1c2e-3b4d-4e5f-8a9b-0c1d2e3f4a5b',
      type: 'next',
      payload: {
        data: {
          flowUpdated: { id: 'b3c2a1d0-1111-4222-8333-944455556666', stats: { segmentCount: n } },
          sentAt,
        },
      },
    });
  const cpuAtStart = cpuSeconds();
  const started = now();
  let sent = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      // Catch up to the schedule (a late timer sends the events it owes), like a writer at a fixed rate.
      while (sent < Math.min(RATE * SECONDS, Math.floor(((now() - started) * RATE) / 1000) + 1)) {
        const text = Buffer.from(frame(now(), sent++));
        for (const socket of server.clients) socket.send(text);
      }
      if (sent >= RATE * SECONDS) resolve();
      else setTimeout(tick, 1000 / RATE / 2);
    };
    tick();
  });
  const serverCpu = cpuSeconds() - cpuAtStart;
  await new Promise((resolve) => setTimeout(resolve, 1000)); // let the last frames arrive
  const results = await Promise.all(
    clients.map(async (c) => {
      c.send({ type: 'finish' });
      const [m] = (await once(c, 'message')) as [{ latencies: number[]; cpu: number }];
      return m;
    }),
  );
  server.close();
  const latencies = results.flatMap((r) => r.latencies).sort((a, b) => a - b);
  const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.ceil(p * latencies.length) - 1)]!;
  const deliveries = sent * SUBSCRIBERS;
  const result = {
    bench: 'fanout-floor',
    subscribers: SUBSCRIBERS,
    rate: RATE,
    seconds: SECONDS,
    delivered: latencies.length,
    expected: deliveries,
    p50: q(0.5),
    p95: q(0.95),
    p99: q(0.99),
    max: latencies.at(-1)!,
    serverCoresUsed: serverCpu / SECONDS,
    serverUsPerDelivery: (serverCpu * 1e6) / deliveries,
    clientCoresUsed: results.reduce((s, r) => s + r.cpu, 0) / SECONDS,
    loadAverage: loadavg(),
  };
  console.log(
    `| ${SUBSCRIBERS} subscribers × ${RATE} events/s | p50 ${result.p50.toFixed(1)} / p95 ${result.p95.toFixed(1)} / p99 ${result.p99.toFixed(1)} ms | server ${result.serverCoresUsed.toFixed(2)} cores (${result.serverUsPerDelivery.toFixed(1)} µs/delivery) | clients ${result.clientCoresUsed.toFixed(2)} cores | delivered ${latencies.length} of ${deliveries} | load ${loadavg()[0]!.toFixed(1)} |`,
  );
  console.log(JSON.stringify(result));
}
