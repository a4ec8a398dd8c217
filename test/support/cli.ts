import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The `tams` command from the sources (what `npx tams` runs once built). */
export const CLI = fileURLToPath(new URL('../../cli/tams.ts', import.meta.url));

/** Runs a `tams` command to completion with extra environment variables: its exit code and output. */
export function runCli(
  args: readonly string[],
  env: Readonly<Record<string, string>>,
  stdin?: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
    env: { ...process.env, ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdin.end(stdin);
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
}
