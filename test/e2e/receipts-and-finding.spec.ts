import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { seedDemo } from '../../sync-server/demo-seed.ts';
import { smtpSink } from '../../sync-server/mail/smtp-sink.test-support.ts';
import { startSyncServer } from '../../sync-server/server.ts';
import { expect, test, type TillScreen } from './fixtures.ts';
import { TillPage } from './till-page.ts';

/**
 * A paired till against a server with an SMTP relay (a local smtp-server): the tile filters, an e-mailed
 * receipt and a printed refund slip, at a phone's and a desktop's size. Screenshots go to
 * test-results/screens (SCREENSHOT_DIR=docs/screenshots refreshes the docs' copies).
 */
const DIR = process.env.SCREENSHOT_DIR ?? 'test-results/screens';
const SCREENS: (TillScreen & { name: string })[] = [
  { name: '390', viewport: { width: 390, height: 844 }, hasTouch: true },
  { name: '1280', viewport: { width: 1280, height: 800 } },
];

for (const screen of SCREENS) {
  test(`filters, e-mail receipt and refund slip at ${screen.name}`, async ({ workDir, launchTill }) => {
    test.setTimeout(120_000);
    await mkdir(DIR, { recursive: true });
    const smtp = await smtpSink();
    const server = await startSyncServer({
      host: '127.0.0.1',
      port: 0,
      dataDir: join(workDir, 'mail-server-data'),
      adminToken: 'e2e-admin-token-0123456789',
      appDir: fileURLToPath(new URL('../../renderer/dist', import.meta.url)),
      mail: { host: '127.0.0.1', port: smtp.port, secure: false, from: 'Demo Flash Mall <receipts@popup.example>' },
    });
    try {
      const demo = await seedDemo(server, Date.now() - 5 * 60_000);
      const till = new TillPage((await launchTill('mail', screen)).pages()[0]!);
      const page = till.page;
      await till.open(server.url);
      await till.pair(server.url, demo.tills[0]!.code);
      await expect(till.status()).toContainText(/^Online/, { timeout: 15_000 });

      // Finding products: the category filter narrows the tiles.
      await page.getByRole('group', { name: 'Category' }).getByRole('button', { name: 'Tableware' }).click();
      await expect(till.tile('Bud Vase')).toHaveCount(0);
      await page.screenshot({ path: `${DIR}/till-filters-${screen.name}.png` });

      // A sale, and its receipt e-mailed by the server.
      await till.tile('Stoneware Mug — Sand').click();
      await till.payCash('50');
      const form = page.getByRole('form', { name: 'E-mail receipt' });
      await form.getByLabel("Customer's e-mail").fill('ana@example');
      await form.getByRole('button', { name: 'E-mail receipt' }).click();
      await expect(form.getByRole('alert')).toContainText('is not an e-mail address');
      await form.getByLabel("Customer's e-mail").fill('ana@example.com');
      await form.getByRole('button', { name: 'E-mail receipt' }).click();
      await expect(form.getByRole('status')).toHaveText('Receipt e-mailed.', { timeout: 30_000 });
      expect(smtp.mails).toHaveLength(1);
      expect(smtp.mails[0]!.to).toEqual(['ana@example.com']);
      await page.screenshot({ path: `${DIR}/till-email-receipt-${screen.name}.png` });

      // The refund slip.
      const receiptNumber = (await till.cart().locator('.receipt strong').textContent())!;
      await page.getByRole('button', { name: 'New sale' }).click();
      await page.getByRole('button', { name: 'Refund' }).click();
      const refund = page.getByRole('region', { name: 'Refund' });
      await refund.getByLabel('Receipt number').fill(receiptNumber);
      await refund.getByRole('button', { name: 'Find sale' }).click();
      await refund.getByLabel('Units of Stoneware Mug — Sand to return').fill('1');
      await refund.getByLabel('Reason for Stoneware Mug — Sand').selectOption('changed-mind');
      await refund.getByRole('button', { name: 'Refund selected' }).click();
      const approval = page.getByRole('form', { name: 'Manager approval' });
      await approval.getByLabel('Manager PIN').fill('9999');
      await approval.getByLabel('Manager PIN').press('Enter');
      const slip = refund.getByLabel('Refund receipt');
      await expect(slip).toContainText('Authorised by Mia (manager)', { timeout: 30_000 });
      await expect(slip).toContainText('€15.40 in cash');
      await page.screenshot({ path: `${DIR}/till-refund-receipt-${screen.name}.png` });
    } finally {
      await server.close();
      await smtp.close();
    }
  });
}
