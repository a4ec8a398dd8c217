import { parentPort, workerData } from 'node:worker_threads';
import { makeTimeRange } from '../../../tams/index.js';
import { ExecutorError } from '../../errors.js';
import { SqliteExecutor } from '../sqlite-executor.js';

/** One concurrent writer: its own connection to the file, released by a shared barrier with the others. */
interface Job {
  path: string;
  flowId: string;
  attempts: number[];
  barrier: SharedArrayBuffer;
}
const job = workerData as Job;
const S = 1_000_000_000n;
const executor = await SqliteExecutor.open({ path: job.path, busyTimeoutMs: 60_000 });
const gate = new Int32Array(job.barrier);
Atomics.add(gate, 1, 1);
Atomics.wait(gate, 0, 0);
const outcomes: string[] = [];
for (const i of job.attempts) {
  try {
    // Every attempt overlaps every other: [i, i + 50) seconds for i < 50.
    await executor.insert('segments', [
      {
        flow_id: job.flowId,
        timerange: makeTimeRange({ start: BigInt(i) * S, end: BigInt(i + 50) * S }),
        object_id: `writer-${i}`,
        created: new Date(),
      },
    ]);
    outcomes.push('ok');
  } catch (e) {
    outcomes.push(e instanceof ExecutorError ? e.code : String(e));
  }
}
await executor.close();
parentPort!.postMessage(outcomes);
