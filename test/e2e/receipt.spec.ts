import { expect, test } from './fixtures.ts';
import { TillPage } from './till-page.ts';

test('the printed receipt shows each brand, the tier discount, tax, payment, change, the policy and a scannable receipt barcode', async ({ server, launchTill }) => {
  const till = new TillPage((await launchTill()).pages()[0]!);
  await till.open(server.url);
  await till.startStandAlone();
  await till.tile('Drop Hoodie — M').click();
  await till.tile('Bud Vase').click();
  await till.payCash('100');
  await till.page.emulateMedia({ media: 'print' });
  const receipt = till.page.getByRole('article', { name: 'Receipt' });
  await expect(receipt).toBeVisible();
  await expect(receipt).toContainText('Receipt T1-00001');
  await expect(receipt).toContainText('North Thread');
  await expect(receipt).toContainText('Mellow Ceramics');
  await expect(receipt).toContainText('−30 % first 15 min: −€20.70');
  await expect(receipt).toContainText('incl. tax 20 %');
  await expect(receipt.locator('.row', { hasText: 'Change' })).toContainText('€24.40');
  await expect(receipt).toContainText('Returns within 14 days');
  // JsBarcode drew the Code 128 bars and printed the code under them.
  await expect(receipt.getByRole('img', { name: 'Barcode T1-00001' }).locator('rect').first()).toBeAttached();
  await expect(receipt.getByRole('img', { name: 'Barcode T1-00001' })).toContainText('T1-00001');
  // On paper, only the receipt: not the product grid.
  await expect(till.page.getByRole('search')).toBeHidden();
  await till.page.screenshot({ path: 'test-results/screens/receipt-print.png', fullPage: true });
});
