// @vitest-environment happy-dom
import { act, fireEvent, render, screen, within } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import { cart, renderSellingTill } from '../testing/render-till.tsx';
import { barcode, closeTill, demoProduct, openTill } from '../testing/till-world.ts';
import { App } from '../app/App.tsx';
import { useDay } from '../app/day-store.ts';
import { usePos } from '../app/pos-store.ts';

afterEach(closeTill);

/** A USB scanner: each character a keydown on whatever has focus (here the page), then Enter. */
function scanKeys(code: string): void {
  for (const key of [...code, 'Enter']) fireEvent.keyDown(document.body, { key });
}

describe('sell screen', () => {
  it('asks for an opening float before it sells, refuses an empty one, and ignores the scanner meanwhile', async () => {
    await openTill();
    const user = userEvent.setup();
    render(<App />);
    await user.type(screen.getByLabelText('PIN'), '1234{Enter}');
    const gate = await screen.findByRole('region', { name: 'Start of shift' });
    expect(screen.queryByRole('search')).toBeNull();
    act(() => scanKeys(barcode('NT-CAP')));
    expect(usePos.getState().cart.lines).toHaveLength(0);
    await user.click(within(gate).getByRole('button', { name: 'Open shift' }));
    expect((await within(gate).findByRole('alert')).textContent).toBe('Type the opening float');
    await user.type(within(gate).getByLabelText('Opening float'), '150{Enter}');
    await screen.findByRole('search');
    expect(useDay.getState().shift?.float).toBe(15000);
    expect(cart().textContent).toContain('Scan or tap a product.');
  });

  it('adds the product a scanner types anywhere on the screen, and says so when a code is unknown', async () => {
    await renderSellingTill();
    act(() => scanKeys(barcode('NT-TEE-BLK-M')));
    expect(within(cart()).getByText('Logo Tee — Black M')).toBeTruthy();
    expect(within(cart()).getByLabelText('Quantity').textContent).toBe('1');
    act(() => scanKeys('4006381234567'));
    expect(screen.getByRole('alert').textContent).toBe('Unknown code 4006381234567: no product has this barcode');
    expect(within(cart()).getAllByLabelText('Quantity')).toHaveLength(1);
  });

  it('does not take scanner keys typed into a text field', async () => {
    const { user } = await renderSellingTill();
    const search = screen.getByLabelText('Search products');
    act(() => {
      for (const key of [...barcode('NT-CAP'), 'Enter']) fireEvent.keyDown(search, { key });
    });
    expect(cart().textContent).toContain('Scan or tap a product.');
    // Typing a name in the search box and Enter adds the first match.
    await user.type(search, 'tote{Enter}');
    expect(within(cart()).getByText('Canvas Tote')).toBeTruthy();
  });

  it('tiles show the price at the live tier and this till’s stock; the cart stops at the stock and offers a manager', async () => {
    const { user } = await renderSellingTill();
    const vase = screen.getByRole('button', { name: /^Bud Vase/ });
    // 39.00 −30 % = 27.30; 8 at this till (and its booth).
    expect(vase.textContent).toContain('€27.30');
    expect(vase.textContent).toContain('8 here · 8 at booth');
    for (let i = 0; i < 9; i++) await user.click(vase);
    expect(within(cart()).getByLabelText('Quantity').textContent).toBe('8');
    expect(screen.getByRole('alert').textContent).toMatch(/^Only 8 × Bud Vase left on this till/);
    // Stand-alone: no reserve to ask, only a manager.
    expect(screen.queryByRole('button', { name: 'Ask the reserve for more' })).toBeNull();
    await user.click(screen.getByRole('button', { name: 'Sell beyond stock (manager)' }));
    const approval = screen.getByRole('form', { name: 'Manager approval' });
    await user.type(within(approval).getByLabelText('Manager PIN'), '9999{Enter}');
    await screen.findByText('9');
    expect(within(cart()).getByLabelText('Quantity').textContent).toBe('9');
    expect(usePos.getState().override?.managerId).toBe('mia');
  });

  it('asks for a phone’s serial in the cart and adds it with the serial', async () => {
    const { user } = await renderSellingTill();
    act(() => scanKeys(barcode('SL-PHONE-12')));
    const form = screen.getByRole('form', { name: 'Serial number' });
    await user.click(within(form).getByRole('button', { name: 'Add to cart' }));
    expect(screen.getByRole('alert').textContent).toBe('Scan or type the serial number of the Refurbished Phone 12 — 128 GB');
    await user.type(within(form).getByLabelText(/Serial number of the/), 'SN-0042{Enter}');
    expect(cart().textContent).toContain('SN-0042');
    expect(screen.queryByRole('form', { name: 'Serial number' })).toBeNull();
    // A serial-tracked line cannot be bumped to two units of the same serial.
    expect((within(cart()).getByRole('button', { name: /^One more Refurbished Phone 12/ }) as HTMLButtonElement).disabled).toBe(true);
  });

  it('the stock alerts name what runs low as the till sells', async () => {
    const { user } = await renderSellingTill();
    expect(screen.queryByRole('status', { name: 'Stock alerts' })).toBeNull();
    const product = demoProduct('MC-VASE');
    const vase = screen.getByRole('button', { name: /^Bud Vase/ });
    for (let i = 0; i < 6; i++) await user.click(vase);
    // Sold: 8 − 6 = 2, at its low-stock threshold of 2.
    await user.click(screen.getByRole('button', { name: 'Pay' }));
    await user.click(screen.getByRole('button', { name: 'Complete sale' }));
    await within(cart()).findByText('Sale complete');
    const alerts = await screen.findByRole('status', { name: 'Stock alerts' });
    expect(alerts.textContent).toBe(`Low here: ${product.name} (2)`);
  });
});
