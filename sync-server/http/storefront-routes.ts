import type { IncomingMessage } from 'node:http';
import { ValidationError } from '../../core/base/errors.ts';
import { FULFILMENT_KINDS } from '../../core/ledger/routing.ts';
import { hashToken, type Auth } from '../auth.ts';
import { mayFulfilAt } from '../permissions.ts';
import { isIdempotencyKey } from '../storefront/input.ts';
import { ORDER_PATHS, ORDER_STATUSES, publicOrder, type OrderRecord, type OrderStatus } from '../storefront/orders.ts';
import type { Storefront } from '../storefront/storefront.ts';
import type { TrackingLinks } from '../storefront/tracking.ts';
import type { DropQueue } from '../storefront/queue.ts';
import { queueRoutes } from './queue-routes.ts';
import { qaRoutes, type QaRouteOptions } from './qa-routes.ts';
import { etagOf, ifNoneMatch } from '../storefront/stock.ts';
import type { EventService } from '../event-service.ts';
import { corsHeaders, parseOriginsBody, preflight, type StorefrontOrigins } from './cors.ts';
import { errorReply, HttpError, requireRole, type Handler, type Reply, type RequestContext, type Router } from './router.ts';
import { SseStream, sseFrame } from './sse.ts';
import { DEFAULT_LIMITS } from '../limits.ts';
import type { StockItem, StockSnapshot } from '../storefront/stock.ts';
import type { RateLimits } from './rate-limits.ts';

/**
 * The storefront API (the online drop): stock with ETags, a live stock stream (Server-Sent Events),
 * pick-up points, reservations, idempotent routed orders, order status — these answer CORS for the
 * event's allowed origins (cors.ts). Beside them, same-origin only: the organiser's origin list, and the
 * fulfilment side (the orders routed to a location, advancing their status) for the organiser and the
 * tills at that location. See docs/api.md.
 */
export interface StorefrontRouteOptions {
  storefront: Storefront;
  auth: Auth;
  events: EventService;
  origins: StorefrontOrigins;
  /**
   * Open stock streams per client address and on the whole server (limits.ts: `stockStreamsPerAddress`,
   * `stockStreams`; defaults 32 and 20,000).
   */
  streams?: { perAddress: number; total: number };
  /** Comment line sent on an idle stream so proxies keep it open (default 15 s). */
  heartbeatMs?: number;
  /** Requests per address and per token (rate-limits.ts); none when absent. */
  rateLimits?: RateLimits;
  /** The drop's waiting room (storefront/queue.ts): when on, only an admitted ticket reserves or orders. */
  queue?: DropQueue;
  /** Tracking links for placed orders (storefront/tracking.ts); the confirmation carries one when set. */
  tracking?: TrackingLinks;
  /** The server's clock, sent to drop pages for their countdown (default Date.now). */
  now?: () => number;
  /** The drop's live Q&A (qa/qa-board.ts); its shopper routes share the storefront's CORS and rate limits. */
  qa?: Pick<QaRouteOptions, 'board' | 'feed' | 'maxStreamsPerAddress' | 'maxStreams'>;
}

/** Stock reads: fresh for a second at a cache, then served stale while one request revalidates (ETag). */
export const STOCK_CACHE_CONTROL = 'public, max-age=1, stale-while-revalidate=5';

export function storefrontRoutes(router: Router, opts: StorefrontRouteOptions): void {
  const { storefront } = opts;
  const { perAddress: maxPerAddress, total: maxStreams } = opts.streams ?? { perAddress: DEFAULT_LIMITS.stockStreamsPerAddress, total: DEFAULT_LIMITS.stockStreams };
  const heartbeatMs = opts.heartbeatMs ?? 15_000;
  /** Open stock streams per client address, and in all. */
  const openStreams = new Map<string, number>();
  let streamsOpen = 0;
  /**
   * A stock change is one array handed to every stream of the event: its frame is made once, for all; so is
   * the whole stock's frame a stream that fell behind is sent instead (SseStream.offer), made only if one did.
   */
  const stockFrames = new WeakMap<object, Buffer>();
  const stockFrame = (items: StockItem[]): Buffer => {
    let frame = stockFrames.get(items);
    if (!frame) stockFrames.set(items, (frame = sseFrame('stock', { items })));
    return frame;
  };
  const latestFrames = new WeakMap<StockSnapshot, () => Buffer>();
  const latestFrame = (snapshot: StockSnapshot): (() => Buffer) => {
    let latest = latestFrames.get(snapshot);
    if (!latest) latestFrames.set(snapshot, (latest = () => stockFrame(snapshot.items)));
    return latest;
  };
  const READERS = ['storefront', 'organiser'] as const;
  const corsMethods = new Map<string, string[]>();

  /**
   * A storefront route: answers CORS for the event's allowed origins, errors included (a browser script
   * can only read an error body it is allowed to see). `cors` is for handlers that write their own head.
   */
  const storefrontRoute = (method: string, path: string, handler: (ctx: RequestContext, cors: Record<string, string>) => ReturnType<Handler>) => {
    const first = !corsMethods.has(path);
    corsMethods.set(path, [...(corsMethods.get(path) ?? []), method]);
    router.on(method, path, async (ctx) => {
      const cors = corsHeaders(ctx.req.headers.origin, await opts.origins.get(ctx.params['eventId']!));
      let reply: Reply | 'handled';
      try {
        await opts.rateLimits?.storefront(ctx.req, bearerToken(ctx.req) ?? ctx.query.get('token') ?? undefined);
        reply = await handler(ctx, cors);
      } catch (err) {
        reply = errorReply(err);
      }
      return reply === 'handled' ? reply : { ...reply, headers: { ...reply.headers, ...cors } };
    });
    if (first) {
      router.on('OPTIONS', path, async (ctx) => {
        const h = ctx.req.headers;
        const answer = preflight(h.origin, await opts.origins.get(ctx.params['eventId']!), corsMethods.get(path) ?? [], header(h['access-control-request-method']), header(h['access-control-request-headers']));
        return { status: answer.status, headers: answer.headers, ...(answer.body ? { body: answer.body } : {}) };
      });
    }
  };

  storefrontRoute('GET', '/api/events/:eventId/stock', async (ctx) => {
    const eventId = ctx.params['eventId']!;
    requireRole(ctx, READERS, eventId);
    const body = await storefront.stock(eventId);
    const etag = etagOf(body);
    // The same for every shopper of the event (it is what the drop page shows to all), so a CDN may keep it
    // a second: a drop's opening second is thousands of identical reads (docs/operations.md, "A CDN in
    // front"). The server's clock rides in a header, outside the body, so it does not change the ETag.
    const headers = { etag, 'cache-control': STOCK_CACHE_CONTROL, 'server-time': String(opts.now?.() ?? Date.now()) };
    if (ifNoneMatch(ctx.req.headers['if-none-match'], etag)) return { status: 304, headers };
    return { status: 200, body, headers };
  });

  storefrontRoute('GET', '/api/events/:eventId/stock/stream', async (ctx, cors) => {
    const eventId = ctx.params['eventId']!;
    // EventSource cannot set headers: the token may come as ?token=.
    const token = bearerToken(ctx.req) ?? ctx.query.get('token') ?? undefined;
    const claims = ctx.claims ?? (await opts.auth.verify(token));
    requireRole({ ...ctx, claims }, READERS, eventId);
    // Counted per address, not per token: every buyer of a drop page holds the page's one storefront token.
    const address = opts.rateLimits?.clientAddress(ctx.req) ?? ctx.req.socket.remoteAddress ?? 'unknown';
    const open = openStreams.get(address) ?? 0;
    if (open >= maxPerAddress) {
      return { status: 429, body: { type: 'TooManyStreams', message: `at most ${maxPerAddress} open stock streams from one address; close one first` }, headers: { 'retry-after': '10' } };
    }
    if (streamsOpen >= maxStreams) {
      return { status: 503, body: { type: 'StreamsFull', message: `this server holds its most open stock streams (${maxStreams}); try again shortly, or read GET …/stock` }, headers: { 'retry-after': '5' } };
    }
    openStreams.set(address, open + 1);
    streamsOpen++;
    const stream = new SseStream(ctx.res);
    stream.onFinish(() => {
      streamsOpen--;
      const n = (openStreams.get(address) ?? 1) - 1;
      if (n > 0) openStreams.set(address, n);
      else openStreams.delete(address);
    });
    let watching: Awaited<ReturnType<Storefront['watch']>>;
    try {
      watching = await storefront.watch(eventId, {
        stock: (items, snapshot) => stream.offer(stockFrame(items), latestFrame(snapshot)),
        closed: (reason) => {
          stream.write(`: closing (${reason.replace(/[\r\n]/g, ' ')})\n\n`);
          stream.finish();
        },
      });
    } catch (err) {
      stream.finish();
      throw err;
    }
    // Stops the watch when the stream ends, or at once if the client left (or the server began closing)
    // while the stream was starting.
    stream.onFinish(() => watching.stop());
    if (stream.done) return 'handled';
    stream.start(heartbeatMs, cors);
    // serverTime: the page's countdown runs on the server's clock (offset = serverTime − its own clock).
    stream.event('snapshot', { ...watching.snapshot, serverTime: opts.now?.() ?? Date.now() });
    return 'handled';
  });

  storefrontRoute('GET', '/api/events/:eventId/pickup-points', async (ctx) => {
    const eventId = ctx.params['eventId']!;
    requireRole(ctx, READERS, eventId);
    const { config, locations } = await opts.events.setup(eventId);
    if (!config) throw new HttpError(404, `there is no event "${eventId}"`);
    const points = locations
      .filter((l) => FULFILMENT_KINDS.includes(l.kind))
      .map((l) => ({ id: l.id, kind: l.kind, name: l.name, ...(l.address !== undefined ? { address: l.address } : {}), ...(l.lat !== undefined && l.lon !== undefined ? { lat: l.lat, lon: l.lon } : {}), ...(l.openingHours !== undefined ? { openingHours: l.openingHours } : {}) }));
    return { status: 200, body: { eventId, pickupPoints: points } };
  });

  storefrontRoute('POST', '/api/events/:eventId/reservations', async (ctx) => {
    const eventId = ctx.params['eventId']!;
    requireRole(ctx, ['storefront'], eventId);
    await opts.queue?.admit(eventId, header(ctx.req.headers['queue-ticket']), header(ctx.req.headers['queue-key']));
    const token = bearerToken(ctx.req);
    return { status: 201, body: await storefront.reserve(eventId, await ctx.json(), token ? hashToken(token) : undefined) };
  });

  storefrontRoute('GET', '/api/events/:eventId/reservations/:id', async (ctx) => {
    const eventId = ctx.params['eventId']!;
    requireRole(ctx, READERS, eventId);
    return { status: 200, body: await storefront.reservation(eventId, ctx.params['id']!) };
  });

  storefrontRoute('DELETE', '/api/events/:eventId/reservations/:id', async (ctx) => {
    const eventId = ctx.params['eventId']!;
    requireRole(ctx, READERS, eventId);
    await storefront.release(eventId, ctx.params['id']!);
    return { status: 204 };
  });

  storefrontRoute('POST', '/api/events/:eventId/orders', async (ctx) => {
    const eventId = ctx.params['eventId']!;
    requireRole(ctx, ['storefront'], eventId);
    const raw = ctx.req.headers['idempotency-key'];
    const key = Array.isArray(raw) ? raw[0] : raw;
    if (!isIdempotencyKey(key)) {
      return { status: 400, body: { type: 'IdempotencyKeyRequired', message: 'send an Idempotency-Key header of 1–100 visible ASCII characters (a fresh UUID per order attempt)' } };
    }
    await opts.queue?.admit(eventId, header(ctx.req.headers['queue-ticket']), header(ctx.req.headers['queue-key']));
    const placed = await storefront.orders.place(eventId, key, await ctx.json());
    if (placed.kind === 'replayed') {
      const { status, body } = placed.answer;
      const replay: Reply = { status, ...(body !== undefined ? { body } : {}), headers: { 'idempotent-replayed': 'true' } };
      return opts.tracking ? withTracking(replay, eventId, opts.tracking) : replay;
    }
    const created: Reply = { status: 201, body: placed.order, headers: { location: `/api/events/${encodeURIComponent(eventId)}/orders/${encodeURIComponent(placed.order.orderId)}` } };
    return opts.tracking ? withTracking(created, eventId, opts.tracking, { fresh: true }) : created;
  });

  storefrontRoute('GET', '/api/events/:eventId/orders/:orderId', async (ctx) => {
    const eventId = ctx.params['eventId']!;
    requireRole(ctx, READERS, eventId);
    return { status: 200, body: publicOrder(await storefront.orders.get(eventId, ctx.params['orderId']!)) };
  });

  // ---- fulfilment: same-origin, for the organiser and the tills at the order's location --------------

  router.on('POST', '/api/events/:eventId/orders/:orderId/status', async (ctx) => {
    const eventId = ctx.params['eventId']!;
    const claims = requireRole(ctx, ['organiser', 'till'], eventId);
    const body = (await ctx.json()) as { status?: unknown } | null;
    const status = body?.status;
    if (typeof status !== 'string' || !(ORDER_STATUSES as readonly string[]).includes(status)) {
      throw new ValidationError('status', `must be one of ${ORDER_STATUSES.join(', ')}`);
    }
    const order = await storefront.orders.setStatus(eventId, ctx.params['orderId']!, status as OrderStatus, (o) => {
      if (!mayFulfilAt(claims, eventId, o.routedTo ?? '')) {
        throw new HttpError(403, `order ${o.orderId} is fulfilled by ${o.routedTo ?? 'no location'}; this till is at ${claims.locationId ?? 'no location'}`);
      }
    });
    return { status: 200, body: fulfilmentOrder(order) };
  });

  router.on('GET', '/api/events/:eventId/locations/:locationId/orders', async (ctx) => {
    const eventId = ctx.params['eventId']!;
    const locationId = ctx.params['locationId']!;
    const claims = requireRole(ctx, ['organiser', 'till'], eventId);
    if (!mayFulfilAt(claims, eventId, locationId)) throw new HttpError(403, `this till is at ${claims.locationId ?? 'no location'}; it may list only the orders routed there`);
    const state = ctx.query.get('state') ?? 'open';
    if (state !== 'open' && state !== 'all') throw new ValidationError('state', 'must be "open" (not yet collected or delivered; the default) or "all"');
    const orders = await storefront.orders.routedTo(eventId, locationId, { open: state === 'open' });
    return { status: 200, body: { eventId, locationId, orders: orders.map(fulfilmentOrder) } };
  });

  if (opts.queue) queueRoutes(router, storefrontRoute, { queue: opts.queue, events: opts.events, now: opts.now ?? Date.now, ...(opts.rateLimits ? { rateLimits: opts.rateLimits } : {}) });

  if (opts.qa) qaRoutes(router, storefrontRoute, { ...opts.qa, events: opts.events, auth: opts.auth, now: opts.now ?? Date.now, heartbeatMs, ...(opts.rateLimits ? { rateLimits: opts.rateLimits } : {}) });

  router.on('GET', '/api/events/:eventId/storefront/origins', async (ctx) => {
    const eventId = ctx.params['eventId']!;
    requireRole(ctx, ['organiser'], eventId);
    return { status: 200, body: { origins: await opts.origins.get(eventId) } };
  });

  router.on('PUT', '/api/events/:eventId/storefront/origins', async (ctx) => {
    const eventId = ctx.params['eventId']!;
    requireRole(ctx, ['organiser'], eventId);
    const origins = parseOriginsBody(await ctx.json());
    if (!(await opts.events.setup(eventId)).config) throw new HttpError(404, `there is no event "${eventId}"`);
    await opts.origins.set(eventId, origins);
    return { status: 200, body: { origins } };
  });
}

/**
 * A placed order's confirmation (first answer or a replay: the same id both times) with its tracking link:
 * `tracking.path` is on this server (`/t/<id>`), `tracking.id` for a shop that hosts its own tracking page.
 */
async function withTracking(reply: Reply, eventId: string, links: TrackingLinks, opts: { fresh?: boolean } = {}): Promise<Reply> {
  const body = reply.body as { orderId?: unknown } | undefined;
  if (reply.status !== 201 || typeof body?.orderId !== 'string') return reply;
  const id = await links.idFor(eventId, body.orderId, opts);
  return { ...reply, body: { ...body, tracking: { id, path: `/t/${id}` } } };
}

/** An order as the fulfilling location sees it: the public order, plus the statuses it may go to next. */
function fulfilmentOrder(o: OrderRecord): Record<string, unknown> {
  const path: readonly OrderStatus[] = o.fulfilment ? ORDER_PATHS[o.fulfilment.type] : ORDER_STATUSES;
  return { ...publicOrder(o), next: path.slice(path.indexOf(o.status) + 1) };
}

function header(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

function bearerToken(req: IncomingMessage): string | undefined {
  const h = req.headers.authorization;
  return h?.startsWith('Bearer ') ? h.slice(7).trim() : undefined;
}
