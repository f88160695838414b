import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEMO_EVENT_ID } from '../../core/event/demo-event.ts';
import { BrandDoc, brandDocName } from '../../core/event/schema.ts';
import { seedDemo } from '../../sync-server/demo-seed.ts';
import { startSyncServer } from '../../sync-server/server.ts';
import { expect, test } from './fixtures.ts';
import { TillPage } from './till-page.ts';

/**
 * The browser till's shell is kept by a service worker (renderer/src/platform/service-worker.ts), so a paired
 * till reloaded while the server is down comes up at its PIN pad and sells. The server is stopped, not the
 * browser set offline: `context.setOffline` leaves open sockets alone, a stopped server does not.
 */
test('a paired till reloaded or reopened while the server is down comes up, takes a PIN, sells, and every sale syncs once', async ({ server, launchTill, workDir }) => {
  const demo = await seedDemo(server, Date.now() - 5 * 60_000);
  const ctx = await launchTill();
  const till = new TillPage(ctx.pages()[0]!);
  await till.open(server.url);
  await expect(till.page.locator('link[rel="manifest"]')).toHaveAttribute('href', './manifest.webmanifest');
  await till.pair(server.url, demo.tills[0]!.code);
  await expect(till.status()).toContainText('Online');
  // The worker has the whole shell before the server goes away.
  await expect.poll(() => till.page.evaluate(async () => (await navigator.serviceWorker.ready).active?.state)).toBe('activated');

  await till.tile('Drop Hoodie — M').click();
  await till.payCash('');
  await expect(till.cart()).toContainText('T1-00001');
  await till.page.getByRole('button', { name: 'New sale' }).click();

  const port = Number(new URL(server.url).port);
  await server.close();
  await expect(till.status()).toContainText('Offline');

  // Reloaded: the till, not the browser's "This site can't be reached". The cashier's session survives a
  // reload as before; the next cashier signs in at the PIN pad, which checks the PIN on the till itself.
  await till.page.reload();
  await expect(till.page.getByRole('search')).toBeVisible();
  await till.page.getByRole('button', { name: /Sign out$/ }).click();
  await till.signIn('1234');
  await expect(till.status()).toContainText('Offline');
  await till.tile('Drop Hoodie — M').click();
  await till.payCash('');
  await expect(till.cart()).toContainText('T1-00002');
  await expect(till.status()).toContainText('1 waiting to sync');
  await till.page.screenshot({ path: 'test-results/screens/offline-reload-sale-1280.png' });

  // Reopened: the browser closed and started again on the same profile, the server still down.
  await ctx.close();
  const again = new TillPage((await launchTill()).pages()[0]!);
  await again.open(server.url);
  await expect(again.page.getByRole('search')).toBeVisible();
  await again.tile('Drop Hoodie — M').click();
  await again.payCash('');
  await expect(again.cart()).toContainText('T1-00003');
  await expect(again.status()).toContainText('2 waiting to sync');

  const back = await startSyncServer({ host: '127.0.0.1', port, dataDir: join(workDir, 'server-data'), adminToken: 'e2e-admin-token-0123456789', appDir: fileURLToPath(new URL('../../renderer/dist', import.meta.url)) });
  try {
    await expect(again.status()).toContainText('Online', { timeout: 20_000 });
    await expect(again.status()).toContainText('0 waiting to sync', { timeout: 20_000 });
    const receipts = await back.hub.read(brandDocName(DEMO_EVENT_ID, 'north-thread'), (doc) =>
      new BrandDoc(doc).sales().items.map((s) => s.receiptNumber).sort(),
    );
    // Each sale exactly once: before the server stopped, after the reload and after the reopening.
    expect(receipts).toEqual(['T1-00001', 'T1-00002', 'T1-00003']);
  } finally {
    await back.close();
  }
});

test('the console stays network-only: the worker does not answer for it', async ({ server, launchTill }) => {
  await seedDemo(server, Date.now());
  const till = new TillPage((await launchTill()).pages()[0]!);
  await till.open(server.url);
  await expect.poll(() => till.page.evaluate(async () => (await navigator.serviceWorker.ready).active?.state)).toBe('activated');
  const precached = await till.page.evaluate(async () => {
    const urls: string[] = [];
    for (const name of await caches.keys()) for (const req of await (await caches.open(name)).keys()) urls.push(new URL(req.url).pathname);
    return urls;
  });
  expect(precached).toContain('/index.html');
  expect(precached.some((p) => p.includes('console'))).toBe(false);
  await server.close();
  const res = await till.page.goto(`${server.url}/console`).catch((err: unknown) => String(err));
  expect(String(res)).toMatch(/ERR_CONNECTION_REFUSED/);
});
