/** How long the first outage phase retries at a steady, quick pace (see Reconnect). */
export const QUICK_PHASE_MS = 15_000;

export interface ReconnectOptions {
  /** The wait before the first retry (default 500 ms); the quick phase retries every twice that. */
  minMs?: number;
  /** The longest wait between retries (default 15 s). */
  maxMs?: number;
  now?: () => number;
}

/**
 * When a till (or the console) tries the server again after its connection closed or failed to open.
 *
 * The first retry comes after `minMs`; then, for the first QUICK_PHASE_MS of an outage, a retry every
 * 2 × `minMs` (1 s by default); after that the wait doubles up to `maxMs`. Why a quick phase rather than
 * doubling from the start: the outages a till meets most are short and end at a moment the till cannot
 * see coming — a server restart, or in a cluster the take-over of a dead owner's event, which another
 * process completes about 4 s after the kill (a 3 s lease). Doubling (0.5, 1.5, 3.5, 7.5 s…) put the try
 * after a 4 s take-over at 7.5 s, so the cashier waited twice as long as the server did. A failed try is a
 * refused TCP connection or a 503 on the upgrade: 15 of them in 15 s per till is nothing to a server, and a
 * long outage still backs off to `maxMs`.
 */
export class Reconnect {
  private since: number | undefined;
  private tries = 0;
  private wait: number;
  private readonly minMs: number;
  private readonly maxMs: number;
  private readonly now: () => number;

  constructor(opts: ReconnectOptions = {}) {
    this.minMs = opts.minMs ?? 500;
    this.maxMs = opts.maxMs ?? 15_000;
    this.now = opts.now ?? Date.now;
    this.wait = this.minMs;
  }

  /** The connection is open: the next outage starts the schedule afresh. */
  reset(): void {
    this.since = undefined;
    this.tries = 0;
    this.wait = this.minMs;
  }

  /** The wait before the next try; called each time the connection closes or fails to open. */
  next(): number {
    const t = this.now();
    this.since ??= t;
    const n = this.tries++;
    if (n === 0) return Math.min(this.minMs, this.maxMs);
    if (t - this.since < QUICK_PHASE_MS) {
      this.wait = Math.min(2 * this.minMs, this.maxMs);
      return this.wait;
    }
    this.wait = Math.min(this.wait * 2, this.maxMs);
    return this.wait;
  }
}
