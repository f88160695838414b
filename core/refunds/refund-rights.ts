import { PopupError, ValidationError } from '../base/errors.ts';
import { SKU_PATTERN } from '../catalog/catalog.ts';
import type { HybridClock } from '../base/hlc.ts';
import { isHolderId, RESERVE, type HolderId, type OwnerOf } from '../ledger/holders.ts';
import { newId } from '../base/ids.ts';
import type { Refund } from './refund.ts';
import type { Sale } from '../selling/sale.ts';
import { asObject, int, oneOf, optStr, str } from '../base/validate.ts';

/**
 * Refund rights: the right to refund a sale's units, held the way stock rights are (escrow / bounded counter,
 * docs/sync-protocol.md "Refund rights"). Per sale line, the selling till starts out holding the sold
 * quantity. A refund spends its writer's holder's rights; a `move` record hands rights on and is written only
 * by the writer of the holder it takes them from. So only a holder's own writer ever lowers its rights, its
 * local view holds every such decrease, and "refunded ≤ sold per line, except recorded manager overrides"
 * can be checked with no network and still holds after any merge.
 *
 * Records live in the brand document's append-only `refundRights` map:
 *  - `claim`: a till asks for the rights to refund some units of a sale (while online);
 *  - `move`: the holder `from` hands units of a sale's lines to `to` (a till releasing its synced sales to the
 *    server, which holds them as `reserve`; the server answering a claim, naming it in `claimId`).
 */
export interface RefundRightsLine {
  sku: string;
  serial?: string;
  qty: number;
}

export interface RefundRightsClaim {
  kind: 'claim';
  id: string;
  at: string;
  writer: string;
  /** The holder that wants the rights (the claiming till's own). */
  holder: HolderId;
  saleId: string;
  lines: RefundRightsLine[];
}

export interface RefundRightsMove {
  kind: 'move';
  id: string;
  at: string;
  writer: string;
  from: HolderId;
  to: HolderId;
  saleId: string;
  lines: RefundRightsLine[];
  /** The claim this move answers. */
  claimId?: string;
}

export type RefundRightsRecord = RefundRightsClaim | RefundRightsMove;

/** A refund (or a hand-on) beyond the rights its holder holds, without a manager override. */
export class NoRefundRightsError extends PopupError {
  constructor(
    readonly holder: HolderId,
    readonly saleId: string,
    readonly receiptNumber: string,
    /** Units asked for beyond what the holder holds. */
    readonly shortfall: number,
  ) {
    super(`${holder} does not hold the right to refund ${shortfall} unit(s) of receipt ${receiptNumber}: another till holds it (a manager may override)`);
  }
}

function parseLines(o: Record<string, unknown>): RefundRightsLine[] {
  const raw = o['lines'];
  if (!Array.isArray(raw) || raw.length === 0) throw new ValidationError('lines', 'a refund rights record names at least one line');
  return raw.map((x) => {
    const l = asObject(x, 'line');
    const line: RefundRightsLine = { sku: str(l, 'sku', { max: 64, pattern: SKU_PATTERN }), qty: int(l, 'qty', { min: 1, max: 100_000 }) };
    const serial = optStr(l, 'serial', { max: 80 });
    if (serial !== undefined) line.serial = serial;
    return line;
  });
}

function holder(o: Record<string, unknown>, field: string): HolderId {
  const h = o[field];
  if (!isHolderId(h)) throw new ValidationError(field, `"${String(h)}" is not a holder id`);
  return h;
}

export function parseRefundRightsRecord(raw: unknown): RefundRightsRecord {
  const o = asObject(raw, 'refund rights record');
  const kind = oneOf(o, 'kind', ['claim', 'move'] as const);
  const head = { id: str(o, 'id', { max: 80 }), at: str(o, 'at', { max: 40 }), writer: str(o, 'writer', { max: 20 }), saleId: str(o, 'saleId', { max: 80 }), lines: parseLines(o) };
  if (kind === 'claim') return { kind, ...head, holder: holder(o, 'holder') };
  const move: RefundRightsMove = { kind, ...head, from: holder(o, 'from'), to: holder(o, 'to') };
  if (move.from === move.to) throw new ValidationError('to', 'a move hands rights to another holder');
  const claimId = optStr(o, 'claimId', { max: 80 });
  if (claimId !== undefined) move.claimId = claimId;
  return move;
}

export const refundLineKey = (sku: string, serial: string | undefined): string => `${sku}\u0000${serial ?? ''}`;

/** Rights per line of one sale: line key → holder → units (negative only by a recorded override). */
export type SaleRefundRights = Map<string, Map<HolderId, number>>;

/**
 * Who holds the right to refund each line of a sale, from the sale, the refunds of it and the rights records
 * naming it. A pure fold over sets of records, so every replica with the same records gets the same answer.
 */
export function saleRefundRights(sale: Sale, refunds: readonly Refund[], records: readonly RefundRightsRecord[]): SaleRefundRights {
  const rights: SaleRefundRights = new Map();
  const add = (key: string, h: HolderId, qty: number) => {
    const line = rights.get(key);
    if (!line) return; // a record naming a line the sale does not have moves nothing
    line.set(h, (line.get(h) ?? 0) + qty);
  };
  for (const l of sale.lines) {
    const key = refundLineKey(l.sku, l.serial);
    if (!rights.has(key)) rights.set(key, new Map());
    add(key, sale.holder, l.qty);
  }
  for (const r of records) {
    if (r.kind !== 'move' || r.saleId !== sale.id) continue;
    for (const l of r.lines) {
      add(refundLineKey(l.sku, l.serial), r.from, -l.qty);
      add(refundLineKey(l.sku, l.serial), r.to, l.qty);
    }
  }
  for (const r of refunds) {
    if (r.saleId !== sale.id) continue;
    for (const l of r.lines) add(refundLineKey(l.sku, l.serial), r.holder, -l.qty);
  }
  return rights;
}

export function heldBy(rights: SaleRefundRights, h: HolderId, sku: string, serial?: string): number {
  return rights.get(refundLineKey(sku, serial))?.get(h) ?? 0;
}

/** Units of `lines` beyond what `h` holds (each line counted against what it holds, never below zero). */
export function refundShortfall(rights: SaleRefundRights, h: HolderId, lines: readonly RefundRightsLine[]): number {
  const want = new Map<string, number>();
  for (const l of lines) want.set(refundLineKey(l.sku, l.serial), (want.get(refundLineKey(l.sku, l.serial)) ?? 0) + l.qty);
  let short = 0;
  for (const [key, qty] of want) short += Math.max(0, qty - Math.max(0, rights.get(key)?.get(h) ?? 0));
  return short;
}

/**
 * The rule for a refund, the same for the writer (before it pays out) and the server (before it accepts):
 * the refund's holder holds the right for every unit, or the refund records a manager override covering at
 * least the units it lacks. `earlier` are the other refunds of the sale, `records` the rights records.
 */
export function checkRefundRights(sale: Sale, earlier: readonly Refund[], records: readonly RefundRightsRecord[], refund: Refund): void {
  const rights = saleRefundRights(sale, earlier.filter((r) => r.id !== refund.id), records);
  for (const l of refund.lines) {
    if (!rights.has(refundLineKey(l.sku, l.serial))) throw new ValidationError('lines', `${l.sku}${l.serial ? ` (${l.serial})` : ''} is not on receipt ${sale.receiptNumber}`);
  }
  const short = refundShortfall(rights, refund.holder, refund.lines);
  if (short > 0 && (!refund.override || refund.override.units < short)) throw new NoRefundRightsError(refund.holder, sale.id, sale.receiptNumber, short);
}

/**
 * A move takes rights only from what its `from` holds, and only its writer (the writer of `from`) writes it;
 * a claim is written by the writer of the holder that asks. `ownerOf` gives each holder's writer.
 */
export function checkRefundRightsRecord(sale: Sale, refunds: readonly Refund[], records: readonly RefundRightsRecord[], record: RefundRightsRecord, ownerOf: OwnerOf): void {
  if (!record.id.endsWith(`-${record.writer}`)) throw new ValidationError('id', `${record.id} was not made by its writer ${record.writer}`);
  const acting = record.kind === 'claim' ? record.holder : record.from;
  if (ownerOf(acting) !== record.writer) throw new ValidationError('writer', `${record.writer} may not write refund rights for ${acting}`);
  const rights = saleRefundRights(sale, refunds, records.filter((r) => r.id !== record.id));
  for (const l of record.lines) {
    if (!rights.has(refundLineKey(l.sku, l.serial))) throw new ValidationError('lines', `${l.sku}${l.serial ? ` (${l.serial})` : ''} is not on receipt ${sale.receiptNumber}`);
  }
  if (record.kind === 'move') {
    const short = refundShortfall(rights, record.from, record.lines);
    if (short > 0) throw new NoRefundRightsError(record.from, sale.id, sale.receiptNumber, short);
  }
}

/**
 * What a till asks for: the units it wants to refund that it does not hold (per line), or nothing.
 */
export function claimFor(sale: Sale, refunds: readonly Refund[], records: readonly RefundRightsRecord[], h: HolderId, lines: readonly RefundRightsLine[], writer: string, clock: HybridClock): RefundRightsClaim | undefined {
  const rights = saleRefundRights(sale, refunds, records);
  const missing = lines
    .map((l) => ({ ...l, qty: Math.max(0, l.qty - Math.max(0, heldBy(rights, h, l.sku, l.serial))) }))
    .filter((l) => l.qty > 0);
  if (missing.length === 0) return undefined;
  const id = newId('rc', clock);
  return { kind: 'claim', id, at: id.slice(3), writer, holder: h, saleId: sale.id, lines: missing };
}

/**
 * A till hands the refund rights it holds of a sale to the server (`reserve`), once the sale is on the
 * server: from then on any till of the event may claim them through the server while online, and this till
 * may no longer refund those units offline without a manager override.
 */
export function releaseFor(sale: Sale, refunds: readonly Refund[], records: readonly RefundRightsRecord[], h: HolderId, writer: string, clock: HybridClock): RefundRightsMove | undefined {
  const rights = saleRefundRights(sale, refunds, records);
  const lines: RefundRightsLine[] = [];
  for (const l of uniqueLines(sale)) {
    const held = heldBy(rights, h, l.sku, l.serial);
    if (held > 0) lines.push({ sku: l.sku, qty: held, ...(l.serial !== undefined ? { serial: l.serial } : {}) });
  }
  if (lines.length === 0) return undefined;
  const id = newId('rm', clock);
  return { kind: 'move', id, at: id.slice(3), writer, from: h, to: RESERVE, saleId: sale.id, lines };
}

/**
 * The server's answer to a claim: what the holders the server writes for (`reserve`, where tills release their
 * sales; `online` and hubs, for the storefront's orders) hold of the claimed units, moved to the claiming
 * holder, one move per giving holder. A claim already answered (any move naming it) is never answered again.
 */
export function answerClaim(sale: Sale, refunds: readonly Refund[], records: readonly RefundRightsRecord[], claim: RefundRightsClaim, writer: string, clock: HybridClock, ownerOf: OwnerOf): RefundRightsMove[] {
  if (records.some((r) => r.kind === 'move' && r.claimId === claim.id)) return [];
  const rights = saleRefundRights(sale, refunds, records);
  const byFrom = new Map<HolderId, RefundRightsLine[]>();
  const taken = new Map<string, number>();
  for (const l of claim.lines) {
    const line = rights.get(refundLineKey(l.sku, l.serial));
    let want = l.qty;
    for (const [h, held] of line ?? []) {
      if (want === 0 || h === claim.holder || ownerOf(h) !== writer) continue;
      const key = `${h}\u0000${refundLineKey(l.sku, l.serial)}`;
      const qty = Math.min(want, held - (taken.get(key) ?? 0));
      if (qty <= 0) continue;
      taken.set(key, (taken.get(key) ?? 0) + qty);
      want -= qty;
      byFrom.set(h, [...(byFrom.get(h) ?? []), { ...l, qty }]);
    }
  }
  return [...byFrom].map(([from, lines]) => {
    const id = newId('rm', clock);
    return { kind: 'move' as const, id, at: id.slice(3), writer, from, to: claim.holder, saleId: sale.id, lines, claimId: claim.id };
  });
}

function uniqueLines(sale: Sale): { sku: string; serial?: string }[] {
  const seen = new Map<string, { sku: string; serial?: string }>();
  for (const l of sale.lines) seen.set(refundLineKey(l.sku, l.serial), { sku: l.sku, ...(l.serial !== undefined ? { serial: l.serial } : {}) });
  return [...seen.values()];
}
