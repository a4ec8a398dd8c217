/**
 * The state of the k6 compatibility layer: which virtual user is running (so sockets and timers opened
 * in an iteration are the iteration's, as in k6, whose iteration ends when its event loop is empty),
 * and what the run recorded (checks, metric samples, iteration errors).
 */

export interface VirtualUser {
  readonly idInTest: number;
  readonly scenario: string;
  readonly executor: string;
  iterationInScenario: number;
  /** The scenario-wide iteration number of the current iteration (unique across the scenario's VUs). */
  iterationInTest: number;
  /** Sockets and timers the current iteration still has open: it ends when none is left. */
  readonly pending: Set<object>;
  /** Resolves the wait for `pending` to empty. */
  onIdle?: () => void;
}

export interface CheckTally {
  passes: number;
  fails: number;
}

export interface Results {
  readonly checks: Map<string, CheckTally>;
  /** Samples per metric name (trends: values; counters: increments; rates: 0/1; gauges: last values). */
  readonly metrics: Map<string, { type: string; values: number[] }>;
  readonly errors: string[];
}

const results: Results = { checks: new Map(), metrics: new Map(), errors: [] };
let current: VirtualUser | undefined;

export const runResults = (): Results => results;

export function resetResults(): void {
  results.checks.clear();
  results.metrics.clear();
  results.errors.length = 0;
}

export function currentVu(): VirtualUser | undefined {
  return current;
}

/** Runs `fn` as `vu`; an exception fails the iteration (recorded), as k6 reports it and goes on. */
export function asVu<T>(vu: VirtualUser | undefined, fn: () => T): T | undefined {
  const previous = current;
  current = vu;
  try {
    return fn();
  } catch (error) {
    recordError(vu, error);
    return undefined;
  } finally {
    current = previous;
  }
}

export function recordError(vu: VirtualUser | undefined, error: unknown): void {
  const where = vu ? `${vu.scenario} VU ${vu.idInTest} iteration ${vu.iterationInScenario}` : 'init/setup';
  results.errors.push(`${where}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
}

/** A callback that runs as the VU that created it (event handlers, timers). */
export function bound<A extends unknown[]>(fn: (...args: A) => void): (...args: A) => void {
  const vu = current;
  return (...args: A) => void asVu(vu, () => fn(...args));
}

/** Something (a socket, a timer) the current iteration waits for. */
export function hold(thing: object): void {
  current?.pending.add(thing);
}

export function release(vu: VirtualUser | undefined, thing: object): void {
  if (!vu?.pending.delete(thing)) return;
  if (vu.pending.size === 0) vu.onIdle?.();
}

export function recordCheck(name: string, passed: boolean): void {
  const tally = results.checks.get(name) ?? { passes: 0, fails: 0 };
  if (passed) tally.passes++;
  else tally.fails++;
  results.checks.set(name, tally);
  addSample('checks', 'rate', passed ? 1 : 0);
}

export function addSample(name: string, type: string, value: number): void {
  const metric = results.metrics.get(name) ?? { type, values: [] };
  metric.values.push(value);
  results.metrics.set(name, metric);
}

/** The runner's options the modules read (e.g. `sleep` scaling). */
export const settings = { sleepScale: 1 };
