import { mkdir } from 'node:fs/promises';
import { seedDemo } from '../../sync-server/demo-seed.ts';
import { ConsolePage } from './console-page.ts';
import { expect, test } from './fixtures.ts';
import { TillPage } from './till-page.ts';

/**
 * Issue #16 item 7: the organiser takes stock back from a till to the reserve. The console asks; the paired till,
 * online, hands the units back itself; the console's list and stock grid show them in the reserve and the till's
 * tile shows fewer. Screenshots of the card (phone 390×844, desktop 1280×800) go to docs/screenshots.
 */
const DIR = process.env.SCREENSHOT_DIR ?? 'docs/screenshots';

test('the console asks a till for stock back and the online till hands it to the reserve', async ({ server, launchTill }) => {
  test.setTimeout(120_000);
  await mkdir(DIR, { recursive: true });
  const demo = await seedDemo(server, Date.now() - 5 * 60_000);
  const till = new TillPage((await launchTill('till')).pages()[0]!);
  await till.open(server.url);
  await till.pair(server.url, demo.tills[0]!.code);
  await expect(till.status()).toContainText('Online');
  await expect(till.tile('Five-panel Cap')).toContainText('15 here');

  const c = new ConsolePage((await launchTill('console')).pages()[0]!);
  await c.signIn(server.url, demo.organiserToken);
  await expect(c.status()).toContainText('Live');
  await c.tab('Stock').click();
  const reserve = await c.stockCell('Five-panel Cap NT-CAP', 'Reserve');
  const before = Number(await reserve.textContent());
  const card = c.section('Stock back from a till');
  const form = card.getByRole('form', { name: 'Ask a till for stock back' });
  await form.getByRole('combobox', { name: 'Till' }).selectOption({ label: 'Booth A till' });
  await form.getByRole('combobox', { name: 'Product, line 1' }).selectOption({ label: 'Five-panel Cap (NT-CAP): the till holds 15' });
  await form.getByRole('spinbutton', { name: 'Units back, line 1' }).fill('4');
  await form.getByRole('textbox', { name: 'Note for the till (optional)' }).fill('end of day');
  await form.getByRole('button', { name: 'Ask for the stock back' }).click();
  await c.expectOk(/^Asked Booth A till for 4 unit\(s\) back/);

  // The till is online: it hands the 4 caps back at once, and the console sees them arrive.
  await expect(till.tile('Five-panel Cap')).toContainText('11 here', { timeout: 20_000 });
  await expect(reserve).toHaveText(String(before + 4), { timeout: 20_000 });
  const row = card.getByRole('table', { name: 'Stock asked back' }).getByRole('row', { name: /Booth A till/ });
  await expect(row).toContainText('4 of 4 × NT-CAP back', { timeout: 20_000 });
  await expect(row).toContainText('all back · end of day');

  for (const [label, width, height] of [
    ['phone', 390, 844],
    ['desktop', 1280, 800],
  ] as const) {
    await c.page.setViewportSize({ width, height });
    await card.scrollIntoViewIfNeeded();
    await c.page.screenshot({ path: `${DIR}/console-stock-back-${label}.png` });
  }
});
