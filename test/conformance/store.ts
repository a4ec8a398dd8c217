import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../../gateway/logger.js';
import { startService } from '../../gateway/service.js';
import { loadConfig } from '../../lib/config/config.js';
import { bearer, createToken } from '../support/admin-token.js';

/**
 * The store the conformance families talk to: the embedded store (SQLite in a temporary directory,
 * port 0), as test/graphql-scenario does, or an already running store when TAMS_CONFORMANCE_URL is set
 * (to check a deployment, or another implementation, against the same suite; TAMS_CONFORMANCE_TOKEN is
 * then sent as a bearer token).
 */

/**
 * Where the REST API is mounted on the embedded store's port. The 7.0 paths (`/service`, `/flows`, ...)
 * sit at the root beside `/graphql`; change this in one place if the REST API moves under a prefix.
 */
export const REST_BASE_PATH = '';

export interface ConformanceTarget {
  readonly baseUrl: string;
  readonly description: string;
  /** Sent with every request: the credentials of a caller with every scope. */
  readonly headers: Readonly<Record<string, string>>;
  close(): Promise<void>;
}

export async function startConformanceTarget(
  env: NodeJS.ProcessEnv = process.env,
): Promise<ConformanceTarget> {
  const external = env.TAMS_CONFORMANCE_URL?.trim();
  if (external) {
    const token = env.TAMS_CONFORMANCE_TOKEN?.trim();
    return {
      baseUrl: external,
      description: `external store ${external}`,
      headers: token ? bearer(token) : {},
      close: () => Promise.resolve(),
    };
  }
  const dir = mkdtempSync(join(tmpdir(), 'tams-conformance-'));
  try {
    // A small synchronous deletion limit, so the 202 + delete request path is reachable with a few segments.
    const config = loadConfig({
      TAMS_DATA_DIR: dir,
      TAMS_PORT: '0',
      TAMS_LOG_LEVEL: 'silent',
      TAMS_SYNC_DELETE_LIMIT: '5',
    });
    const service = await startService(config, 'embedded', {
      log: createLogger('silent'),
      version: 'conformance',
    });
    return {
      baseUrl: `${service.url}${REST_BASE_PATH}`,
      description: `embedded store at ${service.url}`,
      headers: bearer(await createToken(config.database)),
      async close() {
        try {
          await service.close();
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      },
    };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}
