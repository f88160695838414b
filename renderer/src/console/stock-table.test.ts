import { describe, expect, it } from 'vitest';
import { DEMO_BRANDS, DEMO_LOCATIONS, DEMO_PRODUCTS, demoConfig } from '../../../core/event/demo-event.ts';
import type { LedgerEntry } from '../../../core/ledger/ledger.ts';
import { StockView } from '../../../core/ledger/stock-view.ts';
import type { BrandData, EventState } from './event-docs.ts';
import { stockColumns, stockRows } from './stock-table.ts';

/** The console's stock grid over a hand-built event: columns for every holder, flags where a brand sells. */
function eventWith(entries: Omit<LedgerEntry, 'at' | 'writer'>[]): EventState {
  const stock = new StockView();
  for (const e of entries) stock.add({ at: '0', writer: 'SERVER000000', ...e });
  const products = DEMO_PRODUCTS.filter((p) => p.brandId === 'north-thread');
  const nt: BrandData = { brandId: 'north-thread', products: new Map(products.map((p) => [p.sku, p])), sales: [], refunds: [], entries: [], requests: [], stock, invalid: [] };
  return {
    config: demoConfig(0),
    brands: DEMO_BRANDS,
    locations: DEMO_LOCATIONS,
    tills: [
      { id: 'till-1', name: 'Booth A till', deviceId: 'AAAAAAAAAAAA', locationId: 'booth-a', brandIds: ['north-thread'], receiptPrefix: 'T1' },
      { id: 'till-2', name: 'Booth B till', deviceId: 'BBBBBBBBBBBB', locationId: 'booth-b', brandIds: ['mellow-ceramics'], receiptPrefix: 'T2' },
    ],
    creators: [],
    thresholds: [],
    byBrand: new Map([['north-thread', nt]]),
    byTill: new Map(),
    synced: 2,
    total: 2,
    online: true,
  };
}

describe('console stock grid', () => {
  const cap = DEMO_PRODUCTS.find((p) => p.sku === 'NT-CAP')!; // low-stock threshold 3, safety stock 1
  const state = eventWith([
    { id: 'e1', kind: 'receive', sku: 'NT-CAP', qty: 20, to: 'reserve' },
    { id: 'e2', kind: 'transfer', sku: 'NT-CAP', qty: cap.lowStockThreshold, from: 'reserve', to: 'till:till-1' },
    { id: 'e3', kind: 'transfer', sku: 'NT-CAP', qty: 2, from: 'reserve', to: 'till:till-9' },
  ]);

  it('has a column per holder: reserve, hubs, online, each paired till, and any till the ledger names', () => {
    expect(stockColumns(state).map((c) => c.label)).toEqual(['Reserve', 'Central micro-hub', 'Online', 'Booth A till', 'Booth B till', 'till-9 (not paired)']);
  });

  it('flags a till at its low-stock threshold only where it sells the brand, and sums every holder', () => {
    const columns = stockColumns(state);
    const row = stockRows(state, columns).find((r) => r.product.sku === 'NT-CAP')!;
    const cell = (label: string) => row.cells[columns.findIndex((c) => c.label === label)]!;
    expect(cell('Reserve')).toMatchObject({ sellable: 20 - cap.lowStockThreshold - 2, level: 'ok' });
    expect(cell('Booth A till')).toMatchObject({ sellable: cap.lowStockThreshold, level: 'low' });
    // Booth B's till does not sell North Thread: an empty cell there is not an alarm.
    expect(cell('Booth B till')).toMatchObject({ sellable: 0, level: 'ok' });
    // The online channel sells every brand: nothing there is below its safety stock.
    expect(cell('Online')).toMatchObject({ sellable: 0, level: 'safety' });
    expect(row.total).toBe(20);
  });

  it('filters by SKU or name, ignoring case', () => {
    const columns = stockColumns(state);
    expect(stockRows(state, columns, 'five-PANEL').map((r) => r.product.sku)).toEqual(['NT-CAP']);
    expect(stockRows(state, columns, 'nt-hoodie').map((r) => r.product.sku)).toEqual(['NT-HOODIE-L', 'NT-HOODIE-M', 'NT-HOODIE-S', 'NT-HOODIE-XL']);
  });
});
