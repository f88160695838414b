// @vitest-environment happy-dom
import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_BRANDS, DEMO_LOCATIONS, DEMO_PRODUCTS, demoConfig } from '../../../../core/event/demo-event.ts';
import type { LedgerEntry } from '../../../../core/ledger/ledger.ts';
import { StockView } from '../../../../core/ledger/stock-view.ts';
import { useConsole } from '../console-store.ts';
import type { BrandData, EventDocs, EventState } from '../event-docs.ts';
import { SetupChecklist } from './SetupChecklist.tsx';

afterEach(() => {
  cleanup();
  useConsole.setState({ docs: undefined, tab: 'dashboard' });
});

function event(parts: { brands?: boolean; booths?: boolean; catalog?: boolean; tills?: boolean; entries?: Partial<LedgerEntry>[] }): EventState {
  const products = parts.catalog ? DEMO_PRODUCTS.filter((p) => p.brandId === 'north-thread') : [];
  const entries = (parts.entries ?? []).map((e, i) => ({ id: `e${i}`, at: '0', writer: 'SERVER000000', brandId: 'north-thread', sku: 'NT-CAP', qty: 1, ...e }) as LedgerEntry);
  const nt: BrandData = { brandId: 'north-thread', products: new Map(products.map((p) => [p.sku, p])), sales: [], refunds: [], entries, requests: [], stock: new StockView(), invalid: [] };
  return {
    config: demoConfig(0),
    brands: parts.brands ? DEMO_BRANDS : [],
    locations: parts.booths ? DEMO_LOCATIONS : DEMO_LOCATIONS.filter((l) => l.kind === 'reserve'),
    tills: parts.tills ? [{ id: 'till-1', name: 'Booth A till', deviceId: 'AAAAAAAAAAAA', locationId: 'booth-a', brandIds: ['north-thread'], receiptPrefix: 'T1' }] : [],
    creators: [],
    thresholds: [],
    byBrand: new Map(parts.brands ? [['north-thread', nt]] : []),
    byTill: new Map(),
    synced: 1,
    total: 1,
    online: true,
  };
}

function show(state: EventState) {
  act(() => useConsole.setState({ docs: { state: () => state } as unknown as EventDocs, version: Math.random() }));
  return render(<SetupChecklist />);
}

const list = () => screen.getByRole('region', { name: 'First-event checklist' });

describe('first-event checklist', () => {
  it('starts a new event at the brands, every step to do and each one a button to where it is done', () => {
    show(event({}));
    expect(within(list()).getByRole('status').textContent).toBe('0 of 6 done. Next: add the brands.');
    for (const name of ['Add the brands: go to Brands', 'Add the booths (and any hub): go to Locations', 'Import the catalog: go to Catalog', 'Pair the tills: go to Tills', 'Receive the stock: go to Move stock', 'Send stock to the tills: go to Move stock']) {
      expect(within(list()).getByRole('button', { name })).toBeTruthy();
    }
    expect(within(list()).getAllByText('(to do)', { exact: false })).toHaveLength(6);
  });

  it('follows the event\'s real state: received but not yet sent to a till, and takes the organiser to the stock tab', () => {
    show(event({ brands: true, booths: true, catalog: true, tills: true, entries: [{ kind: 'receive', to: 'reserve', qty: 40 }, { kind: 'transfer', from: 'reserve', to: 'hub:hub-central', qty: 5 }] }));
    expect(within(list()).getByRole('status').textContent).toBe('5 of 6 done. Next: send stock to the tills.');
    expect(screen.getByText('— 40 units received')).toBeTruthy();
    // A transfer to a hub is not stock at a till.
    expect(screen.getByText('— no till holds stock from a transfer yet')).toBeTruthy();
    fireEvent.click(within(list()).getByRole('button', { name: 'Send stock to the tills: go to Move stock' }));
    expect(useConsole.getState().tab).toBe('stock');
  });

  it('says all is set once a till holds stock', () => {
    show(event({ brands: true, booths: true, catalog: true, tills: true, entries: [{ kind: 'receive', to: 'reserve', qty: 40 }, { kind: 'transfer', from: 'reserve', to: 'till:till-1', qty: 12 }] }));
    expect(within(list()).getByRole('status').textContent).toBe('All set: the tills can sell.');
    expect(within(list()).getAllByText('(done)', { exact: false })).toHaveLength(6);
  });
});
