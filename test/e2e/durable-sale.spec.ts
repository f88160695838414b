import { DEMO_PRODUCTS } from '../../core/event/demo-event.ts';
import { expect, test } from './fixtures.ts';
import { TillPage } from './till-page.ts';

test('a confirmed sale survives a page reload and a browser restart on the same profile', async ({ server, launchTill }) => {
  let ctx = await launchTill();
  let till = new TillPage(ctx.pages()[0] ?? (await ctx.newPage()));
  await till.open(server.url);
  await till.startStandAlone();
  await expect(till.tile('Drop Hoodie — M')).toContainText('12 here');

  await till.tile('Drop Hoodie — M').click();
  await expect(till.cart()).toContainText('Drop Hoodie — M');
  await till.payCash('50');
  await expect(till.cart()).toContainText('T1-00001');
  await expect(till.cart()).toContainText('Change due €1.70');
  await till.page.screenshot({ path: 'test-results/screens/sale-complete-1280.png' });

  await till.page.reload();
  await expect(till.recentSales()).toContainText('T1-00001');
  await expect(till.tile('Drop Hoodie — M')).toContainText('11 here');

  await ctx.close();
  ctx = await launchTill();
  till = new TillPage(ctx.pages()[0] ?? (await ctx.newPage()));
  await till.open(server.url);
  await expect(till.recentSales()).toContainText('T1-00001');
  await expect(till.tile('Drop Hoodie — M')).toContainText('11 here');
  await till.tile('Drop Hoodie — M').click();
  await till.payCash('');
  // Receipt numbers continue on the device after the restart; they never repeat.
  await expect(till.cart()).toContainText('T1-00002');
});

test('a scanner code anywhere on the screen adds the product, and an unknown code says so', async ({ server, launchTill }) => {
  const ctx = await launchTill();
  const till = new TillPage(ctx.pages()[0] ?? (await ctx.newPage()));
  await till.open(server.url);
  await till.startStandAlone();
  await till.scan(DEMO_PRODUCTS.find((p) => p.sku === 'NT-TEE-BLK-M')!.barcodes[0]!);
  await expect(till.cart()).toContainText('Logo Tee — Black M');
  await till.scan('999000111');
  await expect(till.page.getByRole('alert')).toContainText('Unknown code 999000111');
  await till.page.screenshot({ path: 'test-results/screens/sell-unknown-code-1280.png' });
  await till.page.setViewportSize({ width: 1024, height: 768 });
  await till.page.screenshot({ path: 'test-results/screens/sell-1024.png' });
});

test('a serial-tracked phone asks for its serial before it joins the cart, and the serial is on the sale', async ({ server, launchTill }) => {
  const ctx = await launchTill();
  const till = new TillPage(ctx.pages()[0] ?? (await ctx.newPage()));
  await till.open(server.url);
  await till.startStandAlone();
  await till.tile('Refurbished Phone 12').click();
  const serial = till.page.getByLabel('Serial number of the Refurbished Phone 12 — 128 GB');
  await expect(serial).toBeFocused();
  await till.page.keyboard.type('IMEI-3519');
  await till.page.keyboard.press('Enter');
  await expect(till.cart()).toContainText('IMEI-3519');
  await till.page.screenshot({ path: 'test-results/screens/serial-1280.png' });
  await till.page.getByRole('button', { name: 'Pay' }).click();
  await till.page.getByRole('button', { name: 'Card' }).click();
  await till.page.getByLabel('Card approval code').fill('AUTH77');
  await till.page.getByRole('button', { name: 'Complete sale' }).click();
  await expect(till.cart()).toContainText('Sale complete');
  await expect(till.tile('Refurbished Phone 12')).toContainText('3 here');
});

test('stock alerts name what is low or out at this till, and update as it sells', async ({ server, launchTill }) => {
  const till = new TillPage((await launchTill()).pages()[0]!);
  await till.open(server.url);
  await till.startStandAlone();
  const alerts = till.page.getByRole('status', { name: 'Stock alerts' });
  await expect(alerts).toBeHidden();
  // Four phones of each model, low-stock threshold 1: sell three, one is left (low); sell it, it is out.
  for (let i = 0; i < 4; i++) {
    await till.tile('Refurbished Phone 11').click();
    await till.page.getByLabel(/^Serial number of/).fill(`IMEI-${i}`);
    await till.page.keyboard.press('Enter');
    if (i === 2) {
      await till.payCash('');
      await expect(alerts).toContainText('Low here: Refurbished Phone 11 — 64 GB (1)');
      await till.page.getByRole('button', { name: 'New sale' }).click();
    }
  }
  await till.page.getByRole('button', { name: 'Pay' }).click();
  await till.page.getByRole('button', { name: 'Card' }).click();
  await till.page.getByRole('button', { name: 'Complete sale' }).click();
  await expect(alerts).toContainText('Out here: Refurbished Phone 11 — 64 GB');
  await till.page.screenshot({ path: 'test-results/screens/stock-alerts-1280.png' });
});

test('a whole sale by keyboard and scanner: scan, F2 to pay, the cash handed over, Enter, Enter for the next', async ({ server, launchTill }) => {
  const ctx = await launchTill();
  const till = new TillPage(ctx.pages()[0] ?? (await ctx.newPage()));
  await till.open(server.url);
  await till.startStandAlone();
  const tee = DEMO_PRODUCTS.find((p) => p.sku === 'NT-TEE-BLK-M')!;
  await till.scan(tee.barcodes[0]!);
  await till.scan(tee.barcodes[0]!);
  await expect(till.cart()).toContainText('Logo Tee — Black M');
  await till.page.keyboard.press('F2');
  const tendered = till.page.getByLabel('Amount tendered');
  await expect(tendered).toBeFocused();
  await till.page.keyboard.type('100');
  await till.page.keyboard.press('Enter');
  await expect(till.cart().getByText('Sale complete')).toBeVisible();
  await expect(till.cart()).toContainText(/Change due €\d+\.\d\d/);
  await expect(till.page.getByRole('button', { name: 'New sale' })).toBeFocused();
  await till.page.keyboard.press('Enter');
  await expect(till.cart().getByText('Sale complete')).toHaveCount(0);
  await expect(till.recentSales()).toContainText('T1-00001');
  // F2 with an empty cart does nothing: no payment for nothing.
  await till.page.keyboard.press('F2');
  await expect(tendered).toHaveCount(0);
});
