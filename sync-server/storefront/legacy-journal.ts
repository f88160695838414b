import { checkEntries } from '../../core/ledger/rights.ts';
import type { LedgerEntry } from '../../core/ledger/ledger.ts';
import type { Sale } from '../../core/selling/sale.ts';
import { BrandDoc, brandDocName } from '../../core/event/schema.ts';
import type { DocHub } from '../doc-hub.ts';
import type { EventService } from '../event-service.ts';
import type { Stores } from '../storage/store.ts';
import { IDEMPOTENCY, ORDERS, RECEIPTS, type IdempotencyRecord, type OrderRecord } from './order-record.ts';

/**
 * Orders a server of the earlier, journalled order path left half-written. That server wrote an order in
 * steps: a journal (`order-journal`), then the order record, its key's answer and the receipt counter, then
 * the sales one brand document at a time, then the journal's deletion. A crash between two steps left a
 * journal. Such a data dir is finished here once per event, with one commit per journal, before the event
 * takes its next reservation or order:
 *  - the parts whose sales are not in their documents yet are written, if the rights still allow every one
 *    of them, together with the records and the journal's deletion;
 *  - otherwise, if none of its sales is in the documents, the order is forgotten (its record and key
 *    deleted: the client never heard back and retries);
 *  - otherwise the order keeps the sales written and says which could not be (`problems`).
 */
const JOURNAL = 'order-journal';

interface LegacyJournal {
  eventId: string;
  orderId: string;
  idempotencyKey: string;
  reservationId?: string;
  receiptSeq: number;
  order: OrderRecord;
  response: IdempotencyRecord;
  parts: { brandId: string; sale: Sale; entries: LedgerEntry[] }[];
}

export interface LegacyJournalDeps {
  hub: DocHub;
  stores: Stores;
  events: EventService;
  log: (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;
  /** A reservation whose record the finishing commit deleted. */
  consumed: (eventId: string, reservationId: string) => void;
}

export async function finishLegacyJournals(d: LegacyJournalDeps, eventId: string, remember: (order: OrderRecord) => Promise<void>): Promise<void> {
  const records = d.stores.event(eventId);
  for (const [key, j] of await records.list<LegacyJournal>(JOURNAL)) {
    const missing: LegacyJournal['parts'] = [];
    for (const part of j.parts) {
      if (!(await d.hub.read(brandDocName(eventId, part.brandId), (doc) => doc.getMap('sales').has(part.sale.id)))) missing.push(part);
    }
    // The server clock continues after the journal's ids, even if its own record was not saved.
    const at = j.parts[0]?.sale.at;
    if (at) (await d.events.serverClock(eventId)).receive(at);
    const stored = (await records.get<number>(RECEIPTS, '')) ?? 0;
    const finished = [
      { ns: ORDERS, key: j.orderId, value: j.order },
      { ns: IDEMPOTENCY, key: j.idempotencyKey, value: j.response },
      { ns: RECEIPTS, key: '', value: Math.max(stored, j.receiptSeq) },
    ];
    const reservation = j.reservationId !== undefined ? [{ ns: 'reservations', key: j.reservationId }] : [];
    let outcome: 'done' | 'forgotten' | 'partly written';
    try {
      await d.hub.commitChanges(
        eventId,
        missing.map((part) => ({
          doc: brandDocName(eventId, part.brandId),
          check: (_doc, ctx) => {
            if (ctx.view) checkEntries(ctx.view, part.entries, ctx.ownerOf);
          },
          apply: (doc) => {
            if (!doc.getMap('sales').has(part.sale.id)) new BrandDoc(doc).appendSale(part.sale, part.entries);
          },
        })),
        { put: finished, del: [{ ns: JOURNAL, key }, ...reservation] },
      );
      outcome = 'done';
    } catch (err) {
      const problem = err instanceof Error ? err.message : String(err);
      if (missing.length === j.parts.length) {
        await records.commit({ del: [{ ns: ORDERS, key: j.orderId }, { ns: IDEMPOTENCY, key: j.idempotencyKey }, { ns: JOURNAL, key }] });
        outcome = 'forgotten';
      } else {
        const problems = missing.map((p) => `${p.brandId}: ${problem}`);
        await records.commit({ put: [{ ...finished[0]!, value: { ...j.order, problems } }, ...finished.slice(1)], del: [{ ns: JOURNAL, key }, ...reservation] });
        outcome = 'partly written';
      }
    }
    if (outcome !== 'forgotten') {
      await remember(j.order);
      if (j.reservationId !== undefined) d.consumed(eventId, j.reservationId);
    }
    d.log(outcome === 'done' ? 'info' : 'warn', 'finished an online order a crash of an earlier server version interrupted', { eventId, orderId: j.orderId, outcome });
  }
  if ((await records.list(JOURNAL)).length === 0) return;
  throw new Error(`event ${eventId}: interrupted orders of an earlier server version could not all be finished`);
}
