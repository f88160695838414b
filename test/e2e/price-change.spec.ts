import { expect, test } from './fixtures.ts';
import { TillPage } from './till-page.ts';

test('a manager changes a price, never below the margin floor, and the change is in the audit log', async ({ server, launchTill }) => {
  const till = new TillPage((await launchTill()).pages()[0]!);
  await till.open(server.url);
  await till.startStandAlone();
  await till.tile('Drop Hoodie — M').click();
  await till.cart().getByRole('button', { name: 'Change price of Drop Hoodie — M' }).click();
  // Cost 22.00 with a 25 % margin floor and 20 % tax included: nothing below 35.21.
  await till.cart().getByLabel('New unit price for Drop Hoodie — M').fill('30');
  await till.cart().getByLabel('Manager PIN').fill('9999');
  await till.cart().getByRole('button', { name: 'Approve' }).click();
  await expect(till.page.getByRole('alert').first()).toContainText("can't be sold below €35.21");
  await till.cart().getByLabel('New unit price for Drop Hoodie — M').fill('40');
  await till.cart().getByLabel('Manager PIN').fill('9999');
  await till.cart().getByRole('button', { name: 'Approve' }).click();
  await expect(till.cart().getByLabel('Total')).toHaveText('€40.00');
  await till.payCash('');
  await till.page.getByRole('button', { name: 'Audit', exact: true }).click();
  await expect(till.page.getByRole('region', { name: 'Audit log' })).toContainText('Drop Hoodie — M sold at €40.00 instead of €69.00 (receipt T1-00001)');
});
