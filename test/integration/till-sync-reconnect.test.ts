import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { DEMO_EVENT_ID } from '../../core/event/demo-event.ts';
import { newDeviceId } from '../../core/base/ids.ts';
import { webCryptoRandom } from '../../core/base/platform.ts';
import { BrandDoc, brandDocName } from '../../core/event/schema.ts';
import { LocalStore } from '../../renderer/src/store/local-store.ts';
import { TillSync } from '../../renderer/src/sync/till-sync.ts';
import { demoWorld, rejections, until, type World } from '../../sync-server/test-support.ts';

/**
 * Found by the chaos suite (test/chaos): a till that reconnects with sales the server has not got yet, and
 * sells again before the server's greeting (sync step 1) has been answered, must not send the new sale ahead
 * of the older ones. The server refuses an update that skips content it lacks (update-guard.ts), so the till
 * was refused and disconnected (close 4422), and the organiser saw an honest till in the rejections log.
 */
let w: (World & Awaited<ReturnType<typeof demoWorld>>) | undefined;
const tills: { store: LocalStore; sync: TillSync }[] = [];
afterEach(async () => {
  for (const t of tills.splice(0)) {
    t.sync.stop();
    t.store.close();
  }
  await w?.stop();
  w = undefined;
});

/** `ws` whose incoming messages are held back for `holdMs` after each open: a slow server greeting. */
function slowGreetingWebSocket(holdMs: number, onOpen: () => void): typeof globalThis.WebSocket {
  class Slow extends WebSocket {
    constructor(url: string) {
      super(url);
      const opened = Date.now();
      this.addEventListener('open', () => onOpen());
      const deliver = this.emit.bind(this);
      this.emit = ((event: string, ...args: unknown[]) => {
        if (event !== 'message') return deliver(event, ...args);
        const wait = opened + holdMs - Date.now();
        if (wait <= 0) return deliver(event, ...args);
        setTimeout(() => deliver(event, ...args), wait);
        return true;
      }) as typeof this.emit;
    }
  }
  return Slow as unknown as typeof globalThis.WebSocket;
}

const hoodie = { brandId: 'north-thread', sku: 'NT-HOODIE-M' };

describe('a till reconnecting with an outbox', () => {
  it('sends a sale made before the server’s greeting is answered after the older sales, and is never refused', async () => {
    w = await demoWorld();
    const indexedDB = new IDBFactory();
    const deviceId = newDeviceId(webCryptoRandom);
    const store = await LocalStore.open({ dbName: 'till', indexedDB, IDBKeyRange, deviceId });
    const res = await fetch(`${w.server.url}/api/pair`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code: w.demo.tills[0]!.code, deviceId }) });
    const paired = (await res.json()) as { token: string; tillId: string; receiptPrefix: string; brandIds: string[] };
    await store.setProfile({ eventId: DEMO_EVENT_ID, tillId: paired.tillId, receiptPrefix: paired.receiptPrefix, serverUrl: w.server.url, token: paired.token });
    let sellOnOpen = false;
    const sale = () => store.commitSale({ cart: { lines: [{ ...hoodie, qty: 1 }] }, payments: [{ method: 'cash', amount: 4830 }], cashierId: 'ana' });
    const opened: Promise<unknown>[] = [];
    const Ws = slowGreetingWebSocket(300, () => {
      if (sellOnOpen) {
        sellOnOpen = false;
        opened.push(sale());
      }
    });
    const sync = new TillSync(store, { serverUrl: w.server.url, token: paired.token, eventId: DEMO_EVENT_ID, brandIds: paired.brandIds, WebSocket: Ws, minBackoffMs: 50, maxBackoffMs: 200 });
    sync.start();
    tills.push({ store, sync });
    await until(() => sync.current.state === 'online', 'the till to come online', 8000);

    // Offline: two sales the server does not have.
    await w.server.close();
    await until(() => sync.current.state === 'offline', 'the till to notice');
    await sale();
    await sale();
    // Back: the next connection sells the moment it opens, before the server's step 1 reaches the till.
    sellOnOpen = true;
    await w.restart();
    await until(() => opened.length > 0, 'the sale on reconnect', 8000);
    await Promise.all(opened);
    await expect.poll(async () => (await store.outbox()).length, { timeout: 8000 }).toBe(0);
    const receipts = await w.server.hub.read(brandDocName(DEMO_EVENT_ID, 'north-thread'), (doc) => new BrandDoc(doc).sales().items.map((s) => s.receiptNumber).sort());
    expect(receipts).toEqual(['T1-00001', 'T1-00002', 'T1-00003']);
    expect(await rejections(w.server.url, DEMO_EVENT_ID, w.demo.organiserToken)).toEqual([]);
    expect(sync.current.problem).toBeUndefined();
  });
});
