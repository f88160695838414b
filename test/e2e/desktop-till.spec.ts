import { mkdir, readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { decodeEscPos } from '../../electron/printing/escpos-decoder.test-support.ts';
import { loopbackPrinter, type LoopbackPrinter } from '../../electron/printing/loopback-printer.test-support.ts';
import { installDesktopBridge, type DesktopBridge } from './desktop-bridge.ts';
import { expect, test } from './fixtures.ts';
import { TillPage } from './till-page.ts';

/**
 * The till's desktop features in chromium, against the desktop app's real main-process side (desktop-bridge.ts):
 * printing receipts and Z reports on a network printer played by a loopback TCP server, the drawer after a
 * cash sale and a manager's no-sale opening (both in the audit log), the printer settings and the LAN hub
 * panel, from which a second till pairs with no other server.
 */
let printer: LoopbackPrinter | undefined;
let bridge: DesktopBridge | undefined;
test.afterEach(async () => {
  await bridge?.stop();
  bridge = undefined;
  await printer?.close();
  printer = undefined;
});

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

test('a cash sale opens the drawer and the receipt prints on the network printer; the audit log lists the opening', async ({ server, launchTill, workDir }) => {
  printer = await loopbackPrinter();
  const ctx = await launchTill();
  bridge = await installDesktopBridge(ctx, join(workDir, 'user-data'), { kind: 'network', host: printer.host, port: printer.port, paperWidth: 80 });
  const till = new TillPage(ctx.pages()[0]!);
  await till.open(server.url);
  await till.startStandAlone();
  await till.tile('Canvas Tote').click();
  const drawerJob = printer.nextJob();
  await till.payCash('20');
  expect(decodeEscPos(await drawerJob).pulses).toEqual([{ pin: 0, on: 25, off: 250 }]);

  const receiptJob = printer.nextJob();
  await till.cart().getByRole('button', { name: 'Print receipt' }).click();
  await expect(till.cart().getByRole('status')).toHaveText(`Printed on 127.0.0.1:${printer.port}`);
  const printed = decodeEscPos(await receiptJob);
  expect(printed.text).toContain('Receipt T1-00001');
  expect(printed.text).toMatch(/1 × Canvas Tote +€/);
  expect(printed.cuts).toHaveLength(1);
  expect(printed.barcodes).toEqual(['T1-00001']);
  await till.page.screenshot({ path: 'test-results/screens/desktop-printed-1280.png' });

  await till.page.getByRole('button', { name: 'New sale' }).click();
  await till.page.getByRole('button', { name: 'Audit', exact: true }).click();
  await expect(till.page.getByRole('region', { name: 'Audit log' })).toContainText('drawer opened for cash sale T1-00001');
});

test('a printer out of paper: the sale stays complete and the cashier reads why nothing printed', async ({ server, launchTill, workDir }) => {
  printer = await loopbackPrinter();
  printer.state = 'paper-out';
  const ctx = await launchTill();
  bridge = await installDesktopBridge(ctx, join(workDir, 'user-data'), { kind: 'network', host: printer.host, port: printer.port, drawerOnCash: false });
  const till = new TillPage(ctx.pages()[0]!);
  await till.open(server.url);
  await till.startStandAlone();
  await till.tile('Canvas Tote').click();
  await till.payCash('20');
  await till.cart().getByRole('button', { name: 'Print receipt' }).click();
  await expect(till.cart().getByRole('alert')).toHaveText(`The sale is complete, but the receipt did not print: The printer at 127.0.0.1:${printer.port} is out of paper: put in a new roll and print again`);
  await expect(till.cart()).toContainText('Sale complete');
  await till.page.screenshot({ path: 'test-results/screens/desktop-paper-out-1280.png' });
  await expect(till.recentSales()).toContainText('T1-00001');
});

test('a manager opens the drawer with no sale, sets the printer, and runs the LAN hub that a second till pairs with', async ({ server, launchTill, workDir }) => {
  test.setTimeout(120_000);
  printer = await loopbackPrinter();
  const userData = join(workDir, 'user-data');
  await mkdir(userData, { recursive: true });
  const ctx = await launchTill();
  bridge = await installDesktopBridge(ctx, userData, { kind: 'network', host: printer.host, port: printer.port });
  const till = new TillPage(ctx.pages()[0]!);
  await till.open(server.url);
  await till.startStandAlone();
  await till.openDayClose();
  const tools = till.page.getByRole('region', { name: 'Drawer and printer' });
  await tools.scrollIntoViewIfNeeded();
  await till.page.screenshot({ path: 'test-results/screens/desktop-dayclose-1280.png' });
  await tools.getByRole('button', { name: 'Open drawer' }).click();
  await tools.getByLabel('Manager PIN').fill('9999');
  const kick = printer.nextJob();
  await tools.getByRole('button', { name: 'Approve' }).click();
  await expect(tools.getByRole('status')).toHaveText(`Drawer opened (127.0.0.1:${printer.port})`);
  expect(decodeEscPos(await kick).pulses).toHaveLength(1);

  await tools.getByRole('button', { name: 'Printer and hub' }).click();
  await tools.getByLabel('Manager PIN').fill('9999');
  await tools.getByRole('button', { name: 'Approve' }).click();
  const printerForm = till.page.getByRole('form', { name: 'Receipt printer' });
  await expect(printerForm.getByLabel('Address')).toHaveValue('127.0.0.1');
  await printerForm.getByLabel('Paper width').selectOption('58');
  await printerForm.getByLabel('Address')
    .fill('not a host!');
  await printerForm.getByRole('button', { name: 'Save printer' }).click();
  await expect(printerForm.getByRole('alert')).toContainText('"not a host!" is not a host name or IP address');
  await printerForm.getByLabel('Address').fill('127.0.0.1');
  await printerForm.getByRole('button', { name: 'Save printer' }).click();
  await expect(printerForm.getByRole('status')).toHaveText('Printer settings saved');
  expect(JSON.parse(await readFile(join(userData, 'printer.json'), 'utf8'))).toMatchObject({ kind: 'network', host: '127.0.0.1', paperWidth: 58 });

  const hubPanel = till.page.getByRole('region', { name: 'LAN hub' });
  const port = await freePort();
  await hubPanel.getByLabel('Port').fill(String(port));
  await hubPanel.getByLabel(/demo mall/).check();
  await hubPanel.getByRole('button', { name: 'Start hub' }).click();
  await expect(hubPanel.getByText(`http://127.0.0.1:${port}`, { exact: true })).toBeVisible({ timeout: 20_000 });
  await expect(hubPanel.getByRole('img', { name: `Hub address http://127.0.0.1:${port}` })).toBeVisible();
  const pairForm = hubPanel.getByRole('form', { name: 'Pair a till with the hub' });
  await pairForm.getByLabel('Till name').fill('Booth B second till');
  await pairForm.getByLabel('Location').selectOption({ label: 'Booth B' });
  await pairForm.getByLabel('Second Life Phones').check();
  await pairForm.getByRole('button', { name: 'Make pairing code' }).click();
  const codeBox = hubPanel.getByRole('group', { name: 'New pairing code' });
  await expect(codeBox).toBeVisible();
  const code = (await codeBox.locator('strong').textContent())!;
  expect(code).toMatch(/^[0-9A-Z]{4}-[0-9A-Z]{4}$/);
  await expect(hubPanel.getByRole('img', { name: `Pairing code ${code}` })).toBeVisible();
  await till.page.screenshot({ path: 'test-results/screens/desktop-hub-1280.png', fullPage: true });
  await till.page.setViewportSize({ width: 1024, height: 768 });
  await till.page.screenshot({ path: 'test-results/screens/desktop-hub-1024.png', fullPage: true });

  // Another till, a plain browser, pairs with the hub (which also serves the till's page) and goes online.
  const other = new TillPage((await launchTill('second')).pages()[0]!);
  await other.open(`http://127.0.0.1:${port}/`);
  await other.pair(`http://127.0.0.1:${port}`, code);
  await expect(other.status()).toContainText('Online', { timeout: 20_000 });
  // It downloaded the event from the hub: its brand's catalog is on screen (stock comes from the organiser).
  await expect(other.tile('Braided Cable')).toBeVisible();
});
