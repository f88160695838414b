import { ValidationError } from '../base/errors.ts';
import { asObject, int, optStr, str } from '../base/validate.ts';
import { SKU_PATTERN } from '../catalog/catalog.ts';
import { holderKind, isHolderId, RESERVE, type HolderId } from './holders.ts';
import type { LedgerEntry } from './ledger.ts';

/**
 * The organiser takes stock back from a till to the reserve: rights requests in reverse (docs/sync-protocol.md,
 * "Taking stock back from a till").
 *
 * Only a holder's writer may lower its rights (the escrow rule every "no oversell" argument rests on), so the
 * organiser cannot move a till's rights: the server writes a RETURN REQUEST naming the till and the units
 * (brand document, `returns` map, server-written only), and the till, when it sees it (it syncs only while
 * online), hands back what it holds by writing `transfer` entries from itself to `reserve` whose `ref` is the
 * request id. A till that is offline keeps selling its rights; it hands back when it next connects, from what it
 * has left then. So no unit is ever both sold at the till and back in the reserve.
 *
 * What the till hands back: per line, what is still asked (asked − handed back so far) up to what it holds and no
 * cart or parked sale is holding, until the request expires (`expiresAt`). A request it could only partly
 * answer stays open until then, so units sold out of the cart or released later still go back; after expiry
 * the till hands back nothing more (a later grant to the till is not taken away by an old request).
 */
export interface ReturnLine {
  sku: string;
  qty: number;
}

export interface ReturnRequest {
  id: string;
  /** Hybrid-clock time of the writer (the server). */
  at: string;
  writer: string;
  /** The till asked to hand back (`till:<id>`). */
  holder: HolderId;
  lines: ReturnLine[];
  /** Epoch ms after which the till hands back nothing more. */
  expiresAt: number;
  /** Why, shown on the till ("end of day", "move to booth B"). */
  note?: string;
}

export function parseReturnRequest(raw: unknown): ReturnRequest {
  const o = asObject(raw, 'return request');
  const holder = o['holder'];
  if (!isHolderId(holder) || holderKind(holder) !== 'till') throw new ValidationError('holder', `"${String(holder)}" is not a till holder (till:<id>)`);
  const lines = o['lines'];
  if (!Array.isArray(lines) || lines.length === 0 || lines.length > 200) throw new ValidationError('lines', 'must be a list of 1 to 200 lines');
  const parsed = lines.map((l, i) => {
    const line = asObject(l, `lines[${i}]`);
    return { sku: str(line, 'sku', { max: 64, pattern: SKU_PATTERN }), qty: int(line, 'qty', { min: 1, max: 1_000_000 }) };
  });
  if (new Set(parsed.map((l) => l.sku)).size !== parsed.length) throw new ValidationError('lines', 'name each SKU once');
  const r: ReturnRequest = {
    id: str(o, 'id', { max: 80 }),
    at: str(o, 'at', { max: 40 }),
    writer: str(o, 'writer', { max: 20 }),
    holder,
    lines: parsed,
    expiresAt: int(o, 'expiresAt', { min: 0 }),
  };
  const note = optStr(o, 'note', { max: 200 });
  if (note !== undefined) r.note = note;
  return r;
}

export interface ReturnLineStatus extends ReturnLine {
  /** Units the till has handed back for this line so far. */
  returned: number;
}

export interface ReturnStatus {
  request: ReturnRequest;
  lines: ReturnLineStatus[];
  /** `returned`: every line in full; `expired`: past `expiresAt` and not in full; else `open` (nothing yet) or `partial`. */
  state: 'open' | 'partial' | 'returned' | 'expired';
}

/** The status of each request, from the transfers that name it (its till → the reserve, its SKUs). */
export function returnStatuses(requests: readonly ReturnRequest[], entries: Iterable<LedgerEntry>, now: number): ReturnStatus[] {
  const byId = new Map(requests.map((r) => [r.id, r]));
  const returned = new Map<string, number>();
  for (const e of entries) {
    const r = e.kind === 'transfer' && e.ref ? byId.get(e.ref) : undefined;
    if (!r || e.from !== r.holder || e.to !== RESERVE) continue;
    const k = `${r.id}\u0000${e.sku}`;
    returned.set(k, (returned.get(k) ?? 0) + e.qty);
  }
  return requests.map((request) => {
    const lines = request.lines.map((l) => ({ ...l, returned: Math.min(l.qty, returned.get(`${request.id}\u0000${l.sku}`) ?? 0) }));
    const all = lines.every((l) => l.returned >= l.qty);
    const any = lines.some((l) => l.returned > 0);
    const state = all ? 'returned' : now >= request.expiresAt ? 'expired' : any ? 'partial' : 'open';
    return { request, lines, state };
  });
}

/**
 * What `holder` hands back now for the requests naming it: per open line, what is still asked, up to what it
 * has free (its rights less what carts hold; `free` is read once per SKU and lowered as lines take from it, so
 * two requests for one SKU never hand back the same unit twice).
 */
export function handBack(statuses: readonly ReturnStatus[], holder: HolderId, free: (sku: string) => number): { requestId: string; sku: string; qty: number }[] {
  const left = new Map<string, number>();
  const out: { requestId: string; sku: string; qty: number }[] = [];
  const ordered = [...statuses].sort((a, b) => (a.request.at < b.request.at ? -1 : a.request.at > b.request.at ? 1 : 0));
  for (const s of ordered) {
    if (s.request.holder !== holder || s.state === 'returned' || s.state === 'expired') continue;
    for (const l of s.lines) {
      const have = left.get(l.sku) ?? Math.max(0, free(l.sku));
      const qty = Math.min(l.qty - l.returned, have);
      left.set(l.sku, have - Math.max(0, qty));
      if (qty > 0) out.push({ requestId: s.request.id, sku: l.sku, qty });
    }
  }
  return out;
}
