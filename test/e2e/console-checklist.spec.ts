import { mkdir } from 'node:fs/promises';
import type { Page } from '@playwright/test';
import { epochToZonedLocal } from '../../core/base/zoned-time.ts';
import { newDeviceId } from '../../core/base/ids.ts';
import { webCryptoRandom } from '../../core/base/platform.ts';
import { brandDocName } from '../../core/event/schema.ts';
import { ConsolePage } from './console-page.ts';
import { expect, test } from './fixtures.ts';

/**
 * A first event of one's own, led by the Set-up tab's checklist: each step turns done as the event's documents
 * change (brands, a booth, the catalog, a paired till), then the stock arrives by CSV: a file with mistakes is
 * refused whole with each line's problem and moves nothing, the corrected file receives the delivery and hands
 * it to the till, and the checklist says all is set. Screenshots of the changed screens at phone and desktop size.
 */
const ADMIN = 'e2e-admin-token-0123456789';
const TZ = 'Europe/Paris';
const DIR = process.env.SCREENSHOT_DIR ?? 'test-results/screens';

async function shoot(page: Page, name: string, card?: string) {
  await mkdir(DIR, { recursive: true });
  for (const [label, w, h] of [
    ['phone', 390, 844],
    ['desktop', 1280, 800],
  ] as const) {
    await page.setViewportSize({ width: w, height: h });
    if (card) await page.getByRole('region', { name: card }).scrollIntoViewIfNeeded();
    else await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: `${DIR}/${name}-${label}.png` });
  }
  await page.setViewportSize({ width: 1280, height: 800 });
}

test('the first-event checklist follows the set-up, and stock arrives by CSV all or nothing', async ({ server, launchTill }) => {
  test.setTimeout(150_000);
  const c = new ConsolePage((await launchTill('organiser')).pages()[0]!);
  await c.signIn(server.url, ADMIN);
  const now = Date.now();
  await c.createEvent({ id: 'first-fair', name: 'First Fair', timeZone: TZ, currency: 'EUR', startsAt: epochToZonedLocal(now - 3_600_000, TZ), endsAt: epochToZonedLocal(now + 8 * 3_600_000, TZ) });
  await expect(c.status()).toContainText('Live');
  await c.tab('Set-up').click();
  const list = c.section('First-event checklist');
  const progress = list.getByRole('status');
  await expect(progress).toHaveText('0 of 6 done. Next: add the brands.');
  await shoot(c.page, 'console-checklist-empty', 'First-event checklist');

  // The checklist's button takes the organiser to the card where the step is done.
  await list.getByRole('button', { name: 'Add the brands: go to Brands' }).click();
  await expect(c.section('Brands').getByRole('textbox', { name: 'Brand id' })).toBeFocused();
  await c.saveBrand('atelier', 'Atelier Nord', '15', '100');
  await expect(progress).toHaveText('1 of 6 done. Next: add the booths (and any hub).');
  await c.saveLocation({ id: 'booth-1', kind: 'booth', name: 'Booth One' });
  await c.saveLocation({ id: 'reserve', kind: 'reserve', name: 'Reserve' });
  await c.saveLocation({ id: 'hub-north', kind: 'hub', name: 'Hub North' });
  await expect(progress).toHaveText('2 of 6 done. Next: import the catalog.');
  await c.importCatalog('sku,brand,name,price,tax_rate_pct\nAT-SHIRT,atelier,Linen Shirt,80.00,20\nAT-SCARF,atelier,Wool Scarf,45.00,20\n');
  await expect(progress).toHaveText('3 of 6 done. Next: pair the tills.');
  const code = await c.pairingCode('Till One', 'Booth One', ['Atelier Nord']);
  const paired = await fetch(`${server.url}/api/pair`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code, deviceId: newDeviceId(webCryptoRandom) }) });
  expect(paired.status).toBe(201);
  await expect(progress).toHaveText('4 of 6 done. Next: receive the stock.');
  await expect(c.section('Tills').getByRole('table', { name: 'Paired tills' })).toContainText('Till One');
  await expect(c.section('Tills').getByRole('button', { name: 'Revoke Till One' })).toBeVisible();
  await shoot(c.page, 'console-setup-lists', 'Products');

  // Stock by file. First with mistakes: nothing moves, and every bad line is named.
  await list.getByRole('button', { name: 'Receive the stock: go to Move stock' }).click();
  await expect(c.section('Stock from a file')).toBeVisible();
  const ledger = () => server.hub.read(brandDocName('first-fair', 'atelier'), (doc) => doc.getMap('ledger').size);
  const before = await ledger();
  await c.moveStockCsv('from,to,brand,sku,qty\n,reserve,atelier,AT-SHIRT,20\n,till:till-1,atelier,AT-SCARF,5\nreserve,till:till-1,atelier,AT-SHIRT,30\n');
  const alert = c.page.getByRole('alert');
  await expect(alert).toContainText('no stock was moved');
  await expect(alert).toContainText('line 3, column to: stock is received into the reserve or a hub');
  await expect(alert).toContainText('line 4, column qty: reserve holds 20 of atelier/AT-SHIRT at this row, not 30');
  expect(await ledger()).toBe(before);
  // The refusal shows at the top, with each line's problem.
  await shoot(c.page, 'console-stock-csv-errors');

  await c.moveStockCsv('from,to,brand,sku,qty\n,reserve,atelier,AT-SHIRT,20\n,reserve,atelier,AT-SCARF,10\nreserve,till:till-1,atelier,AT-SHIRT,6\nreserve,hub:hub-north,atelier,AT-SCARF,4\n');
  await c.expectOk(/^Moved stock on 4 row/);
  await expect(await c.stockCell('Linen Shirt AT-SHIRT', 'Till One')).toHaveText('6');
  await expect(await c.stockCell('Linen Shirt AT-SHIRT', 'Reserve')).toHaveText('14');
  await expect(await c.stockCell('Wool Scarf AT-SCARF', 'Hub North')).toHaveText('4');
  await shoot(c.page, 'console-stock-moves', 'Move stock');

  await c.tab('Set-up').click();
  await expect(c.section('First-event checklist').getByRole('status')).toHaveText('All set: the tills can sell.');
  await shoot(c.page, 'console-checklist-done', 'First-event checklist');
});
