import { describe, expect, it } from 'vitest';
import { QUICK_PHASE_MS, Reconnect } from './reconnect.ts';

/** The waits of one outage, the clock moving on by each wait (each try fails at once). */
function outage(r: Reconnect, clock: { t: number }, tries: number): number[] {
  const waits: number[] = [];
  for (let i = 0; i < tries; i++) {
    const w = r.next();
    waits.push(w);
    clock.t += w;
  }
  return waits;
}

describe('reconnect schedule', () => {
  it('tries again within a second all through the first 15 s, so a 4 s take-over is reached at once', () => {
    const clock = { t: 0 };
    const waits = outage(new Reconnect({ now: () => clock.t }), clock, 12);
    expect(waits.slice(0, 4)).toEqual([500, 1000, 1000, 1000]);
    // The tries before 15 s: never more than a second apart, so a server back at 4 s is tried by 5 s.
    let at = 0;
    const tries = waits.map((w) => (at += w));
    expect(tries.find((t) => t >= 4_000)).toBeLessThanOrEqual(5_000);
  });

  it('backs off, doubling up to the longest wait, once an outage outlasts the quick phase', () => {
    const clock = { t: 0 };
    const r = new Reconnect({ now: () => clock.t });
    const waits = outage(r, clock, 25);
    const after = waits.slice(waits.findIndex((_, i) => waits.slice(0, i).reduce((a, b) => a + b, 0) >= QUICK_PHASE_MS));
    expect(after.slice(0, 4)).toEqual([2000, 4000, 8000, 15000]);
    expect(Math.max(...waits)).toBe(15_000);
  });

  it('starts afresh after a connection opened', () => {
    const clock = { t: 0 };
    const r = new Reconnect({ now: () => clock.t });
    outage(r, clock, 30);
    r.reset();
    expect(outage(r, clock, 3)).toEqual([500, 1000, 1000]);
  });

  it('keeps to the bounds a caller sets (tests use short ones)', () => {
    const clock = { t: 0 };
    expect(outage(new Reconnect({ minMs: 50, maxMs: 80, now: () => clock.t }), clock, 3)).toEqual([50, 80, 80]);
  });
});
