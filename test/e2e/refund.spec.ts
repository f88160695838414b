import { expect, test } from './fixtures.ts';
import { TillPage } from './till-page.ts';

test('a defective item is refunded without a manager, offline, and goes to quarantine rather than back on sale', async ({ server, launchTill }) => {
  const till = new TillPage((await launchTill()).pages()[0]!);
  await till.open(server.url);
  await till.startStandAlone();
  await till.tile('Drop Hoodie — M').click();
  await till.payCash('');
  await expect(till.cart()).toContainText('T1-00001');
  await till.page.getByRole('button', { name: 'New sale' }).click();

  await till.page.getByRole('button', { name: 'Refund', exact: true }).click();
  const panel = till.page.getByRole('region', { name: 'Refund' });
  await panel.getByLabel('Receipt number').fill('t1-00001');
  await panel.getByRole('button', { name: 'Find sale' }).click();
  await panel.getByLabel('Units of Drop Hoodie — M to return').fill('1');
  await panel.getByLabel('Reason for Drop Hoodie — M').selectOption('defective');
  await till.page.screenshot({ path: 'test-results/screens/refund-1280.png' });
  await panel.getByRole('button', { name: 'Refund selected' }).click();
  await expect(panel).toContainText('Refund complete');
  await expect(panel).toContainText('Give back €48.30');
  // Sold one, got it back defective: 11 still for sale here.
  await expect(till.tile('Drop Hoodie — M')).toContainText('11 here');

  // A change of mind needs a manager.
  await panel.getByRole('button', { name: 'New sale' }).click();
  await till.tile('Canvas Tote').click();
  await till.payCash('');
  await till.page.getByRole('button', { name: 'New sale' }).click();
  // Scanning the receipt's barcode starts the return for that sale.
  await till.scan('T1-00002');
  await expect(panel.getByLabel('Receipt number')).toHaveValue('T1-00002');
  await panel.getByLabel('Units of Canvas Tote to return').fill('1');
  await panel.getByLabel('Reason for Canvas Tote').selectOption('changed-mind');
  await panel.getByRole('button', { name: 'Refund selected' }).click();
  const approval = panel.getByRole('form', { name: 'Manager approval' });
  await expect(approval).toContainText('This return needs a manager');
  // The cashier's own PIN is not a manager's.
  await approval.getByLabel('Manager PIN').fill('1234');
  await approval.getByRole('button', { name: 'Approve' }).click();
  await expect(approval.getByRole('alert')).toContainText('not a manager');
  await approval.getByLabel('Manager PIN').fill('9999');
  await approval.getByRole('button', { name: 'Approve' }).click();
  await expect(panel).toContainText('Give back €10.50');
});
