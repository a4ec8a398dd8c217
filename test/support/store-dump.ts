import { join } from 'node:path';
import type { Page, TableName } from '../../lib/executor/index.js';
import { catalog, MAX_PAGE_SIZE, SqliteExecutor } from '../../lib/executor/index.js';

/**
 * The whole content of an embedded store (its SQLite file), table by table, each row as canonical JSON.
 * Suites that send bad input compare a dump taken before with one taken after: any difference is a write
 * that a refused request should never have made (heartbeat columns aside). Every table of the catalog is read, so tables added
 * later are covered without touching the suites.
 */
export type StoreDump = Readonly<Record<string, readonly string[]>>;

/**
 * Columns that are bookkeeping of a running process, not content, and change with no request at all:
 * the webhook dispatcher renews its lease every 10 s, a token's first use in an hour stamps it, and the
 * object sizer (decision 34) records what it found in the object store whenever its pass comes round.
 */
const HEARTBEAT_COLUMNS: Partial<Record<TableName, readonly string[]>> = {
  outbox_cursors: ['owner', 'lease_expires', 'updated'],
  api_tokens: ['last_used'],
  objects: ['size_bytes', 'size_checked', 'missing_since'],
};

/** bigint is not JSON; `12n` keeps it distinct from the number 12 and from the string "12". */
function rowJson(table: TableName, row: unknown): string {
  const skipped = new Set(HEARTBEAT_COLUMNS[table] ?? []);
  return JSON.stringify(row, (key, v: unknown) =>
    skipped.has(key) ? undefined : typeof v === 'bigint' ? `${v}n` : v,
  );
}

/** Reads every row of every table of the store under `dataDir` (a second connection; WAL lets it read). */
export async function dumpStore(dataDir: string): Promise<StoreDump> {
  const executor = await SqliteExecutor.open({ path: join(dataDir, 'tams.sqlite3') });
  try {
    const tables: Record<string, string[]> = {};
    for (const table of Object.keys(catalog) as TableName[]) {
      const rows: string[] = [];
      // Paged to the end: a dump that silently stopped at a page size would hide changes.
      for (let after: string | null = null; ;) {
        const page: Page<unknown> = await executor.select({ table, limit: MAX_PAGE_SIZE, after });
        rows.push(...page.rows.map((row) => rowJson(table, row)));
        after = page.nextPageKey;
        if (after === null) break;
      }
      tables[table] = rows;
    }
    return tables;
  } finally {
    await executor.close();
  }
}

/**
 * What changed between two dumps, one line per added or removed row (a changed row is both), at most
 * `max` lines: readable in a failure message, unlike a diff of two multi-megabyte strings.
 */
export function storeChanges(before: StoreDump, after: StoreDump, max = 20): string[] {
  const lines: string[] = [];
  for (const table of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const old = new Set(before[table] ?? []);
    const now = new Set(after[table] ?? []);
    for (const row of old) if (!now.has(row)) lines.push(`${table}: - ${row.slice(0, 400)}`);
    for (const row of now) if (!old.has(row)) lines.push(`${table}: + ${row.slice(0, 400)}`);
  }
  return lines.length > max ? [...lines.slice(0, max), `... and ${lines.length - max} more`] : lines;
}
