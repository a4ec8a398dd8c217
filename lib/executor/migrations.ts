import { ExecutorError } from './errors.js';

/** One versioned schema change. Applied migrations are recorded in `schema_migrations` and never edited. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

/** Versions must run 1, 2, 3, ... so "the database is at version N" has one meaning. */
export function latestVersion(migrations: readonly Migration[]): number {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1)
      throw new Error(`migration ${m.name} has version ${m.version}, expected ${i + 1}`);
  });
  return migrations.length;
}

/** Migrations still to apply to a database at `current`; refuses a database newer than this build. */
export function pendingMigrations(migrations: readonly Migration[], current: number): readonly Migration[] {
  const latest = latestVersion(migrations);
  if (current > latest)
    throw new ExecutorError(
      'SCHEMA_VERSION',
      `the database schema is at version ${current} but this build knows only up to ${latest}; ` +
        'run a newer build of the store against this database',
    );
  return migrations.slice(current);
}
