import { PopupError } from './errors.ts';
import type { Clock } from './platform.ts';

/**
 * Hybrid logical clock (Kulkarni et al., "Logical Physical Clocks", OPODIS 2014): a timestamp that stays
 * close to wall time, never goes backwards on a device, and orders causally related events across devices
 * even when their wall clocks disagree. Serialised as a fixed-width string so that string order is time
 * order: `wallMs(base36, 11) counter(base36, 4) node`.
 */
export interface HlcTimestamp {
  wall: number;
  counter: number;
  node: string;
}

export class ClockDriftError extends PopupError {}
export class ClockOverflowError extends PopupError {}

/** A remote clock further ahead than this is refused: a till with a wrong date must not drag others along. */
export const DEFAULT_MAX_DRIFT_MS = 5 * 60_000;
const MAX_COUNTER = 36 ** 4 - 1;

export function formatHlc(t: HlcTimestamp): string {
  return `${t.wall.toString(36).padStart(11, '0')}${t.counter.toString(36).padStart(4, '0')}-${t.node}`;
}

export function parseHlc(s: string): HlcTimestamp {
  const m = /^([0-9a-z]{11})([0-9a-z]{4})-([0-9A-Za-z]+)$/.exec(s);
  if (!m) throw new PopupError(`"${s}" is not a hybrid-logical-clock timestamp`);
  return { wall: parseInt(m[1]!, 36), counter: parseInt(m[2]!, 36), node: m[3]! };
}

export class HybridClock {
  private last: { wall: number; counter: number };

  constructor(
    readonly node: string,
    private readonly clock: Clock,
    private readonly maxDriftMs = DEFAULT_MAX_DRIFT_MS,
    /** The last timestamp this device issued, restored from storage so a restart never repeats one. */
    restored?: string,
  ) {
    const r = restored ? parseHlc(restored) : undefined;
    this.last = r ? { wall: r.wall, counter: r.counter } : { wall: 0, counter: 0 };
  }

  /** A timestamp for a local event (a sale, a transfer): strictly greater than every one before it. */
  tick(): string {
    const pt = this.clock.now();
    if (pt > this.last.wall) this.last = { wall: pt, counter: 0 };
    else this.bump();
    return formatHlc({ ...this.last, node: this.node });
  }

  /** Folds in a timestamp seen from another device, so the next local tick orders after it. */
  receive(remote: string): void {
    const r = parseHlc(remote);
    const pt = this.clock.now();
    if (r.wall - pt > this.maxDriftMs) {
      throw new ClockDriftError(`timestamp from ${r.node} is ${r.wall - pt} ms ahead of this device's clock`);
    }
    const wall = Math.max(this.last.wall, r.wall, pt);
    let counter = 0;
    if (wall === this.last.wall && wall === r.wall) counter = Math.max(this.last.counter, r.counter) + 1;
    else if (wall === this.last.wall) counter = this.last.counter + 1;
    else if (wall === r.wall) counter = r.counter + 1;
    if (counter > MAX_COUNTER) throw new ClockOverflowError('hybrid clock counter overflow');
    this.last = { wall, counter };
  }

  /** The last timestamp issued, to persist. */
  get lastIssued(): string {
    return formatHlc({ ...this.last, node: this.node });
  }

  private bump(): void {
    if (this.last.counter >= MAX_COUNTER) throw new ClockOverflowError('hybrid clock counter overflow');
    this.last = { wall: this.last.wall, counter: this.last.counter + 1 };
  }
}
