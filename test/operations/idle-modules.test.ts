import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { eventually } from '../../lib/test-support/eventually.js';
import type { ServeProcess } from '../support/serve-process.js';
import { spawnServe } from '../support/serve-process.js';

/**
 * Idle RSS (issue 15 §3: ≤ 150 MB) depends on what an embedded store loads before its first request.
 * These packages cost 5–15 MB each and serve only a configuration the default one does not have (Redis,
 * PostgreSQL, S3, tracing, Apollo's own data collection) or a first use (a webhook delivery, a proxied
 * export): each must stay unloaded until then (lib/lazy-module.ts, gateway/tracing/active-tracer.ts,
 * patches/@apollo+gateway+*.patch).
 */
const NOT_AT_IDLE = [
  'ioredis',
  'pg',
  '@aws-sdk/client-s3',
  '@aws-sdk/s3-request-presigner',
  'undici',
  '@opentelemetry/sdk-trace-base',
  '@opentelemetry/resources',
  '@opentelemetry/sdk-metrics',
  '@opentelemetry/resource-detector-aws',
  '@opentelemetry/exporter-metrics-otlp-http',
  '@opentelemetry/exporter-trace-otlp-proto',
];

const REPORTER = fileURLToPath(new URL('../support/loaded-packages-on-signal.mjs', import.meta.url));
let dir: string;
let serve: ServeProcess | undefined;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tams-idle-modules-'));
  serve = await spawnServe(
    { TAMS_DATA_DIR: dir, TAMS_PORT: '0', TAMS_AUTH: 'off' },
    { nodeArgs: ['--import', REPORTER] },
  );
});
afterAll(async () => {
  serve?.child.kill('SIGTERM');
  await serve?.exited;
  rmSync(dir, { recursive: true, force: true });
});

it('an idle embedded store has loaded none of the packages only other configurations or a first use need', async () => {
  // What the first requests of a default store load is idle weight too: a health check and a read.
  expect((await fetch(`${serve!.url}/health`)).status).toBe(200);
  expect((await fetch(`${serve!.url}/flows`)).status).toBe(200);
  serve!.child.kill('SIGUSR2');
  const report = () => /loaded-packages: (.*)\n/.exec(serve!.output())?.[1];
  await eventually(() => report() !== undefined, 'the process to report its loaded packages');
  const loaded = JSON.parse(report()!) as string[];
  // The reporter works: the gateway's own packages are there.
  expect(loaded).toContain('@apollo/gateway');
  expect(loaded.filter((name) => NOT_AT_IDLE.includes(name))).toEqual([]);
});
