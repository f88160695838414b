import type { Product } from '../../../core/catalog/catalog.ts';
import { movements, type LedgerEntry } from '../../../core/ledger/ledger.ts';
import type { Sale } from '../../../core/selling/sale.ts';
import type { StockView } from '../../../core/ledger/stock-view.ts';
import type { PosDatabase, ProductRow, StockRow, TotalsRow } from './db.ts';

/**
 * Collects the view rows that a change touches while Yjs observers run, then writes them inside the
 * transaction that persists the change. Rows are keyed, so touching one twice writes it once, with its
 * latest value.
 */
export class ViewWriter {
  private stock = new Map<string, StockRow>();
  private totals = new Map<string, TotalsRow>();
  private exceptions: (LedgerEntry & { brandId: string })[] = [];
  private products = new Map<string, ProductRow | { brandId: string; sku: string; deleted: true }>();
  private sales = new Map<string, Sale>();

  constructor(private readonly db: PosDatabase) {}

  begin(): void {
    this.discard();
  }

  discard(): void {
    this.stock.clear();
    this.totals.clear();
    this.exceptions = [];
    this.products.clear();
    this.sales.clear();
  }

  touchEntry(brandId: string, e: LedgerEntry, view: StockView): void {
    for (const m of movements(e)) {
      this.stock.set(`${brandId}\u0000${m.holder}\u0000${e.sku}`, { brandId, holder: m.holder, sku: e.sku, ...view.balance(m.holder, e.sku) });
    }
    this.totals.set(`${brandId}\u0000${e.sku}`, { brandId, sku: e.sku, ...view.skuTotals(e.sku) });
    if (e.override) this.exceptions.push({ ...e, brandId });
  }

  touchProduct(eventId: string, brandId: string, sku: string, p: Product | undefined): void {
    this.products.set(`${brandId}\u0000${sku}`, p ? { ...p, eventId } : { brandId, sku, deleted: true });
  }

  touchSale(sale: Sale): void {
    this.sales.set(sale.id, sale);
  }

  /** Writes everything touched since `begin`; call inside the Dexie transaction. */
  async flush(): Promise<void> {
    if (this.stock.size) await this.db.stock.bulkPut([...this.stock.values()]);
    if (this.totals.size) await this.db.totals.bulkPut([...this.totals.values()]);
    if (this.exceptions.length) await this.db.exceptions.bulkPut(this.exceptions);
    if (this.sales.size) await this.db.sales.bulkPut([...this.sales.values()]);
    const puts: ProductRow[] = [];
    const deletes: [string, string][] = [];
    for (const p of this.products.values()) {
      if ('deleted' in p) deletes.push([p.brandId, p.sku]);
      else puts.push(p);
    }
    if (puts.length) await this.db.products.bulkPut(puts);
    if (deletes.length) await this.db.products.bulkDelete(deletes);
    this.discard();
  }
}
