import type { HolderId } from './holders.ts';
import { isHolderId } from './holders.ts';
import { ValidationError } from '../base/errors.ts';
import { SKU_PATTERN } from '../catalog/catalog.ts';
import type { LedgerEntry } from './ledger.ts';
import { asObject, int, optStr, str } from '../base/validate.ts';

/**
 * A holder running low asks for more rights; the holder of the reserve grants them by writing a transfer
 * whose `ref` is the request id. Requests are append-only records; their status is derived from the
 * transfers that answer them, so a grant and its request can never disagree.
 */
export interface RightsRequest {
  id: string;
  at: string;
  writer: string;
  holder: HolderId;
  sku: string;
  qty: number;
  note?: string;
}

export function parseRightsRequest(raw: unknown): RightsRequest {
  const o = asObject(raw, 'request');
  const holder = o['holder'];
  if (!isHolderId(holder)) throw new ValidationError('holder', `"${String(holder)}" is not a holder id`);
  const r: RightsRequest = {
    id: str(o, 'id', { max: 80 }),
    at: str(o, 'at', { max: 40 }),
    writer: str(o, 'writer', { max: 20 }),
    holder,
    sku: str(o, 'sku', { max: 64, pattern: SKU_PATTERN }),
    qty: int(o, 'qty', { min: 1, max: 1_000_000 }),
  };
  const note = optStr(o, 'note', { max: 200 });
  if (note !== undefined) r.note = note;
  return r;
}

export interface RequestStatus {
  request: RightsRequest;
  granted: number;
  state: 'open' | 'partial' | 'granted';
}

/** Status of each request from the transfers that name it in `ref`. */
export function requestStatuses(requests: readonly RightsRequest[], entries: Iterable<LedgerEntry>): RequestStatus[] {
  const byId = new Map(requests.map((r) => [r.id, r]));
  const granted = new Map<string, number>();
  for (const e of entries) {
    const r = e.kind === 'transfer' && e.ref ? byId.get(e.ref) : undefined;
    // Only a transfer of the requested SKU to the requesting holder answers the request.
    if (r && e.to === r.holder && e.sku === r.sku) granted.set(r.id, (granted.get(r.id) ?? 0) + e.qty);
  }
  return requests.map((request) => {
    const g = Math.min(granted.get(request.id) ?? 0, request.qty);
    return { request, granted: g, state: g === 0 ? 'open' : g < request.qty ? 'partial' : 'granted' };
  });
}
