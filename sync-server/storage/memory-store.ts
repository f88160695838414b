import { checkDocOfEvent, ConditionFailedError, type Commit, type EventStore, type Fence, type RecordSpace, type Store, type StoredDoc } from './store.ts';

/**
 * The store in memory, for tests: the same semantics as the LevelDB and PostgreSQL stores (store.ts), so a
 * test that passes on it says something about the others. Values are kept as JSON text and update bytes are
 * copied in and out, so a caller can never mutate what is stored through an object it still holds.
 *
 * Every operation yields to the event loop once before it acts, as a real store's I/O would: concurrent
 * callers interleave here as they would on disk, so read-then-commit races show up in tests.
 */
export class MemoryStore implements Store {
  readonly leases = undefined;
  private readonly events = new Map<string, MemoryEventStore>();
  private readonly serverSpace = new MemoryRecordSpace();
  private closed = false;

  event(eventId: string, fence?: Fence): EventStore {
    // One process, no leases: a fence means the caller thinks it is in a cluster, which it is not.
    if (fence) throw new TypeError('MemoryStore has no leases: open an event without a fence');
    this.checkOpen();
    let e = this.events.get(eventId);
    if (!e) this.events.set(eventId, (e = new MemoryEventStore(eventId, () => this.checkOpen())));
    return e;
  }

  server(): RecordSpace {
    return this.serverSpace;
  }

  async eventIds(): Promise<string[]> {
    await tick();
    return [...this.events.values()].filter((e) => !e.isEmpty()).map((e) => e.eventId).sort(compareKeys);
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private checkOpen(): void {
    if (this.closed) throw new Error('MemoryStore is closed');
  }
}

class MemoryRecordSpace implements RecordSpace {
  /** ns → key → JSON text. */
  protected readonly records = new Map<string, Map<string, string>>();

  async get<T>(ns: string, key: string): Promise<T | undefined> {
    await tick();
    const v = this.records.get(ns)?.get(key);
    return v === undefined ? undefined : (JSON.parse(v) as T);
  }

  async list<T>(ns: string, prefix = ''): Promise<[string, T][]> {
    await tick();
    const rows = [...(this.records.get(ns) ?? new Map<string, string>())].filter(([k]) => k.startsWith(prefix));
    return rows.sort(([a], [b]) => compareKeys(a, b)).map(([k, v]) => [k, JSON.parse(v) as T]);
  }

  put(ns: string, key: string, value: unknown): Promise<void> {
    return this.commit({ put: [{ ns, key, value }] });
  }

  del(ns: string, key: string): Promise<void> {
    return this.commit({ del: [{ ns, key }] });
  }

  async commit(c: Commit): Promise<void> {
    // Serialise before the yield: a value that cannot be stored fails the call before anything is checked.
    const puts = (c.put ?? []).map((p) => ({ ...p, json: toJson(p.value, p.ns, p.key) }));
    this.checkUpdates(c.updates ?? []);
    // Sequence numbers are taken at the call, not when applied: a compaction mark read after this call is
    // above them, as the snapshot encoded with it already holds these updates (store.ts, compactionMark).
    const updates = (c.updates ?? []).map((u) => ({ doc: u.doc, seq: this.reserveSeq(u.doc), update: u.update.slice() }));
    await tick();
    // Check and apply in one synchronous step: nothing else runs in between, so the commit is atomic.
    for (const e of c.expect ?? []) {
      const now = this.records.get(e.ns)?.get(e.key);
      const want = e.equals === undefined ? undefined : JSON.stringify(e.equals);
      if (now !== want) throw new ConditionFailedError({ ns: e.ns, key: e.key });
    }
    for (const p of puts) {
      let space = this.records.get(p.ns);
      if (!space) this.records.set(p.ns, (space = new Map()));
      space.set(p.key, p.json);
    }
    for (const d of c.del ?? []) {
      const space = this.records.get(d.ns);
      space?.delete(d.key);
      if (space?.size === 0) this.records.delete(d.ns);
    }
    this.applyUpdates(updates);
  }

  async namespaces(): Promise<string[]> {
    await tick();
    return [...this.records.keys()].sort(compareKeys);
  }

  /** Overridden by an event's space: the server-wide space has no documents. */
  protected checkUpdates(updates: { doc: string }[]): void {
    if (updates.length) throw new TypeError('server-wide records have no documents: commit document updates through store.event(eventId)');
  }

  protected reserveSeq(_doc: string): number {
    return 0;
  }

  protected applyUpdates(_updates: { doc: string; seq: number; update: Uint8Array }[]): void {}
}

interface MemoryDoc {
  snapshot: Uint8Array | undefined;
  /** seq → update (seqs are taken at the call, so concurrent commits may land out of order: read sorted). */
  updates: Map<number, Uint8Array>;
  next: number;
}

class MemoryEventStore extends MemoryRecordSpace implements EventStore {
  private readonly docs = new Map<string, MemoryDoc>();

  constructor(
    readonly eventId: string,
    private readonly checkOpen: () => void,
  ) {
    super();
  }

  isEmpty(): boolean {
    return this.records.size === 0 && [...this.docs.values()].every((d) => !d.snapshot && d.updates.size === 0);
  }

  async loadDoc(doc: string): Promise<StoredDoc> {
    checkDocOfEvent(this.eventId, doc);
    await tick();
    const d = this.docs.get(doc);
    const updates = [...(d?.updates ?? [])].sort(([a], [b]) => a - b).map(([, u]) => u.slice());
    return { snapshot: d?.snapshot?.slice(), updates };
  }

  appendUpdate(doc: string, update: Uint8Array): Promise<void> {
    return this.commit({ updates: [{ doc, update }] });
  }

  compactionMark(doc: string): number {
    return this.docs.get(doc)?.next ?? 0;
  }

  async compact(doc: string, snapshot: Uint8Array, mark: number): Promise<void> {
    checkDocOfEvent(this.eventId, doc);
    const copy = snapshot.slice();
    await tick();
    const d = this.entry(doc);
    d.snapshot = copy;
    for (const seq of [...d.updates.keys()]) if (seq < mark) d.updates.delete(seq);
  }

  updateCount(doc: string): number | undefined {
    return this.docs.get(doc)?.updates.size;
  }

  async docNames(): Promise<string[]> {
    await tick();
    return [...this.docs].filter(([, d]) => d.snapshot || d.updates.size).map(([name]) => name).sort(compareKeys);
  }

  async deleteDoc(doc: string): Promise<void> {
    checkDocOfEvent(this.eventId, doc);
    await tick();
    const d = this.docs.get(doc);
    // The sequence goes on: a later append never takes a number a snapshot mark was taken against.
    if (d) {
      d.snapshot = undefined;
      d.updates.clear();
    }
  }

  protected override checkUpdates(updates: { doc: string }[]): void {
    this.checkOpen();
    for (const u of updates) checkDocOfEvent(this.eventId, u.doc);
  }

  protected override reserveSeq(doc: string): number {
    return this.entry(doc).next++;
  }

  protected override applyUpdates(updates: { doc: string; seq: number; update: Uint8Array }[]): void {
    for (const u of updates) this.entry(u.doc).updates.set(u.seq, u.update);
  }

  private entry(doc: string): MemoryDoc {
    let d = this.docs.get(doc);
    if (!d) this.docs.set(doc, (d = { snapshot: undefined, updates: new Map(), next: 0 }));
    return d;
  }
}

/** JSON text of a record's value; a value JSON cannot hold is refused naming the record. */
function toJson(value: unknown, ns: string, key: string): string {
  const json = JSON.stringify(value);
  if (json === undefined) throw new TypeError(`record ${ns}/${key}: its value cannot be stored as JSON`);
  return json;
}

/** Key order as LevelDB and PostgreSQL (COLLATE "C") sort: by Unicode code point (UTF-8 bytes), not UTF-16 units. */
export function compareKeys(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i]!.codePointAt(0)! - y[i]!.codePointAt(0)!;
    if (d) return d;
  }
  return x.length - y.length;
}

function tick(): Promise<void> {
  return new Promise((r) => setImmediate(r));
}
