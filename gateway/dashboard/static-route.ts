import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { HttpError } from '../http/errors.js';
import type { Route } from '../http/server.js';

/**
 * The dashboard's static files at `/dashboard`, built by `npm run build` into `dist/dashboard/`
 * (dashboard/build.ts): `index.html` is revalidated on every load (`no-cache` + ETag), the assets it
 * names carry a hash of their content in their names and are cached for a year as immutable. No
 * authentication here: the page holds no data; it signs in to /graphql with the user's token. The
 * Content-Security-Policy allows this origin only (scripts, styles, fetch and the WebSocket), so the
 * page cannot load or send anything elsewhere.
 */

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
};

const SECURITY_HEADERS = {
  // uPlot sizes its elements through inline styles, hence 'unsafe-inline' for styles only.
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
    "connect-src 'self' ws: wss:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

const ASSET_NAME = /^[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*\.(?:js|css|map|txt)$/;

interface File {
  readonly body: Buffer;
  readonly gzip: Buffer;
  readonly etag: string;
  readonly type: string;
}

/** The package root: the folder with package.json, from the sources (gateway/dashboard) or the build (dist/gateway/dashboard). */
export function packageRoot(): string {
  for (const up of ['../../', '../../../']) {
    const dir = fileURLToPath(new URL(up, import.meta.url));
    if (existsSync(join(dir, 'package.json'))) return dir;
  }
  throw new Error(`cannot find the package root (package.json) above ${fileURLToPath(import.meta.url)}`);
}

export function dashboardRoute(dir = join(packageRoot(), 'dist', 'dashboard')): Route {
  // Hashed names never change content: kept once read. The index is read on each request (it changes
  // with every build and is small).
  const assets = new Map<string, File>();
  const load = (path: string): File | null => {
    let body: Buffer;
    try {
      body = readFileSync(path);
    } catch {
      return null;
    }
    return {
      body,
      gzip: gzipSync(body),
      etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
      type: TYPES[extname(path)] ?? 'application/octet-stream',
    };
  };
  return {
    name: 'dashboard',
    matches: (path) => path === '/dashboard' || path.startsWith('/dashboard/'),
    handle(req, res) {
      if (req.method !== 'GET' && req.method !== 'HEAD')
        throw new HttpError(405, 'METHOD_NOT_ALLOWED', `the dashboard is read with GET, not ${req.method}`, {
          allow: 'GET, HEAD',
        });
      const path = (req.url ?? '/').split('?')[0]!;
      if (path === '/dashboard' || path === '/dashboard/' || path === '/dashboard/index.html') {
        const index = load(join(dir, 'index.html'));
        if (!index)
          throw new HttpError(
            503,
            'SERVICE_UNAVAILABLE',
            `the dashboard is not built (no ${join(dir, 'index.html')}): run \`npm run build\` (npm install runs it), then reload`,
          );
        send(req, res, index, 'no-cache');
        return;
      }
      const name = path.slice('/dashboard/assets/'.length);
      if (path.startsWith('/dashboard/assets/') && ASSET_NAME.test(name)) {
        let file = assets.get(name);
        if (!file) {
          const loaded = load(join(dir, 'assets', name));
          if (loaded) assets.set(name, (file = loaded));
        }
        if (file) {
          send(req, res, file, 'public, max-age=31536000, immutable');
          return;
        }
      }
      throw new HttpError(
        404,
        'NOT_FOUND',
        `the dashboard has no file at ${path.slice(0, 200)}; open /dashboard`,
      );
    },
  };
}

function send(req: IncomingMessage, res: ServerResponse, file: File, cacheControl: string): void {
  const headers: Record<string, string | number> = {
    ...SECURITY_HEADERS,
    'content-type': file.type,
    'cache-control': cacheControl,
    etag: file.etag,
    vary: 'accept-encoding',
  };
  if (req.headers['if-none-match'] === file.etag) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  const gzip =
    /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? '')) && file.gzip.length < file.body.length;
  const body = gzip ? file.gzip : file.body;
  res.writeHead(200, {
    ...headers,
    ...(gzip ? { 'content-encoding': 'gzip' } : {}),
    'content-length': body.length,
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}
