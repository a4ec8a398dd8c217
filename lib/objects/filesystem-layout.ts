import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { mkdir, open, readdir, readFile, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describeValue } from '../tams/index.js';
import { errnoCode } from './errno.js';
import { ObjectStoreError } from './errors.js';

/**
 * Where the filesystem store keeps an object: `objects/<h0h1>/<h2h3>/<sha256(id)>` for the bytes and
 * `<...>.json` beside it for the original id and content type. Paths come from the hash, never from the
 * id, so no id can escape the root or collide with another file whatever it contains; the two-level
 * fan-out keeps directories small. Writes go to `tmp/` and are renamed into place, so a reader sees the
 * old bytes or the new ones, never a partial file.
 */
export const DEFAULT_CONTENT_TYPE = 'application/octet-stream';

interface Sidecar {
  readonly id: string;
  readonly contentType?: string;
}

export interface OpenObject {
  readonly handle: FileHandle;
  readonly size: number;
  readonly contentType: string;
  readonly modified: Date;
}

const STALE_TMP_MS = 24 * 60 * 60 * 1000;

export class ObjectDirectory {
  readonly #objects: string;
  readonly #tmp: string;

  constructor(readonly root: string) {
    this.#objects = join(root, 'objects');
    this.#tmp = join(root, 'tmp');
  }

  /** Creates the directories and removes temporary files a crash left behind more than a day ago. */
  async init(): Promise<void> {
    await this.#disk('create the store directories under', this.root, async () => {
      await mkdir(this.#objects, { recursive: true });
      await mkdir(this.#tmp, { recursive: true });
    });
    const cutoff = Date.now() - STALE_TMP_MS;
    for (const name of await readdir(this.#tmp).catch(() => [])) {
      const path = join(this.#tmp, name);
      const s = await stat(path).catch(() => undefined);
      if (s !== undefined && s.mtimeMs < cutoff) await rm(path, { force: true }).catch(() => undefined);
    }
  }

  paths(objectId: string): { dir: string; data: string; meta: string } {
    const hash = createHash('sha256').update(objectId, 'utf8').digest('hex');
    const dir = join(this.#objects, hash.slice(0, 2), hash.slice(2, 4));
    const data = join(dir, hash);
    return { dir, data, meta: `${data}.json` };
  }

  /**
   * Streams `source` into the object, replacing it atomically once complete. Fails with
   * `OBJECT_TOO_LARGE` as soon as more than `maxBytes` arrive; nothing is left behind on any failure.
   */
  async write(
    objectId: string,
    source: AsyncIterable<Buffer> | NodeJS.ReadableStream,
    contentType: string | undefined,
    maxBytes: number,
  ): Promise<number> {
    const { dir, data, meta } = this.paths(objectId);
    const tmp = join(this.#tmp, randomBytes(12).toString('hex'));
    let size = 0;
    const limit = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        size += chunk.length;
        if (size > maxBytes) {
          done(
            new ObjectStoreError(
              'OBJECT_TOO_LARGE',
              `object ${describeValue(objectId)} is larger than the store's limit of ${maxBytes} bytes`,
            ),
          );
        } else {
          done(null, chunk);
        }
      },
    });
    try {
      // flush: fsync before close, so a rename never publishes bytes that are not on disk yet.
      await pipeline(source, limit, createWriteStream(tmp, { flags: 'wx', mode: 0o644, flush: true }));
      await mkdir(dir, { recursive: true });
      const sidecar: Sidecar = contentType === undefined ? { id: objectId } : { id: objectId, contentType };
      const metaTmp = `${tmp}.json`;
      await writeFile(metaTmp, JSON.stringify(sidecar), { flag: 'wx', mode: 0o644 });
      await rename(metaTmp, meta);
      await rename(tmp, data);
      return size;
    } catch (e) {
      await rm(tmp, { force: true }).catch(() => undefined);
      await rm(`${tmp}.json`, { force: true }).catch(() => undefined);
      if (e instanceof ObjectStoreError) throw e;
      throw this.#unavailable('write', objectId, e);
    }
  }

  /** An open handle on the object's bytes with their size and content type, or null if it is missing. */
  async open(objectId: string): Promise<OpenObject | null> {
    const { data, meta } = this.paths(objectId);
    let handle: FileHandle;
    try {
      handle = await open(data, 'r');
    } catch (e) {
      if (errnoCode(e) === 'ENOENT') return null;
      throw this.#unavailable('open', objectId, e);
    }
    try {
      // Size from the open handle: a concurrent replacement renames a new file in, this one stays intact.
      const s = await handle.stat();
      const sidecar = await readSidecar(meta);
      return {
        handle,
        size: s.size,
        contentType: sidecar?.contentType ?? DEFAULT_CONTENT_TYPE,
        modified: s.mtime,
      };
    } catch (e) {
      await handle.close().catch(() => undefined);
      throw this.#unavailable('open', objectId, e);
    }
  }

  async read(objectId: string): Promise<Buffer | null> {
    try {
      return await readFile(this.paths(objectId).data);
    } catch (e) {
      if (errnoCode(e) === 'ENOENT') return null;
      throw this.#unavailable('read', objectId, e);
    }
  }

  async exists(objectId: string): Promise<boolean> {
    try {
      return (await stat(this.paths(objectId).data)).isFile();
    } catch (e) {
      if (errnoCode(e) === 'ENOENT') return false;
      throw this.#unavailable('stat', objectId, e);
    }
  }

  /** The object's size in bytes; null when it is not stored. */
  async size(objectId: string): Promise<number | null> {
    try {
      const info = await stat(this.paths(objectId).data);
      return info.isFile() ? info.size : null;
    } catch (e) {
      if (errnoCode(e) === 'ENOENT') return null;
      throw this.#unavailable('stat', objectId, e);
    }
  }

  async remove(objectId: string): Promise<void> {
    const { data, meta } = this.paths(objectId);
    for (const path of [data, meta]) {
      try {
        await unlink(path);
      } catch (e) {
        if (errnoCode(e) !== 'ENOENT') throw this.#unavailable('delete', objectId, e);
      }
    }
  }

  async #disk(what: string, path: string, f: () => Promise<void>): Promise<void> {
    try {
      await f();
    } catch (e) {
      throw new ObjectStoreError(
        'OBJECT_STORE_UNAVAILABLE',
        `cannot ${what} ${path}: ${errnoCode(e) ?? String(e)}; check that it exists and is writable`,
        { cause: e },
      );
    }
  }

  #unavailable(what: string, objectId: string, e: unknown): ObjectStoreError {
    return new ObjectStoreError(
      'OBJECT_STORE_UNAVAILABLE',
      `cannot ${what} object ${describeValue(objectId)} under ${this.root}: ${errnoCode(e) ?? String(e)}; ` +
        'check the disk and the permissions of the store directory, then retry',
      { cause: e },
    );
  }
}

async function readSidecar(path: string): Promise<Sidecar | undefined> {
  try {
    const parsed: unknown = JSON.parse(await readFile(path, 'utf8'));
    if (typeof parsed !== 'object' || parsed === null) return undefined;
    const { id, contentType } = parsed as Record<string, unknown>;
    if (typeof id !== 'string') return undefined;
    return typeof contentType === 'string' ? { id, contentType } : { id };
  } catch (e) {
    // A missing or torn sidecar only loses the content type; the bytes are still served.
    if (errnoCode(e) === 'ENOENT' || e instanceof SyntaxError) return undefined;
    throw e;
  }
}
