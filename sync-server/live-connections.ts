/**
 * Every open connection (WebSocket, or an HTTP response still being written, such as an SSE stream) under
 * the token that opened it, so that revoking or expiring a token can end them at once instead of leaving a
 * stolen till or a leaked storefront token connected until it happens to reconnect.
 *
 * Expiry is a timer per token with open connections, armed for its `expiresAt`, not a periodic sweep: it
 * closes on time (a sweep is late by up to its period), costs nothing for tokens without an expiry, and
 * needs no scan over every connection. Node caps a timer at ~24.8 days, so a later expiry re-arms.
 */
export type Closer = (code: number, reason: string) => void;

interface Live {
  closers: Set<Closer>;
  expiresAt?: number;
  timer?: ReturnType<typeof setTimeout>;
}

const MAX_TIMER_MS = 2 ** 31 - 1;

export class LiveConnections {
  private readonly byToken = new Map<string, Live>();

  constructor(
    private readonly now: () => number,
    /** What to do when a tracked token's expiry passes (close with TokenExpired). */
    private readonly onExpiry: (key: string) => void,
  ) {}

  /** Tracks one connection of the token whose hash is `key`; the returned function stops tracking it. */
  track(key: string, closer: Closer): () => void {
    let live = this.byToken.get(key);
    if (!live) this.byToken.set(key, (live = { closers: new Set() }));
    live.closers.add(closer);
    return () => {
      const l = this.byToken.get(key);
      if (!l) return;
      l.closers.delete(closer);
      if (l.closers.size === 0) {
        clearTimeout(l.timer);
        this.byToken.delete(key);
      }
    };
  }

  /** Arms the token's expiry timer (once per token: every connection of it shares the same expiry). */
  expireAt(key: string, expiresAt: number): void {
    const live = this.byToken.get(key);
    if (!live || live.expiresAt === expiresAt) return;
    clearTimeout(live.timer);
    live.expiresAt = expiresAt;
    const arm = (): void => {
      const wait = expiresAt - this.now();
      if (wait <= 0) {
        this.onExpiry(key);
        return;
      }
      live.timer = setTimeout(arm, Math.min(wait, MAX_TIMER_MS));
      live.timer.unref?.();
    };
    arm();
  }

  /** Closes every open connection of the token; returns how many there were. */
  closeAll(key: string, code: number, reason: string): number {
    const live = this.byToken.get(key);
    if (!live) return 0;
    const closers = [...live.closers];
    // Closing a connection untracks it; a closer that does not (an HTTP reply still being made) must not
    // be closed twice, so the token's entry goes now.
    clearTimeout(live.timer);
    this.byToken.delete(key);
    for (const close of closers) close(code, reason);
    return closers.length;
  }

  /** Open connections of the token (tests, metrics). */
  count(key: string): number {
    return this.byToken.get(key)?.closers.size ?? 0;
  }
}
