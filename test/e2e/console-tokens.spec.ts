import { DEMO_EVENT_ID } from '../../core/event/demo-event.ts';
import { newDeviceId } from '../../core/base/ids.ts';
import { webCryptoRandom } from '../../core/base/platform.ts';
import { seedDemo } from '../../sync-server/demo-seed.ts';
import { ConsolePage } from './console-page.ts';
import { expect, test } from './fixtures.ts';

/**
 * The organiser withdraws a leaked storefront token and moves a paired till to a new device from the
 * Set-up tab: the token is refused from then on, and the re-pair code is shown with what it will do.
 */
test('the organiser revokes a storefront token and makes a re-pair code for a paired till', async ({ server, launchTill }) => {
  const demo = await seedDemo(server, Date.now() - 5 * 60_000);
  const paired = await fetch(`${server.url}/api/pair`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code: demo.tills[0]!.code, deviceId: newDeviceId(webCryptoRandom) }) });
  expect(paired.status).toBe(201);

  const page = (await launchTill('console')).pages()[0]!;
  const c = new ConsolePage(page);
  await c.signIn(server.url, demo.organiserToken);
  await expect(c.status()).toContainText('Live');
  await c.tab('Set-up').click();

  const tokens = c.section('Tokens');
  await expect(tokens.getByRole('table', { name: 'Event tokens' })).toContainText('demo storefront');
  await tokens.getByRole('button', { name: 'Revoke demo storefront' }).click();
  await tokens.getByRole('button', { name: 'Yes, revoke demo storefront' }).click();
  await c.expectOk(/^Revoked demo storefront/);
  await expect(tokens.getByRole('row').filter({ hasText: 'demo storefront' })).toContainText('revoked');
  const refused = await fetch(`${server.url}/api/events/${DEMO_EVENT_ID}/stock`, { headers: { authorization: `Bearer ${demo.storefrontToken}` } });
  expect(refused.status).toBe(401);
  await tokens.screenshot({ path: 'test-results/screens/console-tokens-1280.png' });

  const tills = c.section('Tills');
  await tills.getByRole('button', { name: 'Re-pair Booth A till' }).click();
  await tills.getByRole('button', { name: 'Yes, make a re-pair code' }).click();
  await expect(tills.getByRole('list', { name: 'Pairing codes' })).toContainText('re-pair: the device that pairs with it replaces the current one');
  await tills.screenshot({ path: 'test-results/screens/console-tills-repair-1280.png' });
});
