import { mkdir } from 'node:fs/promises';
import { DEMO_EVENT_ID, DEMO_PRODUCTS } from '../../core/event/demo-event.ts';
import { seedDemo } from '../../sync-server/demo-seed.ts';
import { expect, test, type TillScreen } from './fixtures.ts';
import { TillPage } from './till-page.ts';
import type { Page } from '@playwright/test';

/**
 * Every till screen at 1280×800 (keyboard and mouse) and 1024×768 (touch), named `<screen>-<width>.png`.
 * They go to test-results/screens; `SCREENSHOT_DIR=docs/screenshots npx playwright test screenshots` refreshes
 * the ones the README shows. On the touch screen every visible control must be a 44 px target (WCAG 2.5.5).
 */
const DIR = process.env.SCREENSHOT_DIR ?? 'test-results/screens';
const SCREENS: (TillScreen & { name: string })[] = [
  { name: '1280', viewport: { width: 1280, height: 800 } },
  { name: '1024', viewport: { width: 1024, height: 768 }, hasTouch: true },
];

const barcode = (sku: string) => DEMO_PRODUCTS.find((p) => p.sku === sku)!.barcodes[0]!;

/** Visible controls smaller than a 44 × 44 px touch target (a checkbox counts with its label). */
function smallTargets(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const out: string[] = [];
    for (const el of document.querySelectorAll<HTMLElement>('button, input, select, summary, a[href]')) {
      // Inside a closed <details>, a control is not on screen.
      if (el.tagName !== 'SUMMARY' && el.closest('details:not([open])')) continue;
      const target = el instanceof HTMLInputElement && (el.type === 'checkbox' || el.type === 'radio') ? (el.closest('label') ?? el) : el;
      const r = target.getBoundingClientRect();
      if (r.width === 0 || r.height === 0 || getComputedStyle(el).visibility === 'hidden') continue;
      if (r.height < 43.5 || r.width < 43.5) out.push(`${el.tagName.toLowerCase()} "${el.getAttribute('aria-label') ?? el.textContent?.trim().slice(0, 30) ?? ''}" ${Math.round(r.width)}×${Math.round(r.height)}`);
    }
    return out;
  });
}

for (const screen of SCREENS) {
  test.describe(`screens at ${screen.name}`, () => {
    test(`every stand-alone till screen at ${screen.name}`, async ({ server, launchTill }) => {
      test.setTimeout(120_000);
      await mkdir(DIR, { recursive: true });
      const till = new TillPage((await launchTill('shots', screen)).pages()[0]!);
      const page = till.page;
      const small: string[] = [];
      const shot = async (name: string) => {
        // Tapping a tile low on the grid scrolls it: show the catalog from its top, search box and alerts in view.
        await page.evaluate(() => document.querySelector('main.catalog')?.scrollTo(0, 0));
        if (screen.hasTouch) small.push(...(await smallTargets(page)).map((t) => `${name}: ${t}`));
        await page.screenshot({ path: `${DIR}/${name}-${screen.name}.png` });
      };
      await till.open(server.url);
      await expect(page.getByLabel('Pairing code')).toBeVisible();
      await shot('setup');

      await page.getByRole('button', { name: 'Start stand-alone with the demo event' }).click();
      await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible({ timeout: 15_000 });
      await page.getByLabel('PIN', { exact: true }).fill('1111');
      await page.keyboard.press('Enter');
      await expect(page.getByRole('alert')).toHaveText('Wrong PIN');
      await shot('sign-in');
      await page.getByLabel('PIN', { exact: true }).fill('1234');
      await page.keyboard.press('Enter');
      await expect(till.shiftGate()).toBeVisible();
      await shot('shift-start');
      await till.openShiftToSell('150.00');

      // Stock alerts: sell the vases down to their threshold first.
      for (let i = 0; i < 6; i++) await till.tile('Bud Vase').click();
      await till.payCash('');
      await page.getByRole('button', { name: 'New sale' }).click();
      await expect(page.getByRole('status', { name: 'Stock alerts' })).toContainText('Bud Vase (2)');

      await till.scan(barcode('NT-HOODIE-M'));
      await till.scan(barcode('NT-TEE-BLK-M'));
      await till.scan(barcode('NT-TEE-BLK-M'));
      await till.tile('Stoneware Mug — Sand').click();
      await expect(till.cart()).toContainText('Stoneware Mug — Sand');
      await shot('sell');

      await page.getByRole('button', { name: 'Pay' }).click();
      await page.getByLabel('Amount tendered').fill('100');
      await shot('payment-cash');
      await page.getByLabel('Split payment').check();
      await page.getByRole('button', { name: 'Card', exact: true }).click();
      await page.getByLabel('Amount of this payment').fill('50');
      await page.getByLabel('Card approval code').fill('A7731');
      await page.getByRole('button', { name: 'Add payment' }).click();
      await expect(page.getByRole('list', { name: 'Payments taken' })).toBeVisible();
      await page.getByRole('button', { name: 'Cash', exact: true }).click();
      await page.getByLabel('Amount tendered').fill('100');
      await shot('payment-split');
      await page.getByRole('button', { name: 'Complete sale' }).click();
      await expect(till.cart().getByText('Sale complete')).toBeVisible();
      await shot('sale-complete');
      await page.emulateMedia({ media: 'print' });
      await page.screenshot({ path: `${DIR}/receipt-${screen.name}.png`, fullPage: true });
      await page.emulateMedia({ media: 'screen' });
      await page.getByRole('button', { name: 'New sale' }).click();

      await till.scan(barcode('SL-PHONE-12'));
      await expect(page.getByRole('form', { name: 'Serial number' })).toBeVisible();
      await page.getByLabel(/Serial number of the/).fill('SN-356789104');
      await shot('serial-prompt');
      await page.keyboard.press('Enter');
      await till.cart().getByRole('button', { name: 'Change price of Refurbished Phone 12 — 128 GB' }).click();
      await till.cart().getByLabel(/New unit price/).fill('300');
      await shot('price-change');
      await till.cart().getByRole('button', { name: 'Cancel' }).click();

      // Beyond stock: the manager's approval.
      for (let i = 0; i < 3; i++) await till.tile('Bud Vase').click();
      await expect(page.getByRole('button', { name: 'Sell beyond stock (manager)' })).toBeVisible();
      await shot('out-of-stock');
      await page.getByRole('button', { name: 'Sell beyond stock (manager)' }).click();
      await page.getByRole('form', { name: 'Manager approval' }).getByLabel('Manager PIN').fill('1234');
      await page.getByRole('form', { name: 'Manager approval' }).getByRole('button', { name: 'Approve' }).click();
      await expect(page.getByRole('form', { name: 'Manager approval' }).getByRole('alert')).toBeVisible();
      await shot('manager-approval');
      await page.getByRole('form', { name: 'Manager approval' }).getByLabel('Manager PIN').fill('9999');
      await page.getByRole('form', { name: 'Manager approval' }).getByRole('button', { name: 'Approve' }).click();
      await page.getByRole('button', { name: 'Clear' }).click();

      await page.getByRole('button', { name: 'Refund', exact: true }).click();
      const refund = page.getByRole('region', { name: 'Refund' });
      await refund.getByLabel('Receipt number').fill('T1-00002');
      await refund.getByRole('button', { name: 'Find sale' }).click();
      await refund.getByLabel('Units of Logo Tee — Black M to return').fill('1');
      await refund.getByLabel('Reason for Logo Tee — Black M').selectOption('defective');
      await shot('refund');
      await refund.getByRole('button', { name: 'Refund selected' }).click();
      await expect(refund).toContainText('Give back €20.30');
      // The tee came from a sale paid part by card, part in cash: the refund goes back the same way.
      await expect(refund.getByRole('list', { name: 'Where the money goes' })).toHaveText(/€\d+\.\d\d back to card\s*€\d+\.\d\d in cash/);
      await shot('refund-complete');
      await refund.getByRole('button', { name: 'New sale' }).click();

      await page.getByRole('button', { name: 'Audit', exact: true }).click();
      await expect(page.getByRole('region', { name: 'Audit log' })).toContainText('Refund');
      await shot('audit-log');
      await page.getByRole('button', { name: 'Back to the sale' }).click();

      await till.openDayClose();
      await till.moveCash('Cash out', '40.00', 'Banking');
      await shot('shift-cash');
      await till.countAndClose('310');
      await expect(till.dayClose().getByRole('form', { name: 'Manager approval' })).toBeVisible();
      await shot('day-close-approval');
      await till.dayClose().getByLabel('Manager PIN').fill('9999');
      await till.dayClose().getByRole('button', { name: 'Approve' }).click();
      await expect(till.zReport()).toBeVisible();
      await shot('z-report');
      await page.screenshot({ path: `${DIR}/z-report-full-${screen.name}.png`, fullPage: true });
      expect(small, 'controls smaller than a 44 px touch target').toEqual([]);
    });

    test(`a paired till online and offline at ${screen.name}`, async ({ server, launchTill }) => {
      await mkdir(DIR, { recursive: true });
      const demo = await seedDemo(server, Date.now() - 5 * 60_000);
      const till = new TillPage((await launchTill('paired', screen)).pages()[0]!);
      await till.open(server.url);
      await till.page.getByLabel('Pairing code').fill(demo.tills[0]!.code);
      await till.page.getByRole('button', { name: 'Pair', exact: true }).click();
      await till.signIn('1234');
      await expect(till.status()).toContainText('Online');
      await till.page.screenshot({ path: `${DIR}/paired-online-${screen.name}.png` });
      expect(DEMO_EVENT_ID).toBe('demo-flash-mall');
      await server.close();
      await expect(till.status()).toContainText('Offline');
      await till.tile('Drop Hoodie — M').click();
      await till.payCash('');
      await expect(till.status()).toContainText('1 waiting to sync');
      await till.page.screenshot({ path: `${DIR}/offline-${screen.name}.png` });
    });
  });
}
