import { ClassicLevel } from 'classic-level';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { LevelStore } from './level-store.ts';
import { storeContract } from './store-contract.ts';

storeContract('LevelStore', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'popup-level-store-'));
  return {
    store: await LevelStore.open(dir),
    reopen: () => LevelStore.open(dir),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
});

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'popup-level-store-'));
  dirs.push(d);
  return d;
}

describe('LevelStore specifics', () => {
  it('refuses an event id or a namespace holding "!", which would make one event read another’s keys', async () => {
    const store = await LevelStore.open(await tempDir());
    expect(() => store.event('e1!r!x')).toThrow(/event id "e1!r!x" cannot be stored/);
    await expect(store.event('e1').put('a!b', 'k', 1)).rejects.toThrow(/namespace "a!b" cannot be stored/);
    expect(await store.event('e1').namespaces()).toEqual([]);
    await store.close();
  });

  it('moves a data dir of the first layout into events, once, losing nothing', async () => {
    // The first layout's keys as level-storage.ts wrote them (a data dir written by that server itself is
    // opened in legacy-data-dir.test.ts): `d!<doc>!s|m|u!<seq>` and `r!<ns>!<key>`, values as they were.
    const dir = await tempDir();
    const brand = 'event/ev1/brand/b1';
    const doc = new Y.Doc();
    const updates: Uint8Array[] = [];
    doc.on('update', (u: Uint8Array) => updates.push(u));
    doc.getMap('sales').set('compacted', 1);
    const snapshot = Y.encodeStateAsUpdateV2(doc);
    doc.getMap('sales').set('after', 1);
    const enc = new TextEncoder();
    const json = (v: unknown) => enc.encode(JSON.stringify(v));
    const legacy = new ClassicLevel<string, Uint8Array>(dir, { keyEncoding: 'utf8', valueEncoding: 'view' });
    await legacy.batch([
      { type: 'put', key: `d!${brand}!s`, value: snapshot },
      { type: 'put', key: `d!${brand}!m`, value: enc.encode('1') },
      { type: 'put', key: `d!${brand}!u!000000000001`, value: updates[1]! },
      { type: 'put', key: 'd!event/ev2/setup!u!000000000000', value: Y.encodeStateAsUpdate(doc) },
      { type: 'put', key: 'r!orders!ev1!o-1', value: json({ total: 1500 }) },
      { type: 'put', key: 'r!idempotency!ev1!key!with!bangs', value: json({ status: 201 }) },
      { type: 'put', key: 'r!web-receipt-seq!ev1', value: json(7) },
      { type: 'put', key: 'r!devices/ev2!dev-9', value: json({ tillId: 't1' }) },
      { type: 'put', key: 'r!tokens-by-event/ev1!hash1', value: json({ createdAt: 1 }) },
      { type: 'put', key: 'r!tokens!hash1', value: json({ role: 'till', eventId: 'ev1' }) },
      { type: 'put', key: 'r!meta!hlc', value: json('x') },
      { type: 'put', key: 'r!orders!no-event-part', value: json(1) },
    ]);
    await legacy.close();

    let store = await LevelStore.open(dir);
    const ev1 = store.event('ev1');
    const stored = await ev1.loadDoc(brand);
    const back = new Y.Doc();
    Y.applyUpdateV2(back, stored.snapshot!);
    for (const u of stored.updates) Y.applyUpdate(back, u);
    expect([...back.getMap('sales').keys()].sort()).toEqual(['after', 'compacted']);
    expect(await ev1.get('orders', 'o-1')).toEqual({ total: 1500 });
    expect(await ev1.get('idempotency', 'key!with!bangs')).toEqual({ status: 201 });
    expect(await ev1.get('web-receipt-seq', '')).toBe(7);
    expect(await ev1.list('tokens-by-event')).toEqual([['hash1', { createdAt: 1 }]]);
    expect(await store.event('ev2').get('devices', 'dev-9')).toEqual({ tillId: 't1' });
    expect(await store.event('ev2').docNames()).toEqual(['event/ev2/setup']);
    expect(await store.server().get('tokens', 'hash1')).toEqual({ role: 'till', eventId: 'ev1' });
    expect(await store.server().get('meta', 'hlc')).toBe('x');
    // A key without the expected shape stays, server-wide, rather than being dropped.
    expect(await store.server().get('orders', 'no-event-part')).toBe(1);
    expect((await store.eventIds()).sort()).toEqual(['ev1', 'ev2']);
    // Appends go on after the surviving update, not over it.
    await ev1.appendUpdate(brand, Y.encodeStateAsUpdate(((d) => (d.getMap('sales').set('new', 1), d))(new Y.Doc())));
    await store.close();

    // Once: the second open finds the layout current and reads the same.
    store = await LevelStore.open(dir);
    expect((await store.event('ev1').loadDoc(brand)).updates).toHaveLength(2);
    await store.close();
    const db = new ClassicLevel<string, string>(dir, { keyEncoding: 'utf8', valueEncoding: 'utf8' });
    const left = await db.keys({ gte: 'd!', lt: 'd"' }).all();
    const leftRecords = await db.keys({ gte: 'r!', lt: 'r"' }).all();
    expect(await db.get('layout')).toBe('2');
    await db.close();
    expect([...left, ...leftRecords]).toEqual([]);
  });

  it('keeps the high-water record: acknowledged updates LevelDB no longer holds are named on open, a full compaction is not', async () => {
    const dir = await tempDir();
    let store = await LevelStore.open(dir);
    const brand = 'event/ev1/brand/b1';
    const es = store.event('ev1');
    await es.loadDoc(brand);
    const doc = new Y.Doc();
    for (let i = 0; i < 3; i++) {
      const sv = Y.encodeStateVector(doc);
      doc.getMap('sales').set(`s${i}`, i);
      await es.commit({ updates: [{ doc: brand, update: Y.encodeStateAsUpdate(doc, sv) }], put: [{ ns: 'orders', key: `o${i}`, value: i }] });
    }
    await es.compact('event/ev1/setup', Y.encodeStateAsUpdateV2(doc), es.compactionMark('event/ev1/setup'));
    await store.close();
    store = await LevelStore.open(dir);
    expect(store.lostOnOpen).toBeUndefined();
    await store.close();
    // What a cut log or a damaged table does: the last batch is gone from LevelDB.
    const db = new ClassicLevel<string, string>(dir, { keyEncoding: 'utf8', valueEncoding: 'utf8' });
    await db.batch([
      { type: 'del', key: `e!ev1!d!${brand}!u!000000000002` },
      { type: 'del', key: 'e!ev1!r!orders!o2' },
      { type: 'put', key: 'hw!batch', value: String(Number(await db.get('hw!batch')) - 1) },
    ]);
    await db.close();
    store = await LevelStore.open(dir);
    expect(store.lostOnOpen).toEqual({ batches: 1, docs: [{ doc: brand, acknowledged: 2, stored: 1 }] });
    await store.event('ev1').loadDoc(brand);
    expect(store.event('ev1').compactionMark(brand)).toBe(3);
    await store.close();
  });

  it('refuses a data dir of a layout it does not know, rather than misread it', async () => {
    const dir = await tempDir();
    const db = new ClassicLevel<string, string>(dir, { keyEncoding: 'utf8', valueEncoding: 'utf8' });
    await db.put('layout', '9');
    await db.close();
    await expect(LevelStore.open(dir)).rejects.toThrow(/layout is version 9/);
  });
});
