import { toCsv } from '../../core/base/csv.ts';
import type { EventService } from '../event-service.ts';
import type { QaBoard } from '../qa/qa-board.ts';
import { QaTooManyWatchers } from '../qa/qa-errors.ts';
import type { QaFeed } from '../qa/qa-feed.ts';
import { ifNoneMatch } from '../storefront/stock.ts';
import type { Auth } from '../auth.ts';
import { HttpError, requireRole, type Handler, type RequestContext, type Router } from './router.ts';
import type { RateLimits } from './rate-limits.ts';
import { SseStream } from './sse.ts';

/**
 * The live Q&A's HTTP face (qa/qa-board.ts; docs/api.md, "Live Q&A"). The shopper-facing routes (read, ask,
 * watch) go through the storefront's `route` (CORS for the event's origins, the storefront rate limits); the
 * staff's (moderation list, answer, pin/hide, ban, the post-drop analysis) are same-origin, for the console
 * and the tills, and each checks the role on the server.
 */
export interface QaRouteOptions {
  board: QaBoard;
  feed: QaFeed;
  events: EventService;
  auth: Auth;
  now: () => number;
  rateLimits?: RateLimits;
  /** Open Q&A streams one client address may hold (default 8: a household, not a script's thousand). */
  maxStreamsPerAddress?: number;
  /** Open Q&A streams in all, per process (default 20,000). */
  maxStreams?: number;
  heartbeatMs?: number;
}

type Route = (method: string, path: string, handler: (ctx: RequestContext, cors: Record<string, string>) => ReturnType<Handler>) => void;

/** Like the stock: the same for every shopper, so a CDN may keep it a second and revalidate with the ETag. */
export const QA_CACHE_CONTROL = 'public, max-age=1, stale-while-revalidate=5';
/** Who answers and moderates: the event's organiser (console) and its tills (a booth running the live stream). */
const STAFF = ['organiser', 'till'] as const;
const READERS = ['storefront', 'organiser', 'till'] as const;

export function qaRoutes(router: Router, route: Route, opts: QaRouteOptions): void {
  const { board, feed } = opts;
  const maxPerAddress = opts.maxStreamsPerAddress ?? 8;
  const maxStreams = opts.maxStreams ?? 20_000;
  const streamsByAddress = new Map<string, number>();
  let streams = 0;
  const address = (ctx: RequestContext) => opts.rateLimits?.clientAddress(ctx.req) ?? ctx.req.socket.remoteAddress ?? 'unknown';
  const requireEvent = async (eventId: string) => {
    if (!(await opts.events.setup(eventId)).config) throw new HttpError(404, `there is no event "${eventId}"`);
  };
  const staff = (ctx: RequestContext, eventId: string) => {
    const c = requireRole(ctx, STAFF, eventId);
    return { role: c.role, label: c.label };
  };

  route('GET', '/api/events/:eventId/qa', async (ctx) => {
    const eventId = ctx.params['eventId']!;
    requireRole(ctx, READERS, eventId);
    await requireEvent(eventId);
    const { body, etag } = await board.publicList(eventId);
    const headers = { etag, 'cache-control': QA_CACHE_CONTROL, 'server-time': String(opts.now()) };
    if (ifNoneMatch(ctx.req.headers['if-none-match'], etag)) return { status: 304, headers };
    return { status: 200, body, headers };
  });

  route('POST', '/api/events/:eventId/qa/questions', async (ctx) => {
    const eventId = ctx.params['eventId']!;
    requireRole(ctx, ['storefront'], eventId);
    await requireEvent(eventId);
    return { status: 201, body: await board.ask(eventId, await ctx.json(), address(ctx)) };
  });

  route('GET', '/api/events/:eventId/qa/stream', async (ctx, cors): Promise<'handled'> => {
    const eventId = ctx.params['eventId']!;
    // EventSource cannot set headers: the token may come as ?token=.
    const claims = ctx.claims ?? (await opts.auth.verify(ctx.query.get('token') ?? undefined));
    requireRole({ ...ctx, claims }, READERS, eventId);
    await requireEvent(eventId);
    // One storefront token carries every shopper of the drop, so streams are bounded per address, not per token.
    const from = address(ctx);
    const mine = streamsByAddress.get(from) ?? 0;
    if (mine >= maxPerAddress) throw new QaTooManyWatchers('from this address');
    if (streams >= maxStreams) throw new QaTooManyWatchers('on this server');
    streamsByAddress.set(from, mine + 1);
    streams++;
    const stream = new SseStream(ctx.res);
    stream.onFinish(() => {
      streams--;
      const n = (streamsByAddress.get(from) ?? 1) - 1;
      if (n > 0) streamsByAddress.set(from, n);
      else streamsByAddress.delete(from);
    });
    const { body } = await board.publicList(eventId);
    if (stream.done) return 'handled';
    stream.start(opts.heartbeatMs ?? 15_000, cors);
    stream.event('snapshot', { ...body, serverTime: opts.now() });
    stream.onFinish(feed.watch(eventId, stream));
    return 'handled';
  });

  // ---- staff: same-origin -----------------------------------------------------------------------------

  router.on('GET', '/api/events/:eventId/qa/moderation', async (ctx) => {
    const eventId = ctx.params['eventId']!;
    staff(ctx, eventId);
    await requireEvent(eventId);
    const questions = (await board.all(eventId)).map(({ sender: _sender, ...q }) => q);
    return { status: 200, body: { eventId, questions, watching: feed.watching(eventId) } };
  });

  router.on('PUT', '/api/events/:eventId/qa/questions/:questionId/answer', async (ctx) => {
    const eventId = ctx.params['eventId']!;
    const by = staff(ctx, eventId);
    const { sender: _sender, ...q } = await board.answer(eventId, ctx.params['questionId']!, await ctx.json(), by);
    return { status: 200, body: q };
  });

  router.on('PATCH', '/api/events/:eventId/qa/questions/:questionId', async (ctx) => {
    const eventId = ctx.params['eventId']!;
    const by = staff(ctx, eventId);
    const { sender: _sender, ...q } = await board.moderate(eventId, ctx.params['questionId']!, await ctx.json(), by);
    return { status: 200, body: q };
  });

  router.on('POST', '/api/events/:eventId/qa/questions/:questionId/ban-sender', async (ctx) => {
    const eventId = ctx.params['eventId']!;
    const by = staff(ctx, eventId);
    return { status: 200, body: await board.banSender(eventId, ctx.params['questionId']!, by) };
  });

  router.on('GET', '/api/events/:eventId/qa/analysis', async (ctx) => {
    const eventId = ctx.params['eventId']!;
    requireRole(ctx, ['organiser'], eventId);
    await requireEvent(eventId);
    const a = await board.analysis(eventId);
    if (ctx.query.get('format') !== 'csv') return { status: 200, body: a };
    const head = ['id', 'askedAt', 'shopper', 'sku', 'text', 'pinned', 'hidden', 'answer', 'answeredAt', 'answeredBy', 'secondsToAnswer'];
    const iso = (t: number | null) => (t === null ? '' : new Date(t).toISOString());
    const rows = a.questions.map((q) => [q.id, iso(q.askedAt), q.shopper, q.sku ?? '', q.text, String(q.pinned), String(q.hidden), q.answer ?? '', iso(q.answeredAt), q.answeredBy ?? '', q.secondsToAnswer === null ? '' : String(q.secondsToAnswer)]);
    return { status: 200, text: toCsv([head, ...rows]), headers: { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="qa-${eventId}.csv"` } };
  });
}
