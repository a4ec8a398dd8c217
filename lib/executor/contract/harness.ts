import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { timeRange } from '../../tams/index.js';
import type { TimeRange } from '../../tams/index.js';
import type { InsertRow } from '../catalog/tables.js';
import { ExecutorError } from '../errors.js';
import type { BackendName, Executor } from '../types.js';

/** What each backend provides to run the shared executor contract. */
export interface ContractHarness {
  readonly backend: BackendName;
  /** An executor on the backend's test database (migrated). Tests isolate themselves with fresh ids. */
  open(options?: { poolSize?: number }): Promise<Executor>;
  /** Physical columns of a table as the database reports them: name → nullable. */
  introspect(executor: Executor, table: string): Promise<Map<string, boolean>>;
}

export const uuid = (): string => randomUUID();

export const NOW = new Date('2026-11-26T10:00:00.123Z');

export function segment(flowId: string, range: string | TimeRange, objectId = 'obj'): InsertRow<'segments'> {
  return {
    flow_id: flowId,
    timerange: typeof range === 'string' ? timeRange(range) : range,
    object_id: objectId,
    created: NOW,
  };
}

export function flow(overrides: Partial<InsertRow<'flows'>> = {}): InsertRow<'flows'> {
  return {
    id: uuid(),
    source_id: uuid(),
    format: 'urn:x-nmos:format:video',
    created: NOW,
    metadata_updated: NOW,
    metadata_version: 'v1',
    ...overrides,
  };
}

/** Asserts that `promise` rejects with an executor error of `code` (and never a raw driver error). */
export async function expectExecutorError(promise: Promise<unknown>, code: string): Promise<ExecutorError> {
  let caught: unknown;
  try {
    await promise;
  } catch (e) {
    caught = e;
  }
  expect(caught, `expected an ExecutorError ${code}`).toBeInstanceOf(ExecutorError);
  expect((caught as ExecutorError).code).toBe(code);
  return caught as ExecutorError;
}

/** Same for code that throws synchronously or asynchronously. */
export function expectErrorCode(fn: () => Promise<unknown>, code: string): Promise<ExecutorError> {
  return expectExecutorError(
    (async () => {
      await fn();
    })(),
    code,
  );
}
