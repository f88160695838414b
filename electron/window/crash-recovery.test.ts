import { describe, expect, it } from 'vitest';
import { recoverRenderer, type RecoverableContents } from './crash-recovery.ts';

function world(opts: { now?: () => number } = {}) {
  const listeners = new Map<string, (...args: unknown[]) => void>();
  const timers: { fn: () => void; ms: number; cleared: boolean }[] = [];
  let crashed = 0;
  const contents: RecoverableContents = {
    on: ((ev: string, fn: (...args: unknown[]) => void) => void listeners.set(ev, fn)) as RecoverableContents['on'],
    isDestroyed: () => false,
    forcefullyCrashRenderer: () => {
      crashed++;
      listeners.get('render-process-gone')!({}, { reason: 'killed', exitCode: 9 });
    },
  };
  const reloads: string[] = [];
  const gaveUp: string[] = [];
  recoverRenderer(contents, {
    reload: () => void reloads.push('reload'),
    giveUp: (r) => void gaveUp.push(r),
    log: () => undefined,
    hangGraceMs: 15_000,
    setTimer: (fn, ms) => {
      const t = { fn, ms, cleared: false };
      timers.push(t);
      return t;
    },
    clearTimer: (t) => {
      if (t) (t as { cleared: boolean }).cleared = true;
    },
    ...(opts.now ? { now: opts.now } : {}),
  });
  return {
    gone: (reason: string) => listeners.get('render-process-gone')!({}, { reason, exitCode: 1 }),
    emit: (ev: string) => listeners.get(ev)!(),
    runTimers: () => timers.filter((t) => !t.cleared).forEach((t) => ((t.cleared = true), t.fn())),
    timers,
    reloads,
    gaveUp,
    crashed: () => crashed,
  };
}

describe('crash recovery', () => {
  it('reloads the till when its renderer crashes or is killed, but not when it exits cleanly', () => {
    let t = 0;
    const w = world({ now: () => (t += 30_000) });
    w.gone('crashed');
    w.gone('oom');
    w.gone('clean-exit');
    expect(w.reloads).toHaveLength(2);
  });

  it('gives a hung renderer time, then kills it and reloads', () => {
    const w = world();
    w.emit('unresponsive');
    w.emit('unresponsive');
    expect(w.timers).toHaveLength(1);
    expect(w.timers[0]!.ms).toBe(15_000);
    w.runTimers();
    expect(w.crashed()).toBe(1);
    expect(w.reloads).toHaveLength(1);
  });

  it('leaves a renderer alone that recovers by itself', () => {
    const w = world();
    w.emit('unresponsive');
    w.emit('responsive');
    w.runTimers();
    expect(w.crashed()).toBe(0);
    expect(w.reloads).toHaveLength(0);
  });

  it('stops reloading a renderer that keeps dying, and says so', () => {
    const w = world({ now: () => 1000 });
    for (let i = 0; i < 5; i++) w.gone('crashed');
    expect(w.reloads).toHaveLength(3);
    expect(w.gaveUp).toHaveLength(1);
    expect(w.gaveUp[0]).toMatch(/stopped 4 times in a row \(renderer gone\)/);
  });
});
