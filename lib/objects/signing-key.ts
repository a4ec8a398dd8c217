import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { errnoCode } from './errno.js';
import { ObjectStoreError } from './errors.js';

export const SIGNING_KEY_BYTES = 32;

/**
 * The filesystem store's URL-signing key, kept in a file so that URLs handed out before a restart still
 * verify after it. Created on first use with 32 random bytes and mode 0600. Creation is atomic and
 * race-free: the key is written to a private temporary file and hard-linked into place, which fails if
 * another process got there first, in which case its key is used.
 */
export async function loadOrCreateSigningKey(path: string): Promise<Buffer> {
  const existing = await readKey(path);
  if (existing !== undefined) return existing;

  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(tmp, randomBytes(SIGNING_KEY_BYTES), { flag: 'wx', mode: 0o600 });
    await link(tmp, path);
  } catch (e) {
    if (errnoCode(e) !== 'EEXIST') {
      throw new ObjectStoreError(
        'OBJECT_STORE_UNAVAILABLE',
        `cannot create the URL-signing key file ${path}: ${errnoCode(e) ?? String(e)}; check that its directory is writable`,
        { cause: e },
      );
    }
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
  const created = await readKey(path);
  if (created === undefined) {
    throw new ObjectStoreError(
      'OBJECT_STORE_UNAVAILABLE',
      `the URL-signing key file ${path} vanished while created`,
    );
  }
  return created;
}

async function readKey(path: string): Promise<Buffer | undefined> {
  let key: Buffer;
  try {
    key = await readFile(path);
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return undefined;
    throw new ObjectStoreError(
      'OBJECT_STORE_UNAVAILABLE',
      `cannot read the URL-signing key file ${path}: ${errnoCode(e) ?? String(e)}; check its permissions`,
      { cause: e },
    );
  }
  if (key.length !== SIGNING_KEY_BYTES) {
    // Never print the key; its length is enough to diagnose a truncated or wrong file.
    throw new ObjectStoreError(
      'INVALID_SIGNING_KEY',
      `the URL-signing key file ${path} holds ${key.length} bytes, expected ${SIGNING_KEY_BYTES}; ` +
        'restore it from backup, or delete it to create a new key (which invalidates URLs already issued)',
    );
  }
  return key;
}
