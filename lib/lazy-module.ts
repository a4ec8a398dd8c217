import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/**
 * A CommonJS dependency loaded when first used, not when its importer is: ioredis, pg and the AWS SDK
 * each cost 6–15 MB of resident modules that a store without Redis, PostgreSQL or S3 (the embedded
 * default) never calls (issue 15 §3: idle RSS ≤ 150 MB). Types come from `import type` as usual.
 */
export function lazyModule<T>(name: string): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= require(name) as T);
}
