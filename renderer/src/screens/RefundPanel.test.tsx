// @vitest-environment happy-dom
import { act, fireEvent, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { renderSellingTill } from '../testing/render-till.tsx';
import { closeTill } from '../testing/till-world.ts';
import type { LocalStore } from '../store/local-store.ts';
import { priceCart } from '../app/pricing-view.ts';
import { HybridClock } from '../../../core/base/hlc.ts';
import { releaseFor } from '../../../core/refunds/refund-rights.ts';

afterEach(closeTill);

/** A sale rung up straight through the store (the payment form has its own tests). */
async function sold(store: LocalStore, brandId: string, sku: string, serial?: string): Promise<string> {
  const cart = { lines: [{ brandId, sku, qty: 1, ...(serial ? { serial } : {}) }] };
  const { total } = priceCart(cart, store.config()!, (b, s) => store.product(b, s), Date.now());
  const [sale] = await store.commitSale({
    cart,
    payments: [{ method: 'card', amount: total }],
    cashierId: 'ana',
  });
  return sale!.receiptNumber;
}

const refundPanel = () => screen.getByRole('region', { name: 'Refund' });

describe('refund panel', () => {
  it('refunds a defective item within the pre-authorised limit without a manager', async () => {
    const { user, store } = await renderSellingTill();
    const receipt = await sold(store, 'north-thread', 'NT-TOTE');
    expect(store.rights('north-thread', 'NT-TOTE')).toBe(19);
    await user.click(screen.getByRole('button', { name: 'Refund' }));
    await user.type(within(refundPanel()).getByLabelText('Receipt number'), `${receipt.toLowerCase()}{Enter}`);
    const units = await within(refundPanel()).findByLabelText('Units of Canvas Tote to return');
    fireEvent.change(units, { target: { value: '1' } });
    await user.selectOptions(within(refundPanel()).getByLabelText('Reason for Canvas Tote'), 'defective');
    await user.click(within(refundPanel()).getByRole('button', { name: 'Refund selected' }));
    expect(await within(refundPanel()).findByText('Give back €10.50')).toBeTruthy();
    // It says where the money goes: back to the card it was paid with.
    expect(within(within(refundPanel()).getByRole('list', { name: 'Where the money goes' })).getByText('€10.50 back to card')).toBeTruthy();
    expect(screen.queryByRole('form', { name: 'Manager approval' })).toBeNull();
    // Defective: quarantined, not back on sale.
    expect(store.rights('north-thread', 'NT-TOTE')).toBe(19);
  });

  it('asks a manager for a defective refund above the limit, and refuses a cashier’s PIN', async () => {
    const { user, store } = await renderSellingTill();
    const receipt = await sold(store, 'second-life', 'SL-PHONE-11', 'SN-1');
    await user.click(screen.getByRole('button', { name: 'Refund' }));
    await user.type(within(refundPanel()).getByLabelText('Receipt number'), `${receipt}{Enter}`);
    fireEvent.change(await within(refundPanel()).findByLabelText('Units of Refurbished Phone 11 — 64 GB to return'), { target: { value: '1' } });
    await user.selectOptions(within(refundPanel()).getByLabelText('Reason for Refurbished Phone 11 — 64 GB'), 'defective');
    await user.click(within(refundPanel()).getByRole('button', { name: 'Refund selected' }));
    const approval = await screen.findByRole('form', { name: 'Manager approval' });
    expect(approval.textContent).toMatch(/manager/i);
    await user.type(within(approval).getByLabelText('Manager PIN'), '1234{Enter}');
    expect((await within(approval).findByRole('alert')).textContent).toContain('not a manager');
    expect(screen.queryByText(/Give back/)).toBeNull();
    await user.type(within(approval).getByLabelText('Manager PIN'), '9999{Enter}');
    expect(await within(refundPanel()).findByText('Give back €279.00')).toBeTruthy();
    const [sale] = await store.salesByReceipt(receipt);
    expect(store.refundsOf(sale!)[0]).toMatchObject({ approvedBy: 'mia', total: 27900 });
  });

  it('says so when no sale has the receipt number, and a scanned receipt opens its sale', async () => {
    const { user, store } = await renderSellingTill();
    await user.click(screen.getByRole('button', { name: 'Refund' }));
    await user.type(within(refundPanel()).getByLabelText('Receipt number'), 'T1-00099{Enter}');
    expect((await within(refundPanel()).findByRole('alert')).textContent).toBe('No sale with receipt T1-00099 on this till');
    await user.click(within(refundPanel()).getByRole('button', { name: 'Cancel' }));

    const receipt = await sold(store, 'north-thread', 'NT-CAP');
    act(() => {
      for (const key of [...receipt, 'Enter']) fireEvent.keyDown(document.body, { key });
    });
    expect(await within(refundPanel()).findByLabelText('Units of Five-panel Cap to return')).toBeTruthy();
    expect((within(refundPanel()).getByLabelText('Receipt number') as HTMLInputElement).value).toBe(receipt);
  });

  it('offline, a till that handed a sale’s refund rights on refunds it only with a manager’s override, and says so', async () => {
    const { user, store } = await renderSellingTill();
    const receipt = await sold(store, 'north-thread', 'NT-TOTE');
    // As when the server had acknowledged the sale: this till handed its refund rights to the server.
    const [sale] = await store.salesByReceipt(receipt);
    const clock = new HybridClock(store.identity.deviceId, { now: () => Date.now() });
    store.brandDoc('north-thread')!.appendRefundRights([releaseFor(sale!, [], [], store.holder!, store.identity.deviceId, clock)!]);
    await user.click(screen.getByRole('button', { name: 'Refund' }));
    await user.type(within(refundPanel()).getByLabelText('Receipt number'), `${receipt}{Enter}`);
    fireEvent.change(await within(refundPanel()).findByLabelText('Units of Canvas Tote to return'), { target: { value: '1' } });
    await user.selectOptions(within(refundPanel()).getByLabelText('Reason for Canvas Tote'), 'defective');
    await user.click(within(refundPanel()).getByRole('button', { name: 'Refund selected' }));
    const approval = await screen.findByRole('form', { name: 'Manager approval' });
    expect(approval.textContent).toContain('does not hold the refund rights for 1 unit(s)');
    expect(store.refundsOf(sale!)).toEqual([]);
    await user.type(within(approval).getByLabelText('Manager PIN'), '9999{Enter}');
    expect(await within(refundPanel()).findByText('€10.50 back to card')).toBeTruthy();
    expect(within(refundPanel()).getByText(/beyond this till's refund rights/)).toBeTruthy();
    expect(store.refundsOf(sale!)[0]).toMatchObject({ approvedBy: 'mia', override: { managerId: 'mia', units: 1 } });
  });
});
