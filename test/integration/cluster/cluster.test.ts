import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { DEMO_EVENT_ID, DEMO_PRODUCTS } from '../../../core/event/demo-event.ts';
import { tillHolder } from '../../../core/ledger/holders.ts';
import { PgStore } from '../../../sync-server/storage/pg-store.ts';
import { freshDatabase, type TestDatabase } from '../../../sync-server/storage/pg-test-support.ts';
import { NodeTill } from '../../chaos/node-till.ts';
import { Prng } from '../../chaos/prng.ts';
import { ChaosLink, NO_FAULTS } from '../../chaos/proxy.ts';
import { RunRecord } from '../../chaos/record.ts';
import { CHAOS_ADMIN_TOKEN, type ServerProcess } from '../../chaos/server-process.ts';
import { ownerOf, startCluster, type Cluster } from '../../cluster-processes.ts';

/**
 * Issue #14's cluster test, on the real server: three `sync-server/cli.ts --store postgres://…` processes on
 * one PostgreSQL database (test/cluster-processes.ts), real tills (the till's LocalStore and TillSync,
 * test/chaos/node-till.ts) each reaching "its" process through a plain relay that, like a load balancer,
 * moves to a live process when its own is down, and the storefront's real order endpoint.
 *  1. Tills connected to different processes converge (two of three are forwarded to the event's owner).
 *  2. 2,000 order attempts spread over the three processes on 200 units: exactly 200 accepted.
 *  3. Meanwhile the owner is SIGKILLed: another process serves within 5 s, and no acknowledged update and
 *     no answered order is lost or doubled.
 *  4. A process whose lease was taken cannot write: while another holder's epoch is in the lease row, the
 *     old owner's write is refused by the fence (nothing acknowledged, nothing stored); a process stalled
 *     (SIGSTOP) past its lease stops serving when it runs again, and its tills' updates reach the new owner.
 */
vi.setConfig({ testTimeout: 150_000, hookTimeout: 90_000 });

const E = DEMO_EVENT_ID;
const HERO = { brandId: 'north-thread', sku: 'CLUSTER-HERO' };
const UNITS = 200;
const ATTEMPTS = 2000;
const KINDS = [
  { locationId: 'booth-a', brandIds: ['north-thread', 'mellow-ceramics'] },
  { locationId: 'booth-b', brandIds: ['second-life'] },
  { locationId: 'booth-b', brandIds: ['second-life', 'north-thread'] },
];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let db: TestDatabase;
let workDir: string;
let cluster: Cluster;
let procs: ServerProcess[];
const links: ChaosLink[] = [];
const tills: NodeTill[] = [];
/** A till pinned to one process (the stall test) connects there and nowhere else. */
const pinned = new Map<string, ServerProcess>();
const record = new RunRecord();

async function api(url: string, method: string, path: string, token: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: Record<string, unknown>; replayed: boolean }> {
  const r = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await r.text();
  return { status: r.status, body: (text ? JSON.parse(text) : {}) as Record<string, unknown>, replayed: r.headers.get('idempotent-replayed') === 'true' };
}

async function must(p: ReturnType<typeof api>, status: number, what: string): Promise<Record<string, unknown>> {
  const r = await p;
  if (r.status !== status) throw new Error(`${what}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

const live = () => procs.filter((p) => p.running && !p.paused);

/** The i-th process when it runs, else the next one that does: what a load balancer's health check does. */
function targetOf(name: string, i: number): () => { host: string; port: number } {
  return () => {
    const pin = pinned.get(name);
    if (pin) return { host: '127.0.0.1', port: pin.port };
    const up = procs.filter((p) => p.running);
    const p = procs[i % procs.length]!.running ? procs[i % procs.length]! : (up[i % Math.max(1, up.length)] ?? procs[i % procs.length]!);
    return { host: '127.0.0.1', port: p.port };
  };
}

/** The event's documents as the cluster serves them, read through `via` (forwarded to the owner). */
async function readServer(via: ServerProcess, organiserToken: string, names: string[]): Promise<{ docs: Map<string, Y.Doc>; close: () => void }> {
  const docs = new Map<string, Y.Doc>();
  const providers = names.map((name) => {
    const doc = new Y.Doc();
    docs.set(name, doc);
    return new WebsocketProvider(`${via.url.replace('http', 'ws')}/sync`, name, doc, { WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket, params: { token: organiserToken }, disableBc: true, maxBackoffTime: 500 });
  });
  const close = () => providers.forEach((p) => p.destroy());
  try {
    await vi.waitFor(() => expect(providers.every((p) => p.synced), `the documents through ${via.url}; the processes said:\n${procs.map((p) => `${p.url}${p.running ? '' : ' (down)'}:\n  ${p.log.slice(-6).join('\n  ')}`).join('\n')}`).toBe(true), { timeout: 30_000, interval: 50 });
  } catch (err) {
    // Providers left behind would reconnect for ever and use up the token's connections.
    close();
    throw err;
  }
  return { docs, close };
}

const svOf = (d: Y.Doc) => Y.decodeStateVector(Y.encodeStateVector(d));
const sameSv = (a: Map<number, number>, b: Map<number, number>) => a.size === b.size && [...a].every(([c, n]) => b.get(c) === n);

/** Every till has sent everything and holds exactly what the cluster serves, document by document. */
async function converged(organiserToken: string): Promise<void> {
  const names = new Set<string>();
  for (const t of tills) for (const n of t.stateVectors().keys()) names.add(n);
  await vi.waitFor(
    async () => {
      for (const t of tills) expect(await t.outboxSize(), `${t.name}'s outbox`).toBe(0);
      const server = await readServer(live()[live().length - 1]!, organiserToken, [...names]);
      try {
        for (const t of tills) for (const [n, sv] of t.stateVectors()) expect(sameSv(Y.decodeStateVector(sv), svOf(server.docs.get(n)!)), `${t.name} ${n}`).toBe(true);
      } finally {
        server.close();
      }
    },
    { timeout: 60_000, interval: 500 },
  );
}

/** The documents as PostgreSQL holds them: what a SIGKILL of every process would leave. */
async function stored(docNames: string[]): Promise<Map<string, Y.Doc>> {
  const reader = await PgStore.open(db.url, { poolSize: 1 });
  try {
    const out = new Map<string, Y.Doc>();
    // Any epoch opens a handle for reading; reads are not fenced.
    const h = reader.event(E, { epoch: 1 });
    for (const name of docNames) {
      const doc = new Y.Doc();
      const st = await h.loadDoc(name);
      if (st.snapshot) Y.applyUpdateV2(doc, st.snapshot);
      for (const u of st.updates) Y.applyUpdate(doc, u);
      out.set(name, doc);
    }
    return out;
  } finally {
    await reader.close();
  }
}

/** Acknowledged outbox rows missing from the stored documents. */
async function lostAcknowledged(): Promise<string[]> {
  const names = new Set<string>();
  for (const t of tills) for (const a of t.acked.values()) names.add(a.doc);
  const docs = await stored([...names]);
  const lost: string[] = [];
  for (const t of tills) {
    for (const [seq, a] of t.acked) {
      const doc = docs.get(a.doc)!;
      if (Y.decodeUpdate(a.update).structs.some((st) => st.id.clock + st.length > Y.getState(doc.store, st.id.client))) lost.push(`${t.name} row ${seq} of ${a.doc}`);
    }
  }
  return lost;
}

async function metric(p: ServerProcess, line: string): Promise<number> {
  const text = await (await fetch(`${p.url}/metrics`)).text();
  const found = text.split('\n').find((l) => l.startsWith(`${line} `));
  return found ? Number(found.slice(line.length + 1)) : 0;
}

beforeAll(async () => {
  db = await freshDatabase();
  workDir = await mkdtemp(join(tmpdir(), 'popup-cluster-'));
  // 2,000 orders from one storefront token and one address in a few seconds: the per-token and per-address
  // limits (per process) would refuse most of them, which is not what this test is about.
  cluster = await startCluster({ n: 3, storeUrl: db.url, workDir, serverArgs: ['--storefront-per-token-per-second', '100000', '--storefront-per-address-per-second', '100000'] });
  procs = cluster.procs;
});

afterAll(async () => {
  for (const t of tills) {
    try {
      t.stop();
    } catch {
      // stopped already
    }
  }
  for (const l of links) await l.close();
  await cluster?.stop();
  await rm(workDir, { recursive: true, force: true });
  await db?.drop();
});

describe('three real server processes on one PostgreSQL', () => {
  it('tills on different processes converge; 2,000 orders over the three on 200 units accept exactly 200; the owner SIGKILLed mid-traffic: another serves within 5 s, nothing acknowledged lost or doubled', async () => {
    const { organiserToken, storefrontToken } = cluster.tokens;
    const first = procs[0]!;
    expect(await first.owned()).toEqual([E]);
    // The events list is a read of the store: every process answers it (not 503 because another serves the
    // event), and a process that does not serve the event takes no lease by listing it.
    for (const p of procs) {
      const r = await api(p.url, 'GET', '/api/events', CHAOS_ADMIN_TOKEN);
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      expect((r.body['events'] as { id: string }[]).map((e) => e.id)).toEqual([E]);
    }
    expect(await first.owned()).toEqual([E]);
    for (const p of procs.slice(1)) expect(await p.owned()).toEqual([]);

    // The drop's hero: 200 units for the online channel, set up through the second process (forwarded).
    const via = procs[1]!.url;
    const product = { ...HERO, name: 'Cluster hero', variant: '', price: 4000, cost: 1000, marginFloorBp: 1000, taxRateBp: 2000, hero: true, lowStockThreshold: 1, safetyStock: 0, serialTracked: false };
    await must(api(via, 'POST', `/api/events/${E}/catalog`, organiserToken, { products: [product] }), 200, 'catalog');
    await must(api(via, 'POST', `/api/events/${E}/stock/receive`, organiserToken, { holder: 'reserve', lines: [{ ...HERO, qty: UNITS }] }), 201, 'receive');
    const plenty = DEMO_PRODUCTS.filter((p) => !p.serialTracked).map((p) => ({ brandId: p.brandId, sku: p.sku, qty: 2000 }));
    await must(api(via, 'POST', `/api/events/${E}/stock/receive`, organiserToken, { holder: 'reserve', lines: plenty }), 201, 'receive for the tills');
    await must(api(via, 'POST', `/api/events/${E}/stock/transfer`, organiserToken, { from: 'reserve', to: 'online', lines: [{ ...HERO, qty: UNITS }] }), 201, 'transfer');
    const item = ((await must(api(procs[2]!.url, 'GET', `/api/events/${E}/stock`, storefrontToken), 200, 'stock'))['items'] as { sku: string; available: number; price: number }[]).find((i) => i.sku === HERO.sku)!;
    expect(item.available).toBe(UNITS);

    // 1. One till per process (its own relay), two of them forwarded to the owner.
    const rng = new Prng(14);
    for (let i = 0; i < 3; i++) {
      const name = `till-${i + 1}`;
      const link = new ChaosLink(name, targetOf(name, i), rng.fork(`link:${name}`), NO_FAULTS);
      await link.listen();
      links.push(link);
      const till = new NodeTill(name, link, rng.fork(name), record);
      await till.open();
      const code = await must(api(procs[i]!.url, 'POST', `/api/events/${E}/pairing-codes`, organiserToken, { name: `Cluster ${name}`, ...KINDS[i]! }), 201, 'pairing code');
      const lines = DEMO_PRODUCTS.filter((p) => KINDS[i]!.brandIds.includes(p.brandId) && !p.serialTracked).map((p) => ({ brandId: p.brandId, sku: p.sku, qty: 200 }));
      await must(api(procs[i]!.url, 'POST', `/api/events/${E}/stock/transfer`, organiserToken, { from: 'reserve', to: tillHolder(String(code['tillId'])), lines }), 201, 'till stock');
      await till.pair(String(code['code']));
      tills.push(till);
    }
    await vi.waitFor(() => expect(tills.every((t) => t.ready && t.sync?.current.state === 'online')).toBe(true), { timeout: 60_000, interval: 100 });
    for (let n = 0; n < 5; n++) for (const t of tills) await t.sell({ reloadChance: 0, overrideChance: 0 });
    await converged(organiserToken);

    // 2 and 3. 40 shoppers over the three processes; tills keep selling; the owner dies after 400 attempts.
    const answered = new Map<string, { status: number; orderId?: string; sales?: string[] }>();
    const orderIdsByKey = new Map<string, Set<string>>();
    const body = { lines: [{ ...HERO, qty: 1 }], payment: { method: 'card', amount: item.price } };
    let next = 0;
    let killedAt = 0;
    let firstAfterKill = 0;
    const attempt = async (key: string, start: number): Promise<void> => {
      for (let tries = 0; ; tries++) {
        const up = live();
        const p = up[(start + tries) % up.length]!;
        const sentAt = Date.now();
        let r: Awaited<ReturnType<typeof api>>;
        try {
          r = await api(p.url, 'POST', `/api/events/${E}/orders`, storefrontToken, body, { 'idempotency-key': key });
        } catch {
          await sleep(50);
          continue; // no answer (its process died): the shopper's page sends the same key again
        }
        if (r.status === 503) {
          await sleep(200);
          continue;
        }
        if (r.status !== 201 && r.status !== 409) throw new Error(`order ${key}: ${r.status} ${JSON.stringify(r.body)}`);
        // Asked after the kill, of a survivor: an answer the dead owner wrote before dying does not count.
        if (killedAt && sentAt > killedAt && p !== owner && !firstAfterKill) firstAfterKill = Date.now();
        if (r.status === 201) {
          const ids = orderIdsByKey.get(key) ?? new Set<string>();
          ids.add(String(r.body['orderId']));
          orderIdsByKey.set(key, ids);
        }
        answered.set(key, { status: r.status, ...(r.status === 201 ? { orderId: String(r.body['orderId']), sales: r.body['sales'] as string[] } : {}) });
        return;
      }
    };
    const owner = (await ownerOf(procs, E))!;
    let selling = true;
    const sales = tills.map(async (t) => {
      while (selling) {
        await t.sell({ reloadChance: 0, overrideChance: 0 });
        await sleep(60);
      }
    });
    const shoppers = Array.from({ length: 40 }, async (_v, s) => {
      for (let i = next++; i < ATTEMPTS; i = next++) {
        if (i === 400 && !killedAt) {
          await owner.kill();
          killedAt = Date.now();
        }
        await attempt(`cluster-order-${i}`, s + i);
      }
    });
    try {
      await Promise.all(shoppers);
    } finally {
      selling = false;
      await Promise.all(sales);
    }
    // An order answered before the kill does not show a takeover: measured from one asked after it.
    expect(killedAt).toBeGreaterThan(0);
    const took = firstAfterKill - killedAt;
    expect(took, `kill to the first order answered by another process (${took} ms); the survivors said:\n${procs.filter((p) => p !== owner).flatMap((p) => p.log.slice(-8)).join('\n')}`).toBeLessThan(5000);
    expect(record.errors).toEqual([]);

    // Exactly 200 accepted, each key one order, every answered order stored with its sales.
    expect(answered.size).toBe(ATTEMPTS);
    const accepted = [...answered.values()].filter((a) => a.status === 201);
    expect(accepted).toHaveLength(UNITS);
    expect([...orderIdsByKey.values()].filter((ids) => ids.size > 1)).toEqual([]);
    expect(new Set(accepted.map((a) => a.orderId)).size).toBe(UNITS);
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    const rows = (await c.query<{ key: string }>(`SELECT key FROM event_records WHERE event_id = $1 AND ns = 'orders'`, [E])).rows;
    await c.end();
    expect(rows.map((r) => r.key).sort()).toEqual(accepted.map((a) => a.orderId!).sort());
    const brand = (await stored([`event/${E}/brand/${HERO.brandId}`])).values().next().value!;
    const storedSales = brand.getMap('sales');
    for (const a of accepted) for (const id of a.sales!) expect(storedSales.has(id), `order ${a.orderId}'s sale ${id}`).toBe(true);
    const left = ((await must(api(live()[0]!.url, 'GET', `/api/events/${E}/stock`, storefrontToken), 200, 'stock'))['items'] as { sku: string; available: number }[]).find((i) => i.sku === HERO.sku)!;
    expect(left.available).toBe(0);

    // Every till's every change acknowledged and equal to what the cluster serves; nothing acknowledged lost.
    await converged(organiserToken);
    expect(await lostAcknowledged()).toEqual([]);
    const survivor = (await ownerOf(procs, E))!;
    expect(survivor).not.toBe(owner);
  });

  it('a process whose lease was taken cannot write: its write is refused by the fence, nothing acknowledged or stored until a live process takes the event', async () => {
    const { organiserToken, storefrontToken } = cluster.tokens;
    // The process killed in the test before comes back (same port and data, as a supervisor restarts it).
    for (const p of procs) if (!p.running) await p.restart();
    const owner = (await ownerOf(procs, E))!;
    const till = tills[0]!;
    const brandDoc = `event/${E}/brand/north-thread`;
    // The till talks to the owner itself, not through a forward.
    pinned.set(till.name, owner);
    till.link.cut();
    till.link.restore();
    await vi.waitFor(() => expect(till.sync?.current.state).toBe('online'), { timeout: 30_000, interval: 50 });
    await converged(organiserToken);
    const dropsOf = async (p: ServerProcess) => (await metric(p, 'popup_lease_drops_total{reason="write-fenced"}')) + (await metric(p, 'popup_lease_drops_total{reason="renewal-refused"}'));
    const dropsBefore = await dropsOf(owner);
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    try {
      const count = async () => Number((await c.query<{ n: string }>('SELECT count(*) AS n FROM doc_updates WHERE event_id = $1 AND doc = $2', [E, brandDoc])).rows[0]!.n);
      // Someone else's epoch in the lease row, as a process that took the lease during a stall would leave it;
      // it names no live process, so nobody can serve the event until it runs out (2 s).
      const { rows } = await c.query<{ epoch: string }>(`UPDATE leases SET owner = 'stall-test-thief', epoch = epoch + 1, expires_at = now() + interval '2 seconds' WHERE event_id = $1 RETURNING epoch`, [E]);
      const stolenEpoch = Number(rows[0]!.epoch);
      const storedBefore = await count();
      const ackedBefore = till.acked.size;
      // At once, before the owner's next renewal (every second) could notice: a sale on the owner's brand doc.
      const north = till.profile!.brandIds.includes('north-thread');
      expect(north).toBe(true);
      await till.sell({ reloadChance: 0, overrideChance: 0 });
      await sleep(1200);
      expect(till.acked.size, 'acknowledged while another epoch held the lease').toBe(ackedBefore);
      expect(await till.outboxSize()).toBeGreaterThan(0);
      expect(await count(), 'rows stored while another epoch held the lease').toBe(storedBefore);
      // Its write refused by the fence (or, had its renewal come first, its renewal): it dropped the event.
      expect(await dropsOf(owner)).toBe(dropsBefore + 1);
      expect(await owner.owned()).toEqual([]);

      // The thief's lease runs out; a live process takes the event at a later epoch and the sale lands.
      pinned.delete(till.name);
      await converged(organiserToken);
      expect(await lostAcknowledged()).toEqual([]);
      const now = (await c.query<{ epoch: string }>('SELECT epoch FROM leases WHERE event_id = $1', [E])).rows[0]!;
      expect(Number(now.epoch)).toBeGreaterThan(stolenEpoch);
    } finally {
      await c.end();
    }

    // A stall: the owner is stopped (SIGSTOP) past its lease; another process takes the event; the owner runs
    // again (SIGCONT) and stops serving it, and the till that talked to it reaches the new owner.
    const stalled = (await ownerOf(procs, E))!;
    pinned.set(till.name, stalled);
    till.link.cut();
    till.link.restore();
    await vi.waitFor(() => expect(till.sync?.current.state).toBe('online'), { timeout: 30_000, interval: 50 });
    stalled.pause();
    try {
      await sleep(4000);
      const other = live()[0]!;
      await vi.waitFor(async () => expect((await api(other.url, 'GET', `/api/events/${E}/stock`, storefrontToken)).status).toBe(200), { timeout: 10_000, interval: 200 });
      expect(await ownerOf(live(), E)).toBeDefined();
      await till.sell({ reloadChance: 0, overrideChance: 0 });
    } finally {
      stalled.resume();
    }
    await vi.waitFor(async () => expect(await stalled.owned()).toEqual([]), { timeout: 10_000, interval: 100 });
    pinned.delete(till.name);
    await converged(organiserToken);
    expect(await lostAcknowledged()).toEqual([]);
  });
});
