import { expect, type Page } from '@playwright/test';

/** The opening float the page model counts into the drawer when the till asks for one. */
export const DEFAULT_FLOAT = '100.00';

/** Page model of the till: what a cashier does, by accessible name. */
export class TillPage {
  constructor(readonly page: Page) {}

  async open(url: string) {
    await this.page.goto(url);
  }

  async pair(serverUrl: string, code: string, pin = '1234', float: string | null = DEFAULT_FLOAT) {
    await this.page.getByLabel('Server address').fill(serverUrl);
    await this.page.getByLabel('Pairing code').fill(code);
    await this.page.getByRole('button', { name: 'Pair', exact: true }).click();
    await this.signIn(pin, float);
  }

  /**
   * Types the PIN on the keyboard, as a cashier with a keyboard till would. Selling needs an open shift: when
   * the till asks for one, it is opened with `float` (null: leave the till asking).
   */
  async signIn(pin: string, float: string | null = DEFAULT_FLOAT) {
    await expect(this.page.getByRole('heading', { name: 'Sign in' })).toBeVisible({ timeout: 15_000 });
    await this.page.getByLabel('PIN', { exact: true }).fill(pin);
    await this.page.keyboard.press('Enter');
    await expect(this.page.getByRole('search').or(this.shiftGate())).toBeVisible();
    if (float !== null && (await this.shiftGate().isVisible())) await this.openShiftToSell(float);
  }

  /** The sell screen's request for an opening float, shown while no shift is open. */
  shiftGate() {
    return this.page.getByRole('region', { name: 'Start of shift' });
  }

  async openShiftToSell(float: string) {
    await this.shiftGate().getByLabel('Opening float').fill(float);
    await this.shiftGate().getByRole('button', { name: 'Open shift' }).click();
    await expect(this.page.getByRole('search')).toBeVisible();
  }

  status() {
    return this.page.getByRole('status', { name: 'Sync status' });
  }

  async startStandAlone(pin = '1234', float: string | null = DEFAULT_FLOAT) {
    await this.page.getByRole('button', { name: 'Start stand-alone with the demo event' }).click();
    await this.signIn(pin, float);
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

  async payByCard(reference = '') {
    await this.page.getByRole('button', { name: 'Pay' }).click();
    await this.page.getByRole('button', { name: 'Card', exact: true }).click();
    if (reference) await this.page.getByLabel('Card approval code').fill(reference);
    await this.page.getByRole('button', { name: 'Complete sale' }).click();
    await expect(this.cart().getByText('Sale complete')).toBeVisible();
  }

  // ---- close day: shift, cash movements, count, Z report ----

  dayClose() {
    return this.page.getByRole('region', { name: 'Close day' });
  }

  async openDayClose() {
    await this.page.getByRole('button', { name: 'Close day', exact: true }).click();
    await expect(this.dayClose()).toBeVisible();
  }

  async moveCash(kind: 'Cash in' | 'Cash out', amount: string, reason: 'Change top-up' | 'Banking' | 'Petty cash') {
    const form = this.dayClose().getByRole('form', { name: 'Cash in or out' });
    await form.getByLabel('Amount').fill(amount);
    await form.getByLabel('Reason').selectOption({ label: reason });
    await form.getByRole('button', { name: kind, exact: true }).click();
    await expect(form.getByRole('status')).toHaveText(`${kind} recorded`);
  }

  /** Types the counted cash and closes; resolves once the Z report or a manager's approval shows. */
  async countAndClose(counted: string) {
    await this.dayClose().getByLabel('Counted cash').fill(counted);
    await this.dayClose().getByRole('button', { name: 'Close shift' }).click();
    await expect(this.zReport().or(this.dayClose().getByRole('form', { name: 'Manager approval' }))).toBeVisible();
  }

  zReport() {
    return this.page.getByRole('region', { name: 'Z report' });
  }

  backToTill() {
    return this.dayClose().getByRole('button', { name: 'Back to till' }).click();
  }
}
