import { PopupError } from '../base/errors.ts';
import type { HybridClock } from '../base/hlc.ts';
import type { HolderId, OwnerOf } from './holders.ts';
import { newId } from '../base/ids.ts';
import { actingHolder, movements, parseEntry, type LedgerEntry } from './ledger.ts';
import type { BalanceReader, Balance, StockView } from './stock-view.ts';

/**
 * Stock rights (escrow). A holder spends only its own rights and gives rights away only by writing the
 * transfer itself; so every replica can check, with no network, that it never sells more than it holds,
 * and "no holder below zero" survives any merge. Balegas et al., SRDS 2015, "bounded counter".
 */
export class InsufficientRightsError extends PopupError {
  constructor(
    readonly holder: HolderId,
    readonly sku: string,
    readonly wanted: number,
    readonly available: number,
  ) {
    super(`${holder} holds ${available} of ${sku}, ${wanted} wanted`);
  }
}

export class NotOwnerError extends PopupError {}

/**
 * Checks an entry against the current view and the holder ownership: the writer owns the acting holder,
 * and no bucket goes below zero unless it is a sale carrying a manager override. Used by every replica
 * before it writes, and by the server before it accepts a writer's update.
 */
export function checkEntry(view: BalanceReader, e: LedgerEntry, ownerOf: OwnerOf): void {
  const acting = actingHolder(e);
  const owner = ownerOf(acting);
  if (owner !== e.writer) {
    throw new NotOwnerError(`${e.writer} may not write for ${acting}${owner ? ` (owned by ${owner})` : ' (no owner)'}`);
  }
  for (const m of movements(e)) {
    if (m.delta >= 0) continue;
    const b = view.balance(m.holder, e.sku);
    const before = b[m.bucket];
    const after = before + m.delta;
    if (after >= 0) continue;
    // An override may take the holder below zero by the shortfall it records, and no further: the
    // exception the organiser sees is exactly what the manager allowed.
    if (e.kind === 'sale' && e.override && after >= Math.min(0, before) - e.override.shortfall) continue;
    throw new InsufficientRightsError(m.holder, e.sku, -m.delta, Math.max(0, before));
  }
}

/**
 * Writes ledger entries for the holders one device owns. It checks each entry against the view and against
 * what it has already written in the same batch, so a cart of several lines of one SKU is checked as a whole.
 * The entries it returns are not yet in any document: the caller appends them in one transaction.
 */
export class LedgerWriter {
  constructor(
    readonly deviceId: string,
    private readonly clock: HybridClock,
    private readonly view: StockView,
    private readonly ownerOf: OwnerOf,
  ) {}

  /** Starts a batch: entries written through it are checked together. */
  batch(): LedgerBatch {
    return new LedgerBatch(this.deviceId, this.clock, this.view, this.ownerOf);
  }
}

/**
 * Checks entries in order, each against the view plus the movements of the entries before it: how a batch
 * of one writer (a cart, a received update) is judged as a whole. Throws at the first entry that breaks a
 * rule; nothing is applied.
 */
export function checkEntries(view: BalanceReader, entries: Iterable<LedgerEntry>, ownerOf: OwnerOf): void {
  const pending = new PendingBalances(view);
  for (const e of entries) {
    checkEntry(pending, e, ownerOf);
    pending.apply(e);
  }
}

export class LedgerBatch {
  readonly entries: LedgerEntry[] = [];
  private readonly pending: PendingBalances;

  constructor(
    private readonly deviceId: string,
    private readonly clock: HybridClock,
    view: BalanceReader,
    private readonly ownerOf: OwnerOf,
  ) {
    this.pending = new PendingBalances(view);
  }

  receive(to: HolderId, sku: string, qty: number, ref?: string): LedgerEntry {
    return this.push({ kind: 'receive', to, sku, qty, ...(ref ? { ref } : {}) });
  }

  transfer(from: HolderId, to: HolderId, sku: string, qty: number, requestId?: string): LedgerEntry {
    return this.push({ kind: 'transfer', from, to, sku, qty, ...(requestId ? { ref: requestId } : {}) });
  }

  /**
   * Sells from the holder's rights. Beyond rights it throws InsufficientRightsError, unless a manager
   * override is given: then the entry records the shortfall as an oversell exception.
   */
  sale(from: HolderId, sku: string, qty: number, saleId: string, override?: { managerId: string; reason: string }): LedgerEntry {
    const available = this.available(from, sku);
    if (qty > available && override) {
      return this.push({ kind: 'sale', from, sku, qty, ref: saleId, override: { ...override, shortfall: qty - Math.max(0, available) } });
    }
    return this.push({ kind: 'sale', from, sku, qty, ref: saleId });
  }

  refund(to: HolderId, sku: string, qty: number, refundId: string, disposition: 'restock' | 'quarantine'): LedgerEntry {
    return this.push({ kind: disposition === 'restock' ? 'refund-restock' : 'refund-quarantine', to, sku, qty, ref: refundId });
  }

  /** A counted correction; a positive one names the approving manager (core/ledger/entry-rules.ts). */
  adjust(holder: HolderId, sku: string, delta: number, reason: string, approvedBy?: string): LedgerEntry {
    return this.push({ kind: 'adjust', from: holder, sku, qty: delta, reason, ...(approvedBy ? { approvedBy } : {}) });
  }

  writeOff(holder: HolderId, sku: string, qty: number, reason: string, fromQuarantine = false): LedgerEntry {
    return this.push({ kind: 'write-off', from: holder, sku, qty, reason, ...(fromQuarantine ? { fromQuarantine: true } : {}) });
  }

  /** Rights of a holder for a SKU, less what this batch has already spent. */
  available(holder: HolderId, sku: string): number {
    return this.pending.balance(holder, sku).sellable;
  }

  private push(fields: Omit<LedgerEntry, 'id' | 'at' | 'writer'>): LedgerEntry {
    const id = newId('e', this.clock);
    const at = id.slice(2);
    const entry = parseEntry({ id, at, writer: this.deviceId, ...fields });
    // Check against the view plus this batch's own earlier movements.
    checkEntry(this.pending, entry, this.ownerOf);
    this.pending.apply(entry);
    this.entries.push(entry);
    return entry;
  }
}

/** A view as it will be once some entries land, without touching the view itself. */
export class PendingBalances implements BalanceReader {
  private readonly delta = new Map<string, number>();

  constructor(private readonly view: BalanceReader) {}

  apply(e: LedgerEntry): void {
    for (const m of movements(e)) {
      const key = `${m.holder}\u0000${m.bucket}\u0000${e.sku}`;
      this.delta.set(key, (this.delta.get(key) ?? 0) + m.delta);
    }
  }

  balance(holder: HolderId, sku: string): Balance {
    const b = this.view.balance(holder, sku);
    return {
      sellable: b.sellable + (this.delta.get(`${holder}\u0000sellable\u0000${sku}`) ?? 0),
      quarantined: b.quarantined + (this.delta.get(`${holder}\u0000quarantined\u0000${sku}`) ?? 0),
    };
  }
}
