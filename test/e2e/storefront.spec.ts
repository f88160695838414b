import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Page } from '@playwright/test';
import { DEMO_EVENT_ID } from '../../core/event/demo-event.ts';
import { seedDemo } from '../../sync-server/demo-seed.ts';
import { staticFiles } from '../../sync-server/static-files.ts';
import { api } from '../../sync-server/test-support.ts';
import { expect, test } from './fixtures.ts';
import { TillPage } from './till-page.ts';

/**
 * The online drop end to end: the example storefront, served from its own origin (as a brand's web store
 * is), reads live stock over SSE, reserves and orders against a real sync server (CORS allowed for that
 * origin by the organiser); the order is routed to the nearest hub holding it; the till at that hub sees it
 * under "Online orders" and advances it to ready; the storefront shows "ready".
 */
const SHOTS = 'test-results/screens';

async function shoot(page: Page, name: string) {
  for (const [w, h] of [
    [1280, 800],
    [1024, 768],
  ] as const) {
    await page.setViewportSize({ width: w, height: h });
    await page.screenshot({ path: `${SHOTS}/${name}-${w}.png` });
  }
  await page.setViewportSize({ width: 1280, height: 800 });
}

test('an order from the example storefront is routed to the nearest hub with stock, fulfilled from that hub’s till, and the storefront shows it ready', async ({ server, launchTill }) => {
  await mkdir(SHOTS, { recursive: true });
  const demo = await seedDemo(server, Date.now() - 5 * 60_000);

  // The example storefront on its own origin (another port), allowed by the organiser.
  const shop = createServer((req, res) => {
    void staticFiles(fileURLToPath(new URL('../../examples/storefront', import.meta.url)))(req, res);
  });
  await new Promise<void>((r) => shop.listen(0, '127.0.0.1', () => r()));
  const shopOrigin = `http://127.0.0.1:${(shop.address() as AddressInfo).port}`;
  try {
    const allowed = await api(server.url, 'PUT', `/api/events/${DEMO_EVENT_ID}/storefront/origins`, { token: demo.organiserToken, body: { origins: [shopOrigin] } });
    expect(allowed.status).toBe(200);

    // The east hub's till, paired.
    const hubCode = demo.tills.find((t) => t.name === 'East hub till')!.code;
    const till = new TillPage((await launchTill('hub')).pages()[0]!);
    await till.open(server.url);
    await till.pair(server.url, hubCode);
    await expect(till.status()).toContainText('Online');

    // A customer shops.
    const customer = (await launchTill('customer')).pages()[0]!;
    const q = new URLSearchParams({ server: server.url, event: DEMO_EVENT_ID, token: demo.storefrontToken });
    await customer.goto(`${shopOrigin}/index.html?${q}`);
    await expect(customer.getByRole('status')).toHaveText('Live stock');
    const hoodie = customer.getByRole('listitem').filter({ has: customer.getByRole('heading', { name: 'Drop Hoodie — M' }) });
    // 10 online, 10 at the central hub, 4 at the east hub.
    await expect(hoodie).toContainText('24 left');
    await customer.getByRole('button', { name: 'Add Drop Hoodie — M' }).click();
    await customer.getByRole('button', { name: 'Add Drop Hoodie — M' }).click();
    await customer.getByLabel('Collect at a pick-up point').check();
    await customer.getByRole('combobox', { name: 'Pick-up point' }).selectOption('hub-east');
    await customer.getByRole('button', { name: 'Reserve' }).click();
    await expect(customer.getByText(/Held for you for \d+:\d\d/)).toBeVisible();
    // The stream shows the hold to everyone at once.
    await expect(hoodie).toContainText('22 left');
    await shoot(customer, 'storefront-cart');

    await customer.getByLabel('E-mail for your receipt').fill('alex@example.com');
    await customer.getByRole('button', { name: 'Place order' }).click();
    const status = customer.locator('#order-status');
    await expect(status).toHaveText('Status: placed — Order placed');
    await expect(customer.getByText('Prepared at East micro-hub, where you collect it.')).toBeVisible();

    // Routed to the east hub on the server too, its units taken from the hub's holder.
    const orders = await api(server.url, 'GET', `/api/events/${DEMO_EVENT_ID}/locations/hub-east/orders`, { token: demo.organiserToken });
    expect((orders.body as { orders: { routedTo: string; receiptNumber: string }[] }).orders).toEqual([expect.objectContaining({ routedTo: 'hub-east', receiptNumber: 'WEB-00001' })]);

    // The hub's staff fulfil it from their till.
    await till.page.getByRole('button', { name: 'Online orders' }).click();
    const panel = till.page.getByRole('dialog', { name: 'Online orders' });
    const order = panel.getByRole('listitem', { name: 'Order WEB-00001' });
    await expect(order).toContainText('2 × Drop Hoodie — M');
    await expect(order).toContainText('Collect at East micro-hub');
    await shoot(till.page, 'online-orders-new');
    await order.getByRole('button', { name: 'Mark allocated' }).click();
    await order.getByRole('button', { name: 'Mark picked' }).click();
    await expect(order).toContainText('Picked');
    await expect(status).toHaveText('Status: picked — Packed', { timeout: 10_000 });
    // Keyboard: the next step's button takes focus and Enter.
    await order.getByRole('button', { name: 'Mark ready' }).focus();
    await till.page.keyboard.press('Enter');
    await expect(order.getByRole('button', { name: 'Mark collected' })).toBeVisible();
    await shoot(till.page, 'online-orders-ready');

    await expect(status).toHaveText('Status: ready — Ready for pick-up', { timeout: 10_000 });
    await expect(customer.locator('#order-status')).toHaveAttribute('data-status', 'ready');
    await shoot(customer, 'storefront-order-ready');

    // Offline, the panel says so.
    await server.close();
    await expect(panel.getByText(/^Offline: the server cannot be reached/)).toBeVisible({ timeout: 10_000 });
    await expect(order.getByRole('button', { name: 'Mark collected' })).toBeDisabled();
    await shoot(till.page, 'online-orders-offline');
  } finally {
    await new Promise<void>((r) => shop.close(() => r()));
  }
});
