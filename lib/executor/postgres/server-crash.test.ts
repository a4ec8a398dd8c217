import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from '../index.js';
import type { Executor } from '../index.js';
import { openExecutor } from '../open-executor.js';
import type { OwnPostgres } from '../test-support/postgres-server.js';
import { startOwnPostgres } from '../test-support/postgres-server.js';
import { eventually } from '../../test-support/eventually.js';

/**
 * The server dying under a connection the executor has checked out (a transaction in progress): the
 * transaction fails, the process goes on (pg-pool leaves such a client without an error listener, and
 * an unhandled 'error' event would end the process), and once the server is back the executor works.
 */
const NO_FLOW = '00000000-0000-4000-8000-000000000000';

describe('PostgreSQL crashing under a transaction', () => {
  let server: OwnPostgres;
  let executor: Executor;
  beforeAll(async () => {
    server = await startOwnPostgres();
    executor = await openExecutor({
      kind: 'postgres',
      url: server.url,
      poolSize: 2,
      statementTimeoutMs: 30_000,
    });
  });
  afterAll(async () => {
    await executor?.close();
    await server?.close();
  });

  it('fails the transaction, not the process, and serves again once the server is back', async () => {
    let crashed = false;
    const transaction = executor.transaction(async (tx) => {
      await tx.delete('segments', eq('flow_id', NO_FLOW));
      await server.stop('immediate');
      crashed = true;
      // The connection's end is seen before the next statement is sent.
      await new Promise((resolve) => setTimeout(resolve, 200));
      await tx.delete('segments', eq('flow_id', NO_FLOW));
    });
    await expect(transaction).rejects.toThrow();
    expect(crashed).toBe(true);
    await server.start();
    await eventually(
      () =>
        executor.schemaVersion().then(
          () => true,
          () => false,
        ),
      'the executor to serve again after the restart',
    );
  });
});
