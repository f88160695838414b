// @vitest-environment happy-dom
import { act, fireEvent, render, screen, within } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { afterEach, describe, expect, it } from 'vitest';
import { App } from '../app/App.tsx';
import { useDay } from '../app/day-store.ts';
import { useParked } from '../app/kept-carts.ts';
import { startPos, startStandAlone, stopPos, usePos } from '../app/pos-store.ts';
import { cart, renderSellingTill } from '../testing/render-till.tsx';
import { closeTill } from '../testing/till-world.ts';

afterEach(closeTill);

const tile = (name: string) => screen.getByRole('button', { name: new RegExp(`^${name}`) });
const parkedList = () => screen.getByRole('region', { name: 'Parked sales' });

async function payExact(user: ReturnType<typeof userEvent.setup>): Promise<string> {
  await user.click(within(cart()).getByRole('button', { name: /^Pay/ }));
  await user.click(within(cart()).getByRole('button', { name: 'Complete sale' }));
  await within(cart()).findByText('Sale complete');
  const receipt = usePos.getState().completed!.receiptNumber;
  await user.click(within(cart()).getByRole('button', { name: 'New sale' }));
  return receipt;
}

// The whole till renders and writes IndexedDB on every step: give it room on a busy machine.
describe('parked sales', { timeout: 30_000 }, () => {
  it('parks a cart, sells to the next customer, resumes the parked cart and pays it', async () => {
    const { user, store } = await renderSellingTill();
    await user.click(tile('Bud Vase'));
    await user.click(tile('Bud Vase'));
    await user.click(within(cart()).getByRole('button', { name: /^Park sale/ }));
    await screen.findByText('Sale parked: Bud Vase and 1 more. Resume it from Parked sales.');
    expect(cart().textContent).toContain('Scan or tap a product.');

    await user.click(tile('Canvas Tote'));
    const first = await payExact(user);
    expect((await store.recentSales(1))[0]?.lines.map((l) => l.sku)).toEqual(['NT-TOTE']);

    await user.click(screen.getByRole('button', { name: /^Parked sales \(1\)/ }));
    await user.click(within(parkedList()).getByRole('button', { name: 'Resume' }));
    await screen.findByText('Resumed Bud Vase and 1 more.');
    expect(within(cart()).getByLabelText('Quantity').textContent).toBe('2');
    expect(screen.queryByRole('button', { name: /^Parked sales/ })).toBeNull();
    const second = await payExact(user);
    expect(second).not.toBe(first);
    const [last] = await store.recentSales(1);
    expect(last?.lines.map((l) => [l.sku, l.qty])).toEqual([['MC-VASE', 2]]);
  });

  it('a parked cart holds its units: the next cart may take only the rest, and discarding releases them', async () => {
    const { user } = await renderSellingTill();
    // 8 vases at this till: park 5, then only 3 are left for the next cart.
    for (let i = 0; i < 5; i++) await user.click(tile('Bud Vase'));
    await user.click(within(cart()).getByRole('button', { name: /^Park sale/ }));
    await screen.findByText(/^Sale parked/);
    for (let i = 0; i < 4; i++) await user.click(tile('Bud Vase'));
    expect(within(cart()).getByLabelText('Quantity').textContent).toBe('3');
    expect(screen.getByRole('alert').textContent).toMatch(/^Only 3 × Bud Vase left on this till \(5 held by parked sales\)/);
    await user.click(within(cart()).getByRole('button', { name: 'One more Bud Vase' }));
    expect(within(cart()).getByLabelText('Quantity').textContent).toBe('3');

    await user.click(screen.getByRole('button', { name: /^Parked sales \(1\)/ }));
    await user.click(within(parkedList()).getByRole('button', { name: 'Discard' }));
    await user.click(within(parkedList()).getByRole('button', { name: 'Confirm discard' }));
    await screen.findByText('Parked sale discarded: Bud Vase and 4 more.');
    expect(useParked.getState().parked).toEqual([]);
    await user.click(within(cart()).getByRole('button', { name: 'One more Bud Vase' }));
    expect(within(cart()).getByLabelText('Quantity').textContent).toBe('4');
    // The discarded cart is in the audit log, as a cleared cart is.
    const voids = await usePos.getState().store!.db.voids.toArray();
    expect(voids.map((v) => [v.reason, v.lines.map((l) => l.qty)])).toEqual([['cart cleared', [5]]]);
  });

  it('resuming while another cart is on screen parks that one instead of dropping it', async () => {
    const { user } = await renderSellingTill();
    await user.click(tile('Bud Vase'));
    await user.click(within(cart()).getByRole('button', { name: /^Park sale/ }));
    await screen.findByText(/^Sale parked/);
    await user.click(tile('Canvas Tote'));
    await user.click(screen.getByRole('button', { name: /^Parked sales \(1\)/ }));
    await user.click(within(parkedList()).getByRole('button', { name: 'Resume' }));
    await screen.findByText('Resumed Bud Vase; the cart you had is parked.');
    expect(within(cart()).getByText('Bud Vase')).toBeTruthy();
    expect(useParked.getState().parked.map((p) => p.cart.lines.map((l) => l.sku))).toEqual([['NT-TOTE']]);
  });

  it('F4 parks, F8 opens the parked sales with Resume focused, Enter resumes', async () => {
    const { user } = await renderSellingTill();
    await user.click(tile('Canvas Tote'));
    act(() => void fireEvent.keyDown(window, { key: 'F4' }));
    await screen.findByText(/^Sale parked: Canvas Tote/);
    expect(cart().textContent).toContain('Scan or tap a product.');
    act(() => void fireEvent.keyDown(window, { key: 'F8' }));
    expect(document.activeElement).toBe(within(parkedList()).getByRole('button', { name: 'Resume' }));
    await user.keyboard('{Enter}');
    expect(await within(cart()).findByText('Canvas Tote')).toBeTruthy();
  });

  it('a part-paid cart is not parked: the money taken belongs to it', async () => {
    const { user } = await renderSellingTill();
    await user.click(tile('Canvas Tote'));
    usePos.setState(() => ({ payment: { method: 'cash', tendered: '', reference: '', amount: '', split: true, taken: [{ method: 'cash', amount: 500 }], email: '', phone: '', consent: false, source: '' } as NonNullable<ReturnType<typeof usePos.getState>["payment"]> }));
    act(() => void fireEvent.keyDown(window, { key: 'F4' }));
    expect(useParked.getState().parked).toEqual([]);
    expect(within(cart()).getByText('Canvas Tote')).toBeTruthy();
  });
});

describe('kept carts across a reload', { timeout: 30_000 }, () => {
  it('the cart in progress and the parked sales come back when the till opens again', async () => {
    const indexedDB = new IDBFactory();
    const open = async () => {
      await startPos({ dbName: 'till', indexedDB, IDBKeyRange });
    };
    await open();
    await startStandAlone();
    const user = userEvent.setup();
    render(<App />);
    await user.type(screen.getByLabelText('PIN'), '1234{Enter}');
    const gate = await screen.findByRole('region', { name: 'Start of shift' });
    await user.type(within(gate).getByLabelText('Opening float'), '100{Enter}');
    await screen.findByRole('search');
    await user.click(tile('Bud Vase'));
    await user.click(within(cart()).getByRole('button', { name: /^Park sale/ }));
    await screen.findByText(/^Sale parked/);
    await user.click(tile('Canvas Tote'));
    await user.click(tile('Canvas Tote'));
    // Let the last write land, then "reload": close everything and open the same database again.
    await act(() => new Promise((r) => setTimeout(r, 50)));
    closeTill();
    expect(usePos.getState().cart.lines).toEqual([]);
    await open();
    expect(usePos.getState().cart.lines).toEqual([{ brandId: 'north-thread', sku: 'NT-TOTE', qty: 2 }]);
    expect(useParked.getState().parked.map((p) => p.cart.lines)).toEqual([[{ brandId: 'mellow-ceramics', sku: 'MC-VASE', qty: 1 }]]);
    stopPos();
    useDay.setState(useDay.getInitialState(), true);
  });
});
