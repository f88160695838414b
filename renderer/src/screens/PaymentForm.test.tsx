// @vitest-environment happy-dom
import { screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { cart, renderSellingTill } from '../testing/render-till.tsx';
import { closeTill } from '../testing/till-world.ts';

afterEach(closeTill);

const hoodieTile = () => screen.getByRole('button', { name: /^Drop Hoodie — M/ });

describe('payment form', () => {
  it('refuses cash below the total, naming what is missing, and completes nothing', async () => {
    const { user, store } = await renderSellingTill();
    await user.click(hoodieTile());
    await user.click(screen.getByRole('button', { name: 'Pay' }));
    await user.type(screen.getByLabelText('Amount tendered'), '40');
    await user.click(screen.getByRole('button', { name: 'Complete sale' }));
    expect(screen.getByRole('alert').textContent).toBe('Amount tendered is €8.30 short of €48.30');
    expect(within(cart()).queryByText('Sale complete')).toBeNull();
    expect(await store.recentSales()).toHaveLength(0);
  });

  it('gives the change due on cash, with the receipt number', async () => {
    const { user } = await renderSellingTill();
    await user.click(hoodieTile());
    await user.click(screen.getByRole('button', { name: 'Pay' }));
    await user.type(screen.getByLabelText('Amount tendered'), '50{Enter}');
    await within(cart()).findByText('Sale complete');
    expect(cart().textContent).toContain('Receipt T1-00001');
    expect(within(cart()).getByText('Change due €1.70')).toBeTruthy();
  });

  it('quick-cash buttons start at the exact amount and pay with one tap', async () => {
    const { user } = await renderSellingTill();
    await user.click(hoodieTile());
    await user.click(screen.getByRole('button', { name: 'Pay' }));
    const quick = within(screen.getByRole('group', { name: 'Quick cash' })).getAllByRole('button').map((b) => b.textContent);
    expect(quick).toEqual(['€48.30', '€50.00', '€60.00', '€100.00']);
    await user.click(screen.getByRole('button', { name: '€100.00' }));
    expect(await within(cart()).findByText('Change due €51.70')).toBeTruthy();
  });

  it('splits a payment: part by card, the rest in cash, and shows what is left between them', async () => {
    const { user, store } = await renderSellingTill();
    await user.click(hoodieTile());
    await user.click(screen.getByRole('button', { name: 'Pay' }));
    await user.click(screen.getByRole('button', { name: 'Card' }));
    await user.click(screen.getByLabelText('Split payment'));
    await user.type(screen.getByLabelText('Amount of this payment'), '30');
    await user.type(screen.getByLabelText('Card approval code'), 'OK123');
    await user.click(screen.getByRole('button', { name: 'Add payment' }));
    const taken = screen.getByRole('list', { name: 'Payments taken' });
    expect(taken.textContent).toBe('Card€30.00Left to pay€18.30');
    // Taking more than is left is refused.
    await user.type(screen.getByLabelText('Amount of this payment'), '20');
    await user.click(screen.getByRole('button', { name: 'Add payment' }));
    expect(screen.getByRole('alert').textContent).toBe('Only €18.30 is left to pay');
    await user.clear(screen.getByLabelText('Amount of this payment'));
    await user.click(screen.getByRole('button', { name: 'Cash' }));
    await user.type(screen.getByLabelText('Amount tendered'), '20');
    await user.click(screen.getByRole('button', { name: 'Complete sale' }));
    expect(await within(cart()).findByText('Change due €1.70')).toBeTruthy();
    const [sale] = await store.recentSales();
    expect(sale!.payments.map((p) => [p.method, p.amount])).toEqual([
      ['card', 3000],
      ['cash', 1830],
    ]);
  });

  it('keeps a consenting customer only as hashes, with the creator code', async () => {
    const { user, store } = await renderSellingTill();
    await user.click(hoodieTile());
    await user.click(screen.getByRole('button', { name: 'Pay' }));
    await user.click(screen.getByText('Customer and creator code'));
    await user.type(screen.getByLabelText('Customer e-mail'), 'Lea@Example.com');
    await user.click(screen.getByLabelText('Customer agrees to be contacted'));
    await user.type(screen.getByLabelText('Creator code'), 'LEA10');
    await user.click(screen.getByRole('button', { name: 'Complete sale' }));
    await within(cart()).findByText('Sale complete');
    const [sale] = await store.recentSales();
    expect(sale!.source).toBe('LEA10');
    expect(JSON.stringify(sale)).not.toContain('example.com');
    expect(sale!.customer).toMatchObject({ consent: true });
  });
});
