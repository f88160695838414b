import type { Locator, Page } from '@playwright/test';

/** Page model of the organiser console (renderer/src/console), by accessible names only. */
export class ConsolePage {
  constructor(readonly page: Page) {}

  async signIn(serverUrl: string, token: string): Promise<void> {
    await this.page.goto(`${serverUrl}/console`);
    await this.page.getByLabel('Server address').fill(serverUrl);
    await this.page.getByLabel('Organiser token').fill(token);
    await this.page.getByRole('button', { name: 'Sign in' }).click();
  }

  status(): Locator {
    return this.page.getByRole('status', { name: 'Sync status' });
  }

  tab(name: string): Locator {
    return this.page.getByRole('navigation', { name: 'Console sections' }).getByRole('button', { name });
  }

  section(name: string): Locator {
    return this.page.getByRole('region', { name });
  }

  /** The stock grid's cell for a product row (by its visible name) and a holder column (by its label). */
  async stockCell(rowName: string, column: string): Promise<Locator> {
    const grid = this.section('Stock by holder').getByRole('table');
    const headers = await grid.locator('thead th').allTextContents();
    const index = headers.findIndex((h) => h.trim() === column);
    if (index < 0) throw new Error(`no stock column "${column}" (have ${headers.join(', ')})`);
    return grid.getByRole('row').filter({ has: this.page.getByRole('rowheader', { name: rowName }) }).locator('th, td').nth(index);
  }

  async transfer(from: string, to: string, product: string, qty: number): Promise<void> {
    const form = this.section('Move stock');
    await form.getByRole('combobox', { name: 'Action', exact: true }).selectOption('transfer');
    await form.getByRole('combobox', { name: 'From', exact: true }).selectOption({ label: from });
    await form.getByRole('combobox', { name: 'To', exact: true }).selectOption({ label: to });
    await form.getByRole('combobox', { name: 'Product', exact: true }).selectOption({ label: product });
    await form.getByRole('spinbutton', { name: 'Units', exact: true }).fill(String(qty));
    await form.getByRole('button', { name: 'Transfer' }).click();
  }
}
