// @vitest-environment happy-dom
import { screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { cart, renderSellingTill } from '../testing/render-till.tsx';
import { closeTill } from '../testing/till-world.ts';

afterEach(closeTill);

// Sign-in hashes the PIN (PBKDF2) and the whole till renders: slower than a unit test on a shared machine.
const SLOW = 30_000;

const total = () => within(cart()).getByLabelText('Total').textContent;
/** The cart's totals as "<term> <amount>" rows: each discount by its name, then tax and total. */
const named = () =>
  within(cart())
    .queryAllByRole('term')
    .map((t) => `${t.textContent} ${t.nextElementSibling?.textContent}`);

describe('discounts in the cart', () => {
  it('a cashier gives 10 % off a line with a reason; it shows under that reason, not as "Drop discount"', async () => {
    const { user } = await renderSellingTill();
    await user.click(screen.getByRole('button', { name: /^Drop Hoodie — M/ }));
    expect(total()).toBe('€48.30');
    await user.click(within(cart()).getByRole('button', { name: 'Discount on Drop Hoodie — M' }));
    const form = within(cart()).getByRole('group', { name: 'Discount on Drop Hoodie — M' });
    await user.type(within(form).getByLabelText('Percent off'), '10');
    await user.type(within(form).getByLabelText('Reason'), 'Damaged');
    await user.click(within(form).getByRole('button', { name: 'Apply discount' }));
    // 10 % of 48.30 = 4.83: 43.47.
    await waitFor(() => expect(total()).toBe('€43.47'));
    expect(named()).toEqual(['−30 % first 15 min −€20.70', 'Damaged −€4.83', 'Tax (included) €7.24', 'Total €43.47']);
    expect(within(cart()).queryByText('Drop discount')).toBeNull();
  }, SLOW);

  it('beyond the cashier’s 10 % cap asks for a manager’s PIN, and a cashier’s PIN does not do', async () => {
    const { user } = await renderSellingTill();
    await user.click(screen.getByRole('button', { name: /^Drop Hoodie — M/ }));
    await user.click(within(cart()).getByRole('button', { name: 'Discount on sale' }));
    const form = within(cart()).getByRole('group', { name: 'Discount on the whole sale' });
    await user.type(within(form).getByLabelText('Percent off'), '20');
    await user.type(within(form).getByLabelText('Reason'), 'Staff');
    await user.click(within(form).getByRole('button', { name: 'Apply discount' }));
    expect(await within(cart()).findByText(/more than the 10 % you may give/)).toBeTruthy();
    expect(total()).toBe('€48.30');
    await user.type(within(cart()).getByLabelText('Manager PIN'), '1234{Enter}');
    expect(await within(cart()).findByText('That is not a manager’s PIN')).toBeTruthy();
    expect(total()).toBe('€48.30');
    await user.type(within(cart()).getByLabelText('Manager PIN'), '9999{Enter}');
    // 20 % of 48.30 = 9.66, below the hoodie's floor (35.21 would be the least) — the manager approved.
    await waitFor(() => expect(total()).toBe('€38.64'));
    expect(named()).toContain('Staff · whole sale −€9.66');
  }, SLOW);

  it('takes a coupon typed at the till under its own name, and refuses a code that is nothing', async () => {
    const { user } = await renderSellingTill();
    await user.click(screen.getByRole('button', { name: /^Drop Hoodie — M/ }));
    const code = within(cart()).getByLabelText('Coupon or creator code');
    await user.type(code, 'nope{Enter}');
    expect((await screen.findByText(/"nope" is no coupon or creator code/)).textContent).toBe('"nope" is no coupon or creator code of this event');
    expect(total()).toBe('€48.30');
    await user.clear(code);
    await user.type(code, 'welcome10{Enter}');
    await waitFor(() => expect(total()).toBe('€43.47'));
    expect(named()).toContain('Coupon WELCOME10 · Welcome 10 % −€4.83');
    await user.click(within(cart()).getByRole('button', { name: 'Remove coupon WELCOME10' }));
    await waitFor(() => expect(total()).toBe('€48.30'));
  }, SLOW);
});
