import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';

/** s3rver's built-in account: it knows no other access key. */
export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

export interface RunningS3rver {
  readonly endpoint: string;
  close(): Promise<void>;
}

/**
 * An in-process s3rver on a free port with a fresh directory. Note that s3rver checks presigned URLs'
 * expiry and access key but does NOT verify SigV4 signatures at all.
 */
export async function startS3rver(): Promise<RunningS3rver> {
  const directory = await mkdtemp(join(tmpdir(), 'tams-s3rver-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory });
  completeWritesBeforeAnswering(server);
  const { port } = await server.run();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    async close() {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/**
 * Whether s3rver can hold `key`. It keeps an object's last key segment as a file name with a suffix
 * (`<segment>._S3rver_metadata.json`), so that segment has 22 bytes less than the 255 real filesystem-backed
 * servers such as MinIO allow; valid ids beyond that are a limit of the test server, not of S3.
 */
export function s3rverCanStore(key: string): boolean {
  const last = key.slice(key.lastIndexOf('/') + 1);
  return Buffer.byteLength(`${last}._S3rver_metadata.json`, 'utf8') <= 255;
}

interface S3rverStore {
  putObject(object: { bucket: string; key: string }): Promise<{ size: number; md5: string }>;
  getResourcePath(bucket: string, key: string, kind: 'object'): string;
}

/**
 * s3rver answers a PUT once the body has passed its hash, before its file stream has flushed, so a GET
 * right after could read a short file or none (both seen in loaded CI runs). Its store is made to wait until
 * the file holds every byte before the PUT is answered, as a real S3 does. A fix of the test server.
 */
function completeWritesBeforeAnswering(server: S3rver): void {
  const store = (server as unknown as { store: S3rverStore }).store;
  const putObject = store.putObject.bind(store);
  store.putObject = async (object) => {
    const result = await putObject(object);
    const path = store.getResourcePath(object.bucket, object.key, 'object');
    for (let i = 0; i < 1000; i++) {
      // The write stream opens its file asynchronously: until it has, the file is not there at all.
      const size = await stat(path).then(
        (s) => s.size,
        (error: NodeJS.ErrnoException) => {
          if (error.code === 'ENOENT') return -1;
          throw error;
        },
      );
      if (size >= result.size) return result;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    throw new Error(`s3rver did not finish writing ${object.key}`);
  };
}
