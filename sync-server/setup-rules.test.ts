import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { DEMO_EVENT_ID } from '../core/event/demo-event.ts';
import { encodeValue, setupDocName } from '../core/event/schema.ts';
import type { Claims } from './auth.ts';
import { syncUpdate } from './protocol.ts';
import { api, copyOfServerDoc, demoWorld, freshDeviceId, joinedRawClient, pairTill, storedState, until, updateOf, type World } from './test-support.ts';
import { guardUpdate } from './update-guard.ts';

/**
 * Who may write what in the setup document over sync (setup-rules.ts), deletes included. Regression: a hub
 * token deleted the event's config, brands, locations and staff (the event then answered 404), and deleted a
 * paired till to add it again with its own device.
 */
const E = DEMO_EVENT_ID;
const SETUP = setupDocName(E);

let w: (World & Awaited<ReturnType<typeof demoWorld>>) | undefined;
afterEach(async () => {
  await w?.stop();
  w = undefined;
});

async function hubWorld() {
  w = await demoWorld();
  const issued = await api(w.server.url, 'POST', `/api/events/${E}/tokens`, { token: w.demo.organiserToken, body: { role: 'hub', label: 'venue hub', hubTag: 'HAB1' } });
  expect(issued.status).toBe(201);
  return { d: w, hubToken: (issued.body as { token: string }).token };
}

/** Sends `change` (made on a copy of the server's setup) over the wire; resolves with the close or 'stored'. */
async function send(d: World, token: string, change: (doc: Y.Doc) => void): Promise<'stored' | { code: number; reason: string }> {
  const replica = await copyOfServerDoc(d.server, SETUP);
  const update = updateOf(replica, change);
  const client = await joinedRawClient(d, SETUP, token, { ack: '1' });
  client.send(syncUpdate(update));
  const clock = Y.getState(replica.store, replica.clientID);
  const outcome = await Promise.race([
    client.closed,
    until(() => client.messages.some((m) => m?.type === 'ack' && Y.decodeStateVector(m.stateVector).get(replica.clientID) === clock), 'the acknowledgement').then(() => 'stored' as const),
  ]);
  client.close();
  return outcome;
}

const venueTill = (over: Record<string, unknown> = {}) => ({ id: 'hab1-till-1', name: 'Venue till', deviceId: freshDeviceId(), locationId: 'booth-a', brandIds: ['north-thread'], receiptPrefix: 'HAB11', ...over });

describe('a hub writing the setup document over sync', () => {
  for (const [what, map, key] of [
    ['the event config', 'event', 'config'],
    ['a brand', 'brands', 'north-thread'],
    ['a location', 'locations', 'booth-a'],
    ['a staff member', 'staff', 'ana'],
  ] as const) {
    it(`is refused deleting ${what} (4422), nothing changes, and the event still answers`, async () => {
      const { d, hubToken } = await hubWorld();
      const before = await storedState(d.server, SETUP);
      expect(before.maps[map]?.[key]).toBeDefined();
      const outcome = await send(d, hubToken, (doc) => doc.getMap(map).delete(key));
      expect(outcome).toMatchObject({ code: 4422, reason: expect.stringMatching(map === 'event' ? /^event\/config is never deleted over sync/ : new RegExp(`^a hub may not delete ${map}/${key}`)) });
      expect(await storedState(d.server, SETUP)).toEqual(before);
      expect((await api(d.server.url, 'GET', `/api/events/${E}`, { token: d.demo.organiserToken })).status).toBe(200);
    });
  }

  it('is refused deleting a paired till, and re-adding it with its own device', async () => {
    const { d, hubToken } = await hubWorld();
    const paired = await pairTill(d.server.url, d.demo.tills[0]!.code);
    const before = await storedState(d.server, SETUP);
    expect(await send(d, hubToken, (doc) => doc.getMap('tills').delete(paired.tillId))).toMatchObject({ code: 4422, reason: expect.stringMatching(`^a hub may not delete tills/${paired.tillId}`) });
    // Deleting and re-adding in one update: the till would be moved to the hub's device.
    const stolen = { id: paired.tillId, name: paired.name, deviceId: freshDeviceId(), locationId: paired.locationId, brandIds: paired.brandIds, receiptPrefix: paired.receiptPrefix };
    const outcome = await send(d, hubToken, (doc) => {
      doc.getMap('tills').delete(paired.tillId);
      doc.getMap('tills').set(paired.tillId, encodeValue(stolen));
    });
    expect(outcome).toMatchObject({ code: 4422 });
    expect(await storedState(d.server, SETUP)).toEqual(before);
  });

  it('is refused a till it does not host, or one printing another till’s receipt prefix', async () => {
    const { d, hubToken } = await hubWorld();
    const before = await storedState(d.server, SETUP);
    expect(await send(d, hubToken, (doc) => doc.getMap('tills').set('till-9', encodeValue(venueTill({ id: 'till-9' }))))).toMatchObject({
      code: 4422,
      reason: expect.stringMatching(/^tills\/till-9 is not a till of hub HAB1/),
    });
    expect(await send(d, hubToken, (doc) => doc.getMap('tills').set('hab1-till-1', encodeValue(venueTill({ receiptPrefix: 'T1' }))))).toMatchObject({
      code: 4422,
      reason: expect.stringMatching(/receipt prefix T1/),
    });
    expect(await storedState(d.server, SETUP)).toEqual(before);
  });

  it('adds a till it hosts', async () => {
    const { d, hubToken } = await hubWorld();
    const till = venueTill();
    expect(await send(d, hubToken, (doc) => doc.getMap('tills').set(till.id, encodeValue(till)))).toBe('stored');
    expect((await d.server.events.setup(E)).tills.find((t) => t.id === till.id)).toEqual(till);
  });

  it('with a token naming no hub tag, adds no till at all', async () => {
    w = await demoWorld();
    const legacy = await w.server.auth.issue({ role: 'hub', eventId: E, label: 'old hub token', createdAt: 0 });
    const till = venueTill();
    expect(await send(w, legacy, (doc) => doc.getMap('tills').set(till.id, encodeValue(till)))).toMatchObject({ code: 4422, reason: expect.stringMatching(/names no hub tag/) });
  });

  it('cannot be issued without the hub’s tag', async () => {
    w = await demoWorld();
    const res = await api(w.server.url, 'POST', `/api/events/${E}/tokens`, { token: w.demo.organiserToken, body: { role: 'hub', label: 'venue hub' } });
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ field: 'hubTag' });
  });
});

/** The organiser's and admin's rows of the table, judged by the guard on a copy of the demo's setup. */
describe('the organiser and the admin over sync', () => {
  const organiser: Claims = { role: 'organiser', eventId: E, label: 'o', createdAt: 0 };
  const admin: Claims = { role: 'admin', label: 'a', createdAt: 0 };
  const judge = async (claims: Claims, change: (doc: Y.Doc) => void) => {
    const doc = await copyOfServerDoc(w!.server, SETUP);
    const update = updateOf(await copyOfServerDoc(w!.server, SETUP), change);
    return guardUpdate(update, { doc, ref: { kind: 'setup', eventId: E }, claims });
  };

  it('lets the organiser add a brand, a location and a threshold, and nothing else', async () => {
    w = await demoWorld();
    expect(await judge(organiser, (doc) => doc.getMap('brands').set('extra', encodeValue({ id: 'extra', name: 'Extra', commissionBp: 0, boothFee: 0 })))).toMatchObject({ ok: true });
    expect(await judge(organiser, (doc) => doc.getMap('locations').set('booth-z', encodeValue({ id: 'booth-z', kind: 'booth', name: 'Booth Z' })))).toMatchObject({ ok: true });
    expect(await judge(organiser, (doc) => doc.getMap('tills').set('till-9', encodeValue(venueTill({ id: 'till-9', receiptPrefix: 'T9' }))))).toEqual({ ok: false, reason: 'an organiser may not write "tills" over sync' });
    for (const [map, key] of [
      ['brands', 'north-thread'],
      ['locations', 'booth-a'],
      ['staff', 'ana'],
      ['event', 'config'],
    ] as const) {
      const result = await judge(organiser, (doc) => doc.getMap(map).delete(key));
      expect(result).toMatchObject({ ok: false, reason: map === 'event' ? 'event/config is never deleted over sync' : `an organiser may not delete ${map}/${key} over sync` });
    }
  });

  it('lets the admin delete a brand but never the event config', async () => {
    w = await demoWorld();
    expect(await judge(admin, (doc) => doc.getMap('brands').delete('north-thread'))).toMatchObject({ ok: true });
    expect(await judge(admin, (doc) => doc.getMap('event').delete('config'))).toEqual({ ok: false, reason: 'event/config is never deleted over sync' });
  });

  it('passes the deletions an honest client re-sends in its sync step 2', async () => {
    w = await demoWorld();
    // The server already removed a threshold; a replica that saw it sends its whole delete set again.
    await w.server.hub.change(SETUP, (doc) => doc.getMap('thresholds').set('booth-a/NT-CAP', encodeValue({ locationId: 'booth-a', sku: 'NT-CAP', lowStockThreshold: 3, safetyStock: 1 })));
    await w.server.hub.change(SETUP, (doc) => doc.getMap('thresholds').delete('booth-a/NT-CAP'));
    const replica = await copyOfServerDoc(w.server, SETUP);
    const before = Y.encodeStateVector(replica);
    replica.getMap('brands').set('extra', encodeValue({ id: 'extra', name: 'Extra', commissionBp: 0, boothFee: 0 }));
    const step2 = Y.encodeStateAsUpdate(replica, before);
    expect(Y.decodeUpdate(step2).ds.clients.size).toBeGreaterThan(0);
    const doc = await copyOfServerDoc(w.server, SETUP);
    expect(guardUpdate(step2, { doc, ref: { kind: 'setup', eventId: E }, claims: organiser })).toMatchObject({ ok: true });
  });
});
