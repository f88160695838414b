import { spawn } from 'node:child_process';
import { ClassicLevel } from 'classic-level';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as Y from 'yjs';
import { LevelStore } from './level-store.ts';
import { BATCH_KEY } from './high-water.ts';
import { EventDiffersError, EventServedError, hidePassword, migrateDataDir, migrateStore, MigrationSourceError, SourceDamagedError } from './migrate-store.ts';
import { PgStore } from './pg-store.ts';
import { freshDatabase, type TestDatabase } from './pg-test-support.ts';
import type { EventStore, Store } from './store.ts';

// Real PostgreSQL over TCP, every commit an fsync, on a machine shared with other test runs.
vi.setConfig({ testTimeout: 30_000 });

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function database(): Promise<TestDatabase> {
  const db = await freshDatabase();
  cleanups.push(() => db.drop());
  return db;
}

async function pgStore(url: string): Promise<PgStore> {
  const s = await PgStore.open(url, { poolSize: 4 });
  cleanups.push(() => s.close());
  return s;
}

function change(f: (d: Y.Doc) => void, base?: Y.Doc): Uint8Array {
  const d = base ?? new Y.Doc();
  const before = Y.encodeStateVector(d);
  f(d);
  return Y.encodeStateAsUpdate(d, before);
}

/**
 * The laptop's data folder: event `spring` with a compacted setup document (snapshot plus later updates), a
 * brand document of updates only, and records in four namespaces; event `night` whose brand document has a
 * deletion; server-wide tokens, the server clock and the queue secret.
 */
async function laptop(): Promise<{ dir: string; store: LevelStore }> {
  const dir = await mkdtemp(join(tmpdir(), 'popup-migrate-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  // Where the server keeps it: <data>/store (server.ts).
  const store = await LevelStore.open(join(dir, 'store'));
  let closed = false;
  const close = store.close.bind(store);
  store.close = async () => {
    if (closed) return;
    closed = true;
    await close();
  };
  cleanups.push(() => store.close());
  const spring = store.event('spring');
  const setup = new Y.Doc();
  await spring.appendUpdate('event/spring/setup', change((d) => d.getMap('event').set('config', '{"id":"spring"}'), setup));
  await spring.appendUpdate('event/spring/setup', change((d) => d.getMap('brands').set('kiln', '{"name":"Kiln"}'), setup));
  await spring.compact('event/spring/setup', Y.encodeStateAsUpdateV2(setup), spring.compactionMark('event/spring/setup'));
  await spring.appendUpdate('event/spring/setup', change((d) => d.getMap('brands').set('loom', '{"name":"Loom"}'), setup));
  const brand = new Y.Doc();
  for (let i = 0; i < 5; i++) await spring.appendUpdate('event/spring/brand/kiln', change((d) => d.getMap('sales').set(`s${i}`, `{"total":${1000 + i}}`), brand));
  await spring.put('orders', 'o1', { id: 'o1', total: 4500 });
  await spring.put('orders', 'o2', { id: 'o2', total: 1200 });
  await spring.put('idempotency', 'k1', { status: 201, orderId: 'o1' });
  await spring.put('reservations', 'r1', { sku: 'MUG', qty: 1, expiresAt: 1_900_000_000_000 });
  await spring.put('web-receipt-seq', '', 2);
  const night = store.event('night');
  const nb = new Y.Doc();
  await night.appendUpdate('event/night/brand/loom', change((d) => d.getMap('ledger').set('e1', '{"qty":5}'), nb));
  await night.appendUpdate('event/night/brand/loom', change((d) => d.getMap('ledger').set('e2', '{"qty":-1}'), nb));
  await night.appendUpdate('event/night/brand/loom', change((d) => d.getMap('ledger').delete('e2'), nb));
  await night.put('alerts', 'a1', { kind: 'low-stock' });
  await store.server().put('tokens', 'hash-till', { role: 'till', eventId: 'spring' });
  await store.server().put('tokens', 'hash-shop', { role: 'storefront', eventId: 'night' });
  await store.server().put('meta', 'hlc', '0000000000a0000-server');
  await store.server().put('server-secrets', 'queue-hmac', 'laptop-secret');
  return { dir, store };
}

/** Every row the stores' tables hold (documents by digest), to show that a refused run wrote nothing. */
async function rows(url: string): Promise<string> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const parts: unknown[] = [];
    for (const sql of [
      'SELECT event_id, doc, seq, md5(data) FROM doc_updates ORDER BY 1, 2, 3',
      'SELECT event_id, doc, md5(data) FROM doc_snapshots ORDER BY 1, 2',
      'SELECT event_id, ns, key, value FROM event_records ORDER BY 1, 2, 3',
      'SELECT ns, key, value FROM server_records ORDER BY 1, 2',
    ]) {
      parts.push((await c.query(sql)).rows);
    }
    return JSON.stringify(parts);
  } finally {
    await c.end();
  }
}

async function leased(store: Store, eventId: string, owner = 'test-server'): Promise<EventStore> {
  const got = await store.leases!.acquire(eventId, owner, 'http://127.0.0.1:1', 60_000);
  return store.event(eventId, { epoch: got.epoch });
}

async function docOf(es: EventStore, name: string): Promise<Y.Doc> {
  const stored = await es.loadDoc(name);
  const d = new Y.Doc();
  if (stored.snapshot) Y.applyUpdateV2(d, stored.snapshot);
  for (const u of stored.updates) Y.applyUpdate(d, u);
  return d;
}

describe('moving an event from the embedded store to PostgreSQL', () => {
  it('copies both events, documents and records, and verifies them', async () => {
    const db = await database();
    const { store: source } = await laptop();
    const target = await pgStore(db.url);

    const report = await migrateStore(source, target);

    expect(report.events).toEqual([
      { eventId: 'night', action: 'copied', docs: 1, records: { alerts: 1, meta: 1 } },
      { eventId: 'spring', action: 'copied', docs: 2, records: { idempotency: 1, meta: 1, orders: 2, reservations: 1, 'web-receipt-seq': 1 } },
    ]);
    expect(report.server).toEqual({ copied: 4, alreadyThere: 0, merged: [], replaced: [] });
    // The laptop's server-wide clock goes with each event as its own clock's floor (event-clock.ts).
    expect(await (await leased(target, 'night')).get('meta', 'hlc')).toBe('0000000000a0000-server');
    // Read back independently, as a server process of the cluster would.
    const spring = await leased(target, 'spring');
    const setup = await docOf(spring, 'event/spring/setup');
    expect([...setup.getMap('brands').keys()].sort()).toEqual(['kiln', 'loom']);
    expect(Y.encodeStateVector(setup)).toEqual(Y.encodeStateVector(await docOf(source.event('spring'), 'event/spring/setup')));
    expect((await docOf(spring, 'event/spring/brand/kiln')).getMap('sales').size).toBe(5);
    expect(await spring.get('orders', 'o1')).toEqual({ id: 'o1', total: 4500 });
    expect(await spring.get('web-receipt-seq', '')).toBe(2);
    const night = await leased(target, 'night');
    expect([...(await docOf(night, 'event/night/brand/loom')).getMap('ledger').keys()]).toEqual(['e1']);
    expect(await target.server().get('tokens', 'hash-till')).toEqual({ role: 'till', eventId: 'spring' });
    // The run let go of its leases: a server process takes the events at once.
    expect(await target.leases.holder('spring')).toMatchObject({ owner: 'test-server' });
  });

  it('a second run changes nothing and says every event is already there', async () => {
    const db = await database();
    const { store: source } = await laptop();
    const target = await pgStore(db.url);
    await migrateStore(source, target);
    const before = await rows(db.url);

    const again = await migrateStore(source, target);

    expect(again.events.map((e) => e.action)).toEqual(['already there', 'already there']);
    expect(again.server).toEqual({ copied: 0, alreadyThere: 4, merged: [], replaced: [] });
    expect(await rows(db.url)).toBe(before);
  });

  it('refuses an event that differs in PostgreSQL, writing nothing; --force replaces it with the source', async () => {
    const db = await database();
    const { store: source } = await laptop();
    const target = await pgStore(db.url);
    await migrateStore(source, target);
    // The cloud server took a sale and changed an order since the first run.
    const spring = await leased(target, 'spring', 'cloud-1');
    await spring.appendUpdate('event/spring/brand/kiln', change((d) => d.getMap('sales').set('cloud', '{"total":1}')));
    await spring.put('orders', 'o1', { id: 'o1', total: 9999 });
    await target.leases.release('spring', 'cloud-1', (await target.leases.holder('spring'))!.epoch);
    const before = await rows(db.url);

    const refused = await migrateStore(source, target).catch((e: unknown) => e);

    expect(refused).toBeInstanceOf(EventDiffersError);
    expect((refused as EventDiffersError).differences).toEqual([{ eventId: 'spring', what: 'document event/spring/brand/kiln: the state vectors differ' }]);
    expect((refused as Error).message).toMatch(/--force/);
    expect(await rows(db.url)).toBe(before);

    const forced = await migrateStore(source, target, { force: true });
    expect(forced.events.map((e) => [e.eventId, e.action])).toEqual([
      ['night', 'already there'],
      ['spring', 'replaced'],
    ]);
    const back = await leased(target, 'spring', 'cloud-2');
    expect([...(await docOf(back, 'event/spring/brand/kiln')).getMap('sales').keys()].sort()).toEqual(['s0', 's1', 's2', 's3', 's4']);
    expect(await back.get('orders', 'o1')).toEqual({ id: 'o1', total: 4500 });
    await target.leases.release('spring', 'cloud-2', (await target.leases.holder('spring'))!.epoch);
    expect((await migrateStore(source, target)).events.map((e) => e.action)).toEqual(['already there', 'already there']);
  });

  it('refuses a record that differs, naming it; an event missing a record differs too', async () => {
    const db = await database();
    const { store: source } = await laptop();
    const target = await pgStore(db.url);
    await migrateStore(source, target);
    const spring = await leased(target, 'spring', 'cloud-1');
    await spring.del('reservations', 'r1');
    await target.leases.release('spring', 'cloud-1', (await target.leases.holder('spring'))!.epoch);
    await target.server().put('tokens', 'hash-shop', { role: 'storefront', eventId: 'other' });
    const before = await rows(db.url);

    const refused = (await migrateStore(source, target).catch((e: unknown) => e)) as EventDiffersError;

    expect(refused).toBeInstanceOf(EventDiffersError);
    expect(refused.differences).toEqual([
      { eventId: 'spring', what: 'records "reservations": 1 in the data folder, 0 in PostgreSQL' },
      { eventId: undefined, what: 'tokens/hash-shop' },
    ]);
    expect(await rows(db.url)).toBe(before);
  });

  it('refuses an event a live server process holds, writing nothing', async () => {
    const db = await database();
    const { store: source } = await laptop();
    const target = await pgStore(db.url);
    await target.leases.acquire('spring', 'cloud-1', 'http://10.0.0.5:8787', 60_000);
    const before = await rows(db.url);

    const refused = await migrateStore(source, target).catch((e: unknown) => e);

    expect(refused).toBeInstanceOf(EventServedError);
    expect((refused as Error).message).toMatch(/event spring is being served from the target by cloud-1 \(http:\/\/10\.0\.0\.5:8787\)/);
    expect(await rows(db.url)).toBe(before);
    // The event the run had already leased is free again.
    expect(await target.leases.holder('night')).toBeUndefined();
  });

  it('merges the server clock (the later wins) and keeps the target server\'s own secret', async () => {
    const db = await database();
    const { store: source } = await laptop();
    const target = await pgStore(db.url);
    await target.server().put('meta', 'hlc', '0000000000b0000-server');
    await target.server().put('server-secrets', 'queue-hmac', 'cloud-secret');

    const report = await migrateStore(source, target);

    expect(report.server).toEqual({ copied: 2, alreadyThere: 2, merged: [], replaced: [] });
    expect(await target.server().get('meta', 'hlc')).toBe('0000000000b0000-server');
    expect(await target.server().get('server-secrets', 'queue-hmac')).toBe('cloud-secret');
    await target.server().put('meta', 'hlc', '00000000009z000-server');
    expect((await migrateStore(source, target)).server.merged).toEqual(['meta/hlc']);
    expect(await target.server().get('meta', 'hlc')).toBe('0000000000a0000-server');
  });
});

/** `npm run serve -- …` as an operator runs it: the server's command line in a process of its own. */
function cli(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'sync-server/cli.ts', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, out, err }));
  });
}

describe('the --migrate-to command', () => {
  it('moves a data folder and prints a summary without the password', async () => {
    const db = await database();
    const { dir, store } = await laptop();
    await store.close();
    const lines: string[] = [];
    const password = new URL(db.url).password;
    expect(password).not.toBe('');

    await migrateDataDir(dir, db.url, { log: (l) => lines.push(l) });

    const out = lines.join('\n');
    expect(out).not.toContain(password);
    expect(out).toContain(':***@');
    expect(out).toMatch(/spring: copied, verified — 2 documents \(state vectors and content match\), records: idempotency 1, orders 2, reservations 1, web-receipt-seq 1/);
    expect(out).toMatch(/server-wide records: 4 copied, 0 already there/);
  });

  it('moves a data folder written by the server of the first layout, event by event', async () => {
    const db = await database();
    const dir = await mkdtemp(join(tmpdir(), 'popup-migrate-v1-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    // The first layout's keys as level-storage.ts (since removed) wrote them: `d!<doc>!u!<seq>`, `r!<ns>!<key>`.
    const json = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
    const old = new ClassicLevel<string, Uint8Array>(join(dir, 'store'), { keyEncoding: 'utf8', valueEncoding: 'view' });
    await old.batch([
      { type: 'put', key: 'd!event/fair/brand/kiln!u!000000000000', value: change((d) => d.getMap('sales').set('s1', '{"total":900}')) },
      { type: 'put', key: 'r!orders!fair!o1', value: json({ id: 'o1' }) },
      { type: 'put', key: 'r!web-receipt-seq!fair', value: json(1) },
      { type: 'put', key: 'r!tokens!hash-till', value: json({ role: 'till', eventId: 'fair' }) },
    ]);
    await old.close();

    await migrateDataDir(dir, db.url, { log: () => {} });

    const target = await pgStore(db.url);
    const fair = await leased(target, 'fair');
    expect((await docOf(fair, 'event/fair/brand/kiln')).getMap('sales').get('s1')).toBe('{"total":900}');
    expect(await fair.get('orders', 'o1')).toEqual({ id: 'o1' });
    expect(await fair.get('web-receipt-seq', '')).toBe(1);
    expect(await target.server().get('tokens', 'hash-till')).toEqual({ role: 'till', eventId: 'fair' });
  });

  it('refuses a data folder a server is running on, and one that holds no store', async () => {
    const db = await database();
    const { dir } = await laptop(); // still open: LevelDB's lock is held, as by a running server
    await expect(migrateDataDir(dir, db.url, { log: () => {} })).rejects.toThrow(MigrationSourceError);
    await expect(migrateDataDir(dir, db.url, { log: () => {} })).rejects.toThrow(/in use by a running server: stop it first/);
    const empty = await mkdtemp(join(tmpdir(), 'popup-migrate-empty-'));
    cleanups.push(() => rm(empty, { recursive: true, force: true }));
    await expect(migrateDataDir(empty, db.url, { log: () => {} })).rejects.toThrow(/holds no store/);
  });

  it('runs from the command line: exit 0 and the summary, then exit 1 with the refusal, never the password', async () => {
    const db = await database();
    const { dir, store } = await laptop();
    await store.close();
    const password = new URL(db.url).password;
    const first = await cli(['--data', dir, '--migrate-to', db.url]);
    expect(first.code).toBe(0);
    expect(first.out).toMatch(/spring: copied, verified/);
    const target = await pgStore(db.url);
    const spring = await leased(target, 'spring', 'cloud-1');
    await spring.put('orders', 'o2', { id: 'o2', total: 1 });
    await target.leases.release('spring', 'cloud-1', (await target.leases.holder('spring'))!.epoch);
    const second = await cli(['--data', dir, '--migrate-to', db.url]);
    expect(second.code).toBe(1);
    expect(second.err).toMatch(/Not moved: the target already holds event spring, and it differs \(record orders\/o2 differs\)/);
    expect(first.out + first.err + second.out + second.err).not.toContain(password);
  });

  it('refuses a data folder that lost acknowledged writes, writing nothing', async () => {
    const db = await database();
    const { dir, store } = await laptop();
    await store.close();
    // What a log cut short does: the last batch (night's third update and its batch count) is gone.
    const level = new ClassicLevel<string, string>(join(dir, 'store'), { keyEncoding: 'utf8', valueEncoding: 'utf8' });
    const batches = Number(await level.get(BATCH_KEY));
    await level.batch([
      { type: 'del', key: 'e!night!d!event/night/brand/loom!u!000000000002' },
      { type: 'put', key: BATCH_KEY, value: String(batches - 1) },
    ]);
    await level.close();

    const refused = await migrateDataDir(dir, db.url, { log: () => {} }).catch((e: unknown) => e);

    expect(refused).toBeInstanceOf(SourceDamagedError);
    expect((refused as Error).message).toMatch(/event\/night\/brand\/loom: updates up to no\. 2 were acknowledged but the store holds them only up to no\. 1/);
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    // Refused before the target was even opened: no schema, no rows.
    expect((await c.query("SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 'doc_updates'")).rows[0]).toEqual({ n: 0 });
    await c.end();
  });

  it('never repeats the password in an error', () => {
    expect(hidePassword('auth failed for s3cr%t@x', 'postgres://u:s3cr%25t%40x@h/db')).toBe('auth failed for ***');
  });
});
