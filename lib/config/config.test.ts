import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

describe('configuration from the environment', () => {
  it('defaults to embedded SQLite under ./data, durable at every commit', () => {
    expect(loadConfig({})).toEqual({
      dataDir: resolve('data'),
      database: { kind: 'sqlite', path: resolve('data', 'tams.sqlite3'), synchronous: 'FULL' },
    });
  });

  it('switches to PostgreSQL with a postgres:// URL', () => {
    const config = loadConfig({
      TAMS_DATABASE_URL: 'postgresql://tams:pw@db.example:5433/tams',
      TAMS_PG_POOL_SIZE: '25',
      TAMS_DATA_DIR: '/var/lib/tams',
    });
    expect(config).toEqual({
      dataDir: '/var/lib/tams',
      database: {
        kind: 'postgres',
        url: 'postgresql://tams:pw@db.example:5433/tams',
        poolSize: 25,
        statementTimeoutMs: 30_000,
      },
    });
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ TAMS_DATABASE_URL: '', TAMS_SQLITE_SYNCHRONOUS: '' }).database.kind).toBe('sqlite');
  });

  it('names every bad variable with what was expected, and never echoes a database URL', () => {
    let error: unknown;
    try {
      loadConfig({
        TAMS_DATABASE_URL: 'mysql://root:hunter2@db/x',
        TAMS_PG_POOL_SIZE: 'many',
        TAMS_SQLITE_SYNCHRONOUS: 'OFF',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const { problems, message } = error as ConfigError;
    expect(problems).toHaveLength(3);
    expect(message).toMatch(/TAMS_DATABASE_URL: expected a postgres:\/\/ URL/);
    expect(message).toMatch(/TAMS_PG_POOL_SIZE: expected an integer from 1 to 1000 \(got "many"\)/);
    expect(message).toMatch(/TAMS_SQLITE_SYNCHRONOUS/);
    expect(message).not.toContain('hunter2');
  });
});
