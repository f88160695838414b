import { randomBytes } from 'node:crypto';
import * as Y from 'yjs';
import { HybridClock } from '../../core/base/hlc.ts';
import { tillHolder, type HolderId } from '../../core/ledger/holders.ts';
import { newDeviceId, newId } from '../../core/base/ids.ts';
import type { LedgerEntry } from '../../core/ledger/ledger.ts';
import { LedgerWriter } from '../../core/ledger/rights.ts';
import type { Sale } from '../../core/selling/sale.ts';
import { BrandDoc, brandDocName } from '../../core/event/schema.ts';
import { StockView } from '../../core/ledger/stock-view.ts';
import { api, type ApiReply as Reply } from '../../sync-server/test-support.ts';
import { SyncClient } from './client.ts';

/**
 * The benchmark's event on our server, built through the HTTP API as an organiser would: 200 brands with one
 * product each, stock received into the reserve, 6 tills paired per brand for the first 50 brands (plus one
 * extra writer for the throughput run), each given its own stock; organiser tokens for the idle-connection
 * run and a storefront token with 1,000 units online for the order burst.
 */
export const EVENT_ID = 'bench-sync';
export const BRANDS = 200;
export const SALES_BRANDS = 50;
export const TILLS_PER_BRAND = 6;
/** Enough for workload 1 and the load sweep on both servers (each till sells about 400). */
export const UNITS_PER_TILL = 1_000;
export const ONLINE_UNITS = 1_000;
export const ONLINE_BRAND = `b${String(BRANDS - 1).padStart(3, '0')}`;
/** The throughput run's brand: a document of its own, outside the other workloads. */
export const THROUGHPUT_BRAND = 'tput';
export const THROUGHPUT_READERS = 5;

export const brandId = (i: number): string => `b${String(i).padStart(3, '0')}`;
export const skuOf = (brand: string): string => `SKU-${brand.toUpperCase()}`;
export const docOf = (brand: string): string => brandDocName(EVENT_ID, brand);

export interface Till {
  token: string;
  tillId: string;
  deviceId: string;
  brandId: string;
}

export interface BenchWorld {
  /** 6 per brand on the first 50 brands. */
  tills: Till[];
  /** The throughput brand's writer (with `throughputUnits` of stock) and its 5 reading tills. */
  bulkWriter: Till;
  bulkReaders: Till[];
  organiserTokens: string[];
  storefrontToken: string;
}

// The same JSON request helper as the server's tests (127.0.0.1 only).
export { api, type ApiReply as Reply } from '../../sync-server/test-support.ts';

async function ok(p: Promise<Reply>, what: string, status = 201): Promise<Reply> {
  const r = await p;
  if (r.status !== status) throw new Error(`${what}: HTTP ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`);
  return r;
}

/** Runs `fn` over `items` with at most `parallel` at a time, in order of start. */
export async function pool<T, R>(items: readonly T[], parallel: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, items.length) }, worker));
  return out;
}

const random = { bytes: (n: number) => new Uint8Array(randomBytes(n)) };

export async function buildWorld(url: string, admin: string, opts: { throughputUnits: number; organiserTokens: number }): Promise<BenchWorld> {
  const now = Date.now();
  const config = {
    id: EVENT_ID,
    name: 'Sync-server benchmark',
    timeZone: 'Europe/Paris',
    currency: 'EUR',
    locale: 'en-IE',
    taxMode: 'inclusive',
    rounding: 'half-up',
    // Live for the whole run, one tier: the price does not change under the order burst.
    drop: { startsAt: now - 3_600_000, endsAt: now + 24 * 3_600_000, tiers: [{ id: 'all-day', label: '−10 % all day', percentOffBp: 1000, untilMinute: null }] },
    policies: { returnsDays: 14, defectRefundLimit: 5000, returnsText: '' },
  };
  const brands = [...Array.from({ length: BRANDS }, (_, i) => ({ id: brandId(i), name: `Brand ${i}`, commissionBp: 1000, boothFee: 0 })), { id: THROUGHPUT_BRAND, name: 'Throughput', commissionBp: 1000, boothFee: 0 }];
  const locations = [
    ...Array.from({ length: SALES_BRANDS }, (_, i) => ({ id: `booth-${i}`, kind: 'booth', name: `Booth ${i}` })),
    { id: 'reserve', kind: 'reserve', name: 'Reserve' },
    { id: 'online', kind: 'online', name: 'Online drop' },
  ];
  await ok(api(url, 'POST', '/api/events', { token: admin, body: { config, brands, locations } }), 'create event');
  const products = brands.map((b) => ({
    sku: skuOf(b.id),
    brandId: b.id,
    name: `Product of ${b.name}`,
    variant: '',
    price: 2500,
    cost: 800,
    marginFloorBp: 1000,
    taxRateBp: 2000,
    hero: false,
    lowStockThreshold: 1,
    safetyStock: 0,
    serialTracked: false,
  }));
  await ok(api(url, 'POST', `/api/events/${EVENT_ID}/catalog`, { token: admin, body: { products } }), 'catalog', 200);
  const receive = brands.map((b, i) => ({
    brandId: b.id,
    sku: skuOf(b.id),
    qty: b.id === THROUGHPUT_BRAND ? opts.throughputUnits : i < SALES_BRANDS ? TILLS_PER_BRAND * UNITS_PER_TILL : b.id === ONLINE_BRAND ? ONLINE_UNITS : 10,
  }));
  await ok(api(url, 'POST', `/api/events/${EVENT_ID}/stock/receive`, { token: admin, body: { holder: 'reserve', lines: receive } }), 'receive');

  // Pairing codes one at a time: see the report (concurrent requests can be given the same till id).
  const pair = async (brand: string, booth: number, name: string): Promise<Till> => {
    const code = await ok(api(url, 'POST', `/api/events/${EVENT_ID}/pairing-codes`, { token: admin, body: { name, locationId: `booth-${booth}`, brandIds: [brand] } }), 'pairing code');
    const deviceId = newDeviceId(random);
    const paired = await ok(api(url, 'POST', '/api/pair', { body: { code: (code.body as { code: string }).code, deviceId } }), 'pair');
    const p = paired.body as { token: string; tillId: string };
    return { token: p.token, tillId: p.tillId, deviceId, brandId: brand };
  };
  const tills: Till[] = [];
  for (let b = 0; b < SALES_BRANDS; b++) {
    for (let t = 0; t < TILLS_PER_BRAND; t++) tills.push(await pair(brandId(b), b, `Till ${b}.${t}`));
  }
  const bulkWriter = await pair(THROUGHPUT_BRAND, 0, 'Throughput writer');
  const bulkReaders: Till[] = [];
  for (let t = 0; t < THROUGHPUT_READERS; t++) bulkReaders.push(await pair(THROUGHPUT_BRAND, 0, `Throughput reader ${t}`));

  const transfer = (to: HolderId, brand: string, qty: number) =>
    ok(api(url, 'POST', `/api/events/${EVENT_ID}/stock/transfer`, { token: admin, body: { from: 'reserve', to, lines: [{ brandId: brand, sku: skuOf(brand), qty }] } }), 'transfer');
  await pool(tills, 8, (t) => transfer(tillHolder(t.tillId), t.brandId, UNITS_PER_TILL));
  await transfer(tillHolder(bulkWriter.tillId), bulkWriter.brandId, opts.throughputUnits);
  await transfer('online', ONLINE_BRAND, ONLINE_UNITS);

  const organiserTokens = await pool(Array.from({ length: opts.organiserTokens }), 16, async (_, i) => {
    const r = await ok(api(url, 'POST', `/api/events/${EVENT_ID}/tokens`, { token: admin, body: { role: 'organiser', label: `bench ${i}` } }), 'organiser token');
    return (r.body as { token: string }).token;
  });
  const sf = await ok(api(url, 'POST', `/api/events/${EVENT_ID}/tokens`, { token: admin, body: { role: 'storefront', label: 'bench storefront' } }), 'storefront token');
  return { tills, bulkWriter, bulkReaders, organiserTokens, storefrontToken: (sf.body as { token: string }).token };
}

/**
 * A paired till's writing side: LedgerWriter checks the sale against the till's own rights (its view of its
 * synced brand document), BrandDoc.appendSale writes the sale and its entry in one transaction, and the one
 * Yjs update that makes is what goes on the wire.
 */
export class TillWriter {
  private readonly clock: HybridClock;
  private readonly view = new StockView();
  private readonly writer: LedgerWriter;
  private readonly brand: BrandDoc;
  private seq = 0;
  private last: Uint8Array | undefined;

  constructor(
    readonly till: Till,
    readonly doc: Y.Doc,
  ) {
    this.clock = new HybridClock(till.deviceId, { now: () => Date.now() });
    this.brand = new BrandDoc(doc);
    for (const e of this.brand.ledger().items) this.view.add(e);
    const holder = tillHolder(till.tillId);
    this.writer = new LedgerWriter(till.deviceId, this.clock, this.view, (h) => (h === holder ? till.deviceId : undefined));
    doc.on('update', (u: Uint8Array, origin: unknown) => {
      if (origin !== 'server') this.last = u;
    });
  }

  rights(): number {
    return this.view.rights(tillHolder(this.till.tillId), skuOf(this.till.brandId));
  }

  /** One 1-unit card sale; returns the update and the writer's Yjs clock after it (what an ack must reach). */
  sell(): { update: Uint8Array; client: number; clock: number; end: number } {
    const client = this.doc.clientID;
    const clock = Y.getState(this.doc.store, client);
    const saleId = newId('s', this.clock);
    const batch = this.writer.batch();
    const entry = batch.sale(tillHolder(this.till.tillId), skuOf(this.till.brandId), 1, saleId);
    this.brand.appendSale(saleRecord(this.till, saleId, entry, ++this.seq), batch.entries);
    for (const e of batch.entries) this.view.add(e);
    const update = this.last!;
    this.last = undefined;
    return { update, client, clock, end: Y.getState(this.doc.store, client) };
  }
}

function saleRecord(till: Till, saleId: string, entry: LedgerEntry, seq: number): Sale {
  const gross = 2250;
  const tax = 375;
  return {
    id: saleId,
    receiptNumber: `T${till.tillId.slice(5)}-${String(seq).padStart(5, '0')}`,
    at: saleId.slice(2),
    wallTime: Date.now(),
    writer: till.deviceId,
    eventId: EVENT_ID,
    brandId: till.brandId,
    tillId: till.tillId,
    holder: tillHolder(till.tillId),
    checkoutId: `c_${saleId.slice(2)}`,
    cashierId: 'cashier-1',
    lines: [{ sku: entry.sku, name: 'Product', qty: 1, listPrice: 2500, unitPrice: gross, tierId: 'all-day', taxRateBp: 2000, net: gross - tax, tax, gross, entryId: entry.id }],
    payments: [{ method: 'card', amount: gross }],
    discount: 250,
    net: gross - tax,
    tax,
    total: gross,
  };
}

/** The full state of documents on our server (admin token: any document), to give the reference the same. */
export async function fetchStates(wsBase: string, admin: string, docNames: readonly string[]): Promise<Map<string, Uint8Array>> {
  const out = new Map<string, Uint8Array>();
  await pool(docNames, 16, async (name) => {
    const c = new SyncClient({ wsBase, docName: name, params: { token: admin }, doc: new Y.Doc() });
    await c.whenSynced();
    out.set(name, Y.encodeStateAsUpdate(c.doc));
    c.close();
  });
  return out;
}

/** Loads documents into the reference server (it keeps them in memory for as long as it runs). */
export async function seedReference(wsBase: string, states: Map<string, Uint8Array>): Promise<void> {
  await pool([...states], 16, async ([name, state]) => {
    const c = new SyncClient({ wsBase, docName: name });
    await c.whenSynced();
    c.sendUpdate(state);
    // The server handles a connection's messages in order: its answer to this step 1 includes the update.
    const held = await c.requestState();
    c.close();
    const want = Y.decodeStateVector(Y.encodeStateVectorFromUpdate(state));
    const got = Y.decodeStateVector(Y.encodeStateVectorFromUpdate(held));
    for (const [client, clock] of want) if ((got.get(client) ?? 0) < clock) throw new Error(`the reference server did not take the state of ${name}`);
  });
}
