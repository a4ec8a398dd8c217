/**
 * What `npm run bench` measures, in one child process (so its CPU and RSS are the server's alone, read
 * from /proc by the bench): on one SQLite data directory,
 *
 * - the embedded store (gateway with both subgraphs in process, REST shim, object endpoint), auth on;
 * - the same store with TAMS_CACHE=off (what the cache tier is worth), reading the same file;
 * - the media subgraph served on its own, as distributed mode's media role runs it (`media-direct`:
 *   what a query costs without the gateway), authenticated with the internal token like any subgraph;
 * - the bare baselines (bare-handlers.ts): node:http handlers with hand-written SQL on the same database
 *   file and the same presigner, and the executor's raw batch insert.
 *
 * Started by loadtest/bench/bench.ts with BENCH_DATA_DIR and BENCH_INTERNAL_SECRET; prints one JSON line
 * `{"target": {gateway, noCache, media, bare}}` once all listen, and stops everything on SIGTERM.
 */
import { createLogger } from '../../gateway/logger.js';
import { openObjectStorage } from '../../gateway/object-storage.js';
import { startService } from '../../gateway/service.js';
import { loadConfig } from '../../lib/config/config.js';
import { openExecutor } from '../../lib/executor/index.js';
import { startBareHandlers } from './bare-handlers.js';

const dataDir = process.env.BENCH_DATA_DIR;
const internalSecret = process.env.BENCH_INTERNAL_SECRET;
if (!dataDir || !internalSecret) {
  console.error('target.ts: set BENCH_DATA_DIR and BENCH_INTERNAL_SECRET (loadtest/bench/bench.ts does)');
  process.exit(2);
}
const log = createLogger('warn');
const env = { TAMS_DATA_DIR: dataDir, TAMS_PORT: '0', TAMS_LOG_LEVEL: 'warn' };
const config = loadConfig(env);
const gateway = await startService(config, 'embedded', { log, version: 'bench' });
// The media role on the same database file; the object store URLs it signs point at the gateway, as
// in distributed mode (TAMS_PUBLIC_URL), so its answers carry the same URLs.
const media = await startService(
  loadConfig({ ...env, TAMS_INTERNAL_SECRET: internalSecret, TAMS_PUBLIC_URL: gateway.url }),
  'media',
  { log, version: 'bench' },
);
const noCache = await startService(loadConfig({ ...env, TAMS_CACHE: 'off' }), 'embedded', {
  log,
  version: 'bench',
});
const executor = await openExecutor(config.database);
const objects = await openObjectStorage(config.objects, gateway.url, log);
if (config.database.kind !== 'sqlite')
  throw new Error('target.ts: the bench runs the embedded (SQLite) store');
const bare = await startBareHandlers({ databasePath: config.database.path, executor, storage: objects.spec });

console.log(
  JSON.stringify({
    target: { gateway: gateway.url, noCache: noCache.url, media: media.url, bare: bare.url },
  }),
);

process.once('SIGTERM', () => {
  void (async () => {
    await bare.close();
    await executor.close();
    await media.close();
    await noCache.close();
    await gateway.close();
    process.exit(0);
  })();
});
