import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { LevelStore } from './level-store.ts';
import type { EventStore } from './store.ts';

/**
 * Compaction racing appends. The snapshot is encoded at one moment; updates appended after it (and written
 * to disk before compaction lists the keys) are in no snapshot, so compaction must keep them. The old
 * compaction deleted every update key it listed and lost them at the next restart.
 */
const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

const NAME = 'event/e1/brand/b1';

/** The store in `dir` and its event e1 (the document's). */
async function open(dir: string): Promise<{ store: LevelStore; storage: EventStore }> {
  const store = await LevelStore.open(dir);
  return { store, storage: store.event('e1') };
}

async function reopened(dir: string): Promise<Y.Doc> {
  const { store, storage } = await open(dir);
  const stored = await storage.loadDoc(NAME);
  await store.close();
  const doc = new Y.Doc();
  if (stored.snapshot) Y.applyUpdateV2(doc, stored.snapshot);
  for (const u of stored.updates) Y.applyUpdate(doc, u);
  return doc;
}

describe('LevelStore compaction', () => {
  it('keeps the updates appended after the snapshot was encoded, even when they are on disk before the keys are listed', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'popup-level-'));
    dirs.push(dir);
    const { store, storage } = await open(dir);
    await storage.loadDoc(NAME);
    const doc = new Y.Doc();
    const writes: Promise<void>[] = [];
    doc.on('update', (u: Uint8Array) => writes.push(storage.appendUpdate(NAME, u)));
    const sales = doc.getMap('sales');
    for (let i = 0; i < 5; i++) sales.set(`before-${i}`, 'x');
    await Promise.all(writes);

    // The snapshot and its mark, taken together …
    const mark = storage.compactionMark(NAME);
    const snapshot = Y.encodeStateAsUpdateV2(doc);
    // … then more sales, durable (acknowledged) before compaction runs.
    for (let i = 0; i < 3; i++) sales.set(`after-${i}`, 'x');
    await Promise.all(writes);
    await storage.compact(NAME, snapshot, mark);
    expect(storage.updateCount(NAME)).toBe(3);
    await store.close();

    const back = await reopened(dir);
    expect([...back.getMap('sales').keys()].sort()).toEqual([...sales.keys()].sort());
  });

  it('continues the sequence after a restart that finds every update compacted, never reusing a surviving key', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'popup-level-'));
    dirs.push(dir);
    let { store, storage } = await open(dir);
    await storage.loadDoc(NAME);
    const doc = new Y.Doc();
    let writes: Promise<void>[] = [];
    doc.on('update', (u: Uint8Array) => writes.push(storage.appendUpdate(NAME, u)));
    doc.getMap('sales').set('a', '1');
    await Promise.all(writes);
    await storage.compact(NAME, Y.encodeStateAsUpdateV2(doc), storage.compactionMark(NAME));
    doc.getMap('sales').set('b', '2');
    await Promise.all(writes);
    await store.close();

    // Restart: one update survives (b); the next one must not take its key.
    ({ store, storage } = await open(dir));
    await storage.loadDoc(NAME);
    writes = [];
    doc.getMap('sales').set('c', '3');
    await Promise.all(writes);
    await store.close();
    expect([...(await reopened(dir)).getMap('sales').keys()].sort()).toEqual(['a', 'b', 'c']);
  });
});
