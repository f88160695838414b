import type { AlertCenter } from '../analytics/alert-center.ts';
import { loadAnalytics, type AnalyticsDeps } from '../analytics/analytics.ts';
import { parseWebhookConfig } from '../analytics/webhook.ts';
import type { Auth } from '../auth.ts';
import { requireRole, type Router } from './router.ts';

/** A stream whose client does not read is dropped once this much is waiting to be sent. */
const MAX_BUFFERED_BYTES = 1 << 20;

/**
 * The organiser's alerts (list, live stream, webhook and its delivery log) and post-drop analytics. See
 * docs/api.md ("Alerts", "Analytics") and docs/organiser.md for what the figures mean.
 */
export function analyticsRoutes(router: Router, deps: AnalyticsDeps & { alerts: AlertCenter; auth: Auth; heartbeatMs?: number }): void {
  const organiser = ['organiser'] as const;

  router.on('GET', '/api/events/:eventId/alerts', async (ctx) => {
    const eventId = ctx.params['eventId']!;
    requireRole(ctx, organiser, eventId);
    const alerts = await deps.alerts.current(eventId);
    return { status: 200, body: { eventId, alerts: alerts.map((a) => ({ ...a.alert, raisedAt: a.raisedAt })) } };
  });

  router.on('GET', '/api/events/:eventId/alerts/stream', async (ctx): Promise<'handled'> => {
    const eventId = ctx.params['eventId']!;
    // EventSource cannot set headers: the token may come as ?token=.
    const claims = ctx.claims ?? (await deps.auth.verify(ctx.query.get('token') ?? undefined));
    requireRole({ ...ctx, claims }, organiser, eventId);
    const { res } = ctx;
    let done = false;
    // Set once the stream runs; read by `finish`, which may run first (the client left, the server closed).
    const running: { heartbeat?: ReturnType<typeof setInterval>; stop?: () => void } = {};
    const finish = () => {
      if (done) return;
      done = true;
      clearInterval(running.heartbeat);
      running.stop?.();
      if (!res.writableEnded) res.end();
    };
    res.on('close', finish);
    const write = (chunk: string) => {
      if (done || res.writableEnded) return;
      res.write(chunk);
      if (res.writableLength > MAX_BUFFERED_BYTES) res.destroy();
    };
    const sub = await deps.alerts.subscribe(eventId, (alerts) => {
      for (const a of alerts) write(`event: alert\nid: ${a.id}\ndata: ${JSON.stringify(a)}\n\n`);
    });
    running.stop = sub.stop;
    if (done || res.destroyed) {
      finish();
      return 'handled';
    }
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', 'x-accel-buffering': 'no', connection: 'keep-alive' });
    write('retry: 3000\n\n');
    write(`event: snapshot\ndata: ${JSON.stringify({ alerts: sub.alerts.map((a) => ({ ...a.alert, raisedAt: a.raisedAt })) })}\n\n`);
    running.heartbeat = setInterval(() => write(': heartbeat\n\n'), deps.heartbeatMs ?? 15_000);
    running.heartbeat.unref?.();
    return 'handled';
  });

  router.on('PUT', '/api/events/:eventId/alerts/webhook', async (ctx) => {
    const eventId = ctx.params['eventId']!;
    requireRole(ctx, organiser, eventId);
    const config = parseWebhookConfig(await ctx.json(), deps.now());
    await deps.events.requireEvent(eventId);
    await deps.alerts.webhooks.configure(eventId, config);
    // From now on, new alerts of the event go to the webhook: make sure it is being watched.
    await deps.alerts.watch(eventId);
    return { status: 200, body: { url: config.url, updatedAt: config.updatedAt } };
  });

  router.on('GET', '/api/events/:eventId/alerts/webhook', async (ctx) => {
    const eventId = ctx.params['eventId']!;
    requireRole(ctx, organiser, eventId);
    const config = await deps.alerts.webhooks.config(eventId);
    return { status: 200, body: config ? { configured: true, url: config.url, updatedAt: config.updatedAt } : { configured: false } };
  });

  router.on('DELETE', '/api/events/:eventId/alerts/webhook', async (ctx) => {
    const eventId = ctx.params['eventId']!;
    requireRole(ctx, organiser, eventId);
    await deps.alerts.webhooks.remove(eventId);
    return { status: 204 };
  });

  router.on('GET', '/api/events/:eventId/alerts/deliveries', async (ctx) => {
    const eventId = ctx.params['eventId']!;
    requireRole(ctx, organiser, eventId);
    return { status: 200, body: { deliveries: await deps.alerts.webhooks.deliveries(eventId) } };
  });

  router.on('GET', '/api/events/:eventId/analytics', async (ctx) => {
    const eventId = ctx.params['eventId']!;
    requireRole(ctx, organiser, eventId);
    return { status: 200, body: await loadAnalytics(deps, eventId) };
  });
}
