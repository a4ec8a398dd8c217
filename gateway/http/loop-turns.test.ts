import { describe, expect, it } from 'vitest';
import { LoopTurns } from './loop-turns.js';

/** Resolves after `n` loop turns (an immediate queued from an immediate runs in the next turn). */
const turns = (n: number) =>
  new Promise<void>((resolve) => {
    const step = (left: number) => (left === 0 ? resolve() : setImmediate(() => step(left - 1)));
    step(n);
  });

describe('loop turns for request handlers', () => {
  it('starts a request in the turn it arrived when the process is idle', async () => {
    const gate = new LoopTurns(10);
    let started = false;
    void gate.enter().then(() => (started = true));
    // The gate's slots were queued before this immediate, so they ran first, in the same check phase.
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toBe(true);
  });

  it('starts requests in arrival order and, past the budget, leaves the rest for later turns', async () => {
    // A clock the handlers advance: each "works" 4 ms of a 10 ms budget.
    let clock = 0;
    const gate = new LoopTurns(10, () => clock);
    const order: number[] = [];
    const turnOf: number[] = [];
    let turn = 0;
    const ticking = { on: true };
    const tick = () => {
      turn++;
      if (ticking.on) setImmediate(tick);
    };
    tick();
    const all = Array.from({ length: 7 }, (_, i) =>
      gate.enter().then(() => {
        order.push(i);
        turnOf.push(turn);
        clock += 4;
      }),
    );
    await Promise.all(all);
    ticking.on = false;
    expect(order).toEqual([0, 1, 2, 3, 4, 5, 6]);
    // 0 ms, 4 ms, 8 ms are within the budget: three a turn, the next ones a turn later each time.
    const perTurn = [...new Set(turnOf)].map((t) => turnOf.filter((x) => x === t).length);
    expect(perTurn).toEqual([3, 3, 1]);
    expect(gate.queued).toBe(0);
  });

  it('keeps going while requests arrive, then rests', async () => {
    const gate = new LoopTurns(10);
    await Promise.all([gate.enter(), gate.enter()]);
    await turns(2);
    await gate.enter();
    expect(gate.queued).toBe(0);
  });
});
