import type { DocHub } from '../doc-hub.ts';
import { HttpError, requireRole, type Router } from './router.ts';

/**
 * The way back from a damaged document (docs/operations.md, "Damage and recovery"), admin only:
 *
 * - `POST /api/admin/documents/rebuild {"doc": "event/<id>/brand/<id>"}`: deletes what is stored of the
 *   document and lets the event's tills and hubs send back everything they hold, other writers' entries
 *   included (a till keeps every update of the brands it sells and resends it on sync step 2);
 * - `POST /api/admin/documents/rebuild/finish {"doc": …}`: every update is checked by the usual rules again.
 */
export function recoveryRoutes(router: Router, deps: { hub: DocHub }): void {
  const docOf = async (ctx: Parameters<Parameters<Router['on']>[2]>[0]): Promise<string> => {
    requireRole(ctx, ['admin']);
    const body = (await ctx.json()) as { doc?: unknown };
    if (typeof body.doc !== 'string' || !body.doc) throw new HttpError(422, 'send {"doc": "<document name>"}, e.g. event/<eventId>/brand/<brandId>');
    return body.doc;
  };
  router.on('POST', '/api/admin/documents/rebuild', async (ctx) => {
    const doc = await docOf(ctx);
    try {
      await deps.hub.startRecovery(doc);
    } catch (err) {
      if (err instanceof HttpError) throw err;
      throw new HttpError(422, err instanceof Error ? err.message : String(err));
    }
    return { status: 202, body: { doc, recovering: true } };
  });
  router.on('POST', '/api/admin/documents/rebuild/finish', async (ctx) => {
    const doc = await docOf(ctx);
    if (!deps.hub.finishRecovery(doc)) throw new HttpError(409, `${doc} is not being rebuilt`);
    return { status: 200, body: { doc, recovering: false } };
  });
}
