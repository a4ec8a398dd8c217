/**
 * Shutdown under load (issue 10 §5): the built store (`node bin/tams.js serve`, embedded, SQLite,
 * authentication on) under 16 keep-alive clients sending 3,200 mixed REST/GraphQL reads and writes,
 * SIGTERM'd when half of them have been answered. Counts what every request got: an answer, a 503 (with
 * or without Retry-After), a connection reset (the failure this guards against), or a refused connection
 * (sent after the listener closed, so never accepted). Then restarts on the same data directory and checks
 * that every acknowledged write (REST 201, GraphQL `created: true`) is there.
 *
 *   npm run build && npx tsx loadtest/shutdown-drain.ts
 *   DRAIN_CLIENTS=16 DRAIN_REQUESTS=3200 DRAIN_AT=0.5 DRAIN_RUNS=5 DRAIN_CLIENT=node|undici
 *
 * Progress goes to stderr; one line per run and a final JSON line to stdout. Exit code 1 when any run
 * had a reset, a 503 without Retry-After, a lost acknowledged write or a non-zero exit.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import type { ClientKind } from '../test/support/keep-alive-load.js';
import { flowBody, startLoad, summarize } from '../test/support/keep-alive-load.js';
import { BUILT_TAMS, spawnServe } from '../test/support/serve-process.js';

const CLIENTS = Number(process.env.DRAIN_CLIENTS ?? 16);
const REQUESTS = Number(process.env.DRAIN_REQUESTS ?? 3200);
const AT = Number(process.env.DRAIN_AT ?? 0.5);
const RUNS = Number(process.env.DRAIN_RUNS ?? 1);
const CLIENT = (process.env.DRAIN_CLIENT ?? 'node') as ClientKind;
const log = (line: string) => process.stderr.write(`${line}\n`);

if (!existsSync(new URL('../dist/cli/tams.js', import.meta.url))) {
  log('shutdown-drain: dist/ is missing; run `npm run build` first');
  process.exit(2);
}

async function run(index: number) {
  const dir = mkdtempSync(join(tmpdir(), 'tams-drain-'));
  const env = { TAMS_DATA_DIR: dir, TAMS_PORT: '0', TAMS_LOG_LEVEL: 'warn' };
  try {
    const token = execFileSync(
      process.execPath,
      [BUILT_TAMS, 'token', 'create', '--scopes', 'read,write,delete,admin', '--user', 'admin'],
      { env: { ...process.env, ...env }, encoding: 'utf8' },
    ).trim();
    const headers = { authorization: `Bearer ${token}` };
    const server = await spawnServe(env, { built: true });
    const knownFlows: string[] = [];
    for (let i = 0; i < 4; i++) {
      const id = crypto.randomUUID();
      const put = await fetch(`${server.url}/flows/${id}`, {
        method: 'PUT',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify(flowBody(id, crypto.randomUUID())),
      });
      if (put.status !== 201) throw new Error(`seeding a flow answered ${put.status}: ${await put.text()}`);
      knownFlows.push(id);
    }
    let signalled = false;
    const load = startLoad({
      url: server.url,
      headers,
      clients: CLIENTS,
      requests: REQUESTS,
      client: CLIENT,
      knownFlows,
      onOutcome(done) {
        if (signalled || done < REQUESTS * AT) return;
        signalled = true;
        load.markShutdown();
        server.child.kill('SIGTERM');
      },
    });
    const outcomes = await load.done;
    const exit = await server.exited;

    const restarted = await spawnServe(env, { built: true });
    let missing = 0;
    for (const o of outcomes)
      if (o.acknowledgedFlow) {
        const get = await fetch(`${restarted.url}/flows/${o.acknowledgedFlow}`, { headers });
        await get.arrayBuffer();
        if (get.status !== 200) missing++;
      }
    restarted.child.kill('SIGTERM');
    await restarted.exited;

    const summary = {
      run: index,
      client: CLIENT,
      ...summarize(outcomes),
      resetsBeforeShutdown: outcomes.filter((o) => o.failure === 'reset' && !o.sentAfterShutdown).length,
      missingAfterRestart: missing,
      exitCode: exit.code,
      exitSignal: exit.signal,
      errors: [...new Set(outcomes.flatMap((o) => (o.error ? [o.error] : [])))].slice(0, 5),
    };
    console.log(JSON.stringify(summary));
    return summary;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const runs: Awaited<ReturnType<typeof run>>[] = [];
for (let i = 1; i <= RUNS; i++) {
  log(`run ${i}/${RUNS}: ${CLIENTS} ${CLIENT} keep-alive clients, ${REQUESTS} requests, SIGTERM at ${AT}`);
  runs.push(await run(i));
}
const total = (
  key: 'resets' | 'refused' | 'unavailable503' | 'answered' | 'requests' | 'missingAfterRestart',
) => runs.reduce((sum, r) => sum + r[key], 0);
const failed = runs.some(
  (r) =>
    r.resets > 0 ||
    r.otherErrors > 0 ||
    r.unavailable503 !== r.unavailableWithRetryAfter ||
    r.missingAfterRestart > 0 ||
    r.exitCode !== 0,
);
console.log(
  JSON.stringify({
    runs: RUNS,
    requests: total('requests'),
    answered: total('answered'),
    unavailable503: total('unavailable503'),
    resets: total('resets'),
    refused: total('refused'),
    missingAfterRestart: total('missingAfterRestart'),
    exitCodes: runs.map((r) => r.exitCode),
    ok: !failed,
  }),
);
process.exit(failed ? 1 : 0);
