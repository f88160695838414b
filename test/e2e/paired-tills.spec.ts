import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEMO_EVENT_ID } from '../../core/event/demo-event.ts';
import { seedDemo } from '../../sync-server/demo-seed.ts';
import { startSyncServer } from '../../sync-server/server.ts';
import { expect, test } from './fixtures.ts';
import { TillPage } from './till-page.ts';

test('a till pairs, sells while the server is down, and the sale reaches a second till when it returns', async ({ server, launchTill, workDir }) => {
  const demo = await seedDemo(server, Date.now() - 5 * 60_000);
  const second = await server.events.createPairingCode(DEMO_EVENT_ID, { name: 'Booth A second till', locationId: 'booth-a', brandIds: ['north-thread'] });

  const a = new TillPage((await launchTill('a')).pages()[0]!);
  await a.open(server.url);
  await a.pair(server.url, demo.tills[0]!.code);
  await expect(a.status()).toContainText('Online');
  await a.page.screenshot({ path: 'test-results/screens/paired-online-1280.png' });

  const b = new TillPage((await launchTill('b')).pages()[0]!);
  await b.open(server.url);
  await b.pair(server.url, second.code);
  await expect(b.tile('Drop Hoodie — M')).toContainText('0 here · 12 at booth');

  // The server goes away; till A keeps selling.
  const port = Number(new URL(server.url).port);
  await server.close();
  await expect(a.status()).toContainText('Offline');
  await a.tile('Drop Hoodie — M').click();
  await a.payCash('');
  await expect(a.cart()).toContainText('T1-00001');
  await expect(a.status()).toContainText('1 waiting to sync');
  await a.page.screenshot({ path: 'test-results/screens/offline-sale-1280.png' });

  const back = await startSyncServer({ host: '127.0.0.1', port, dataDir: join(workDir, 'server-data'), adminToken: 'e2e-admin-token-0123456789', appDir: fileURLToPath(new URL('../../renderer/dist', import.meta.url)) });
  try {
    await expect(a.status()).toContainText('Online', { timeout: 20_000 });
    await expect(a.status()).toContainText('0 waiting to sync');
    await expect(b.tile('Drop Hoodie — M')).toContainText('0 here · 11 at booth', { timeout: 20_000 });
    await expect(b.recentSales()).toContainText('T1-00001');
  } finally {
    await back.close();
  }
});

test('a wrong pairing code says so and leaves the till unpaired', async ({ server, launchTill }) => {
  await seedDemo(server, Date.now());
  const till = new TillPage((await launchTill()).pages()[0]!);
  await till.open(server.url);
  await till.page.getByLabel('Pairing code').fill('ZZZZ-ZZZZ');
  await till.page.getByRole('button', { name: 'Pair', exact: true }).click();
  await expect(till.page.getByRole('alert')).toContainText('unknown, used or expired');
  await till.page.screenshot({ path: 'test-results/screens/pair-error-1280.png' });
});

test('a paired till that runs short asks the reserve for more, and the grant arrives within seconds', async ({ server, launchTill }) => {
  const demo = await seedDemo(server, Date.now() - 5 * 60_000);
  const till = new TillPage((await launchTill()).pages()[0]!);
  await till.open(server.url);
  await till.pair(server.url, demo.tills[0]!.code);
  await expect(till.tile('Five-panel Cap')).toContainText('15 here');
  for (let i = 0; i < 16; i++) await till.tile('Five-panel Cap').click();
  await expect(till.page.getByRole('alert')).toContainText('Only 15 × Five-panel Cap left on this till');
  await till.page.getByRole('button', { name: 'Ask the reserve for more' }).click();
  // Low-stock threshold 3: the till asks for twice that, 6; the server's reserve grants them.
  await expect(till.tile('Five-panel Cap')).toContainText('21 here', { timeout: 10_000 });
  await till.tile('Five-panel Cap').click();
  await expect(till.cart()).toContainText('16');
});
