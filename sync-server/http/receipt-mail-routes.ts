import type { ReceiptMailer } from '../mail/receipt-mailer.ts';
import { requireRole, type Router } from './router.ts';

/** `POST /api/events/:eventId/receipts/email`: a till asks the server to e-mail one of its receipts (docs/api.md). */
export function receiptMailRoutes(router: Router, deps: { mailer: ReceiptMailer }): void {
  router.on('POST', '/api/events/:eventId/receipts/email', async (ctx) => {
    const eventId = ctx.params['eventId']!;
    const claims = requireRole(ctx, ['till'], eventId);
    const outcome = await deps.mailer.send(eventId, claims, await ctx.json());
    return { status: outcome.status === 'sent' ? 201 : 200, body: outcome };
  });
}
