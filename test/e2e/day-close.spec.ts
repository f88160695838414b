import { readFile } from 'node:fs/promises';
import { parseCsv } from '../../core/base/csv.ts';
import { expect, test } from './fixtures.ts';
import { TillPage } from './till-page.ts';

test('closing the day counts the drawer against float, cash sales and refunds, and reports the cash 2.00 short', async ({ server, launchTill }) => {
  const till = new TillPage((await launchTill()).pages()[0]!);
  await till.open(server.url);
  await till.startStandAlone('1234', null);

  // No shift yet: the till asks for the opening float before it sells, and offers nothing to close.
  await expect(till.shiftGate()).toContainText('No shift is open');
  await expect(till.page.getByRole('search')).toHaveCount(0);
  await till.openDayClose();
  await expect(till.dayClose()).toContainText('No shift is open');
  await expect(till.dayClose().getByRole('button', { name: 'Close shift' })).toHaveCount(0);
  await till.dayClose().getByLabel('Opening float').fill('100.00');
  await till.dayClose().getByRole('button', { name: 'Open shift' }).click();
  await expect(till.dayClose().getByRole('region', { name: 'Shift' })).toContainText('€100.00');
  await till.backToTill();

  // A hoodie in cash (50.00 for 48.30: 1.70 change), a tote by card, and the tote back as defective.
  await till.tile('Drop Hoodie — M').click();
  await till.payCash('50.00');
  await expect(till.cart()).toContainText('Change due €1.70');
  await till.page.getByRole('button', { name: 'New sale' }).click();
  await till.tile('Canvas Tote').click();
  await till.payByCard('A1B2');
  await expect(till.cart()).toContainText('T1-00002');
  await till.page.getByRole('button', { name: 'New sale' }).click();
  await till.page.getByRole('button', { name: 'Refund', exact: true }).click();
  const refund = till.page.getByRole('region', { name: 'Refund' });
  await refund.getByLabel('Receipt number').fill('T1-00002');
  await refund.getByRole('button', { name: 'Find sale' }).click();
  await refund.getByLabel('Units of Canvas Tote to return').fill('1');
  await refund.getByLabel('Reason for Canvas Tote').selectOption('defective');
  await refund.getByRole('button', { name: 'Refund selected' }).click();
  await expect(refund).toContainText('Give back €10.50');
  await refund.getByRole('button', { name: 'New sale' }).click();

  // Counted 146.30 against 100.00 + 48.30 in the drawer: 2.00 short, within the limit, no manager.
  await till.openDayClose();
  await expect(till.dayClose().getByRole('region', { name: 'Shift' })).toContainText('€100.00');
  await till.countAndClose('146.30');
  const z = till.zReport();
  await expect(z.getByLabel('Expected cash')).toHaveText('€148.30');
  await expect(z.getByLabel('Counted cash')).toHaveText('€146.30');
  await expect(z.getByLabel('Discrepancy')).toHaveText('-€2.00 short');
  await expect(z.getByLabel('Discrepancy')).toHaveClass(/discrepancy/);
  const payments = z.getByRole('region', { name: 'Payments' });
  await expect(payments.getByRole('row', { name: /^Cash/ })).toHaveText(/Cash\s*€48\.30\s*€0\.00/);
  await expect(payments.getByRole('row', { name: /^Card/ })).toHaveText(/Card\s*€10\.50\s*€10\.50/);
  await expect(payments.getByRole('row', { name: /^Total/ })).toHaveText(/Total\s*€58\.80\s*€10\.50/);
  await expect(payments).toContainText('change given €1.70');
  await expect(z.getByRole('region', { name: 'Sales' })).toContainText('Transactions2');
  await expect(z.getByRole('region', { name: 'Refunds' })).toContainText('Defective or damaged × 1€10.50');
  await expect(z.getByRole('region', { name: 'Discounts by tier' })).toContainText('−30 % first 15 min2€25.20');
  await expect(z.getByRole('alert')).toHaveCount(0);

  await till.page.screenshot({ path: 'test-results/screens/z-report-1280.png', fullPage: true });
  await till.page.setViewportSize({ width: 1024, height: 768 });
  await till.page.screenshot({ path: 'test-results/screens/z-report-1024.png', fullPage: true });

  // Download CSV: the figures, one per row.
  const [download] = await Promise.all([till.page.waitForEvent('download'), z.getByRole('button', { name: 'Download CSV' }).click()]);
  expect(download.suggestedFilename()).toMatch(/^z-report-till-1-\d{4}-\d{2}-\d{2}\.csv$/);
  const rows = parseCsv(await readFile((await download.path())!, 'utf8')).map((r) => r.fields);
  expect(rows).toContainEqual(['cash', 'expected', 'amount', '148.30']);
  expect(rows).toContainEqual(['cash', 'counted', 'amount', '146.30']);
  expect(rows).toContainEqual(['cash', 'discrepancy', 'amount', '-2.00']);
  expect(rows).toContainEqual(['refund payments', 'card', 'amount', '10.50']);

  // Print: the browser's print of the 42-column text, and nothing else of the screen.
  await till.page.evaluate(() => {
    (window as unknown as { printed: number }).printed = 0;
    window.print = () => void (window as unknown as { printed: number }).printed++;
  });
  await z.getByRole('button', { name: 'Print' }).click();
  expect(await till.page.evaluate(() => (window as unknown as { printed: number }).printed)).toBe(1);
  await till.page.emulateMedia({ media: 'print' });
  const printed = till.page.locator('pre.z-print');
  await expect(printed).toBeVisible();
  await expect(printed).toContainText('*** Discrepancy (short)             -€2.00');
  await expect(till.page.locator('#root')).toBeHidden();
  const widest = await printed.evaluate((el) => Math.max(...(el.textContent ?? '').split('\n').map((l) => l.length)));
  expect(widest).toBeLessThanOrEqual(42);
  await till.page.screenshot({ path: 'test-results/screens/z-report-print.png' });
  await till.page.emulateMedia({ media: 'screen' });

  // The shift is closed: the next day close starts with a new float.
  await till.backToTill();
  await till.openDayClose();
  await expect(till.dayClose()).toContainText('No shift is open');
});

test('a count off by more than 5.00 closes only with a manager’s PIN, and the shift survives a reload', async ({ server, launchTill }) => {
  const till = new TillPage((await launchTill()).pages()[0]!);
  await till.open(server.url);
  await till.startStandAlone('1234', '100.00');
  await till.openDayClose();
  await till.moveCash('Cash in', '20.00', 'Change top-up');
  await till.moveCash('Cash out', '50.00', 'Banking');
  await till.page.screenshot({ path: 'test-results/screens/shift-open-1280.png' });
  await till.page.setViewportSize({ width: 1024, height: 768 });
  await till.page.screenshot({ path: 'test-results/screens/shift-open-1024.png' });

  // The shift and its movements are on disk: a reload finds them.
  await till.page.reload();
  await expect(till.page.getByRole('search')).toBeVisible();
  await till.openDayClose();
  const shift = till.dayClose().getByRole('list', { name: 'Cash movements' });
  await expect(shift).toContainText('Change top-up');
  await expect(shift).toContainText('Banking');

  // Float 100.00 + 20.00 in − 50.00 out = 70.00 expected; 63.00 counted is 7.00 short.
  await till.countAndClose('63.00');
  const approval = till.dayClose().getByRole('form', { name: 'Manager approval' });
  await expect(approval).toContainText('€7.00 short of the expected €70.00');
  await till.page.screenshot({ path: 'test-results/screens/shift-approval-1024.png' });
  await approval.getByLabel('Manager PIN').fill('1234');
  await approval.getByRole('button', { name: 'Approve' }).click();
  await expect(approval.getByRole('alert')).toContainText('not a manager');
  await expect(till.zReport()).toHaveCount(0);
  await approval.getByLabel('Manager PIN').fill('9999');
  await approval.getByRole('button', { name: 'Approve' }).click();
  const z = till.zReport();
  await expect(z.getByLabel('Discrepancy')).toHaveText('-€7.00 short');
  await expect(z).toContainText('discrepancy approved by Mia');
  await expect(z.getByRole('region', { name: 'Cash drawer' })).toContainText('+ Cash in€20.00');
  await expect(z.getByRole('region', { name: 'Cash drawer' })).toContainText('− Cash out€50.00');
  await expect(z.getByRole('region', { name: 'Exceptions' })).toContainText('Voids0');
});
