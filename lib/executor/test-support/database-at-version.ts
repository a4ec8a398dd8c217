import Database from 'better-sqlite3';
import pg from 'pg';
import type { Migration } from '../migrations.js';
import { postgresMigrations } from '../postgres/postgres-migrations.js';
import { sqliteMigrations } from '../sqlite/sqlite-migrations.js';

/**
 * A database as a build at schema `version` left it: its migrations up to that version applied and
 * recorded, then `seed` (statements in that version's schema). An upgrade test opens an executor on it
 * and checks what the later migrations made of the rows.
 */
const upTo = (migrations: readonly Migration[], version: number) =>
  migrations.filter((m) => m.version <= version);

/** A SQLite file at `path` (created) at `version`, seeded. */
export function sqliteAtVersion(path: string, version: number, seed: readonly string[]): void {
  const db = new Database(path);
  try {
    db.exec(
      'CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL) STRICT',
    );
    for (const m of upTo(sqliteMigrations, version)) {
      db.exec(m.sql);
      db.prepare('INSERT INTO schema_migrations VALUES (?, ?, 0)').run(m.version, m.name);
    }
    for (const sql of seed) db.exec(sql);
  } finally {
    db.close();
  }
}

/** The (empty) PostgreSQL database at `url` brought to `version`, seeded. */
export async function postgresAtVersion(
  url: string,
  version: number,
  seed: readonly string[],
): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(
      'CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL)',
    );
    for (const m of upTo(postgresMigrations, version)) {
      await client.query(m.sql);
      await client.query('INSERT INTO schema_migrations VALUES ($1, $2, now())', [m.version, m.name]);
    }
    for (const sql of seed) await client.query(sql);
  } finally {
    await client.end();
  }
}
