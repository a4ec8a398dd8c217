import { execFile } from 'node:child_process';
import {
  appendFileSync,
  chmodSync,
  chownSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from '../../test-support/free-port.js';
import { asRoot, binDir, pgTool, waitAccepting } from './postgres-server.js';

const run = promisify(execFile);

/**
 * A PostgreSQL primary and a real streaming standby of it, of a test's own: `initdb` a primary on a
 * free port, `pg_basebackup -R` it into a standby on another, both under a temporary directory and
 * removed afterwards. Debian's binaries (/usr/lib/postgresql/<major>/bin); PostgreSQL refuses to run
 * as root, so as root they run as the `postgres` user (runuser). Never the machine's server on 5432.
 * Tests that need one fail, not skip, when the binaries are missing.
 */
export interface ReplicatedPostgres {
  /** postgres:// URL of database `tams` on the primary. */
  readonly primaryUrl: string;
  /** The same database on the standby (read-only). */
  readonly standbyUrl: string;
  /** Stops the standby (fast shutdown: connections are cut). */
  stopStandby(): Promise<void>;
  /** Starts it again; resolves when it accepts connections. */
  startStandby(): Promise<void>;
  /**
   * Sets the standby's `recovery_min_apply_delay` (0 for none) and reloads it. A delay resolves only
   * once it is in effect (the reload is a signal the startup process takes up when it will: a write
   * made before that is replayed at once).
   */
  delayReplay(ms: number): Promise<void>;
  /** Stops both servers and removes their directory. */
  close(): Promise<void>;
}

export async function startReplicatedPostgres(): Promise<ReplicatedPostgres> {
  const bin = binDir();
  const dir = mkdtempSync(join(tmpdir(), 'tams-pg-replica-'));
  chmodSync(dir, 0o755);
  if (asRoot) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const uid = Number(stdout.trim());
    const gid = Number((await run('id', ['-g', 'postgres'])).stdout.trim());
    chownSync(dir, uid, gid);
  }
  const [primaryPort, standbyPort] = [await freePort(), await freePort()];
  const primary = join(dir, 'primary');
  const standby = join(dir, 'standby');
  const url = (port: number) => `postgres://postgres@127.0.0.1:${port}/tams`;
  const started = { primary: false, standby: false };
  const pgCtl = (data: string, ...args: string[]) =>
    pgTool(bin, 'pg_ctl', [
      '-D',
      data,
      '-l',
      join(dir, `${data === primary ? 'primary' : 'standby'}.log`),
      ...args,
    ]);
  const conf = (data: string, lines: string[]) =>
    appendFileSync(join(data, 'postgresql.conf'), `\n${lines.join('\n')}\n`);
  const close = async () => {
    if (started.standby) await pgCtl(standby, '-m', 'immediate', '-w', 'stop').catch(() => undefined);
    if (started.primary) await pgCtl(primary, '-m', 'immediate', '-w', 'stop').catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await pgTool(bin, 'initdb', ['-D', primary, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
    conf(primary, [
      `port = ${primaryPort}`,
      "listen_addresses = '127.0.0.1'",
      `unix_socket_directories = '${dir}'`,
      'wal_level = replica',
      'max_wal_senders = 4',
      'fsync = off',
      'full_page_writes = off',
      'shared_buffers = 32MB',
    ]);
    await pgCtl(primary, '-w', 'start');
    started.primary = true;
    const admin = new pg.Client({
      connectionString: `postgres://postgres@127.0.0.1:${primaryPort}/postgres`,
    });
    await admin.connect();
    await admin.query('CREATE DATABASE tams');
    await admin.end();
    await pgTool(bin, 'pg_basebackup', [
      '-h',
      '127.0.0.1',
      '-p',
      String(primaryPort),
      '-U',
      'postgres',
      '-D',
      standby,
      '-R',
      '-X',
      'stream',
      '--no-sync',
      // Not a spread checkpoint: that waits for most of checkpoint_timeout (minutes).
      '--checkpoint=fast',
    ]);
    conf(standby, [`port = ${standbyPort}`, 'hot_standby = on']);
    await pgCtl(standby, '-w', 'start');
    started.standby = true;
    await waitAccepting(url(standbyPort));
  } catch (error) {
    await close();
    throw error;
  }
  const autoConf = join(standby, 'postgresql.auto.conf');
  return {
    primaryUrl: url(primaryPort),
    standbyUrl: url(standbyPort),
    async stopStandby() {
      await pgCtl(standby, '-m', 'fast', '-w', 'stop');
      started.standby = false;
    },
    async startStandby() {
      await pgCtl(standby, '-w', 'start');
      started.standby = true;
      await waitAccepting(url(standbyPort));
    },
    async delayReplay(ms) {
      const kept = readFileSync(autoConf, 'utf8')
        .split('\n')
        .filter((line) => !line.startsWith('recovery_min_apply_delay'));
      writeFileSync(autoConf, [...kept, `recovery_min_apply_delay = '${ms}ms'`, ''].join('\n'));
      await pgCtl(standby, 'reload');
      if (ms > 0) await replayDelayed(url(primaryPort), url(standbyPort));
    },
    close,
  };
}

/**
 * Commits a transaction on the primary until the standby's startup process is seen holding one back
 * (wait event RecoveryApplyDelay): from then on nothing later is replayed before the delay passes.
 */
async function replayDelayed(primaryUrl: string, standbyUrl: string): Promise<void> {
  const primary = new pg.Client({ connectionString: primaryUrl });
  const standby = new pg.Client({ connectionString: standbyUrl });
  await primary.connect();
  try {
    await standby.connect();
    for (let commit = 0; commit < 100; commit++) {
      // A transaction with an xid writes a commit record: the kind of record the delay holds back.
      await primary.query('BEGIN');
      await primary.query('SELECT pg_current_xact_id()');
      await primary.query('COMMIT');
      for (let look = 0; look < 20; look++) {
        const { rowCount } = await standby.query(
          "SELECT 1 FROM pg_stat_activity WHERE backend_type = 'startup' AND wait_event = 'RecoveryApplyDelay'",
        );
        if (rowCount) return;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    throw new Error(
      'the standby never held a commit back after recovery_min_apply_delay was set: see its log in the test directory',
    );
  } finally {
    await primary.end();
    await standby.end().catch(() => undefined);
  }
}
