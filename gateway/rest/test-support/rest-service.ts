import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../../lib/config/config.js';
import { createLogger } from '../../logger.js';
import type { RunningService } from '../../service.js';
import { startService } from '../../service.js';

/** A REST answer: status, headers (lower-case names) and the parsed JSON body, if any. */
export interface RestAnswer<T = unknown> {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: T;
}

/** The embedded store (SQLite and filesystem objects in a temp dir, no authentication), driven over REST. */
export interface RestService {
  readonly service: RunningService;
  send<T = unknown>(method: string, path: string, body?: unknown): Promise<RestAnswer<T>>;
  /** PUT a video flow (with a container, so it takes segments); returns its id. */
  createFlow(extra?: Record<string, unknown>): Promise<string>;
  close(): Promise<void>;
}

export async function openRestService(): Promise<RestService> {
  const dir = mkdtempSync(join(tmpdir(), 'tams-rest-'));
  const service = await startService(
    loadConfig({ TAMS_DATA_DIR: dir, TAMS_PORT: '0', TAMS_AUTH: 'off' }),
    'embedded',
    { log: createLogger('silent'), version: 'test' },
  );
  const send = async <T>(method: string, path: string, body?: unknown): Promise<RestAnswer<T>> => {
    const response = await fetch(`${service.url}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return {
      status: response.status,
      headers: Object.fromEntries(response.headers),
      body: (text ? JSON.parse(text) : undefined) as T,
    };
  };
  return {
    service,
    send,
    async createFlow(extra = {}) {
      const id = randomUUID();
      const answer = await send('PUT', `/flows/${id}`, {
        id,
        source_id: randomUUID(),
        format: 'urn:x-nmos:format:video',
        codec: 'video/h264',
        container: 'video/mp2t',
        essence_parameters: { frame_width: 1920, frame_height: 1080 },
        ...extra,
      });
      if (answer.status !== 201)
        throw new Error(`PUT /flows/${id}: ${answer.status} ${JSON.stringify(answer.body)}`);
      return id;
    },
    async close() {
      await service.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
