import { describe, expect, it } from 'vitest';
import { forEachInSlices } from './time-slices.ts';

/**
 * The slicing a crowd's broadcast and heartbeats go out in (#15 item 3), on a fake clock: each call costs a
 * known time, so what one turn of the event loop holds is exact, not a timing guess on a loaded machine.
 */
function fakeWorld(costMs: number) {
  let clock = 0;
  const turns: number[][] = [[]];
  const pending: (() => void)[] = [];
  const opts = {
    now: () => clock,
    // A yield ends the turn: the next slice runs in a new one, when the test says.
    yieldTo: (next: () => void) => {
      pending.push(next);
    },
  };
  const call = (i: number) => {
    clock += costMs;
    turns.at(-1)!.push(i);
  };
  const runTurns = () => {
    while (pending.length) {
      turns.push([]);
      pending.shift()!();
    }
  };
  return { opts, call, turns, runTurns };
}

describe('forEachInSlices', () => {
  it('bounds each turn of the loop by the budget: 2,000 calls of 0.04 ms (a socket write) in 5 ms slices', async () => {
    const w = fakeWorld(0.04);
    const items = Array.from({ length: 2000 }, (_, i) => i);
    const done = forEachInSlices(items, w.call, { budgetMs: 5, checkEvery: 4, ...w.opts });
    w.runTurns();
    await done;
    // Every call made once, in order.
    expect(w.turns.flat()).toEqual(items);
    // 5 ms of 0.04 ms calls is 125; the clock is read every 4 calls, so a slice may run up to 3 more.
    const sizes = w.turns.map((t) => t.length);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(128);
    expect(sizes.length).toBeGreaterThanOrEqual(Math.ceil(2000 / 128));
    for (const t of w.turns.slice(0, -1)) expect(t.length * 0.04).toBeGreaterThanOrEqual(5);
  });

  it('yields after one expensive call rather than holding the loop for the next ones', async () => {
    const w = fakeWorld(30);
    const done = forEachInSlices([1, 2, 3], w.call, { budgetMs: 5, checkEvery: 1, ...w.opts });
    w.runTurns();
    await done;
    expect(w.turns).toEqual([[1], [2], [3]]);
  });

  it('goes on past a call that throws, and reports it', async () => {
    const errors: unknown[] = [];
    const seen: number[] = [];
    await forEachInSlices(
      [1, 2, 3],
      (i) => {
        if (i === 2) throw new Error('this stream broke');
        seen.push(i);
      },
      { budgetMs: 5 },
      (err) => errors.push(err),
    );
    expect(seen).toEqual([1, 3]);
    expect(errors).toHaveLength(1);
  });

  it('resolves at once for no items', async () => {
    let slices = 0;
    await forEachInSlices([], () => undefined, { budgetMs: 5, onSlice: () => slices++ });
    expect(slices).toBe(1);
  });
});
