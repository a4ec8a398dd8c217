/**
 * REST window benchmark (embedded store, authentication on): the CPU one `GET /flows/{id}/segments?
 * limit=10&timerange=...` (a window in the middle of a long flow) costs the store, against a bare
 * node:http handler in the same process that runs the same SQL (the flow, the segment window, the
 * objects) and the same get_urls presigning, and writes TAMS JSON. Both are measured in the same run,
 * interleaved, on keep-alive connections; the figure is process CPU per request (client included: the
 * client's share is the same for both), so the ratio is what the REST shim and the GraphQL layer add.
 * `POST /graphql` with the same selection is measured too, for comparison.
 *
 *   npx tsx loadtest/rest-window-bench.ts               BENCH_REQUESTS per round (default 2000), 5 rounds
 *   BENCH_REQUESTS=300 BENCH_ROUNDS=3 npx tsx loadtest/rest-window-bench.ts    quick run
 *
 * Progress goes to stderr; the table and one final JSON line to stdout.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../gateway/logger.js';
import { openObjectStorage } from '../gateway/object-storage.js';
import { startService } from '../gateway/service.js';
import { loadConfig } from '../lib/config/config.js';
import { and, eq, openExecutor, overlaps } from '../lib/executor/index.js';
import { formatTimeRange, formatTimestamp, parseTimeRange } from '../lib/tams/index.js';
import { segmentGetUrls } from '../subgraphs/media/domain/get-urls.js';
import { createMediaSubgraph } from '../subgraphs/media/index.js';
import { bearer, createToken } from '../test/support/admin-token.js';
import { StoreClient } from './bench/store-client.js';
import { windowPath } from './k6/lib/scenarios.js';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 2000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const SEGMENTS = Number(process.env.BENCH_SEGMENTS ?? 3000);
const say = (line: string) => process.stderr.write(`${line}\n`);

const dir = mkdtempSync(join(tmpdir(), 'tams-rest-bench-'));
const config = loadConfig({ TAMS_DATA_DIR: dir, TAMS_PORT: '0' });
const log = createLogger('silent');
const service = await startService(config, 'embedded', { log, version: 'bench' });
const auth = bearer(await createToken(config.database));
const agent = new Agent({ keepAlive: true, maxSockets: 1 });

function send(
  base: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; text: string }> {
  const url = new URL(path, base);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method,
        agent,
        headers: { ...auth, ...(payload ? { 'content-type': 'application/json' } : {}) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

// A flow of SEGMENTS one-second segments, each on its own object, seeded as `npm run bench` seeds.
const seeder = new StoreClient(service.url, auth);
const flowId = await seeder.createFlow('rest window bench');
await seeder.seedSegments(flowId, SEGMENTS);
await seeder.close();
const middle = Math.floor(SEGMENTS / 2);
const window = `[${middle}:0_${middle + 10}:0)`;
const restPath = windowPath(flowId, SEGMENTS);
say(`flow of ${SEGMENTS} segments ready; window ${window}`);

// The baseline: the same three reads (flow, segment window, objects) and presigning, no GraphQL, no shim.
const executor = await openExecutor(config.database);
const objects = await openObjectStorage(config.objects, service.url, log);
const media = await createMediaSubgraph({ executor, storage: [objects.spec], log, version: 'bench' });
const bare = createServer((req, res) => {
  void (async () => {
    const url = new URL(req.url ?? '/', 'http://x');
    const id = url.pathname.split('/')[2]!;
    const range = parseTimeRange(url.searchParams.get('timerange')!);
    if (!range.ok) throw new Error('bad timerange');
    const limit = Number(url.searchParams.get('limit'));
    const [flow] = await executor.lookup('flows', 'id', [id]);
    if (!flow) throw new Error('no flow');
    const page = await executor.select({
      table: 'segments',
      where: and(eq('flow_id', id), overlaps('timerange', range.value)),
      orderBy: [{ column: 'timerange', direction: 'asc' }],
      limit,
    });
    const objectRows = await executor.lookup(
      'objects',
      'id',
      page.rows.map((s) => s.object_id),
    );
    const body = page.rows.map((s, i) => ({
      object_id: s.object_id,
      timerange: formatTimeRange(s.timerange),
      ts_offset: formatTimestamp(s.ts_offset),
      get_urls: segmentGetUrls(media.repository, s, objectRows[i] ?? null, {}).map((u) => ({
        url: u.url,
        label: u.label,
        presigned: u.presigned,
        controlled: u.controlled,
        storage_id: u.storageId,
      })),
    }));
    const text = JSON.stringify(body);
    res.writeHead(200, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(text),
      'x-paging-limit': String(limit),
      ...(page.nextPageKey ? { 'x-paging-nextkey': page.nextPageKey } : {}),
    });
    res.end(text);
  })().catch((error: unknown) => {
    say(String(error));
    res.writeHead(500).end();
  });
});
await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', resolve));
const bareUrl = `http://127.0.0.1:${(bare.address() as AddressInfo).port}`;

const graphqlBody = {
  query: `query($id: ID!, $timerange: TimeRange, $limit: Int) { flow(id: $id) { segments(timerange: $timerange, limit: $limit) {
    nodes { objectId timerange tsOffset getUrls { url label presigned controlled storageId } } pageInfo { endCursor limit } timerange } } }`,
  variables: { id: flowId, timerange: window, limit: 10 },
};

type Variant = { name: string; run: () => Promise<{ status: number; text: string }> };
const allVariants: Variant[] = [
  { name: 'bare handler (same SQL)', run: () => send(bareUrl, 'GET', restPath) },
  { name: 'REST GET segments', run: () => send(service.url, 'GET', restPath) },
  { name: 'GraphQL POST (same selection)', run: () => send(service.url, 'POST', '/graphql', graphqlBody) },
];
// BENCH_ONLY=rest (a substring of a variant's name, lower case) measures that one alone, e.g. to profile it.
const only = process.env.BENCH_ONLY?.toLowerCase();
const variants = allVariants.filter((v, i) => i === 0 || !only || v.name.toLowerCase().includes(only));

// Each answer checked once: ten segments, the same object ids from every variant.
const idsOf = (text: string) =>
  JSON.stringify(
    (() => {
      const parsed = JSON.parse(text) as unknown;
      const list = Array.isArray(parsed)
        ? (parsed as { object_id: string }[]).map((s) => s.object_id)
        : (
            parsed as { data: { flow: { segments: { nodes: { objectId: string }[] } } } }
          ).data.flow.segments.nodes.map((s) => s.objectId);
      return list;
    })(),
  );
const expected = idsOf((await variants[0]!.run()).text);
for (const v of variants) {
  const answer = await v.run();
  if (answer.status !== 200 || idsOf(answer.text) !== expected)
    throw new Error(`${v.name} answered ${answer.status}: ${answer.text.slice(0, 300)}`);
}

const cpu: Record<string, number[]> = Object.fromEntries(variants.map((v) => [v.name, []]));
for (let round = 0; round < ROUNDS; round++)
  for (const v of variants) {
    for (let i = 0; i < 50; i++) await v.run(); // warm
    const before = process.cpuUsage();
    for (let i = 0; i < REQUESTS; i++) await v.run();
    const used = process.cpuUsage(before);
    const perRequest = (used.user + used.system) / REQUESTS;
    cpu[v.name]!.push(perRequest);
    say(`round ${round + 1}: ${v.name}: ${perRequest.toFixed(0)} µs CPU per request`);
  }

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const baseline = median(cpu[variants[0]!.name]!);
const rows = variants.map((v) => {
  const us = median(cpu[v.name]!);
  return { variant: v.name, cpuMicros: Math.round(us), ratio: Number((us / baseline).toFixed(2)) };
});
console.log('| variant | CPU µs/request (median of rounds) | ratio to bare |');
console.log('| --- | ---: | ---: |');
for (const r of rows) console.log(`| ${r.variant} | ${r.cpuMicros} | ${r.ratio.toFixed(2)}x |`);
console.log(JSON.stringify({ bench: 'rest-window', requests: REQUESTS, rounds: ROUNDS, rows }));

agent.destroy();
bare.close();
await media.close();
await executor.close();
await service.close();
rmSync(dir, { recursive: true, force: true });
