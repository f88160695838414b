import { ClassicLevel } from 'classic-level';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { LevelStorage } from './level-storage.ts';
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

  it('moves a data dir written by the first layout (LevelStorage) into events, once, losing nothing', async () => {
    const dir = await tempDir();
    const legacy = await LevelStorage.open(dir);
    const brand = 'event/ev1/brand/b1';
    await legacy.loadDoc(brand);
    const doc = new Y.Doc();
    const writes: Promise<void>[] = [];
    doc.on('update', (u: Uint8Array) => writes.push(legacy.appendUpdate(brand, u)));
    doc.getMap('sales').set('compacted', 1);
    await Promise.all(writes);
    await legacy.compact(brand, Y.encodeStateAsUpdateV2(doc), legacy.compactionMark(brand));
    doc.getMap('sales').set('after', 1);
    await Promise.all(writes);
    await legacy.appendUpdate('event/ev2/setup', Y.encodeStateAsUpdate(doc));
    await legacy.putRecord('orders', 'ev1!o-1', { total: 1500 });
    await legacy.putRecord('idempotency', 'ev1!key!with!bangs', { status: 201 });
    await legacy.putRecord('web-receipt-seq', 'ev1', 7);
    await legacy.putRecord('devices/ev2', 'dev-9', { tillId: 't1' });
    await legacy.putRecord('tokens-by-event/ev1', 'hash1', { createdAt: 1 });
    await legacy.putRecord('tokens', 'hash1', { role: 'till', eventId: 'ev1' });
    await legacy.putRecord('meta', 'hlc', 'x');
    await legacy.putRecord('orders', 'no-event-part', 1);
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
