import { parseStockMovesCsv, parseStockMovesJson } from '../../core/ledger/stock-moves.ts';
import type { EventService } from '../event-service.ts';
import { parseReturnAsk, type StockReturns } from '../stock-returns.ts';
import { requireRole, type Router } from './router.ts';

/**
 * Bulk stock for the organiser: deliveries and transfers as one CSV file or one multi-line form, all rows
 * written or none, every row's problem listed (core/ledger/stock-moves.ts). See docs/api.md, "Stock moves".
 */
export function stockRoutes(router: Router, deps: { events: EventService; returns: StockReturns }): void {
  const { events, returns } = deps;

  router.on('POST', '/api/events/:eventId/stock/moves', async (ctx) => {
    const eventId = ctx.params['eventId']!;
    requireRole(ctx, ['organiser'], eventId);
    await events.requireEvent(eventId);
    const type = ctx.req.headers['content-type'] ?? '';
    let ref: string | undefined;
    let parsed;
    if (type.startsWith('text/csv')) parsed = parseStockMovesCsv(await ctx.body());
    else {
      const body = (await ctx.json()) as { moves?: unknown; ref?: unknown } | null;
      parsed = parseStockMovesJson(body?.moves);
      if (typeof body?.ref === 'string' && body.ref.trim()) ref = body.ref.trim().slice(0, 80);
    }
    // A file that names no readable row at all (bad header, empty) is answered without touching the event.
    const result = parsed.moves.length ? await events.moveStock(eventId, parsed.moves, ref, parsed.errors) : { ok: false as const, errors: parsed.errors };
    if (!result.ok) return { status: 422, body: { type: 'StockMoveError', message: `${result.errors.length} problem(s); no stock was moved`, errors: result.errors } };
    return { status: 201, body: { moved: parsed.moves.length, entries: result.entries.map((e) => e.id) } };
  });

  // Stock back from a till to the reserve: the server asks, the till hands back (sync-server/stock-returns.ts).
  router.on('POST', '/api/events/:eventId/stock/returns', async (ctx) => {
    const eventId = ctx.params['eventId']!;
    requireRole(ctx, ['organiser'], eventId);
    const written = await returns.ask(eventId, parseReturnAsk(await ctx.json()));
    return { status: 201, body: { returns: written } };
  });

  router.on('GET', '/api/events/:eventId/stock/returns', async (ctx) => {
    const eventId = ctx.params['eventId']!;
    requireRole(ctx, ['organiser'], eventId);
    return { status: 200, body: { returns: await returns.list(eventId) } };
  });
}
