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
import { bearer, createScopeTokens } from '../support/admin-token.js';
import { collectErrors, launchChromium, waitFor } from './browser.js';

/**
 * The flow list sorts in the API: clicking a column heading pages the whole store in that order (not
 * just the page shown), unlabelled flows last either way; so do the segment count, the last segment's
 * end and the lag (that end the other way round), flows without segments last. And the API refuses a
 * bad `sort` with a coded GraphQL error.
 */

const dir = mkdtempSync(join(tmpdir(), 'tams-dashboard-sort-'));
let service: RunningService;
let executor: Executor;
let tokens: Record<Scope, string>;
let browser: Browser;

/**
 * 52 labelled flows (two pages of 50 with the unlabelled ones), 3 without a label; flow i has i % 4
 * segments of 2 s, the last ending at `last` seconds (null without segments).
 */
const flows: { id: string; label: string | null; codec: string; segments: number; last: number | null }[] =
  Array.from({ length: 55 }, (_, i) => {
    const segments = i % 4;
    return {
      id: randomUUID(),
      label: i < 52 ? `flow ${String(i).padStart(2, '0')}` : null,
      codec: i < 52 && i % 2 === 0 ? 'video/jxsv' : 'video/h264',
      segments,
      last: segments ? (segments - 1) * 100 + ((i * 7) % 97) + 2 : null,
    };
  });

beforeAll(async () => {
  const config = loadConfig({
    TAMS_DATA_DIR: dir,
    TAMS_PORT: '0',
    TAMS_JWT_SECRET: 'dashboard-sort-test-hs256-secret-0123456789',
  });
  service = await startService(config, 'embedded', {
    log: createLogger('warn', { write: () => {} }),
    version: 'test',
  });
  executor = await openExecutor(config.database);
  tokens = await createScopeTokens(executor);
  for (const f of flows) {
    const response = await fetch(`${service.url}/flows/${f.id}`, {
      method: 'PUT',
      headers: { ...bearer(tokens.admin), 'content-type': 'application/json' },
      body: JSON.stringify({
        id: f.id,
        source_id: randomUUID(),
        format: 'urn:x-nmos:format:video',
        codec: f.codec,
        container: 'video/mp2t',
        essence_parameters: { frame_width: 1920, frame_height: 1080 },
        ...(f.label === null ? {} : { label: f.label }),
      }),
    });
    expect(response.status, await response.clone().text()).toBeLessThan(300);
  }
  await registerSegments();
  browser = await launchChromium();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await executor?.close();
  await service?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** One uploaded object, then every flow's segments through the API, all naming that object. */
async function registerSegments(): Promise<void> {
  const admin = { ...bearer(tokens.admin), 'content-type': 'application/json' };
  const storage = await fetch(`${service.url}/flows/${flows[1]!.id}/storage`, {
    method: 'POST',
    headers: admin,
    body: JSON.stringify({ limit: 1 }),
  });
  const { media_objects } = (await storage.json()) as {
    media_objects: { object_id: string; put_url: { url: string; 'content-type': string } }[];
  };
  const { url, 'content-type': type } = media_objects[0]!.put_url;
  const put = await fetch(url, {
    method: 'PUT',
    headers: { 'content-type': type },
    body: new Uint8Array(100),
  });
  expect(put.status).toBeLessThan(300);
  for (const f of flows) {
    if (f.segments === 0) continue;
    const first = f.last! - 2 - (f.segments - 1) * 100;
    const body = Array.from({ length: f.segments }, (_, j) => ({
      object_id: media_objects[0]!.object_id,
      timerange: `[${first + j * 100}:0_${first + j * 100 + 2}:0)`,
    }));
    const response = await fetch(`${service.url}/flows/${f.id}/segments`, {
      method: 'POST',
      headers: admin,
      body: JSON.stringify(body),
    });
    expect(response.status, await response.clone().text()).toBeLessThan(300);
  }
}

const byId = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The listing's order by label: labels in code-point order, then the unlabelled by id; DESC reverses the labels. */
function byLabel(direction: 'asc' | 'desc'): string[] {
  const sign = direction === 'desc' ? -1 : 1;
  const labelled = flows.filter((f) => f.label !== null).sort((a, b) => sign * byId(a.label!, b.label!));
  const unlabelled = flows.filter((f) => f.label === null).sort((a, b) => sign * byId(a.id, b.id));
  return [...labelled, ...unlabelled].map((f) => f.id);
}

function byCodec(): string[] {
  return [...flows].sort((a, b) => byId(a.codec, b.codec) || byId(a.id, b.id)).map((f) => f.id);
}

/** A numeric figure's order, ties by id in the same direction; flows without the figure last. */
function byFigure(figure: (f: (typeof flows)[number]) => number | null, direction: 'asc' | 'desc'): string[] {
  const sign = direction === 'desc' ? -1 : 1;
  return [...flows]
    .sort((a, b) => {
      const x = figure(a);
      const y = figure(b);
      if ((x === null) !== (y === null)) return x === null ? 1 : -1;
      return sign * ((x ?? 0) - (y ?? 0) || byId(a.id, b.id));
    })
    .map((f) => f.id);
}

/**
 * The ids of the rows shown, read in one evaluation in the page: the table is rebuilt on each render, and
 * locators taken row by row could outlive it (a locator for row 30 of a first page then waits, up to the
 * default timeout, for a row the 5-row second page never has).
 */
async function shownIds(page: Page): Promise<string[]> {
  /** What of a row element this reads (the test's types have no DOM). */
  type Row = { getAttribute(name: string): string | null };
  const read = (rows: Row[]): string[] => rows.map((r) => r.getAttribute('data-flow') ?? '');
  return page.$$eval<string[]>('[data-testid=flow-rows] tr', read as never);
}

/** Waits until the table shows exactly `ids`, in order (it is rebuilt on each render). */
async function expectShown(page: Page, ids: string[], what: string): Promise<void> {
  await waitFor(async () => JSON.stringify(await shownIds(page)) === JSON.stringify(ids), what).catch(
    async (error: Error) => {
      throw new Error(
        `${error.message}; shown: ${JSON.stringify(await shownIds(page))}; expected ${JSON.stringify(ids)}`,
      );
    },
  );
}

async function graphql(query: string, variables: Record<string, unknown> = {}) {
  const response = await fetch(service.graphqlUrl, {
    method: 'POST',
    headers: { ...bearer(tokens.read), 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as {
    data?: { flows: { pageInfo: { endCursor: string } } };
    errors?: { extensions?: { code?: string } }[];
  };
}

describe('the flow list sorted by the API', () => {
  it('pages the whole store in the order of the heading clicked, unlabelled flows last', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    page.setDefaultTimeout(60_000);
    const errors = collectErrors(page);
    await page.goto(`${service.url}/dashboard#/flows`);
    await page.locator('#token').fill(tokens.read);
    await page.getByRole('button', { name: 'Sign in' }).click();

    // By label, ascending, from the first page.
    const asc = byLabel('asc');
    await expectShown(page, asc.slice(0, 50), 'the first page by label');
    await page.getByRole('button', { name: 'Next →' }).click();
    await expectShown(page, asc.slice(50), 'the second page by label: two labels, then the unlabelled');

    // The heading again: descending, from the first page; the unlabelled stay last.
    await page.getByRole('button', { name: 'Label' }).click();
    const desc = byLabel('desc');
    await expectShown(page, desc.slice(0, 50), 'the first page by label, descending');
    expect(await page.locator('th[data-key=label]').getAttribute('aria-sort')).toBe('descending');
    await page.getByRole('button', { name: 'Next →' }).click();
    await expectShown(page, desc.slice(50), 'the second page by label, descending');
    await page.getByRole('button', { name: '← Previous' }).click();
    await expectShown(page, desc.slice(0, 50), 'back to the first page');

    // Another column: the whole listing by codec (ties by id), not this page re-ordered.
    await page.getByRole('button', { name: 'Codec' }).click();
    const codec = byCodec();
    await expectShown(page, codec.slice(0, 50), 'the first page by codec');
    await page.getByRole('button', { name: 'Next →' }).click();
    await expectShown(page, codec.slice(50), 'the second page by codec');

    // The live figures the database keeps with the segments: the whole listing, each way.
    // By the heading's key: its button's name gains the ▲/▼ of the current order.
    const pages = async (key: string, ids: string[], what: string) => {
      await page.locator(`th[data-key=${key}] button`).click();
      await expectShown(page, ids.slice(0, 50), `the first page by ${what}`);
      await page.getByRole('button', { name: 'Next →' }).click();
      await expectShown(page, ids.slice(50), `the second page by ${what}`);
    };
    await pages(
      'segments',
      byFigure((f) => f.segments, 'asc'),
      'segment count',
    );
    await pages(
      'segments',
      byFigure((f) => f.segments, 'desc'),
      'segment count, descending',
    );
    await pages(
      'last',
      byFigure((f) => f.last, 'asc'),
      'last segment end',
    );
    // Least lag first is the latest end first; flows without segments (no lag) still last.
    await pages(
      'lag',
      byFigure((f) => f.last, 'desc'),
      'lag',
    );
    expect(await page.locator('th[data-key=lag]').getAttribute('aria-sort')).toBe('ascending');
    await pages(
      'lag',
      byFigure((f) => f.last, 'asc'),
      'lag, descending',
    );

    expect(errors).toEqual([]);
    await page.close();
  });

  it('refuses a bad sort with a coded GraphQL error', async () => {
    const LIST = `query($sort: FlowSort, $after: String) {
      flows(sort: $sort, limit: 5, after: $after) { nodes { id } pageInfo { endCursor } }
    }`;
    const code = (r: Awaited<ReturnType<typeof graphql>>) => r.errors?.[0]?.extensions?.code;
    expect(code(await graphql(LIST, { sort: { field: 'SIZE' } }))).toBe('BAD_USER_INPUT');
    expect(code(await graphql(LIST, { sort: { field: 'LABEL', direction: 'UP' } }))).toBe('BAD_USER_INPUT');
    expect(code(await graphql('{ flows(sort: { field: INGEST_RATE }) { nodes { id } } }'))).toBe(
      'GRAPHQL_VALIDATION_FAILED',
    );
    const first = await graphql(LIST, { sort: { field: 'LABEL' } });
    const after = first.data!.flows.pageInfo.endCursor;
    expect(code(await graphql(LIST, { sort: { field: 'CODEC' }, after }))).toBe('INVALID_PAGE_KEY');
  });
});
