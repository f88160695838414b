import * as Y from 'yjs';
import { ownerOfFor, type Till } from '../core/event/event.ts';
import { HybridClock } from '../core/base/hlc.ts';
import { RESERVE, SERVER_WRITER, tillHolder, type HolderId } from '../core/ledger/holders.ts';
import { newId } from '../core/base/ids.ts';
import { LedgerWriter, type LedgerBatch } from '../core/ledger/rights.ts';
import { BrandDoc } from '../core/event/schema.ts';
import { StockView } from '../core/ledger/stock-view.ts';
import { seededRandom } from './stats.ts';

/**
 * The ledger a busy event day writes into one brand document: 5 tills (each its own Y.Doc and Yjs client,
 * owning its `till:<id>` holder) sell from their rights, and the server (owner of the reserve, a 6th Y.Doc)
 * tops a till up from the reserve when it runs out. Every entry goes through the real LedgerWriter checks and
 * BrandDoc.appendEntries, one Yjs transaction per sale, delivery note or top-up.
 *
 * Each till carries 4k of the brand's 20k SKUs (its booth's range) and receives an opening delivery of them,
 * so rights exist before selling; sales are carts of 1–3 random SKUs of its range. Rights are checked against
 * one shared StockView that every append feeds at once: tills that sync instantly, which is the case that
 * writes the most entries per second.
 */
export interface WorkloadOptions {
  entries: number;
  skus: number;
  tills: number;
  seed: number;
}

export interface Workload {
  /** The server's document first, then one per till. */
  docs: Y.Doc[];
  counts: { receive: number; transfer: number; sale: number; transactions: number };
  /** Whole write loop: building and checking entries plus appending them. */
  writeMs: number;
  /** Of which BrandDoc.appendEntries (the Yjs side). */
  appendMs: number;
}

const START = Date.UTC(2026, 10, 21, 9, 0);
const DELIVERY_LINES = 200;

interface Writer {
  holder: HolderId;
  brand: BrandDoc;
  writer: LedgerWriter;
  /** The device's clock: entry ids and sale ids come from it, as in a checkout. */
  clock: HybridClock;
  wall: { t: number };
}

const skuName = (i: number): string => `SKU-${String(i).padStart(5, '0')}`;

export function writeLedger(opts: WorkloadOptions): Workload {
  const rand = seededRandom(opts.seed);
  const pick = (n: number) => Math.floor(rand() * n);
  const tills: Till[] = Array.from({ length: opts.tills }, (_, i) => ({
    id: `till-${i + 1}`,
    name: `Till ${i + 1}`,
    deviceId: `BNCH0000000${i + 1}`,
    locationId: `booth-${i + 1}`,
    brandIds: ['bench'],
    receiptPrefix: `T${i + 1}`,
  }));
  const ownerOf = ownerOfFor(tills);
  const view = new StockView();
  const makeWriter = (deviceId: string, holder: HolderId, clientId: number): Writer => {
    const doc = new Y.Doc();
    doc.clientID = clientId;
    // A simulated wall clock per device: deterministic, and the HLC counter never has to absorb 100k ticks.
    const wall = { t: START };
    const clock = new HybridClock(deviceId, { now: () => wall.t });
    return { holder, brand: new BrandDoc(doc), writer: new LedgerWriter(deviceId, clock, view, ownerOf), clock, wall };
  };
  const server = makeWriter(SERVER_WRITER, RESERVE, 100);
  const tillWriters = tills.map((t, i) => makeWriter(t.deviceId, tillHolder(t.id), 101 + i));
  const counts = { receive: 0, transfer: 0, sale: 0, transactions: 0 };
  let total = 0;
  let appendMs = 0;

  const commit = (w: Writer, batch: LedgerBatch) => {
    const t0 = performance.now();
    w.brand.appendEntries(batch.entries);
    appendMs += performance.now() - t0;
    for (const e of batch.entries) {
      view.add(e);
      counts[e.kind as 'receive' | 'transfer' | 'sale']++;
    }
    total += batch.entries.length;
    counts.transactions++;
  };
  const range = (till: number) => Math.floor(opts.skus / opts.tills) + (till < opts.skus % opts.tills ? 1 : 0);
  const skuOf = (till: number, k: number) => skuName(k * opts.tills + till);

  const start = performance.now();
  // Opening deliveries: each till receives its range, one delivery note of 200 lines per transaction.
  tillWriters.forEach((w, i) => {
    for (let k0 = 0; k0 < range(i); k0 += DELIVERY_LINES) {
      const batch = w.writer.batch();
      for (let k = k0; k < Math.min(range(i), k0 + DELIVERY_LINES); k++) batch.receive(w.holder, skuOf(i, k), 5 + pick(11), `dn-${i}-${k0}`);
      commit(w, batch);
    }
  });

  /** Entries a line needs besides the sale: a top-up transfer, and a reserve receipt if the reserve is low. */
  const topUpsFor = (w: Writer, sku: string, qty: number) =>
    view.rights(w.holder, sku) >= qty ? 0 : view.rights(RESERVE, sku) >= 5 ? 1 : 2;
  const topUp = (w: Writer, sku: string) => {
    server.wall.t = Math.max(server.wall.t, w.wall.t);
    const batch = server.writer.batch();
    if (view.rights(RESERVE, sku) < 5) batch.receive(RESERVE, sku, 50, 'reserve delivery');
    batch.transfer(RESERVE, w.holder, sku, 5);
    commit(server, batch);
  };

  while (total < opts.entries) {
    const i = pick(tillWriters.length);
    const w = tillWriters[i]!;
    w.wall.t += pick(3000);
    const lines: { sku: string; qty: number }[] = [];
    let needed = 0;
    for (let n = 1 + pick(3), tries = 0; lines.length < n && tries < 50; tries++) {
      const sku = skuOf(i, pick(range(i)));
      const qty = rand() < 0.9 ? 1 : 2;
      const more = 1 + topUpsFor(w, sku, qty);
      if (lines.some((l) => l.sku === sku) || total + needed + more > opts.entries) continue;
      lines.push({ sku, qty });
      needed += more;
    }
    if (lines.length === 0) break;
    for (const l of lines) if (topUpsFor(w, l.sku, l.qty) > 0) topUp(w, l.sku);
    const batch = w.writer.batch();
    const saleId = newId('s', w.clock);
    for (const l of lines) batch.sale(w.holder, l.sku, l.qty, saleId);
    commit(w, batch);
  }
  return { docs: [server, ...tillWriters].map((w) => w.brand.doc), counts, writeMs: performance.now() - start, appendMs };
}
