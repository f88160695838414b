import { DEMO_EVENT_ID } from '../../core/event/demo-event.ts';
import { seedDemo } from '../../sync-server/demo-seed.ts';
import { ConsolePage } from './console-page.ts';
import { expect, test } from './fixtures.ts';

const ADMIN = 'e2e-admin-token-0123456789';

test('the organiser opens the demo event, reads stock by holder and moves stock from the reserve to a till', async ({ server, launchTill }) => {
  await seedDemo(server, Date.now() - 5 * 60_000);
  const page = (await launchTill('console')).pages()[0]!;
  const c = new ConsolePage(page);
  await c.signIn(server.url, ADMIN);
  await page.getByLabel('Event id').first().fill(DEMO_EVENT_ID);
  await page.getByRole('button', { name: 'Open', exact: true }).click();
  await expect(c.status()).toContainText('Live');
  await c.tab('Stock').click();
  const cell = await c.stockCell('Five-panel Cap NT-CAP', 'till-1 (not paired)');
  const before = Number(await cell.textContent());
  await c.transfer('Reserve', 'till-1 (not paired)', 'Five-panel Cap (NT-CAP)', 3);
  await expect(cell).toHaveText(String(before + 3));
  await page.screenshot({ path: 'test-results/screens/console-stock-1280.png', fullPage: true });
  await page.setViewportSize({ width: 1024, height: 768 });
  await page.screenshot({ path: 'test-results/screens/console-stock-1024.png' });
  await page.setViewportSize({ width: 1280, height: 800 });
  for (const [tab, file] of [['Set-up', 'setup'], ['Dashboard', 'dashboard'], ['Alerts', 'alerts'], ['Settlement', 'settlement']] as const) {
    await c.tab(tab).click();
    await page.screenshot({ path: `test-results/screens/console-${file}-1280.png`, fullPage: true });
  }
});
