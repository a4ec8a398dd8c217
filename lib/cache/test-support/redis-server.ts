import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WAIT_LIMIT_MS } from '../../test-support/eventually.js';
import { freePort } from '../../test-support/free-port.js';

/**
 * A `redis-server` of a test's own, on a free port, without persistence unless asked (`SAVE` still
 * writes a dump to its directory, which a restart loads). Never the machine's Redis on 6379. Tests
 * that need one fail, not skip, when redis-server is not installed.
 */
export interface TestRedisServer {
  readonly port: number;
  readonly url: string;
  /** Its working directory (dump.rdb lives there). */
  readonly dir: string;
  /** SIGKILL, as a crash: waits until the process is gone. */
  kill(): Promise<void>;
  /** Starts it again on the same port and directory (loading dump.rdb if a `SAVE` wrote one). */
  restart(): Promise<void>;
  /** SIGSTOP: connections stay open and nothing answers, as a hung server. */
  pause(): void;
  /** SIGCONT. */
  resume(): void;
  /** Kills it and removes its directory. */
  stop(): Promise<void>;
}

/** Spawns redis-server and resolves once it accepts connections; rejects with its output when it exits first. */
function launch(port: number, dir: string): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`redis-server on port ${port} was not ready after ${WAIT_LIMIT_MS} ms:\n${output}`));
    }, WAIT_LIMIT_MS);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        child.stdout?.resume();
        resolve(child);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(
        error.code === 'ENOENT'
          ? new Error(
              'redis-server is not installed (apt-get install redis-server): the Redis cache tests need it',
            )
          : error,
      );
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(
        new Error(`redis-server on port ${port} exited (${signal ?? code}) before it was ready:\n${output}`),
      );
    });
  });
}

const exited = (child: ChildProcess): Promise<void> =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => child.once('exit', () => resolve()));

export async function startRedisServer(): Promise<TestRedisServer> {
  const dir = mkdtempSync(join(tmpdir(), 'tams-redis-'));
  let port = 0;
  let child: ChildProcess | null = null;
  // Another process may take the free port before redis-server binds it: try a few.
  for (let attempt = 1; child === null; attempt++) {
    port = await freePort();
    try {
      child = await launch(port, dir);
    } catch (error) {
      if (attempt >= 5 || !(error instanceof Error) || !/Address already in use/.test(error.message)) {
        rmSync(dir, { recursive: true, force: true });
        throw error;
      }
    }
  }
  // A test process that dies must not leave its server behind.
  const reap = () => child?.kill('SIGKILL');
  process.once('exit', reap);

  const kill = async () => {
    if (!child) return;
    const dying = child;
    child = null;
    dying.kill('SIGKILL');
    await exited(dying);
  };
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    dir,
    kill,
    async restart() {
      await kill();
      child = await launch(port, dir);
    },
    pause() {
      child?.kill('SIGSTOP');
    },
    resume() {
      child?.kill('SIGCONT');
    },
    async stop() {
      await kill();
      process.off('exit', reap);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
