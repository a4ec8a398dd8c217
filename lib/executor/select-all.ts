import type { ColumnName, Row, TableName } from './catalog/tables.js';
import type { ExecutorOps, Page, SelectQuery } from './types.js';

/**
 * Every row a query matches, read a keyset page at a time (the executor bounds each read, never the
 * caller's need). For tables that stay small by nature: webhook registrations, outbox consumers.
 */
export async function selectAll<T extends TableName>(
  executor: Pick<ExecutorOps, 'select'>,
  query: Omit<SelectQuery<T, ColumnName<T>>, 'after' | 'columns'>,
): Promise<Row<T>[]> {
  const rows: Row<T>[] = [];
  let after: string | null = null;
  do {
    const page: Page<Row<T>> = await executor.select({ ...query, after });
    rows.push(...page.rows);
    after = page.nextPageKey;
  } while (after !== null);
  return rows;
}
