/**
 * Runs k6 scripts under Node, through the compatibility layer in this folder (k6 is not installable on
 * these machines): the script's `k6`, `k6/http`, `k6/metrics`, `k6/websockets`, `k6/execution` and
 * `k6/timers` imports resolve to local implementations. For each script: setup(), then every scenario
 * of `options.scenarios` at once, each with at most --vus VUs running --iterations iterations in all
 * (each iteration ends when its sockets and timers are done, as in k6), then teardown(). It is a
 * functional smoke run, not a load run: rates, durations and thresholds are not applied.
 *
 *   TAMS_URL=http://127.0.0.1:8000 TAMS_TOKEN=… npx tsx loadtest/k6-node/run.ts [--iterations N]
 *     [--vus N] [--sleep-scale X] [--iteration-timeout-s N] script.ts…
 *
 * Prints each check's passes and fails, and ends with one JSON line (the summary); exit code 1 when a
 * check failed, an iteration threw, or setup failed.
 */
import { register } from 'node:module';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import type { VirtualUser } from './context.js';
import { asVu, recordError, resetResults, runResults, settings } from './context.js';

register('./hooks.mjs', import.meta.url);

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    iterations: { type: 'string', default: '2' },
    vus: { type: 'string', default: '2' },
    'sleep-scale': { type: 'string', default: '1' },
    'iteration-timeout-s': { type: 'string', default: '60' },
  },
});
const ITERATIONS = Number(values.iterations);
const MAX_VUS = Number(values.vus);
const ITERATION_TIMEOUT_MS = Number(values['iteration-timeout-s']) * 1000;
settings.sleepScale = Number(values['sleep-scale']);
if (!positionals.length) {
  console.error('usage: run.ts [--iterations N] [--vus N] [--sleep-scale X] script.ts…');
  process.exit(2);
}

// k6's init-context globals.
const globals = globalThis as Record<string, unknown>;
globals.__ENV = { ...process.env };

interface Scenario {
  executor?: string;
  exec?: string;
  vus?: number;
  preAllocatedVUs?: number;
}

interface Script {
  options?: { scenarios?: Record<string, Scenario>; vus?: number };
  setup?: () => unknown;
  teardown?: (data: unknown) => unknown;
  [exported: string]: unknown;
}

/** One iteration; resolves when the VU's sockets and timers are done (or the timeout fails it). */
async function iterate(vu: VirtualUser, fn: (data: unknown) => unknown, data: unknown): Promise<void> {
  asVu(vu, () => fn(structuredClone(data)));
  if (vu.pending.size === 0) return;
  await new Promise<void>((done) => {
    const timer = setTimeout(() => {
      recordError(
        vu,
        new Error(`iteration still had ${vu.pending.size} sockets/timers after ${ITERATION_TIMEOUT_MS} ms`),
      );
      vu.pending.clear();
      done();
    }, ITERATION_TIMEOUT_MS);
    vu.onIdle = () => {
      clearTimeout(timer);
      done();
    };
  });
  vu.onIdle = undefined;
}

let nextVuId = 1;

async function runScenario(name: string, scenario: Scenario, script: Script, data: unknown): Promise<number> {
  const execName = scenario.exec ?? 'default';
  const fn = script[execName];
  if (typeof fn !== 'function')
    throw new Error(`scenario ${name}: the script exports no function ${execName}`);
  const vus = Math.max(1, Math.min(MAX_VUS, scenario.vus ?? scenario.preAllocatedVUs ?? 1, ITERATIONS));
  let next = 0;
  await Promise.all(
    Array.from({ length: vus }, async () => {
      const vu: VirtualUser = {
        idInTest: nextVuId++,
        scenario: name,
        executor: scenario.executor ?? 'shared-iterations',
        iterationInScenario: -1,
        iterationInTest: -1,
        pending: new Set(),
      };
      for (let i = next++; i < ITERATIONS; i = next++) {
        vu.iterationInScenario++;
        vu.iterationInTest = i;
        await iterate(vu, fn as (data: unknown) => unknown, data);
        // Lets the other VUs' sockets and timers run between this VU's blocking iterations.
        await new Promise((r) => setImmediate(r));
      }
    }),
  );
  return ITERATIONS;
}

const summary: Record<string, unknown>[] = [];
let failed = false;
for (const path of positionals) {
  resetResults();
  const started = performance.now();
  const script = (await import(pathToFileURL(resolve(path)).href)) as Script;
  const scenarios = script.options?.scenarios ?? { default: { vus: script.options?.vus ?? 1 } };
  let data: unknown;
  let setupOk = true;
  if (script.setup) {
    const before = runResults().errors.length;
    data = asVu(undefined, () => JSON.parse(JSON.stringify(script.setup!()) ?? 'null') as unknown);
    setupOk = runResults().errors.length === before;
  }
  const iterations: Record<string, number> = {};
  if (setupOk)
    await Promise.all(
      Object.entries(scenarios).map(async ([name, scenario]) => {
        iterations[name] = await runScenario(name, scenario, script, data);
      }),
    );
  if (setupOk && script.teardown) asVu(undefined, () => script.teardown!(data));
  const results = runResults();
  const checks = Object.fromEntries(results.checks);
  const checkFails = [...results.checks.values()].reduce((n, t) => n + t.fails, 0);
  const metrics = Object.fromEntries([...results.metrics].map(([name, m]) => [name, m.values.length]));
  const ok = setupOk && checkFails === 0 && results.errors.length === 0 && results.checks.size > 0;
  failed ||= !ok;
  console.log(`\n${path}: ${ok ? 'ok' : 'FAILED'} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
  for (const [name, count] of Object.entries(iterations))
    console.log(`  scenario ${name}: ${count} iterations`);
  for (const [name, t] of results.checks)
    console.log(`  ${t.fails ? '✗' : '✓'} ${name}: ${t.passes} passed, ${t.fails} failed`);
  for (const [name, m] of results.metrics)
    if (m.type === 'trend' && !name.startsWith('http_') && !name.startsWith('ws_') && m.values.length) {
      const sorted = [...m.values].sort((a, b) => a - b);
      const at = (q: number) =>
        sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!.toFixed(1);
      console.log(`  ${name}: ${sorted.length} samples, p50 ${at(0.5)}, max ${at(1)}`);
    }
  for (const error of results.errors) console.log(`  error: ${error}`);
  summary.push({ script: path, ok, iterations, checks, errors: results.errors, samples: metrics });
}
console.log(JSON.stringify({ k6node: summary }));
process.exit(failed ? 1 : 0);
