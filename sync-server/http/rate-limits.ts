import type { IncomingMessage } from 'node:http';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { hashToken } from '../auth.ts';
import { forwardedClientOf } from '../cluster/forward.ts';
import type { Limits } from '../limits.ts';
import type { Metrics } from '../metrics.ts';
import { HttpError } from './router.ts';

/**
 * Request rate limits on the HTTP API, per client address and per token, answered 429 with `Retry-After`
 * and counted on /metrics (`popup_rate_limited_total{limit=…}`). Counters are rate-limiter-flexible's
 * in-memory ones: the same library keeps them in PostgreSQL once the server runs as a cluster, so a limit
 * then holds across instances without changing the callers.
 */
export type RateLimitName = 'pair-address' | 'storefront-token' | 'storefront-address';

/** A request over a rate limit: 429, and when to try again. */
export class RateLimitedError extends HttpError {
  constructor(
    readonly limit: RateLimitName,
    readonly retryAfterSeconds: number,
    message: string,
  ) {
    super(429, message, { limit, retryAfterSeconds });
  }
}

export type RateLimitSettings = Pick<Limits, 'pairPerMinute' | 'storefrontPerTokenPerSecond' | 'storefrontPerAddressPerSecond' | 'trustProxy'>;

export class RateLimits {
  private readonly limiters: Record<RateLimitName, { limiter: RateLimiterMemory; says: string }>;

  constructor(
    private readonly settings: RateLimitSettings,
    private readonly metrics: Metrics,
  ) {
    this.limiters = {
      // Pairing codes are short enough to type: ~105,000 guesses a minute from one machine would find one.
      'pair-address': { limiter: new RateLimiterMemory({ keyPrefix: 'pair', points: settings.pairPerMinute, duration: 60 }), says: `at most ${settings.pairPerMinute} pairing attempts a minute from one address` },
      'storefront-token': { limiter: new RateLimiterMemory({ keyPrefix: 'sft', points: settings.storefrontPerTokenPerSecond, duration: 1 }), says: `at most ${settings.storefrontPerTokenPerSecond} storefront requests a second per token` },
      'storefront-address': { limiter: new RateLimiterMemory({ keyPrefix: 'sfa', points: settings.storefrontPerAddressPerSecond, duration: 1 }), says: `at most ${settings.storefrontPerAddressPerSecond} storefront requests a second from one address` },
    };
  }

  /**
   * The client's address: the socket's peer, or behind a reverse proxy told to be trusted (`--trust-proxy`),
   * the last `X-Forwarded-For` hop — the one the proxy itself appended; hops before it are the client's claim.
   * A request another process of the cluster forwarded carries the address that process judged by these same
   * rules, signed (cluster/forward.ts): that one, else every forwarded client would share the peer's address.
   */
  clientAddress(req: IncomingMessage): string {
    const forwarded = forwardedClientOf(req);
    if (forwarded !== undefined) return forwarded;
    if (this.settings.trustProxy) {
      const raw = req.headers['x-forwarded-for'];
      const hops = (Array.isArray(raw) ? raw.join(',') : (raw ?? '')).split(',').map((h) => h.trim()).filter(Boolean);
      const last = hops.at(-1);
      if (last) return last;
    }
    return req.socket.remoteAddress ?? 'unknown';
  }

  /** Counts one request against a limit; throws `RateLimitedError` when it is over. */
  async take(name: RateLimitName, key: string): Promise<void> {
    const { limiter, says } = this.limiters[name];
    try {
      await limiter.consume(key);
    } catch (err) {
      if (!(err instanceof RateLimiterRes)) throw err;
      this.metrics.rateLimited.set(name, (this.metrics.rateLimited.get(name) ?? 0) + 1);
      const retryAfter = Math.max(1, Math.ceil(err.msBeforeNext / 1000));
      throw new RateLimitedError(name, retryAfter, `too many requests: ${says}; retry in ${retryAfter} s`);
    }
  }

  /** The storefront limits: this address, then this token (hashed: the counters never hold a secret). */
  async storefront(req: IncomingMessage, token: string | undefined): Promise<void> {
    await this.take('storefront-address', this.clientAddress(req));
    if (token) await this.take('storefront-token', hashToken(token));
  }
}
