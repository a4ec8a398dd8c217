import type { ObjectsConfig } from '../lib/config/config.js';
import type { FilesystemObjectStore, ObjectStore, ObjectStoredListener } from '../lib/objects/index.js';
import { createObjectStore } from '../lib/objects/index.js';
import type { StorageBackendSpec } from '../subgraphs/media/index.js';
import { isClientDisconnect } from './http/client-disconnect.js';
import type { Logger } from './logger.js';

/** The configured object store, described as the storage backend the media subgraph advertises. */
export interface ObjectStorage {
  readonly spec: StorageBackendSpec;
  /** The filesystem store's HTTP handler, which the owning process serves; absent for S3. */
  readonly filesystem?: FilesystemObjectStore;
}

export async function openObjectStorage(
  config: ObjectsConfig,
  publicUrl: string,
  log: Logger,
  /** Told each uploaded object's true size (filesystem store): the index records it for storage analytics. */
  onStored?: ObjectStoredListener,
): Promise<ObjectStorage> {
  if (config.kind === 'filesystem') {
    const store = await createObjectStore({
      kind: 'filesystem',
      root: config.root,
      publicBaseUrl: publicUrl,
      signingKeyPath: config.signingKeyPath,
      onStored,
      // The endpoint answers these with a 500 and no details; the cause goes to the log, except for a
      // client that went away mid-transfer, which broke the request, not the store.
      onError: (err, req, res) => {
        const details = { err, requestId: res.getHeader('x-request-id'), method: req.method };
        if (isClientDisconnect(err, req.socket))
          log.debug(
            { requestId: details.requestId, reason: String(err) },
            'an object transfer ended with the client gone',
          );
        else log.error(details, 'the object store endpoint failed a request');
      },
    });
    return {
      filesystem: store,
      spec: {
        identity: `filesystem:${config.root}`,
        label: 'local',
        provider: 'tams-gateway',
        storeProduct: 'filesystem',
        store,
      },
    };
  }
  const store: ObjectStore = await createObjectStore({
    kind: 's3',
    endpoint: config.endpoint,
    publicEndpoint: config.publicEndpoint,
    region: config.region,
    bucket: config.bucket,
    prefix: config.prefix,
    forcePathStyle: config.forcePathStyle,
    createBucket: config.createBucket,
  });
  return {
    spec: {
      identity: `s3:${config.endpoint ?? 'aws'}/${config.bucket}/${config.prefix ?? ''}`,
      label: config.bucket,
      provider: config.endpoint ? new URL(config.endpoint).hostname : 'aws',
      storeProduct: 's3',
      region: config.region,
      store,
    },
  };
}
