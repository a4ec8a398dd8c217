import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Scope } from '../../gateway/auth/scopes.js';
import { createLogger } from '../../gateway/logger.js';
import type { RunningService } from '../../gateway/service.js';
import { startService } from '../../gateway/service.js';
import { loadConfig } from '../../lib/config/config.js';
import type { Executor } from '../../lib/executor/index.js';
import { openExecutor } from '../../lib/executor/index.js';
import { formatUtc, timestamp } from '../../lib/tams/index.js';
import { bearer, createScopeTokens } from '../support/admin-token.js';
import { collectErrors, launchChromium, waitFor, waitForText } from './browser.js';

/**
 * The dashboard in a real browser (Chromium from the OS, driven by playwright-core) against the embedded
 * store with authentication on: sign-in, the overview, a flow page that follows segments POSTed through
 * the REST API without a reload, the flow list losing a deleted flow, the kiosk link, a refused token.
 * Waits poll the page until what it shows holds; nothing is timed.
 */

const dir = mkdtempSync(join(tmpdir(), 'tams-dashboard-'));
let service: RunningService;
let executor: Executor;
let tokens: Record<Scope, string>;
let browser: Browser;

beforeAll(async () => {
  const config = loadConfig({
    TAMS_DATA_DIR: dir,
    TAMS_PORT: '0',
    TAMS_JWT_SECRET: 'dashboard-test-hs256-secret-0123456789',
  });
  service = await startService(config, 'embedded', {
    log: createLogger('warn', { write: () => {} }),
    version: 'test',
  });
  executor = await openExecutor(config.database);
  tokens = await createScopeTokens(executor);
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await executor?.close();
  await service?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function rest(method: string, path: string, body?: unknown): Promise<Response> {
  const response = await fetch(`${service.url}${path}`, {
    method,
    headers: {
      ...bearer(tokens.admin),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  expect(response.status, `${method} ${path}: ${await response.clone().text()}`).toBeLessThan(300);
  return response;
}

async function createFlow(label: string): Promise<string> {
  const id = randomUUID();
  await rest('PUT', `/flows/${id}`, {
    id,
    source_id: randomUUID(),
    format: 'urn:x-nmos:format:video',
    codec: 'video/h264',
    container: 'video/mp2t',
    label,
    essence_parameters: { frame_width: 1920, frame_height: 1080 },
  });
  return id;
}

/** Registers the segment [second:0_second+length:0) with an uploaded object. */
async function addSegment(flow: string, second: number, length = 2): Promise<void> {
  const storage = await rest('POST', `/flows/${flow}/storage`, { limit: 1 });
  const { media_objects } = (await storage.json()) as {
    media_objects: { object_id: string; put_url: { url: string; 'content-type': string } }[];
  };
  const { url, 'content-type': type } = media_objects[0]!.put_url;
  const put = await fetch(url, {
    method: 'PUT',
    headers: { 'content-type': type },
    body: new Uint8Array(1000),
  });
  expect(put.status).toBeLessThan(300);
  await rest('POST', `/flows/${flow}/segments`, {
    object_id: media_objects[0]!.object_id,
    timerange: `[${second}:0_${second + length}:0)`,
  });
}

async function flowCount(): Promise<number> {
  const response = await fetch(service.graphqlUrl, {
    method: 'POST',
    headers: { ...bearer(tokens.read), 'content-type': 'application/json' },
    body: JSON.stringify({ query: '{ analytics { totals { flows } } }' }),
  });
  return ((await response.json()) as { data: { analytics: { totals: { flows: number } } } }).data.analytics
    .totals.flows;
}

async function signIn(page: Page, token: string): Promise<void> {
  await page.goto(`${service.url}/dashboard`);
  await page.locator('#token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

const LIVE_AT = 1_700_000_000;

describe('the dashboard in Chromium', () => {
  it('is served with caching headers: the index revalidated, hashed assets immutable', async () => {
    const index = await fetch(`${service.url}/dashboard`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toMatch(/^text\/html/);
    expect(index.headers.get('cache-control')).toBe('no-cache');
    expect(index.headers.get('content-security-policy')).toContain("default-src 'none'");
    const html = await index.text();
    const assets = [...html.matchAll(/"(\/dashboard\/assets\/app-[A-Z0-9]+\.(?:js|css))"/g)].map(
      (m) => m[1]!,
    );
    expect(assets).toHaveLength(2);
    for (const asset of assets) {
      const response = await fetch(`${service.url}${asset}`);
      expect(response.status, asset).toBe(200);
      expect(response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect((await response.text()).length).toBeGreaterThan(1000);
    }
    // Revalidation of the index: 304 for the same ETag.
    const again = await fetch(`${service.url}/dashboard/`, {
      headers: { 'if-none-match': index.headers.get('etag')! },
    });
    expect(again.status).toBe(304);
    expect((await fetch(`${service.url}/dashboard/assets/app-NOPE.js`)).status).toBe(404);
    expect((await fetch(`${service.url}/dashboard/assets/..%2Fpackage.json`)).status).toBe(404);
    expect((await fetch(`${service.url}/dashboard`, { method: 'POST' })).status).toBe(405);
  });

  it('signs in, shows the overview, follows a flow live, and loses a deleted flow from the list', async () => {
    const flow = await createFlow('camera 1');
    await addSegment(flow, LIVE_AT);
    await addSegment(flow, LIVE_AT + 2);
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    page.setDefaultTimeout(60_000);
    const errors = collectErrors(page);

    // By keyboard: the token field has the focus; Enter signs in.
    await page.goto(`${service.url}/dashboard`);
    await page.keyboard.type(tokens.read);
    await page.keyboard.press('Enter');
    await waitForText(page, '[data-testid=link-status]', 'Live');
    // The overview: totals as the API reports them.
    await waitForText(page, '[data-testid=total-flows]', String(await flowCount()));
    await page.locator('.overview .chart canvas').first().waitFor();
    expect(await page.title()).toContain('Overview');

    // The flow list, then the flow.
    await page.getByRole('link', { name: 'Flows', exact: true }).click();
    const row = page.locator(`tr[data-flow="${flow}"]`);
    await row.waitFor();
    expect(await row.locator('[data-testid=segment-count]').textContent()).toBe('2');
    await row.getByRole('link', { name: 'camera 1' }).click();
    await waitForText(page, '[data-testid=flow-segments]', '2');
    await waitForText(page, '[data-testid=flow-last-end] .tai-line', `TAI ${LIVE_AT + 4}:0`);
    await page.locator('[data-testid=timeline] canvas').waitFor();
    await waitForText(page, '[data-testid=coverage]', /^100\.0% covered · 0 gaps$/);
    // Counted when it settles: the table is rebuilt on each render, so a count taken once could catch it empty.
    await waitFor(
      async () => (await page.locator('[data-testid=segments] tr').count()) === 2,
      '2 segment rows',
    );
    // Times read as UTC, with the TAMS timestamp on hover.
    const lastEnd = page.locator('[data-testid=flow-last-end] time');
    expect(await lastEnd.getAttribute('title')).toBe(`TAI ${LIVE_AT + 4}:0`);
    const utc = formatUtc(timestamp(`${LIVE_AT + 4}:0`))
      .replace('T', ' ')
      .replace('Z', '');
    expect(await lastEnd.locator('.utc').textContent()).toBe(`${utc}.000 UTC`);

    // Segments through REST, after a gap: the page follows without a reload.
    // A marker in the page's globals: gone if the page reloads.
    await page.evaluate('window.marker = 42');
    await addSegment(flow, LIVE_AT + 10);
    await addSegment(flow, LIVE_AT + 12);
    await waitForText(page, '[data-testid=flow-segments]', '4');
    await waitForText(page, '[data-testid=flow-last-end] .tai-line', `TAI ${LIVE_AT + 14}:0`);
    await waitForText(page, '[data-testid=coverage]', /covered · 1 gap$/);
    await page.locator('[data-testid=gaps] li').first().waitFor();
    expect(await page.locator('[data-testid=gaps] li .range').getAttribute('title')).toBe(
      `TAMS timerange [${LIVE_AT + 4}:0_${LIVE_AT + 10}:0)`,
    );
    await waitFor(
      async () => (await page.locator('[data-testid=segments] tr').count()) === 4,
      '4 segment rows',
    );
    expect(await page.locator('[data-testid=segments] tr').first().locator('code.tr').textContent()).toBe(
      `[${LIVE_AT + 12}:0_${LIVE_AT + 14}:0)`,
    );
    // A download link per segment, to the object store's signed URL.
    const href = await page.locator('[data-testid=segments] tr a.download').first().getAttribute('href');
    const download = await fetch(href!);
    expect(download.status).toBe(200);
    expect((await download.arrayBuffer()).byteLength).toBe(1000);
    expect(await page.evaluate('window.marker')).toBe(42);

    // Drag-zoom on the timeline: the zoomed range is queried again.
    const before = await page.locator('[data-testid=timeline-range] .range').getAttribute('title');
    const over = await page.locator('[data-testid=timeline] .u-over').boundingBox();
    await page.mouse.move(over!.x + over!.width * 0.05, over!.y + over!.height / 2);
    await page.mouse.down();
    await page.mouse.move(over!.x + over!.width * 0.4, over!.y + over!.height / 2, { steps: 5 });
    await page.mouse.up();
    await waitFor(
      async () =>
        (await page.locator('[data-testid=timeline-range] .range').getAttribute('title')) !== before,
      'the zoomed range',
    );
    await page.getByRole('button', { name: 'Whole flow' }).waitFor();
    expect(await page.getByRole('button', { name: 'Whole flow' }).isEnabled()).toBe(true);

    // The source's page lists its flow.
    await page.locator('dl.meta a[href^="#/sources/"]').click();
    await page.locator(`tr[data-flow="${flow}"]`).waitFor();
    await waitForText(page, '[data-testid=source-segments]', '4');

    // Back to the list, filtered by label (the API's exact-label filter).
    await page.getByRole('link', { name: 'Flows', exact: true }).click();
    await page.getByLabel('Label').fill('camera 1');
    await page.getByLabel('Label').press('Enter');
    await waitFor(
      () => Promise.resolve(page.url().endsWith('#/flows?label=camera+1')),
      'the filter in the address',
    );
    // The filtered list shows this flow's row and no other. The table is rebuilt when it renders (and
    // on live updates), so a count taken once could catch it empty between two renders: the count is
    // awaited instead, with the row.
    await waitFor(
      async () =>
        (await page.locator('[data-testid=flow-rows] tr').count()) === 1 && (await row.count()) === 1,
      'the filtered list with exactly this flow',
    );

    // Deleting the flow takes it off the list, live.
    await page.getByRole('link', { name: 'Flows', exact: true }).click();
    await waitFor(async () => (await page.getByLabel('Label').inputValue()) === '', 'the unfiltered list');
    await waitForText(page, `tr[data-flow="${flow}"] [data-testid=segment-count]`, '4');
    // The total arrives by its own subscription: read once it has (it shows `…` until then).
    await waitForText(page, '[data-testid=flow-total]', /^[\d,]+$/);
    const total = Number((await page.locator('[data-testid=flow-total]').textContent())!.replace(/,/g, ''));
    // A new flow appears on the list (this store has fewer flows than a page).
    const added = await createFlow('camera 2');
    await page.locator(`tr[data-flow="${added}"]`).waitFor();
    await waitForText(page, '[data-testid=flow-total]', String(total + 1));
    await rest('DELETE', `/flows/${flow}`);
    await row.waitFor({ state: 'detached' });
    await waitForText(page, '[data-testid=flow-total]', String(total));
    expect(await page.evaluate('window.marker')).toBe(42);

    expect(errors).toEqual([]);
    await page.close();
  });

  it('signs in from a kiosk link and takes the token out of the address bar', async () => {
    const page = await browser.newPage({ viewport: { width: 3840, height: 2160 } });
    page.setDefaultTimeout(60_000);
    const errors = collectErrors(page);
    await page.goto(`${service.url}/dashboard#token=${tokens.read}`);
    await waitForText(page, '[data-testid=link-status]', 'Live');
    expect(page.url()).toBe(`${service.url}/dashboard#/`);
    await page.locator('[data-testid=total-flows]').waitFor();
    // A reload keeps the session (sessionStorage), with no token in sight.
    await page.reload();
    await waitForText(page, '[data-testid=link-status]', 'Live');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('says why a token is refused: 401 for a bad token, 403 for one without the read scope', async () => {
    const page = await browser.newPage();
    page.setDefaultTimeout(60_000);
    const errors = collectErrors(page);
    await signIn(page, 'tams_not-a-real-token-0000000000000000000000000');
    await waitForText(page, '[data-testid=sign-in-error]', /^The gateway refused this token \(401\)/);
    expect(await page.locator('#token').isVisible()).toBe(true);
    // The browser reports the refused request itself; nothing else went wrong.
    expect(errors.filter((e) => !/status of 401/.test(e))).toEqual([]);

    // A write-only token signs in (it is a valid token) but may not read: the dashboard says so.
    await page.locator('#token').fill(tokens.write);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await waitForText(page, '[data-testid=sign-in-error]', /\(403\)/);
    expect(await page.evaluate('sessionStorage.length')).toBe(0);
    await page.close();
  });

  it('says when the live connection drops, reconnects by itself, and shows current figures again', async () => {
    // A store of its own, restarted on the same port and data directory.
    const own = mkdtempSync(join(tmpdir(), 'tams-dashboard-restart-'));
    const settings = { TAMS_DATA_DIR: own, TAMS_JWT_SECRET: 'dashboard-test-hs256-secret-0123456789' };
    const start = (port: string) =>
      startService(loadConfig({ ...settings, TAMS_PORT: port }), 'embedded', {
        log: createLogger('warn', { write: () => {} }),
        version: 'test',
      });
    let store = await start('0');
    const port = new URL(store.url).port;
    const ownExecutor = await openExecutor(loadConfig({ ...settings, TAMS_PORT: port }).database);
    const { read, admin } = await createScopeTokens(ownExecutor);
    await ownExecutor.close();
    const page = await browser.newPage();
    page.setDefaultTimeout(60_000);
    const errors = collectErrors(page);
    try {
      await page.goto(`${store.url}/dashboard#token=${read}`);
      await waitForText(page, '[data-testid=link-status]', 'Live');
      await waitForText(page, '[data-testid=total-flows]', '0');

      await store.close();
      await waitForText(page, '[data-testid=link-status]', 'Reconnecting…');
      await waitForText(page, '[data-testid=banner]', /reconnecting\. Figures on screen may be stale/);

      store = await start(port);
      await waitForText(page, '[data-testid=link-status]', 'Live');
      expect(await page.locator('[data-testid=banner]').isHidden()).toBe(true);
      // Signed in all along (no sign-in form), and the overview's subscriptions are back: a flow made
      // now shows up.
      expect(await page.locator('#token').count()).toBe(0);
      const flow = randomUUID();
      const put = await fetch(`${store.url}/flows/${flow}`, {
        method: 'PUT',
        headers: { ...bearer(admin), 'content-type': 'application/json' },
        body: JSON.stringify({
          id: flow,
          source_id: randomUUID(),
          format: 'urn:x-nmos:format:data',
          codec: 'text/plain',
          essence_parameters: {},
        }),
      });
      expect(put.status, await put.text()).toBe(201);
      await waitForText(page, '[data-testid=total-flows]', '1');
      // The browser reports the refused WebSocket attempts while the store was down; nothing else.
      expect(errors.filter((e) => !/WebSocket connection to .* failed/.test(e))).toEqual([]);
    } finally {
      await page.close();
      await store.close();
      rmSync(own, { recursive: true, force: true });
    }
  });
});
