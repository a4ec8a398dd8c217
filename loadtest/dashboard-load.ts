import { fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { createLogger } from '../gateway/logger.js';
import { startService } from '../gateway/service.js';
import { loadConfig } from '../lib/config/config.js';
import { openExecutor } from '../lib/executor/index.js';
import { nowTai } from '../lib/tams/index.js';
import { launchChromium, waitFor } from '../test/dashboard/browser.js';
import { bearer, createScopeTokens } from '../test/support/admin-token.js';
import type { WriterResult, WriterStart } from './dashboard-load-writer.js';

/**
 * The dashboard's load check (issue 14 §3): `--flows` flows (100) each receiving `--rate` segments per
 * second (10, posted as one REST request of 10 per flow per second, from `--writers` (2) processes of
 * their own) for `--seconds` (30), while the
 * overview and one flow page are open in Chromium. Measured: event-to-screen latency, from the moment
 * a write is acknowledged to the moment the page first shows a count that includes it (the overview's
 * segment total; the flow page's segment count), and the pages' JS heap (after a forced GC) and DOM node
 * count over the run. Exits 1 when p95 > 500 ms or the heap grows by more than half between the first
 * and the last third of the run. `--screenshots` also writes docs/dashboard-overview.png and
 * docs/dashboard-flow.png at the end. Run: `npx tsx loadtest/dashboard-load.ts`.
 *
 * The writer, the gateway and Chromium share this machine's cores: figures are of this machine, busy.
 */

const { values: args } = parseArgs({
  options: {
    flows: { type: 'string', default: '100' },
    rate: { type: 'string', default: '10' },
    seconds: { type: 'string', default: '30' },
    writers: { type: 'string', default: '2' },
    /** The store's TAMS_SQLITE_SYNCHRONOUS: FULL (the default, an fsync per commit) or NORMAL. */
    synchronous: { type: 'string', default: 'FULL' },
    screenshots: { type: 'boolean', default: false },
  },
});
const FLOWS = Number(args.flows);
const RATE = Number(args.rate);
const SECONDS = Number(args.seconds);
const WRITERS = Number(args.writers);

const dir = mkdtempSync(join(tmpdir(), 'tams-dashboard-load-'));
const config = loadConfig({
  TAMS_DATA_DIR: dir,
  TAMS_PORT: '0',
  TAMS_JWT_SECRET: 'dashboard-load-hs256-secret-0123456789',
  TAMS_SQLITE_SYNCHRONOUS: args.synchronous,
});
const service = await startService(config, 'embedded', { log: createLogger('warn'), version: 'load' });
const executor = await openExecutor(config.database);
const tokens = await createScopeTokens(executor);
await executor.close();
let browser: Browser | undefined;

async function rest(method: string, path: string, body?: unknown): Promise<void> {
  const response = await fetch(`${service.url}${path}`, {
    method,
    headers: { ...bearer(tokens.admin), 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status >= 300)
    throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;

try {
  // Flows of a few channels: video and audio, a source each.
  const flows: string[] = [];
  for (let i = 0; i < FLOWS; i++) {
    const id = randomUUID();
    const audio = i % 5 === 4;
    await rest('PUT', `/flows/${id}`, {
      id,
      source_id: randomUUID(),
      format: audio ? 'urn:x-nmos:format:audio' : 'urn:x-nmos:format:video',
      codec: audio ? 'audio/aac' : 'video/h264',
      container: 'video/mp2t',
      label: `channel ${String(Math.floor(i / 5) + 1).padStart(2, '0')} ${audio ? 'audio' : `video ${(i % 5) + 1}`}`,
      essence_parameters: audio
        ? { sample_rate: 48000, channels: 2 }
        : { frame_width: 1920, frame_height: 1080 },
    });
    flows.push(id);
  }

  browser = await launchChromium();
  const open = async (hash: string): Promise<Page> => {
    const page = await browser!.newPage({ viewport: { width: 1600, height: 900 } });
    page.setDefaultTimeout(60_000);
    await page.goto(`${service.url}/dashboard#token=${tokens.read}&view=${hash}`);
    await page.locator('[data-testid=link-status]', { hasText: 'Live' }).waitFor();
    return page;
  };
  const overview = await open('/');
  const flowPage = await open(`/flows/${flows[0]}`);
  await flowPage.locator('[data-testid=flow-segments]', { hasText: /^0$/ }).waitFor();
  await overview.locator('[data-testid=total-segments]', { hasText: /^0$/ }).waitFor();

  // Each page records when each value of its counter first appears (the page's own clock is this
  // machine's: Date.now() on both sides).
  const watch = (page: Page, selector: string) =>
    page.evaluate((sel) => {
      const g = globalThis as unknown as {
        samples: [number, number][];
        document: { querySelector(s: string): { textContent: string | null } | null; body: object };
      };
      const MO = (
        globalThis as unknown as {
          MutationObserver: new (cb: () => void) => { observe(n: object, o: object): void };
        }
      ).MutationObserver;
      g.samples = [];
      let last = -1;
      new MO(() => {
        const value = Number(g.document.querySelector(sel)?.textContent?.replace(/,/g, '') ?? NaN);
        if (value !== last && Number.isFinite(value)) g.samples.push([Date.now(), (last = value)]);
      }).observe(g.document.body, { subtree: true, childList: true, characterData: true });
    }, selector);
  await watch(overview, '[data-testid=total-segments]');
  await watch(flowPage, '[data-testid=flow-segments]');

  const cdp = await Promise.all([overview, flowPage].map((p) => p.context().newCDPSession(p)));
  const memory = async () =>
    Promise.all(
      cdp.map(async (session) => {
        await session.send('HeapProfiler.collectGarbage');
        const heap = await session.send('Runtime.getHeapUsage');
        const metrics = await session.send('Performance.getMetrics');
        return {
          heapMB: heap.usedSize / 1e6,
          nodes: metrics.metrics.find((m) => m.name === 'Nodes')?.value ?? NaN,
        };
      }),
    );
  await Promise.all(cdp.map((s) => s.send('Performance.enable')));

  // The writers: WRITERS processes, the flows dealt out among them; per flow one POST of RATE segments
  // per second (loadtest/dashboard-load-writer.ts). Count → when the write that reached it was
  // acknowledged (and sent): index = count - 1, in the order the acknowledgements came.
  const started = Date.now() + 1000;
  const heap: Awaited<ReturnType<typeof memory>>[] = [];
  const memoryTimer = setInterval(() => void memory().then((m) => heap.push(m)), (SECONDS * 1000) / 6);
  const results = await Promise.all(
    Array.from({ length: WRITERS }, (_, w) => {
      const child = fork(fileURLToPath(new URL('./dashboard-load-writer.ts', import.meta.url)), [], {
        execArgv: ['--import', 'tsx'],
      });
      const start: WriterStart = {
        url: service.url,
        token: tokens.admin,
        flows: flows.map((id, index) => ({ id, index })).filter(({ index }) => index % WRITERS === w),
        totalFlows: FLOWS,
        rate: RATE,
        seconds: SECONDS,
        started,
        t0: nowTai().toString(),
        skip: [12, 13],
      };
      child.send(start);
      return new Promise<WriterResult>((resolve, reject) => {
        child.once('message', (result) => resolve(result as WriterResult));
        child.once('exit', (code) => {
          if (code !== 0) reject(new Error(`writer ${w} exited (${code})`));
        });
      });
    }),
  );
  const writes = results.flatMap((r) => r.writes).sort((a, b) => a[1] - b[1]);
  const failures = results.reduce((n, r) => n + r.failures, 0);
  for (const r of results) if (r.firstError) console.error(r.firstError);
  const acks: number[] = [];
  const sends: number[] = [];
  const flowAcks: number[] = [];
  const flowSends: number[] = [];
  for (const [sent, acked, index, n] of writes)
    for (let k = 0; k < n; k++) {
      sends.push(sent);
      acks.push(acked);
      if (index === 0) {
        flowSends.push(sent);
        flowAcks.push(acked);
      }
    }
  const total = acks.length;
  const writeSeconds = (Date.now() - started) / 1000;
  clearInterval(memoryTimer);
  const finalTotal = total;
  await waitFor(
    async () =>
      (await overview.evaluate(
        () => (globalThis as unknown as { samples: [number, number][] }).samples.at(-1)?.[1] ?? 0,
      )) >= finalTotal,
    'the overview to show every segment',
  );
  await waitFor(
    async () =>
      (await flowPage.evaluate(
        () => (globalThis as unknown as { samples: [number, number][] }).samples.at(-1)?.[1] ?? 0,
      )) >= flowAcks.length,
    'the flow page to show every segment of its flow',
  );
  // The flow page's panels (durations, coverage) are re-read after changes, not pushed: how long after
  // its count they show every segment too (they froze for the rest of a run when each re-read was
  // superseded by the next before it answered).
  const countShown = Date.now();
  await waitFor(
    async () =>
      (await flowPage.locator('[data-testid=percentiles] dd').first().textContent()) ===
        flowAcks.length.toLocaleString('en-GB') &&
      /· 1 gap$/.test((await flowPage.locator('[data-testid=coverage]').textContent()) ?? ''),
    "the flow page's panels to show every segment of its flow",
  );
  const panelsLag = Date.now() - countShown;
  heap.push(await memory());

  /** Per acknowledged write: time until the screen first showed a count including it. */
  const latencies = async (page: Page, acked: number[]) => {
    const samples = await page.evaluate(
      () => (globalThis as unknown as { samples: [number, number][] }).samples,
    );
    const out: number[] = [];
    let s = 0;
    for (let count = 1; count <= acked.length; count++) {
      while (s < samples.length && samples[s]![1] < count) s++;
      if (s < samples.length) out.push(Math.max(0, samples[s]![0] - acked[count - 1]!));
    }
    return { updates: samples.length, ms: out.sort((a, b) => a - b) };
  };
  const o = await latencies(overview, acks);
  const fl = await latencies(flowPage, flowAcks);
  const oSent = await latencies(overview, sends);
  const flSent = await latencies(flowPage, flowSends);
  const line = (name: string, r: { updates: number; ms: number[] }) =>
    `${name.padEnd(10)} ${String(r.ms.length).padStart(6)} writes, ${String(r.updates).padStart(4)} screen updates; event→screen p50 ${percentile(r.ms, 0.5)} ms, p95 ${percentile(r.ms, 0.95)} ms, p99 ${percentile(r.ms, 0.99)} ms, max ${r.ms.at(-1)} ms`;
  console.log(
    `dashboard load: ${FLOWS} flows × ${RATE} segments/s for ${SECONDS} s (${finalTotal} segments in ${writeSeconds.toFixed(1)} s, ${(finalTotal / writeSeconds).toFixed(0)}/s; ${failures} failed writes). Busy 2-core machine: writer, gateway and Chromium share it.`,
  );
  console.log(`flow page panels (durations, coverage) current ${panelsLag} ms after its count`);
  console.log('from the write acknowledged (the 201) to the screen:');
  console.log(line('overview', o));
  console.log(line('flow page', fl));
  console.log('from the write sent to the screen (includes the write itself, queued behind the others):');
  console.log(line('overview', oSent));
  console.log(line('flow page', flSent));
  const thirds = heap.map((m) => m.map((p) => `${p.heapMB.toFixed(1)} MB/${p.nodes} nodes`).join(' | '));
  console.log(`heap after GC (overview | flow page), over the run:\n  ${thirds.join('\n  ')}`);
  const first = heap[1] ?? heap[0]!;
  const lastHeap = heap.at(-1)!;
  const growth = lastHeap.map((m, i) => m.heapMB / first[i]!.heapMB);
  console.log(
    `heap growth from ${SECONDS / 3} s to the end: overview ×${growth[0]!.toFixed(2)}, flow page ×${growth[1]!.toFixed(2)}`,
  );

  if (args.screenshots) {
    mkdirSync('docs', { recursive: true });
    await overview.screenshot({ path: 'docs/dashboard-overview.png' });
    await flowPage.screenshot({ path: 'docs/dashboard-flow.png', fullPage: true });
    console.log('screenshots: docs/dashboard-overview.png, docs/dashboard-flow.png');
  }
  const ok =
    percentile(o.ms, 0.95) <= 500 &&
    percentile(fl.ms, 0.95) <= 500 &&
    growth.every((g) => g < 1.5) &&
    failures === 0;
  const reached = finalTotal / writeSeconds / (FLOWS * RATE);
  if (reached < 0.9)
    console.log(
      `note: the store took the writes at ${(reached * 100).toFixed(0)}% of the asked rate on this machine; the latencies are of that load`,
    );
  console.log(ok ? 'PASS' : 'FAIL: p95 above 500 ms, heap growth above ×1.5, or failed writes');
  process.exitCode = ok ? 0 : 1;
} finally {
  await browser?.close();
  await service.close();
  rmSync(dir, { recursive: true, force: true });
}
