import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { build } from 'vite';
import { LINES_PER_CART, type BenchWindow, type StartProfile, type StartResult } from './browser/api.ts';
import { isMain, printReport, spliceSection, type BenchReport } from './report.ts';
import { median, percentile } from './stats.ts';
import { serveDir } from './static-server.ts';

/**
 * The real LocalStore in Chromium: sale commit latency, and a till's start on a big database. Builds the
 * page in bench/browser with vite, serves it on 127.0.0.1, drives Debian's chromium through playwright-core.
 */
const SALES = 1_000;
const STARTS = 5;
const SCANS = 250;
const TILL_DB = 'bench-till';
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

export interface BrowserBenchResult extends BenchReport {
  browserVersion: string;
  profile: StartProfile;
  /** Scan to cart on the rendered till: a section of its own. */
  scan: BenchReport;
}

// A persistent profile on disk: a plain `browser.newContext()` is incognito, whose IndexedDB lives in memory.
const launch = (profileDir: string) =>
  chromium.launchPersistentContext(profileDir, { executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS, headless: true });

async function openPage(ctx: BrowserContext, url: string): Promise<Page> {
  const page = ctx.pages()[0] ?? (await ctx.newPage());
  page.on('pageerror', (err) => console.error(`[page] ${err.message}`));
  await page.goto(url);
  return page;
}

const list = (rs: StartResult[]) => rs.map((r) => Math.round(r.sellReady).toLocaleString('en-US')).join(', ');

const started = (page: Page) => page.evaluate(() => (window as unknown as BenchWindow).benchStart!);

export async function browserBench(): Promise<BrowserBenchResult> {
  const outDir = fileURLToPath(new URL('./out/browser/', import.meta.url));
  await build({ configFile: fileURLToPath(new URL('./browser/vite.config.ts', import.meta.url)), logLevel: 'warn' });
  const server = await serveDir(outDir);
  const profileDir = await mkdtemp(join(tmpdir(), 'popup-bench-'));
  let ctx = await launch(profileDir);
  try {
    const page = await openPage(ctx, server.url);
    // The user agent's version is frozen at <major>.0.0.0; the browser itself knows the full one.
    const browserVersion = ctx.browser()?.version() ?? 'unknown';

    const sales = await page.evaluate((n) => (window as unknown as BenchWindow).bench.saleCommit(n), SALES);
    const seed = await page.evaluate((db) => (window as unknown as BenchWindow).bench.seedTill(db), TILL_DB);

    // Till start: the page opens the store as it loads; first a navigation, then reloads.
    const startUrl = `${server.url}?start=${TILL_DB}`;
    await page.goto(startUrl);
    const starts: StartResult[] = [await started(page)];
    while (starts.length < STARTS) {
      await page.reload();
      starts.push(await started(page));
    }
    await page.goto(`${server.url}?profile=${TILL_DB}`);
    const profile = await page.evaluate(() => (window as unknown as BenchWindow).benchProfile!);

    // The same start after a browser restart: nothing of the database or the bundle is warm in Chromium.
    const restarts: StartResult[] = [];
    while (restarts.length < STARTS) {
      await ctx.close();
      ctx = await launch(profileDir);
      restarts.push(await started(await openPage(ctx, startUrl)));
    }

    // And once the till has synced and compacted: a snapshot instead of update rows.
    const page2 = ctx.pages()[0]!;
    const compacted = await page2.evaluate((db) => (window as unknown as BenchWindow).bench.compactTill(db), TILL_DB);
    const compactStarts: StartResult[] = [];
    while (compactStarts.length < STARTS) {
      await page2.reload();
      compactStarts.push(await started(page2));
    }

    // Scan to cart on the rendered till, on the same 20k-product database.
    await page2.goto(`${server.url}?scan=${TILL_DB}&n=${SCANS}`);
    const scan = await page2.evaluate(() => (window as unknown as BenchWindow).benchScan!);

    const measured = `Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC.`;
    const scanReport: BenchReport = {
      title: 'Scan to cart: the rendered till on 20k products and 100k ledger entries',
      figures: [
        { name: `scan to line in cart p50 (${scan.toDom.length} scans, ${scan.products.toLocaleString('en-US')} products)`, value: percentile(scan.toDom, 50), unit: 'ms', digits: 1 },
        { name: 'scan to line in cart p95', value: percentile(scan.toDom, 95), unit: 'ms', target: 16, digits: 1 },
        { name: 'scan to line in cart p99', value: percentile(scan.toDom, 99), unit: 'ms', digits: 1 },
        { name: 'scan to line in cart max', value: Math.max(...scan.toDom), unit: 'ms', digits: 1 },
        { name: '… to the next animation frame, p95', value: percentile(scan.toFrame, 95), unit: 'ms', digits: 1 },
      ],
      method: [
        measured,
        `Chromium ${browserVersion} headless, the seeded database of the till-start figures (compacted). Scan to cart: the till's App (React, the real stores and styles) rendered at 1280×720 on the seeded database with a shift open; each scan is a random seeded product's 13-digit barcode then Enter, dispatched as keydown events on the page (what a USB scanner's keyboard does), timed from the first keystroke until the cart's DOM holds the product's line and has been laid out (a MutationObserver, then a forced layout). A new sale every ${LINES_PER_CART} lines, so carts stay the size real ones are. "Next animation frame" adds the wait for the display's next 60 Hz frame, up to 16.7 ms of which is vsync, not work.`,
      ],
    };

    const ready = (rs: StartResult[]) => median(rs.map((r) => r.sellReady));
    const MB = 1024 * 1024;
    return {
      title: 'Browser: the real LocalStore in Chromium (IndexedDB through Dexie)',
      browserVersion,
      profile,
      scan: scanReport,
      figures: [
        { name: `sale commit p50 (${SALES} sales)`, value: percentile(sales, 50), unit: 'ms', digits: 1 },
        { name: 'sale commit p95', value: percentile(sales, 95), unit: 'ms', digits: 1 },
        { name: 'sale commit p99', value: percentile(sales, 99), unit: 'ms', target: 10, digits: 1 },
        { name: 'sale commit max', value: Math.max(...sales), unit: 'ms', digits: 1 },
        { name: `seed: ${seed.products} products + ${seed.entries} entries`, value: seed.seedMs / 1000, unit: 's', digits: 1 },
        { name: 'storage used after seeding (IndexedDB)', value: (seed.indexedDbBytes ?? seed.usageBytes ?? NaN) / MB, unit: 'MiB', digits: 1 },
        { name: `till start to sell-ready, median of ${STARTS} loads`, value: ready(starts), unit: 'ms', target: 1500 },
        { name: '… of which bundle loaded (module start)', value: median(starts.map((r) => r.moduleStart)), unit: 'ms' },
        { name: '… of which LocalStore.open', value: median(starts.map((r) => r.opened - r.moduleStart)), unit: 'ms' },
        { name: `till start after a browser restart, median of ${STARTS}`, value: ready(restarts), unit: 'ms', target: 1500 },
        { name: '… of which bundle loaded (module start)', value: median(restarts.map((r) => r.moduleStart)), unit: 'ms' },
        { name: '… of which LocalStore.open', value: median(restarts.map((r) => r.opened - r.moduleStart)), unit: 'ms' },
        { name: `till start, compacted (${compacted.updateRows} update rows left)`, value: ready(compactStarts), unit: 'ms', target: 1500 },
      ],
      method: [
        // A section can be refreshed alone (--write), so it carries its own date beside the file's.
        measured,
        `Chromium ${browserVersion} headless, persistent profile on disk (an incognito context keeps IndexedDB in memory); the page is built by vite from bench/browser and served from 127.0.0.1.`,
        `Sale commit: a fresh stand-alone demo till (setUpStandAloneDemo) with extra stock received into its holder; ${SALES} one-unit card sales one after another, cycling through the demo's products that are not serial-tracked; each \`commitSale\` timed with performance.now() until it resolves, i.e. after its IndexedDB transaction committed. Pricing before the commit is not timed. No warm-up: the first sales are in the figures.`,
        `Till start: a database seeded through the store's own write paths (putProducts in batches of 2,000; one receipt of 10 units per product then 80k one-unit sale entries, appendEntries of 5,000 entries per call: ${profile.updateRows} update rows, no snapshot). The page opens the store as it loads; sell-ready = LocalStore.open resolved and a barcode lookup plus \`rights()\` answer; measured from navigation start (performance.now() in the page). Navigations after the first are \`page.reload()\`; a restart closes Chromium and launches it again on the same profile.`,
        `Sell-ready samples (ms), in order: loads ${list(starts)}; restarts ${list(restarts)}; compacted ${list(compactStarts)}.`,
        'Compacted: every update marked acknowledged and `compact()` run, so the brand documents load from one v2 snapshot.',
        'Storage: navigator.storage.estimate().usageDetails.indexedDB after seeding (the whole origin, the sale-commit database included).',
      ],
    };
  } finally {
    await ctx.close().catch(() => undefined);
    await server.close();
    await rm(profileDir, { recursive: true, force: true });
  }
}

/** The till-start breakdown as a report of its own (no targets): where the start's time goes. */
export function profileReport(p: StartProfile): BenchReport {
  const ms = (name: string, value: number) => ({ name, value, unit: 'ms', digits: 1 });
  const steps = p.dexieOpen + p.metaReads + p.docReads + p.yjsMerge + p.yjsApply + p.viewReads + p.viewRestore + p.productReads + p.productIndex;
  return {
    title: 'Till start breakdown (uncompacted database, replayed step by step)',
    figures: [
      ms('Dexie open', p.dexieOpen),
      ms('meta reads (identity, clock, profile)', p.metaReads),
      ms('document reads (snapshots + update rows)', p.docReads),
      ms('Y.mergeUpdates of the update rows', p.yjsMerge),
      ms('Y.applyUpdate', p.yjsApply),
      ms('view reads (stock, totals, exceptions)', p.viewReads),
      ms('StockView.restore', p.viewRestore),
      ms('product reads', p.productReads),
      ms('product + barcode index', p.productIndex),
      ms('sum of the steps above', steps),
      ms('for comparison, not part of a start: rows applied one by one, no merge', p.yjsApplyRowByRow),
      { name: 'update rows read', value: p.updateRows, unit: '' },
    ],
    method: ['The steps of LocalStore.open (loadAll, loadDoc) replayed one at a time in a freshly loaded page with a clock around each; the sum is close to, not exactly, a real start (no observers attached, no second doc lookup).'],
  };
}

/**
 * `npx tsx bench/browser.bench.ts [--write | --write-scan]`: prints the figures; --write also puts this
 * benchmark's sections into docs/benchmarks.md, --write-scan only the scan-to-cart section.
 */
if (isMain(import.meta.url)) {
  const r = await browserBench();
  printReport(r);
  printReport(r.scan);
  printReport(profileReport(r.profile));
  const sections = process.argv.includes('--write') ? [r, r.scan, profileReport(r.profile)] : process.argv.includes('--write-scan') ? [r.scan] : [];
  if (sections.length) {
    const doc = fileURLToPath(new URL('../docs/benchmarks.md', import.meta.url));
    await writeFile(doc, sections.reduce((text, section) => spliceSection(text, section), await readFile(doc, 'utf8')));
    console.log(`\nwrote ${sections.length} section(s) into ${doc}`);
  }
}
