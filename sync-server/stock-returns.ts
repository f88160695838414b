import { ValidationError } from '../core/base/errors.ts';
import { newId } from '../core/base/ids.ts';
import { asObject, int, optStr, str } from '../core/base/validate.ts';
import { BrandDoc, brandDocName } from '../core/event/schema.ts';
import { tillHolder } from '../core/ledger/holders.ts';
import { parseReturnRequest, returnStatuses, type ReturnRequest, type ReturnStatus } from '../core/ledger/return-request.ts';
import type { DocHub } from './doc-hub.ts';
import type { EventService } from './event-service.ts';

/**
 * The organiser takes stock back from a till to the reserve (core/ledger/return-request.ts): the server checks
 * the ask against its own records (a paired till of the event, brands it sells, SKUs of their catalogs) and
 * writes one return request per brand into the brand's document; the till hands the units back itself when it
 * is online. Nothing here moves a till's rights: only the till's own transfer does.
 */
export interface ReturnAsk {
  tillId: string;
  lines: { brandId: string; sku: string; qty: number }[];
  /** How long the till keeps handing back (default 4 h, at most 7 days). */
  expiresInMinutes: number;
  note?: string;
}

const DEFAULT_MINUTES = 240;
const MAX_MINUTES = 7 * 24 * 60;

/** Reads the body of `POST …/stock/returns`; a bad field is named. */
export function parseReturnAsk(raw: unknown): ReturnAsk {
  const o = asObject(raw, 'body');
  const lines = o['lines'];
  if (!Array.isArray(lines) || lines.length === 0 || lines.length > 200) throw new ValidationError('lines', 'must be a list of 1 to 200 lines {brandId, sku, qty}');
  const ask: ReturnAsk = {
    tillId: str(o, 'tillId', { max: 48 }),
    lines: lines.map((l, i) => {
      const line = asObject(l, `lines[${i}]`);
      return { brandId: str(line, 'brandId', { max: 48 }), sku: str(line, 'sku', { max: 64 }), qty: int(line, 'qty', { min: 1, max: 1_000_000 }) };
    }),
    expiresInMinutes: o['expiresInMinutes'] === undefined ? DEFAULT_MINUTES : int(o, 'expiresInMinutes', { min: 1, max: MAX_MINUTES }),
  };
  const note = optStr(o, 'note', { max: 200 });
  if (note !== undefined && note.trim()) ask.note = note.trim();
  return ask;
}

export interface ListedReturn extends ReturnStatus {
  brandId: string;
  tillId: string;
}

export class StockReturns {
  constructor(private readonly deps: { hub: DocHub; events: EventService; now: () => number }) {}

  /** Writes the return requests (one per brand, all or none checked first) and returns them. */
  async ask(eventId: string, ask: ReturnAsk): Promise<(ReturnRequest & { brandId: string })[]> {
    const { events, hub } = this.deps;
    await events.requireEvent(eventId);
    return events.serial(eventId, async () => {
      const { tills } = await events.setup(eventId);
      const till = tills.find((t) => t.id === ask.tillId);
      // A till only in the organiser's plan (not paired) has no device to hand anything back.
      if (!till) throw new ValidationError('tillId', `"${ask.tillId}" is not a paired till of ${eventId}: no device could hand its stock back`);
      const byBrand = new Map<string, { sku: string; qty: number }[]>();
      for (const [i, l] of ask.lines.entries()) {
        if (!till.brandIds.includes(l.brandId)) throw new ValidationError(`lines[${i}].brandId`, `${till.name} does not sell ${l.brandId}`);
        const list = byBrand.get(l.brandId) ?? [];
        if (list.some((x) => x.sku === l.sku)) throw new ValidationError(`lines[${i}].sku`, `${l.sku} is named twice`);
        list.push({ sku: l.sku, qty: l.qty });
        byBrand.set(l.brandId, list);
      }
      for (const [brandId, lines] of byBrand) {
        const skus = await hub.read(brandDocName(eventId, brandId), (doc) => new Set(new BrandDoc(doc).products().items.map((p) => p.sku)));
        const missing = lines.find((l) => !skus.has(l.sku));
        if (missing) throw new ValidationError('lines', `${missing.sku} is not in ${brandId}'s catalog`);
      }
      const clock = await events.serverClock(eventId);
      const expiresAt = this.deps.now() + ask.expiresInMinutes * 60_000;
      const out: (ReturnRequest & { brandId: string })[] = [];
      for (const [brandId, lines] of byBrand) {
        const id = newId('t', clock);
        const request = parseReturnRequest({ id, at: id.slice(2), writer: clock.node, holder: tillHolder(till.id), lines, expiresAt, ...(ask.note ? { note: ask.note } : {}) });
        await hub.change(brandDocName(eventId, brandId), (doc) => new BrandDoc(doc).appendReturnRequest(request));
        out.push({ ...request, brandId });
      }
      await events.saveServerClock(eventId);
      return out;
    });
  }

  /** Every return request of the event with what has come back, newest first. */
  async list(eventId: string): Promise<ListedReturn[]> {
    const { events, hub } = this.deps;
    await events.requireEvent(eventId);
    const { brands } = await events.setup(eventId);
    const now = this.deps.now();
    const out: ListedReturn[] = [];
    for (const b of brands) {
      const statuses = await hub.read(brandDocName(eventId, b.id), (doc) => {
        const brand = new BrandDoc(doc);
        return returnStatuses(brand.returnRequests().items, brand.ledger().items, now);
      });
      for (const s of statuses) out.push({ ...s, brandId: b.id, tillId: s.request.holder.slice('till:'.length) });
    }
    return out.sort((a, b) => (a.request.at < b.request.at ? 1 : a.request.at > b.request.at ? -1 : 0));
  }
}
