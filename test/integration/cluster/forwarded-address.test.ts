import { request } from 'node:http';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { DEMO_EVENT_ID } from '../../../core/event/demo-event.ts';
import { freshDatabase, type TestDatabase } from '../../../sync-server/storage/pg-test-support.ts';
import { api, demoWorld, world, type World } from '../../../sync-server/test-support.ts';

/**
 * Two real servers (in this process) on one PostgreSQL: `a` seeds the demo event and owns it, `b` forwards
 * to it. What a cluster must get right beyond serving through either process:
 *  - the events list is a read of the store, answered by every process;
 *  - a creator link's per-address limit behind a forward counts the client, not the forwarding process, and
 *    a client cannot pick its address by writing the forwarding headers itself.
 * Clients come from distinct loopback addresses (127.0.0.x) so the owner can tell them from `b`.
 */
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

const E = DEMO_EVENT_ID;
const ADMIN = 'test-admin-token-0123456789';
const CLUSTER = { ttlMs: 900, renewEveryMs: 300 };
/** A burst of 20 clicks per address and then (nearly) none: a slow machine does not refill a bucket mid-test. */
const REDIRECTS = { perSecond: 0.01, burst: 20 };

let db: TestDatabase;
beforeAll(async () => {
  db = await freshDatabase();
});
afterAll(() => db.drop());

let worlds: World[] = [];
afterEach(async () => {
  for (const w of worlds.reverse()) await w.stop();
  worlds = [];
  // Each case starts from an empty database (no event, no lease).
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  await c.query('DROP SCHEMA public CASCADE; CREATE SCHEMA public');
  await c.end();
});

async function twoProcesses() {
  const a = await demoWorld({ store: { url: db.url }, cluster: CLUSTER, redirects: REDIRECTS });
  worlds.push(a);
  const b = await world({ store: { url: db.url }, cluster: CLUSTER, redirects: REDIRECTS });
  worlds.push(b);
  return { a, b };
}

async function owned(url: string): Promise<string[]> {
  return ((await (await fetch(`${url}/healthz`)).json()) as { cluster: { events: { eventId: string }[] } }).cluster.events.map((e) => e.eventId);
}

/** A GET from a chosen loopback address, redirects not followed: the status and the body. */
function getFrom(from: string, url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { localAddress: from, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function clicksOf(w: World, token: string): Promise<number> {
  await w.server.clicks.flush();
  const res = await api(w.server.url, 'GET', `/api/events/${E}/creators`, { token });
  return (res.body as { creators: { code: string; clicks: number }[] }).creators.find((c) => c.code === 'LENA10')!.clicks;
}

describe('a cluster of two processes', () => {
  it('lists the events through a process that does not serve them, without taking their leases', async () => {
    const { a, b } = await twoProcesses();
    for (const w of [a, b]) {
      const r = await api(w.server.url, 'GET', '/api/events', { token: ADMIN });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      expect((r.body as { events: { id: string; name: string }[] }).events.map((e) => e.id)).toEqual([E]);
    }
    expect(await owned(a.server.url)).toEqual([E]);
    expect(await owned(b.server.url)).toEqual([]);
  });

  it("limits creator-link clicks per client behind a forward, and a client's own forwarding headers neither choose its address nor count a click", async () => {
    const { a, b } = await twoProcesses();
    const link = (w: World) => `${w.server.url}/r/LENA10`;
    const organiser = a.demo.organiserToken;
    // One client uses up its burst (20) through b; a second client through b is not limited by it.
    for (let i = 0; i < 20; i++) expect((await getFrom('127.0.0.5', link(b))).status).toBe(302);
    expect((await getFrom('127.0.0.6', link(b))).status).toBe(302);
    // The first is limited, through b and at the owner alike: its address is its own wherever it comes in.
    expect((await getFrom('127.0.0.5', link(b))).status).toBe(429);
    expect((await getFrom('127.0.0.5', link(a))).status).toBe(429);
    // Posing as b with an address of its choosing: refused, at the owner and at b (which does not pass it on).
    for (const w of [a, b]) {
      const forged = await getFrom('127.0.0.5', link(w), { 'x-popup-forwarded': 'b', 'x-popup-client': '10.0.0.1' });
      expect(forged.status).toBe(403);
      expect(JSON.parse(forged.body)).toMatchObject({ type: 'ForwardNotAuthenticated' });
    }
    // X-Forwarded-For is the client's claim without --trust-proxy: still its own bucket, still limited.
    expect((await getFrom('127.0.0.5', link(a), { 'x-forwarded-for': '10.0.0.2' })).status).toBe(429);
    expect((await getFrom('127.0.0.5', link(b), { 'x-forwarded-for': '10.0.0.3' })).status).toBe(429);
    expect(await clicksOf(a, organiser)).toBe(21);
  });
});
