import { DEMO_EVENT_ID } from '../../core/event/demo-event.ts';
import { seedDemo } from '../../sync-server/demo-seed.ts';
import { expect, test } from './fixtures.ts';
import { TillPage } from './till-page.ts';

test('a defective item is refunded without a manager, offline, and goes to quarantine rather than back on sale', async ({ server, launchTill }) => {
  const till = new TillPage((await launchTill()).pages()[0]!);
  await till.open(server.url);
  await till.startStandAlone();
  await till.tile('Drop Hoodie — M').click();
  await till.payCash('');
  await expect(till.cart()).toContainText('T1-00001');
  await till.page.getByRole('button', { name: 'New sale' }).click();

  await till.page.getByRole('button', { name: 'Refund', exact: true }).click();
  const panel = till.page.getByRole('region', { name: 'Refund' });
  await panel.getByLabel('Receipt number').fill('t1-00001');
  await panel.getByRole('button', { name: 'Find sale' }).click();
  await panel.getByLabel('Units of Drop Hoodie — M to return').fill('1');
  await panel.getByLabel('Reason for Drop Hoodie — M').selectOption('defective');
  await till.page.screenshot({ path: 'test-results/screens/refund-1280.png' });
  await panel.getByRole('button', { name: 'Refund selected' }).click();
  await expect(panel).toContainText('Refund complete');
  await expect(panel).toContainText('Give back €48.30');
  // Sold one, got it back defective: 11 still for sale here.
  await expect(till.tile('Drop Hoodie — M')).toContainText('11 here');

  // A change of mind needs a manager.
  await panel.getByRole('button', { name: 'New sale' }).click();
  await till.tile('Canvas Tote').click();
  await till.payCash('');
  await till.page.getByRole('button', { name: 'New sale' }).click();
  // Scanning the receipt's barcode starts the return for that sale.
  await till.scan('T1-00002');
  await expect(panel.getByLabel('Receipt number')).toHaveValue('T1-00002');
  await panel.getByLabel('Units of Canvas Tote to return').fill('1');
  await panel.getByLabel('Reason for Canvas Tote').selectOption('changed-mind');
  await panel.getByRole('button', { name: 'Refund selected' }).click();
  const approval = panel.getByRole('form', { name: 'Manager approval' });
  await expect(approval).toContainText('This return needs a manager');
  // The cashier's own PIN is not a manager's.
  await approval.getByLabel('Manager PIN').fill('1234');
  await approval.getByRole('button', { name: 'Approve' }).click();
  await expect(approval.getByRole('alert')).toContainText('not a manager');
  await approval.getByLabel('Manager PIN').fill('9999');
  await approval.getByRole('button', { name: 'Approve' }).click();
  await expect(panel).toContainText('Give back €10.50');
});

test('a till of the same booth refunds another till’s sale while online, and the money goes back to the card; the seller then has nothing left to return', async ({ server, launchTill }) => {
  const demo = await seedDemo(server, Date.now() - 5 * 60_000);
  const second = await server.events.createPairingCode(DEMO_EVENT_ID, { name: 'Booth A second till', locationId: 'booth-a', brandIds: ['north-thread'] });
  const a = new TillPage((await launchTill('a')).pages()[0]!);
  await a.open(server.url);
  await a.pair(server.url, demo.tills[0]!.code);
  const b = new TillPage((await launchTill('b')).pages()[0]!);
  await b.open(server.url);
  await b.pair(server.url, second.code);

  // Till A sells a hoodie by card; once the server has the sale, A hands its refund rights to the server.
  await a.tile('Drop Hoodie — M').click();
  await a.payByCard();
  await expect(a.cart()).toContainText('T1-00001');
  await a.page.getByRole('button', { name: 'New sale' }).click();
  await expect(a.status()).toContainText('0 waiting to sync');
  await expect(b.recentSales()).toContainText('T1-00001', { timeout: 20_000 });

  // Till B refunds it: it claims the rights through the server, then pays back to the card.
  await b.page.getByRole('button', { name: 'Refund', exact: true }).click();
  const panel = b.page.getByRole('region', { name: 'Refund' });
  await panel.getByLabel('Receipt number').fill('T1-00001');
  await panel.getByRole('button', { name: 'Find sale' }).click();
  await panel.getByLabel('Units of Drop Hoodie — M to return').fill('1');
  await panel.getByLabel('Reason for Drop Hoodie — M').selectOption('defective');
  await panel.getByRole('button', { name: 'Refund selected' }).click();
  await expect(panel).toContainText('Refund complete', { timeout: 15_000 });
  await expect(panel.getByRole('list', { name: 'Where the money goes' })).toHaveText('€48.30 back to card');

  // Till A, once it has B's refund, shows nothing left to return on its own receipt.
  await a.page.getByRole('button', { name: 'Refund', exact: true }).click();
  const own = a.page.getByRole('region', { name: 'Refund' });
  await own.getByLabel('Receipt number').fill('T1-00001');
  await own.getByRole('button', { name: 'Find sale' }).click();
  await expect(own).toContainText('0 returnable', { timeout: 20_000 });
});
