import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { DEMO_EVENT_ID, DEMO_PRODUCTS, demoConfig } from '../core/event/demo-event.ts';
import { HybridClock } from '../core/base/hlc.ts';
import { BrandDoc, brandDocName, encodeValue, setupDocName, TillDoc, tillDocName } from '../core/event/schema.ts';
import { openShift } from '../core/event/shift.ts';
import { syncStep1, syncUpdate } from './protocol.ts';
import { api, copyOfServerDoc, demoWorld, docState, eventually, metric, pairTill, rawClient, rejections, storedState, TillWriter, until, updateOf, type World } from './test-support.ts';

/**
 * Who may open, read and change which document, over the sync protocol, and who may call the organiser's
 * HTTP endpoints. Every cell of the matrix runs in its own world.
 */
const E = DEMO_EVENT_ID;
const F = 'other-fair';
const B1 = 'second-life'; // the paired till's brand (Booth B)
const B2 = 'north-thread'; // a brand of E the till does not sell

type RoleName = 'admin' | 'organiser' | 'till' | 'storefront' | 'other-event organiser' | 'bad token';
type DocKey = "E's setup" | "E's brand b1" | "E's brand b2" | "F's setup" | "E's till doc of the paired till" | "E's till doc of another till";
type Open = 'joins' | 4401 | 4403;
type Read = 'receives state' | 4401 | 4403;
type Write = 'stored' | 4405 | 4401 | 4403;

const DOCS: Record<DocKey, string> = {
  "E's setup": setupDocName(E),
  "E's brand b1": brandDocName(E, B1),
  "E's brand b2": brandDocName(E, B2),
  "F's setup": setupDocName(F),
  "E's till doc of the paired till": tillDocName(E, 'till-2'),
  "E's till doc of another till": tillDocName(E, 'till-1'),
};

// The whole matrix, cell by cell: [role, document, open, read, write].
const MATRIX: [RoleName, DocKey, Open, Read, Write][] = [
  ['admin', "E's setup", 'joins', 'receives state', 'stored'],
  ['admin', "E's brand b1", 'joins', 'receives state', 'stored'],
  ['admin', "E's brand b2", 'joins', 'receives state', 'stored'],
  ['admin', "F's setup", 'joins', 'receives state', 'stored'],

  ['organiser', "E's setup", 'joins', 'receives state', 'stored'],
  ['organiser', "E's brand b1", 'joins', 'receives state', 4405],
  ['organiser', "E's brand b2", 'joins', 'receives state', 4405],
  ['organiser', "F's setup", 4403, 4403, 4403],

  ['till', "E's setup", 'joins', 'receives state', 4405],
  ['till', "E's brand b1", 'joins', 'receives state', 'stored'],
  ['till', "E's brand b2", 4403, 4403, 4403],
  ['till', "F's setup", 4403, 4403, 4403],

  // The setup holds the staff's PIN hashes: a storefront token (it lives in a browser) may not open it.
  ['storefront', "E's setup", 4403, 4403, 4403],
  ['storefront', "E's brand b1", 'joins', 'receives state', 4405],
  ['storefront', "E's brand b2", 'joins', 'receives state', 4405],
  ['storefront', "F's setup", 4403, 4403, 4403],

  ['other-event organiser', "E's setup", 4403, 4403, 4403],
  ['other-event organiser', "E's brand b1", 4403, 4403, 4403],
  ['other-event organiser', "E's brand b2", 4403, 4403, 4403],
  ['other-event organiser', "F's setup", 'joins', 'receives state', 'stored'],

  ['bad token', "E's setup", 4401, 4401, 4401],
  ['bad token', "E's brand b1", 4401, 4401, 4401],
  ['bad token', "E's brand b2", 4401, 4401, 4401],
  ['bad token', "F's setup", 4401, 4401, 4401],

  // A till's document (shift events, voids): written by that till's device alone, read by the organiser.
  ['admin', "E's till doc of the paired till", 'joins', 'receives state', 4405],
  ['organiser', "E's till doc of the paired till", 'joins', 'receives state', 4405],
  ['till', "E's till doc of the paired till", 'joins', 'receives state', 'stored'],
  ['till', "E's till doc of another till", 4403, 4403, 4403],
  ['storefront', "E's till doc of the paired till", 4403, 4403, 4403],
  ['other-event organiser', "E's till doc of the paired till", 4403, 4403, 4403],
  ['bad token', "E's till doc of the paired till", 4401, 4401, 4401],
];

let w: World | undefined;
afterEach(async () => {
  await w?.stop();
  w = undefined;
});

/** The demo event E, a second event F with its own organiser, and a till paired for E's brand b1 only. */
async function permissionWorld() {
  const d = await demoWorld();
  w = d;
  const admin = d.server.adminToken;
  const created = await api(d.server.url, 'POST', '/api/events', {
    token: admin,
    body: { config: { ...demoConfig(Date.now()), id: F, name: 'Other Fair' }, brands: [{ id: 'other-brand', name: 'Other Brand', commissionBp: 1000, boothFee: 0 }], locations: [{ id: 'stand-1', kind: 'booth', name: 'Stand 1' }] },
  });
  expect(created.status).toBe(201);
  const otherOrganiser = await api(d.server.url, 'POST', `/api/events/${F}/tokens`, { token: admin, body: { role: 'organiser' } });
  expect(otherOrganiser.status).toBe(201);
  const till = await pairTill(d.server.url, d.demo.tills[1]!.code);
  expect(till.brandIds).toEqual([B1]);
  const tokens: Record<RoleName, string> = {
    admin,
    organiser: d.demo.organiserToken,
    till: till.token,
    storefront: d.demo.storefrontToken,
    'other-event organiser': (otherOrganiser.body as { token: string }).token,
    'bad token': 'pp_this-token-was-never-issued',
  };
  // The till's own replica of the setup document: its prices, receipt prefix and managers come from it.
  const setup = await copyOfServerDoc(d.server, setupDocName(E));
  return { d, till: { ...till, setup }, tokens };
}

/** A valid change for this role on this document, made on a replica of it: what is written, and where. */
function validChange(role: RoleName, docKey: DocKey, replica: Y.Doc, till: Awaited<ReturnType<typeof permissionWorld>>['till']) {
  if (docKey === "E's till doc of the paired till" || docKey === "E's till doc of another till") {
    // The till's own shift opening, made by its device: valid content, which only that till may send.
    const open = openShift([], { tillId: till.tillId, cashierId: 'ana', now: Date.now(), float: 10_000 }, new HybridClock(till.deviceId, { now: () => Date.now() }));
    const update = updateOf(replica, (doc) => new TillDoc(doc).appendShiftEvent(open));
    return { update, added: { shifts: { [open.id]: replica.getMap('shifts').get(open.id) } } };
  }
  if (docKey === "E's setup" || docKey === "F's setup") {
    const brand = { id: 'popup-extra', name: 'Extra Brand', commissionBp: 1000, boothFee: 0 };
    return { update: updateOf(replica, (doc) => doc.getMap('brands').set(brand.id, encodeValue(brand))), added: { brands: { [brand.id]: encodeValue(brand) } } };
  }
  if (role === 'till') {
    // A sale of the till's own device, within its rights.
    const writer = new TillWriter(till, B1, replica, till.setup);
    let sold: ReturnType<TillWriter['sell']> | undefined;
    const update = updateOf(replica, () => (sold = writer.sell('SL-CABLE', 1)));
    const brand = new BrandDoc(replica);
    return { update, added: { sales: { [sold!.sale.id]: brand.map('sales').get(sold!.sale.id) }, ledger: { [sold!.entries[0]!.id]: brand.map('ledger').get(sold!.entries[0]!.id) } } };
  }
  // A catalog record: valid, and something only the admin may write this way.
  const brandId = docKey === "E's brand b1" ? B1 : B2;
  const product = { ...DEMO_PRODUCTS.find((p) => p.brandId === brandId)!, sku: 'EXTRA-1', barcodes: [] };
  return { update: updateOf(replica, (doc) => doc.getMap('products').set(product.sku, encodeValue(product))), added: { products: { [product.sku]: encodeValue(product) } } };
}

function cellName([role, docKey, open, , write]: (typeof MATRIX)[number]): string {
  const who = `${/^[aeiou]/.test(role) ? 'an' : 'a'} ${role} token`;
  if (open !== 'joins') return `${who} is refused ${docKey} with close code ${open}`;
  return write === 'stored'
    ? `${who} opens ${docKey}, receives its state, and its valid change is stored`
    : `${who} opens ${docKey} and receives its state, but a change is refused with close code ${write} and nothing is stored`;
}

describe('document permissions over the sync protocol', () => {
  for (const cell of MATRIX) {
    const [role, docKey, open, read, write] = cell;
    it(cellName(cell), async () => {
      const { d, till, tokens } = await permissionWorld();
      const name = DOCS[docKey];
      const before = await storedState(d.server, name);
      const client = rawClient(d, name, tokens[role], { ack: '1' });

      // open
      if (open !== 'joins') {
        expect(read).toBe(open);
        expect(write).toBe(open);
        expect((await client.closed).code).toBe(open);
        expect(client.messages.filter((m) => m?.type === 'sync-step1')).toEqual([]);
        expect(await storedState(d.server, name)).toEqual(before);
        expect(await metric(d.server.url, 'popup_updates_rejected_total')).toBe(0);
        return;
      }
      await client.joined();

      // read: ask for everything (an empty state vector) and get exactly the server's document
      expect(read).toBe('receives state');
      client.send(syncStep1(Y.encodeStateVector(new Y.Doc())));
      await until(() => client.messages.some((m) => m?.type === 'update' && m.step2), 'sync step 2');
      const replica = new Y.Doc();
      for (const m of client.messages) if (m?.type === 'update' && m.step2) Y.applyUpdate(replica, m.update);
      expect(docState(replica)).toEqual(before);
      // A till document is empty until its till records a shift event or a void.
      if (docKey !== "F's setup" && !docKey.includes('till doc')) expect(Object.keys(before.maps).length).toBeGreaterThan(0);

      // write
      const change = validChange(role, docKey, replica, till);
      client.send(syncUpdate(change.update));
      if (write === 'stored') {
        const clock = Y.getState(replica.store, replica.clientID);
        await until(() => client.messages.some((m) => m?.type === 'ack' && Y.decodeStateVector(m.stateVector).get(replica.clientID) === clock), 'the acknowledgement');
        const expected = structuredClone(before.maps);
        for (const [map, entries] of Object.entries(change.added)) expected[map] = { ...expected[map], ...entries };
        expect((await storedState(d.server, name)).maps).toEqual(expected);
        expect(client.ws.readyState).toBe(client.ws.OPEN);
        expect(await metric(d.server.url, 'popup_updates_rejected_total')).toBe(0);
      } else {
        expect(await client.closed).toEqual({ code: write, reason: 'this connection is read-only' });
        expect(client.messages.filter((m) => m?.type === 'auth')).toEqual([{ type: 'auth', denied: 'this connection is read-only' }]);
        expect(await storedState(d.server, name)).toEqual(before);
        expect(await metric(d.server.url, 'popup_updates_rejected_total')).toBe(1);
        // The rejection is recorded for the organiser to see (written just after the close).
        await eventually(async () => {
          const recorded = await rejections(d.server.url, E, tokens.organiser);
          expect(recorded.map(({ doc, role: r, reason }) => ({ doc, role: r, reason }))).toEqual([{ doc: name, role, reason: 'this connection is read-only' }]);
        });
      }
    });
  }
});

describe('organiser HTTP endpoints', () => {
  it('refuse till, storefront and other-event tokens with 403 and missing or unknown tokens with 401, changing nothing', async () => {
    const { d, tokens } = await permissionWorld();
    const line = { brandId: B2, sku: 'NT-CAP', qty: 1 };
    const endpoints: { method: string; path: string; body?: unknown }[] = [
      { method: 'POST', path: `/api/events/${E}/catalog`, body: { products: [{ ...DEMO_PRODUCTS[0]!, price: 1 }] } },
      { method: 'POST', path: `/api/events/${E}/stock/receive`, body: { holder: 'reserve', lines: [line] } },
      { method: 'POST', path: `/api/events/${E}/stock/transfer`, body: { from: 'reserve', to: 'hub:hub-central', lines: [line] } },
      { method: 'POST', path: `/api/events/${E}/pairing-codes`, body: { name: 'Sneaky till', locationId: 'booth-a', brandIds: [B2] } },
      { method: 'POST', path: `/api/events/${E}/tokens`, body: { role: 'storefront' } },
      { method: 'GET', path: `/api/events/${E}/rejections` },
    ];
    const callers: [string, string | undefined, number][] = [
      ['till', tokens.till, 403],
      ['storefront', tokens.storefront, 403],
      ['other-event organiser', tokens['other-event organiser'], 403],
      ['no token', undefined, 401],
      ['unknown token', tokens['bad token'], 401],
    ];
    const brandBefore = await storedState(d.server, DOCS["E's brand b2"]);
    const setupBefore = await storedState(d.server, DOCS["E's setup"]);
    const outcomes: string[] = [];
    const expected: string[] = [];
    for (const e of endpoints) {
      for (const [who, token, status] of callers) {
        const res = await api(d.server.url, e.method, e.path, { ...(token !== undefined ? { token } : {}), ...(e.body !== undefined ? { body: e.body } : {}) });
        outcomes.push(`${e.method} ${e.path} as ${who}: ${res.status}`);
        expected.push(`${e.method} ${e.path} as ${who}: ${status}`);
      }
    }
    // Creating an event is the admin's alone.
    const create = { config: { ...demoConfig(Date.now()), id: 'sneaky-event' } };
    for (const [who, token, status] of [['organiser', tokens.organiser, 403], ...callers.slice(1)] as [string, string | undefined, number][]) {
      const res = await api(d.server.url, 'POST', '/api/events', { ...(token !== undefined ? { token } : {}), body: create });
      outcomes.push(`POST /api/events as ${who}: ${res.status}`);
      expected.push(`POST /api/events as ${who}: ${status}`);
    }
    expect(outcomes).toEqual(expected);
    expect(await storedState(d.server, DOCS["E's brand b2"])).toEqual(brandBefore);
    expect(await storedState(d.server, DOCS["E's setup"])).toEqual(setupBefore);
    expect((await api(d.server.url, 'GET', '/api/events/sneaky-event', { token: d.server.adminToken })).status).toBe(404);

    // The event's own organiser gets through, and the refused transfer above is the only one that lands.
    const ok = await api(d.server.url, 'POST', `/api/events/${E}/stock/transfer`, { token: tokens.organiser, body: { from: 'reserve', to: 'hub:hub-central', lines: [line] } });
    expect(ok.status).toBe(201);
    const ledgerAfter = await d.server.hub.read(DOCS["E's brand b2"], (doc) => new BrandDoc(doc).ledger().items.length);
    expect(ledgerAfter).toBe(Object.keys(brandBefore.maps['ledger']!).length + 1);
    expect((await api(d.server.url, 'GET', `/api/events/${E}/rejections`, { token: tokens.organiser })).status).toBe(200);
    // Reading the event is open to every role of it, not to another event's.
    for (const [token, status] of [[tokens.till, 200], [tokens.storefront, 200], [tokens['other-event organiser'], 403], [undefined, 401]] as [string | undefined, number][]) {
      expect((await api(d.server.url, 'GET', `/api/events/${E}`, token !== undefined ? { token } : {})).status).toBe(status);
    }
  });
});
