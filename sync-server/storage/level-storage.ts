import { ClassicLevel } from 'classic-level';
import { BATCH_KEY, HighWater, type LostWrites } from './high-water.ts';
import type { ServerStorage, StoredDoc } from './server-storage.ts';

/**
 * The embedded store: LevelDB through classic-level. Chosen because it needs no other service and no build
 * step (classic-level ships prebuilt N-API binaries, so the same package also loads inside Electron for the
 * LAN hub), writes are append-friendly (an LSM tree), and a batch written with `sync: true` is fsync'd as
 * one unit. better-sqlite3 would do as well but builds from source and must be rebuilt for Electron.
 *
 * Keys: `d!<doc>!s` snapshot, `d!<doc>!m` its mark, `d!<doc>!u!<seq, 12 digits>` updates, `r!<ns>!<key>` JSON
 * records, `hw!batch` the count of batches written (high-water.ts).
 * Durability: appends that arrive while a write is in flight are group-committed in the next batch with
 * `sync: true`; each caller's promise resolves when its batch is on disk.
 */
type Op = { type: 'put'; key: string; value: Uint8Array } | { type: 'del'; key: string };
/** A write's effect on the high-water record: the update it appends, or the document it deletes. */
type Mark = { appended: [doc: string, seq: number] } | { deleted: string } | undefined;

export class LevelStorage implements ServerStorage {
  private readonly db: ClassicLevel<string, Uint8Array>;
  private readonly seqs = new Map<string, { next: number; count: number }>();
  private queue: { ops: Op[]; mark: Mark; resolve: () => void; reject: (e: unknown) => void }[] = [];
  private highWater!: HighWater;
  /** What the high-water record says was acknowledged but this open of LevelDB no longer holds. */
  lostOnOpen: LostWrites | undefined;
  private flushing = false;
  private readonly enc = new TextEncoder();
  private readonly dec = new TextDecoder();

  private constructor(dir: string) {
    this.db = new ClassicLevel<string, Uint8Array>(dir, { keyEncoding: 'utf8', valueEncoding: 'view' });
  }

  static async open(dir: string, opts: { onHighWaterError?: (err: unknown) => void } = {}): Promise<LevelStorage> {
    const s = new LevelStorage(dir);
    await s.db.open();
    // A damaged table can fail this read: verifyStore then reports the records as unreadable.
    const counter = await s.db.get(BATCH_KEY).then(
      (v) => (v ? Number(s.dec.decode(v)) : 0),
      (err: unknown) => (err instanceof Error ? err : new Error(String(err))),
    );
    const opened = await HighWater.open(dir, counter, (doc) => s.storedLast(doc), opts.onHighWaterError ?? (() => {}));
    s.highWater = opened.highWater;
    s.lostOnOpen = opened.lost;
    return s;
  }

  /** The highest update sequence number stored for a document, counting its compaction mark; -1 when none. */
  private async storedLast(name: string): Promise<number> {
    const prefix = `d!${name}!`;
    const [last] = await this.db.keys({ gte: `${prefix}u!`, lt: `${prefix}u"`, reverse: true, limit: 1 }).all();
    const mark = await this.db.get(`${prefix}m`);
    return Math.max(last === undefined ? -1 : Number(last.slice(prefix.length + 2)), mark === undefined ? -1 : Number(this.dec.decode(mark)) - 1);
  }

  async loadDoc(name: string): Promise<StoredDoc> {
    const prefix = `d!${name}!`;
    let snapshot: Uint8Array | undefined;
    const updates: Uint8Array[] = [];
    let last = -1;
    let mark = 0;
    // One iterator reads one consistent snapshot of the database: the snapshot key (`…!s`) and the update
    // keys (`…!u!…`) together. Reading them separately could fall between a compaction's write of the
    // snapshot and its deletion of the updates, and see neither.
    for await (const [key, value] of this.db.iterator({ gte: prefix, lt: `${prefix}~` })) {
      const rest = key.slice(prefix.length);
      if (rest === 's') snapshot = value;
      else if (rest === 'm') mark = Number(this.dec.decode(value));
      else if (rest.startsWith('u!')) {
        updates.push(value);
        last = Number(rest.slice(2));
      }
    }
    const known = this.seqs.get(name);
    // Appends may have been made while this read ran; never go back on a sequence number, nor behind one
    // that was acknowledged (even if LevelDB lost it) or that a compaction's mark passed.
    this.seqs.set(name, { next: Math.max(last + 1, mark, known?.next ?? 0, this.highWater.nextSeq(name)), count: updates.length });
    return { snapshot, updates };
  }

  appendUpdate(name: string, update: Uint8Array): Promise<void> {
    const seq = this.seqs.get(name) ?? { next: this.highWater.nextSeq(name), count: 0 };
    this.seqs.set(name, { next: seq.next + 1, count: seq.count + 1 });
    return this.write([{ type: 'put', key: updateKey(name, seq.next), value: update }], { appended: [name, seq.next] });
  }

  compactionMark(name: string): number {
    return this.seqs.get(name)?.next ?? 0;
  }

  async compact(name: string, snapshot: Uint8Array, mark: number): Promise<void> {
    const prefix = `d!${name}!`;
    // The mark is kept with the snapshot: after a compaction of every update it is what says how far the
    // document had got, for the sequence after a restart and for the high-water check.
    const ops: Op[] = [
      { type: 'put', key: `${prefix}s`, value: snapshot },
      { type: 'put', key: `${prefix}m`, value: this.enc.encode(String(mark)) },
    ];
    // Only the updates the snapshot covers: those appended before the mark was taken. An update appended
    // after it (and perhaps already on disk when the keys are listed) is in no snapshot; deleting it would
    // lose an acknowledged write at the next crash.
    for await (const key of this.db.keys({ gte: `${prefix}u!`, lt: updateKey(name, mark) })) ops.push({ type: 'del', key });
    await this.write(ops);
    const seq = this.seqs.get(name);
    if (seq) seq.count = Math.max(0, seq.count - (ops.length - 2));
  }

  updateCount(name: string): number | undefined {
    return this.seqs.get(name)?.count;
  }

  async docNames(): Promise<string[]> {
    const names = new Set<string>();
    // Document names never contain "!" (see core/event/schema.ts), so the name ends at the next one.
    for await (const key of this.db.keys({ gte: 'd!', lt: 'd!~' })) names.add(key.slice(2, key.indexOf('!', 2)));
    return [...names];
  }

  async recordNamespaces(): Promise<string[]> {
    const names = new Set<string>();
    for await (const key of this.db.keys({ gte: 'r!', lt: 'r!~' })) names.add(key.slice(2, key.indexOf('!', 2)));
    return [...names];
  }

  async deleteDoc(name: string): Promise<void> {
    const prefix = `d!${name}!`;
    const ops: Op[] = [];
    for await (const key of this.db.keys({ gte: prefix, lt: `${prefix}~` })) ops.push({ type: 'del', key });
    await this.write(ops, { deleted: name });
    // The sequence goes on from where it was: a key is never reused within a process.
    const seq = this.seqs.get(name);
    if (seq) seq.count = 0;
  }

  async getRecord<T>(ns: string, key: string): Promise<T | undefined> {
    const v = await this.db.get(`r!${ns}!${key}`);
    return v === undefined ? undefined : (JSON.parse(this.dec.decode(v)) as T);
  }

  putRecord(ns: string, key: string, value: unknown): Promise<void> {
    return this.write([{ type: 'put', key: `r!${ns}!${key}`, value: this.enc.encode(JSON.stringify(value)) }]);
  }

  deleteRecord(ns: string, key: string): Promise<void> {
    return this.write([{ type: 'del', key: `r!${ns}!${key}` }]);
  }

  async listRecords<T>(ns: string): Promise<[string, T][]> {
    const out: [string, T][] = [];
    const prefix = `r!${ns}!`;
    for await (const [key, value] of this.db.iterator({ gte: prefix, lt: `${prefix}~` })) {
      out.push([key.slice(prefix.length), JSON.parse(this.dec.decode(value)) as T]);
    }
    return out;
  }

  async close(): Promise<void> {
    while (this.flushing || this.queue.length) await new Promise((r) => setTimeout(r, 5));
    await this.db.close();
    await this.highWater.close();
  }

  /** Group commit: everything queued while the previous batch was being written goes in the next one. */
  private write(ops: Op[], mark?: Mark): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ ops, mark, resolve, reject });
      if (!this.flushing) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    while (this.queue.length) {
      const batch = this.queue;
      this.queue = [];
      try {
        const counter: Op = { type: 'put', key: BATCH_KEY, value: this.enc.encode(String(this.highWater.nextBatch())) };
        await this.db.batch([...batch.flatMap((b) => b.ops), counter], { sync: true });
        // Recorded outside LevelDB before anyone is answered: an acknowledged write is always in the record.
        const appended = new Map<string, number>();
        const deleted = new Set<string>();
        for (const { mark } of batch) {
          if (mark && 'appended' in mark) appended.set(...mark.appended);
          else if (mark) {
            appended.delete(mark.deleted);
            deleted.add(mark.deleted);
          }
        }
        await this.highWater.afterBatch(appended, deleted);
        for (const b of batch) b.resolve();
      } catch (err) {
        for (const b of batch) b.reject(err);
      }
    }
    this.flushing = false;
  }
}

/** Update keys sort by sequence number: 12 zero-padded digits. */
function updateKey(name: string, seq: number): string {
  return `d!${name}!u!${String(seq).padStart(12, '0')}`;
}
