import { describe, expect, it } from 'vitest';
import { ClockDriftError, formatHlc, HybridClock, parseHlc } from './hlc.ts';

const fixed = (t: { now: number }) => ({ now: () => t.now });

describe('hybrid logical clock', () => {
  it('issues strictly increasing timestamps even when the wall clock stands still or goes back', () => {
    const t = { now: 1000 };
    const c = new HybridClock('A', fixed(t));
    const a = c.tick();
    const b = c.tick();
    t.now = 500; // the device's clock was set back
    const d = c.tick();
    expect(a < b && b < d).toBe(true);
    expect(parseHlc(d)).toEqual({ wall: 1000, counter: 2, node: 'A' });
  });

  it('orders a local event after a remote one seen from a device whose clock runs ahead', () => {
    const t = { now: 1000 };
    const a = new HybridClock('A', fixed(t));
    const b = new HybridClock('B', fixed({ now: 4000 }));
    const remote = b.tick();
    a.receive(remote);
    expect(a.tick() > remote).toBe(true);
  });

  it('refuses a remote timestamp too far in the future', () => {
    const a = new HybridClock('A', fixed({ now: 0 }), 60_000);
    expect(() => a.receive(formatHlc({ wall: 120_000, counter: 0, node: 'B' }))).toThrow(ClockDriftError);
  });

  it('continues after the last issued timestamp when restored, so a restart never repeats one', () => {
    const t = { now: 5000 };
    const first = new HybridClock('A', fixed(t));
    first.tick();
    const last = first.tick();
    const restored = new HybridClock('A', fixed(t), undefined, first.lastIssued);
    expect(restored.tick() > last).toBe(true);
  });

  it('sorts timestamps as strings in time order across decades', () => {
    const early = formatHlc({ wall: 9, counter: 35, node: 'Z' });
    const late = formatHlc({ wall: 1_760_000_000_000, counter: 0, node: 'A' });
    expect(early < late).toBe(true);
    expect(() => parseHlc('nonsense')).toThrow(/not a hybrid/);
  });
});
