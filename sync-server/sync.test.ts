import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { DEMO_EVENT_ID, DEMO_PRODUCTS } from '../core/event/demo-event.ts';
import { BrandDoc, brandDocName, SetupDoc, setupDocName } from '../core/event/schema.ts';
import { ackedClock, api, collectAcks, copyOfServerDoc, demoWorld, docState, pairTill, storedState, synced, TillWriter, until, viewOf, type World } from './test-support.ts';

let w: World | undefined;
afterEach(async () => {
  await w?.stop();
  w = undefined;
});

const northThread = brandDocName(DEMO_EVENT_ID, 'north-thread');

describe('sync server with stock y-websocket clients', () => {
  it('serves the seeded event to an organiser and relays awareness between clients', async () => {
    const d = await demoWorld();
    w = d;
    const organiser = d.demo.organiserToken;
    const a = d.provider(setupDocName(DEMO_EVENT_ID), organiser);
    const b = d.provider(northThread, organiser);
    await Promise.all([synced(a), synced(b)]);
    expect(new SetupDoc(a.doc).brands().items.map((x) => x.id)).toContain('north-thread');
    expect(new BrandDoc(b.doc).products().items.length).toBeGreaterThan(5);
    const c = d.provider(northThread, organiser);
    await synced(c);
    b.awareness.setLocalStateField('user', { name: 'Organiser laptop' });
    await until(() => [...c.awareness.getStates().values()].some((s) => s['user']?.name === 'Organiser laptop'), 'awareness to reach the other client');
  });

  it('keeps everything across a restart on the same data folder', async () => {
    const d = await demoWorld();
    w = d;
    const before = await d.server.hub.read(northThread, (doc) => Y.encodeStateVector(doc));
    await d.restart();
    const p = d.provider(northThread, d.demo.organiserToken);
    await synced(p);
    expect(Y.encodeStateVector(p.doc)).toEqual(before);
    expect(new BrandDoc(p.doc).ledger().items.length).toBeGreaterThan(10);
  });

  it('relays a sale from a till to two organiser clients, and all three end up with the same document as the server', async () => {
    const d = await demoWorld();
    w = d;
    const till = await pairTill(d.server.url, d.demo.tills[0]!.code);
    const second = await api(d.server.url, 'POST', `/api/events/${DEMO_EVENT_ID}/tokens`, { token: d.server.adminToken, body: { role: 'organiser', label: 'second laptop' } });
    expect(second.status).toBe(201);
    const organisers = [d.provider(northThread, d.demo.organiserToken), d.provider(northThread, (second.body as { token: string }).token)];
    const tillClient = d.provider(northThread, till.token);
    await Promise.all([...organisers, tillClient].map(synced));

    const writer = new TillWriter(till, 'north-thread', tillClient.doc, await copyOfServerDoc(d.server, setupDocName(DEMO_EVENT_ID)));
    expect(writer.rights('NT-CAP')).toBe(15);
    const { sale, entries } = writer.sell('NT-CAP', 2);
    expect(entries).toHaveLength(1);

    for (const o of organisers) {
      await until(() => new BrandDoc(o.doc).saleById(sale.id) !== undefined, 'the sale to reach an organiser');
      expect(new BrandDoc(o.doc).saleById(sale.id)).toEqual(sale);
      expect(new BrandDoc(o.doc).ledger().items.filter((e) => e.id === entries[0]!.id)).toEqual(entries);
      expect(viewOf(o.doc).rights(writer.holder, 'NT-CAP')).toBe(13);
    }
    const server = await storedState(d.server, northThread);
    expect(server).toEqual(docState(tillClient.doc));
    for (const o of organisers) expect(docState(o.doc)).toEqual(server);
    expect(await d.server.hub.read(northThread, (_doc, view) => view!.rights(writer.holder, 'NT-CAP'))).toBe(13);
  });

  it("acknowledges a paired till's sale (message type 100) once it is stored, and only to a client that asked with ack=1", async () => {
    const d = await demoWorld();
    w = d;
    const till = await pairTill(d.server.url, d.demo.tills[0]!.code);
    const tillClient = d.provider(northThread, till.token, new Y.Doc(), { ack: '1' });
    const organiser = d.provider(northThread, d.demo.organiserToken);
    const tillAcks = collectAcks(tillClient);
    const organiserAcks = collectAcks(organiser);
    await Promise.all([synced(tillClient), synced(organiser)]);
    const me = tillClient.doc.clientID;
    expect(ackedClock(tillAcks, me)).toBe(0);

    const writer = new TillWriter(till, 'north-thread', tillClient.doc, await copyOfServerDoc(d.server, setupDocName(DEMO_EVENT_ID)));
    const { sale, entries } = writer.sell('NT-TOTE', 1);
    // One sale record and one ledger entry: two structs of this client.
    expect(Y.getState(tillClient.doc.store, me)).toBe(2);
    await until(() => ackedClock(tillAcks, me) >= 2, 'the acknowledgement');
    expect(ackedClock(tillAcks, me)).toBe(2);

    // What the acknowledgement promises is in the server's document …
    const stored = await d.server.hub.read(northThread, (doc, view) => ({
      clock: Y.getState(doc.store, me),
      sale: new BrandDoc(doc).saleById(sale.id),
      entries: new BrandDoc(doc).ledger().items.filter((e) => e.id === entries[0]!.id),
      rights: view!.rights(writer.holder, 'NT-TOTE'),
    }));
    expect(stored).toEqual({ clock: 2, sale, entries, rights: 14 });
    // … and reaches the organiser, who never asked for acknowledgements and gets none.
    await until(() => new BrandDoc(organiser.doc).saleById(sale.id) !== undefined, 'the sale to reach the organiser');
    expect(new BrandDoc(organiser.doc).saleById(sale.id)).toEqual(sale);
    expect(organiserAcks).toEqual([]);
  });

  it('takes a till and an organiser back after they reconnect following a catalog edit (their sync step 2 re-sends old deletions)', async () => {
    const d = await demoWorld();
    w = d;
    const till = await pairTill(d.server.url, d.demo.tills[0]!.code);
    const tillClient = d.provider(northThread, till.token, new Y.Doc(), { ack: '1' });
    const organiser = d.provider(northThread, d.demo.organiserToken);
    const acks = collectAcks(tillClient);
    const closes: number[] = [];
    for (const p of [tillClient, organiser]) p.on('connection-close', (e) => closes.push(e?.code ?? 0));
    await Promise.all([synced(tillClient), synced(organiser)]);

    // A new price for an existing SKU replaces its value: Yjs deletes the old one.
    const cap = { ...DEMO_PRODUCTS.find((p) => p.sku === 'NT-CAP')!, price: 2700 };
    const res = await api(d.server.url, 'POST', `/api/events/${DEMO_EVENT_ID}/catalog`, { token: d.demo.organiserToken, body: { products: [cap] } });
    expect(res).toEqual({ status: 200, body: { imported: 1 } });
    for (const p of [tillClient, organiser]) await until(() => new BrandDoc(p.doc).productBySku('NT-CAP')?.price === 2700, 'the new price');

    for (const p of [tillClient, organiser]) {
      p.disconnect();
      p.connect();
    }
    await Promise.all([synced(tillClient), synced(organiser)]);
    const writer = new TillWriter(till, 'north-thread', tillClient.doc, await copyOfServerDoc(d.server, setupDocName(DEMO_EVENT_ID)));
    const { sale } = writer.sell('NT-CAP', 1);
    await until(() => ackedClock(acks, tillClient.doc.clientID) >= Y.getState(tillClient.doc.store, tillClient.doc.clientID), 'the sale after reconnecting to be acknowledged');
    await until(() => new BrandDoc(organiser.doc).saleById(sale.id) !== undefined, 'the sale to reach the organiser');
    // Only the two local disconnects (no code); the server refused nothing.
    expect(closes).toEqual([0, 0]);
    expect(d.server.metrics.updatesRejected).toBe(0);
  });
});
