// @vitest-environment happy-dom
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_BRANDS, DEMO_LOCATIONS, demoConfig } from '../../../../core/event/demo-event.ts';
import { Api } from '../api.ts';
import { useConsole } from '../console-store.ts';
import type { EventDocs, EventState } from '../event-docs.ts';
import { CouponsSetup, DiscountCapsSetup, type CouponRow } from './SetupDiscounts.tsx';

/**
 * The organiser's coupon and cap screen, by accessible name. The server is played by a recording fetch: what
 * the screen must get right is what it lists from `GET …/coupons` and what it sends; the server's own checks
 * of those requests are tested in sync-server/setup-api.test.ts and discounts.test.ts.
 */
afterEach(() => {
  cleanup();
  useConsole.setState({ docs: undefined, api: undefined, eventId: undefined, flash: undefined });
});

const E = 'demo-flash-mall';
const START = Date.UTC(2026, 10, 21, 9);
const config = demoConfig(START);

function event(): EventState {
  return {
    config: { ...config, policies: { ...config.policies, discountCaps: { cashier: 500 } } },
    brands: DEMO_BRANDS,
    locations: DEMO_LOCATIONS,
    tills: [],
    creators: [{ code: 'LENA10', name: 'Lena Knits' }],
    thresholds: [],
    byBrand: new Map(),
    byTill: new Map(),
    synced: 1,
    total: 1,
    online: true,
  };
}

/** Answers like the server for the coupon list and records every request. */
function server(coupons: CouponRow[]) {
  const sent: { method: string; path: string; body: unknown }[] = [];
  const fetchFn = (async (url: string, init: RequestInit = {}) => {
    const path = url.replace('http://pos.test', '');
    const method = init.method ?? 'GET';
    sent.push({ method, path, body: init.body ? JSON.parse(init.body as string) : undefined });
    const body = method === 'GET' ? { coupons } : method === 'PUT' ? { coupon: JSON.parse(init.body as string) } : { event: {} };
    return new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });
  }) as typeof fetch;
  act(() =>
    useConsole.setState({ api: new Api({ serverUrl: 'http://pos.test', token: 't' }, fetchFn), eventId: E, docs: { state: () => event() } as unknown as EventDocs, version: Math.random() }),
  );
  return sent;
}

/** Presses a submit button: happy-dom does not submit a form from a button's click, so its form is submitted. */
function submit(button: HTMLElement) {
  expect(button.getAttribute('type')).toBe('submit');
  fireEvent.submit(button.closest('form')!);
}

const coupons: CouponRow[] = [
  { code: 'LAST1', name: 'One only', brandId: 'north-thread', amount: 500, usageLimit: 1, validFrom: '2026-11-20T00:00', validUntil: '2099-01-01T00:00', uses: 2 },
  { code: 'SUMMER10', name: 'Summer 10 %', brandId: 'mellow-ceramics', percentBp: 1000, validFrom: '2026-11-20T00:00', validUntil: '2099-01-01T00:00', creatorCode: 'LENA10', uses: 3 },
];

describe('coupons in the console', () => {
  it('lists each coupon with its uses so far, a use past its limit in plain words', async () => {
    server(coupons);
    render(<CouponsSetup />);
    const list = await screen.findByRole('table', { name: 'Coupon list' });
    await waitFor(() => expect(within(list).getAllByRole('row')).toHaveLength(3));
    const last = within(list).getByRole('row', { name: /LAST1/ });
    expect(within(last).getByLabelText('2 uses, over its limit of 1')).toBeTruthy();
    expect(last.textContent).toContain('€5.00 off');
    const summer = within(list).getByRole('row', { name: /SUMMER10/ });
    expect(summer.textContent).toContain('10 % off');
    expect(summer.textContent).toContain('Mellow Ceramics');
    expect(summer.textContent).toContain('LENA10');
  });

  it('makes a coupon from the form: percent in basis points, products, limit, window and the creator credited', async () => {
    const sent = server([]);
    render(<CouponsSetup />);
    const form = await screen.findByRole('form', { name: 'New coupon' });
    const type = (label: string, value: string) => fireEvent.change(within(form).getByLabelText(label), { target: { value } });
    type('Code', 'WELCOME');
    type('Name on the receipt', 'Welcome 12.5 %');
    type('Brand', 'north-thread');
    type('Products (SKUs; empty: all of the brand\'s)', 'NT-TOTE, NT-CAP');
    type('Percent off', '12.5');
    type('Valid from', '2026-11-21T09:00');
    type('Valid until', '2026-11-23T00:00');
    type('Limit of uses (empty: none)', '50');
    type('Creator credited', 'LENA10');
    submit(within(form).getByRole('button', { name: 'Save coupon' }));
    await waitFor(() => expect(sent.find((r) => r.method === 'PUT')).toBeTruthy());
    expect(sent.find((r) => r.method === 'PUT')).toEqual({
      method: 'PUT',
      path: `/api/events/${E}/coupons/WELCOME`,
      body: { name: 'Welcome 12.5 %', brandId: 'north-thread', skus: ['NT-TOTE', 'NT-CAP'], percentBp: 1250, validFrom: '2026-11-21T09:00', validUntil: '2026-11-23T00:00', usageLimit: 50, creatorCode: 'LENA10' },
    });
    await waitFor(() => expect(useConsole.getState().flash?.text).toBe('Coupon WELCOME saved: tills take it as they sync'));
  });

  it('takes an amount in the event currency as minor units, and ends a coupon by moving its end to now', async () => {
    const sent = server(coupons);
    render(<CouponsSetup />);
    const form = await screen.findByRole('form', { name: 'New coupon' });
    fireEvent.change(within(form).getByLabelText('Takes off'), { target: { value: 'amount' } });
    fireEvent.change(within(form).getByLabelText('Code'), { target: { value: 'FIVE' } });
    fireEvent.change(within(form).getByLabelText('Name on the receipt'), { target: { value: 'Five off' } });
    fireEvent.change(within(form).getByLabelText('Brand'), { target: { value: 'north-thread' } });
    fireEvent.change(within(form).getByLabelText('Amount off (EUR)'), { target: { value: '5.50' } });
    submit(within(form).getByRole('button', { name: 'Save coupon' }));
    await waitFor(() => expect(sent.find((r) => r.path.endsWith('/coupons/FIVE'))?.body).toMatchObject({ amount: 550 }));
    expect(sent.find((r) => r.path.endsWith('/coupons/FIVE'))?.body).not.toHaveProperty('percentBp');

    fireEvent.click(await screen.findByRole('button', { name: 'End coupon LAST1 now' }));
    await waitFor(() => expect(sent.find((r) => r.path.endsWith('/coupons/LAST1'))).toBeTruthy());
    const ended = sent.find((r) => r.path.endsWith('/coupons/LAST1'))!.body as Record<string, unknown>;
    // Everything else kept (the brand may not change: its uses are counted in its document), the end moved to this minute.
    expect(ended).toMatchObject({ name: 'One only', brandId: 'north-thread', amount: 500, usageLimit: 1, validFrom: '2026-11-20T00:00' });
    expect(ended).not.toHaveProperty('uses');
    expect(ended['validUntil']).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/);
    expect(ended['validUntil']! < '2099-01-01T00:00').toBe(true);
  });
});

describe('discount caps in the console', () => {
  it('shows the caps in force (the default for a role left unset) and saves them as basis points', async () => {
    const sent = server([]);
    render(<DiscountCapsSetup />);
    const cashier = await screen.findByLabelText('Cashier may give up to (%)');
    expect((cashier as HTMLInputElement).value).toBe('5');
    expect((screen.getByLabelText('Supervisor may give up to (%)') as HTMLInputElement).value).toBe('25');
    fireEvent.change(cashier, { target: { value: '7.5' } });
    submit(screen.getByRole('button', { name: 'Save caps' }));
    await waitFor(() => expect(sent.find((r) => r.method === 'PATCH')).toEqual({ method: 'PATCH', path: `/api/events/${E}`, body: { policies: { discountCaps: { cashier: 750, supervisor: 2500 } } } }));
  });
});
