import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { CLI } from './cli.js';

/** `tams serve` as its own process: where it listens, how it ended, what it printed. */
export interface ServeProcess {
  readonly url: string;
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Everything written to stdout (the JSON log) and stderr so far. */
  output(): string;
}

/** The built command, as installed (`npm run build` first). */
export const BUILT_TAMS = fileURLToPath(new URL('../../bin/tams.js', import.meta.url));

/**
 * Starts `tams serve` with extra environment variables (give TAMS_PORT=0 for a free port) and resolves
 * once it prints the address it listens on. `built` runs bin/tams.js (dist/), otherwise the sources
 * through tsx, which is the same program.
 */
export function spawnServe(
  env: Readonly<Record<string, string>>,
  { built = false, nodeArgs = [] }: { built?: boolean; nodeArgs?: readonly string[] } = {},
): Promise<ServeProcess> {
  const args = [...nodeArgs, ...(built ? [BUILT_TAMS, 'serve'] : ['--import', 'tsx', CLI, 'serve'])];
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env } });
  let output = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  return new Promise((resolve, reject) => {
    child.stderr.on('data', (d: Buffer) => {
      output += d.toString();
      const url = /listening on (http:\/\/[^;\s]+);/.exec(output)?.[1];
      if (url) resolve({ url, child, exited, output: () => output });
    });
    void exited.then(({ code, signal }) =>
      reject(new Error(`tams serve exited (${code ?? signal}) before listening:\n${output}`)),
    );
  });
}
