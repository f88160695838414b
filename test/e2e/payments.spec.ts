import { expect, test } from './fixtures.ts';
import { TillPage } from './till-page.ts';

test('a split payment takes part by card and the rest in cash with change', async ({ server, launchTill }) => {
  const till = new TillPage((await launchTill()).pages()[0]!);
  await till.open(server.url);
  await till.startStandAlone();
  await till.tile('Drop Hoodie — M').click();
  await till.tile('Canvas Tote').click();
  await expect(till.cart().getByLabel('Total')).toHaveText('€58.80');
  await till.page.getByRole('button', { name: 'Pay' }).click();
  await till.page.getByRole('button', { name: 'Card' }).click();
  await till.page.getByLabel('Split payment').check();
  await till.page.getByLabel('Amount of this payment').fill('40');
  await till.page.getByLabel('Card approval code').fill('AUTH-19');
  await till.page.getByRole('button', { name: 'Add payment' }).click();
  await expect(till.page.getByRole('list', { name: 'Payments taken' })).toContainText('€18.80');
  await till.page.getByRole('button', { name: 'Cash' }).click();
  await till.page.getByLabel('Split payment').uncheck();
  await till.page.screenshot({ path: 'test-results/screens/split-payment-1280.png' });
  await till.page.getByRole('group', { name: 'Quick cash' }).getByRole('button', { name: '€20.00' }).click();
  await expect(till.cart()).toContainText('Sale complete');
  await expect(till.cart()).toContainText('Change due €1.20');
});

test('cash below the total is refused with what is missing, and quick cash completes at once', async ({ server, launchTill }) => {
  const till = new TillPage((await launchTill()).pages()[0]!);
  await till.open(server.url);
  await till.startStandAlone();
  await till.tile('Logo Tee — Black M').click();
  await till.page.getByRole('button', { name: 'Pay' }).click();
  await till.page.getByLabel('Amount tendered').fill('15');
  await till.page.getByRole('button', { name: 'Complete sale' }).click();
  await expect(till.page.getByRole('alert')).toContainText('€5.30 short of €20.30');
  await expect(till.cart()).not.toContainText('Sale complete');
  // Quick cash for €20.30: exact, €25, €30, €40.
  await till.page.getByRole('group', { name: 'Quick cash' }).getByRole('button', { name: '€40.00' }).click();
  await expect(till.cart()).toContainText('Change due €19.70');
});

test('a consenting customer is kept only as a hash, with the creator code, on the sale', async ({ server, launchTill }) => {
  const till = new TillPage((await launchTill()).pages()[0]!);
  await till.open(server.url);
  await till.startStandAlone();
  await till.tile('Rib Socks').click();
  await till.page.getByRole('button', { name: 'Pay' }).click();
  await till.page.getByText('Customer and creator code').click();
  await till.page.getByLabel('Customer e-mail').fill('Ana@Example.com');
  await till.page.getByLabel('Customer agrees to be contacted').check();
  await till.page.getByLabel('Creator code').fill('LEA10');
  await till.page.getByRole('button', { name: 'Complete sale' }).click();
  await expect(till.cart()).toContainText('Sale complete');
  const sale = await till.page.evaluate(async () => {
    const open = indexedDB.open('popup-pos');
    const db = await new Promise<IDBDatabase>((resolve) => (open.onsuccess = () => resolve(open.result)));
    const all = db.transaction('sales').objectStore('sales').getAll();
    return new Promise<{ source?: string; customer?: unknown }[]>((resolve) => (all.onsuccess = () => resolve(all.result)));
  });
  expect(sale).toHaveLength(1);
  expect(sale[0]!.source).toBe('LEA10');
  // SHA-256 of "ana@example.com": the address itself is nowhere in the sale.
  expect(sale[0]!.customer).toEqual({ consent: true, emailSha256: '8e43ca37701228e74983efdbd0cff5c16b3b1e5d4e29a7c05626d4d25a018e11' });
  expect(JSON.stringify(sale)).not.toContain('xample');
});
