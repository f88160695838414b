import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { WebSocket } from 'ws';
import * as Y from 'yjs';
import { PgStore } from '../../../sync-server/storage/pg-store.ts';
import { freshDatabase, type TestDatabase } from '../../../sync-server/storage/pg-test-support.ts';

/**
 * Issue #14's cluster test: three processes on one PostgreSQL (cluster-node.ts: the product's ownership,
 * front and forwarding on the product's PostgreSQL store), each started as its own OS process.
 *  1. Tills connected to different processes converge (two of them are forwarded to the event's owner).
 *  2. 2,000 order attempts spread over the three processes on 200 units: exactly 200 accepted.
 *  3. Meanwhile the owner is SIGKILLed: another process serves within 5 s, and no acknowledged update and no
 *     answered order is lost or doubled.
 */
vi.setConfig({ testTimeout: 90_000, hookTimeout: 60_000 });

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const EVENT = 'mall';
const DOC = `event/${EVENT}/brand/b1`;

interface Proc {
  child: ChildProcess;
  url: string;
  owner: string;
  exited: Promise<unknown>;
  log: string[];
}

function startNode(storeUrl: string): Promise<Proc> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/integration/cluster/cluster-node.ts', '--store', storeUrl, '--port', '0', '--ttl-ms', '3000'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const log: string[] = [];
  const exited = once(child, 'exit');
  createInterface({ input: child.stderr! }).on('line', (l) => log.push(l));
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (l) => {
      log.push(l);
      const m = /^READY (\S+) (\S+)$/.exec(l);
      if (m) resolve({ child, url: m[1]!, owner: m[2]!, exited, log });
    });
    void exited.then(() => reject(new Error(`cluster node exited before it was ready:\n${log.join('\n')}`)));
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A till as the cluster sees it: a Yjs replica that keeps every change until the server acknowledges it as
 * durable, resends what is unacknowledged on every connection, and reconnects with backoff, moving to the
 * next process when its own cannot be reached.
 */
class Till {
  readonly doc = new Y.Doc();
  readonly outbox = new Map<number, { update: Uint8Array; key: string }>();
  readonly acked = new Set<string>();
  private ws: WebSocket | undefined;
  private nextId = 1;
  private stopped = false;
  private backoff = 100;
  closeCodes: number[] = [];

  constructor(
    private readonly urls: () => string[],
    private at: number,
    readonly name: string,
  ) {
    this.connect();
  }

  write(key: string): void {
    let update: Uint8Array | undefined;
    const grab = (u: Uint8Array, origin: unknown) => {
      if (origin !== 'remote') update = u;
    };
    this.doc.on('update', grab);
    this.doc.getMap('sales').set(key, this.name);
    this.doc.off('update', grab);
    const id = this.nextId++;
    this.outbox.set(id, { update: update!, key });
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(frame(id, update!));
  }

  keys(): string[] {
    return [...this.doc.getMap('sales').keys()].sort();
  }

  stop(): void {
    this.stopped = true;
    this.ws?.terminate();
  }

  private connect(): void {
    if (this.stopped) return;
    const urls = this.urls();
    const url = urls[this.at % urls.length]!;
    const ws = new WebSocket(`${url.replace('http', 'ws')}/sync/${encodeURIComponent(DOC)}`);
    this.ws = ws;
    let opened = false;
    ws.binaryType = 'nodebuffer';
    ws.on('open', () => {
      opened = true;
      this.backoff = 100;
      for (const [id, o] of this.outbox) ws.send(frame(id, o.update));
    });
    ws.on('message', (data: Buffer) => {
      const id = data.readUInt32BE(0);
      if (id === 0) Y.applyUpdate(this.doc, new Uint8Array(data.subarray(4)), 'remote');
      else {
        const o = this.outbox.get(id);
        if (o) this.acked.add(o.key);
        this.outbox.delete(id);
      }
    });
    ws.on('error', () => undefined);
    ws.on('unexpected-response', () => ws.terminate());
    ws.on('close', (code) => {
      this.closeCodes.push(code);
      // Its process is gone: try the next one (behind a load balancer, the balancer would do this).
      if (!opened) this.at++;
      const wait = this.backoff;
      this.backoff = Math.min(this.backoff * 2, 1000);
      setTimeout(() => this.connect(), wait);
    });
  }
}

function frame(id: number, update: Uint8Array): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt32BE(id);
  return Buffer.concat([head, update]);
}

async function post(url: string, path: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const r = await fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(5000) });
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
}

async function ownerOf(procs: Proc[]): Promise<Proc | undefined> {
  for (const p of procs) {
    const h = (await (await fetch(`${p.url}/healthz`)).json()) as { cluster: { events: { eventId: string }[] } };
    if (h.cluster.events.some((e) => e.eventId === EVENT)) return p;
  }
  return undefined;
}

let db: TestDatabase;
let procs: Proc[] = [];
beforeAll(async () => {
  db = await freshDatabase();
  // The schema is made once here, not by three processes racing to make it.
  await (await PgStore.open(db.url)).close();
  procs = await Promise.all([startNode(db.url), startNode(db.url), startNode(db.url)]);
});
afterAll(async () => {
  for (const p of procs) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
  await Promise.all(procs.map((p) => p.exited));
  await db?.drop();
});

describe('three server processes on one PostgreSQL', () => {
  it('tills on different processes converge; 2,000 orders on 200 units accept exactly 200; the owner is SIGKILLed mid-traffic and another serves within 5 s, nothing acknowledged lost or doubled', async () => {
    const alive = () => procs.filter((p) => p.child.exitCode === null && p.child.signalCode === null).map((p) => p.url);
    // 200 units, set through the first process (it takes the event's lease).
    expect((await post(procs[0]!.url, `/api/events/${EVENT}/stock`, { units: 200 })).status).toBe(200);
    const owner = (await ownerOf(procs))!;
    expect(owner).toBe(procs[0]);

    // 1. One till on each process: two are forwarded to the owner. All converge.
    const tills = procs.map((_p, i) => new Till(alive, i, `till-${i}`));
    for (let n = 0; n < 10; n++) for (const t of tills) t.write(`${t.name}-warm-${n}`);
    await vi.waitFor(() => {
      for (const t of tills) expect(t.outbox.size).toBe(0);
      for (const t of tills) expect(t.keys()).toHaveLength(30);
    }, { timeout: 15_000, interval: 50 });
    expect(new Set(tills.map((t) => t.keys().join()))).toHaveProperty('size', 1);

    // 2 and 3. Orders from 40 shoppers spread over the three processes; tills keep selling; the owner dies.
    const answered = new Map<string, { status: number; unit?: number; servedBy: string }>();
    let next = 0;
    let killedAt = 0;
    let firstAfterKill = 0;
    const attempt = async (key: string, start: number): Promise<void> => {
      for (let tries = 0; ; tries++) {
        const urls = alive();
        const url = urls[(start + tries) % urls.length]!;
        let r: { status: number; body: Record<string, unknown> };
        try {
          r = await post(url, `/api/events/${EVENT}/orders`, { key });
        } catch {
          await sleep(50);
          continue; // no answer (its process died): the shopper's page tries again, with the same key
        }
        if (r.status === 503) {
          await sleep(200);
          continue;
        }
        if (r.status !== 201 && r.status !== 200 && r.status !== 409) throw new Error(`order ${key}: ${r.status} ${JSON.stringify(r.body)}`);
        const servedBy = String(r.body['servedBy']);
        if (killedAt && !firstAfterKill && servedBy !== owner.owner) firstAfterKill = Date.now();
        answered.set(key, { status: r.status, ...(typeof r.body['unit'] === 'number' ? { unit: r.body['unit'] } : {}), servedBy });
        return;
      }
    };
    const selling = (async () => {
      for (let n = 0; !firstAfterKill || n < 200; n++) {
        for (const t of tills) t.write(`${t.name}-sale-${n}`);
        await sleep(25);
      }
    })();
    const shoppers = Array.from({ length: 40 }, async (_v, s) => {
      for (let i = next++; i < 2000; i = next++) {
        if (i === 400 && !killedAt) {
          owner.child.kill('SIGKILL');
          killedAt = Date.now();
          await owner.exited;
        }
        await attempt(`order-${i}`, s + i);
      }
    });
    await Promise.all(shoppers);
    await selling;
    expect(killedAt).toBeGreaterThan(0);
    expect(firstAfterKill - killedAt).toBeLessThan(5000);

    // Exactly 200 accepted, every answered order stored once with the unit it was answered with.
    const accepted = [...answered].filter(([, a]) => a.status === 201 || a.status === 200);
    expect(answered.size).toBe(2000);
    expect(accepted).toHaveLength(200);
    expect([...answered.values()].filter((a) => a.status === 409)).toHaveLength(1800);
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    const rows = (await c.query<{ key: string; value: string }>(`SELECT key, value FROM event_records WHERE event_id = $1 AND ns = 'orders'`, [EVENT])).rows;
    const units = (await c.query<{ value: string }>(`SELECT value FROM event_records WHERE event_id = $1 AND ns = 'stock' AND key = 'units'`, [EVENT])).rows;
    await c.end();
    expect(rows).toHaveLength(200);
    expect(JSON.parse(units[0]!.value)).toBe(0);
    const stored = new Map(rows.map((r) => [r.key, JSON.parse(r.value) as { unit: number }]));
    for (const [key, a] of accepted) expect(stored.get(key)?.unit, key).toBe(a.unit);
    expect(new Set([...stored.values()].map((o) => o.unit)).size).toBe(200);

    // Every till's every change acknowledged, all replicas equal, and the stored document holds them all.
    await vi.waitFor(() => {
      for (const t of tills) expect(t.outbox.size).toBe(0);
      const want = tills[0]!.keys();
      for (const t of tills) expect(t.keys()).toEqual(want);
    }, { timeout: 20_000, interval: 100 });
    const keys = tills[0]!.keys();
    const written = tills.reduce((n, t) => n + t.acked.size, 0);
    expect(keys).toHaveLength(written);
    const reader = await PgStore.open(db.url, { poolSize: 1 });
    const doc = new Y.Doc();
    const st = await reader.event(EVENT, { epoch: 1 }).loadDoc(DOC);
    await reader.close();
    if (st.snapshot) Y.applyUpdateV2(doc, st.snapshot);
    for (const u of st.updates) Y.applyUpdate(doc, u);
    expect([...doc.getMap('sales').keys()].sort()).toEqual(keys);
    for (const t of tills) for (const k of t.acked) expect(doc.getMap('sales').has(k), k).toBe(true);
    for (const t of tills) t.stop();

    // The event now lives on one of the survivors, at a later epoch.
    const survivor = (await ownerOf(procs.filter((p) => p !== owner)))!;
    expect(survivor).toBeDefined();
    const h = (await (await fetch(`${survivor.url}/healthz`)).json()) as { cluster: { events: { eventId: string; epoch: number }[] } };
    expect(h.cluster.events.find((e) => e.eventId === EVENT)!.epoch).toBeGreaterThan(1);
  });
});
