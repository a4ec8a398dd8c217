import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadOrCreateSigningKey } from './signing-key.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tams-key-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('loadOrCreateSigningKey', () => {
  it('creates 32 random bytes with mode 0600 (and missing directories), then reads them back', async () => {
    const path = join(dir, 'nested', 'signing.key');
    const created = await loadOrCreateSigningKey(path);
    expect(created.length).toBe(32);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await loadOrCreateSigningKey(path)).toEqual(created);
    expect(await readdir(join(dir, 'nested'))).toEqual(['signing.key']); // no temporary file left
  });

  it('concurrent first calls agree on one key', async () => {
    const path = join(dir, 'signing.key');
    const keys = await Promise.all(Array.from({ length: 8 }, () => loadOrCreateSigningKey(path)));
    for (const key of keys) expect(key).toEqual(keys[0]);
  });

  it('refuses a key file of the wrong length without printing its content', async () => {
    const path = join(dir, 'signing.key');
    await writeFile(path, 'not-a-key-but-a-secret-anyway');
    const error = await loadOrCreateSigningKey(path).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'INVALID_SIGNING_KEY' });
    expect((error as Error).message).toContain('29 bytes');
    expect((error as Error).message).not.toContain('secret');
  });
});
