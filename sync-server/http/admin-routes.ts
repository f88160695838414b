import { ValidationError } from '../../core/base/errors.ts';
import { isHolderId } from '../../core/ledger/holders.ts';
import { STAFF_ROLES, type StaffRole } from '../../core/event/staff.ts';
import { hashToken, ROLES, tokenId, type Auth, type Role } from '../auth.ts';
import type { EventService, StockLine } from '../event-service.ts';
import { HUB_TAG } from '../setup-rules.ts';
import type { Stores } from '../storage/store.ts';
import { HttpError, requireRole, type Router } from './router.ts';

/**
 * Organiser and admin endpoints: create an event, import its catalog, receive and move stock, issue
 * tokens and pairing codes; and the one endpoint a till calls without a token, to pair. See docs/api.md.
 */
export function adminRoutes(router: Router, deps: { events: EventService; auth: Auth; stores: Stores; now: () => number }): void {
  const { events, auth } = deps;

  router.on('POST', '/api/events', async (ctx) => {
    requireRole(ctx, ['admin']);
    const body = (await ctx.json()) as { config?: unknown; brands?: unknown[]; locations?: unknown[] };
    const config = await events.createEvent({ config: body.config, ...(body.brands ? { brands: body.brands } : {}), ...(body.locations ? { locations: body.locations } : {}) });
    return { status: 201, body: { event: config } };
  });

  router.on('GET', '/api/events/:eventId', async (ctx) => {
    requireRole(ctx, ['organiser', 'till', 'storefront'], ctx.params['eventId']);
    const setup = await events.setup(ctx.params['eventId']!);
    if (!setup.config) throw new HttpError(404, `there is no event "${ctx.params['eventId']}"`);
    // Tills created but not yet paired, so a console can show their pairing state.
    return { status: 200, body: { ...setup, plannedTills: await events.plannedTills(ctx.params['eventId']!) } };
  });

  router.on('POST', '/api/events/:eventId/catalog', async (ctx) => {
    const eventId = ctx.params['eventId']!;
    requireRole(ctx, ['organiser'], eventId);
    const type = ctx.req.headers['content-type'] ?? '';
    if (type.startsWith('text/csv')) {
      const result = await events.importCsv(eventId, await ctx.body());
      return result.ok ? { status: 200, body: { imported: result.imported, received: result.received } } : { status: 422, body: { type: 'CatalogImportError', message: `${result.errors.length} problem(s) in the file; nothing was imported`, errors: result.errors } };
    }
    const body = (await ctx.json()) as { products?: unknown };
    if (!Array.isArray(body.products)) throw new ValidationError('products', 'send {"products": [...]} or a text/csv body');
    const errors: { index: number; message: string }[] = [];
    const products = body.products.map((p, index) => {
      try {
        return events.checkProduct(p);
      } catch (err) {
        errors.push({ index, message: err instanceof Error ? err.message : String(err) });
        return undefined;
      }
    });
    if (errors.length) return { status: 422, body: { type: 'CatalogImportError', message: `${errors.length} problem(s); nothing was imported`, errors } };
    return { status: 200, body: { imported: await events.putProducts(eventId, products.filter((p) => p !== undefined)) } };
  });

  router.on('POST', '/api/events/:eventId/stock/receive', async (ctx) => {
    const eventId = ctx.params['eventId']!;
    requireRole(ctx, ['organiser'], eventId);
    const body = (await ctx.json()) as { holder?: unknown; lines?: unknown; ref?: unknown };
    const holder = holderOf(body.holder, 'holder');
    const entries = await events.receive(eventId, holder, stockLines(body.lines), typeof body.ref === 'string' ? body.ref : undefined);
    return { status: 201, body: { entries: entries.map((e) => e.id) } };
  });

  router.on('POST', '/api/events/:eventId/stock/transfer', async (ctx) => {
    const eventId = ctx.params['eventId']!;
    requireRole(ctx, ['organiser'], eventId);
    const body = (await ctx.json()) as { from?: unknown; to?: unknown; lines?: unknown; requestId?: unknown };
    const entries = await events.transfer(eventId, holderOf(body.from, 'from'), holderOf(body.to, 'to'), stockLines(body.lines), typeof body.requestId === 'string' ? body.requestId : undefined);
    return { status: 201, body: { entries: entries.map((e) => e.id) } };
  });

  router.on('POST', '/api/events/:eventId/staff', async (ctx) => {
    const eventId = ctx.params['eventId']!;
    requireRole(ctx, ['organiser'], eventId);
    const body = (await ctx.json()) as { staff?: unknown };
    if (!Array.isArray(body.staff) || body.staff.length === 0) throw new ValidationError('staff', 'send {"staff": [{"id", "name", "role", "pin"}]}');
    const members = body.staff.map((m: unknown, i) => {
      const o = m as { id?: unknown; name?: unknown; role?: unknown; pin?: unknown } | null;
      if (!o || typeof o.id !== 'string' || typeof o.name !== 'string' || !(STAFF_ROLES as readonly unknown[]).includes(o.role) || typeof o.pin !== 'string') {
        throw new ValidationError(`staff[${i}]`, 'needs "id", "name", "role" (cashier, supervisor or manager) and a "pin" of 4 to 8 digits');
      }
      const role = o.role as StaffRole;
      return { id: o.id, name: o.name, role, pin: o.pin };
    });
    const saved = await events.putStaff(eventId, members);
    // PIN hashes stay on the server and the tills; the answer names who was saved.
    return { status: 201, body: { staff: saved.map(({ id, name, role }) => ({ id, name, role })) } };
  });

  router.on('POST', '/api/events/:eventId/pairing-codes', async (ctx) => {
    const eventId = ctx.params['eventId']!;
    requireRole(ctx, ['organiser'], eventId);
    const body = (await ctx.json()) as { name?: unknown; locationId?: unknown; brandIds?: unknown };
    if (typeof body.name !== 'string' || typeof body.locationId !== 'string' || !Array.isArray(body.brandIds) || !body.brandIds.every((b) => typeof b === 'string')) {
      throw new ValidationError('body', 'send {"name", "locationId", "brandIds": [...]}');
    }
    return { status: 201, body: await events.createPairingCode(eventId, { name: body.name, locationId: body.locationId, brandIds: body.brandIds as string[] }) };
  });

  router.on('POST', '/api/events/:eventId/tokens', async (ctx) => {
    const eventId = ctx.params['eventId']!;
    const caller = requireRole(ctx, ['organiser'], eventId);
    await events.requireEvent(eventId);
    const body = (await ctx.json()) as { role?: unknown; label?: unknown; hubTag?: unknown; expiresAt?: unknown };
    const role = body.role as Role;
    // An organiser hands out storefront and LAN hub tokens; only an admin makes organisers.
    const allowed: Role[] = caller.role === 'admin' ? ['organiser', 'storefront', 'hub'] : ['storefront', 'hub'];
    if (!ROLES.includes(role) || !allowed.includes(role)) throw new HttpError(403, `a ${caller.role} may issue ${allowed.join(' or ')} tokens`);
    // A hub token names the hub's tag: it may then write only the tills that hub pairs (setup-rules.ts).
    if (role === 'hub' && (typeof body.hubTag !== 'string' || !HUB_TAG.test(body.hubTag))) throw new ValidationError('hubTag', 'a hub token names the hub’s tag: H and three capital letters or digits, as the hub shows it');
    const hubTag = role === 'hub' ? (body.hubTag as string) : undefined;
    const label = typeof body.label === 'string' && body.label.trim() ? body.label.trim().slice(0, 80) : role;
    const expiresAt = expiryOf(body.expiresAt, deps.now());
    const token = await auth.issue({ role, eventId, label, createdAt: deps.now(), ...(hubTag ? { hubTag } : {}), ...(expiresAt !== undefined ? { expiresAt } : {}) });
    return { status: 201, body: { token, id: tokenId(hashToken(token)), role, eventId, label, ...(hubTag ? { hubTag } : {}), ...(expiresAt !== undefined ? { expiresAt } : {}) } };
  });

  // The event's tokens, never the tokens themselves: an id (a prefix of the hash), role, label, till, times.
  router.on('GET', '/api/events/:eventId/tokens', async (ctx) => {
    const eventId = ctx.params['eventId']!;
    requireRole(ctx, ['organiser'], eventId);
    await events.requireEvent(eventId);
    return { status: 200, body: { tokens: await auth.list(eventId) } };
  });

  // Revocation: refused from now on (401 TokenRevoked, close 4410), open WebSockets and streams end at once.
  router.on('POST', '/api/events/:eventId/tokens/:tokenId/revoke', async (ctx) => {
    const eventId = ctx.params['eventId']!;
    const caller = requireRole(ctx, ['organiser'], eventId);
    const id = ctx.params['tokenId']!;
    const text = await ctx.body();
    const body = (text.trim() ? await ctx.json() : {}) as { reason?: unknown } | null;
    if (body?.reason !== undefined && typeof body.reason !== 'string') throw new ValidationError('reason', 'must be a string');
    const target = await auth.find(eventId, id);
    if (!target) throw new HttpError(404, `${eventId} has no token "${id}"`);
    // Symmetric with issuing: an organiser cannot withdraw the organiser tokens only an admin hands out.
    if (target.role === 'organiser' && caller.role !== 'admin') throw new HttpError(403, 'only an admin revokes organiser tokens');
    const reason = body?.reason?.trim().slice(0, 120) || `revoked by the ${caller.role}`;
    return { status: 200, body: { token: await auth.revoke(eventId, id, reason) } };
  });

  router.on('POST', '/api/pair', async (ctx) => {
    const body = (await ctx.json()) as { code?: unknown; deviceId?: unknown };
    if (typeof body.code !== 'string' || typeof body.deviceId !== 'string') throw new ValidationError('body', 'send {"code", "deviceId"}');
    return { status: 201, body: await events.pair(body.code, body.deviceId) };
  });

  router.on('GET', '/api/events/:eventId/rejections', async (ctx) => {
    const eventId = ctx.params['eventId']!;
    requireRole(ctx, ['organiser'], eventId);
    const rows = await deps.stores.event(eventId).list<Record<string, unknown>>('rejections');
    return { status: 200, body: { rejections: rows.map(([, v]) => v) } };
  });
}

/** `expiresAt`: absent (no expiry), ms since the epoch, or an ISO 8601 time; always in the future. */
function expiryOf(v: unknown, now: number): number | undefined {
  if (v === undefined || v === null) return undefined;
  const t = typeof v === 'number' ? v : typeof v === 'string' ? Date.parse(v) : NaN;
  if (!Number.isSafeInteger(t)) throw new ValidationError('expiresAt', 'must be a time: milliseconds since the epoch or an ISO 8601 date');
  if (t <= now) throw new ValidationError('expiresAt', `${new Date(t).toISOString()} is not in the future`);
  return t;
}

function holderOf(v: unknown, field: string): string {
  if (!isHolderId(v)) throw new ValidationError(field, `"${String(v)}" is not a holder (reserve, online, hub:<id>, till:<id>)`);
  return v;
}

function stockLines(v: unknown): StockLine[] {
  if (!Array.isArray(v) || v.length === 0) throw new ValidationError('lines', 'send at least one {"brandId", "sku", "qty"}');
  return v.map((l: unknown, i) => {
    const o = l as Partial<StockLine> | null;
    if (!o || typeof o.brandId !== 'string' || typeof o.sku !== 'string' || typeof o.qty !== 'number') {
      throw new ValidationError(`lines[${i}]`, 'needs "brandId", "sku" and a numeric "qty"');
    }
    return { brandId: o.brandId, sku: o.sku, qty: o.qty };
  });
}
