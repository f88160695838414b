// @vitest-environment happy-dom
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_BRANDS, DEMO_LOCATIONS, DEMO_PRODUCTS, demoConfig } from '../../../../core/event/demo-event.ts';
import type { LedgerEntry } from '../../../../core/ledger/ledger.ts';
import { StockView } from '../../../../core/ledger/stock-view.ts';
import { Api } from '../api.ts';
import { useConsole } from '../console-store.ts';
import type { BrandData, EventDocs, EventState } from '../event-docs.ts';
import { StockReturns, type ListedReturn } from './StockReturns.tsx';

/**
 * The console's "Take stock back from a till", by accessible name. The server is a recording fetch: what the
 * screen must get right is what it sends and how it reads the list; the server's checks of the ask are in
 * sync-server/stock-returns.test.ts, the till's answer in renderer/src/store/local-store.test.ts.
 */
afterEach(() => {
  cleanup();
  useConsole.setState({ docs: undefined, api: undefined, eventId: undefined, flash: undefined });
});

const E = 'demo-flash-mall';

function event(): EventState {
  const stock = new StockView();
  stock.add({ id: 'e1', at: '0', writer: 'SERVER000000', kind: 'transfer', sku: 'NT-CAP', qty: 12, from: 'reserve', to: 'till:till-1' } as LedgerEntry);
  const products = DEMO_PRODUCTS.filter((p) => p.brandId === 'north-thread');
  const nt: BrandData = { brandId: 'north-thread', products: new Map(products.map((p) => [p.sku, p])), sales: [], refunds: [], entries: [], requests: [], stock, invalid: [] };
  return {
    config: demoConfig(0),
    brands: DEMO_BRANDS,
    locations: DEMO_LOCATIONS,
    tills: [{ id: 'till-1', name: 'Booth A till', deviceId: 'AAAAAAAAAAAA', locationId: 'booth-a', brandIds: ['north-thread'], receiptPrefix: 'T1' }],
    creators: [],
    thresholds: [],
    byBrand: new Map([['north-thread', nt]]),
    byTill: new Map(),
    synced: 1,
    total: 1,
    online: true,
  };
}

function server(returns: ListedReturn[]) {
  const sent: { method: string; path: string; body: unknown }[] = [];
  const fetchFn = (async (url: string, init: RequestInit = {}) => {
    const method = init.method ?? 'GET';
    sent.push({ method, path: url.replace('http://pos.test', ''), body: init.body ? JSON.parse(init.body as string) : undefined });
    return new Response(JSON.stringify(method === 'GET' ? { returns } : { returns: [] }), { status: method === 'GET' ? 200 : 201, headers: { 'content-type': 'application/json' } });
  }) as typeof fetch;
  act(() => useConsole.setState({ api: new Api({ serverUrl: 'http://pos.test', token: 't' }, fetchFn), eventId: E, docs: { state: () => event() } as unknown as EventDocs, version: Math.random() }));
  return sent;
}

const listed: ListedReturn = {
  brandId: 'north-thread',
  tillId: 'till-1',
  state: 'partial',
  request: { id: 't_1', at: '1', writer: 'SERVER000000', holder: 'till:till-1', lines: [{ sku: 'NT-CAP', qty: 5 }], expiresAt: 1, note: 'end of day' },
  lines: [{ sku: 'NT-CAP', qty: 5, returned: 2 }],
};

describe('taking stock back from a till', () => {
  it('asks the chosen till for the units, showing what it holds, and lists what has come back', async () => {
    const sent = server([listed]);
    render(<StockReturns />);
    const card = screen.getByRole('region', { name: 'Stock back from a till' });
    const list = within(card).getByRole('table', { name: 'Stock asked back' });
    await waitFor(() => expect(within(list).getByRole('row', { name: /Booth A till/ }).textContent).toContain('2 of 5 × NT-CAP back'));
    expect(within(list).getByRole('row', { name: /Booth A till/ }).textContent).toContain('partly back · end of day');

    const form = within(card).getByRole('form', { name: 'Ask a till for stock back' });
    fireEvent.change(within(form).getByLabelText('Till'), { target: { value: 'till-1' } });
    const product = within(form).getByLabelText('Product, line 1');
    expect(within(product).getByRole('option', { name: 'Five-panel Cap (NT-CAP): the till holds 12' })).toBeTruthy();
    fireEvent.change(product, { target: { value: 'north-thread/NT-CAP' } });
    fireEvent.change(within(form).getByLabelText('Units back, line 1'), { target: { value: '4' } });
    fireEvent.change(within(form).getByLabelText('Note for the till (optional)'), { target: { value: 'move to booth B' } });
    const button = within(form).getByRole('button', { name: 'Ask for the stock back' });
    expect(button.getAttribute('type')).toBe('submit');
    fireEvent.submit(form);
    await waitFor(() => expect(sent.find((r) => r.method === 'POST')).toEqual({ method: 'POST', path: `/api/events/${E}/stock/returns`, body: { tillId: 'till-1', lines: [{ brandId: 'north-thread', sku: 'NT-CAP', qty: 4 }], expiresInMinutes: 240, note: 'move to booth B' } }));
    await waitFor(() => expect(useConsole.getState().flash?.text).toBe('Asked Booth A till for 4 unit(s) back: it hands them to the reserve when it is online'));
  });
});
