import * as Y from 'yjs';

/**
 * A replica's documents as decoded maps (top-level map → key → value), to compare replicas by content:
 * two replicas may encode the same state in different bytes (struct merging, delete sets, GC).
 */
export type DocMaps = Record<string, Record<string, unknown>>;

export function docMaps(doc: Y.Doc): DocMaps {
  const out: DocMaps = {};
  for (const name of [...doc.share.keys()].sort()) {
    const map = doc.getMap(name);
    // A replica only has the maps it has seen content for.
    if (map.size > 0) out[name] = map.toJSON();
  }
  return out;
}

/** The raw rows of a till's IndexedDB (read in the page), rebuilt into documents as the store loads them. */
export interface RawDocRows {
  snapshots: { doc: string; state: number[]; upTo: number }[];
  updates: { seq: number; doc: string; update: number[]; synced: number }[];
}

export function docsFromRows(rows: RawDocRows): Map<string, Y.Doc> {
  const docs = new Map<string, Y.Doc>();
  const docOf = (name: string) => {
    let d = docs.get(name);
    if (!d) docs.set(name, (d = new Y.Doc()));
    return d;
  };
  for (const s of rows.snapshots) Y.applyUpdateV2(docOf(s.doc), new Uint8Array(s.state));
  for (const u of [...rows.updates].sort((a, b) => a.seq - b.seq)) Y.applyUpdate(docOf(u.doc), new Uint8Array(u.update));
  return docs;
}

/** The first difference between two decoded documents, or undefined when they hold the same. */
export function firstDifference(a: DocMaps, b: DocMaps): string | undefined {
  const maps = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const m of maps) {
    const x = a[m] ?? {};
    const y = b[m] ?? {};
    for (const k of new Set([...Object.keys(x), ...Object.keys(y)])) {
      if (!(k in x)) return `${m}/${k} missing on the first`;
      if (!(k in y)) return `${m}/${k} missing on the second`;
      if (JSON.stringify(x[k]) !== JSON.stringify(y[k])) return `${m}/${k} differs: ${JSON.stringify(x[k]).slice(0, 120)} vs ${JSON.stringify(y[k]).slice(0, 120)}`;
    }
  }
  return undefined;
}
