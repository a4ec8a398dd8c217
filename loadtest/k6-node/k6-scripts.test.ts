import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../gateway/logger.js';
import type { RunningService } from '../../gateway/service.js';
import { startService } from '../../gateway/service.js';
import { loadConfig } from '../../lib/config/config.js';
import { createToken } from '../../test/support/admin-token.js';

/**
 * Every k6 script of loadtest/k6/ runs for a few iterations of each of its scenarios, through the Node
 * compatibility layer (run.ts), against a real embedded store with authentication on; any failed check,
 * iteration error or setup failure fails the test. So no script is dead code, though k6 itself is not
 * installable here. It is a functional run: no timing is asserted.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const K6_DIR = join(ROOT, 'loadtest/k6');
const SCRIPTS = readdirSync(K6_DIR)
  .filter((f) => f.endsWith('.ts'))
  .map((f) => join('loadtest/k6', f));

const dir = mkdtempSync(join(tmpdir(), 'tams-k6-'));
let service: RunningService;
let token: string;

beforeAll(async () => {
  const config = loadConfig({ TAMS_DATA_DIR: dir, TAMS_PORT: '0', TAMS_LOG_LEVEL: 'silent' });
  service = await startService(config, 'embedded', { log: createLogger('silent'), version: 'test' });
  token = await createToken(config.database, 'k6');
});
afterAll(async () => {
  await service?.close();
  rmSync(dir, { recursive: true, force: true });
});

interface ScriptSummary {
  script: string;
  ok: boolean;
  iterations: Record<string, number>;
  checks: Record<string, { passes: number; fails: number }>;
  errors: string[];
}

function runScripts(scripts: readonly string[]): Promise<{ code: number | null; output: string }> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'loadtest/k6-node/run.ts',
      '--iterations',
      '2',
      '--vus',
      '2',
      '--sleep-scale',
      '0.05',
      ...scripts,
    ],
    {
      cwd: ROOT,
      env: { ...process.env, TAMS_URL: service.url, TAMS_TOKEN: token, DASHBOARD_WATCH_S: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, output })));
}

describe('the k6 scripts under the Node compatibility layer', () => {
  it('finds the journeys: window, page, ingest, GraphQL, subscriptions, live studio', () => {
    expect(SCRIPTS.map((s) => s.replace('loadtest/k6/', '')).sort()).toEqual([
      'graphql-cross-subgraph.ts',
      'ingest.ts',
      'live-studio.ts',
      'presigned-page.ts',
      'rest-window.ts',
      'subscriptions.ts',
    ]);
  });

  it('runs every script against a real store with every check passing', async () => {
    const { code, output } = await runScripts(SCRIPTS);
    const line = output.split('\n').find((l) => l.startsWith('{"k6node":'));
    expect(line, output).toBeDefined();
    const summary = (JSON.parse(line!) as { k6node: ScriptSummary[] }).k6node;
    expect(summary.map((s) => s.script)).toEqual(SCRIPTS);
    for (const s of summary) {
      expect(s.errors, `${s.script}\n${output}`).toEqual([]);
      expect(Object.keys(s.checks).length, s.script).toBeGreaterThan(0);
      for (const [name, tally] of Object.entries(s.checks)) {
        expect(tally.fails, `${s.script}: ${name}\n${output}`).toBe(0);
        expect(tally.passes, `${s.script}: ${name}`).toBeGreaterThan(0);
      }
      for (const count of Object.values(s.iterations)) expect(count).toBe(2);
      expect(s.ok).toBe(true);
    }
    // Each scenario of the live studio ran: recorders, readers and dashboards.
    expect(Object.keys(summary.find((s) => s.script.endsWith('live-studio.ts'))!.iterations).sort()).toEqual([
      'dashboards',
      'readers',
      'recorders',
    ]);
    expect(code, output).toBe(0);
  });

  it('fails a run whose checks fail (a store that refuses the token)', async () => {
    const saved = token;
    token = 'not-a-token';
    try {
      const { code, output } = await runScripts(['loadtest/k6/graphql-cross-subgraph.ts']);
      expect(code, output).toBe(1);
      expect(output).toContain('FAILED');
    } finally {
      token = saved;
    }
  });
});
