import { execFile } from 'node:child_process';
import {
  appendFileSync,
  chmodSync,
  chownSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { eventually } from '../../test-support/eventually.js';
import { freePort } from '../../test-support/free-port.js';

const run = promisify(execFile);

/**
 * The PostgreSQL server binaries of the machine (Debian's /usr/lib/postgresql/<major>/bin, or
 * TAMS_TEST_PG_BIN), run for a test's or a stress run's own servers: never the machine's server on 5432.
 */
export function binDir(): string {
  const override = process.env.TAMS_TEST_PG_BIN;
  if (override) return override;
  const root = '/usr/lib/postgresql';
  let majors: string[];
  try {
    majors = readdirSync(root).sort((a, b) => Number(b) - Number(a));
  } catch {
    majors = [];
  }
  if (!majors[0])
    throw new Error(
      `the PostgreSQL server binaries are required for the replica tests and are not in ${root} ` +
        '(apt-get install postgresql, or set TAMS_TEST_PG_BIN to their folder)',
    );
  return join(root, majors[0], 'bin');
}

export const asRoot = process.getuid?.() === 0;

/** Runs a PostgreSQL binary as the `postgres` user when we are root (it refuses root). */
export async function pgTool(bin: string, tool: string, args: string[]): Promise<string> {
  const command = asRoot ? 'runuser' : join(bin, tool);
  const argv = asRoot ? ['-u', 'postgres', '--', join(bin, tool), ...args] : args;
  try {
    const { stdout } = await run(command, argv, { maxBuffer: 16 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    throw new Error(`${tool} ${args.join(' ')} failed: ${e.stderr || e.message}`);
  }
}

export async function waitAccepting(url: string): Promise<void> {
  await eventually(async () => {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return true;
    } catch {
      return false;
    } finally {
      await client.end().catch(() => undefined);
    }
  }, `PostgreSQL at ${url} to accept connections`);
}

/** A PostgreSQL server of one's own, on a free port, that can be stopped (as a crash or a restart) and started. */
export interface OwnPostgres {
  /** postgres:// URL of database `tams`. */
  readonly url: string;
  /** `immediate`: the server dies at once, connections cut, as a crash (WAL replay on start); `fast`: a clean stop. */
  stop(mode: 'immediate' | 'fast'): Promise<void>;
  /** Starts it again; resolves when it accepts connections. */
  start(): Promise<void>;
  /** Stops it and removes its directory. */
  close(): Promise<void>;
}

/** `initdb`s a server under a temporary directory on a free port, with database `tams`, and starts it. */
export async function startOwnPostgres(): Promise<OwnPostgres> {
  const bin = binDir();
  const dir = mkdtempSync(join(tmpdir(), 'tams-pg-own-'));
  chmodSync(dir, 0o755);
  if (asRoot) {
    const uid = Number((await run('id', ['-u', 'postgres'])).stdout.trim());
    const gid = Number((await run('id', ['-g', 'postgres'])).stdout.trim());
    chownSync(dir, uid, gid);
  }
  const port = await freePort();
  const data = join(dir, 'data');
  const url = `postgres://postgres@127.0.0.1:${port}/tams`;
  let running = false;
  const pgCtl = (...args: string[]) =>
    pgTool(bin, 'pg_ctl', ['-D', data, '-l', join(dir, 'server.log'), ...args]);
  const stop = async (mode: 'immediate' | 'fast') => {
    if (!running) return;
    await pgCtl('-m', mode, '-w', 'stop');
    running = false;
  };
  const close = async () => {
    await stop('immediate').catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await pgTool(bin, 'initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
    appendFileSync(
      join(data, 'postgresql.conf'),
      [
        '',
        `port = ${port}`,
        "listen_addresses = '127.0.0.1'",
        `unix_socket_directories = '${dir}'`,
        // Commits reach the OS before they are acknowledged (a crash of the server loses nothing); only
        // a crash of the machine could, which no run here simulates.
        'fsync = off',
        'full_page_writes = off',
        'shared_buffers = 32MB',
        'max_connections = 200',
        '',
      ].join('\n'),
    );
    await pgCtl('-w', 'start');
    running = true;
    const admin = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${port}/postgres` });
    await admin.connect();
    await admin.query('CREATE DATABASE tams');
    await admin.end();
  } catch (error) {
    await close();
    throw error;
  }
  return {
    url,
    stop,
    async start() {
      await pgCtl('-w', 'start').catch((error: Error) => {
        const log = readFileSync(join(dir, 'server.log'), 'utf8').slice(-2000);
        throw new Error(`${error.message}\nserver.log:\n${log}`);
      });
      running = true;
      await waitAccepting(url);
    },
    close,
  };
}
