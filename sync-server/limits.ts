/**
 * Bounds on what an untrusted peer can make the server do. Defaults are generous for a till or a console
 * and small enough that one misbehaving client cannot starve the rest.
 */
export interface Limits {
  /**
   * Largest WebSocket message accepted, in bytes (default 16 MiB). A brand's whole document arrives in one
   * message when a till first syncs, so this must exceed the largest event's document; larger frames are
   * refused by `ws` before they are buffered.
   */
  maxMessageBytes: number;
  /**
   * Open connections per token (default 32): a till opens one per document; a runaway loop opens many.
   * Organiser and admin tokens may hold `CONSOLE_CONNECTION_FACTOR` times as many, since the organiser
   * console opens every document of an event (setup, one per brand, one per till) at once.
   */
  connectionsPerToken: number;
  /** Sustained messages per second per connection (default 200), with bursts up to twice that. */
  messagesPerSecond: number;
  /**
   * How long a client may take to send its HTTP upgrade request (default 10 s). Sockets that never finish
   * the handshake hold memory; Node's default of 60 s is too long to stand a slowloris.
   */
  handshakeTimeoutMs: number;
  /** HTTP request bodies (catalog imports, orders), in bytes (default 4 MiB). */
  maxBodyBytes: number;
}

export const DEFAULT_LIMITS: Limits = {
  maxMessageBytes: 16 * 1024 * 1024,
  connectionsPerToken: 32,
  messagesPerSecond: 200,
  handshakeTimeoutMs: 10_000,
  maxBodyBytes: 4 * 1024 * 1024,
};

export const CONSOLE_CONNECTION_FACTOR = 8;

export function connectionCap(claims: { role: string }, limits: Pick<Limits, 'connectionsPerToken'>): number {
  return claims.role === 'organiser' || claims.role === 'admin' ? limits.connectionsPerToken * CONSOLE_CONNECTION_FACTOR : limits.connectionsPerToken;
}

/** A token bucket: `rate` tokens a second, holding at most `burst`. */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly rate: number,
    private readonly burst: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = burst;
    this.last = now();
  }

  take(): boolean {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) / 1000) * this.rate);
    this.last = t;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
