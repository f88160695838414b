import { ValidationError } from '../../core/base/errors.ts';
import type { DocHub } from '../doc-hub.ts';
import type { EventService } from '../event-service.ts';
import { brandCsv, discountCsv, loadSummary } from '../storefront/summary.ts';
import { requireRole, type Router } from './router.ts';

/** The organiser's sales summary over every brand document, as JSON or CSV (the per-brand table, or with `table=discounts` the discounts by name). See docs/api.md. */
export function summaryRoutes(router: Router, deps: { hub: DocHub; events: EventService }): void {
  router.on('GET', '/api/events/:eventId/summary', async (ctx) => {
    const eventId = ctx.params['eventId']!;
    requireRole(ctx, ['organiser'], eventId);
    const format = ctx.query.get('format') ?? 'json';
    if (format !== 'json' && format !== 'csv') throw new ValidationError('format', 'must be json or csv');
    const table = ctx.query.get('table') ?? 'brands';
    if (table !== 'brands' && table !== 'discounts') throw new ValidationError('table', 'must be brands or discounts');
    const summary = await loadSummary(deps, eventId);
    if (format === 'json') return { status: 200, body: summary };
    return {
      status: 200,
      text: table === 'brands' ? brandCsv(summary) : discountCsv(summary),
      headers: { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="${eventId}-${table === 'brands' ? 'sales-by-brand' : 'discounts-by-name'}.csv"` },
    };
  });
}
