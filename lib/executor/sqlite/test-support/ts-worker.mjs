// Worker threads do not inherit the parent's TypeScript loader: load the worker's .ts module through tsx.
import { workerData } from 'node:worker_threads';
import { tsImport } from 'tsx/esm/api';

await tsImport(workerData.tsModule, import.meta.url);
