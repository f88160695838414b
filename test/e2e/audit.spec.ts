import { expect, test } from './fixtures.ts';
import { TillPage } from './till-page.ts';

test('the audit log shows a voided cart, a manager oversell and a refund, with who did them', async ({ server, launchTill }) => {
  const till = new TillPage((await launchTill()).pages()[0]!);
  await till.open(server.url);
  await till.startStandAlone();
  await till.tile('Canvas Tote').click();
  await till.tile('Canvas Tote').click();
  await till.page.getByRole('button', { name: 'Clear' }).click();

  for (let i = 0; i < 5; i++) {
    await till.tile('Refurbished Phone 13').click();
    if (i < 4) {
      await till.page.getByLabel(/^Serial number of/).fill(`SN-${i}`);
      await till.page.keyboard.press('Enter');
    }
  }
  await till.page.getByRole('button', { name: 'Sell beyond stock (manager)' }).click();
  await till.page.getByLabel('Manager PIN').fill('9999');
  await till.page.getByRole('button', { name: 'Approve' }).click();
  await till.page.getByLabel(/^Serial number of/).fill('SN-4');
  await till.page.keyboard.press('Enter');
  await till.page.getByRole('button', { name: 'Pay' }).click();
  await till.page.getByRole('button', { name: 'Card' }).click();
  await till.page.getByRole('button', { name: 'Complete sale' }).click();
  await expect(till.cart()).toContainText('Sale complete');
  await till.page.getByRole('button', { name: 'New sale' }).click();
  await till.scan('T1-00001');
  const panel = till.page.getByRole('region', { name: 'Refund' });
  await panel.getByLabel('Units of Refurbished Phone 13 — 128 GB to return').first().fill('1');
  await panel.getByRole('button', { name: 'Refund selected' }).click();
  await panel.getByLabel('Manager PIN').fill('9999');
  await panel.getByRole('button', { name: 'Approve' }).click();
  await expect(panel).toContainText('Refund complete');

  await till.page.getByRole('button', { name: 'Audit', exact: true }).click();
  const log = till.page.getByRole('region', { name: 'Audit log' });
  await expect(log).toContainText('cart cleared: 2 × Canvas Tote');
  await expect(log).toContainText('1 × SL-PHONE-13 sold, 1 beyond stock');
  await expect(log).toContainText('mia');
  await expect(log).toContainText('receipt T1-00001: 1 item(s), defective, approved by mia');
  await till.page.screenshot({ path: 'test-results/screens/audit-1280.png' });
});
