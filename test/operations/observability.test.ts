import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureLog } from '../../gateway/http/test-support/log-capture.js';
import type { RunningService } from '../../gateway/service.js';
import { startService } from '../../gateway/service.js';
import { loadConfig } from '../../lib/config/config.js';
import { eventually } from '../../lib/test-support/eventually.js';
import { createToken } from '../support/admin-token.js';
import { freePort } from '../../lib/test-support/free-port.js';

/**
 * Issue 17: the operations files name only metrics the store exports, and the real Prometheus (Debian's
 * `prometheus` package; .ci/run installs it) scrapes a running store and answers a `tams_` series.
 */

const deploy = new URL('../../deploy/', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'tams-observability-'));
let service: RunningService;
let exported: string;

beforeAll(async () => {
  const config = loadConfig({ TAMS_DATA_DIR: dir, TAMS_PORT: '0' });
  service = await startService(config, 'embedded', { log: captureLog('error').log, version: 'test' });
  const token = await createToken(config.database);
  const flow = randomUUID();
  const put = await fetch(`${service.url}/flows/${flow}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      id: flow,
      source_id: randomUUID(),
      format: 'urn:x-nmos:format:video',
      codec: 'video/h264',
      container: 'video/mp2t',
      essence_parameters: { frame_width: 1920, frame_height: 1080, frame_rate: { numerator: 25 } },
    }),
  });
  expect(put.status).toBe(201);
  exported = await (await fetch(`${service.url}/metrics`)).text();
});

afterAll(async () => {
  await service?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Every `tams_*` name in the dashboards and alert rules, histogram series reduced to their metric. */
function namesInOperationsFiles(): Map<string, string> {
  const files = [
    join(deploy, 'prometheus/alerts.yml'),
    ...readdirSync(join(deploy, 'grafana/dashboards'))
      .filter((f) => f.endsWith('.json'))
      .map((f) => join(deploy, 'grafana/dashboards', f)),
  ];
  const names = new Map<string, string>();
  for (const file of files)
    for (const [name] of readFileSync(file, 'utf8').matchAll(/\btams_[a-z0-9_]+/g))
      names.set(name.replace(/_(bucket|count|sum)$/, ''), file);
  return names;
}

interface Panel {
  readonly type: string;
  readonly datasource?: { readonly uid: string };
  readonly targets?: readonly { readonly expr: string; readonly datasource: { readonly uid: string } }[];
}

function dashboards(): { panels: Panel[] }[] {
  const dir = join(deploy, 'grafana/dashboards');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as { panels: Panel[] });
}

function dashboardQueries(): string[] {
  return dashboards().flatMap((d) => d.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr)));
}

describe('operations files against the running store', () => {
  it('point every dashboard query at the provisioned Prometheus datasource', () => {
    const provisioned = readFileSync(join(deploy, 'grafana/provisioning/datasources/prometheus.yml'), 'utf8');
    const uid = /^\s*uid: (\S+)$/m.exec(provisioned)?.[1];
    expect(uid).toBe('prometheus');
    const panels = dashboards().flatMap((d) => d.panels.filter((p) => p.type !== 'row'));
    expect(panels.length).toBeGreaterThan(10);
    for (const p of panels) {
      expect(p.datasource?.uid).toBe(uid);
      for (const t of p.targets ?? []) expect(t.datasource.uid).toBe(uid);
    }
  });

  it('name only tams_* metrics the store exports', () => {
    const types = new Set([...exported.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]));
    const names = namesInOperationsFiles();
    expect(names.size).toBeGreaterThan(20);
    const unknown = [...names].filter(([name]) => !types.has(name)).map(([n, file]) => `${n} (${file})`);
    expect(unknown).toEqual([]);
  });

  it('labels REST requests with the 7.0 route template, never the ids in the path', () => {
    expect(exported).toContain(
      'tams_http_request_duration_seconds_count{role="embedded",method="PUT",route="rest",path="/flows/{flowId}",status="201"} 1',
    );
    expect(exported).toMatch(/^tams_outbox_head_position\{[^}]*\} [1-9]/m);
  });

  it('is scraped by the real Prometheus, which answers a tams_ series', async () => {
    const port = await freePort();
    const target = new URL(service.url).host;
    const config = join(dir, 'prometheus.yml');
    writeFileSync(
      config,
      [
        'global: { scrape_interval: 1s }',
        'scrape_configs:',
        '  - job_name: tams',
        `    static_configs: [{ targets: ['${target}'] }]`,
      ].join('\n'),
    );
    let output = '';
    const prometheus: ChildProcess = spawn(
      'prometheus',
      [
        `--config.file=${config}`,
        `--storage.tsdb.path=${join(dir, 'prometheus-data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const spawned = new Promise<void>((resolve, reject) => {
      prometheus.once('spawn', resolve);
      prometheus.once('error', (e) =>
        reject(
          new Error(
            `cannot start prometheus (install Debian's prometheus package; .ci/run does): ${e.message}`,
          ),
        ),
      );
    });
    prometheus.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    prometheus.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    try {
      await spawned;
      const query = `http://127.0.0.1:${port}/api/v1/query?query=${encodeURIComponent('tams_outbox_head_position{job="tams"}')}`;
      let result: { metric: Record<string, string>; value: [number, string] }[] = [];
      await eventually(async () => {
        if (prometheus.exitCode !== null)
          throw new Error(`prometheus exited ${prometheus.exitCode}: ${output}`);
        const answer = await fetch(query).catch(() => undefined);
        if (!answer?.ok) return false;
        const body = (await answer.json()) as { data: { result: typeof result } };
        result = body.data.result;
        return result.length > 0;
      }, 'Prometheus to scrape the store and answer tams_outbox_head_position');
      expect(result[0]!.metric).toMatchObject({ job: 'tams', role: 'embedded', instance: target });
      expect(Number(result[0]!.value[1])).toBeGreaterThan(0);
      // Every dashboard query parses and evaluates in this Prometheus (Grafana's $__rate_interval as 1m).
      const refused: string[] = [];
      for (const expr of dashboardQueries()) {
        const url = `http://127.0.0.1:${port}/api/v1/query?query=${encodeURIComponent(expr.replaceAll('$__rate_interval', '1m'))}`;
        const answer = (await (await fetch(url)).json()) as { status: string; error?: string };
        if (answer.status !== 'success') refused.push(`${expr}: ${answer.error}`);
      }
      expect(refused).toEqual([]);
    } finally {
      prometheus.kill('SIGTERM');
      if (prometheus.exitCode === null) await new Promise((resolve) => prometheus.once('exit', resolve));
    }
  });
});
