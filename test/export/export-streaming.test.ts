import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LogLine } from '../../gateway/http/test-support/log-capture.js';
import { captureLog, LEVEL } from '../../gateway/http/test-support/log-capture.js';
import { createLogger } from '../../gateway/logger.js';
import type { RunningService } from '../../gateway/service.js';
import { startService } from '../../gateway/service.js';
import type { DatabaseConfig } from '../../lib/config/config.js';
import { loadConfig } from '../../lib/config/config.js';
import type { InsertRow } from '../../lib/executor/index.js';
import { openExecutor } from '../../lib/executor/index.js';
import type { TestDatabase } from '../../lib/executor/test-support/postgres-test-database.js';
import { createTestDatabase } from '../../lib/executor/test-support/postgres-test-database.js';
import { makeTimeRange, NS_PER_SECOND } from '../../lib/tams/index.js';
import { WAIT_LIMIT_MS } from '../../lib/test-support/eventually.js';

/**
 * How the segment export streams: a client that stops reading holds the scan (backpressure), one that
 * goes away stops it, and a failure after the first byte cuts the response (the client sees a truncated
 * stream) and is logged. Embedded on SQLite, and distributed on PostgreSQL, where the gateway proxies
 * the media process's stream and must pass all three through. Counted in statements, never in time.
 */

const BATCH = 10_000;

interface Deployment {
  /** Where clients export from (the embedded store, or the gateway role). */
  readonly url: string;
  /** The process that runs the scan (its /metrics count the statements and finished exports). */
  readonly dataUrl: string;
  readonly segments: number;
  readonly flowId: string;
  /** Takes the segments table away under the running scan; returns how to put it back. */
  sabotage(): Promise<() => Promise<void>>;
  /** The log of the process that answers the client. */
  waitForLog(match: (line: LogLine) => boolean): Promise<LogLine>;
}

/** A flow of `segments` one-second segments, straight into the table (REST would take minutes). */
async function seed(url: string, database: DatabaseConfig, segments: number): Promise<string> {
  const flowId = randomUUID();
  const put = await fetch(`${url}/flows/${flowId}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ id: flowId, source_id: randomUUID(), format: 'urn:x-nmos:format:multi' }),
  });
  expect(put.status).toBe(201);
  const executor = await openExecutor(database);
  try {
    for (let from = 0; from < segments; from += BATCH) {
      const rows: InsertRow<'segments'>[] = Array.from({ length: BATCH }, (_, k) => {
        const i = BigInt(from + k);
        return {
          flow_id: flowId,
          timerange: makeTimeRange({ start: i * NS_PER_SECOND, end: (i + 1n) * NS_PER_SECOND }),
          object_id: `object-${from + k}`,
          created: new Date(),
        };
      });
      await executor.insert('segments', rows);
    }
  } finally {
    await executor.close();
  }
  return flowId;
}

/**
 * GET on a connection of its own: the seeding blocks this process's event loop (SQLite in process)
 * longer than the server's keep-alive timeout, and a pooled connection could be one it just closed.
 */
function getText(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    request(url, { agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve(text));
      res.on('error', reject);
    })
      .on('error', reject)
      .end();
  });
}

/** Statements the data process ran on the segments table, and export requests it finished. */
async function counters(d: Deployment): Promise<{ segmentSelects: number; exportsDone: number }> {
  const text = await getText(`${d.dataUrl}/metrics`);
  const sum = (re: RegExp) => [...text.matchAll(re)].reduce((n, m) => n + Number(m[1]), 0);
  return {
    segmentSelects: sum(
      /^tams_db_query_seconds_count\{(?=[^}]*kind="select")(?=[^}]*table="segments")[^}]*\} (\d+)/gm,
    ),
    exportsDone: sum(/^tams_http_request_duration_seconds_count\{(?=[^}]*route="export")[^}]*\} (\d+)/gm),
  };
}

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + WAIT_LIMIT_MS;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline)
      throw new Error(`not reached within ${WAIT_LIMIT_MS} ms: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Opens the export and resolves with the response, paused (nothing read beyond what the socket holds). */
function openExport(d: Deployment): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = request(`${d.url}/export/flows/${d.flowId}/segments`, { agent: false }, (res) => {
      res.pause();
      resolve(res);
    });
    req.on('error', reject);
    req.end();
  });
}

/** Reads one chunk of a paused response. */
const oneChunk = (res: IncomingMessage) =>
  new Promise<Buffer>((resolve, reject) => {
    res.once('data', (chunk: Buffer) => {
      res.pause();
      resolve(chunk);
    });
    res.once('error', reject);
    res.resume();
  });

function streamingSuite(deployment: () => Deployment) {
  it('stops the scan when the client goes away', async () => {
    const d = deployment();
    const before = await counters(d);
    const res = await openExport(d);
    expect(res.statusCode).toBe(200);
    await oneChunk(res);
    res.destroy();
    const after = await until(
      () => counters(d),
      (c) => c.exportsDone > before.exportsDone,
    );
    // A few pages beyond the first fill the socket and stream buffers; the rest are never read.
    const pages = after.segmentSelects - before.segmentSelects;
    expect(pages).toBeGreaterThanOrEqual(1);
    expect(pages).toBeLessThan(d.segments / BATCH / 2);
  });

  it('holds the scan while the client does not read, and reads it all once it does', async () => {
    const d = deployment();
    const before = await counters(d);
    const res = await openExport(d);
    await oneChunk(res);
    const held = (await counters(d)).segmentSelects - before.segmentSelects;
    expect(held).toBeLessThan(d.segments / BATCH / 2);
    let bytes = 0;
    res.on('data', (c: Buffer) => (bytes += c.length));
    await new Promise<void>((resolve, reject) => {
      res.on('end', resolve);
      res.on('error', reject);
      res.resume();
    });
    expect(bytes).toBeGreaterThan(d.segments * 20);
    const after = await until(
      () => counters(d),
      (c) => c.exportsDone > before.exportsDone,
    );
    // One statement per page, and the empty one that ends the keyset scan at most.
    expect(after.segmentSelects - before.segmentSelects).toBeGreaterThanOrEqual(d.segments / BATCH);
    expect(after.segmentSelects - before.segmentSelects).toBeLessThanOrEqual(d.segments / BATCH + 1);
  });

  it('cuts the response when the scan fails after the first byte, and logs it', async () => {
    const d = deployment();
    const res = await openExport(d);
    const first = await oneChunk(res);
    expect(first.length).toBeGreaterThan(0);
    // A failure no input can cause: the table goes away under the running scan (and comes back).
    const restore = await d.sabotage();
    try {
      const outcome = await new Promise<string>((resolve) => {
        res.on('data', () => undefined);
        res.on('end', () => resolve('ended'));
        res.on('error', () => resolve('cut'));
        res.on('close', () => resolve(res.complete ? 'ended' : 'cut'));
        res.resume();
      });
      expect(outcome).toBe('cut');
      const logged = await d.waitForLog((l) => /export failed after streaming began/.test(l.msg));
      expect(logged.level).toBe(LEVEL.error);
    } finally {
      await restore();
    }
  });
}

describe('segment export streaming, embedded on SQLite', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tams-export-stream-'));
  const capture = captureLog('debug');
  let service: RunningService;
  let deployment: Deployment;
  beforeAll(async () => {
    const config = loadConfig({ TAMS_DATA_DIR: dir, TAMS_PORT: '0', TAMS_AUTH: 'off' });
    service = await startService(config, 'embedded', { log: capture.log, version: 'test' });
    const segments = 200_000;
    deployment = {
      url: service.url,
      dataUrl: service.url,
      segments,
      flowId: await seed(service.url, config.database, segments),
      sabotage() {
        const db = new Database(join(dir, 'tams.sqlite3'));
        db.exec('ALTER TABLE segments RENAME TO segments_away');
        return Promise.resolve(() => {
          db.exec('ALTER TABLE segments_away RENAME TO segments');
          db.close();
          return Promise.resolve();
        });
      },
      waitForLog: (match) => capture.waitFor(match),
    };
  }, 120_000);
  afterAll(async () => {
    await service?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  streamingSuite(() => deployment);
});

describe('segment export streaming, distributed on PostgreSQL (through the gateway’s proxy)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tams-export-stream-dist-'));
  const capture = captureLog('debug');
  const services: RunningService[] = [];
  let db: TestDatabase;
  let deployment: Deployment;
  beforeAll(async () => {
    db = await createTestDatabase('tams_export_stream');
    const env = { TAMS_DATA_DIR: dir, TAMS_PORT: '0', TAMS_DATABASE_URL: db.url, TAMS_AUTH: 'off' };
    const start = async (role: 'media' | 'analytics' | 'gateway', extra: Record<string, string> = {}) => {
      const log = role === 'gateway' ? capture.log : createLogger('silent');
      const s = await startService(loadConfig({ ...env, ...extra }), role, { log, version: 'test' });
      services.push(s);
      return s;
    };
    const media = await start('media');
    const analytics = await start('analytics');
    const gateway = await start('gateway', {
      TAMS_MEDIA_URL: media.graphqlUrl,
      TAMS_ANALYTICS_URL: analytics.graphqlUrl,
    });
    // Two processes, two sockets and two stream buffers between the scan and the client: more pages.
    const segments = 400_000;
    deployment = {
      url: gateway.url,
      dataUrl: media.url,
      segments,
      flowId: await seed(gateway.url, loadConfig(env).database, segments),
      async sabotage() {
        const client = new pg.Client({ connectionString: db.url });
        await client.connect();
        await client.query('ALTER TABLE segments RENAME TO segments_away');
        return async () => {
          await client.query('ALTER TABLE segments_away RENAME TO segments');
          await client.end();
        };
      },
      waitForLog: (match) => capture.waitFor(match),
    };
  }, 180_000);
  afterAll(async () => {
    for (const s of services.reverse()) await s.close();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });
  streamingSuite(() => deployment);
});
