import type { Product } from '../../../core/catalog/catalog.ts';
import { holderKind, ONLINE, RESERVE, tillHolder, type HolderId } from '../../../core/ledger/holders.ts';
import type { EventState } from './event-docs.ts';

/**
 * The stock grid the organiser reads: one row per product, one column per holder (reserve, hubs, the online
 * channel, each till), each cell the holder's sellable rights, flagged when under the product's low-stock
 * threshold or safety stock. Columns are every holder the event names plus any the ledger has used.
 */
export interface StockColumn {
  holder: HolderId;
  label: string;
}

export interface StockRow {
  brandId: string;
  product: Product;
  cells: { holder: HolderId; sellable: number; quarantined: number; level: 'ok' | 'low' | 'safety' | 'negative' }[];
  total: number;
}

const ORDER: Record<string, number> = { reserve: 0, hub: 1, online: 2, till: 3 };

export function stockColumns(state: EventState): StockColumn[] {
  const cols = new Map<HolderId, string>([
    [RESERVE, 'Reserve'],
    [ONLINE, 'Online'],
  ]);
  for (const l of state.locations) if (l.kind === 'hub') cols.set(`hub:${l.id}`, l.name);
  for (const t of state.tills) cols.set(tillHolder(t.id), t.name);
  // A till given stock before its device paired has no name yet in the setup document.
  for (const b of state.byBrand.values()) for (const h of b.stock.holders()) if (!cols.has(h)) cols.set(h, h.startsWith('till:') ? `${h.slice(5)} (not paired)` : h);
  return [...cols].map(([holder, label]) => ({ holder, label })).sort((a, b) => (ORDER[holderKind(a.holder)] ?? 9) - (ORDER[holderKind(b.holder)] ?? 9) || a.label.localeCompare(b.label));
}

export function stockRows(state: EventState, columns: readonly StockColumn[], filter = ''): StockRow[] {
  const q = filter.trim().toLowerCase();
  const rows: StockRow[] = [];
  const tillBrands = new Map(state.tills.map((t) => [tillHolder(t.id), new Set(t.brandIds)]));
  for (const b of state.byBrand.values()) {
    for (const p of b.products.values()) {
      if (q && !`${p.sku} ${p.name} ${p.variant}`.toLowerCase().includes(q)) continue;
      let total = 0;
      const cells = columns.map(({ holder }) => {
        const bal = b.stock.balance(holder, p.sku);
        total += bal.sellable;
        // Thresholds matter where the brand is sold from: its tills and the online channel.
        const sells = holder === ONLINE || (tillBrands.get(holder)?.has(b.brandId) ?? false);
        const level: StockRow['cells'][number]['level'] = bal.sellable < 0 ? 'negative' : sells && bal.sellable <= p.safetyStock ? 'safety' : sells && bal.sellable <= p.lowStockThreshold ? 'low' : 'ok';
        return { holder, sellable: bal.sellable, quarantined: bal.quarantined, level };
      });
      rows.push({ brandId: b.brandId, product: p, cells, total });
    }
  }
  return rows.sort((a, b) => a.brandId.localeCompare(b.brandId) || a.product.sku.localeCompare(b.product.sku));
}
