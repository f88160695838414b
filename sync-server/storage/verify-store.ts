import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as Y from 'yjs';
import type { DamageReport } from '../document-damage.ts';
import { describeLost, type LostWrites } from './high-water.ts';
import type { EventStore, RecordSpace, StoredDoc, Stores } from './store.ts';

/**
 * What the server checks on start before it serves anything (docs/operations.md, "Damage and recovery"):
 *
 * `storeDir` is the LevelDB folder (undefined for another store, which keeps no such log).
 *
 * - LevelDB's own recovery: when the newest log is truncated or a record in it fails its checksum, LevelDB
 *   opens anyway and drops the bad part, saying so only in its `LOG` file. Those dropped writes may belong to
 *   any document (and to records such as orders), so every document is then reported.
 * - every document decodes: its snapshot and each update apply, and nothing is left pending (an update that
 *   depends on content that is no longer stored means writes in between were lost);
 * - what the high-water record (high-water.ts, kept outside LevelDB) says was acknowledged is still there: a
 *   newest log cut short loses acknowledged writes without a word in `LOG`, and only this finds it, naming
 *   the documents and how many of their updates are gone;
 * - every record parses as JSON.
 *
 * A read that fails (a damaged table file: LevelDB reports corruption on the read) is damage of that
 * document, or of the store when the listing itself fails.
 */
export async function verifyStore(store: Stores, storeDir: string | undefined, lost?: LostWrites): Promise<DamageReport[]> {
  const damage: DamageReport[] = [];
  const lostWords = lost ? describeLost(lost) : [];
  const lostOf = new Map(lostWords.map((l) => [l.doc, l.what]));
  // Event by event, through each event's own store: the same reads the server makes when it serves them.
  const names: { event: EventStore; name: string }[] = [];
  try {
    for (const eventId of await store.eventIds()) {
      const event = store.event(eventId);
      for (const name of await event.docNames()) names.push({ event, name });
    }
  } catch (err) {
    damage.push({ doc: 'store', what: `the list of documents cannot be read (${short(err)}); every document may be affected` });
  }
  const dropped = storeDir === undefined ? undefined : await droppedOnRecovery(storeDir);
  for (const { event, name } of names) {
    const what = await verifyDoc(event, name);
    const cut = lostOf.get(name);
    lostOf.delete(name);
    if (what || cut) damage.push({ doc: name, what: [cut, what].filter(Boolean).join('; ') });
    else if (dropped) damage.push({ doc: name, what: `LevelDB dropped part of its newest log on open (${dropped}): its most recent writes may be lost` });
  }
  if (dropped && names.length === 0) damage.push({ doc: 'store', what: `LevelDB dropped part of its newest log on open (${dropped})` });
  // Documents whose every key was lost are in no listing, and the store-wide count of lost batches.
  for (const [doc, what] of lostOf) damage.push({ doc, what });
  try {
    const spaces: [string, RecordSpace][] = [['server', store.server()]];
    for (const eventId of await store.eventIds()) spaces.push([eventId, store.event(eventId)]);
    for (const [where, space] of spaces) {
      for (const ns of await space.namespaces()) {
        try {
          await space.list(ns);
        } catch (err) {
          damage.push({ doc: 'store', what: `records "${ns}" of ${where === 'server' ? 'the server' : `event ${where}`} cannot be read (${short(err)})` });
        }
      }
    }
  } catch (err) {
    damage.push({ doc: 'store', what: `the records cannot be listed (${short(err)})` });
  }
  return damage;
}

/** Why a stored document is damaged, or undefined when it loads cleanly. */
export async function verifyDoc(store: Pick<EventStore, 'loadDoc'>, name: string): Promise<string | undefined> {
  let stored: StoredDoc;
  try {
    stored = await store.loadDoc(name);
  } catch (err) {
    return `it cannot be read (${short(err)}): all of it is unavailable`;
  }
  const doc = new Y.Doc();
  try {
    try {
      if (stored.snapshot) Y.applyUpdateV2(doc, stored.snapshot);
    } catch (err) {
      return `its snapshot does not decode (${short(err)}): everything before its last compaction is unavailable`;
    }
    for (let i = 0; i < stored.updates.length; i++) {
      try {
        Y.applyUpdate(doc, stored.updates[i]!);
      } catch (err) {
        return `update ${i + 1} of ${stored.updates.length} does not decode (${short(err)}): it and what depends on it are unavailable`;
      }
    }
    if (doc.store.pendingStructs || doc.store.pendingDs) {
      return 'stored updates depend on content that is no longer stored: writes between them were lost';
    }
    return undefined;
  } finally {
    doc.destroy();
  }
}

/** LevelDB writes what its recovery skipped into `LOG` (rewritten on every open); undefined when nothing was. */
async function droppedOnRecovery(storeDir: string): Promise<string | undefined> {
  let log: string;
  try {
    log = await readFile(join(storeDir, 'LOG'), 'utf8');
  } catch {
    return undefined;
  }
  const bad = log.split('\n').filter((l) => /dropping|corruption|ignoring error|bad record/i.test(l));
  if (!bad.length) return undefined;
  const bytes = bad.map((l) => /(\d+) bytes/.exec(l)?.[1]).filter(Boolean).reduce((a, n) => a + Number(n), 0);
  return bytes ? `${bytes} bytes` : bad[0]!.replace(/^\S+\s+\S+\s+/, '').slice(0, 80);
}

function short(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0]!.slice(0, 120);
}
