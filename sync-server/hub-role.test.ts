import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { DEMO_EVENT_ID } from '../core/event/demo-event.ts';
import { HybridClock } from '../core/base/hlc.ts';
import { RESERVE, SERVER_WRITER, tillHolder } from '../core/ledger/holders.ts';
import { LedgerWriter } from '../core/ledger/rights.ts';
import { BrandDoc, brandDocName, encodeValue, parseDocName, setupDocName } from '../core/event/schema.ts';
import type { Claims } from './auth.ts';
import { docAccess } from './permissions.ts';
import { api, copyOfServerDoc, demoWorld, freshDeviceId, pairTill, TillWriter, updateOf, viewOf, type World } from './test-support.ts';
import { guardUpdate } from './update-guard.ts';

/**
 * The `hub` role: a LAN hub relaying what its venue's tills wrote to this server. It may add tills to the
 * setup and relay entries, sales, refunds and requests written by the device each till is paired with —
 * and nothing else: not the event's settings, not the server's own entries, not another device's writes.
 */
const E = DEMO_EVENT_ID;
const B = 'second-life';
const hub: Claims = { role: 'hub', eventId: E, label: 'venue hub', createdAt: 0, hubTag: 'HAB1' };

let w: (World & Awaited<ReturnType<typeof demoWorld>>) | undefined;
afterEach(async () => {
  await w?.stop();
  w = undefined;
});

async function setting() {
  w = await demoWorld();
  const till = await pairTill(w.server.url, w.demo.tills[1]!.code);
  const setup = await copyOfServerDoc(w.server, setupDocName(E));
  const brand = await copyOfServerDoc(w.server, brandDocName(E, B));
  const ownerOf = w.server.hub.ownerOf(E);
  const judge = (doc: Y.Doc, name: string, update: Uint8Array) => guardUpdate(update, { doc, ref: parseDocName(name), claims: hub, view: viewOf(doc), ownerOf, setup });
  return { till, setup, brand, ownerOf, judge };
}

describe('the hub role', () => {
  it('may write its own event’s documents, and no other event’s', () => {
    expect(docAccess(hub, parseDocName(setupDocName(E)))).toBe('write');
    expect(docAccess(hub, parseDocName(brandDocName(E, B)))).toBe('write');
    expect(docAccess(hub, parseDocName(setupDocName('other-fair')))).toBe('none');
  });

  it('relays a till it paired, but not a change to the event’s brands', async () => {
    const { setup, judge } = await setting();
    const till = { id: 'hab1-till-1', name: 'Venue till', deviceId: freshDeviceId(), locationId: 'booth-a', brandIds: ['north-thread'], receiptPrefix: 'HAB11' };
    const added = updateOf(setup, (d) => d.getMap('tills').set(till.id, encodeValue(till)));
    const fresh = await copyOfServerDoc(w!.server, setupDocName(E));
    expect(judge(fresh, setupDocName(E), added)).toMatchObject({ ok: true });
    const brand = updateOf(fresh, (d) => d.getMap('brands').set('sneaky', encodeValue({ id: 'sneaky', name: 'Sneaky', commissionBp: 0, boothFee: 0 })));
    const again = await copyOfServerDoc(w!.server, setupDocName(E));
    expect(judge(again, setupDocName(E), brand)).toEqual({ ok: false, reason: 'a hub relays tills only, not "brands"' });
  });

  it('relays a sale written by the device paired as its till', async () => {
    const { till, brand, setup, judge } = await setting();
    const base = await copyOfServerDoc(w!.server, brandDocName(E, B));
    const update = updateOf(brand, () => new TillWriter(till, B, brand, setup).sell('SL-CABLE', 1));
    expect(judge(base, brandDocName(E, B), update)).toMatchObject({ ok: true });
  });

  it('refuses a sale in a paired till’s name from another device', async () => {
    const { till, brand, setup, judge } = await setting();
    const base = await copyOfServerDoc(w!.server, brandDocName(E, B));
    const impostor = { ...till, deviceId: freshDeviceId() };
    const update = updateOf(brand, () => new TillWriter(impostor, B, brand, setup).sell('SL-CABLE', 1));
    const result = judge(base, brandDocName(E, B), update);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(/^sales\/s_\S+ was not written by the device paired as till till-2$/);
  });

  it('refuses the server’s own entries (a transfer out of the reserve)', async () => {
    const { brand, ownerOf, judge } = await setting();
    const base = await copyOfServerDoc(w!.server, brandDocName(E, B));
    const clock = new HybridClock(SERVER_WRITER, { now: () => Date.now() });
    const update = updateOf(brand, (d) => {
      const batch = new LedgerWriter(SERVER_WRITER, clock, viewOf(d), ownerOf).batch();
      batch.transfer(RESERVE, tillHolder('till-2'), 'SL-CABLE', 1);
      new BrandDoc(d).appendEntries(batch.entries);
    });
    const result = judge(base, brandDocName(E, B), update);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(/is the server's own: a hub cannot relay it/);
  });

  it('is issued by the event’s organiser, not by a till', async () => {
    w = await demoWorld();
    const issued = await api(w.server.url, 'POST', `/api/events/${E}/tokens`, { token: w.demo.organiserToken, body: { role: 'hub', label: 'venue hub', hubTag: 'HAB1' } });
    expect(issued.status).toBe(201);
    expect(issued.body).toMatchObject({ role: 'hub', eventId: E, label: 'venue hub' });
    const till = await pairTill(w.server.url, w.demo.tills[0]!.code);
    expect((await api(w.server.url, 'POST', `/api/events/${E}/tokens`, { token: till.token, body: { role: 'hub' } })).status).toBe(403);
  });
});
