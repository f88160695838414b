// @vitest-environment happy-dom
import { fireEvent, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { renderSellingTill } from '../testing/render-till.tsx';
import { closeTill } from '../testing/till-world.ts';
import { priceCart } from '../app/pricing-view.ts';

afterEach(closeTill);

const refundPanel = () => screen.getByRole('region', { name: 'Refund' });

describe('printed refund receipt', { timeout: 20_000 }, () => {
  it('shows the refund slip for printing: original receipt, line returned, money back to card, who authorised it', async () => {
    const { user, store } = await renderSellingTill();
    const cart = { lines: [{ brandId: 'north-thread', sku: 'NT-TOTE', qty: 2 }] };
    const { total } = priceCart(cart, store.config()!, (b, s) => store.product(b, s), Date.now());
    const [sale] = await store.commitSale({ cart, payments: [{ method: 'card', amount: total }], cashierId: 'ana' });

    await user.click(screen.getByRole('button', { name: 'Refund' }));
    await user.type(within(refundPanel()).getByLabelText('Receipt number'), `${sale!.receiptNumber}{Enter}`);
    fireEvent.change(await within(refundPanel()).findByLabelText('Units of Canvas Tote to return'), { target: { value: '1' } });
    await user.selectOptions(within(refundPanel()).getByLabelText('Reason for Canvas Tote'), 'changed-mind');
    await user.click(within(refundPanel()).getByRole('button', { name: 'Refund selected' }));
    const approval = await screen.findByRole('form', { name: 'Manager approval' });
    await user.type(within(approval).getByLabelText('Manager PIN'), '9999{Enter}');
    await within(refundPanel()).findByText('Give back €10.50');

    const slip = within(refundPanel()).getByLabelText('Refund receipt').textContent ?? '';
    expect(slip).toMatch(/Original receipt\s+T1-00001/);
    expect(slip).toMatch(/1 × Canvas Tote\s+-€10\.50/);
    expect(slip).toContain('Changed their mind');
    expect(slip).toMatch(/REFUNDED\s+€10\.50/);
    expect(slip).toContain('€10.50 back to card');
    expect(slip).toContain('Served by Ana');
    expect(slip).toContain('Authorised by Mia (manager)');

    // In a browser the slip prints through the print dialog, and only the slip is on the page's print sheet.
    // happy-dom has no print dialog: stand in for the browser's.
    const print = vi.fn();
    Object.defineProperty(window, 'print', { value: print, configurable: true });
    await user.click(within(refundPanel()).getByRole('button', { name: 'Print refund receipt' }));
    expect(print).toHaveBeenCalledOnce();
    expect(document.body.querySelector(':scope > pre.z-print')?.textContent).toBe(slip);
  });
});
