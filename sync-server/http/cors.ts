import { ValidationError } from '../../core/base/errors.ts';
import { asObject } from '../../core/base/validate.ts';
import type { Stores } from '../storage/store.ts';
import type { EventSlot } from '../event-host.ts';
import type { EventHosts } from '../event-hosts.ts';

/**
 * Cross-origin access for the storefront API: a brand's web store runs on its own origin and calls the
 * sync server from the customer's browser. The organiser lists the origins allowed per event; only the
 * storefront routes answer CORS (the organiser and till APIs stay same-origin), and only for those origins.
 * Fetch Standard §3.2 (CORS protocol): a preflight (OPTIONS with Access-Control-Request-Method) is answered
 * 204 with what may be sent; the actual response carries Access-Control-Allow-Origin for the caller's
 * origin (never `*`: the requests carry a bearer token) and `Vary: Origin`, so a cache never hands one
 * origin's answer to another.
 */
export const MAX_ORIGINS = 20;

/** Headers a storefront sends beyond the CORS-safelisted ones. */
export const ALLOWED_REQUEST_HEADERS = ['authorization', 'content-type', 'idempotency-key', 'if-none-match', 'queue-ticket', 'queue-key'];
/** Response headers a storefront script may read beyond the safelisted ones. */
export const EXPOSED_HEADERS = ['etag', 'location', 'idempotent-replayed', 'retry-after', 'server-time'];
/** Browsers cache a preflight this long (seconds); Chromium caps it at 7200. */
export const PREFLIGHT_MAX_AGE = 600;

const NS = 'storefront-origins';

/**
 * An origin exactly as a browser sends it (RFC 6454 §6.2): scheme, host and a non-default port, no path,
 * lower case. http is allowed for local development (http://localhost:3000).
 */
export function parseOrigin(raw: unknown, field: string): string {
  if (typeof raw !== 'string' || raw.length > 200) throw new ValidationError(field, 'must be an origin like "https://shop.example.com"');
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ValidationError(field, `"${raw}" is not an origin like "https://shop.example.com"`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new ValidationError(field, `"${raw}" must be http or https`);
  if (url.username || url.password || url.search || url.hash || (url.pathname !== '/' && url.pathname !== '')) {
    throw new ValidationError(field, `"${raw}" is not a bare origin: drop the path, query and credentials (e.g. "${url.origin}")`);
  }
  return url.origin;
}

export function parseOriginsBody(body: unknown): string[] {
  const o = asObject(body, 'body');
  const list = o['origins'];
  if (!Array.isArray(list)) throw new ValidationError('origins', 'send {"origins": ["https://shop.example.com", …]} (an empty list turns cross-origin access off)');
  if (list.length > MAX_ORIGINS) throw new ValidationError('origins', `at most ${MAX_ORIGINS} origins`);
  return [...new Set(list.map((v: unknown, i) => parseOrigin(v, `origins[${i}]`)))];
}

/** The allowed origins per event, stored in the `storefront-origins` namespace and cached in memory. */
export class StorefrontOrigins {
  /** In each event's host: another process may change the list while it serves the event. */
  private readonly cache: EventSlot<Promise<string[]>>;

  constructor(
    private readonly stores: Stores,
    hosts: EventHosts,
  ) {
    this.cache = hosts.slot('storefront-origins');
  }

  get(eventId: string): Promise<string[]> {
    let p = this.cache.get(eventId);
    if (!p) {
      p = this.stores.event(eventId).get<string[]>(NS, '').then((v) => v ?? []);
      this.cache.set(eventId, p);
    }
    return p;
  }

  async set(eventId: string, origins: string[]): Promise<void> {
    await this.stores.event(eventId).put(NS, '', origins);
    this.cache.set(eventId, Promise.resolve(origins));
  }
}

/** Headers for an actual (non-preflight) response to `origin`; none when the origin is not allowed. */
export function corsHeaders(origin: string | undefined, allowed: readonly string[]): Record<string, string> {
  if (!origin || !allowed.includes(origin)) return { vary: 'Origin' };
  return { 'access-control-allow-origin': origin, 'access-control-expose-headers': EXPOSED_HEADERS.join(', '), vary: 'Origin' };
}

/**
 * The answer to a preflight: 204 with the allowances, or 403 naming why (an origin not on the event's list,
 * a method the route does not take, a header the API does not read).
 */
export function preflight(
  origin: string | undefined,
  allowed: readonly string[],
  methods: readonly string[],
  requestMethod: string | undefined,
  requestHeaders: string | undefined,
): { status: number; headers: Record<string, string>; body?: { type: string; message: string } } {
  const refuse = (message: string) => ({ status: 403, headers: { vary: 'Origin' }, body: { type: 'CorsRefused', message } });
  if (!origin) return refuse('a preflight needs an Origin header');
  if (!allowed.includes(origin)) return refuse(`${origin} is not an allowed storefront origin of this event (the organiser lists them: PUT /api/events/:eventId/storefront/origins)`);
  const method = (requestMethod ?? '').toUpperCase();
  if (!methods.includes(method)) return refuse(`${method || 'no method'} is not allowed here (${methods.join(', ')})`);
  const extra = (requestHeaders ?? '')
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter((h) => h && !ALLOWED_REQUEST_HEADERS.includes(h));
  if (extra.length) return refuse(`the header${extra.length > 1 ? 's' : ''} ${extra.join(', ')} ${extra.length > 1 ? 'are' : 'is'} not read by this API`);
  return {
    status: 204,
    headers: {
      'access-control-allow-origin': origin,
      'access-control-allow-methods': methods.join(', '),
      'access-control-allow-headers': ALLOWED_REQUEST_HEADERS.join(', '),
      'access-control-max-age': String(PREFLIGHT_MAX_AGE),
      vary: 'Origin',
    },
  };
}
