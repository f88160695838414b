import type { IncomingMessage } from 'node:http';
import { ValidationError } from '../../core/errors.ts';
import { hashToken, type Auth } from '../auth.ts';
import { isIdempotencyKey } from '../storefront/input.ts';
import { ORDER_STATUSES, publicOrder, type OrderStatus } from '../storefront/orders.ts';
import type { Storefront } from '../storefront/storefront.ts';
import { etagOf, ifNoneMatch } from '../storefront/stock.ts';
import { requireRole, type Router } from './router.ts';

/**
 * The storefront API (the online drop): stock with ETags, a live stock stream (Server-Sent Events),
 * reservations, idempotent orders, order status. See docs/api.md.
 */
export interface StorefrontRouteOptions {
  storefront: Storefront;
  auth: Auth;
  /** Open stock streams per token (default 10). */
  maxStreamsPerToken?: number;
  /** Comment line sent on an idle stream so proxies keep it open (default 15 s). */
  heartbeatMs?: number;
}

/** A stream whose client does not read is dropped once this much is waiting to be sent. */
const MAX_BUFFERED_BYTES = 1024 * 1024;

export function storefrontRoutes(router: Router, opts: StorefrontRouteOptions): void {
  const { storefront } = opts;
  const maxStreams = opts.maxStreamsPerToken ?? 10;
  const heartbeatMs = opts.heartbeatMs ?? 15_000;
  const openStreams = new Map<string, number>();
  const READERS = ['storefront', 'organiser'] as const;

  router.on('GET', '/api/events/:eventId/stock', async (ctx) => {
    const eventId = ctx.params['eventId']!;
    requireRole(ctx, READERS, eventId);
    const body = await storefront.stock(eventId);
    const etag = etagOf(body);
    const headers = { etag, 'cache-control': 'no-cache' };
    if (ifNoneMatch(ctx.req.headers['if-none-match'], etag)) return { status: 304, headers };
    return { status: 200, body, headers };
  });

  router.on('GET', '/api/events/:eventId/stock/stream', async (ctx) => {
    const eventId = ctx.params['eventId']!;
    // EventSource cannot set headers: the token may come as ?token=.
    const token = bearerToken(ctx.req) ?? ctx.query.get('token') ?? undefined;
    const claims = ctx.claims ?? (await opts.auth.verify(token));
    requireRole({ ...ctx, claims }, READERS, eventId);
    const tokenKey = hashToken(token!);
    const open = openStreams.get(tokenKey) ?? 0;
    if (open >= maxStreams) {
      return { status: 429, body: { type: 'TooManyStreams', message: `at most ${maxStreams} open stock streams per token; close one first` }, headers: { 'retry-after': '10' } };
    }
    openStreams.set(tokenKey, open + 1);
    const { res } = ctx;
    let done = false;
    // Set once the stream runs; read by `finish`, which may run first (the client left, the server closed).
    const running: { heartbeat?: ReturnType<typeof setInterval>; stop?: () => void } = {};
    const finish = () => {
      if (done) return;
      done = true;
      clearInterval(running.heartbeat);
      running.stop?.();
      const n = (openStreams.get(tokenKey) ?? 1) - 1;
      if (n > 0) openStreams.set(tokenKey, n);
      else openStreams.delete(tokenKey);
      if (!res.writableEnded) res.end();
    };
    res.on('close', finish);
    const write = (chunk: string) => {
      if (done || res.writableEnded) return;
      res.write(chunk);
      if (res.writableLength > MAX_BUFFERED_BYTES) res.destroy();
    };
    const event = (name: string, data: unknown) => write(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);

    let watching: Awaited<ReturnType<Storefront['watch']>>;
    try {
      watching = await storefront.watch(eventId, {
        stock: (items) => event('stock', { items }),
        closed: (reason) => {
          write(`: closing (${reason.replace(/[\r\n]/g, ' ')})\n\n`);
          finish();
        },
      });
    } catch (err) {
      finish();
      throw err;
    }
    let stopped = false;
    running.stop = () => {
      if (stopped) return;
      stopped = true;
      watching.stop();
    };
    // The client may have left while we authenticated, before the 'close' listener was there.
    if (!done && (res.destroyed || ctx.req.socket.destroyed)) finish();
    if (done) {
      // The client left (or the server began closing) while the stream was starting.
      running.stop();
      return 'handled';
    }
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      // Tells nginx-style proxies not to buffer the stream.
      'x-accel-buffering': 'no',
      connection: 'keep-alive',
    });
    write('retry: 3000\n\n');
    event('snapshot', watching.snapshot);
    running.heartbeat = setInterval(() => write(': heartbeat\n\n'), heartbeatMs);
    running.heartbeat.unref?.();
    return 'handled';
  });

  router.on('POST', '/api/events/:eventId/reservations', async (ctx) => {
    const eventId = ctx.params['eventId']!;
    requireRole(ctx, ['storefront'], eventId);
    return storefront.reserve(eventId, await ctx.json());
  });

  router.on('GET', '/api/events/:eventId/reservations/:id', async (ctx) => {
    const eventId = ctx.params['eventId']!;
    requireRole(ctx, READERS, eventId);
    return { status: 200, body: await storefront.reservation(eventId, ctx.params['id']!) };
  });

  router.on('DELETE', '/api/events/:eventId/reservations/:id', async (ctx) => {
    const eventId = ctx.params['eventId']!;
    requireRole(ctx, READERS, eventId);
    await storefront.release(eventId, ctx.params['id']!);
    return { status: 204 };
  });

  router.on('POST', '/api/events/:eventId/orders', async (ctx) => {
    const eventId = ctx.params['eventId']!;
    requireRole(ctx, ['storefront'], eventId);
    const raw = ctx.req.headers['idempotency-key'];
    const key = Array.isArray(raw) ? raw[0] : raw;
    if (!isIdempotencyKey(key)) {
      return { status: 400, body: { type: 'IdempotencyKeyRequired', message: 'send an Idempotency-Key header of 1–100 visible ASCII characters (a fresh UUID per order attempt)' } };
    }
    return storefront.orders.place(eventId, key, await ctx.json());
  });

  router.on('GET', '/api/events/:eventId/orders/:orderId', async (ctx) => {
    const eventId = ctx.params['eventId']!;
    requireRole(ctx, READERS, eventId);
    return { status: 200, body: publicOrder(await storefront.orders.get(eventId, ctx.params['orderId']!)) };
  });

  router.on('POST', '/api/events/:eventId/orders/:orderId/status', async (ctx) => {
    const eventId = ctx.params['eventId']!;
    requireRole(ctx, ['organiser'], eventId);
    const body = (await ctx.json()) as { status?: unknown } | null;
    const status = body?.status;
    if (typeof status !== 'string' || !(ORDER_STATUSES as readonly string[]).includes(status)) {
      throw new ValidationError('status', `must be one of ${ORDER_STATUSES.join(', ')}`);
    }
    return { status: 200, body: publicOrder(await storefront.orders.setStatus(eventId, ctx.params['orderId']!, status as OrderStatus)) };
  });
}

function bearerToken(req: IncomingMessage): string | undefined {
  const h = req.headers.authorization;
  return h?.startsWith('Bearer ') ? h.slice(7).trim() : undefined;
}
