import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { priceItems } from '../../core/selling/checkout.ts';
import { newDeviceId } from '../../core/base/ids.ts';
import { webCryptoRandom } from '../../core/base/platform.ts';
import { brandDocName } from '../../core/event/schema.ts';
import { LocalStore } from '../../renderer/src/store/local-store.ts';
import { TillSync } from '../../renderer/src/sync/till-sync.ts';
import { api } from '../../sync-server/test-support.ts';
import { seededRandom } from '../stats.ts';
import type { HostMessage, HostSample, SaleNote, StartMessage } from './messages.ts';

/**
 * The soak's tills, in a process of their own so their heap is measured apart from the rest: each is the
 * till's real data layer (LocalStore over fake-indexeddb, TillSync over `ws`), paired with a pairing code as
 * a real till is, then selling at a steady rate. Started by bench/soak.ts with an IPC channel and
 * --expose-gc (the heap is read after a full collection, so the figure is what is live, not garbage).
 */
interface SoakTill {
  store: LocalStore;
  sync: TillSync;
  brandId: string;
  tillId: string;
  skus: string[];
}

const send = (m: HostMessage) => process.send!(m);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc || !process.send) throw new Error('till-host.ts is started by bench/soak.ts (fork, --expose-gc)');

const tills: SoakTill[] = [];
let commitMs: number[] = [];
let sales = 0;
let errors = 0;
let firstError: string | undefined;
let sold: SaleNote[] = [];
let stopping = false;
let pausedByGc = 0;
let lastGc = { start: 0, end: 0 };
const timers: NodeJS.Timeout[] = [];

async function pair(m: StartMessage, code: string, brandId: string, i: number): Promise<SoakTill> {
  const deviceId = newDeviceId(webCryptoRandom);
  const store = await LocalStore.open({ dbName: `soak-till-${i}`, indexedDB: new IDBFactory(), IDBKeyRange, deviceId });
  const r = await api(m.serverUrl, 'POST', '/api/pair', { body: { code, deviceId } });
  if (r.status !== 201) throw new Error(`pairing till ${i}: HTTP ${r.status} ${JSON.stringify(r.body)}`);
  const paired = r.body as { token: string; tillId: string; receiptPrefix: string; brandIds: string[] };
  await store.setProfile({ eventId: m.eventId, tillId: paired.tillId, receiptPrefix: paired.receiptPrefix, serverUrl: m.serverUrl, token: paired.token, brandIds: paired.brandIds });
  const sync = new TillSync(store, { serverUrl: m.serverUrl, token: paired.token, eventId: m.eventId, brandIds: paired.brandIds, WebSocket: WebSocket as unknown as typeof globalThis.WebSocket });
  sync.start();
  const t0 = Date.now();
  // Ready once its event and its stock have arrived.
  while (!(sync.current.state === 'online' && store.config() && m.skus[brandId]!.some((s) => store.rights(brandId, s) > 0))) {
    if (Date.now() - t0 > 30_000) throw new Error(`till ${i} did not get its event and stock in 30 s (sync ${sync.current.state})`);
    await new Promise((res) => setTimeout(res, 20));
  }
  return { store, sync, brandId, tillId: paired.tillId, skus: m.skus[brandId]! };
}

async function sell(t: SoakTill, rnd: () => number): Promise<void> {
  const config = t.store.config()!;
  const candidates = t.skus.filter((s) => t.store.rights(t.brandId, s) >= 2);
  if (!candidates.length) throw new Error(`till ${t.tillId} has sold all its stock`);
  const sku = candidates[Math.floor(rnd() * candidates.length)]!;
  const lines = [{ brandId: t.brandId, sku, qty: rnd() < 0.85 ? 1 : 2 }];
  const now = t.store.wallTime();
  const total = priceItems(lines, config, (b, s) => t.store.product(b, s), now).totals.total;
  const doc = t.store.docs().get(brandDocName(config.id, t.brandId))!;
  // The sale's update starts at this till's next Yjs clock: that is how the reader recognises it.
  const clock = Y.getState(doc.store, doc.clientID);
  const t0 = performance.now();
  await t.store.commitSale({ cart: { lines }, payments: [{ method: 'card', amount: total }], cashierId: 'soak', now });
  const t1 = performance.now();
  // A commit that a forced collection (for the heap sample) paused is the sampling's cost, not the till's.
  if (t0 < lastGc.end && t1 > lastGc.start) pausedByGc++;
  else commitMs.push(t1 - t0);
  sales++;
  sold.push({ client: doc.clientID, clock, at: performance.timeOrigin + t1 });
}

function schedule(m: StartMessage): void {
  // Each till sells every `period` ms, the tills staggered evenly; a till whose sale is still being
  // committed skips nothing, it starts the next one as soon as the last resolves.
  const period = (1000 * tills.length) / m.salesPerSecond;
  const start = performance.now() + 200;
  tills.forEach((t, i) => {
    const rnd = seededRandom(m.seed + i);
    let k = 0;
    const next = () => {
      if (stopping) return;
      const due = start + (i * period) / tills.length + k * period;
      timers[i] = setTimeout(() => {
        k++;
        sell(t, rnd).then(next, (err: unknown) => {
          errors++;
          firstError ??= err instanceof Error ? err.message : String(err);
          next();
        });
      }, Math.max(0, due - performance.now()));
    };
    next();
  });
  // Sale notes go to the driver in batches (one IPC message per sale would cost more than the sale).
  timers.push(setInterval(() => {
    if (!sold.length) return;
    send({ type: 'sales', sales: sold });
    sold = [];
  }, 100));
}

async function sample(): Promise<HostSample> {
  const start = performance.now();
  gc!();
  gc!();
  lastGc = { start, end: performance.now() };
  const mem = process.memoryUsage();
  let outbox = 0;
  for (const t of tills) outbox += (await t.store.outbox()).length;
  const s: HostSample = { type: 'sample', heapUsed: mem.heapUsed, heapTotal: mem.heapTotal, rss: mem.rss, external: mem.external, commitMs, pausedByGc, gcMs: lastGc.end - lastGc.start, sales, errors, outbox, online: tills.filter((t) => t.sync.current.state === 'online').length, ...(firstError ? { firstError } : {}) };
  commitMs = [];
  return s;
}

process.on('message', (raw: unknown) => {
  const m = raw as { type: string };
  if (m.type === 'start') {
    const start = m as StartMessage;
    void (async () => {
      for (const [i, c] of start.tills.entries()) tills.push(await pair(start, c.code, c.brandId, i));
      send({ type: 'ready', tillIds: tills.map((t) => t.tillId) });
      schedule(start);
    })().catch((err: unknown) => {
      send({ type: 'failed', error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    });
  } else if (m.type === 'sample') {
    void sample().then(send);
  } else if (m.type === 'stop') {
    stopping = true;
    for (const t of timers) clearTimeout(t);
    void (async () => {
      // Let the last sales reach the server, then leave.
      const end = Date.now() + 5000;
      while (Date.now() < end) {
        let left = 0;
        for (const t of tills) left += (await t.store.outbox()).length;
        if (!left) break;
        await new Promise((res) => setTimeout(res, 100));
      }
      if (sold.length) send({ type: 'sales', sales: sold });
      const last = await sample();
      for (const t of tills) {
        t.sync.stop();
        t.store.close();
      }
      send({ ...last, type: 'stopped' });
      process.disconnect();
    })();
  }
});
