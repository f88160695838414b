import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { DEMO_EVENT_ID } from '../../core/event/demo-event.ts';
import { HybridClock } from '../../core/base/hlc.ts';
import { newDeviceId, newId } from '../../core/base/ids.ts';
import { webCryptoRandom } from '../../core/base/platform.ts';
import { TillDoc, tillDocName } from '../../core/event/schema.ts';
import { openShift } from '../../core/event/shift.ts';
import { PosDatabase } from '../../renderer/src/store/db.ts';
import { LocalStore } from '../../renderer/src/store/local-store.ts';
import { TillSync } from '../../renderer/src/sync/till-sync.ts';
import { demoWorld, until, type World } from '../../sync-server/test-support.ts';

/**
 * A till's own document (event/<id>/till/<tillId>): the shift events and voids the till records reach the
 * server and an organiser's client, and records a till made before the document existed are sent too.
 */
let w: (World & Awaited<ReturnType<typeof demoWorld>>) | undefined;
const running: { store: LocalStore; sync: TillSync }[] = [];
afterEach(async () => {
  for (const t of running.splice(0)) {
    t.sync.stop();
    t.store.close();
  }
  await w?.stop();
  w = undefined;
});

async function pair(world: NonNullable<typeof w>, code: string, deviceId = newDeviceId(webCryptoRandom)) {
  const res = await fetch(`${world.server.url}/api/pair`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code, deviceId }) });
  expect(res.status).toBe(201);
  return { deviceId, paired: (await res.json()) as { token: string; tillId: string; receiptPrefix: string; brandIds: string[] } };
}

async function start(world: NonNullable<typeof w>, store: LocalStore, paired: { token: string; brandIds: string[] }) {
  const sync = new TillSync(store, { serverUrl: world.server.url, token: paired.token, eventId: DEMO_EVENT_ID, brandIds: paired.brandIds, WebSocket: WebSocket as unknown as typeof globalThis.WebSocket, minBackoffMs: 50, maxBackoffMs: 200 });
  sync.start();
  running.push({ store, sync });
  await until(() => sync.current.state === 'online' && store.config() !== undefined, 'the till to download its event');
  return sync;
}

/** What the server holds in a till's document. */
function onServer(world: NonNullable<typeof w>, tillId: string) {
  return world.server.hub.read(tillDocName(DEMO_EVENT_ID, tillId), (doc) => {
    const till = new TillDoc(doc);
    return { shifts: till.shiftEvents().items, voids: till.voids().items };
  });
}

describe("a till's document", () => {
  it('carries the till’s shift events and voids to the server and to an organiser’s client, acknowledged', async () => {
    w = await demoWorld();
    const { deviceId, paired } = await pair(w, w.demo.tills[0]!.code);
    const store = await LocalStore.open({ dbName: 'till', indexedDB: new IDBFactory(), IDBKeyRange, deviceId });
    await store.setProfile({ eventId: DEMO_EVENT_ID, tillId: paired.tillId, receiptPrefix: paired.receiptPrefix, serverUrl: w.server.url, token: paired.token, brandIds: paired.brandIds });
    await start(w, store, paired);

    const open = await store.appendShiftEvent((events) => openShift(events, { tillId: paired.tillId, cashierId: 'ana', now: store.wallTime(), float: 15_000 }, store.clock));
    const voided = await store.recordVoid({ cashierId: 'ana', wallTime: store.wallTime(), lines: [{ sku: 'NT-CAP', name: 'Five-panel Cap', qty: 1 }], total: 2250, reason: 'cart cleared' });
    // Locally: the audit log and the shift still read from IndexedDB, as before.
    expect((await store.shiftEvents()).map((e) => e.id)).toEqual([open.id]);
    expect((await store.audit()).filter((a) => a.kind === 'void')).toHaveLength(1);

    await expect.poll(async () => (await store.outbox()).length, { timeout: 5000 }).toBe(0);
    expect(await onServer(w, paired.tillId)).toEqual({ shifts: [open], voids: [voided] });

    // The organiser reads the till's document over the ordinary sync protocol.
    const organiserCopy = new Y.Doc();
    const provider = w.provider(tillDocName(DEMO_EVENT_ID, paired.tillId), w.demo.organiserToken, organiserCopy);
    await until(() => provider.synced, 'the organiser to sync the till document');
    const seen = new TillDoc(organiserCopy);
    expect(seen.shiftEvents().items).toEqual([open]);
    expect(seen.voids().items).toEqual([voided]);
  });

  it('sends the shift events and voids a till recorded before the till document existed, once', async () => {
    w = await demoWorld();
    const { deviceId, paired } = await pair(w, w.demo.tills[1]!.code);
    const indexedDB = new IDBFactory();
    // A till in the field: paired, with records only in its IndexedDB tables (how earlier versions kept them).
    const first = await LocalStore.open({ dbName: 'till', indexedDB, IDBKeyRange, deviceId });
    await first.setProfile({ eventId: DEMO_EVENT_ID, tillId: paired.tillId, receiptPrefix: paired.receiptPrefix, serverUrl: w.server.url, token: paired.token, brandIds: paired.brandIds });
    first.close();
    const clock = new HybridClock(deviceId, { now: () => Date.now() - 60_000 });
    const oldOpen = openShift([], { tillId: paired.tillId, cashierId: 'ben', now: Date.now() - 60_000, float: 8_000 }, clock);
    const oldVoid = { id: newId('v', clock), tillId: paired.tillId, cashierId: 'ben', wallTime: Date.now() - 30_000, lines: [{ sku: 'SL-CABLE', name: 'Braided Cable', qty: 3 }], total: 3600, reason: 'line removed' as const };
    const raw = new PosDatabase('till', { indexedDB, IDBKeyRange });
    await raw.open();
    await raw.shiftEvents.add(oldOpen);
    await raw.voids.add(oldVoid);
    await raw.meta.put({ key: 'hlc', value: clock.lastIssued });
    raw.close();

    const store = await LocalStore.open({ dbName: 'till', indexedDB, IDBKeyRange, deviceId });
    await start(w, store, paired);
    await expect.poll(async () => (await onServer(w!, paired.tillId)).voids.length, { timeout: 5000 }).toBe(1);
    expect(await onServer(w, paired.tillId)).toEqual({ shifts: [oldOpen], voids: [oldVoid] });
    await expect.poll(async () => (await store.outbox()).length, { timeout: 5000 }).toBe(0);

    // Opening again adds nothing: the records are in the document already.
    running.splice(0).forEach((t) => {
      t.sync.stop();
      t.store.close();
    });
    const again = await LocalStore.open({ dbName: 'till', indexedDB, IDBKeyRange, deviceId });
    running.push({ store: again, sync: new TillSync(again, { serverUrl: w.server.url, token: paired.token, eventId: DEMO_EVENT_ID, brandIds: [] }) });
    expect(await again.outbox()).toEqual([]);
  });
});
