import { mkdir } from 'node:fs/promises';
import type { Locator, Page } from '@playwright/test';
import { DEMO_EVENT_ID } from '../../core/event/demo-event.ts';
import { seedDemo } from '../../sync-server/demo-seed.ts';
import { api } from '../../sync-server/test-support.ts';
import { expect, test } from './fixtures.ts';
import { TillPage } from './till-page.ts';
import { BrandDoc, brandDocName } from '../../core/event/schema.ts';
import { RESERVE } from '../../core/ledger/holders.ts';
import { fulfilmentSources } from '../../core/ledger/routing.ts';

/**
 * The drop page (examples/storefront) as a shopper lives a drop: a countdown on the SERVER's clock (the
 * browser's clock here is an hour wrong on purpose), buying locked until the start, per-customer limits
 * shown and kept, a sold-out line leaving the cart, a refusal in words about the cart. Screenshots of each
 * state at phone and desktop size go to docs/screenshots (drop-*.png).
 */
const DIR = process.env.SCREENSHOT_DIR ?? 'docs/screenshots';
const SCREENS = [
  { name: 'phone', width: 390, height: 844 },
  { name: 'desktop', width: 1280, height: 800 },
] as const;

/** Both sizes; on the phone the page is scrolled to `focus` (what the state is about), else to the top. */
async function shoot(page: Page, state: string, focus?: Locator): Promise<void> {
  await mkdir(DIR, { recursive: true });
  for (const s of SCREENS) {
    await page.setViewportSize({ width: s.width, height: s.height });
    if (focus) await focus.evaluate((el) => el.scrollIntoView({ block: 'center' }));
    else await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: `${DIR}/drop-${state}-${s.name}.png` });
  }
  await page.setViewportSize({ width: 1280, height: 800 });
}

const productCard = (page: Page, name: string) => page.getByRole('listitem').filter({ has: page.getByRole('heading', { name, exact: true }) });

test('the drop page counts down on the server clock, locks buying until the start, shows and keeps the limits, and drops sold-out lines from the cart', async ({ server, page }) => {
  test.setTimeout(90_000);
  const startsAt = Date.now() + 9_000;
  const demo = await seedDemo(server, startsAt);
  const limits = await api(server.url, 'PATCH', `/api/events/${DEMO_EVENT_ID}`, { token: demo.organiserToken, body: { buyerLimits: { perCustomerPerProduct: 2, perCustomerPerDrop: 4 } } });
  expect(limits.status).toBe(200);

  // The shopper's computer is an hour fast: a page trusting it would say the drop is open (and be refused).
  await page.clock.setSystemTime(Date.now() + 3_600_000);
  await page.goto(`${server.url}/examples/storefront/?${new URLSearchParams({ token: demo.storefrontToken })}`);
  await expect(page.getByRole('status')).toHaveText('Live stock');
  const timer = page.getByRole('timer', { name: 'The drop starts in' });
  await expect(timer).toHaveText(/^00:0\d$/);
  await expect(page.getByRole('button', { name: 'Reserve' })).toBeDisabled();
  await expect(page.getByText('Reserve unlocks when the drop starts.')).toBeVisible();

  // Limits are shown before anyone is refused; the cart can be filled while waiting.
  const hoodie = productCard(page, 'Drop Hoodie — M');
  await expect(hoodie).toContainText('Limit 2 per customer');
  await expect(page.getByText('Up to 4 items per customer in this drop.')).toBeVisible();
  await page.getByRole('button', { name: 'Add Drop Hoodie — M' }).click();
  await shoot(page, 'before-start');

  // At the start (server time) the page unlocks by itself.
  await expect(page.getByRole('timer', { name: 'The drop ends in' })).toBeVisible({ timeout: 20_000 });
  await expect(page.getByRole('button', { name: 'Reserve' })).toBeEnabled();
  // Keyboard: the second hoodie, then the limit stops a third.
  await page.getByRole('button', { name: 'Add Drop Hoodie — M' }).focus();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('button', { name: 'Add Drop Hoodie — M' })).toBeDisabled();
  await shoot(page, 'live');

  // Other buyers take every phone while it sits in this cart: it leaves the cart, and the shopper is told.
  await page.getByRole('button', { name: 'Add Refurbished Phone 11 — 64 GB' }).click();
  await expect(page.getByRole('list').filter({ has: page.getByText('1 × Refurbished Phone 11 — 64 GB') })).toBeVisible();
  for (let n = 0; n < 10; n++) {
    const s = (await api(server.url, 'GET', `/api/events/${DEMO_EVENT_ID}/stock`, { token: demo.storefrontToken })).body as { items: { sku: string; maxPerOrder: number; price: number }[] };
    const phone = s.items.find((i) => i.sku === 'SL-PHONE-11')!;
    if (phone.maxPerOrder === 0) break;
    const qty = 1;
    const bought = await fetch(`${server.url}/api/events/${DEMO_EVENT_ID}/orders`, {
      method: 'POST',
      headers: { authorization: `Bearer ${demo.storefrontToken}`, 'content-type': 'application/json', 'idempotency-key': `other-${n}` },
      body: JSON.stringify({ lines: [{ brandId: 'second-life', sku: 'SL-PHONE-11', qty }], payment: { method: 'card', amount: phone.price * qty }, customer: { email: `other${n}@example.com`, consent: false } }),
    });
    expect(bought.status).toBe(201);
  }
  await expect(productCard(page, 'Refurbished Phone 11 — 64 GB')).toContainText('Sold out');
  await expect(page.getByText('Refurbished Phone 11 — 64 GB sold out and left your cart.')).toBeVisible();
  await expect(page.getByText('1 × Refurbished Phone 11 — 64 GB')).toHaveCount(0);
  await shoot(page, 'sold-out-line', page.getByText('Refurbished Phone 11 — 64 GB sold out and left your cart.'));

  // Buys the two hoodies, to collect at the east hub.
  await page.getByLabel('Collect at a pick-up point').check();
  await page.getByRole('combobox', { name: 'Pick-up point' }).selectOption('hub-east');
  await page.getByRole('button', { name: 'Reserve' }).click();
  await expect(page.getByText(/Held for you for \d+:\d\d/)).toBeVisible();
  await page.getByLabel('E-mail for your receipt').fill('sam@example.com');
  await page.getByRole('button', { name: 'Place order' }).click();
  await expect(page.locator('#order-status')).toHaveText('Status: placed — Order placed');
  const track = page.getByRole('link', { name: 'Track your order' });
  await expect(track).toHaveAttribute('href', new RegExp(`^${server.url}/t/t_[A-Za-z0-9_-]{43}$`));
  const trackingUrl = (await track.getAttribute('href'))!;
  const orderId = new URL(page.url()).searchParams.get('order')!;
  await shoot(page, 'ordered');

  // The same shopper, again: refused in words about their cart, never the API's developer message.
  await page.getByRole('button', { name: 'Shop again' }).click();
  await page.getByRole('button', { name: 'Add Drop Hoodie — M' }).click();
  await page.getByRole('button', { name: 'Reserve' }).click();
  await page.getByLabel('E-mail for your receipt').fill('sam@example.com');
  await page.getByRole('button', { name: 'Place order' }).click();
  await expect(page.getByRole('alert')).toHaveText('Drop Hoodie — M is limited to 2 per customer, and you already have 2, so we took it out of your cart.');
  await expect(page.getByText('Your cart is empty.')).toBeVisible();
  await shoot(page, 'over-limit', page.getByRole('alert'));

  // The tracking link, opened later (no token in it): it follows the order as the organiser moves it on.
  await page.goto(trackingUrl);
  await expect(page.getByRole('heading', { name: 'Your order' })).toBeVisible();
  await expect(page.locator('#track-status')).toHaveText('We have your order.');
  await expect(page.getByText('Collect it at')).toBeVisible();
  await expect(page.getByText('East micro-hub', { exact: true })).toBeVisible();
  await expect(page.getByText('Open Sat–Sun 10:00–19:00')).toBeVisible();
  await shoot(page, 'tracking-placed');
  for (const status of ['allocated', 'ready']) {
    const moved = await api(server.url, 'POST', `/api/events/${DEMO_EVENT_ID}/orders/${orderId}/status`, { token: demo.organiserToken, body: { status } });
    expect(moved.status).toBe(200);
  }
  await expect(page.locator('#track-status')).toHaveText('Your order is ready: come and collect it.', { timeout: 10_000 });
  await expect(page.getByRole('listitem').filter({ hasText: 'Ready for pick-up' })).toHaveAttribute('aria-current', 'step');
  await shoot(page, 'tracking-ready');
});

test('after the end the drop page says so and sells nothing', async ({ server, page }) => {
  const demo = await seedDemo(server, Date.now() - 8 * 3_600_000 - 60_000);
  await page.goto(`${server.url}/examples/storefront/?${new URLSearchParams({ token: demo.storefrontToken })}`);
  await expect(page.getByRole('heading', { name: 'The drop has ended' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Add Drop Hoodie — M' })).toBeDisabled();
  await expect(page.getByRole('button', { name: 'Reserve' })).toBeDisabled();
  await shoot(page, 'ended');
});

test('with a waiting room a shopper waits for their place, is admitted on time, buys, and watches the hub\'s till move the order to ready; a script with many tickets is refused', async ({ server, page, launchTill }) => {
  test.setTimeout(90_000);
  const demo = await seedDemo(server, Date.now() - 5 * 60_000);
  const on = await api(server.url, 'PUT', `/api/events/${DEMO_EVENT_ID}/queue`, { token: demo.organiserToken, body: { enabled: true, admitPerSecond: 1 } });
  expect(on.status).toBe(200);
  // Five shoppers were here first.
  for (let i = 0; i < 5; i++) {
    const joined = await api(server.url, 'POST', `/api/events/${DEMO_EVENT_ID}/queue/tickets`, { token: demo.storefrontToken, body: { browserKey: `early-shopper-${i}-key-0123456789abcdefghijklmnop` } });
    expect(joined.status).toBe(201);
  }

  await page.goto(`${server.url}/examples/storefront/?${new URLSearchParams({ token: demo.storefrontToken })}`);
  await expect(page.getByText(/^You are in the waiting room: number 6, \d ahead of you\.$/)).toBeVisible();
  await page.getByRole('button', { name: 'Add Drop Hoodie — M' }).click();
  await expect(page.getByRole('button', { name: 'Reserve' })).toBeDisabled();
  await expect(page.getByText('Reserve unlocks when it is your turn.')).toBeVisible();
  await shoot(page, 'queue-waiting');

  // A script on the same network making itself many browsers: a few tickets, then refused (QueueJoinLimited),
  // and its tickets are worth nothing without the key each was issued to.
  const script = await page.evaluate(async ({ api, token }) => {
    const answers: { status: number; type?: string; ticket?: string }[] = [];
    for (let i = 0; i < 15; i++) {
      const key = `script-browser-${i}-0123456789abcdefghijklmnopqrstuvwxyz`;
      const res = await fetch(`${api}/queue/tickets`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ browserKey: key }) });
      const body = (await res.json()) as { type?: string; ticket?: string };
      answers.push({ status: res.status, ...body });
    }
    const stolen = answers.find((a) => a.ticket)!.ticket!;
    const reuse = await fetch(`${api}/reservations`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'queue-ticket': stolen, 'queue-key': 'another-browser-key-0123456789abcdefghijklmnop' }, body: JSON.stringify({ lines: [{ brandId: 'north-thread', sku: 'NT-HOODIE-M', qty: 1 }] }) });
    return { answers, reuse: ((await reuse.json()) as { type: string }).type };
  }, { api: `${server.url}/api/events/${DEMO_EVENT_ID}`, token: demo.storefrontToken });
  expect(script.answers.filter((a) => a.status === 201).length).toBeLessThanOrEqual(10);
  expect(script.answers.at(-1)).toMatchObject({ status: 429, type: 'QueueJoinLimited' });
  expect(script.reuse).toBe('QueueTicketWrongBrowser');

  await expect(page.getByText('It is your turn: you can buy now.')).toBeVisible({ timeout: 15_000 });
  await page.getByLabel('Collect at a pick-up point').check();
  await page.getByRole('combobox', { name: 'Pick-up point' }).selectOption('hub-east');
  await shoot(page, 'queue-admitted');
  await page.getByRole('button', { name: 'Reserve' }).click();
  await expect(page.getByText(/Held for you for \d+:\d\d/)).toBeVisible();
  await page.getByLabel('E-mail for your receipt').fill('queued@example.com');
  await shoot(page, 'buying', page.getByRole('button', { name: 'Place order' }));
  await page.getByRole('button', { name: 'Place order' }).click();
  await expect(page.locator('#order-status')).toHaveText('Status: placed — Order placed');
  const trackingUrl = (await page.getByRole('link', { name: 'Track your order' }).getAttribute('href'))!;

  // The shopper watches the tracking page while the east hub's staff move the order on from their till.
  const till = new TillPage((await launchTill('hub')).pages()[0]!);
  await till.open(server.url);
  await till.pair(server.url, demo.tills.find((t) => t.name === 'East hub till')!.code);
  await expect(till.status()).toContainText('Online');
  await page.goto(trackingUrl);
  await expect(page.locator('#track-status')).toHaveText('We have your order.');
  await till.page.getByRole('button', { name: 'Online orders' }).click();
  const order = till.page.getByRole('dialog', { name: 'Online orders' }).getByRole('listitem', { name: /^Order WEB-/ });
  for (const step of ['Mark allocated', 'Mark picked', 'Mark ready']) await order.getByRole('button', { name: step }).click();
  await expect(order.getByRole('button', { name: 'Mark collected' })).toBeVisible();
  await expect(page.locator('#track-status')).toHaveText('Your order is ready: come and collect it.', { timeout: 10_000 });
  await expect(page.getByRole('listitem').filter({ hasText: 'Ready for pick-up' })).toHaveAttribute('aria-current', 'step');
});

test('a sold-out drop closes its waiting room, and the page says so at once', async ({ server, page }) => {
  const demo = await seedDemo(server, Date.now() - 5 * 60_000);
  const on = await api(server.url, 'PUT', `/api/events/${DEMO_EVENT_ID}/queue`, { token: demo.organiserToken, body: { enabled: true, admitPerSecond: 5 } });
  expect(on.status).toBe(200);
  // Every unit every source of the drop holds goes back to the reserve: nothing is left to sell online.
  const { locations } = await server.events.setup(DEMO_EVENT_ID);
  for (const brandId of ['north-thread', 'second-life', 'mellow-ceramics']) {
    const moves = await server.hub.read(brandDocName(DEMO_EVENT_ID, brandId), (doc, view) =>
      fulfilmentSources(locations).flatMap((src) => new BrandDoc(doc).products().items.map((p) => ({ holder: src.holder, line: { brandId, sku: p.sku, qty: view!.rights(src.holder, p.sku) } }))),
    );
    for (const m of moves) if (m.line.qty > 0) await server.events.transfer(DEMO_EVENT_ID, m.holder, RESERVE, [m.line]);
  }
  await page.goto(`${server.url}/examples/storefront/?${new URLSearchParams({ token: demo.storefrontToken })}`);
  await expect(page.getByText('Sold out: the waiting room is closed.')).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Sold out' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Add Drop Hoodie — M' })).toBeDisabled();
  await shoot(page, 'sold-out');
});
