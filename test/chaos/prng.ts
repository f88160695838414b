/**
 * A seeded pseudo-random source (mulberry32: 32-bit state, full period 2^32), so a chaos run is replayed
 * exactly from its seed as far as the harness's own choices go (which till acts, what it sells, when a
 * link is cut). Timing on a loaded machine still varies between runs; the seed fixes the plan, not the clock.
 */
export class Prng {
  private state: number;

  constructor(readonly seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [min, max], both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[Math.floor(this.next() * items.length)]!;
  }

  /** An independent stream for one actor, so adding an actor does not shift every other actor's choices. */
  fork(label: string): Prng {
    let h = this.seed ^ 0x9e3779b9;
    for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193);
    return new Prng(h >>> 0);
  }
}

/** A seed from `--seed`, `CHAOS_SEED` or the clock, as an unsigned 32-bit integer. */
export function parseSeed(raw: string | undefined): number {
  if (raw === undefined || raw === '') return (Date.now() ^ (process.pid << 16)) >>> 0;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new Error(`seed must be an integer 0–4294967295, got "${raw}"`);
  return n;
}
