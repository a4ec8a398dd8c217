import { InvalidQueryError } from '../errors.js';
import type { OutboxEvent } from '../types.js';
import { checkLimit, rowDecoder } from './compile-select.js';
import { limitClause, Params, quoteIdent } from './dialect.js';
import type { SqlRunner } from './runner.js';
import { TableInfo } from './table-info.js';

/** Unreleased rows numbered per release: bounds one release transaction after a long backlog. */
const RELEASE_BATCH = 10_000;

/**
 * `Executor.readOutbox`: released events after a position. When the page is not full, committed rows
 * not released yet are released first (on backends that need it) and the page is read again.
 */
export async function readOutbox(
  runner: SqlRunner,
  afterPosition: bigint,
  limit: number,
): Promise<OutboxEvent[]> {
  if (typeof afterPosition !== 'bigint' || afterPosition < 0n)
    throw new InvalidQueryError(
      'INVALID_QUERY',
      `readOutbox: afterPosition must be a bigint >= 0n (0n reads from the first event), got ${String(afterPosition)}`,
    );
  checkLimit(limit);
  const page = await readReleased(runner, afterPosition, limit);
  // A reader never waits for another releaser: what it releases shows up on the next read.
  if (page.length === limit || !(await releaseOutbox(runner, 'try'))) return page;
  return readReleased(runner, afterPosition, limit);
}

/**
 * Gives committed, unreleased rows their positions (on backends that need it), in the caller's
 * transaction when the runner is in one, else in its own; resolves to whether any were released.
 * `try` gives up when another releaser is at work; `all` waits for it and releases every row that
 * committed before the call.
 */
async function releaseOutbox(runner: SqlRunner, mode: 'try' | 'all'): Promise<boolean> {
  const release = runner.dialect.outbox.release;
  if (!release) return false;
  return runner.inTransaction(async (tx) => {
    if (mode === 'try') {
      const [lock] = await tx.all(release.tryLock, []);
      if (lock?.ok !== true) return false;
    } else {
      await tx.all(release.lock, []);
    }
    let any = false;
    for (;;) {
      const released = await tx.write(
        release.release(tx.dialect.placeholder(1)),
        [RELEASE_BATCH],
        'event_outbox',
      );
      any ||= released > 0;
      if (mode === 'try' || released < RELEASE_BATCH) return any;
    }
  });
}

async function readReleased(runner: SqlRunner, after: bigint, limit: number): Promise<OutboxEvent[]> {
  const { dialect } = runner;
  const table = TableInfo.of('event_outbox');
  const decoder = rowDecoder(table, table.columnNames, dialect);
  const position = quoteIdent(dialect.outbox.position);
  const params = new Params(dialect);
  const sql =
    `SELECT ${decoder.physical.map((c) => quoteIdent(c.name)).join(', ')}, ${position} AS "position" ` +
    `FROM event_outbox WHERE ${position} > ${params.add(dialect.toParam('int8', after))} ` +
    `ORDER BY ${position} ${limitClause(limit)}`;
  const raw = await runner.all(sql, params.values);
  return raw.map((r) => ({
    ...(decoder.decode(r) as Omit<OutboxEvent, 'position'>),
    position: dialect.fromResult('int8', r.position) as bigint,
  }));
}

/**
 * `outboxHead`: the highest position, after releasing what has committed, so a consumer starting there
 * gets exactly the events committed from then on.
 */
export async function outboxHead(runner: SqlRunner): Promise<bigint> {
  await releaseOutbox(runner, 'all');
  const position = quoteIdent(runner.dialect.outbox.position);
  const [row] = await runner.all(`SELECT max(${position}) AS head FROM event_outbox`, []);
  return (runner.dialect.fromResult('int8', row?.head ?? null) as bigint | null) ?? 0n;
}

/**
 * `pruneOutbox`: deletes at most `limit` released events at or before `throughPosition` whose
 * `event_timestamp` is before `olderThan`, oldest first. The newest released row always stays: positions
 * continue from it (PostgreSQL numbers a release after the highest position left, decisions.md §8), so
 * deleting it would hand out positions again that consumers have already passed.
 */
export async function pruneOutbox(
  runner: SqlRunner,
  throughPosition: bigint,
  olderThan: Date,
  limit: number,
): Promise<number> {
  if (typeof throughPosition !== 'bigint' || throughPosition < 0n)
    throw new InvalidQueryError(
      'INVALID_QUERY',
      `pruneOutbox: throughPosition must be a bigint >= 0n, got ${String(throughPosition)}`,
    );
  if (!(olderThan instanceof Date) || Number.isNaN(olderThan.getTime()))
    throw new InvalidQueryError('INVALID_QUERY', 'pruneOutbox: olderThan must be a valid Date');
  checkLimit(limit);
  const { dialect } = runner;
  const position = quoteIdent(dialect.outbox.position);
  const params = new Params(dialect);
  const through = params.add(dialect.toParam('int8', throughPosition));
  const before = params.add(dialect.toParam('datetime', olderThan));
  const sql =
    `DELETE FROM event_outbox WHERE seq IN (SELECT seq FROM event_outbox ` +
    `WHERE ${position} <= ${through} AND event_timestamp < ${before} ` +
    `AND ${position} < (SELECT max(${position}) FROM event_outbox) ` +
    `ORDER BY ${position} ${limitClause(limit)})`;
  return runner.write(sql, params.values, 'event_outbox');
}
