import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

/** docker-compose.prod.yml's entry point: secret files become the store's environment, or it refuses. */

const script = new URL('../../deploy/compose/env-from-secrets.sh', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'tams-secrets-'));
// Stands in for bin/tams.js: prints what the store would see.
const printer = join(dir, 'print-env.js');
writeFileSync(
  printer,
  'console.log(JSON.stringify({ args: process.argv.slice(2), secret: process.env.TAMS_INTERNAL_SECRET, other: process.env.postgres_password }))',
);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(secrets: Record<string, string>, required: string) {
  const secretsDir = mkdtempSync(join(dir, 'run-'));
  for (const [name, value] of Object.entries(secrets)) writeFileSync(join(secretsDir, name), value);
  return spawnSync('sh', [script, 'serve', '--role', 'media'], {
    env: {
      PATH: process.env.PATH,
      TAMS_SECRETS_PATH: secretsDir,
      TAMS_REQUIRED_SECRETS: required,
      TAMS_BIN: printer,
    },
    encoding: 'utf8',
  });
}

describe('deploy/compose/env-from-secrets.sh', () => {
  it('exports TAMS_* secret files (without the final newline) and runs the store with its arguments', () => {
    const r = run(
      { TAMS_INTERNAL_SECRET: 'a secret with spaces\n', postgres_password: 'not for the store' },
      'TAMS_INTERNAL_SECRET',
    );
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      args: ['serve', '--role', 'media'],
      secret: 'a secret with spaces',
    });
  });

  it('refuses to start when a required secret is missing or empty, naming it', () => {
    const missing = run({}, 'TAMS_INTERNAL_SECRET');
    expect(missing.status).toBe(78);
    expect(missing.stderr).toContain('TAMS_INTERNAL_SECRET is missing or empty');
    expect(missing.stdout).toBe('');
    expect(run({ TAMS_INTERNAL_SECRET: '' }, 'TAMS_INTERNAL_SECRET').status).toBe(78);
  });
});
