import { expect, type Locator, type Page } from '@playwright/test';

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

  /** One line of the multi-line stock form: `from` undefined is a delivery. */
  private async moveLine(from: string | undefined, to: string, product: string, qty: number): Promise<void> {
    const form = this.section('Move stock');
    await form.getByRole('combobox', { name: 'From, line 1' }).selectOption({ label: from ?? 'A delivery (received)' });
    await form.getByRole('combobox', { name: 'To, line 1' }).selectOption({ label: to });
    await form.getByRole('combobox', { name: 'Product, line 1' }).selectOption({ label: product });
    await form.getByRole('spinbutton', { name: 'Units, line 1' }).fill(String(qty));
    await form.getByRole('button', { name: 'Move 1 line(s)' }).click();
  }

  async transfer(from: string, to: string, product: string, qty: number): Promise<void> {
    await this.moveLine(from, to, product, qty);
  }

  async receive(at: string, product: string, qty: number): Promise<void> {
    await this.moveLine(undefined, at, product, qty);
    await this.expectOk(/^Moved/);
  }

  /** Receives and transfers from a pasted CSV (the "Stock from a file" card). */
  async moveStockCsv(csv: string): Promise<void> {
    const form = this.section('Stock from a file');
    await form.getByRole('textbox', { name: 'Or paste the CSV' }).fill(csv);
    await form.getByRole('button', { name: /^Move stock/ }).click();
  }

  /** The last action's message: an error fails the test with the server's own words. */
  async expectOk(text: RegExp): Promise<void> {
    const alert = this.page.getByRole('alert');
    const ok = this.page.locator('.banner.info').filter({ hasText: text });
    await expect(ok.or(alert)).toBeVisible();
    if (await alert.isVisible()) throw new Error(`the console said: ${await alert.textContent()}`);
  }

  /** A dashboard total's figure, e.g. kpi('Orders'). */
  kpi(label: string): Locator {
    return this.section('Totals').getByRole('group', { name: label }).locator('.value');
  }

  async createEvent(f: { id: string; name: string; timeZone: string; currency: string; startsAt: string; endsAt: string }): Promise<void> {
    const form = this.section('Create an event');
    await form.getByRole('textbox', { name: 'Event id' }).fill(f.id);
    await form.getByRole('textbox', { name: 'Name' }).fill(f.name);
    await form.getByRole('textbox', { name: 'Time zone' }).fill(f.timeZone);
    await form.getByRole('textbox', { name: 'Currency' }).fill(f.currency);
    await form.getByLabel('Drop starts (event time)').fill(f.startsAt);
    await form.getByLabel('Drop ends (event time)').fill(f.endsAt);
    await form.getByRole('button', { name: 'Create event' }).click();
    await expect(this.page.getByRole('heading', { level: 1, name: f.name })).toBeVisible();
  }

  async saveBrand(id: string, name: string, commissionPercent: string, boothFee: string): Promise<void> {
    const form = this.section('Brands');
    await form.getByRole('textbox', { name: 'Brand id' }).fill(id);
    await form.getByRole('textbox', { name: 'Brand name' }).fill(name);
    await form.getByRole('spinbutton', { name: 'Commission %' }).fill(commissionPercent);
    await form.getByRole('spinbutton', { name: 'Booth fee' }).fill(boothFee);
    await form.getByRole('button', { name: 'Save brand' }).click();
    await expect(form.getByRole('row', { name: new RegExp(`^${name} ${id}`) })).toBeVisible();
  }

  async saveLocation(l: { id: string; kind: string; name: string; lat?: number; lon?: number }): Promise<void> {
    const form = this.section('Locations');
    await form.getByRole('textbox', { name: 'Location id' }).fill(l.id);
    await form.getByRole('combobox', { name: 'Kind' }).selectOption(l.kind);
    await form.getByRole('textbox', { name: 'Location name' }).fill(l.name);
    if (l.lat !== undefined) await form.getByRole('spinbutton', { name: 'Latitude' }).fill(String(l.lat));
    if (l.lon !== undefined) await form.getByRole('spinbutton', { name: 'Longitude' }).fill(String(l.lon));
    await form.getByRole('button', { name: 'Save location' }).click();
    await expect(form.getByRole('row', { name: new RegExp(`^${l.name} ${l.id}`) })).toBeVisible();
  }

  async importCatalog(csv: string): Promise<void> {
    const form = this.section('Catalog');
    await form.getByRole('textbox', { name: 'Or paste the CSV' }).fill(csv);
    await form.getByRole('button', { name: /^Import catalog/ }).click();
    await this.expectOk(/^Imported/);
  }

  async saveStaff(id: string, name: string, role: 'cashier' | 'manager', pin: string): Promise<void> {
    const form = this.section('Staff');
    await form.getByRole('textbox', { name: 'Staff id' }).fill(id);
    await form.getByRole('textbox', { name: 'Name' }).fill(name);
    await form.getByRole('combobox', { name: 'Role' }).selectOption(role);
    await form.getByLabel('PIN (4–8 digits)').fill(pin);
    await form.getByRole('button', { name: 'Save staff member' }).click();
    await this.expectOk(/can sign in/);
  }

  /** Makes a pairing code for a new till and returns it. */
  async pairingCode(name: string, location: string, brands: string[]): Promise<string> {
    const form = this.section('Tills');
    await form.getByRole('textbox', { name: 'Till name' }).fill(name);
    await form.getByRole('combobox', { name: 'Location' }).selectOption({ label: location });
    for (const b of brands) await form.getByRole('checkbox', { name: b }).check();
    await form.getByRole('button', { name: 'Make pairing code' }).click();
    const item = form.getByRole('list', { name: 'Pairing codes' }).getByRole('listitem').filter({ hasText: `${name}:` });
    return (await item.locator('.pairing-code').textContent())!.trim();
  }

  async issueStorefrontToken(label: string): Promise<string> {
    const form = this.section('Tokens');
    await form.getByRole('textbox', { name: 'Label' }).fill(label);
    await form.getByRole('button', { name: 'Issue token' }).click();
    const line = form.getByText(new RegExp(`storefront token for ${label}`));
    return (await line.locator('code').textContent())!.trim();
  }
}
