import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type pg from 'pg';
import * as Y from 'yjs';
import { DEMO_EVENT_ID } from '../../core/event/demo-event.ts';
import { BrandDoc, brandDocName } from '../../core/event/schema.ts';
import { freshDatabase, type TestDatabase } from '../storage/pg-test-support.ts';
import { ackedClock, api, collectAcks, copyOfServerDoc, demoWorld, joinedRawClient, metric, pairTill, synced, TillWriter, until, world, type World } from '../test-support.ts';
import { setupDocName } from '../../core/event/schema.ts';

/**
 * The real server, twice, on one PostgreSQL: `a` seeds the demo event (so it owns it), `b` is a second
 * process on the same database. Everything reaches the event through either.
 */
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

const E = DEMO_EVENT_ID;
const northThread = brandDocName(E, 'north-thread');
const CLUSTER = { ttlMs: 900, renewEveryMs: 300 };

let db: TestDatabase;
beforeAll(async () => {
  db = await freshDatabase();
});
afterAll(() => db.drop());

let worlds: World[] = [];
afterEach(async () => {
  for (const w of worlds.reverse()) await w.stop();
  worlds = [];
  await sql('DROP SCHEMA public CASCADE; CREATE SCHEMA public');
});

function sql(text: string, params: unknown[] = []): Promise<pg.QueryResultRow[]> {
  return db.query(text, params);
}

async function healthz(url: string): Promise<{ cluster: { owner: string; events: { eventId: string; epoch: number }[] } }> {
  return (await (await fetch(`${url}/healthz`)).json()) as { cluster: { owner: string; events: { eventId: string; epoch: number }[] } };
}

async function twoProcesses() {
  const a = await demoWorld({ store: { url: db.url }, cluster: CLUSTER });
  worlds.push(a);
  const b = await world({ store: { url: db.url }, cluster: CLUSTER });
  worlds.push(b);
  return { a, b };
}

describe('two server processes on one PostgreSQL', () => {
  it('serves the event through either: HTTP forwarded, a till paired and syncing through the other process', async () => {
    const { a, b } = await twoProcesses();
    expect((await healthz(a.server.url)).cluster.events.map((e) => e.eventId)).toEqual([E]);
    expect((await healthz(b.server.url)).cluster.events).toEqual([]);

    const direct = await api(a.server.url, 'GET', `/api/events/${E}/stock`, { token: a.demo.storefrontToken });
    const viaB = await api(b.server.url, 'GET', `/api/events/${E}/stock`, { token: a.demo.storefrontToken });
    expect(viaB.status).toBe(200);
    expect(viaB.body).toEqual(direct.body);
    expect(await metric(b.server.url, 'popup_forwards_total{kind="http"}')).toBe(1);

    // Pairing names its event only through the code in its body: b finds it and forwards.
    const till = await pairTill(b.server.url, a.demo.tills[0]!.code);
    const tillDoc = new Y.Doc();
    const client = b.provider(northThread, till.token, tillDoc, { ack: '1' });
    const acks = collectAcks(client);
    await synced(client);
    const { sale } = new TillWriter(till, 'north-thread', tillDoc, await copyOfServerDoc(a.server, setupDocName(E))).sell('NT-CAP', 1);
    const clock = Y.getState(tillDoc.store, tillDoc.clientID);
    await until(() => ackedClock(acks, tillDoc.clientID) >= clock, 'the sale to be acknowledged through b', 10_000);
    // The sale is in the owner's document, and b loaded nothing itself.
    expect(await a.server.hub.read(northThread, (doc) => new BrandDoc(doc).sales().items.map((s) => s.id))).toContain(sale.id);
    expect(b.server.hub.loadedCount()).toBe(0);
    expect(await metric(b.server.url, 'popup_forwards_total{kind="websocket"}')).toBeGreaterThanOrEqual(1);
  });

  it('a process whose lease was taken stops serving: its clients close with 4409, its writes are refused and nothing is stored', async () => {
    const { a, b } = await twoProcesses();
    const till = await pairTill(a.server.url, a.demo.tills[0]!.code);
    const c = await joinedRawClient({ wsUrl: a.wsUrl }, northThread, till.token);
    const before = await sql(`SELECT count(*)::int AS n FROM doc_updates WHERE event_id = $1`, [E]);

    // Another process takes the event while a is stalled (here: by hand, at a new epoch, an unreachable URL).
    await sql(`UPDATE leases SET owner = 'thief', url = 'http://127.0.0.1:9', epoch = epoch + 1, expires_at = clock_timestamp() + interval '1 minute' WHERE event_id = $1`, [E]);
    expect(await c.closed).toEqual({ code: 4409, reason: expect.stringContaining('another server process') });
    expect((await healthz(a.server.url)).cluster.events).toEqual([]);
    // Which of a's steps notices first (its next renewal, or a write fenced at the old epoch) depends on timing.
    const dropped = await Promise.all(['renewal-refused', 'write-fenced', 'renewal-timeout'].map((r) => metric(a.server.url, `popup_lease_drops_total{reason="${r}"}`).catch(() => 0)));
    expect(dropped.reduce((x, y) => x + y, 0)).toBe(1);

    // A stock move sent to a: a no longer owns the event and the thief does not answer: 503, nothing written.
    const moved = await api(a.server.url, 'POST', `/api/events/${E}/stock/receive`, { token: a.demo.organiserToken, body: { brandId: 'north-thread', sku: 'NT-CAP', qty: 5, to: 'reserve' } });
    expect(moved.status).toBe(503);
    expect((moved.body as { type: string }).type).toBe('EventOwnerUnreachable');
    expect(await sql(`SELECT count(*)::int AS n FROM doc_updates WHERE event_id = $1`, [E])).toEqual(before);

    // The thief's lease runs out: the next request, on b, takes the event at a later epoch and serves it.
    await sql(`UPDATE leases SET expires_at = clock_timestamp() WHERE event_id = $1`, [E]);
    const stock = await api(b.server.url, 'GET', `/api/events/${E}/stock`, { token: a.demo.storefrontToken });
    expect(stock.status).toBe(200);
    const owned = (await healthz(b.server.url)).cluster.events;
    expect(owned.map((e) => e.eventId)).toEqual([E]);
    expect(owned[0]!.epoch).toBeGreaterThan(2);
  });

  it('releases its events on a clean stop, so the other process takes them at once', async () => {
    const { a, b } = await twoProcesses();
    await a.server.close();
    worlds = worlds.filter((w) => w !== a);
    const started = Date.now();
    const stock = await api(b.server.url, 'GET', `/api/events/${E}/stock`, { token: a.demo.storefrontToken });
    expect(stock.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(CLUSTER.ttlMs);
    expect((await healthz(b.server.url)).cluster.events.map((e) => e.eventId)).toEqual([E]);
  });
});
