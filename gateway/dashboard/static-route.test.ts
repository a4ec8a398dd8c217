import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import type { HttpError } from '../http/errors.js';
import { dashboardRoute } from './static-route.js';

/** The dashboard's static route on a folder of its own: what a build leaves, and what a missing one says. */

const dir = mkdtempSync(join(tmpdir(), 'tams-dashboard-route-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  message: string;
}

/** Serves `route` on a real HTTP server for one request, answering its HttpErrors as the server does. */
async function get(
  route: ReturnType<typeof dashboardRoute>,
  path: string,
  headers: Record<string, string> = {},
  method = 'GET',
): Promise<Answer> {
  const server = createServer((req, res) => {
    (async () => route.handle(req, res, 'test'))().catch((error: unknown) => {
      const e = error as HttpError;
      res.writeHead(e.status, { 'content-type': 'text/plain' });
      res.end(e.message);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    return await new Promise<Answer>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path, method, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const body = Buffer.concat(chunks);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, message: body.toString() });
        });
      });
      req.on('error', reject);
      req.end();
    });
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}

describe('dashboardRoute', () => {
  it('answers 503 saying to run `npm run build` when the assets are missing', async () => {
    const route = dashboardRoute(join(dir, 'missing'));
    expect(route.matches('/dashboard')).toBe(true);
    expect(route.matches('/dashboards')).toBe(false);
    const refusal = await get(route, '/dashboard');
    expect(refusal.status).toBe(503);
    expect(refusal.message).toContain('npm run build');
  });

  it('serves the index with no-cache and hashed assets as immutable, gzipped when asked, 304 on a match', async () => {
    const built = join(dir, 'built');
    mkdirSync(join(built, 'assets'), { recursive: true });
    writeFileSync(join(built, 'index.html'), '<!doctype html><title>t</title>');
    writeFileSync(join(built, 'assets', 'app-ABC123.js'), 'console.log(1);'.repeat(200));
    const route = dashboardRoute(built);
    const index = await get(route, '/dashboard/');
    expect(index.status).toBe(200);
    expect(index.headers['cache-control']).toBe('no-cache');
    expect(String(index.body)).toContain('<title>t</title>');
    const asset = await get(route, '/dashboard/assets/app-ABC123.js', { 'accept-encoding': 'gzip, br' });
    expect(asset.headers).toMatchObject({
      'cache-control': 'public, max-age=31536000, immutable',
      'content-type': 'text/javascript; charset=utf-8',
      'content-encoding': 'gzip',
    });
    expect(gunzipSync(asset.body).toString()).toBe('console.log(1);'.repeat(200));
    expect((await get(route, '/dashboard/assets/app-ABC123.js')).body.toString()).toBe(
      'console.log(1);'.repeat(200),
    );
    const etag = String(asset.headers.etag);
    expect((await get(route, '/dashboard/assets/app-ABC123.js', { 'if-none-match': etag })).status).toBe(304);
    expect((await get(route, '/dashboard/assets/app-ABC123.js', {}, 'HEAD')).body.length).toBe(0);
    for (const path of [
      '/dashboard/assets/%2E%2E/index.html',
      '/dashboard/assets/nope.js',
      '/dashboard/other',
    ])
      expect((await get(route, path)).status, path).toBe(404);
    expect((await get(route, '/dashboard', {}, 'PUT')).status).toBe(405);
  });
});
