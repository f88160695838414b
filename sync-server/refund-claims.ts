import { SERVER_WRITER } from '../core/ledger/holders.ts';
import { answerClaim, type RefundRightsMove } from '../core/refunds/refund-rights.ts';
import { BrandDoc, brandDocName } from '../core/event/schema.ts';
import type { DocHub } from './doc-hub.ts';
import type { EventService } from './event-service.ts';

/**
 * The server answers tills' refund-rights claims (core/refunds/refund-rights.ts): from what the holders it writes for
 * hold of the claimed sale (the reserve, where a till releases a sale once the server has it; the online
 * channel and hubs), it moves rights to the claiming till, one move per giving holder naming the claim. A
 * claim already answered is skipped, so seeing claims again after a restart moves nothing twice. Runs in the
 * event's write queue, so two claims of the same units are answered one after the other from what is left.
 * `recordIds` are new claims, and new moves: a move to a holder the server writes for (a till releasing a sale)
 * lets the open claims of that sale be answered, a claim having come before the release. Returns the moves
 * written.
 */
export async function answerRefundClaims(events: EventService, hub: DocHub, eventId: string, brandId: string, recordIds: readonly string[]): Promise<RefundRightsMove[]> {
  if (recordIds.length === 0) return [];
  return events.serial(eventId, async () => {
    const name = brandDocName(eventId, brandId);
    const clock = await events.serverClock(eventId);
    const ownerOf = hub.ownerOf(eventId);
    const moves = await hub.read(name, (doc) => {
      const brand = new BrandDoc(doc);
      const records = brand.refundRights().items;
      const refunds = brand.refunds().items;
      const given = new Set(recordIds);
      const released = new Set(records.filter((r) => r.kind === 'move' && given.has(r.id) && ownerOf(r.to) === SERVER_WRITER).map((r) => r.saleId));
      const answered = new Set(records.flatMap((r) => (r.kind === 'move' && r.claimId ? [r.claimId] : [])));
      const out: RefundRightsMove[] = [];
      for (const claim of records) {
        if (claim.kind !== 'claim' || answered.has(claim.id) || !(given.has(claim.id) || released.has(claim.saleId))) continue;
        const sale = brand.saleById(claim.saleId);
        if (!sale) continue;
        const ofSale = [...records, ...out].filter((r) => r.saleId === sale.id);
        out.push(...answerClaim(sale, refunds.filter((r) => r.saleId === sale.id), ofSale, claim, SERVER_WRITER, clock, ownerOf));
      }
      return out;
    });
    if (moves.length === 0) return [];
    await hub.change(name, (doc) => new BrandDoc(doc).appendRefundRights(moves));
    await events.saveServerClock(eventId);
    return moves;
  });
}
