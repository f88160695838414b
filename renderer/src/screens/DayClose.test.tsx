// @vitest-environment happy-dom
import { screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { cart, renderSellingTill } from '../testing/render-till.tsx';
import { closeTill } from '../testing/till-world.ts';

afterEach(closeTill);

const dayClose = () => screen.getByRole('region', { name: 'Close day' });

describe('day close and Z report', () => {
  it('counts the drawer blind, then shows the discrepancy on the Z report; the next sale needs a new shift', async () => {
    const { user } = await renderSellingTill({ float: '100' });
    await user.click(screen.getByRole('button', { name: /^Drop Hoodie — M/ }));
    await user.click(screen.getByRole('button', { name: 'Pay' }));
    await user.type(screen.getByLabelText('Amount tendered'), '50{Enter}');
    await within(cart()).findByText('Sale complete');

    await user.click(screen.getByRole('button', { name: 'Close day' }));
    const count = await within(dayClose()).findByRole('region', { name: 'Count cash' });
    // Blind: nothing on the count card tells the cashier what to expect.
    expect(count.textContent).not.toContain('148.30');
    await user.type(within(count).getByLabelText('Counted cash'), '146.30{Enter}');
    const z = await screen.findByRole('region', { name: 'Z report' });
    expect(within(z).getByLabelText('Expected cash').textContent).toBe('€148.30');
    expect(within(z).getByLabelText('Counted cash').textContent).toBe('€146.30');
    const discrepancy = within(z).getByLabelText('Discrepancy');
    expect(discrepancy.textContent).toBe('-€2.00 short');
    expect(discrepancy.className).toContain('discrepancy');

    await user.click(within(dayClose()).getByRole('button', { name: 'Back to till' }));
    expect(await screen.findByRole('region', { name: 'Start of shift' })).toBeTruthy();
    expect(screen.queryByRole('search')).toBeNull();
  });

  it('shows no discrepancy in red when the count is right, and counts the carts voided in the shift', async () => {
    const { user } = await renderSellingTill({ float: '80' });
    await user.click(screen.getByRole('button', { name: /^Canvas Tote/ }));
    await user.click(screen.getByRole('button', { name: 'Clear' }));
    await user.click(screen.getByRole('button', { name: 'Close day' }));
    await user.type(await within(dayClose()).findByLabelText('Counted cash'), '80{Enter}');
    const discrepancy = within(await screen.findByRole('region', { name: 'Z report' })).getByLabelText('Discrepancy');
    expect(discrepancy.textContent).toBe('€0.00');
    expect(discrepancy.className).not.toContain('discrepancy');
    expect(screen.getByLabelText('Voids').textContent).toBe('1 · €10.50');
  });

  it('needs a manager for a count off by more than the limit, and records cash moved in and out', async () => {
    const { user } = await renderSellingTill({ float: '100' });
    await user.click(screen.getByRole('button', { name: 'Close day' }));
    const move = await within(dayClose()).findByRole('form', { name: 'Cash in or out' });
    await user.type(within(move).getByLabelText('Amount'), '20');
    await user.click(within(move).getByRole('button', { name: 'Cash in' }));
    expect((await within(move).findByRole('status')).textContent).toBe('Cash in recorded');
    expect(within(dayClose()).getByRole('list', { name: 'Cash movements' }).textContent).toContain('Cash in · Change top-up');

    await user.type(within(dayClose()).getByLabelText('Counted cash'), '110{Enter}');
    const approval = await within(dayClose()).findByRole('form', { name: 'Manager approval' });
    expect(approval.textContent).toContain('€10.00 short of the expected €120.00');
    expect(screen.queryByRole('region', { name: 'Z report' })).toBeNull();
    await user.type(within(approval).getByLabelText('Manager PIN'), '9999{Enter}');
    const z = await screen.findByRole('region', { name: 'Z report' });
    expect(z.textContent).toContain('discrepancy approved by Mia');
    expect(within(z).getByLabelText('Discrepancy').textContent).toBe('-€10.00 short');
  });
});
