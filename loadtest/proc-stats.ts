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
