/**
 * What hostile fragment documents cost the gateway, before and after the fragment bounds
 * (gateway/limits/fragments.ts), as ratios against a normal query measured in the same run.
 *
 * - "unbounded": what the gateway did before: parse, graphql-js validation with the old rule set
 *   (specified rules, limits, finite numbers; no fragment bounds) and, when that passes, the federation
 *   query plan. Run in process on the committed supergraph, no execution.
 * - "http": one POST /graphql to an embedded store (auth off), as a client sends it: the whole request,
 *   including the pre-check that now refuses the document with QUERY_TOO_COMPLEX.
 *
 * Each document gets a fresh comment per request, so no parse, validation or plan cache helps. CPU time
 * of this process (server and client share it) per request, median of BENCH_ROUNDS (default 5; five
 * times as many for the normal query).
 *
 *   npx tsx loadtest/graphql-fragment-bench.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { operationFromDocument, Supergraph } from '@apollo/federation-internals';
import { QueryPlanner } from '@apollo/query-planner';
import { parse, specifiedRules, validate } from 'graphql';
import { createLogger } from '../gateway/logger.js';
import { startService } from '../gateway/service.js';
import { limitRules, MAX_GRAPHQL_TOKENS } from '../gateway/limits/index.js';
import { finiteNumbersRule } from '../gateway/limits/finite-numbers.js';
import { loadConfig } from '../lib/config/config.js';
import { loadSdl } from '../subgraphs/sdl.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

const chain = (n: number, body: (next: string) => string) =>
  '{ ...F0 } ' +
  Array.from(
    { length: n },
    (_, i) => `fragment F${i} on Query { ${body(i + 1 < n ? `...F${i + 1}` : '')} }`,
  ).join(' ');

/** The documents: one normal query, then the hostile shapes (all within the 20,000-token cap). */
const DOCUMENTS: Record<string, string> = {
  'normal query': '{ flows(limit: 10) { nodes { id label format tags { name value } } } }',
  'chain of 2,000 fragments': chain(2000, (next) => next || '__typename'),
  'chain of 1,000, with a field each': chain(1000, (next) => `__typename ${next}`),
  'fan-out: 1 fragment spread 2,000 times': `{ ...A } fragment A on Query { ${'...B '.repeat(2000)}} fragment B on Query { __typename }`,
  '1,000 distinct fragments, spread once': `{ flows { nodes { ${Array.from({ length: 1000 }, (_, i) => `...D${i}`).join(' ')} } } } ${Array.from({ length: 1000 }, (_, i) => `fragment D${i} on Flow { id }`).join(' ')}`,
  '200 distinct fragments, same fields': `{ flows { nodes { ${Array.from({ length: 200 }, (_, i) => `...D${i}`).join(' ')} } } } ${Array.from({ length: 200 }, (_, i) => `fragment D${i} on Flow { id label description codec container }`).join(' ')}`,
  // At the bounds: accepted, and what the most a client may ask for costs.
  'at the bound: 100 fragments, same fields': `{ flows { nodes { ${Array.from({ length: 100 }, (_, i) => `...D${i}`).join(' ')} } } } ${Array.from({ length: 100 }, (_, i) => `fragment D${i} on Flow { id label description codec container }`).join(' ')}`,
  'at the bound: fragments nested 10 deep': chain(10, (next) => `__typename ${next}`),
  'at the bound: 500 spreads': `{ flows { nodes { ...A } } } fragment A on Flow { ${'...B '.repeat(499)}} fragment B on Flow { id }`,
  'inline fragments nested 1,000 deep': `{ ${'... on Query { '.repeat(1000)}__typename${' }'.repeat(1000)} }`,
};

const oldRules = [...specifiedRules, ...limitRules(), finiteNumbersRule];
const supergraph = Supergraph.build(loadSdl('supergraph').text);
const api = supergraph.apiSchema();
const apiSchema = api.toGraphQLJSSchema();
const planner = new QueryPlanner(supergraph);

/** The old path: validate without fragment bounds, plan when valid. Returns what happened. */
function unbounded(query: string): string {
  const document = parse(query, { maxTokens: MAX_GRAPHQL_TOKENS });
  const errors = validate(apiSchema, document, oldRules);
  if (errors.length) return `invalid (${errors[0]!.message.slice(0, 40)}...)`;
  planner.buildQueryPlan(operationFromDocument(api, document));
  return 'planned';
}

function cpuMs(f: () => unknown): number {
  const start = process.cpuUsage();
  f();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

async function cpuMsAsync(f: () => Promise<unknown>): Promise<number> {
  const start = process.cpuUsage();
  await f();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const dir = mkdtempSync(join(tmpdir(), 'tams-fragment-bench-'));
const service = await startService(
  loadConfig({ TAMS_DATA_DIR: dir, TAMS_PORT: '0', TAMS_AUTH: 'off' }),
  'embedded',
  { log: createLogger('silent'), version: 'bench' },
);
try {
  let n = 0;
  const fresh = (query: string) => `${query} # ${n++}`;
  const post = async (query: string) => {
    const send = () =>
      fetch(service.graphqlUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: fresh(query) }),
      });
    // A keep-alive connection the server closed as idle just as it was reused: send again.
    const r = await send().catch(send);
    const body = (await r.json()) as { errors?: { extensions?: { code?: string } }[] };
    return `${r.status} ${body.errors?.[0]?.extensions?.code ?? 'ok'}`;
  };
  // Warm-up: JIT, caches of the normal query's plan are avoided by the fresh comment anyway.
  for (let i = 0; i < 3; i++) {
    unbounded(fresh(DOCUMENTS['normal query']!));
    await post(DOCUMENTS['normal query']!);
  }
  const rows: { document: string; unboundedMs: number; outcome: string; httpMs: number; answer: string }[] =
    [];
  for (const [name, query] of Object.entries(DOCUMENTS)) {
    const before: number[] = [];
    const after: number[] = [];
    let outcome = '';
    let answer = '';
    // The baseline is short and noisy: measured five times as often.
    const rounds = name === 'normal query' ? ROUNDS * 5 : ROUNDS;
    for (let round = 0; round < rounds; round++) {
      before.push(cpuMs(() => (outcome = unbounded(fresh(query)))));
      after.push(await cpuMsAsync(async () => (answer = await post(query))));
    }
    rows.push({ document: name, unboundedMs: median(before), outcome, httpMs: median(after), answer });
  }
  const base = rows[0]!;
  console.log(
    `CPU ms per request, median of ${ROUNDS} (node ${process.version}); ratios against the normal query\n`,
  );
  console.log(
    `${'document'.padEnd(40)} ${'unbounded'.padStart(10)} ${'ratio'.padStart(7)}  ${'http now'.padStart(9)} ${'ratio'.padStart(6)}  answer now`,
  );
  for (const r of rows)
    console.log(
      `${r.document.padEnd(40)} ${r.unboundedMs.toFixed(1).padStart(10)} ${(r.unboundedMs / base.unboundedMs).toFixed(1).padStart(6)}x  ${r.httpMs.toFixed(1).padStart(9)} ${(r.httpMs / base.httpMs).toFixed(1).padStart(5)}x  ${r.answer}  (unbounded: ${r.outcome})`,
    );
  console.log(JSON.stringify({ bench: 'graphql-fragments', rounds: ROUNDS, rows }));
} finally {
  await service.close();
  rmSync(dir, { recursive: true, force: true });
}
