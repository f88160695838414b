// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from 'vitest';
import { closeTill, demoProduct, openTill } from '../testing/till-world.ts';
import { approveClose, cancelApproval, countAndClose, loadShift, recordCash, startShift, useDay } from './day-store.ts';
import { addProduct, completeSale, editPayment, managerApproval, openPayment } from './pos-store.ts';
import { parseMoney } from '../../../core/base/money.ts';

const day = () => useDay.getState();
const hoodie = demoProduct('NT-HOODIE-M');

afterEach(closeTill);

async function sellHoodieForCash(): Promise<void> {
  addProduct(hoodie.brandId, hoodie.sku);
  openPayment('cash');
  editPayment({ tendered: '50' });
  await completeSale((t) => parseMoney(t, 'EUR'));
}

describe('the day-close store (day-store)', () => {
  it('knows no shift is open until one is opened with a float typed by the cashier', async () => {
    await openTill();
    expect(day().known).toBe(false);
    await loadShift();
    expect(day()).toMatchObject({ known: true, shift: undefined });
    await startShift('  ');
    expect(day().error).toBe('Type the opening float');
    await startShift('-5');
    expect(day().error).toBe('The opening float cannot be negative');
    await startShift('100.00');
    expect(day().error).toBeUndefined();
    expect(day().shift).toMatchObject({ float: 10000, openedBy: 'till' });
  });

  it('records cash in and out, refusing nothing to move', async () => {
    await openTill();
    await startShift('100');
    await recordCash('cash-in', '0', 'change-top-up');
    expect(day().error).toBe('Type an amount above zero');
    await recordCash('cash-out', '30', 'banking');
    expect(day().notice).toBe('Cash out recorded');
    expect(day().shift!.movements).toMatchObject([{ kind: 'cash-out', amount: 3000, reason: 'banking' }]);
  });

  it('closes within the limit at once, and beyond it only with a manager; the Z report shows the discrepancy', async () => {
    await openTill();
    await startShift('100');
    await sellHoodieForCash();
    // Expected 100.00 + 48.30; counted 140.00 is 8.30 short: over the 5.00 limit.
    await countAndClose('140');
    expect(day().report).toBeUndefined();
    expect(day().approval).toEqual({ counted: 14000, message: expect.stringContaining('€8.30 short of the expected €148.30') });
    cancelApproval();
    expect(day().approval).toBeUndefined();
    expect(day().shift).toBeDefined();

    await countAndClose('140');
    await approveClose(await managerApproval('9999'));
    expect(day().report?.cash).toMatchObject({ expected: 14830, counted: 14000, discrepancy: -830 });
    expect(day().report?.approvedBy).toBe('mia');
    expect(day().shift).toBeUndefined();
  });
});
