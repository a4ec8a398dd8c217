import { describe, expect, it } from 'vitest';
import { eq } from '../predicate.js';
import { sqliteDialect } from '../sqlite/sqlite-dialect.js';
import { compileSelect } from './compile-select.js';
import { limitClause } from './dialect.js';

/**
 * Counts of LIMIT are written into the statement, never bound: SQLite re-prepares a cached statement
 * whose bound LIMIT parameter is bound again, on every run (dialect.ts, `limitClause`).
 */
describe('LIMIT clauses', () => {
  it('write the count into the text, so the statement binds only the predicate', () => {
    const flow = '0b6f9a8e-1c7e-4b1a-9d2e-3f4a5b6c7d8e';
    const compiled = compileSelect(
      { table: 'flows', columns: ['id'], where: eq('id', flow), limit: 1 },
      sqliteDialect,
    );
    expect(compiled.sql).toMatch(/ LIMIT 2$/);
    expect(compiled.params).toEqual([flow]);
  });

  it('take whole numbers only', () => {
    expect(limitClause(0)).toBe('LIMIT 0');
    for (const bad of [1.5, -1, Number.NaN, 2 ** 60]) expect(() => limitClause(bad)).toThrow(/whole number/);
  });
});
