import { ClassicLevel } from 'classic-level';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { BATCH_KEY } from './high-water.ts';
import { LevelStore } from './level-store.ts';
import type { EventStore } from './store.ts';

/**
 * The high-water record outside LevelDB (high-water.ts): a loss of acknowledged writes is found and named on
 * open; a deliberate deletion, a compaction of every update or a torn write of the record itself is not
 * taken for one.
 */
const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});
const NAME = 'event/e1/brand/b1';

const KEY = `e!e1!d!${NAME}!`;

async function withUpdates(n: number): Promise<{ dir: string; store: LevelStore; storage: EventStore; doc: Y.Doc }> {
  const dir = await mkdtemp(join(tmpdir(), 'popup-hw-'));
  dirs.push(dir);
  const store = await LevelStore.open(dir);
  const storage = store.event('e1');
  await storage.loadDoc(NAME);
  const doc = new Y.Doc();
  for (let i = 0; i < n; i++) {
    const before = Y.encodeStateVector(doc);
    doc.getMap('sales').set(`s${i}`, i);
    await storage.appendUpdate(NAME, Y.encodeStateAsUpdate(doc, before));
  }
  return { dir, store, storage, doc };
}

describe('high-water record', () => {
  it('names the document and the acknowledged updates LevelDB no longer holds, and counts the lost batches', async () => {
    const { dir, store } = await withUpdates(3);
    await store.close();
    // What a cut log does: the last batch (update no. 2 and its batch count) is gone from LevelDB.
    const db = new ClassicLevel<string, string>(dir, { keyEncoding: 'utf8', valueEncoding: 'utf8' });
    const batches = Number(await db.get(BATCH_KEY));
    await db.batch([
      { type: 'del', key: `${KEY}u!000000000002` },
      { type: 'put', key: BATCH_KEY, value: String(batches - 1) },
    ]);
    await db.close();
    const again = await LevelStore.open(dir);
    expect(again.lostOnOpen).toEqual({ batches: 1, docs: [{ doc: NAME, acknowledged: 2, stored: 1 }] });
    // The sequence goes on past what was acknowledged: the lost number is not reused for another update.
    await again.event('e1').loadDoc(NAME);
    expect(again.event('e1').compactionMark(NAME)).toBe(3);
    await again.close();
  });

  it('reports nothing after a clean restart, a compaction of every update, or a deleted document', async () => {
    const { dir, store, storage, doc } = await withUpdates(3);
    await storage.compact(NAME, Y.encodeStateAsUpdateV2(doc), storage.compactionMark(NAME));
    await storage.appendUpdate('event/e1/setup', Y.encodeStateAsUpdate(doc));
    await storage.deleteDoc('event/e1/setup');
    await store.close();
    const again = await LevelStore.open(dir);
    expect(again.lostOnOpen).toBeUndefined();
    await again.close();
  });

  it('falls back to the other slot when the newest one was torn by a crash while it was written', async () => {
    const { dir, store } = await withUpdates(4);
    await store.close();
    const slots = await Promise.all(['HIGHWATER-0', 'HIGHWATER-1'].map(async (f) => ({ f, text: await readFile(join(dir, f), 'utf8') })));
    const newest = slots.sort((a, b) => Number(/"gen":(\d+)/.exec(b.text)![1]) - Number(/"gen":(\d+)/.exec(a.text)![1]))[0]!;
    await writeFile(join(dir, newest.f), newest.text.slice(0, newest.text.length - 7));
    const again = await LevelStore.open(dir);
    expect(again.lostOnOpen).toBeUndefined();
    // The older slot still knows the document: drop its updates and the loss is found from that slot.
    await again.close();
    const db = new ClassicLevel<string, string>(dir, { keyEncoding: 'utf8', valueEncoding: 'utf8' });
    for (const key of await db.keys({ gte: `${KEY}u!`, lt: `${KEY}u"` }).all()) await db.del(key);
    await db.close();
    const lost = await LevelStore.open(dir);
    expect(lost.lostOnOpen?.docs.map((d) => d.doc)).toEqual([NAME]);
    await lost.close();
  });
});
