import { DashboardAccumulator, type Dashboard } from '../../../core/reports/dashboard.ts';
import type { Product } from '../../../core/catalog/catalog.ts';
import type { EventState } from './event-docs.ts';

/**
 * Keeps the dashboard current by feeding the accumulator only the sales and refunds that arrived since the
 * last look (each brand's lists only grow: they mirror append-only maps). A change of the event's set-up
 * (tills, locations, settings) restarts it from the top, since those decide where a sale is counted.
 */
export class LiveDashboard {
  private acc: DashboardAccumulator | undefined;
  private setupKey = '';
  private readonly consumed = new Map<string, { sales: number; refunds: number }>();

  update(state: EventState, clicks: Readonly<Record<string, number>> = {}): Dashboard | undefined {
    const config = state.config;
    if (!config) return undefined;
    const key = JSON.stringify([config, state.tills, state.locations]);
    if (!this.acc || key !== this.setupKey) {
      this.acc = new DashboardAccumulator({ config, tills: state.tills, locations: state.locations });
      this.setupKey = key;
      this.consumed.clear();
    }
    const products: Product[] = [];
    for (const b of state.byBrand.values()) {
      const done = this.consumed.get(b.brandId) ?? { sales: 0, refunds: 0 };
      for (let i = done.sales; i < b.sales.length; i++) this.acc.addSale(b.sales[i]!);
      for (let i = done.refunds; i < b.refunds.length; i++) this.acc.addRefund(b.refunds[i]!);
      this.consumed.set(b.brandId, { sales: b.sales.length, refunds: b.refunds.length });
      products.push(...b.products.values());
    }
    return this.acc.snapshot({
      config,
      brands: state.brands,
      locations: state.locations,
      tills: state.tills,
      products,
      clicks,
      skuTotals: (brandId, sku) => state.byBrand.get(brandId)?.stock.skuTotals(sku) ?? { received: 0 },
    });
  }
}
