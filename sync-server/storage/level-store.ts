import { ClassicLevel } from 'classic-level';
import { BATCH_KEY, HighWater, type LostWrites } from './high-water.ts';
import { migrateLegacyLayout } from './level-layout-migration.ts';
import { checkDocOfEvent, ConditionFailedError, type Commit, type EventStore, type Expectation, type Fence, type RecordSpace, type Store, type StoredDoc } from './store.ts';

/**
 * The embedded store (store.ts) on LevelDB through classic-level: no other service, prebuilt binaries that
 * also load inside Electron for the LAN hub, and a batch written with `sync: true` is fsync'd as one unit.
 *
 * Key layout (version 2), event id first so every read of an event is a prefix scan of that event alone:
 *   e!<eventId>!d!<doc>!s                 the document's snapshot (Yjs v2)
 *   e!<eventId>!d!<doc>!m                 the mark of that snapshot (decimal): updates below it are in it
 *   e!<eventId>!d!<doc>!u!<seq, 12 digits> an update (v1), in sequence order
 *   e!<eventId>!r!<ns>!<key>              an event's record (JSON)
 *   s!<ns>!<key>                          a server-wide record (JSON)
 *   layout                                "2" once the data dir is in this layout (level-layout-migration.ts)
 *   hw!batch                              batches written, checked against the high-water record (high-water.ts)
 * Event ids, document names and namespaces never contain `!` (checked), so each part ends at the next `!`;
 * a record's own key may contain anything. `X"` is the first key after every `X!…`, the bound of a prefix.
 *
 * Writes: every write goes through one queue and is group-committed: what arrives while a batch is being
 * written goes into the next one. The flush is the only writer, so a commit's expectations are checked in
 * it, against the database plus the writes queued before it in the same batch: a compare-and-set can be
 * overtaken by nothing. One process owns a LevelDB (it takes a lock on the folder), so that is enough.
 */
type Op = { type: 'put'; key: string; value: Uint8Array } | { type: 'del'; key: string };
interface Pending {
  ops: Op[];
  /** For the high-water record: the updates it appends (document, sequence number), the document it deletes. */
  appended: [string, number][];
  deleted: string | undefined;
  expect: Expectation[];
  /** Where the commit's expectations and writes live: the event's record prefix or the server-wide one. */
  space: string;
  resolve: () => void;
  reject: (e: unknown) => void;
}

export const LAYOUT_VERSION = '2';
const enc = new TextEncoder();
const dec = new TextDecoder();

export class LevelStore implements Store {
  readonly leases = undefined;
  private readonly db: ClassicLevel<string, Uint8Array>;
  private readonly events = new Map<string, LevelEventStore>();
  private readonly serverSpace: LevelRecordSpace;
  private queue: Pending[] = [];
  private flushing: Promise<void> | undefined;
  private highWater!: HighWater;
  /** What the high-water record says was acknowledged but this open of LevelDB no longer holds (verify-store.ts). */
  lostOnOpen: LostWrites | undefined;

  private constructor(readonly dir: string) {
    this.db = new ClassicLevel<string, Uint8Array>(dir, { keyEncoding: 'utf8', valueEncoding: 'view' });
    this.serverSpace = new LevelRecordSpace(this, 's!');
  }

  /** Opens (creating when absent) the store in `dir`, moving a data dir of the first layout to this one once. */
  static async open(dir: string, opts: { onHighWaterError?: (err: unknown) => void } = {}): Promise<LevelStore> {
    const s = new LevelStore(dir);
    await s.db.open();
    try {
      await migrateLegacyLayout(s.db);
    } catch (err) {
      await s.db.close();
      throw err;
    }
    // A damaged table can fail this read: it is reported (high-water.ts), not a reason not to start.
    const counter = await s.db.get(BATCH_KEY).then(
      (v) => (v ? Number(dec.decode(v)) : 0),
      (err: unknown) => (err instanceof Error ? err : new Error(String(err))),
    );
    const opened = await HighWater.open(dir, counter, (doc) => s.storedLast(doc), opts.onHighWaterError ?? (() => {}));
    s.highWater = opened.highWater;
    s.lostOnOpen = opened.lost;
    return s;
  }

  /** The highest update sequence number stored for a document, counting its compaction mark; -1 when none. */
  private async storedLast(doc: string): Promise<number> {
    const eventId = /^event\/([^/!]+)\//.exec(doc)?.[1];
    if (eventId === undefined) return -1;
    const prefix = `e!${eventId}!d!${doc}!`;
    const [last] = await this.db.keys({ gte: `${prefix}u!`, lt: `${prefix}u"`, reverse: true, limit: 1 }).all();
    const mark = await this.db.get(`${prefix}m`);
    return Math.max(last === undefined ? -1 : Number(last.slice(prefix.length + 2)), mark === undefined ? -1 : Number(dec.decode(mark)) - 1);
  }

  /** The first sequence number a document may use: past everything acknowledged, even what LevelDB lost. */
  nextSeq(doc: string): number {
    return this.highWater.nextSeq(doc);
  }

  /** The database, for this module's handles and the high-water check; not part of the Store contract. */
  get level(): ClassicLevel<string, Uint8Array> {
    return this.db;
  }

  event(eventId: string, fence?: Fence): EventStore {
    if (fence) throw new TypeError('LevelStore has no leases (one process owns the folder): open an event without a fence');
    checkPart('event id', eventId);
    let e = this.events.get(eventId);
    if (!e) this.events.set(eventId, (e = new LevelEventStore(this, eventId)));
    return e;
  }

  server(): RecordSpace {
    return this.serverSpace;
  }

  async eventIds(): Promise<string[]> {
    return this.parts('e!');
  }

  async close(): Promise<void> {
    while (this.flushing) await this.flushing;
    await this.db.close();
    await this.highWater.close();
  }

  /**
   * The distinct parts that follow `prefix` up to the next `!`, in key order, reading one key per part: after
   * each, the iterator jumps past every key of that part.
   */
  async parts(prefix: string): Promise<string[]> {
    const out: string[] = [];
    const it = this.db.keys({ gte: prefix, lt: bound(prefix) });
    try {
      for (let key = await it.next(); key !== undefined; key = await it.next()) {
        const end = key.indexOf('!', prefix.length);
        const part = key.slice(prefix.length, end < 0 ? undefined : end);
        out.push(part);
        it.seek(`${prefix}${part}"`);
      }
    } finally {
      await it.close();
    }
    return out;
  }

  /** Queues writes (conditional on `expect` within `space`); resolves once they are on disk. */
  write(ops: Op[], opts: { expect?: Expectation[]; space?: string; appended?: [string, number][]; deleted?: string } = {}): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ ops, expect: opts.expect ?? [], space: opts.space ?? '', appended: opts.appended ?? [], deleted: opts.deleted, resolve, reject });
      this.flushing ??= this.flush().finally(() => (this.flushing = undefined));
    });
  }

  private async flush(): Promise<void> {
    while (this.queue.length) {
      const queued = this.queue;
      this.queue = [];
      const batch: Pending[] = [];
      // What the batch so far will have written: later commits in it are checked against this first.
      const pending = new Map<string, Uint8Array | null>();
      for (const p of queued) {
        try {
          // Most writes (every document update) expect nothing: no await for them, one less task each.
          const failed = p.expect.length ? await this.firstFailed(p, pending) : undefined;
          if (failed) {
            p.reject(new ConditionFailedError({ ns: failed.ns, key: failed.key }));
            continue;
          }
        } catch (err) {
          p.reject(err);
          continue;
        }
        for (const op of p.ops) pending.set(op.key, op.type === 'put' ? op.value : null);
        batch.push(p);
      }
      if (!batch.length) continue;
      try {
        const counter: Op = { type: 'put', key: BATCH_KEY, value: enc.encode(String(this.highWater.nextBatch())) };
        await this.db.batch([...batch.flatMap((b) => b.ops), counter], { sync: true });
        // Recorded outside LevelDB before anyone is answered: an acknowledged write is always in the record.
        const appended = new Map<string, number>();
        const deleted = new Set<string>();
        for (const b of batch) {
          if (b.deleted) {
            appended.delete(b.deleted);
            deleted.add(b.deleted);
          }
          for (const [doc, seq] of b.appended) appended.set(doc, seq);
        }
        await this.highWater.afterBatch(appended, deleted);
        for (const b of batch) b.resolve();
      } catch (err) {
        for (const b of batch) b.reject(err);
      }
    }
  }

  private async firstFailed(p: Pending, pending: Map<string, Uint8Array | null>): Promise<Expectation | undefined> {
    for (const e of p.expect) {
      const key = `${p.space}${e.ns}!${e.key}`;
      const now = pending.has(key) ? (pending.get(key) ?? undefined) : await this.db.get(key);
      const want = e.equals === undefined ? undefined : JSON.stringify(e.equals);
      if ((now === undefined ? undefined : dec.decode(now)) !== want) return e;
    }
    return undefined;
  }
}

class LevelRecordSpace implements RecordSpace {
  constructor(
    protected readonly store: LevelStore,
    /** `e!<eventId>!r!` or `s!`. */
    protected readonly prefix: string,
  ) {}

  async get<T>(ns: string, key: string): Promise<T | undefined> {
    checkPart('namespace', ns);
    const v = await this.store.level.get(`${this.prefix}${ns}!${key}`);
    return v === undefined ? undefined : (JSON.parse(dec.decode(v)) as T);
  }

  async list<T>(ns: string, prefix = ''): Promise<[string, T][]> {
    checkPart('namespace', ns);
    const base = `${this.prefix}${ns}!`;
    const out: [string, T][] = [];
    // No upper bound can be written for an arbitrary `prefix` in UTF-8 text, so read until a key leaves it.
    for await (const [key, value] of this.store.level.iterator({ gte: base + prefix, lt: bound(base) })) {
      if (!key.startsWith(base + prefix)) break;
      out.push([key.slice(base.length), JSON.parse(dec.decode(value)) as T]);
    }
    return out;
  }

  put(ns: string, key: string, value: unknown): Promise<void> {
    return this.commit({ put: [{ ns, key, value }] });
  }

  del(ns: string, key: string): Promise<void> {
    return this.commit({ del: [{ ns, key }] });
  }

  async commit(c: Commit): Promise<void> {
    const ops: Op[] = [];
    for (const p of c.put ?? []) ops.push({ type: 'put', key: this.recordKey(p.ns, p.key), value: enc.encode(toJson(p.value, p.ns, p.key)) });
    for (const d of c.del ?? []) ops.push({ type: 'del', key: this.recordKey(d.ns, d.key) });
    for (const e of c.expect ?? []) checkPart('namespace', e.ns);
    const appended: [string, number][] = [];
    ops.push(...this.updateOps(c.updates ?? [], appended));
    return this.store.write(ops, { expect: c.expect ?? [], space: this.prefix, appended });
  }

  namespaces(): Promise<string[]> {
    return this.store.parts(this.prefix);
  }

  protected updateOps(updates: { doc: string }[], _appended: [string, number][]): Op[] {
    if (updates.length) throw new TypeError('server-wide records have no documents: commit document updates through store.event(eventId)');
    return [];
  }

  private recordKey(ns: string, key: string): string {
    checkPart('namespace', ns);
    return `${this.prefix}${ns}!${key}`;
  }
}

class LevelEventStore extends LevelRecordSpace implements EventStore {
  /** Per document: the next update's sequence number and the updates stored after the snapshot. */
  private readonly seqs = new Map<string, { next: number; count: number }>();

  constructor(
    store: LevelStore,
    readonly eventId: string,
  ) {
    super(store, `e!${eventId}!r!`);
  }

  async loadDoc(doc: string): Promise<StoredDoc> {
    const prefix = this.docPrefix(doc);
    let snapshot: Uint8Array | undefined;
    const updates: Uint8Array[] = [];
    let last = -1;
    let mark = 0;
    // One iterator reads one consistent view: the snapshot, its mark and the updates together. Separate
    // reads could fall between a compaction's write of the snapshot and its deletion of the updates.
    for await (const [key, value] of this.store.level.iterator({ gte: prefix, lt: bound(prefix) })) {
      const rest = key.slice(prefix.length);
      if (rest === 's') snapshot = value;
      else if (rest === 'm') mark = Number(dec.decode(value));
      else if (rest.startsWith('u!')) {
        updates.push(value);
        last = Number(rest.slice(2));
      }
    }
    const known = this.seqs.get(doc);
    // Never go back on a sequence number: appends may have been made while this read ran, and a compaction
    // that deleted every update leaves only its mark to say where the sequence had got to.
    this.seqs.set(doc, { next: Math.max(last + 1, mark, known?.next ?? 0, this.store.nextSeq(doc)), count: updates.length });
    return { snapshot, updates };
  }

  appendUpdate(doc: string, update: Uint8Array): Promise<void> {
    return this.commit({ updates: [{ doc, update }] });
  }

  compactionMark(doc: string): number {
    return this.seqs.get(doc)?.next ?? 0;
  }

  async compact(doc: string, snapshot: Uint8Array, mark: number): Promise<void> {
    const prefix = this.docPrefix(doc);
    const ops: Op[] = [
      // Not copied (the updates are): the hub hands over a fresh encoding of the whole document, tens of MB
      // for a big one, and never touches it again; a copy doubled the peak memory of every compaction.
      { type: 'put', key: `${prefix}s`, value: snapshot },
      { type: 'put', key: `${prefix}m`, value: enc.encode(String(mark)) },
    ];
    // Only the updates the snapshot covers: those below the mark. One appended after it (perhaps already on
    // disk when the keys are listed) is in no snapshot; deleting it would lose an acknowledged write.
    let deleted = 0;
    for await (const key of this.store.level.keys({ gte: `${prefix}u!`, lt: updateKey(prefix, mark) })) {
      ops.push({ type: 'del', key });
      deleted++;
    }
    await this.store.write(ops);
    const seq = this.seqs.get(doc);
    if (seq) seq.count = Math.max(0, seq.count - deleted);
  }

  updateCount(doc: string): number | undefined {
    return this.seqs.get(doc)?.count;
  }

  async docNames(): Promise<string[]> {
    return this.store.parts(`e!${this.eventId}!d!`);
  }

  async deleteDoc(doc: string): Promise<void> {
    const prefix = this.docPrefix(doc);
    const ops: Op[] = [];
    for await (const key of this.store.level.keys({ gte: prefix, lt: bound(prefix) })) ops.push({ type: 'del', key });
    await this.store.write(ops, { deleted: doc });
    // The sequence goes on from where it was: a key is never reused within a process.
    const seq = this.seqs.get(doc);
    if (seq) seq.count = 0;
  }

  protected override updateOps(updates: { doc: string; update: Uint8Array }[], appended: [string, number][]): Op[] {
    return updates.map((u) => {
      const prefix = this.docPrefix(u.doc);
      // The number is taken now, at the call: a compaction mark read after this call is above it, as the
      // snapshot encoded with that mark already holds this update.
      const seq = this.seqs.get(u.doc) ?? { next: this.store.nextSeq(u.doc), count: 0 };
      this.seqs.set(u.doc, { next: seq.next + 1, count: seq.count + 1 });
      appended.push([u.doc, seq.next]);
      return { type: 'put', key: updateKey(prefix, seq.next), value: u.update.slice() };
    });
  }

  private docPrefix(doc: string): string {
    checkDocOfEvent(this.eventId, doc);
    checkPart('document name', doc);
    return `e!${this.eventId}!d!${doc}!`;
  }
}

/** Update keys sort by sequence number: 12 zero-padded digits. */
function updateKey(docPrefix: string, seq: number): string {
  return `${docPrefix}u!${String(seq).padStart(12, '0')}`;
}

/** The first key after every key that starts with `prefix` (which ends in `!`): `!` + 1 is `"`. */
function bound(prefix: string): string {
  return `${prefix.slice(0, -1)}"`;
}

/** A part of a key that is read up to the next `!` must not hold one (nor be empty). */
function checkPart(what: string, part: string): void {
  if (!part || part.includes('!')) throw new TypeError(`${what} "${part}" cannot be stored: it must be non-empty and contain no "!"`);
}

function toJson(value: unknown, ns: string, key: string): string {
  const json = JSON.stringify(value);
  if (json === undefined) throw new TypeError(`record ${ns}/${key}: its value cannot be stored as JSON`);
  return json;
}
