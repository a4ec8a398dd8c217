import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RecordBatch } from 'apache-arrow';
import { RecordBatchReader } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Scope } from '../../gateway/auth/scopes.js';
import { createLogger } from '../../gateway/logger.js';
import type { RunningService } from '../../gateway/service.js';
import { startService } from '../../gateway/service.js';
import { loadConfig } from '../../lib/config/config.js';
import type { Executor } from '../../lib/executor/index.js';
import { openExecutor } from '../../lib/executor/index.js';
import type { TestDatabase } from '../../lib/executor/test-support/postgres-test-database.js';
import { createTestDatabase } from '../../lib/executor/test-support/postgres-test-database.js';
import {
  formatTimeRange,
  formatTimestamp,
  makeTimeRange,
  parseTimestamp,
  unwrap,
} from '../../lib/tams/index.js';
import { createScopeTokens } from '../support/admin-token.js';

/**
 * The Arrow exports (`/export/flows/{id}/segments`, `/export/analytics/flow-usage`) end to end, with
 * authentication on: read back with apache-arrow's reader and compared row by row with the REST
 * segments listing (paged) and with the REST and GraphQL flow-usage answers; on SQLite and PostgreSQL
 * (embedded), and through the gateway role's proxy to media and analytics processes (distributed).
 */

const SEGMENTS = 25_000;
/** The export's batch size (subgraphs/media/domain/segment-export.ts): 25,000 rows are three batches. */
const BATCH = 10_000;
const ARROW = 'application/vnd.apache.arrow.stream';

interface Store {
  readonly url: string;
  readonly tokens: Record<Scope, string>;
}

type Json = Record<string, unknown>;

const call = (
  store: Store,
  path: string,
  token: string | null = store.tokens.admin,
  init: RequestInit = {},
) =>
  fetch(`${store.url}${path}`, {
    ...init,
    headers: {
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
  });

async function json<T>(response: Response | Promise<Response>, status = 200): Promise<T> {
  const r = await response;
  const text = await r.text();
  expect(r.status, text).toBe(status);
  return JSON.parse(text) as T;
}

/** A video flow of SEGMENTS two-second segments on three objects, registered through REST. */
async function seedFlow(store: Store): Promise<string> {
  const flowId = randomUUID();
  const body = (value: unknown) => ({ method: 'PUT', body: JSON.stringify(value) });
  const put = await call(
    store,
    `/flows/${flowId}`,
    store.tokens.admin,
    body({
      id: flowId,
      source_id: randomUUID(),
      format: 'urn:x-nmos:format:video',
      codec: 'video/h264',
      container: 'video/mp2t',
      essence_parameters: { frame_width: 1920, frame_height: 1080 },
    }),
  );
  expect(put.status, await put.text()).toBe(201);
  const storage = await json<{ media_objects: { object_id: string }[] }>(
    call(store, `/flows/${flowId}/storage`, store.tokens.admin, {
      method: 'POST',
      body: JSON.stringify({ limit: 3 }),
    }),
    201,
  );
  const objects = storage.media_objects.map((o) => o.object_id);
  for (let from = 0; from < SEGMENTS; from += 5_000) {
    const segments = Array.from({ length: 5_000 }, (_, k) => {
      const i = from + k;
      return {
        object_id: objects[i % 3],
        timerange: `[${2 * i}:0_${2 * i + 2}:0)`,
        ...(i % 7 === 0 ? { ts_offset: '0:500', sample_count: 50, key_frame_count: 1 } : {}),
      };
    });
    const posted = await call(store, `/flows/${flowId}/segments`, store.tokens.admin, {
      method: 'POST',
      body: JSON.stringify(segments),
    });
    expect(posted.status, await posted.text()).toBe(201);
  }
  return flowId;
}

interface RestSegment {
  object_id: string;
  timerange: string;
  ts_offset?: string;
  last_duration?: string;
  sample_offset?: number;
  sample_count?: number;
  key_frame_count?: number;
}

/** Every segment of the REST listing, following its `Link: rel="next"` pages. */
async function restSegments(store: Store, flowId: string, timerange?: string): Promise<RestSegment[]> {
  const all: RestSegment[] = [];
  let next: string | undefined =
    `/flows/${flowId}/segments?limit=1000` + (timerange ? `&timerange=${encodeURIComponent(timerange)}` : '');
  while (next) {
    const response = await call(store, next);
    all.push(...(await json<RestSegment[]>(response)));
    const link = /<([^>]+)>;\s*rel="next"/.exec(response.headers.get('link') ?? '')?.[1];
    next = link ? new URL(link).pathname + new URL(link).search : undefined;
  }
  return all;
}

/** The export, read back with apache-arrow's stream reader: its record batches. */
async function readExport(response: Response): Promise<RecordBatch[]> {
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toBe(ARROW);
  const reader = RecordBatchReader.from(new Uint8Array(await response.arrayBuffer()));
  return [...reader];
}

/** The export's rows as REST would write them (`0:0` ts_offset and absent optionals left out as REST does). */
function asRest(batches: RecordBatch[]): RestSegment[] {
  const rows: RestSegment[] = [];
  for (const batch of batches)
    for (let i = 0; i < batch.numRows; i++) {
      const get = (name: string) => batch.getChild(name)!.get(i) as unknown;
      const range = makeTimeRange({
        start: get('timerange_start') as bigint,
        end: get('timerange_end') as bigint,
        startInclusive: get('timerange_start_inclusive') as boolean,
        endInclusive: get('timerange_end_inclusive') as boolean,
      });
      const ns = (v: unknown) => formatTimestamp(v as bigint);
      const optional = (name: string) => {
        const v = get(name);
        return v === null ? {} : { [name]: Number(v) };
      };
      const lastDuration = get('last_duration');
      rows.push({
        object_id: get('object_id') as string,
        timerange: formatTimeRange(range),
        ts_offset: ns(get('ts_offset')),
        ...(lastDuration === null ? {} : { last_duration: ns(lastDuration) }),
        ...optional('sample_offset'),
        ...optional('sample_count'),
        ...optional('key_frame_count'),
      });
    }
  return rows;
}

const restShape = (s: RestSegment): RestSegment => ({
  object_id: s.object_id,
  timerange: s.timerange,
  ts_offset: s.ts_offset ?? '0:0',
  ...(s.last_duration === undefined ? {} : { last_duration: s.last_duration }),
  ...(s.sample_offset === undefined ? {} : { sample_offset: s.sample_offset }),
  ...(s.sample_count === undefined ? {} : { sample_count: s.sample_count }),
  ...(s.key_frame_count === undefined ? {} : { key_frame_count: s.key_frame_count }),
});

/** ts_offset in its canonical spelling, as the export's nanoseconds format. */
const canonicalTs = (s: RestSegment): RestSegment => ({
  ...restShape(s),
  ts_offset: formatTimestamp(unwrap(parseTimestamp(s.ts_offset ?? '0:0'))),
});

/** The checks every deployment must pass, against a store whose flow `flowId` is seeded. */
function exportSuite(store: () => Store, flow: () => string) {
  it('streams the whole segment index in batches, equal row by row to the paged REST listing', async () => {
    const batches = await readExport(
      await call(store(), `/export/flows/${flow()}/segments`, store().tokens.read),
    );
    expect(batches.map((b) => b.numRows)).toEqual([BATCH, BATCH, SEGMENTS - 2 * BATCH]);
    expect(batches[0]!.schema.fields.map((f) => f.name)).toEqual([
      'timerange_start',
      'timerange_start_inclusive',
      'timerange_end',
      'timerange_end_inclusive',
      'object_id',
      'ts_offset',
      'last_duration',
      'sample_offset',
      'sample_count',
      'key_frame_count',
      'created',
    ]);
    const rest = await restSegments(store(), flow());
    expect(rest).toHaveLength(SEGMENTS);
    expect(asRest(batches)).toEqual(rest.map(canonicalTs));
    // `created` is not in the REST answer: the registration times, non-null, in registration order.
    const created = batches.flatMap((b) => [...b.getChild('created')!] as number[]);
    expect(created.every((t, i) => t > 0 && (i === 0 || t >= created[i - 1]!))).toBe(true);
  });

  it('filters by timerange with the listing’s overlap rules', async () => {
    const timerange = '[1001:0_2000:0)';
    const response = await call(
      store(),
      `/export/flows/${flow()}/segments?timerange=${encodeURIComponent(timerange)}`,
      store().tokens.read,
    );
    const rows = asRest(await readExport(response));
    const rest = await restSegments(store(), flow(), timerange);
    expect(rows).toHaveLength(500);
    expect(rows[0]!.timerange).toBe('[1000:0_1002:0)');
    expect(rows).toEqual(rest.map(canonicalTs));
    const none = await readExport(
      await call(store(), `/export/flows/${flow()}/segments?timerange=()`, store().tokens.read),
    );
    expect(none.reduce((n, b) => n + b.numRows, 0)).toBe(0);
  });

  it('answers TAMS errors before the stream: 404 unknown flow, 400 bad timerange, 401, 403, 405', async () => {
    const s = store();
    const unknown = await json<Json>(call(s, `/export/flows/${randomUUID()}/segments`), 404);
    expect(unknown).toMatchObject({ type: 'NOT_FOUND' });
    await json(call(s, '/export/flows/not-a-uuid/segments'), 404);
    const bad = await json<Json>(call(s, `/export/flows/${flow()}/segments?timerange=yesterday`), 400);
    expect(bad).toMatchObject({
      type: 'BAD_REQUEST',
      summary: expect.stringMatching(/^timerange/) as string,
    });
    await json(call(s, `/export/analytics/flow-usage?created_after=yesterday`), 400);
    for (const path of [`/export/flows/${flow()}/segments`, '/export/analytics/flow-usage']) {
      const anonymous = await call(s, path, null);
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(await anonymous.json()).toMatchObject({ type: 'UNAUTHENTICATED' });
      const writer = await json<Json>(call(s, path, s.tokens.write), 403);
      expect(writer).toMatchObject({ type: 'FORBIDDEN' });
      const head = await call(s, path, s.tokens.read, { method: 'HEAD' });
      expect([head.status, head.headers.get('content-type')]).toEqual([200, ARROW]);
      expect((await call(s, path, s.tokens.admin, { method: 'POST', body: '{}' })).status).toBe(405);
    }
    expect(
      (await call(s, `/export/flows/${randomUUID()}/segments`, s.tokens.read, { method: 'HEAD' })).status,
    ).toBe(404);
  });

  it('exports flow usage with the numbers of the REST and GraphQL answers', async () => {
    const format = encodeURIComponent('urn:x-nmos:format:video');
    const [batch, ...more] = await readExport(
      await call(store(), `/export/analytics/flow-usage?format=${format}`, store().tokens.read),
    );
    expect(more).toEqual([]);
    const rows = batch!.toArray().map((r) => (r as { toJSON(): Json }).toJSON());
    const rest = await json<Json>(call(store(), `/analytics/flow-usage?format=${format}`));
    const graphql = await json<{ data: { analytics: { flowUsage: Json } } }>(
      call(store(), '/graphql', store().tokens.read, {
        method: 'POST',
        body: JSON.stringify({
          query:
            '{ analytics { flowUsage(format: "urn:x-nmos:format:video") { totalFlows segmentCount totalDuration meanDuration byFormat { key flowCount segmentCount totalDuration meanDuration } byCodec { key flowCount segmentCount totalDuration meanDuration } byContainer { key flowCount segmentCount totalDuration meanDuration } } } }',
        }),
      }),
    );
    const usage = graphql.data.analytics.flowUsage;
    const group = (grouping: string, g: Json) => ({
      grouping,
      key: g.key ?? null,
      flow_count: BigInt(g.flowCount as number),
      segment_count: BigInt(g.segmentCount as number),
      total_duration: g.totalDuration,
      mean_duration: g.meanDuration ?? null,
    });
    expect(rows).toEqual([
      group('total', { ...usage, flowCount: usage.totalFlows }),
      ...(usage.byFormat as Json[]).map((g) => group('format', g)),
      ...(usage.byCodec as Json[]).map((g) => group('codec', g)),
      ...(usage.byContainer as Json[]).map((g) => group('container', g)),
    ]);
    expect(rows[0]).toMatchObject({
      flow_count: 1n,
      segment_count: BigInt(SEGMENTS),
      total_duration: 2 * SEGMENTS,
    });
    expect(rest).toMatchObject({ total_flows: 1, segment_count: SEGMENTS, total_duration: 2 * SEGMENTS });
  });
}

async function tokensFor(database: Parameters<typeof openExecutor>[0]): Promise<Record<Scope, string>> {
  const executor: Executor = await openExecutor(database);
  try {
    return await createScopeTokens(executor);
  } finally {
    await executor.close();
  }
}

for (const backend of ['sqlite', 'postgres'] as const) {
  describe(`Arrow export, embedded on ${backend}`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'tams-export-'));
    let db: TestDatabase | undefined;
    let service: RunningService;
    let store: Store;
    let flowId: string;
    beforeAll(async () => {
      db = backend === 'postgres' ? await createTestDatabase('tams_export') : undefined;
      const config = loadConfig({
        TAMS_DATA_DIR: dir,
        TAMS_PORT: '0',
        ...(db ? { TAMS_DATABASE_URL: db.url } : {}),
      });
      service = await startService(config, 'embedded', { log: createLogger('silent'), version: 'test' });
      store = { url: service.url, tokens: await tokensFor(config.database) };
      flowId = await seedFlow(store);
    }, 120_000);
    afterAll(async () => {
      await service?.close();
      await db?.drop();
      rmSync(dir, { recursive: true, force: true });
    });
    exportSuite(
      () => store,
      () => flowId,
    );
  });
}

describe('Arrow export, distributed: the gateway proxies to the media and analytics processes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tams-export-dist-'));
  const services: RunningService[] = [];
  let db: TestDatabase;
  let media: RunningService;
  let store: Store;
  let flowId: string;
  beforeAll(async () => {
    db = await createTestDatabase('tams_export_dist');
    const env = {
      TAMS_DATA_DIR: dir,
      TAMS_PORT: '0',
      TAMS_DATABASE_URL: db.url,
      TAMS_INTERNAL_SECRET: 'export-test-internal-secret-0123456789',
    };
    const start = async (role: 'media' | 'analytics' | 'gateway', extra: Record<string, string> = {}) => {
      const s = await startService(loadConfig({ ...env, ...extra }), role, {
        log: createLogger('silent'),
        version: 'test',
      });
      services.push(s);
      return s;
    };
    media = await start('media');
    const analytics = await start('analytics');
    const gateway = await start('gateway', {
      TAMS_MEDIA_URL: media.graphqlUrl,
      TAMS_ANALYTICS_URL: analytics.graphqlUrl,
    });
    store = { url: gateway.url, tokens: await tokensFor(loadConfig(env).database) };
    flowId = await seedFlow(store);
  }, 120_000);
  afterAll(async () => {
    for (const s of services.reverse()) await s.close();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });
  exportSuite(
    () => store,
    () => flowId,
  );

  it('keeps the client’s access_token at the gateway (the subgraph gets the internal token alone)', async () => {
    const viaQuery = await fetch(
      `${store.url}/export/flows/${flowId}/segments?timerange=${encodeURIComponent('[0:0_10:0)')}&access_token=${store.tokens.read}`,
    );
    const batches = await readExport(viaQuery);
    expect(batches.reduce((n, b) => n + b.numRows, 0)).toBe(5);
  });

  it('serves the export on the media process to the gateway only', async () => {
    const direct = await fetch(`${media.url}/export/flows/${flowId}/segments`, {
      headers: { authorization: `Bearer ${store.tokens.admin}` },
    });
    expect(direct.status).toBe(401);
  });
});
