import { readFileSync } from 'node:fs';

/** User and system CPU seconds of a process so far (Linux /proc; clock ticks of 1/100 s). */
export function cpuSeconds(pid: number): { user: number; system: number } {
  // The command name (field 2) is in parentheses and may hold spaces: fields are counted after it.
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return { user: Number(fields[11]) / 100, system: Number(fields[12]) / 100 };
}

/** Resident set size of a process, bytes (Linux /proc). */
export function rssBytes(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no VmRSS in /proc/${pid}/status: is the process alive?`);
  return Number(match[1]) * 1024;
}

/**
 * Seconds a process's main thread (a Node process's event loop) has run on a CPU and has waited,
 * runnable, for one (Linux /proc/<pid>/schedstat, kernels with schedstats). On a shared machine the
 * wait says whether a slow step waited for the code or for a core.
 */
export function schedSeconds(pid: number): { onCpu: number; runQueue: number } {
  const [onCpu, runQueue] = readFileSync(`/proc/${pid}/schedstat`, 'utf8').trim().split(' ').map(Number);
  return { onCpu: onCpu! / 1e9, runQueue: runQueue! / 1e9 };
}
