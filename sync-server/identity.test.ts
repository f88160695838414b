import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { DEMO_EVENT_ID } from '../core/event/demo-event.ts';
import { SERVER_WRITER } from '../core/ledger/holders.ts';
import { BrandDoc, brandDocName, encodeValue, parseDocName, SetupDoc, setupDocName } from '../core/event/schema.ts';
import type { Claims } from './auth.ts';
import { CloseCode } from './close-codes.ts';
import { api, copyOfServerDoc, demoWorld, eventually, freshDeviceId, joinedRawClient, pairTill, rawClient, storedState, synced, TillWriter, updateOf, viewOf, type World } from './test-support.ts';
import { guardUpdate } from './update-guard.ts';

/**
 * A till's device id is its writer identity in the ledger, so the server checks it at pairing: never the
 * server's own (`SERVER000000`), never one already used in the event, retired devices included. Re-pairing
 * a till moves it to a new device and retires the old one: its token is revoked and its connections close.
 */
const E = DEMO_EVENT_ID;
const BRAND = 'north-thread';
const SKU = 'NT-TEE-BLK-S';

type Demo = World & Awaited<ReturnType<typeof demoWorld>>;
let w: Demo | undefined;
afterEach(async () => {
  await w?.stop();
  w = undefined;
});

async function start(): Promise<Demo> {
  w = await demoWorld();
  return w;
}

const pair = (d: Demo, code: string, deviceId: string) => api(d.server.url, 'POST', '/api/pair', { body: { code, deviceId } });
const tokenCount = async (d: Demo) => ((await api(d.server.url, 'GET', `/api/events/${E}/tokens`, { token: d.demo.organiserToken })).body as { tokens: unknown[] }).tokens.length;

describe('pairing checks the device id', () => {
  it('refuses the server’s own writer id, and nothing stored changes', async () => {
    const d = await start();
    const code = d.demo.tills[0]!.code;
    const before = await storedState(d.server, setupDocName(E));
    const tokensBefore = await tokenCount(d);

    const res = await pair(d, code, SERVER_WRITER);
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ type: 'ReservedDeviceIdError' });
    expect((res.body as { message: string }).message).toContain("server's own writer id");

    expect(await storedState(d.server, setupDocName(E))).toEqual(before);
    expect(await tokenCount(d)).toBe(tokensBefore);
    // The code was not used up: a real device pairs with it afterwards.
    expect((await pair(d, code, freshDeviceId())).status).toBe(201);
  });

  it('refuses a device id another till of the event is paired with', async () => {
    const d = await start();
    const first = await pairTill(d.server.url, d.demo.tills[0]!.code);
    const before = await storedState(d.server, setupDocName(E));
    const tokensBefore = await tokenCount(d);

    // The device ids of paired tills are readable (the setup document), so an attacker can name one.
    const res = await pair(d, d.demo.tills[1]!.code, first.deviceId);
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ type: 'DeviceIdInUseError' });
    expect((res.body as { message: string }).message).toContain(`is paired as ${first.tillId}`);
    expect(await storedState(d.server, setupDocName(E))).toEqual(before);
    expect(await tokenCount(d)).toBe(tokensBefore);
    expect((await pair(d, d.demo.tills[1]!.code, freshDeviceId())).status).toBe(201);
  });

  it('refuses a second code for the same till once a device has paired as it', async () => {
    const d = await start();
    const tillId = d.demo.tills[1]!.tillId;
    const again = await api(d.server.url, 'POST', `/api/events/${E}/tills/${tillId}/pairing-code`, { token: d.demo.organiserToken });
    expect(again.status).toBe(201);
    await pairTill(d.server.url, d.demo.tills[1]!.code);
    const before = await storedState(d.server, setupDocName(E));
    const res = await pair(d, (again.body as { code: string }).code, freshDeviceId());
    expect(res.status).toBe(409);
    expect(await storedState(d.server, setupDocName(E))).toEqual(before);
  });

  it('refuses a LAN hub relaying a till as the server’s writer or as another till’s device', async () => {
    const d = await start();
    const first = await pairTill(d.server.url, d.demo.tills[0]!.code);
    const hub: Claims = { role: 'hub', eventId: E, label: 'venue hub', hubTag: 'HAB1', createdAt: 0 };
    const judge = async (deviceId: string) => {
      const doc = await copyOfServerDoc(d.server, setupDocName(E));
      const till = { id: 'hab1-till-1', name: 'Venue till', deviceId, locationId: 'booth-a', brandIds: [BRAND], receiptPrefix: 'HAB11' };
      const update = updateOf(doc, (x) => x.getMap('tills').set(till.id, encodeValue(till)));
      const base = await copyOfServerDoc(d.server, setupDocName(E));
      return guardUpdate(update, { doc: base, ref: parseDocName(setupDocName(E)), claims: hub, view: viewOf(base), ownerOf: d.server.hub.ownerOf(E) });
    };
    expect(await judge(SERVER_WRITER)).toEqual({ ok: false, reason: "tills/hab1-till-1 names the server's own writer id" });
    expect(await judge(first.deviceId)).toEqual({ ok: false, reason: `tills/hab1-till-1: device ${first.deviceId} is ${first.tillId}'s` });
    expect(await judge(freshDeviceId())).toMatchObject({ ok: true });
  });
});

describe('re-pairing a till', () => {
  it('moves the till to a new device: the old token’s connections close, it is refused, the new device writes', async () => {
    const d = await start();
    const old = await pairTill(d.server.url, d.demo.tills[0]!.code);
    const oldConn = await joinedRawClient(d, brandDocName(E, BRAND), old.token);

    // Without asking for a re-pair, a paired till gets no new code.
    const plain = await api(d.server.url, 'POST', `/api/events/${E}/tills/${old.tillId}/pairing-code`, { token: d.demo.organiserToken });
    expect(plain.status).toBe(409);
    const made = await api(d.server.url, 'POST', `/api/events/${E}/tills/${old.tillId}/pairing-code`, { token: d.demo.organiserToken, body: { repair: true } });
    expect(made.status).toBe(201);
    const code = made.body as { code: string; receiptPrefix: string; repair: boolean };
    expect(code.repair).toBe(true);
    // The new device counts receipts from 1 again, so it must not print the old device's numbers.
    expect(code.receiptPrefix).not.toBe(old.receiptPrefix);

    const fresh = await pairTill(d.server.url, code.code);
    expect(fresh).toMatchObject({ tillId: old.tillId, receiptPrefix: code.receiptPrefix });
    expect((await oldConn.closed).code).toBe(CloseCode.TokenRevoked);
    expect(await api(d.server.url, 'GET', `/api/events/${E}`, { token: old.token })).toMatchObject({ status: 401, body: { type: 'TokenRevoked' } });
    expect((await rawClient(d, brandDocName(E, BRAND), old.token).closed).code).toBe(CloseCode.TokenRevoked);
    const tills = await d.server.hub.read(setupDocName(E), (doc) => new SetupDoc(doc).tills().items);
    expect(tills.find((t) => t.id === old.tillId)?.deviceId).toBe(fresh.deviceId);

    // The new device sells from the till's stock rights, and the server keeps the sale.
    const doc = new Y.Doc();
    const p = d.provider(brandDocName(E, BRAND), fresh.token, doc);
    await synced(p);
    const setupCopy = await copyOfServerDoc(d.server, setupDocName(E));
    const { sale } = new TillWriter(fresh, BRAND, doc, setupCopy).sell(SKU, 1);
    await eventually(async () => expect(await d.server.hub.read(brandDocName(E, BRAND), (x) => new BrandDoc(x).sales().items.some((s) => s.id === sale.id))).toBe(true));

    // What the old device had not synced names a writer that no longer owns the till: it is refused.
    const base = await copyOfServerDoc(d.server, brandDocName(E, BRAND));
    const stale = await copyOfServerDoc(d.server, brandDocName(E, BRAND));
    const update = updateOf(stale, () => new TillWriter(old, BRAND, stale, setupCopy).sell(SKU, 1));
    const oldClaims: Claims = { role: 'till', eventId: E, tillId: old.tillId, brandIds: old.brandIds, locationId: old.locationId, deviceId: old.deviceId, label: 'old', createdAt: 0 };
    const judged = guardUpdate(update, { doc: base, ref: parseDocName(brandDocName(E, BRAND)), claims: oldClaims, view: viewOf(base), ownerOf: d.server.hub.ownerOf(E), setup: setupCopy });
    expect(judged).toMatchObject({ ok: false, reason: expect.stringContaining(`may not write for till:${old.tillId}`) });

    // The re-pair code is single-use, and the retired device id can never pair again in the event.
    expect((await pair(d, code.code, freshDeviceId())).status).toBe(404);
    const retired = await pair(d, d.demo.tills[1]!.code, old.deviceId);
    expect(retired.status).toBe(409);
    expect((retired.body as { message: string }).message).toContain(`was retired from ${old.tillId}`);
  });
});
