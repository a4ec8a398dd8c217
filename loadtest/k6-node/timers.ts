/**
 * `k6/timers`: Node's timers, bound to the VU that set them; a pending timer keeps the iteration
 * going, as in k6.
 */
import { bound, currentVu, hold, release } from './context.js';

const handles = new Map<number, { timer: NodeJS.Timeout; token: object; vu: ReturnType<typeof currentVu> }>();
let nextId = 1;

function start(fn: (...args: unknown[]) => void, delay: number, args: unknown[], repeat: boolean): number {
  const id = nextId++;
  const vu = currentVu();
  const token = {};
  const run = bound(() => {
    if (!repeat) clear(id);
    fn(...args);
  });
  const timer = repeat ? setInterval(run, delay) : setTimeout(run, delay);
  handles.set(id, { timer, token, vu });
  hold(token);
  return id;
}

function clear(id: number): void {
  const handle = handles.get(id);
  if (!handle) return;
  handles.delete(id);
  clearTimeout(handle.timer);
  release(handle.vu, handle.token);
}

const setTimeoutK6 = (fn: (...args: unknown[]) => void, delay: number, ...args: unknown[]) =>
  start(fn, delay, args, false);
const setIntervalK6 = (fn: (...args: unknown[]) => void, delay: number, ...args: unknown[]) =>
  start(fn, delay, args, true);

export {
  clear as clearInterval,
  clear as clearTimeout,
  setIntervalK6 as setInterval,
  setTimeoutK6 as setTimeout,
};
export default {
  setTimeout: setTimeoutK6,
  clearTimeout: clear,
  setInterval: setIntervalK6,
  clearInterval: clear,
};
