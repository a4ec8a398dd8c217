import type { Config, Role } from '../../lib/config/config.js';
import type { Executor } from '../../lib/executor/index.js';
import { eq } from '../../lib/executor/index.js';
import { HttpError } from '../http/errors.js';
import type { Route } from '../http/server.js';
import { under } from '../http/server.js';
import type { Logger } from '../logger.js';
import type { ObjectStorage } from '../object-storage.js';
import { openObjectStorage } from '../object-storage.js';
import type { Part } from './part.js';
import { stopsWithNothing } from './part.js';

export interface ObjectStoragePart extends Part {
  /** The configured store, in the roles that own the media subgraph. */
  readonly storage: ObjectStorage | undefined;
  /** The filesystem store's signed-URL endpoint, which this process serves. */
  readonly routes: readonly Route[];
}

export async function openObjectStoragePart(
  config: Config,
  role: Role,
  publicUrl: string,
  log: Logger,
  executor?: Executor,
): Promise<ObjectStoragePart> {
  if (role !== 'embedded' && role !== 'media')
    return { name: 'object storage', storage: undefined, routes: [], stop: stopsWithNothing };
  // The true size of each uploaded object goes into its index row (storage analytics read it there).
  const onStored = executor
    ? async (objectId: string, bytes: number) => {
        await executor.update('objects', eq('id', objectId), { size_bytes: BigInt(bytes) });
      }
    : undefined;
  const storage = await openObjectStorage(
    config.objects,
    publicUrl,
    log.child({ component: 'objects' }),
    onStored,
  );
  const fs = storage.filesystem;
  const routes: Route[] = fs
    ? [
        {
          name: 'object-store',
          matches: under(fs.mountPath),
          handle: async (req, res) => {
            if (!(await fs.handler(req, res))) throw new HttpError(404, 'NOT_FOUND', 'no such object path');
          },
        },
      ]
    : [];
  // The media subgraph's storage registry closes the store too; closing is idempotent.
  return { name: 'object storage', storage, routes, stop: () => storage.spec.store.close() };
}
