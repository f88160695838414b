import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { DEMO_EVENT_ID } from '../../core/event/demo-event.ts';
import { newDeviceId } from '../../core/base/ids.ts';
import { webCryptoRandom } from '../../core/base/platform.ts';
import { LocalStore } from '../../renderer/src/store/local-store.ts';
import { TillSync } from '../../renderer/src/sync/till-sync.ts';
import { api, demoWorld, until, type World } from '../../sync-server/test-support.ts';

/**
 * A till whose token is revoked (a stolen till, or the till moved to another device) is told so and stops:
 * it shows why instead of retrying forever against a server that will refuse it every time.
 */
let w: (World & Awaited<ReturnType<typeof demoWorld>>) | undefined;
let till: { store: LocalStore; sync: TillSync } | undefined;
afterEach(async () => {
  till?.sync.stop();
  till?.store.close();
  till = undefined;
  await w?.stop();
  w = undefined;
});

describe('a till whose token is revoked', () => {
  it('stops syncing and says why, without reconnecting', async () => {
    w = await demoWorld();
    const deviceId = newDeviceId(webCryptoRandom);
    const store = await LocalStore.open({ dbName: 'till', indexedDB: new IDBFactory(), IDBKeyRange, deviceId });
    const pairRes = await api(w.server.url, 'POST', '/api/pair', { body: { code: w.demo.tills[0]!.code, deviceId } });
    const paired = pairRes.body as { token: string; tillId: string; receiptPrefix: string; brandIds: string[] };
    await store.setProfile({ eventId: DEMO_EVENT_ID, tillId: paired.tillId, receiptPrefix: paired.receiptPrefix, serverUrl: w.server.url, token: paired.token, brandIds: paired.brandIds });
    let opened = 0;
    class Counting extends WebSocket {
      constructor(url: string) {
        super(url);
        opened++;
      }
    }
    const sync = new TillSync(store, { serverUrl: w.server.url, token: paired.token, eventId: DEMO_EVENT_ID, brandIds: paired.brandIds, WebSocket: Counting as unknown as typeof globalThis.WebSocket, minBackoffMs: 20, maxBackoffMs: 50 });
    till = { store, sync };
    sync.start();
    await until(() => sync.current.state === 'online', 'the till to sync');

    const listed = (await api(w.server.url, 'GET', `/api/events/${DEMO_EVENT_ID}/tokens`, { token: w.demo.organiserToken })).body as { tokens: { id: string; tillId?: string }[] };
    const id = listed.tokens.find((t) => t.tillId === paired.tillId)!.id;
    expect((await api(w.server.url, 'POST', `/api/events/${DEMO_EVENT_ID}/tokens/${id}/revoke`, { token: w.demo.organiserToken })).status).toBe(200);

    await until(() => sync.current.refused === true, 'the till to learn it was revoked');
    expect(sync.current.problem).toMatch(/access was revoked/);
    expect(sync.current.state).toBe('offline');
    const after = opened;
    // Ten times the longest backoff: a till that retried would have opened new connections by now.
    await new Promise((r) => setTimeout(r, 500));
    expect(opened).toBe(after);
    expect(sync.current).toMatchObject({ refused: true, problem: expect.stringMatching(/access was revoked/) });
  });
});
