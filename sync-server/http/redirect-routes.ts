import { creatorKey, isWebUrl } from '../../core/event/event.ts';
import type { EventService } from '../event-service.ts';
import type { Router } from './router.ts';
import { TokenBucket } from '../limits.ts';
import type { SetupService } from '../setup-service.ts';
import type { ClickCounter } from '../creators/click-counter.ts';
import type { IncomingMessage } from 'node:http';

/**
 * Creator links: `GET /r/<code>` counts a click for the creator and redirects (302) to the creator's own
 * page when they have one, else to the drop's page (`dropUrl`) with `?source=<code>` added so the
 * storefront can record the code on the order. Public (a link in a post carries no token), so each client
 * address is rate-limited: a script hammering a link must not inflate a creator's clicks or the server's load.
 */
export interface RedirectLimits {
  /** Sustained clicks per second per client address (default 2), with bursts up to `burst` (default 20). */
  perSecond: number;
  burst: number;
  /** Client addresses remembered at once (default 10 000; the oldest is forgotten first): bounds memory. */
  maxClients: number;
}

export const DEFAULT_REDIRECT_LIMITS: RedirectLimits = { perSecond: 2, burst: 20, maxClients: 10_000 };

export function redirectRoutes(router: Router, deps: { events: EventService; setup: SetupService; clicks: ClickCounter; limits?: Partial<RedirectLimits>; clientAddress?: (req: IncomingMessage) => string }): void {
  const limits = { ...DEFAULT_REDIRECT_LIMITS, ...deps.limits };
  const buckets = new Map<string, TokenBucket>();
  const allow = (ip: string): boolean => {
    let b = buckets.get(ip);
    if (b) buckets.delete(ip); // re-inserted below: the map's order is least recently seen first
    else {
      if (buckets.size >= limits.maxClients) buckets.delete(buckets.keys().next().value!);
      b = new TokenBucket(limits.perSecond, limits.burst);
    }
    buckets.set(ip, b);
    return b.take();
  };
  const plain = (status: number, text: string, headers: Record<string, string> = {}) => ({ status, text, headers });

  router.on('GET', '/r/:code', async (ctx) => {
    // The client's address as the server's other limits judge it (RateLimits.clientAddress): the socket's,
    // X-Forwarded-For's last hop only behind --trust-proxy, and behind a cluster peer's forward the address
    // that peer signed; never a header a client merely writes (docs/api.md, "Creators and their links").
    const address = deps.clientAddress ? deps.clientAddress(ctx.req) : (ctx.req.socket.remoteAddress ?? 'unknown');
    if (!allow(address)) return plain(429, 'Too many clicks from this address: try again in a few seconds.', { 'retry-after': '5' });
    const code = ctx.params['code']!;
    const notFound = plain(404, `There is no creator link "${code.slice(0, 40)}".`);
    const eventId = await deps.setup.eventOfCode(code);
    if (!eventId) return notFound;
    const { config, creators } = await deps.events.setup(eventId);
    const creator = creators.find((c) => creatorKey(c.code) === creatorKey(code));
    if (!config || !creator) return notFound;
    const target = creator.url ?? (config.dropUrl ? withSource(config.dropUrl, creator.code) : undefined);
    if (!target || !isWebUrl(target)) return plain(404, `The drop of "${creator.code}" has no web page yet.`);
    deps.clicks.click(eventId, creatorKey(creator.code));
    return { status: 302, headers: { location: target, 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' } };
  });
}

/** The drop's address with `source=<code>` added (replacing one already there). */
function withSource(url: string, code: string): string {
  const u = new URL(url);
  u.searchParams.set('source', code);
  return u.toString();
}
