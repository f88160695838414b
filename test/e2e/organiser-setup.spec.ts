import { DEMO_EVENT_ID } from '../../core/event/demo-event.ts';
import { BrandDoc, brandDocName, TillDoc, tillDocName } from '../../core/event/schema.ts';
import { seedDemo } from '../../sync-server/demo-seed.ts';
import { expect, test } from './fixtures.ts';
import { TillPage } from './till-page.ts';

/**
 * The organiser's set-up reaching a paired till: a per-location low-stock threshold drives the till's
 * alert, the event's creator codes are offered at payment and recorded as the sale's source, the receipt
 * prints the warranty, and the till's shift opening reaches the server in its till document.
 */
test('a paired till uses its location’s threshold, offers the creator codes, and syncs its shift to the server', async ({ server, launchTill }) => {
  const demo = await seedDemo(server, Date.now() - 5 * 60_000);
  // Booth A holds 15 caps: above the product's own threshold (3), below the organiser's override for booth A.
  await server.setup.putThresholds(DEMO_EVENT_ID, [{ locationId: 'booth-a', sku: 'NT-CAP', lowStockThreshold: 20, safetyStock: 5 }]);

  const till = new TillPage((await launchTill()).pages()[0]!);
  await till.open(server.url);
  await till.pair(server.url, demo.tills[0]!.code);
  await expect(till.page.getByRole('status', { name: 'Stock alerts' })).toContainText('Five-panel Cap (15)');
  await expect(till.tile('Five-panel Cap')).toHaveClass(/\blow\b/);

  await till.tile('Five-panel Cap').click();
  await till.page.getByRole('button', { name: 'Pay' }).click();
  await till.page.getByText('Customer and creator code').click();
  const code = till.page.getByLabel('Creator code');
  await expect(till.page.locator('datalist#creator-codes option')).toHaveCount(3);
  await expect(till.page.locator('datalist#creator-codes option[value="LENA10"]')).toHaveText('Lena Knits (creator)');
  await code.fill('LENA10');
  for (const [width, height] of [[1280, 800], [1024, 768]] as const) {
    await till.page.setViewportSize({ width, height });
    await code.scrollIntoViewIfNeeded();
    await till.page.screenshot({ path: `test-results/screens/payment-creator-code-${width}.png` });
  }
  await till.page.setViewportSize({ width: 1280, height: 800 });
  await till.page.getByRole('button', { name: 'Cash' }).click();
  await till.page.getByLabel('Amount tendered').fill('');
  await till.page.getByRole('button', { name: 'Complete sale' }).click();
  await expect(till.cart().getByText('Sale complete')).toBeVisible();
  await till.page.emulateMedia({ media: 'print' });
  await expect(till.page.getByRole('article', { name: 'Receipt' })).toContainText('12-month warranty');
  await till.page.emulateMedia({ media: 'screen' });

  await expect
    .poll(() => server.hub.read(brandDocName(DEMO_EVENT_ID, 'north-thread'), (doc) => new BrandDoc(doc).sales().items.map((s) => s.source)), { timeout: 10_000 })
    .toEqual(['LENA10']);

  // The shift opened at sign-in (a float is needed to sell) reached the server in the till's document.
  await expect
    .poll(() => server.hub.read(tillDocName(DEMO_EVENT_ID, demo.tills[0]!.tillId), (doc) => new TillDoc(doc).shiftEvents().items.map((e) => [e.kind, e.tillId])), { timeout: 10_000 })
    .toEqual([['open', demo.tills[0]!.tillId]]);
});
