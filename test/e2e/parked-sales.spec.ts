import { mkdir } from 'node:fs/promises';
import { expect, test, type TillScreen } from './fixtures.ts';
import { TillPage } from './till-page.ts';

/**
 * Parked sales (#16): park a cart, sell to the next customer, resume the parked cart and pay it; the cart in
 * progress and the parked sales survive a reload. Run at a phone's size (touch) and a desktop's; the
 * screenshots go to docs/screenshots (`parked-sales-<width>.png`).
 */
const SCREENS: (TillScreen & { name: string })[] = [
  { name: '1280', viewport: { width: 1280, height: 800 } },
  { name: '390', viewport: { width: 390, height: 844 }, hasTouch: true },
];
const DIR = process.env.SCREENSHOT_DIR ?? 'docs/screenshots';

for (const screen of SCREENS) {
  test(`park a sale, sell another, reload, resume it and pay, at ${screen.name}`, async ({ server, launchTill }) => {
    await mkdir(DIR, { recursive: true });
    const till = new TillPage((await launchTill('park', screen)).pages()[0]!);
    await till.open(server.url);
    await till.startStandAlone();
    await till.tile('Bud Vase').click();
    await till.tile('Bud Vase').click();
    await till.cart().getByRole('button', { name: /^Park sale/ }).click();
    await expect(till.page.getByRole('alert')).toHaveText('Sale parked: Bud Vase and 1 more. Resume it from Parked sales.');
    await expect(till.cart()).toContainText('Scan or tap a product.');

    await till.tile('Canvas Tote').click();
    await till.payCash('');
    await expect(till.cart()).toContainText('T1-00001');
    await till.page.getByRole('button', { name: 'New sale' }).click();

    // A second cart in progress, then a reload: both it and the parked sale are still there.
    await till.tile('Five-panel Cap').click();
    await till.page.reload();
    await expect(till.cart()).toContainText('Five-panel Cap');
    const toggle = till.page.getByRole('button', { name: /^Parked sales \(1\)/ });
    await toggle.click();
    const list = till.page.getByRole('region', { name: 'Parked sales' });
    await expect(list).toContainText('Bud Vase and 1 more');
    await till.page.screenshot({ path: `${DIR}/parked-sales-${screen.name}.png`, fullPage: screen.name === '390' });

    // Resuming parks the cap's cart in its place; the vases are paid.
    await list.getByRole('button', { name: 'Resume' }).click();
    await expect(till.cart().getByLabel('Quantity')).toHaveText('2');
    await expect(till.page.getByRole('button', { name: /^Parked sales \(1\)/ })).toBeVisible();
    await till.payCash('');
    await expect(till.cart()).toContainText('T1-00002');
    await expect(till.recentSales()).toContainText('T1-00001');
    await expect(till.recentSales()).toContainText('T1-00002');
  });
}
