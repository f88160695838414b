import type { Page } from '@playwright/test';
import { epochToZonedLocal } from '../../core/base/zoned-time.ts';
import { ConsolePage } from './console-page.ts';
import { expect, test } from './fixtures.ts';
import { TillPage } from './till-page.ts';

/**
 * The organiser's day, end to end in Debian chromium: an event made from scratch in the console (brands,
 * booths and hubs with coordinates, a catalog from CSV, staff, two tills paired with the console's codes),
 * stock received and allocated; sales on both tills and an order from the example storefront reach the
 * dashboard within a second; a till that sold out sells again after a transfer from the reserve; the online
 * order goes to the nearest hub that has the item; and after both tills close their day, settlement agrees
 * with their Z reports to the cent.
 */
const ADMIN = 'e2e-admin-token-0123456789';
const TZ = 'Europe/Paris';
const SHOTS = 'test-results/screens';

const CATALOG = `sku,brand,name,variant,barcodes,price,cost,margin_floor_pct,tax_rate_pct,hero,low_stock_threshold,safety_stock,serial_tracked
AT-SHIRT,atelier,Linen Shirt,,,80.00,30.00,20,20,yes,1,0,no
AT-SCARF,atelier,Wool Scarf,,,45.00,15.00,20,20,no,1,0,no
VE-VASE,verre,Glass Vase,,,60.00,20.00,20,20,no,1,0,no
`;

async function shoot(page: Page, name: string) {
  for (const [w, h] of [
    [1280, 800],
    [1024, 768],
  ] as const) {
    await page.setViewportSize({ width: w, height: h });
    await page.screenshot({ path: `${SHOTS}/${name}-${w}.png`, fullPage: w === 1280 });
  }
  await page.setViewportSize({ width: 1280, height: 800 });
}

test('an organiser sets up an event, allocates stock, watches sales and an online order arrive live, rebalances, and settles against the Z reports', async ({ server, launchTill }) => {
  test.setTimeout(180_000);
  const c = new ConsolePage((await launchTill('organiser')).pages()[0]!);
  await c.signIn(server.url, ADMIN);
  const now = Date.now();
  await c.createEvent({ id: 'spring-mall', name: 'Spring Mall', timeZone: TZ, currency: 'EUR', startsAt: epochToZonedLocal(now - 3_600_000, TZ), endsAt: epochToZonedLocal(now + 8 * 3_600_000, TZ) });
  await expect(c.status()).toContainText('Live');

  // Set-up: two brands, two booths, three hubs (the one nearest the customer will have none of the item), the reserve.
  await c.tab('Set-up').click();
  await c.saveBrand('atelier', 'Atelier Nord', '15', '100');
  await c.saveBrand('verre', 'Verre Clair', '10', '80');
  await c.saveLocation({ id: 'booth-1', kind: 'booth', name: 'Booth One' });
  await c.saveLocation({ id: 'booth-2', kind: 'booth', name: 'Booth Two' });
  await c.saveLocation({ id: 'reserve', kind: 'reserve', name: 'Reserve' });
  await c.saveLocation({ id: 'hub-south', kind: 'hub', name: 'Hub South', lat: 48.8421, lon: 2.292 });
  await c.saveLocation({ id: 'hub-north', kind: 'hub', name: 'Hub North', lat: 48.9362, lon: 2.3574 });
  await c.saveLocation({ id: 'hub-lyon', kind: 'hub', name: 'Hub Lyon', lat: 45.764, lon: 4.8357 });
  await c.importCatalog(CATALOG);
  await c.saveStaff('ana', 'Ana', 'cashier', '1234');
  const codeOne = await c.pairingCode('Till One', 'Booth One', ['Atelier Nord', 'Verre Clair']);
  const codeTwo = await c.pairingCode('Till Two', 'Booth Two', ['Atelier Nord', 'Verre Clair']);
  const storefrontToken = await c.issueStorefrontToken('shop.example');
  await shoot(c.page, 'console-setup');

  // Two tills pair with the console's codes; each opens its shift with a 100.00 float.
  const one = new TillPage((await launchTill('one')).pages()[0]!);
  await one.open(server.url);
  await one.pair(server.url, codeOne);
  const two = new TillPage((await launchTill('two')).pages()[0]!);
  await two.open(server.url);
  await two.pair(server.url, codeTwo);

  // Stock: a delivery into the reserve, one shirt to Till One, vases to Till Two, scarves to two of the hubs.
  await c.tab('Stock').click();
  await c.receive('Reserve', 'Linen Shirt (AT-SHIRT)', 10);
  await c.receive('Reserve', 'Wool Scarf (AT-SCARF)', 10);
  await c.receive('Reserve', 'Glass Vase (VE-VASE)', 10);
  await c.transfer('Reserve', 'Till One', 'Linen Shirt (AT-SHIRT)', 1);
  await c.expectOk(/^Moved 1/);
  await c.transfer('Reserve', 'Till Two', 'Glass Vase (VE-VASE)', 3);
  await c.expectOk(/^Moved 3/);
  await c.transfer('Reserve', 'Hub North', 'Wool Scarf (AT-SCARF)', 4);
  await c.expectOk(/^Moved 4/);
  await c.transfer('Reserve', 'Hub Lyon', 'Wool Scarf (AT-SCARF)', 4);
  await c.expectOk(/^Moved 4/);
  await expect(await c.stockCell('Linen Shirt AT-SHIRT', 'Till One')).toHaveText('1');
  await expect(one.tile('Linen Shirt')).toContainText('1 here');
  await shoot(c.page, 'console-stock');

  // Sales on both tills reach the dashboard within a second.
  await c.tab('Dashboard').click();
  await expect(c.kpi('Orders')).toHaveText('0');
  await one.tile('Linen Shirt').click();
  await one.payCash('');
  await expect(c.kpi('Orders')).toHaveText('1', { timeout: 1_000 });
  await two.tile('Glass Vase').click();
  await two.payCash('');
  await expect(c.kpi('Orders')).toHaveText('2', { timeout: 1_000 });
  await expect(c.kpi('Net sales')).toHaveText('€140.00');

  // An order from the example storefront, shipped to Paris 15e: Hub South is nearest but has no scarf, so
  // Hub North (Saint-Denis) fulfils it rather than Lyon.
  // The drop page routes a delivery by the position the shopper shares (no list of cities): Paris 15e's.
  const shopContext = await launchTill('customer');
  await shopContext.grantPermissions(['geolocation']);
  await shopContext.setGeolocation({ latitude: 48.84, longitude: 2.3 });
  const shop = shopContext.pages()[0]!;
  await shop.goto(`${server.url}/examples/storefront/?${new URLSearchParams({ event: 'spring-mall', token: storefrontToken })}`);
  await expect(shop.getByRole('status')).toHaveText('Live stock');
  await shop.getByRole('button', { name: 'Add Wool Scarf' }).click();
  await shop.getByRole('button', { name: 'Use my position' }).click();
  await expect(shop.getByText('Using your position: nearest places first.')).toBeVisible();
  await shop.getByRole('button', { name: 'Reserve' }).click();
  await expect(shop.getByText(/Held for you for \d+:\d\d/)).toBeVisible();
  await shop.getByLabel('E-mail for your receipt').fill('sam@example.com');
  await shop.getByRole('button', { name: 'Place order' }).click();
  await expect(shop.locator('#order-status')).toHaveText(/^Status: placed/);
  await expect(c.kpi('Orders')).toHaveText('3', { timeout: 1_000 });
  await expect(c.kpi('Net sales')).toHaveText('€185.00');
  await expect(c.section('Online and in person').getByRole('row', { name: /^Online/ })).toContainText('€45.00');
  await c.tab('Online orders').click();
  const order = c.section('Online orders').getByRole('row', { name: /WEB-00001/ });
  await expect(order).toContainText('Hub North');
  await expect(order).toContainText('1 × Wool Scarf');
  await shoot(c.page, 'console-orders');
  await c.tab('Dashboard').click();
  await shoot(c.page, 'console-dashboard');

  // Till One has sold its only shirt: it cannot sell another until the organiser moves one from the reserve.
  await expect(one.tile('Linen Shirt')).toContainText('0 here');
  await c.tab('Alerts').click();
  await expect(c.section('Alerts')).toContainText('Linen Shirt');
  await shoot(c.page, 'console-alerts');
  await c.tab('Stock').click();
  await c.transfer('Reserve', 'Till One', 'Linen Shirt (AT-SHIRT)', 2);
  await c.expectOk(/^Moved 2/);
  await expect(one.tile('Linen Shirt')).toContainText('2 here', { timeout: 10_000 });
  await one.tile('Linen Shirt').click();
  await one.payCash('');
  await c.tab('Dashboard').click();
  await expect(c.kpi('Orders')).toHaveText('4', { timeout: 1_000 });

  // Both tills close the day with the drawer as expected; settlement agrees with their Z reports.
  await one.openDayClose();
  await one.countAndClose('260.00');
  await expect(one.zReport()).toBeVisible();
  await two.openDayClose();
  await two.countAndClose('160.00');
  await expect(two.zReport()).toBeVisible();
  await c.tab('Settlement').click();
  const rec = c.section('Reconciliation with Z reports');
  await expect(rec.getByRole('status')).toHaveText('Settlement matches the 2 closed shift(s) to the cent.', { timeout: 10_000 });
  await expect(rec.getByRole('row', { name: /^Gross sales/ })).toContainText('€220.00');
  const statements = c.section('Statements');
  // Atelier Nord: two shirts in person and the scarf online, gross €205.00.
  await expect(statements.getByRole('row', { name: /^Atelier Nord/ })).toContainText('€205.00');
  await expect(statements.getByRole('row', { name: /^Verre Clair/ })).toContainText('€60.00');
  await shoot(c.page, 'console-settlement');
});
