import type { EventService } from '../event-service.ts';
import type { Storefront } from '../storefront/storefront.ts';
import { TRACKING_ID_PATTERN, TrackingNotFound, trackingView, type TrackingLinks } from '../storefront/tracking.ts';
import { etagOf, ifNoneMatch } from '../storefront/stock.ts';
import { errorReply, type Reply, type Router } from './router.ts';
import type { RateLimits } from './rate-limits.ts';

/**
 * Order tracking for shoppers (storefront/tracking.ts): `GET /api/track/:trackingId` answers the order's
 * status with no token (the id is the credential), to any origin (no cookies or tokens ride on it, so CORS
 * `*` gives nothing away); `GET /t/:trackingId` is the short link in the confirmation, sent on to the
 * tracking page. See docs/api.md, "Order tracking".
 */
export interface TrackingRouteOptions {
  storefront: Storefront;
  events: EventService;
  links: TrackingLinks;
  /** Where `/t/<id>` sends the shopper: the tracking page, which reads the id from the fragment. */
  trackingPage?: string;
  rateLimits?: RateLimits;
}

const OPEN_CORS = { 'access-control-allow-origin': '*', 'access-control-expose-headers': 'etag' };

export function trackingRoutes(router: Router, opts: TrackingRouteOptions): void {
  router.on('GET', '/api/track/:trackingId', async (ctx) => {
    let reply: Reply;
    try {
      // Per address: a script guessing ids is slowed like any storefront client (and 2^256 ids defeat it).
      await opts.rateLimits?.storefront(ctx.req, undefined);
      const { eventId, orderId } = await opts.links.resolve(ctx.params['trackingId']!);
      const order = await opts.storefront.orders.get(eventId, orderId);
      const { locations } = await opts.events.setup(eventId);
      const body = trackingView(order, locations);
      const etag = etagOf(body);
      // Polled every few seconds by an open tracking page: 304 while nothing moved. Private: it is one
      // shopper's order, not for a shared cache.
      const headers = { etag, 'cache-control': 'private, no-cache' };
      reply = ifNoneMatch(ctx.req.headers['if-none-match'], etag) ? { status: 304, headers } : { status: 200, body, headers };
    } catch (err) {
      reply = errorReply(err);
    }
    return { ...reply, headers: { ...reply.headers, ...OPEN_CORS } };
  });

  router.on('GET', '/t/:trackingId', async (ctx) => {
    const id = ctx.params['trackingId']!;
    if (!TRACKING_ID_PATTERN.test(id)) return errorReply(new TrackingNotFound());
    if (!opts.trackingPage) return { status: 404, body: { type: 'NoTrackingPage', message: 'this server serves no tracking page; read the order at /api/track/<id>' } };
    // The id goes in the fragment: it never reaches the page's server logs or a Referer header.
    return { status: 303, headers: { location: `${opts.trackingPage}#${id}`, 'referrer-policy': 'no-referrer' } };
  });
}
