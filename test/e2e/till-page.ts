import { expect, type Page } from '@playwright/test';

/** Page model of the till: what a cashier does, by accessible name. */
export class TillPage {
  constructor(readonly page: Page) {}

  async open(url: string) {
    await this.page.goto(url);
  }

  async pair(serverUrl: string, code: string, pin = '1234') {
    await this.page.getByLabel('Server address').fill(serverUrl);
    await this.page.getByLabel('Pairing code').fill(code);
    await this.page.getByRole('button', { name: 'Pair', exact: true }).click();
    await this.signIn(pin);
  }

  /** Types the PIN on the keyboard, as a cashier with a keyboard till would. */
  async signIn(pin: string) {
    await expect(this.page.getByRole('heading', { name: 'Sign in' })).toBeVisible({ timeout: 15_000 });
    await this.page.getByLabel('PIN', { exact: true }).fill(pin);
    await this.page.keyboard.press('Enter');
    await expect(this.page.getByRole('search')).toBeVisible();
  }

  status() {
    return this.page.getByRole('status', { name: 'Sync status' });
  }

  async startStandAlone(pin = '1234') {
    await this.page.getByRole('button', { name: 'Start stand-alone with the demo event' }).click();
    await this.signIn(pin);
  }

  tile(name: string) {
    return this.page.getByRole('button', { name: new RegExp(`^${name}`) });
  }

  cart() {
    return this.page.getByRole('region', { name: 'Cart' });
  }

  async payCash(tendered: string) {
    await this.page.getByRole('button', { name: 'Pay' }).click();
    await this.page.getByRole('button', { name: 'Cash' }).click();
    await this.page.getByLabel('Amount tendered').fill(tendered);
    await this.page.getByRole('button', { name: 'Complete sale' }).click();
    await expect(this.cart().getByText('Sale complete')).toBeVisible();
  }

  /** A USB scanner: digits typed within milliseconds, then Enter, with focus anywhere but a text field. */
  async scan(code: string) {
    await this.page.locator('body').click({ position: { x: 5, y: 300 } });
    await this.page.keyboard.type(code, { delay: 5 });
    await this.page.keyboard.press('Enter');
  }

  recentSales() {
    return this.page.getByRole('region', { name: 'Recent sales' });
  }
}
