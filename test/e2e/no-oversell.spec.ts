import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEMO_EVENT_ID } from '../../core/event/demo-event.ts';
import { tillHolder } from '../../core/ledger/holders.ts';
import { brandDocName } from '../../core/event/schema.ts';
import { seedDemo } from '../../sync-server/demo-seed.ts';
import { startSyncServer } from '../../sync-server/server.ts';
import { expect, test } from './fixtures.ts';
import { TillPage } from './till-page.ts';

test('two tills selling the same SKU while the server is down never sell more than they hold between them', async ({ server, launchTill, workDir }) => {
  const demo = await seedDemo(server, Date.now() - 5 * 60_000);
  const second = await server.events.createPairingCode(DEMO_EVENT_ID, { name: 'Booth A second till', locationId: 'booth-a', brandIds: ['north-thread'] });
  await server.events.transfer(DEMO_EVENT_ID, 'reserve', tillHolder(second.tillId), [{ brandId: 'north-thread', sku: 'NT-CAP', qty: 2 }]);
  const a = new TillPage((await launchTill('a')).pages()[0]!);
  await a.open(server.url);
  await a.pair(server.url, demo.tills[0]!.code);
  const b = new TillPage((await launchTill('b')).pages()[0]!);
  await b.open(server.url);
  await b.pair(server.url, second.code);
  await expect(a.tile('Five-panel Cap')).toContainText('15 here · 17 at booth');

  const port = Number(new URL(server.url).port);
  await server.close();
  await expect(a.status()).toContainText('Offline');
  await expect(b.status()).toContainText('Offline');
  // Offline, each till may sell only its own rights: A 15, B 2.
  for (let i = 0; i < 16; i++) await a.tile('Five-panel Cap').click();
  await expect(a.page.getByRole('alert')).toContainText('Only 15 × Five-panel Cap left on this till');
  await a.payCash('');
  for (let i = 0; i < 3; i++) await b.tile('Five-panel Cap').click();
  await expect(b.page.getByRole('alert')).toContainText('Only 2 × Five-panel Cap left on this till');
  await b.payCash('');

  const back = await startSyncServer({ host: '127.0.0.1', port, dataDir: join(workDir, 'server-data'), adminToken: 'e2e-admin-token-0123456789', appDir: fileURLToPath(new URL('../../renderer/dist', import.meta.url)) });
  try {
    await expect(a.status()).toContainText('0 waiting to sync', { timeout: 20_000 });
    await expect(b.status()).toContainText('0 waiting to sync', { timeout: 20_000 });
    const after = await back.hub.read(brandDocName(DEMO_EVENT_ID, 'north-thread'), (_d, view) => ({
      a: view!.rights(tillHolder('till-1'), 'NT-CAP'),
      b: view!.rights(tillHolder(second.tillId), 'NT-CAP'),
      sold: view!.skuTotals('NT-CAP').sold,
      negative: view!.negativeBalances(),
    }));
    expect(after).toEqual({ a: 0, b: 0, sold: 17, negative: [] });
  } finally {
    await back.close();
  }
});

test('three wrong PINs lock the till for a minute', async ({ server, launchTill }) => {
  const till = new TillPage((await launchTill()).pages()[0]!);
  await till.open(server.url);
  await till.page.getByRole('button', { name: 'Start stand-alone with the demo event' }).click();
  const pin = till.page.getByLabel('PIN', { exact: true });
  for (const wrong of ['0000', '1111']) {
    await pin.fill(wrong);
    await till.page.keyboard.press('Enter');
    await expect(till.page.getByRole('alert')).toHaveText('Wrong PIN');
  }
  await pin.fill('2222');
  await till.page.keyboard.press('Enter');
  await expect(till.page.getByRole('alert')).toContainText('Wrong PIN 3 times: the till is locked for 60 s');
  // Even the right PIN waits out the lock.
  await pin.fill('1234');
  await till.page.keyboard.press('Enter');
  await expect(till.page.getByRole('alert')).toContainText('Too many wrong PINs: try again in');
  await expect(till.page.getByRole('search')).toBeHidden();
});
