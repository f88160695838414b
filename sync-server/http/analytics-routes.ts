import type { AlertCenter } from '../analytics/alert-center.ts';
import { loadAnalytics, type AnalyticsDeps } from '../analytics/analytics.ts';
import { parseWebhookConfig } from '../analytics/webhook.ts';
import { checkWebhookTarget, WebhookTargetError } from '../analytics/webhook-target.ts';
import type { Auth } from '../auth.ts';
import { docAccess } from '../permissions.ts';
import { HttpError, requireRole, type Router } from './router.ts';
import { SseStream } from './sse.ts';

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
    const stream = new SseStream(ctx.res);
    const sub = await deps.alerts.subscribe(eventId, (alerts) => {
      for (const a of alerts) stream.event('alert', a, a.id);
    });
    stream.onFinish(sub.stop);
    if (stream.done) return 'handled';
    stream.start(deps.heartbeatMs ?? 15_000);
    stream.event('snapshot', { alerts: sub.alerts.map((a) => ({ ...a.alert, raisedAt: a.raisedAt })) });
    return 'handled';
  });

  router.on('PUT', '/api/events/:eventId/alerts/webhook', async (ctx) => {
    const eventId = ctx.params['eventId']!;
    requireRole(ctx, organiser, eventId);
    const config = parseWebhookConfig(await ctx.json(), deps.now());
    await deps.events.requireEvent(eventId);
    try {
      await checkWebhookTarget(new URL(config.url), { allowPrivate: deps.alerts.webhooks.allowPrivate });
    } catch (err) {
      if (err instanceof WebhookTargetError) throw new HttpError(400, err.message);
      throw err;
    }
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
    const claims = requireRole(ctx, organiser, eventId);
    // Only events this token may read count: the same brand id in another organiser's event is not this one's.
    const mayRead = (id: string) => docAccess(claims, { kind: 'setup', eventId: id }) !== 'none';
    return { status: 200, body: await loadAnalytics(deps, eventId, mayRead) };
  });
}
