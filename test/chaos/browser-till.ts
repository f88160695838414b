import type { Browser, BrowserContext, Page } from '@playwright/test';
import * as Y from 'yjs';
import { DEMO_PRODUCTS } from '../../core/event/demo-event.ts';
import type { Sale } from '../../core/selling/sale.ts';
import type { ChaosLink } from './proxy.ts';
import type { Prng } from './prng.ts';
import type { RunRecord } from './record.ts';
import { docMaps, docsFromRows, type DocMaps, type RawDocRows } from './replica.ts';

/**
 * A till in headless Chromium running the real renderer, served and synced through its own ChaosLink (the
 * page's origin is the link, so its IndexedDB survives server restarts and its pairing URL is the link).
 * It sells the way a cashier does: scan, Pay, Card, Complete sale; a sale counts as confirmed when the
 * screen shows "Sale complete" and its receipt number.
 */
/** Runs in the page: every row of the till's IndexedDB tables that the checks read, as plain data. */
const READ_DB = `(async () => {
  const db = await new Promise((resolve, reject) => {
    const req = indexedDB.open('popup-pos');
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
  const all = (store) => new Promise((resolve, reject) => {
    const req = db.transaction(store, 'readonly').objectStore(store).getAll();
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
  const snapshots = await all('snapshots');
  const updates = await all('updates');
  const sales = await all('sales');
  const stock = await all('stock');
  db.close();
  return {
    rows: {
      snapshots: snapshots.map((s) => ({ doc: s.doc, state: [...s.state], upTo: s.upTo })),
      updates: updates.map((u) => ({ seq: u.seq, doc: u.doc, update: [...u.update], synced: u.synced })),
    },
    sales,
    stock,
    outbox: updates.filter((u) => u.synced === 0).length,
  };
})()`;

const SELLABLE = DEMO_PRODUCTS.filter((p) => (p.brandId === 'north-thread' || p.brandId === 'mellow-ceramics') && !p.serialTracked);

export class BrowserTill {
  private context!: BrowserContext;
  page!: Page;

  constructor(
    readonly name: string,
    readonly link: ChaosLink,
    private readonly rng: Prng,
    private readonly record: RunRecord,
  ) {}

  async open(browser: Browser): Promise<void> {
    this.context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    this.page = await this.context.newPage();
    await this.load(() => this.page.goto(`${this.link.url}/`));
  }

  async pair(code: string): Promise<void> {
    const page = this.page;
    await page.getByLabel('Server address').fill(this.link.url);
    await page.getByLabel('Pairing code').fill(code);
    await page.getByRole('button', { name: 'Pair', exact: true }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor({ timeout: 30_000 });
    await page.getByLabel('PIN', { exact: true }).fill('1234');
    await page.keyboard.press('Enter');
    const gate = page.getByRole('region', { name: 'Start of shift' });
    await page.getByRole('search').or(gate).waitFor({ timeout: 30_000 });
    if (await gate.isVisible()) {
      await gate.getByLabel('Opening float').fill('100.00');
      await gate.getByRole('button', { name: 'Open shift' }).click();
    }
    await page.getByRole('search').waitFor({ timeout: 30_000 });
  }

  /** Loads (or reloads) the page; retried, since the server may be restarting at that moment. */
  private async load(go: () => Promise<unknown>): Promise<void> {
    const end = Date.now() + 60_000;
    for (;;) {
      try {
        await go();
        await this.page.locator('#root *').first().waitFor({ timeout: 15_000 });
        return;
      } catch (err) {
        if (Date.now() > end) throw err;
        await new Promise((r) => setTimeout(r, 300));
        go = () => this.page.goto(`${this.link.url}/`);
      }
    }
  }

  /** One sale through the screen; with `reload`, the page is reloaded the moment "Complete sale" is pressed. */
  async sell(opts: { reloadMidSale: boolean; reloadAfter: boolean }): Promise<void> {
    const page = this.page;
    const cart = page.getByRole('region', { name: 'Cart' });
    // Once Complete sale is pressed, a failure leaves the sale unconfirmed but possibly committed.
    let pressed = false;
    try {
      const product = this.rng.pick(SELLABLE);
      await page.locator('body').click({ position: { x: 5, y: 300 } });
      await page.keyboard.type(product.barcodes[0]!, { delay: 5 });
      await page.keyboard.press('Enter');
      const pay = page.getByRole('button', { name: 'Pay', exact: true });
      try {
        await pay.waitFor({ timeout: 3000 });
      } catch {
        this.record.counters.refusedOutOfRights++;
        return;
      }
      await pay.click();
      await page.getByRole('button', { name: 'Card', exact: true }).click();
      const complete = page.getByRole('button', { name: 'Complete sale' });
      if (opts.reloadMidSale) {
        // The cashier presses Complete sale and the till dies at once: the sale may or may not have landed.
        await complete.click({ noWaitAfter: true });
        this.record.counters.interruptedSales++;
        await this.reload();
        return;
      }
      await complete.click();
      pressed = true;
      await cart.getByText('Sale complete').waitFor({ timeout: 15_000 });
      const receiptNumber = (await cart.locator('.receipt strong').textContent())?.trim();
      if (!receiptNumber) throw new Error('no receipt number on "Sale complete"');
      this.record.sales.push({ till: this.name, brandId: product.brandId, receiptNumber, total: -1, override: false });
      this.record.counters.sales++;
      this.record.counters.salesBrowser++;
      if (opts.reloadAfter) await this.reload();
      else await page.getByRole('button', { name: 'New sale' }).click();
    } catch (err) {
      // What the screen said, if anything (a refusal shows as an alert): the report names the cause.
      const said = await page
        .getByRole('alert')
        .allTextContents()
        .catch(() => []);
      this.record.error(this.name, said.length ? new Error(`${err instanceof Error ? err.message.split('\n')[0] : String(err)}; the screen said: ${said.join(' / ')}`) : err);
      if (pressed) this.record.counters.interruptedSales++;
      await this.reload().catch((e: unknown) => this.record.error(this.name, e));
    }
  }

  async reload(): Promise<void> {
    await this.load(() => this.page.reload());
    await this.page.getByRole('search').or(this.page.getByRole('heading', { name: 'Sign in' })).waitFor({ timeout: 30_000 });
    if (await this.page.getByRole('heading', { name: 'Sign in' }).isVisible()) {
      await this.page.getByLabel('PIN', { exact: true }).fill('1234');
      await this.page.keyboard.press('Enter');
      await this.page.getByRole('search').waitFor({ timeout: 30_000 });
    }
    this.record.counters.reloadsBrowser++;
  }

  /** The till's IndexedDB, read raw in the page: documents, outbox size, the sales and stock views. */
  async readDb(): Promise<{ rows: RawDocRows; sales: Sale[]; stock: { brandId: string; holder: string; sku: string; sellable: number; quarantined: number }[]; outbox: number }> {
    // Passed as source text: the test's compiler (tsx) would wrap named functions in a helper the page lacks.
    return this.page.evaluate(READ_DB);
  }

  async replica(): Promise<{ docs: Map<string, DocMaps>; stateVectors: Map<string, Uint8Array>; sales: Sale[]; stock: { brandId: string; holder: string; sku: string; sellable: number; quarantined: number }[]; outbox: number }> {
    const { rows, sales, stock, outbox } = await this.readDb();
    const docs = docsFromRows(rows);
    return {
      docs: new Map([...docs].map(([n, d]) => [n, docMaps(d)])),
      stateVectors: new Map([...docs].map(([n, d]) => [n, Y.encodeStateVector(d)])),
      sales,
      stock,
      outbox,
    };
  }

  async close(): Promise<void> {
    await this.context.close().catch(() => undefined);
  }
}
