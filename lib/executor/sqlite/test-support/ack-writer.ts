import { makeTimeRange } from '../../../tams/index.js';
import { SqliteExecutor } from '../sqlite-executor.js';

/**
 * Child process for the durability test: appends segments forever with the store's default (durable)
 * settings and prints "ack N" only after insert N has been committed. The parent kills it with SIGKILL.
 */
const [path, flowId] = process.argv.slice(2) as [string, string];
const executor = await SqliteExecutor.open({ path });
const S = 1_000_000_000n;
for (let i = 0; ; i++) {
  await executor.insert('segments', [
    {
      flow_id: flowId,
      timerange: makeTimeRange({ start: BigInt(i) * S, end: BigInt(i + 1) * S }),
      object_id: `ack-${i}`,
      created: new Date(),
    },
  ]);
  process.stdout.write(`ack ${i}\n`);
}
