import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import pg from 'pg';
import { PgStore } from '../storage/pg-store.ts';
import { freshDatabase, type TestDatabase } from '../storage/pg-test-support.ts';
import { LeaseLostError } from '../storage/store.ts';
import { ClusterMetrics, type LeaseDrop } from './cluster-metrics.ts';
import { EventOwnership } from './event-ownership.ts';

// Real PostgreSQL, real leases: a few waits of one lease TTL each (600 ms here, 3 s in production).
vi.setConfig({ testTimeout: 30_000 });

const TTL = 600;
const RENEW = 150;

let db: TestDatabase;
beforeAll(async () => {
  db = await freshDatabase();
  await (await PgStore.open(db.url)).close();
});
afterAll(() => db.drop());

/** One cluster process as far as ownership goes: its own store (its own pool) and its own owner id. */
interface Proc {
  store: PgStore;
  own: EventOwnership;
  metrics: ClusterMetrics;
  drops: { eventId: string; reason: LeaseDrop }[];
}
const procs: Proc[] = [];
async function proc(name: string): Promise<Proc> {
  const store = await PgStore.open(db.url, { poolSize: 3 });
  const metrics = new ClusterMetrics();
  const own = new EventOwnership({ leases: store.leases, owner: `${name}-${Math.random().toString(36).slice(2)}`, url: `http://${name}.internal:8787`, ttlMs: TTL, renewEveryMs: RENEW, metrics });
  const p: Proc = { store, own, metrics, drops: [] };
  own.onDrop((eventId, reason) => p.drops.push({ eventId, reason }));
  procs.push(p);
  return p;
}
afterEach(async () => {
  for (const p of procs.splice(0)) {
    await p.own.close();
    await p.store.close();
  }
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** A stall: the event loop does nothing else (no renewals) for `ms`, like a long GC pause. */
function stall(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    /* busy: nothing else runs */
  }
}

async function sql<T extends pg.QueryResultRow>(text: string, params: unknown[] = []): Promise<T[]> {
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  try {
    return (await c.query<T>(text, params)).rows;
  } finally {
    await c.end();
  }
}

describe('EventOwnership: one owner per event, through a lease with a fencing epoch', () => {
  it('takes a free event, and sends the other processes to it', async () => {
    const a = await proc('a');
    const b = await proc('b');
    const placedA = await a.own.place('ev-take');
    expect(placedA).toEqual({ kind: 'own', fence: { epoch: 1 } });
    const placedB = await b.own.place('ev-take');
    expect(placedB.kind).toBe('forward');
    expect(placedB.kind === 'forward' && placedB.holder).toMatchObject({ owner: a.own.owner, url: 'http://a.internal:8787', epoch: 1 });
    expect(a.own.owned()).toEqual([{ eventId: 'ev-take', epoch: 1 }]);
    expect(b.own.owned()).toEqual([]);
    expect(a.metrics.leasesHeld).toBe(1);
    expect(a.metrics.takeovers).toBe(1);
    expect(b.metrics.takeovers).toBe(0);
  });

  it('asks the database once for a burst of first requests', async () => {
    const a = await proc('a');
    const acquire = vi.spyOn(a.store.leases, 'acquire');
    const placed = await Promise.all(Array.from({ length: 20 }, () => a.own.place('ev-burst')));
    expect(new Set(placed.map((p) => JSON.stringify(p)))).toEqual(new Set([JSON.stringify({ kind: 'own', fence: { epoch: 1 } })]));
    expect(acquire).toHaveBeenCalledTimes(1);
  });

  it('renews while it serves: after several TTLs it still owns the event at the same epoch', async () => {
    const a = await proc('a');
    const b = await proc('b');
    await a.own.place('ev-renew');
    const first = (await a.store.leases.holder('ev-renew'))!.expiresAt;
    await sleep(TTL * 3);
    expect(a.own.fenceOf('ev-renew')).toEqual({ epoch: 1 });
    expect((await a.store.leases.holder('ev-renew'))!.expiresAt).toBeGreaterThan(first);
    expect((await b.own.place('ev-renew')).kind).toBe('forward');
    await a.store.event('ev-renew', { epoch: 1 }).put('orders', 'o1', { ok: true });
    expect(a.drops).toEqual([]);
  });

  it('a process that stalled past its lease cannot write once another took over: LeaseLostError, nothing stored, the event dropped', async () => {
    const a = await proc('a');
    const b = await proc('b');
    const placed = await a.own.place('ev-stall');
    if (placed.kind !== 'own') throw new Error('a should own ev-stall');
    const stale = a.store.event('ev-stall', placed.fence);
    await stale.put('orders', 'before', 1);

    stall(TTL + 300); // no renewal can run: the lease runs out on the database's clock
    const taken = await b.own.place('ev-stall');
    expect(taken).toEqual({ kind: 'own', fence: { epoch: 2 } });

    // The write the stalled process was about to make when it woke up:
    const err = await stale.put('orders', 'after-stall', 1).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LeaseLostError);
    a.own.writeFenced('ev-stall', placed.fence.epoch);
    expect(await b.store.event('ev-stall', { epoch: 2 }).get('orders', 'after-stall')).toBeUndefined();
    expect(await b.store.event('ev-stall', { epoch: 2 }).get('orders', 'before')).toBe(1);

    // It dropped the event exactly once (by its own clock or by the fenced write, whichever came first).
    expect(a.drops).toHaveLength(1);
    expect(a.drops[0]!.eventId).toBe('ev-stall');
    expect(['renewal-timeout', 'write-fenced']).toContain(a.drops[0]!.reason);
    expect(a.own.fenceOf('ev-stall')).toBeUndefined();
    expect(a.metrics.leasesHeld).toBe(0);
    // And it now forwards to the new owner instead of serving.
    const now = await a.own.place('ev-stall');
    expect(now.kind === 'forward' && now.holder.owner).toBe(b.own.owner);
  });

  it('a stolen lease is noticed at the next renewal: the event is dropped and its writes are refused', async () => {
    const a = await proc('a');
    const placed = await a.own.place('ev-steal');
    if (placed.kind !== 'own') throw new Error('a should own ev-steal');
    // Another owner takes the row at a new epoch (an operator's hand, or a process with a wrong clock).
    await sql(`UPDATE leases SET owner = 'thief', url = 'http://thief', epoch = epoch + 1, expires_at = clock_timestamp() + interval '1 minute' WHERE event_id = $1`, ['ev-steal']);
    await vi.waitFor(() => expect(a.drops).toEqual([{ eventId: 'ev-steal', reason: 'renewal-refused' }]), { timeout: RENEW * 4, interval: 20 });
    expect(a.metrics.drops.get('renewal-refused')).toBe(1);
    await expect(a.store.event('ev-steal', placed.fence).put('orders', 'x', 1)).rejects.toBeInstanceOf(LeaseLostError);
    const after = await a.own.place('ev-steal');
    expect(after.kind === 'forward' && after.holder.owner).toBe('thief');
  });

  it('stops serving once it cannot renew within the TTL, even when the database never answers', async () => {
    const a = await proc('a');
    await a.own.place('ev-silent');
    // The database stops answering renewals (a network split): they hang.
    vi.spyOn(a.store.leases, 'renew').mockImplementation(() => new Promise(() => undefined));
    await vi.waitFor(() => expect(a.drops).toEqual([{ eventId: 'ev-silent', reason: 'renewal-timeout' }]), { timeout: TTL * 3, interval: 20 });
    expect(a.own.fenceOf('ev-silent')).toBeUndefined();
  });

  it('releases its leases on a clean shutdown, so another process takes them at once', async () => {
    const a = await proc('a');
    const b = await proc('b');
    await a.own.place('ev-release');
    await a.own.close();
    expect(a.drops).toEqual([{ eventId: 'ev-release', reason: 'released' }]);
    expect(await b.store.leases.holder('ev-release')).toBeUndefined();
    expect(await b.own.place('ev-release')).toEqual({ kind: 'own', fence: { epoch: 2 } });
    await expect(a.own.place('ev-other')).rejects.toMatchObject({ name: 'OwnershipClosedError' });
  });

  it('gives up one idle event on request, keeping the others', async () => {
    const a = await proc('a');
    const b = await proc('b');
    await a.own.place('ev-idle');
    await a.own.place('ev-busy');
    await a.own.release('ev-idle');
    expect(a.own.owned().map((o) => o.eventId)).toEqual(['ev-busy']);
    expect(a.drops).toEqual([{ eventId: 'ev-idle', reason: 'released' }]);
    expect(await b.own.place('ev-idle')).toEqual({ kind: 'own', fence: { epoch: 2 } });
    expect((await b.own.place('ev-busy')).kind).toBe('forward');
  });

  it('refuses settings that would let a lease run out between two renewals', async () => {
    const store = await PgStore.open(db.url, { poolSize: 1 });
    try {
      expect(() => new EventOwnership({ leases: store.leases, owner: 'x', url: 'http://x', ttlMs: 3000, renewEveryMs: 1500 })).toThrow(/a third of the TTL/);
      expect(() => new EventOwnership({ leases: store.leases, owner: '', url: 'http://x' })).toThrow(/owner id/);
    } finally {
      await store.close();
    }
  });
});
