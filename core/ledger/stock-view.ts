import type { HolderId } from './holders.ts';
import { movements, type LedgerEntry } from './ledger.ts';

export interface Balance {
  /** Units the holder may sell or give away: its stock rights. */
  sellable: number;
  /** Returned units kept apart (defective, unsealed): on hand, not for sale. */
  quarantined: number;
}

/** What a rights check needs to read: implemented by StockView and by a batch's pending view. */
export interface BalanceReader {
  balance(holder: HolderId, sku: string): Balance;
}

/** Totals per SKU over the whole event: the terms of the conservation law (see `conservationHolds`). */
export interface SkuTotals {
  received: number;
  sold: number;
  refundedRestock: number;
  refundedQuarantine: number;
  writtenOff: number;
  adjusted: number;
}

const emptyTotals = (): SkuTotals => ({ received: 0, sold: 0, refundedRestock: 0, refundedQuarantine: 0, writtenOff: 0, adjusted: 0 });

/**
 * Stock derived from the ledger, kept up to date entry by entry. Adding an entry twice has no effect (the
 * view remembers ids), so replaying a document, a duplicated message or a reconnect never counts twice.
 */
export class StockView implements BalanceReader {
  private readonly seen = new Set<string>();
  private readonly balances = new Map<HolderId, Map<string, Balance>>();
  private readonly totals = new Map<string, SkuTotals>();
  private readonly overrideEntries: LedgerEntry[] = [];
  /** Adjustments that added stock: each one a manager answers for, and the organiser is alerted to. */
  private readonly addedByAdjustment: LedgerEntry[] = [];

  /** Adds an entry; returns false when it was already counted. */
  add(e: LedgerEntry): boolean {
    if (this.seen.has(e.id)) return false;
    this.seen.add(e.id);
    for (const m of movements(e)) {
      const b = this.balanceRef(m.holder, e.sku);
      b[m.bucket] += m.delta;
    }
    const t = this.totals.get(e.sku) ?? emptyTotals();
    this.totals.set(e.sku, t);
    switch (e.kind) {
      case 'receive': t.received += e.qty; break;
      case 'sale': t.sold += e.qty; break;
      case 'refund-restock': t.refundedRestock += e.qty; break;
      case 'refund-quarantine': t.refundedQuarantine += e.qty; break;
      case 'write-off': t.writtenOff += e.qty; break;
      case 'adjust': t.adjusted += e.qty; break;
      case 'transfer': break;
    }
    if (e.override) this.overrideEntries.push(e);
    if (e.kind === 'adjust' && e.qty > 0) this.addedByAdjustment.push(e);
    return true;
  }

  /**
   * Restores balances and totals saved from an earlier view (the till's IndexedDB materialised view), so a
   * till starts without decoding its whole ledger. Entries counted before the restore are not remembered
   * by id: after a restore, feed the view only entries that are new to the document (Yjs "add" events).
   */
  restore(rows: Iterable<{ holder: HolderId; sku: string } & Balance>, totals: Iterable<{ sku: string } & SkuTotals>, overrides: Iterable<LedgerEntry>): void {
    for (const r of rows) {
      const b = this.balanceRef(r.holder, r.sku);
      b.sellable = r.sellable;
      b.quarantined = r.quarantined;
    }
    for (const t of totals) {
      const { sku, ...rest } = t;
      this.totals.set(sku, { ...emptyTotals(), ...rest });
    }
    for (const e of overrides) this.overrideEntries.push(e);
  }

  has(entryId: string): boolean {
    return this.seen.has(entryId);
  }

  /** Entries counted by id since the view was made (not those behind a `restore`). */
  get size(): number {
    return this.seen.size;
  }

  balance(holder: HolderId, sku: string): Balance {
    const b = this.balances.get(holder)?.get(sku);
    return b ? { ...b } : { sellable: 0, quarantined: 0 };
  }

  /** The holder's rights for a SKU: what it may still sell or give away. */
  rights(holder: HolderId, sku: string): number {
    return this.balances.get(holder)?.get(sku)?.sellable ?? 0;
  }

  holders(): HolderId[] {
    return [...this.balances.keys()];
  }

  skus(): string[] {
    return [...this.totals.keys()];
  }

  /** Every SKU's balance at one holder. */
  byHolder(holder: HolderId): Map<string, Balance> {
    return new Map([...(this.balances.get(holder) ?? [])].map(([sku, b]) => [sku, { ...b }]));
  }

  /** Balances summed over the holders that sit at each location (a booth's tills, a hub). */
  byLocation(locationOf: (h: HolderId) => string | undefined): Map<string, Map<string, Balance>> {
    const out = new Map<string, Map<string, Balance>>();
    for (const [holder, skus] of this.balances) {
      const loc = locationOf(holder);
      if (loc === undefined) continue;
      const m = out.get(loc) ?? new Map<string, Balance>();
      out.set(loc, m);
      for (const [sku, b] of skus) {
        const acc = m.get(sku) ?? { sellable: 0, quarantined: 0 };
        acc.sellable += b.sellable;
        acc.quarantined += b.quarantined;
        m.set(sku, acc);
      }
    }
    return out;
  }

  /** Balance of a SKU summed over the whole event. */
  eventBalance(sku: string): Balance {
    const acc = { sellable: 0, quarantined: 0 };
    for (const skus of this.balances.values()) {
      const b = skus.get(sku);
      if (!b) continue;
      acc.sellable += b.sellable;
      acc.quarantined += b.quarantined;
    }
    return acc;
  }

  skuTotals(sku: string): SkuTotals {
    return { ...(this.totals.get(sku) ?? emptyTotals()) };
  }

  /** Sales a manager allowed beyond rights, oldest first: the oversell exceptions to resolve. */
  overrides(): LedgerEntry[] {
    return [...this.overrideEntries].sort((a, b) => (a.at < b.at ? -1 : 1));
  }

  /**
   * Adjustments that added stock, oldest first (for the fraud alert). Not restored by `restore`: the server,
   * which raises the alerts, builds its view from the whole ledger.
   */
  positiveAdjustments(): LedgerEntry[] {
    return [...this.addedByAdjustment].sort((a, b) => (a.at < b.at ? -1 : 1));
  }

  /** Holders below zero for a SKU; after an override these are the open exceptions. */
  negativeBalances(): { holder: HolderId; sku: string; sellable: number }[] {
    const out: { holder: HolderId; sku: string; sellable: number }[] = [];
    for (const [holder, skus] of this.balances) {
      for (const [sku, b] of skus) if (b.sellable < 0) out.push({ holder, sku, sellable: b.sellable });
    }
    return out;
  }

  private balanceRef(holder: HolderId, sku: string): Balance {
    let skus = this.balances.get(holder);
    if (!skus) {
      skus = new Map();
      this.balances.set(holder, skus);
    }
    let b = skus.get(sku);
    if (!b) {
      b = { sellable: 0, quarantined: 0 };
      skus.set(sku, b);
    }
    return b;
  }
}

/**
 * Conservation of units for one SKU: everything received (plus count corrections) is on hand (sellable or
 * quarantined), sold and not returned, or written off:
 *   received + adjusted = sellable + quarantined + (sold − refundedRestock − refundedQuarantine) + writtenOff
 * Transfers move units between holders and cancel out.
 */
export function conservationHolds(view: StockView, sku: string): boolean {
  const t = view.skuTotals(sku);
  const b = view.eventBalance(sku);
  return t.received + t.adjusted === b.sellable + b.quarantined + (t.sold - t.refundedRestock - t.refundedQuarantine) + t.writtenOff;
}
