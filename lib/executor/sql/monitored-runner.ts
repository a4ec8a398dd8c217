import { performance } from 'node:perf_hooks';
import type { QueryMonitor } from '../query-monitor.js';
import type { RawRow } from './compile-select.js';
import type { PhysicalRows } from './compile-write.js';
import type { SqlRunner } from './runner.js';

/** A runner that reports every statement it runs (duration, rows, failures too) to a QueryMonitor. */
export class MonitoredRunner implements SqlRunner {
  readonly insertEachRow?: SqlRunner['insertEachRow'];

  constructor(
    private readonly inner: SqlRunner,
    private readonly monitor: QueryMonitor,
    /** Which database server runs the statements: `primary`, or a read endpoint's name. */
    private readonly endpoint = 'primary',
  ) {
    const eachRow = inner.insertEachRow?.bind(inner);
    if (eachRow)
      this.insertEachRow = (rows) =>
        this.timed(
          insertShape(rows),
          () => eachRow(rows),
          (failures) => failures.filter((f) => f === undefined).length,
        );
  }

  get dialect() {
    return this.inner.dialect;
  }

  private async timed<R>(sql: string, run: () => Promise<R>, rowsOf: (r: R) => number): Promise<R> {
    const started = performance.now();
    let rows = 0;
    try {
      const result = await run();
      rows = rowsOf(result);
      return result;
    } finally {
      this.monitor.record(
        sql,
        this.inner.dialect.name,
        rows,
        (performance.now() - started) / 1000,
        this.endpoint,
      );
    }
  }

  all(sql: string, params: readonly unknown[]): Promise<RawRow[]> {
    return this.timed(
      sql,
      () => this.inner.all(sql, params),
      (r) => r.length,
    );
  }

  writeReturning(sql: string, params: readonly unknown[], table: string): Promise<RawRow[]> {
    return this.timed(
      sql,
      () => this.inner.writeReturning(sql, params, table),
      (r) => r.length,
    );
  }

  write(sql: string, params: readonly unknown[], table: string): Promise<number> {
    return this.timed(
      sql,
      () => this.inner.write(sql, params, table),
      (n) => n,
    );
  }

  insertRows(rows: PhysicalRows, suffix?: string): Promise<{ count: number; returned: RawRow[] }> {
    return this.timed(
      insertShape(rows, suffix),
      () => this.inner.insertRows(rows, suffix),
      (r) => r.count,
    );
  }

  inTransaction<R>(fn: (tx: SqlRunner) => Promise<R>): Promise<R> {
    return this.inner.inTransaction((tx) =>
      fn(tx instanceof MonitoredRunner ? tx : new MonitoredRunner(tx, this.monitor)),
    );
  }

  savepoint<R>(fn: () => Promise<R>): Promise<R> {
    return this.inner.savepoint(fn);
  }

  explain(sql: string, params: readonly unknown[]): Promise<string> {
    return this.inner.explain(sql, params);
  }
}

/** An insert's shape: its table and columns (the backend builds the text; the values never show). */
function insertShape(rows: PhysicalRows, suffix?: string): string {
  return `INSERT INTO "${rows.table.name}" (${rows.columns.map((c) => c.name).join(', ')})${suffix ? ` ${suffix}` : ''}`;
}

/** The runner itself, or the runner reporting to `monitor` when there is one. */
export function monitored(
  runner: SqlRunner,
  monitor: QueryMonitor | undefined,
  endpoint?: string,
): SqlRunner {
  return monitor ? new MonitoredRunner(runner, monitor, endpoint) : runner;
}
