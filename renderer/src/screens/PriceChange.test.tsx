// @vitest-environment happy-dom
import { screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { cart, renderSellingTill } from '../testing/render-till.tsx';
import { closeTill } from '../testing/till-world.ts';

afterEach(closeTill);

describe('price change on a cart line', () => {
  it('a manager may lower a price to the margin floor but not below it, nor raise it above list', async () => {
    const { user } = await renderSellingTill();
    await user.click(screen.getByRole('button', { name: /^Drop Hoodie — M/ }));
    await user.click(within(cart()).getByRole('button', { name: 'Change price of Drop Hoodie — M' }));
    const price = within(cart()).getByLabelText('New unit price for Drop Hoodie — M');
    const approve = async (text: string, pin = '9999') => {
      await user.clear(price);
      await user.type(price, text);
      await user.type(within(cart()).getByLabelText('Manager PIN'), `${pin}{Enter}`);
    };
    // Cost 22.00, 25 % margin floor, 20 % tax included: 35.21 at least.
    await approve('35.20');
    expect((await screen.findByText(/can't be sold below/)).textContent).toBe("Drop Hoodie — M can't be sold below €35.21: that is its margin floor");
    expect(within(cart()).getByLabelText('Total').textContent).toBe('€48.30');
    await approve('35.21', '1234');
    expect((await within(cart()).findByText('That is not a manager’s PIN')).textContent).toBeTruthy();
    expect(within(cart()).getByLabelText('Total').textContent).toBe('€48.30');
    await approve('69.01');
    expect((await screen.findByText(/above/)).textContent).toBe("Drop Hoodie — M can't be sold above its list price of €69.00");
    expect(within(cart()).getByLabelText('Total').textContent).toBe('€48.30');
    await approve('35.21');
    await waitFor(() => expect(within(cart()).getByLabelText('Total').textContent).toBe('€35.21'));
    expect(screen.queryByLabelText('New unit price for Drop Hoodie — M')).toBeNull();
  });
});
