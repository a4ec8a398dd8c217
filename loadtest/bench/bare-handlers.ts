/**
 * The bench's limits: what the hardware gives for the REST journeys without the store's layers.
 *
 * - `GET /flows/{id}/segments?limit=N[&timerange=[a_b)][&presigned=true]` (bare-window-limit10,
 *   bare-page-1000): a bare node:http handler with hand-written SQL on the store's own SQLite file
 *   (better-sqlite3, prepared statements: the flow, the window bounded below by the last segment
 *   starting before it, the objects), the store's presigner, and the TAMS JSON the REST shim writes,
 *   byte for byte (the bench checks that once before measuring). It serves only what the bench sends:
 *   whole-second `[a_b)` windows over segments that start inclusively and end exclusively.
 * - `POST /flows/{id}/segments` (executor-batch-insert): the body parsed, one `executor.insert` of the
 *   batch (one transaction), 201. No object rules, events or flow updates: the floor of a registration.
 */
import Database from 'better-sqlite3';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Executor } from '../../lib/executor/index.js';
import { formatTimeRange, formatTimestamp, makeTimeRange, parseTimeRange } from '../../lib/tams/index.js';
import type { StorageBackendSpec } from '../../subgraphs/media/index.js';

/** The lifetime the store gives presigned get URLs (subgraphs/media/domain/media-limits.ts). */
const GET_URL_SECONDS = 3600;

interface SegmentRow {
  object_id: string;
  timerange_start: bigint;
  timerange_end: bigint;
  ts_offset: bigint;
  last_duration: bigint | null;
  sample_offset: bigint | null;
  sample_count: bigint | null;
  key_frame_count: bigint | null;
  get_urls: string | null;
}

const SEGMENT_COLUMNS = `object_id, timerange_start, timerange_end, ts_offset, last_duration, sample_offset,
  sample_count, key_frame_count, get_urls`;

export interface BareHandlers {
  readonly url: string;
  close(): Promise<void>;
}

export async function startBareHandlers(options: {
  databasePath: string;
  executor: Executor;
  storage: StorageBackendSpec;
}): Promise<BareHandlers> {
  const { executor, storage } = options;
  const db = new Database(options.databasePath, { readonly: true, timeout: 5000 });
  db.defaultSafeIntegers(true);
  const flowExists = db.prepare('SELECT 1 FROM flows WHERE id = ?').pluck();
  const windowRows = db.prepare<[{ flow: string; from: bigint; to: bigint; limit: number }], SegmentRow>(
    `SELECT ${SEGMENT_COLUMNS} FROM segments
     WHERE flow_id = @flow
       AND timerange_start >= coalesce((SELECT timerange_start FROM segments
             WHERE flow_id = @flow AND timerange_start <= @from ORDER BY timerange_start DESC LIMIT 1), @from)
       AND timerange_start < @to AND timerange_end > @from
     ORDER BY timerange_start LIMIT @limit`,
  );
  const pageRows = db.prepare<[string, number], SegmentRow>(
    `SELECT ${SEGMENT_COLUMNS} FROM segments WHERE flow_id = ? ORDER BY timerange_start LIMIT ?`,
  );
  const objectStorage = new Map<
    number,
    Database.Statement<string[], { id: string; storage_id: string | null }>
  >();
  const objectsOf = (ids: string[]) => {
    let statement = objectStorage.get(ids.length);
    if (!statement) {
      statement = db.prepare(
        `SELECT id, storage_id FROM objects WHERE id IN (${ids.map(() => '?').join(',')})`,
      );
      objectStorage.set(ids.length, statement);
    }
    return new Map(statement.all(...ids).map((o) => [o.id, o.storage_id]));
  };

  function list(req: IncomingMessage, res: ServerResponse, flowId: string, query: URLSearchParams) {
    const limit = Number(query.get('limit') ?? 100);
    const presignedOnly = query.get('presigned') === 'true';
    if (flowExists.get(flowId) === undefined) return send(res, 200, '[]');
    let rows: SegmentRow[];
    const text = query.get('timerange');
    if (text) {
      const range = parseTimeRange(text);
      if (!range.ok || range.value.kind !== 'range' || range.value.start === null || range.value.end === null)
        return send(
          res,
          400,
          JSON.stringify({ type: 'BAD_REQUEST', summary: 'the bare handler takes [a_b) only' }),
        );
      rows = windowRows.all({ flow: flowId, from: range.value.start, to: range.value.end, limit });
    } else rows = pageRows.all(flowId, limit);
    const storageOf = rows.length ? objectsOf([...new Set(rows.map((r) => r.object_id))]) : new Map();
    const body = rows.map((r) => {
      const getUrls: Record<string, unknown>[] = [];
      if (storageOf.get(r.object_id))
        getUrls.push({
          url: storage.store.presignGet(r.object_id, { expiresInSeconds: GET_URL_SECONDS }),
          presigned: true,
          label: storage.label,
        });
      if (!presignedOnly)
        for (const u of r.get_urls ? (JSON.parse(r.get_urls) as { url: string; label?: string }[]) : [])
          getUrls.push({
            url: u.url,
            presigned: false,
            ...(u.label === undefined ? {} : { label: u.label }),
          });
      const segment: Record<string, unknown> = {
        object_id: r.object_id,
        timerange: formatTimeRange(makeTimeRange({ start: r.timerange_start, end: r.timerange_end })),
        ts_offset: formatTimestamp(r.ts_offset),
      };
      if (r.last_duration !== null) segment.last_duration = formatTimestamp(r.last_duration);
      if (r.sample_offset !== null) segment.sample_offset = Number(r.sample_offset);
      if (r.sample_count !== null) segment.sample_count = Number(r.sample_count);
      if (r.key_frame_count !== null) segment.key_frame_count = Number(r.key_frame_count);
      segment.get_urls = getUrls;
      return segment;
    });
    send(res, 200, JSON.stringify(body), { 'x-paging-limit': String(limit) });
  }

  async function insert(req: IncomingMessage, res: ServerResponse, flowId: string) {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const items = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
      object_id: string;
      timerange: string;
    }[];
    const created = new Date();
    await executor.insert(
      'segments',
      items.map((item) => {
        const range = parseTimeRange(item.timerange);
        if (!range.ok) throw new Error(`bad timerange ${item.timerange}`);
        return { flow_id: flowId, timerange: range.value, object_id: item.object_id, created };
      }),
    );
    send(res, 201, '');
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://bare');
    const match = /^\/flows\/([^/]+)\/segments$/.exec(url.pathname);
    if (!match) return send(res, 404, '');
    const flowId = decodeURIComponent(match[1]!);
    if (req.method === 'GET') return list(req, res, flowId, url.searchParams);
    if (req.method === 'POST')
      return void insert(req, res, flowId).catch((error: unknown) =>
        send(res, 400, JSON.stringify({ type: 'BAD_REQUEST', summary: String(error) })),
      );
    send(res, 405, '');
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      await new Promise((resolve) => server.close(resolve));
      db.close();
    },
  };
}

function send(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}) {
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}
