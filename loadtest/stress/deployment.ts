/**
 * The deployments the stress runs load, as real processes started with the `tams` CLI (so a crash is a
 * process exit, and RSS is the server's alone): one embedded store on SQLite, or distributed mode
 * (gateway, media and analytics roles) on a PostgreSQL server and a redis-server of the run's own,
 * which the fault run crashes and restarts. Never the machine's shared PostgreSQL (5432) or Redis (6379).
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestRedisServer } from '../../lib/cache/test-support/redis-server.js';
import { startRedisServer } from '../../lib/cache/test-support/redis-server.js';
import { loadConfig } from '../../lib/config/config.js';
import type { OwnPostgres } from '../../lib/executor/test-support/postgres-server.js';
import { startOwnPostgres } from '../../lib/executor/test-support/postgres-server.js';
import { freePort } from '../../lib/test-support/free-port.js';
import { bearer, createToken } from '../../test/support/admin-token.js';
import { CLI } from '../../test/support/cli.js';

/** One `tams serve` process. */
export interface RoleProcess {
  readonly role: string;
  readonly url: string;
  readonly pid: number;
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output(): string;
}

/** How long a process gets to print its address (a hang guard: a busy machine can take long). */
const START_LIMIT_MS = 120_000;

export function startRole(role: string, env: Readonly<Record<string, string>>): Promise<RoleProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'serve', '--role', role], {
    env: { ...process.env, TAMS_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  // The log is kept (bounded) for a failure report; a process that logs nothing still drains its pipe.
  const keep = (d: Buffer) => (output = (output + d.toString()).slice(-200_000));
  child.stdout.on('data', keep);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${role} did not start within ${START_LIMIT_MS} ms:\n${output}`));
    }, START_LIMIT_MS);
    child.stderr.on('data', (d: Buffer) => {
      keep(d);
      const url = /listening on (http:\/\/[^;\s]+);/.exec(output)?.[1];
      if (url) {
        clearTimeout(timer);
        resolve({ role, url, pid: child.pid!, child, exited, output: () => output });
      }
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`${role} exited (${code ?? signal}) before listening:\n${output}`));
    });
  });
}

export async function stopProcess(p: RoleProcess | undefined, signal: NodeJS.Signals = 'SIGTERM') {
  if (!p || p.child.exitCode !== null || p.child.signalCode !== null) return;
  // A stopped process (the hung-part fault) handles a signal only once it runs again.
  if (signal !== 'SIGKILL') p.child.kill('SIGCONT');
  p.child.kill(signal);
  await p.exited;
}

export interface EmbeddedDeployment {
  readonly server: RoleProcess;
  readonly headers: Record<string, string>;
  close(): Promise<void>;
}

/** One embedded store (SQLite, filesystem objects) in a temporary directory, authentication on. */
export async function startEmbedded(env: Readonly<Record<string, string>> = {}): Promise<EmbeddedDeployment> {
  const dir = mkdtempSync(join(tmpdir(), 'tams-stress-'));
  const server = await startRole('embedded', { TAMS_DATA_DIR: dir, TAMS_PORT: '0', ...env }).catch(
    (error: unknown) => {
      rmSync(dir, { recursive: true, force: true });
      throw error;
    },
  );
  const token = await createToken(loadConfig({ TAMS_DATA_DIR: dir }).database);
  return {
    server,
    headers: bearer(token),
    async close() {
      await stopProcess(server);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The media and analytics roles on `ports` and a gateway over them (with `gatewayEnv`), started side by
 * side (each start is seconds of module loading through tsx): every role migrates the shared database
 * at start, in turn under the migrations' advisory lock, and the gateway reads the supergraph from the
 * repository, so it needs the subgraphs' addresses, not their answers. Each role that started is pushed
 * to `started`, for the caller to stop, even when another did not; then the first failure is thrown.
 */
export async function startSideBySide(
  shared: Readonly<Record<string, string>>,
  ports: { readonly media: number; readonly analytics: number },
  gatewayEnv: Readonly<Record<string, string>>,
  started: RoleProcess[],
): Promise<{ media: RoleProcess; analytics: RoleProcess; gateway: RoleProcess }> {
  const starting = await Promise.allSettled([
    startRole('media', { ...shared, TAMS_PORT: String(ports.media) }),
    startRole('analytics', { ...shared, TAMS_PORT: String(ports.analytics) }),
    startRole('gateway', {
      ...shared,
      TAMS_PORT: '0',
      TAMS_MEDIA_URL: `http://127.0.0.1:${ports.media}/graphql`,
      TAMS_ANALYTICS_URL: `http://127.0.0.1:${ports.analytics}/graphql`,
      ...gatewayEnv,
    }),
  ]);
  for (const s of starting) if (s.status === 'fulfilled') started.push(s.value);
  const failed = starting.find((s) => s.status === 'rejected');
  if (failed) throw failed.reason;
  const [media, analytics, gateway] = starting.map((s) => (s as PromiseFulfilledResult<RoleProcess>).value);
  return { media: media!, analytics: analytics!, gateway: gateway! };
}

export interface DistributedDeployment {
  readonly gateway: RoleProcess;
  /** The media role now (replaced by `restartMedia`). */
  media(): RoleProcess;
  readonly analytics: RoleProcess;
  readonly postgres: OwnPostgres;
  readonly redis: TestRedisServer;
  readonly headers: Record<string, string>;
  /** Kills the media role with SIGKILL (a crash) and resolves once it is gone. */
  killMedia(): Promise<void>;
  /** Starts the media role again on the same port. */
  restartMedia(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Distributed mode: media, analytics and gateway roles on a PostgreSQL and a redis-server of the run's
 * own. The media role listens on a fixed port (the gateway's TAMS_MEDIA_URL), so a restart takes it back.
 */
export async function startDistributed(
  env: Readonly<Record<string, string>> = {},
): Promise<DistributedDeployment> {
  const dir = mkdtempSync(join(tmpdir(), 'tams-stress-distributed-'));
  const started: RoleProcess[] = [];
  let postgres: OwnPostgres | undefined;
  let redis: TestRedisServer | undefined;
  const close = async () => {
    await Promise.all(started.map((p) => stopProcess(p)));
    await redis?.stop();
    await postgres?.close();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    [postgres, redis] = await Promise.all([startOwnPostgres(), startRedisServer()]);
    const [mediaPort, analyticsPort] = await Promise.all([freePort(), freePort()]);
    const shared = {
      TAMS_DATABASE_URL: postgres.url,
      TAMS_REDIS_URL: redis.url,
      TAMS_DATA_DIR: dir,
      TAMS_INTERNAL_SECRET: randomBytes(24).toString('hex'),
      ...env,
    };
    const mediaEnv = { ...shared, TAMS_PORT: String(mediaPort) };
    const roles = await startSideBySide(shared, { media: mediaPort, analytics: analyticsPort }, {}, started);
    const { analytics, gateway } = roles;
    let media = roles.media;
    const token = await createToken({
      kind: 'postgres',
      url: postgres.url,
      poolSize: 2,
      statementTimeoutMs: 30_000,
    });
    const pg = postgres;
    const rd = redis;
    return {
      gateway,
      media: () => media,
      analytics,
      postgres: pg,
      redis: rd,
      headers: bearer(token),
      killMedia: () => stopProcess(media, 'SIGKILL'),
      async restartMedia() {
        media = await startRole('media', mediaEnv);
        started.push(media);
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
