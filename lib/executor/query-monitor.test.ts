import { describe, expect, it } from 'vitest';
import { describeStatement, QueryMonitor, shapeOf } from './query-monitor.js';

describe('query monitor', () => {
  it('describes statements by kind and table, and keeps their shape without values', () => {
    expect(describeStatement('SELECT "a" FROM "segments" WHERE "flow_id" = $1')).toEqual({
      kind: 'select',
      table: 'segments',
    });
    expect(describeStatement('WITH v AS (SELECT x FROM "segments") SELECT count(*) FROM v').kind).toBe(
      'aggregate',
    );
    expect(describeStatement('INSERT INTO "objects" (id) VALUES (?)')).toEqual({
      kind: 'insert',
      table: 'objects',
    });
    expect(describeStatement('UPDATE "flows" SET x = 1')).toEqual({ kind: 'update', table: 'flows' });
    expect(describeStatement('DELETE FROM "segments"')).toEqual({ kind: 'delete', table: 'segments' });
    expect(describeStatement('BEGIN')).toEqual({ kind: 'other', table: '-' });
    expect(
      shapeOf(`SELECT * FROM "t"  WHERE a = 'x''y' AND b >= CAST(1700000000000000000 AS BIGINT)\n LIMIT 10`),
    ).toBe('SELECT * FROM "t" WHERE a = ? AND b >= CAST(? AS BIGINT) LIMIT ?');
  });

  it('counts per kind with p50/p99 over a bounded window, keeps the slowest recent, tells listeners', () => {
    let now = 0;
    const monitor = new QueryMonitor({ slowest: 3, slowestForMs: 1000, window: 100, clock: () => now });
    const seen: number[] = [];
    monitor.onQuery((r) => seen.push(r.seconds));
    for (let i = 1; i <= 200; i++) monitor.record('SELECT 1 FROM "flows"', 'sqlite', 1, i / 1000);
    monitor.record('SELECT count(*) FROM "segments"', 'postgres', 1, 5);
    const [select, aggregate] = monitor.kinds();
    // The window holds the last 100 selects: 0.101 .. 0.200 s.
    expect(select).toEqual({ kind: 'select', count: 200, p50: 0.15, p99: 0.199 });
    expect(aggregate).toEqual({ kind: 'aggregate', count: 1, p50: 5, p99: 5 });
    expect(monitor.slowest().map((r) => [r.kind, r.table, r.seconds])).toEqual([
      ['aggregate', 'segments', 5],
      ['select', 'flows', 0.2],
      ['select', 'flows', 0.199],
    ]);
    expect(seen).toHaveLength(201);
    now = 2000; // the slow ones are no longer recent
    expect(monitor.slowest()).toEqual([]);
    monitor.record('SELECT 1 FROM "flows"', 'sqlite', 1, 0.001);
    expect(monitor.slowest().map((r) => r.seconds)).toEqual([0.001]);
  });

  it('counts per database server too: the primary and each read endpoint', () => {
    const monitor = new QueryMonitor();
    monitor.record('SELECT 1 FROM "flows"', 'postgres', 1, 0.002);
    monitor.record('SELECT 1 FROM "flows"', 'postgres', 1, 0.004, 'standby:5433/tams');
    monitor.record('SELECT 1 FROM "segments"', 'postgres', 1, 0.006, 'standby:5433/tams');
    expect(monitor.endpoints()).toEqual([
      { endpoint: 'standby:5433/tams', count: 2, p50: 0.004, p99: 0.006 },
      { endpoint: 'primary', count: 1, p50: 0.002, p99: 0.002 },
    ]);
    expect(monitor.slowest().map((r) => r.endpoint)).toEqual([
      'standby:5433/tams',
      'standby:5433/tams',
      'primary',
    ]);
  });
});
