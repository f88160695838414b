import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { expect } from 'vitest';
import WebSocket from 'ws';
import { newDeviceId } from '../../core/base/ids.ts';
import { webCryptoRandom } from '../../core/base/platform.ts';
import { LocalStore } from '../../renderer/src/store/local-store.ts';
import { TillSync } from '../../renderer/src/sync/till-sync.ts';
import { until } from '../../sync-server/test-support.ts';

export interface PairedNodeTill {
  store: LocalStore;
  sync: TillSync;
  paired: { token: string; tillId: string; receiptPrefix: string; brandIds: string[]; eventId: string };
}

/**
 * Tills in Node for the integration tests: the real LocalStore (each on its own fake IndexedDB) and TillSync,
 * paired with a code against a server (the event's, or a LAN hub) as a till does, then left syncing until
 * `stopAll` (call it in afterEach).
 */
export class NodeTills {
  private readonly open: PairedNodeTill[] = [];

  /** Pairs a new till with `code` at `url`; resolves once it is online and holds its event. */
  async pair(url: string, code: string): Promise<PairedNodeTill> {
    const deviceId = newDeviceId(webCryptoRandom);
    const store = await LocalStore.open({ dbName: 'till', indexedDB: new IDBFactory(), IDBKeyRange, deviceId });
    const res = await fetch(`${url}/api/pair`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code, deviceId }) });
    expect(res.status).toBe(201);
    const paired = (await res.json()) as PairedNodeTill['paired'];
    await store.setProfile({ eventId: paired.eventId, tillId: paired.tillId, receiptPrefix: paired.receiptPrefix, serverUrl: url, token: paired.token, brandIds: paired.brandIds });
    const sync = new TillSync(store, { serverUrl: url, token: paired.token, eventId: paired.eventId, brandIds: paired.brandIds, WebSocket: WebSocket as unknown as typeof globalThis.WebSocket, minBackoffMs: 50, maxBackoffMs: 200 });
    sync.start();
    const till = { store, sync, paired };
    this.open.push(till);
    await until(() => sync.current.state === 'online' && store.config() !== undefined, `the till to download its event from ${url}`, 15_000);
    return till;
  }

  stopAll(): void {
    for (const t of this.open.splice(0)) {
      t.sync.stop();
      t.store.close();
    }
  }
}
