import { createHash } from 'node:crypto';
import { ValidationError } from '../../core/base/errors.ts';
import { creatorKey, publicPolicies } from '../../core/event/event.ts';
import type { ClickCounter } from '../creators/click-counter.ts';
import type { EventService } from '../event-service.ts';
import type { SetupService } from '../setup-service.ts';
import { requireRole, type Router } from './router.ts';

/**
 * Set-up endpoints for the organiser console (an organiser token for its event, the admin token for every
 * event): list events, change an event's settings, brands, locations, tills, creators and per-location
 * thresholds; and the public policies a storefront shows. Creating an event stays admin-only. See docs/api.md.
 */
export function setupRoutes(router: Router, deps: { events: EventService; setup: SetupService; clicks: ClickCounter }): void {
  const { events, setup, clicks } = deps;

  router.on('GET', '/api/events', async (ctx) => {
    requireRole(ctx, ['admin']);
    return { status: 200, body: { events: await setup.listEvents() } };
  });

  router.on('PATCH', '/api/events/:eventId', async (ctx) => {
    const eventId = ctx.params['eventId']!;
    requireRole(ctx, ['organiser'], eventId);
    return { status: 200, body: { event: await setup.updateConfig(eventId, await ctx.json()) } };
  });

  router.on('PUT', '/api/events/:eventId/brands/:brandId', async (ctx) => {
    const eventId = ctx.params['eventId']!;
    requireRole(ctx, ['organiser'], eventId);
    return { status: 200, body: { brand: await setup.putBrand(eventId, ctx.params['brandId']!, await ctx.json()) } };
  });

  router.on('PUT', '/api/events/:eventId/locations/:locationId', async (ctx) => {
    const eventId = ctx.params['eventId']!;
    requireRole(ctx, ['organiser'], eventId);
    return { status: 200, body: { location: await setup.putLocation(eventId, ctx.params['locationId']!, await ctx.json()) } };
  });

  router.on('POST', '/api/events/:eventId/tills', async (ctx) => {
    const eventId = ctx.params['eventId']!;
    requireRole(ctx, ['organiser'], eventId);
    const body = (await ctx.json()) as { name?: unknown; locationId?: unknown; brandIds?: unknown; receiptPrefix?: unknown } | null;
    if (!body || typeof body !== 'object') throw new ValidationError('body', 'send {"name", "locationId", "brandIds": [...], "receiptPrefix"?}');
    if (typeof body.name !== 'string') throw new ValidationError('name', 'must be a string');
    if (typeof body.locationId !== 'string') throw new ValidationError('locationId', 'must be a string');
    if (!Array.isArray(body.brandIds) || !body.brandIds.every((b) => typeof b === 'string')) throw new ValidationError('brandIds', 'must be a list of brand ids');
    if (body.receiptPrefix !== undefined && typeof body.receiptPrefix !== 'string') throw new ValidationError('receiptPrefix', 'must be a string');
    const till = await events.createTill(eventId, {
      name: body.name,
      locationId: body.locationId,
      brandIds: body.brandIds as string[],
      ...(body.receiptPrefix !== undefined ? { receiptPrefix: body.receiptPrefix as string } : {}),
    });
    return { status: 201, body: { till } };
  });

  router.on('POST', '/api/events/:eventId/tills/:tillId/pairing-code', async (ctx) => {
    const eventId = ctx.params['eventId']!;
    requireRole(ctx, ['organiser'], eventId);
    // No body: a code for a till not yet paired. {"repair": true}: a re-pair code for a paired till.
    const text = await ctx.body();
    const body = (text.trim() ? await ctx.json() : {}) as { repair?: unknown } | null;
    if (body?.repair !== undefined && typeof body.repair !== 'boolean') throw new ValidationError('repair', 'must be true or false');
    return { status: 201, body: await events.pairingCodeFor(eventId, ctx.params['tillId']!, { repair: body?.repair === true }) };
  });

  router.on('GET', '/api/events/:eventId/creators', async (ctx) => {
    const eventId = ctx.params['eventId']!;
    requireRole(ctx, ['organiser'], eventId);
    await events.requireEvent(eventId);
    const { creators } = await events.setup(eventId);
    const counts = await clicks.counts(eventId);
    const rows = creators
      .map((c) => ({ ...c, link: `/r/${encodeURIComponent(c.code)}`, clicks: counts.get(creatorKey(c.code)) ?? 0 }))
      .sort((a, b) => b.clicks - a.clicks || a.code.localeCompare(b.code));
    return { status: 200, body: { creators: rows } };
  });

  router.on('PUT', '/api/events/:eventId/creators/:code', async (ctx) => {
    const eventId = ctx.params['eventId']!;
    requireRole(ctx, ['organiser'], eventId);
    return { status: 200, body: { creator: await setup.putCreator(eventId, ctx.params['code']!, await ctx.json()) } };
  });

  router.on('DELETE', '/api/events/:eventId/creators/:code', async (ctx) => {
    const eventId = ctx.params['eventId']!;
    requireRole(ctx, ['organiser'], eventId);
    await setup.removeCreator(eventId, ctx.params['code']!);
    return { status: 204 };
  });

  router.on('DELETE', '/api/events/:eventId/staff/:staffId', async (ctx) => {
    const eventId = ctx.params['eventId']!;
    requireRole(ctx, ['organiser'], eventId);
    await setup.removeStaff(eventId, ctx.params['staffId']!);
    return { status: 204 };
  });

  router.on('GET', '/api/events/:eventId/coupons', async (ctx) => {
    const eventId = ctx.params['eventId']!;
    requireRole(ctx, ['organiser'], eventId);
    return { status: 200, body: { coupons: await setup.listCoupons(eventId) } };
  });

  router.on('PUT', '/api/events/:eventId/coupons/:code', async (ctx) => {
    const eventId = ctx.params['eventId']!;
    requireRole(ctx, ['organiser'], eventId);
    return { status: 200, body: { coupon: await setup.putCoupon(eventId, ctx.params['code']!, await ctx.json()) } };
  });

  router.on('PUT', '/api/events/:eventId/thresholds', async (ctx) => {
    const eventId = ctx.params['eventId']!;
    requireRole(ctx, ['organiser'], eventId);
    const body = (await ctx.json()) as { thresholds?: unknown } | null;
    return { status: 200, body: { thresholds: await setup.putThresholds(eventId, body?.thresholds) } };
  });

  router.on('DELETE', '/api/events/:eventId/thresholds/:locationId/:sku', async (ctx) => {
    const eventId = ctx.params['eventId']!;
    requireRole(ctx, ['organiser'], eventId);
    await setup.removeThreshold(eventId, ctx.params['locationId']!, ctx.params['sku']!);
    return { status: 204 };
  });

  // Public: what any shopper may read. Cacheable, and revalidated cheaply with the ETag.
  router.on('GET', '/api/events/:eventId/policies', async (ctx) => {
    const config = await events.requireEvent(ctx.params['eventId']!);
    const body = publicPolicies(config);
    const etag = `"${createHash('sha256').update(JSON.stringify(body)).digest('base64url').slice(0, 27)}"`;
    const headers = { etag, 'cache-control': 'public, max-age=60', 'access-control-allow-origin': '*' };
    const match = ctx.req.headers['if-none-match'];
    if (match !== undefined && match.split(',').some((t) => t.trim() === etag || t.trim() === '*')) return { status: 304, headers };
    return { status: 200, body, headers };
  });
}
