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
   * Largest WebSocket message from a storefront connection, in bytes (default 1 MiB). A storefront only reads:
   * it sends a state vector and an empty sync step 2, never a document. With the 16 MiB limit above, 30
   * storefront connections each sending a 4 MiB awareness state made the server buffer and read 403 MB in
   * 9 s; at this size `ws` refuses the frame (1009) from its header, before buffering it.
   */
  readOnlyMessageBytes: number;
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
  /**
   * How long a connection may stay open without sending its first byte (default 10 s). Node's header timeout
   * only starts at the first byte, so 300 silent TCP connections were held for ever; a real client sends its
   * request at once.
   */
  idleConnectionMs: number;
  /**
   * How long a whole HTTP request (head and body) may take (default 30 s). 4 MiB takes well under a second on
   * venue Wi-Fi; a body sent at one byte a second (slowloris) holds a socket and a buffer until this ends it.
   */
  requestTimeoutMs: number;
  /**
   * Largest awareness message a connection may send, in bytes (default 64 KiB). Awareness is presence (a
   * name, a colour, a cursor): every state is relayed to every peer and to every newcomer, so one large state
   * is multiplied by the audience.
   */
  awarenessBytes: number;
  /** Awareness client ids one connection may speak for (default 4: one per tab or provider, with room). */
  awarenessClientsPerConnection: number;
  /** Awareness messages a second per connection (default 10, bursts of twice that): presence, not a feed. */
  awarenessPerSecond: number;
  /** Pairing attempts (`POST /api/pair`) per client address per minute (default 10): codes must not be guessable. */
  pairPerMinute: number;
  /**
   * Storefront API requests per token per second (default 500). One token often carries a whole drop (a
   * storefront backend, or a static page every buyer loads), so this bounds a runaway client, not the drop.
   */
  storefrontPerTokenPerSecond: number;
  /** Storefront API requests per client address per second (default 200), whatever the token: a storefront backend sends all its buyers from one address. */
  storefrontPerAddressPerSecond: number;
  /**
   * Open stock streams (`GET …/stock/stream`) per client address (default 32). A drop page's buyers all hold
   * the same storefront token, so a cap per token (10, before) refused the crowd; an address is one browser,
   * one office or one mobile carrier's NAT. One address opening thousands is still refused (429).
   */
  stockStreamsPerAddress: number;
  /**
   * Open stock streams on the whole server (default 20,000): each holds a socket and its buffers, so the
   * process's memory and file descriptors bound it. Over it the server answers 503 with `Retry-After`.
   */
  stockStreams: number;
  /**
   * Take the client address from the last `X-Forwarded-For` hop (default false). Only behind a reverse proxy
   * that sets it: otherwise any client could name any address and dodge the per-address limits.
   */
  trustProxy: boolean;
}

export const DEFAULT_LIMITS: Limits = {
  maxMessageBytes: 16 * 1024 * 1024,
  readOnlyMessageBytes: 1024 * 1024,
  connectionsPerToken: 32,
  messagesPerSecond: 200,
  handshakeTimeoutMs: 10_000,
  maxBodyBytes: 4 * 1024 * 1024,
  idleConnectionMs: 10_000,
  requestTimeoutMs: 30_000,
  awarenessBytes: 64 * 1024,
  awarenessClientsPerConnection: 4,
  awarenessPerSecond: 10,
  pairPerMinute: 10,
  storefrontPerTokenPerSecond: 500,
  storefrontPerAddressPerSecond: 200,
  stockStreamsPerAddress: 32,
  stockStreams: 20_000,
  trustProxy: false,
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
