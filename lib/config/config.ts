import { resolve } from 'node:path';
import { z } from 'zod';

/**
 * All configuration comes from environment variables, parsed and validated here once, at start. A bad
 * value stops the process with a message naming the variable, what it holds and what was expected.
 */

export type DatabaseConfig =
  | { readonly kind: 'sqlite'; readonly path: string; readonly synchronous: 'FULL' | 'NORMAL' }
  | {
      readonly kind: 'postgres';
      readonly url: string;
      readonly poolSize: number;
      readonly statementTimeoutMs: number;
    };

export interface Config {
  /** Where embedded state lives (the SQLite file, later the filesystem object store). */
  readonly dataDir: string;
  readonly database: DatabaseConfig;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

const intFrom = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, `expected an integer from ${min} to ${max}`)
    .transform(Number)
    .refine((n) => n >= min && n <= max, `expected an integer from ${min} to ${max}`);

const env = z.object({
  TAMS_DATA_DIR: z.string().min(1, 'must not be empty').default('./data'),
  TAMS_DATABASE_URL: z
    .string()
    .refine(
      (u) => /^postgres(ql)?:\/\/[^\s]+$/.test(u),
      'expected a postgres:// URL (leave unset for embedded SQLite)',
    )
    .optional(),
  TAMS_SQLITE_SYNCHRONOUS: z.enum(['FULL', 'NORMAL']).default('FULL'),
  TAMS_PG_POOL_SIZE: intFrom(1, 1000).default(10),
  TAMS_PG_STATEMENT_TIMEOUT_MS: intFrom(100, 3_600_000).default(30_000),
});

function shown(value: unknown): string {
  return typeof value === 'string'
    ? JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)
    : 'unset';
}

export function loadConfig(source: NodeJS.ProcessEnv = process.env): Config {
  const input = Object.fromEntries(
    Object.entries(source).filter(([k, v]) => k.startsWith('TAMS_') && v !== ''),
  );
  const parsed = env.safeParse(input);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const name = String(issue.path[0] ?? '?');
        // Never echo a database URL: it may carry a password.
        const value = name === 'TAMS_DATABASE_URL' ? 'the given value' : shown(input[name]);
        return `${name}: ${issue.message} (got ${value})`;
      }),
    );
  }
  const e = parsed.data;
  const dataDir = resolve(e.TAMS_DATA_DIR);
  const database: DatabaseConfig = e.TAMS_DATABASE_URL
    ? {
        kind: 'postgres',
        url: e.TAMS_DATABASE_URL,
        poolSize: e.TAMS_PG_POOL_SIZE,
        statementTimeoutMs: e.TAMS_PG_STATEMENT_TIMEOUT_MS,
      }
    : { kind: 'sqlite', path: resolve(dataDir, 'tams.sqlite3'), synchronous: e.TAMS_SQLITE_SYNCHRONOUS };
  return { dataDir, database };
}
