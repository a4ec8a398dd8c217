import type { BackendName } from './types.js';

/**
 * The query performance monitor (issue 13 §3): every statement the executor runs, with its kind, table,
 * backend, rows and duration; per kind a bounded window of recent durations (for p50/p99), and a bounded
 * list of the slowest recent statements with their shape (the SQL with every literal replaced by `?`:
 * parameters are never part of it, so no value is kept). Listeners get every record (Prometheus).
 */

export interface QueryRecord {
  /** select, aggregate, insert, update, delete, other. */
  readonly kind: string;
  /** The first table the statement names, or '-'. */
  readonly table: string;
  readonly backend: BackendName;
  /** The server that ran it: `primary`, or a read endpoint's name (host:port/database). */
  readonly endpoint: string;
  /** Rows returned or changed. */
  readonly rows: number;
  readonly seconds: number;
  /** The statement without values. */
  readonly shape: string;
  readonly at: Date;
}

export interface QueryKindStats {
  readonly kind: string;
  readonly count: number;
  /** Over the last `window` statements of the kind, in seconds. */
  readonly p50: number;
  readonly p99: number;
}

export interface QueryEndpointStats {
  readonly endpoint: string;
  readonly count: number;
  /** Over the last `window` statements on the endpoint, in seconds. */
  readonly p50: number;
  readonly p99: number;
}

export interface QueryMonitorOptions {
  /** Slowest statements kept (default 20). */
  readonly slowest?: number;
  /** How long a slow statement stays in that list (default 10 minutes). */
  readonly slowestForMs?: number;
  /** Recent durations kept per kind for the percentiles (default 1000). */
  readonly window?: number;
  readonly clock?: () => number;
}

const MAX_SHAPE = 400;

/** The SQL with literals (numbers, strings) replaced by `?` and whitespace collapsed, bounded in length. */
export function shapeOf(sql: string): string {
  const shape = sql
    .replace(/'(?:[^']|'')*'/g, '?')
    .replace(/\b\d+(?:\.\d+)?\b/g, '?')
    .replace(/\s+/g, ' ')
    .trim();
  return shape.length > MAX_SHAPE ? `${shape.slice(0, MAX_SHAPE - 1)}…` : shape;
}

/** What a statement does and to which table, from its text (the executor writes every statement). */
export function describeStatement(sql: string): { kind: string; table: string } {
  const text = sql.trimStart();
  const verb = /^(\w+)/.exec(text)?.[1]?.toUpperCase() ?? '';
  const table = /\b(?:FROM|INTO|UPDATE)\s+"((?:[^"]|"")+)"/i.exec(text)?.[1]?.replaceAll('""', '"') ?? '-';
  let kind: string;
  if (verb === 'INSERT') kind = 'insert';
  else if (verb === 'UPDATE') kind = 'update';
  else if (verb === 'DELETE') kind = 'delete';
  else if (verb === 'SELECT' || verb === 'WITH')
    kind = /\b(?:count|sum|min|max|avg|var_pop|percentile_cont|LAG|row_number)\s*\(|\bGROUP BY\b/i.test(text)
      ? 'aggregate'
      : 'select';
  else kind = 'other';
  return { kind, table };
}

/** Statement texts whose description is remembered (texts differ by their IN-list lengths, not values). */
const STATEMENTS_KEPT = 1000;

interface Statement {
  readonly kind: string;
  readonly table: string;
  shape(): string;
}

function recordOf(
  statement: Statement,
  backend: BackendName,
  endpoint: string,
  rows: number,
  seconds: number,
  at: Date,
): QueryRecord {
  const { kind, table } = statement;
  return {
    kind,
    table,
    backend,
    endpoint,
    rows,
    seconds,
    at,
    get shape() {
      return statement.shape();
    },
  };
}

export class QueryMonitor {
  private readonly statements = new Map<string, Statement>();
  private readonly perKind = new Map<string, Recent>();
  private readonly perEndpoint = new Map<string, Recent>();
  private slow: QueryRecord[] = [];
  private readonly listeners = new Set<(record: QueryRecord) => void>();
  private readonly slowestCount: number;
  private readonly slowestForMs: number;
  private readonly window: number;
  private readonly clock: () => number;

  constructor(options: QueryMonitorOptions = {}) {
    this.slowestCount = options.slowest ?? 20;
    this.slowestForMs = options.slowestForMs ?? 10 * 60_000;
    this.window = options.window ?? 1000;
    this.clock = options.clock ?? Date.now;
  }

  /** Records one statement; called by the executor after it ran (also when it failed). */
  record(sql: string, backend: BackendName, rows: number, seconds: number, endpoint = 'primary'): void {
    const statement = this.statementOf(sql);
    const { kind } = statement;
    const at = new Date(this.clock());
    this.count(this.perKind, kind, seconds);
    this.count(this.perEndpoint, endpoint, seconds);
    const cutoff = at.getTime() - this.slowestForMs;
    const fastestKept = this.slow.length < this.slowestCount ? -1 : this.slow.at(-1)!.seconds;
    let record: QueryRecord | undefined;
    if (seconds > fastestKept || this.slow.some((r) => r.at.getTime() < cutoff)) {
      record = recordOf(statement, backend, endpoint, rows, seconds, at);
      this.slow = [...this.slow.filter((r) => r.at.getTime() >= cutoff), record]
        .sort((a, b) => b.seconds - a.seconds)
        .slice(0, this.slowestCount);
    }
    if (this.listeners.size > 0) {
      record ??= recordOf(statement, backend, endpoint, rows, seconds, at);
      for (const listener of this.listeners) listener(record);
    }
  }

  /**
   * What a statement's text says (kind, table, shape), remembered per text: the executor runs the same
   * few hundred texts again and again, and reading each with regular expressions on every run cost
   * ~2% of a REST read's CPU. The shape is computed when first asked for (a slow statement's).
   */
  private statementOf(sql: string): Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      let shape: string | undefined;
      statement = { ...describeStatement(sql), shape: () => (shape ??= shapeOf(sql)) };
      if (this.statements.size >= STATEMENTS_KEPT)
        this.statements.delete(this.statements.keys().next().value!);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  private count(map: Map<string, Recent>, key: string, seconds: number): void {
    let stats = map.get(key);
    if (!stats) {
      stats = { count: 0, recent: [], next: 0 };
      map.set(key, stats);
    }
    stats.count++;
    if (stats.recent.length < this.window) stats.recent.push(seconds);
    else stats.recent[stats.next] = seconds;
    stats.next = (stats.next + 1) % this.window;
  }

  /** Per kind: statements counted, p50 and p99 of the recent ones (nearest rank), most frequent first. */
  kinds(): QueryKindStats[] {
    return summarise(this.perKind).map(({ key, ...s }) => ({ kind: key, ...s }));
  }

  /** The same per database server: the primary and each read endpoint. */
  endpoints(): QueryEndpointStats[] {
    return summarise(this.perEndpoint).map(({ key, ...s }) => ({ endpoint: key, ...s }));
  }

  /** The slowest recent statements, slowest first. */
  slowest(limit = this.slowestCount): QueryRecord[] {
    const cutoff = this.clock() - this.slowestForMs;
    return this.slow.filter((r) => r.at.getTime() >= cutoff).slice(0, limit);
  }

  /** Calls `listener` with every record from now on; returns the unsubscribe function. */
  onQuery(listener: (record: QueryRecord) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

interface Recent {
  count: number;
  recent: number[];
  next: number;
}

/** Count, p50 and p99 (nearest rank) per key, most frequent first. */
function summarise(map: Map<string, Recent>): { key: string; count: number; p50: number; p99: number }[] {
  return [...map]
    .map(([key, s]) => {
      const sorted = [...s.recent].sort((a, b) => a - b);
      const rank = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? 0;
      return { key, count: s.count, p50: rank(0.5), p99: rank(0.99) };
    })
    .sort((a, b) => b.count - a.count);
}
