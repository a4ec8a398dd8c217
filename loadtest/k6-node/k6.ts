/** `k6`: check, group, sleep, fail, as the scripts use them. */
import { recordCheck, settings } from './context.js';

type Checkers<T> = Record<string, ((value: T) => boolean) | boolean>;

export function check<T>(value: T, sets: Checkers<T>, _tags?: object): boolean {
  let all = true;
  for (const [name, predicate] of Object.entries(sets)) {
    let passed: boolean;
    try {
      passed = typeof predicate === 'function' ? Boolean(predicate(value)) : Boolean(predicate);
    } catch {
      passed = false; // k6 counts a throwing check as failed
    }
    recordCheck(name, passed);
    all &&= passed;
  }
  return all;
}

export function fail(message?: string): never {
  throw new Error(message ?? 'fail() called');
}

export function group<T>(_name: string, fn: () => T): T {
  return fn();
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** Blocks the VU like k6's sleep (scaled by the runner's --sleep-scale for smoke runs). */
export function sleep(seconds: number): void {
  const ms = seconds * 1000 * settings.sleepScale;
  if (ms > 0) Atomics.wait(sleeper, 0, 0, ms);
}

export default { check, fail, group, sleep };
