import type { EventService } from '../event-service.ts';
import { DropQueue } from '../storefront/queue.ts';
import { HttpError, requireRole, type Handler, type RequestContext, type Router } from './router.ts';
import type { RateLimits } from './rate-limits.ts';

/**
 * The waiting room's HTTP face (storefront/queue.ts; docs/api.md, "Waiting room"). The shopper-facing routes
 * are registered through the storefront's `route` (CORS for the event's origins, rate limits); the
 * organiser's switch is same-origin.
 */
export interface QueueRouteOptions {
  queue: DropQueue;
  events: EventService;
  now: () => number;
  rateLimits?: RateLimits;
}

type Route = (method: string, path: string, handler: (ctx: RequestContext, cors: Record<string, string>) => ReturnType<Handler>) => void;

export function queueRoutes(router: Router, route: Route, opts: QueueRouteOptions): void {
  const { queue } = opts;

  /** What a drop page needs to show the room: on or off, the rate, when admission starts, the server's clock. */
  const view = async (eventId: string) => {
    const s = await queue.getSettings(eventId);
    if (!s) return { eventId, enabled: false, serverTime: opts.now() };
    return { eventId, enabled: s.enabled, admitPerSecond: s.admitPerSecond, admissionStartsAt: await queue.admissionStart(eventId, s), soldOut: s.enabled && (await queue.isSoldOut(eventId)), serverTime: opts.now() };
  };
  const requireEvent = async (eventId: string) => {
    if (!(await opts.events.setup(eventId)).config) throw new HttpError(404, `there is no event "${eventId}"`);
  };

  route('GET', '/api/events/:eventId/queue', async (ctx) => {
    const eventId = ctx.params['eventId']!;
    requireRole(ctx, ['storefront', 'organiser'], eventId);
    await requireEvent(eventId);
    return { status: 200, body: await view(eventId) };
  });

  route('POST', '/api/events/:eventId/queue/tickets', async (ctx) => {
    const eventId = ctx.params['eventId']!;
    requireRole(ctx, ['storefront'], eventId);
    await requireEvent(eventId);
    const body = (await ctx.json()) as { browserKey?: unknown } | null;
    const address = opts.rateLimits?.clientAddress(ctx.req) ?? ctx.req.socket.remoteAddress ?? 'unknown';
    const { ticket, place, fresh } = await queue.issue(eventId, body?.browserKey, address);
    const v = await view(eventId);
    const admitAt = 'admissionStartsAt' in v ? DropQueue.admitAt(place, v.admissionStartsAt!, v.admitPerSecond!) : opts.now();
    return { status: fresh ? 201 : 200, body: { ticket, place, admitAt, admitPerSecond: v.admitPerSecond, admissionStartsAt: v.admissionStartsAt, serverTime: v.serverTime } };
  });

  router.on('PUT', '/api/events/:eventId/queue', async (ctx) => {
    const eventId = ctx.params['eventId']!;
    requireRole(ctx, ['organiser'], eventId);
    await requireEvent(eventId);
    await queue.setSettings(eventId, await ctx.json());
    return { status: 200, body: await view(eventId) };
  });
}
