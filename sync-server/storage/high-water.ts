import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { open, readFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * What the store has acknowledged, kept OUTSIDE LevelDB, so that a LevelDB that lost acknowledged writes
 * on open can be caught (issue #12, item 16).
 *
 * Why: LevelDB treats a newest log that ends part-way through a record as a crash during a write and
 * silently stops there; by design, since an unsynced tail is normal after a power cut. But a tail it had
 * fsync'd (and the server had acknowledged) can also go: a disk error, a copy of the folder taken while
 * the server ran, a careless restore. LevelDB cannot tell the two apart; only a record written after the
 * batch was on disk, somewhere LevelDB does not own, can.
 *
 * What: after every batch is synced, and before any caller of that batch is answered, the store writes
 *   - `batch`: how many batches it has written; the same number is put into LevelDB inside each batch
 *     (key `hw!batch`), so a store that holds fewer batches than this lost acknowledged writes of some kind
 *     (records too: orders, idempotency keys);
 *   - `docs`: per document, the sequence number of the last update appended, so the loss is named: which
 *     document, and how many of its acknowledged updates.
 * Cheap to check on open: one read of the counter and one reverse seek per document.
 *
 * How: two files, written in turn (`HIGHWATER-0`, `HIGHWATER-1`), each whole JSON with a SHA-256 of its
 * body, fsync'd. A crash part-way through writing one leaves it failing its hash, and the other still holds
 * the state before: never more than what LevelDB holds, so no false alarm and no lost detection beyond the
 * last batch. They live in the LevelDB folder, so a copy or backup of the folder carries them along.
 */
export interface HighWaterState {
  batch: number;
  docs: Record<string, number>;
}

/** What an open found missing: acknowledged batches, and per document the updates past what is stored. */
export interface LostWrites {
  batches: number;
  /** The LevelDB batch counter could not be read (a damaged table): why. */
  counterUnreadable?: string;
  docs: { doc: string; acknowledged: number; stored: number }[];
}

/** The LevelDB key that counts batches, written inside each batch. */
export const BATCH_KEY = 'hw!batch';
const SLOTS = ['HIGHWATER-0', 'HIGHWATER-1'] as const;

export class HighWater {
  private slot = 0;
  /** Generation of the last slot written: the newer intact slot wins on open. */
  private gen = 0;
  private handles: (FileHandle | undefined)[] = [undefined, undefined];
  private batch: number;
  private readonly acked: Map<string, number>;

  private constructor(
    private readonly dir: string,
    readonly recorded: HighWaterState | undefined,
    storedBatch: number,
    /** Told when the file cannot be written: the data is durable, only the detection of its loss is not. */
    private readonly onError: (err: unknown) => void,
  ) {
    this.acked = new Map(Object.entries(recorded?.docs ?? {}));
    // Go on from the higher: after a loss the LevelDB counter is behind, and writing it again catches it up.
    this.batch = Math.max(storedBatch, recorded?.batch ?? 0);
  }

  /**
   * Reads the newest intact slot and compares it with what LevelDB holds: `storedBatch` is the LevelDB
   * counter, `storedLast(doc)` the highest update sequence number the store holds for a document (counting
   * a compaction's mark), -1 when none. A read that fails (a damaged table) is left to verifyStore, which
   * reads every document and record and reports it: `storedBatch` undefined, or `storedLast` throwing.
   */
  static async open(dir: string, storedBatch: number | Error, storedLast: (doc: string) => Promise<number>, onError: (err: unknown) => void): Promise<{ highWater: HighWater; lost: LostWrites | undefined }> {
    const slots = await Promise.all(SLOTS.map((f) => readSlot(join(dir, f))));
    const newest = slots.filter((s): s is HighWaterState & { gen: number } => s !== undefined).sort((a, b) => b.gen - a.gen)[0];
    const recorded = newest ? { batch: newest.batch, docs: newest.docs } : undefined;
    const counter = storedBatch instanceof Error ? undefined : storedBatch;
    const hw = new HighWater(dir, recorded, counter ?? 0, onError);
    hw.slot = newest ? (slots.indexOf(newest) + 1) % 2 : 0;
    hw.gen = newest?.gen ?? 0;
    const counterUnreadable = storedBatch instanceof Error ? storedBatch.message.split('\n')[0]! : undefined;
    if (!recorded) return { highWater: hw, lost: counterUnreadable ? { batches: 0, docs: [], counterUnreadable } : undefined };
    const docs: LostWrites['docs'] = [];
    for (const [doc, acknowledged] of Object.entries(recorded.docs)) {
      const stored = await storedLast(doc).catch(() => Infinity);
      if (stored < acknowledged) docs.push({ doc, acknowledged, stored });
    }
    const batches = counter === undefined ? 0 : Math.max(0, recorded.batch - counter);
    return { highWater: hw, lost: batches || docs.length || counterUnreadable ? { batches, docs, ...(counterUnreadable ? { counterUnreadable } : {}) } : undefined };
  }

  /** The number to write into the next batch under BATCH_KEY. */
  nextBatch(): number {
    return this.batch + 1;
  }

  /** The first sequence number a document may use: past everything acknowledged, even what LevelDB lost. */
  nextSeq(doc: string): number {
    const a = this.acked.get(doc);
    return a === undefined ? 0 : a + 1;
  }

  /**
   * Called once the batch numbered `nextBatch()` is synced, before its callers are answered: records its
   * appends (document → last sequence number) and forgets the documents it deleted, then fsyncs.
   */
  async afterBatch(appended: Map<string, number>, deleted: Iterable<string>): Promise<void> {
    this.batch++;
    for (const doc of deleted) this.acked.delete(doc);
    for (const [doc, seq] of appended) this.acked.set(doc, Math.max(seq, this.acked.get(doc) ?? -1));
    const body = JSON.stringify({ gen: ++this.gen, batch: this.batch, docs: Object.fromEntries(this.acked) });
    const text = `${sha256(body)}\n${body}`;
    try {
      const slot = this.slot;
      this.slot = (slot + 1) % 2;
      let fh = this.handles[slot];
      if (!fh) {
        fh = this.handles[slot] = await open(join(this.dir, slot === 0 ? SLOTS[0] : SLOTS[1]), constants.O_RDWR | constants.O_CREAT);
        // A new file's name is durable only once its folder is synced.
        const folder = await open(this.dir, constants.O_RDONLY);
        await folder.sync().finally(() => folder.close());
      }
      await fh.truncate(0);
      await fh.write(text, 0, 'utf8');
      await fh.datasync();
    } catch (err) {
      this.onError(err);
    }
  }

  async close(): Promise<void> {
    for (const fh of this.handles) await fh?.close();
    this.handles = [undefined, undefined];
  }
}

async function readSlot(path: string): Promise<(HighWaterState & { gen: number }) | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
  const cut = text.indexOf('\n');
  const body = text.slice(cut + 1);
  // A slot torn by a crash while it was written fails its hash: the other slot holds the state before.
  if (cut < 0 || text.slice(0, cut) !== sha256(body)) return undefined;
  try {
    const s = JSON.parse(body) as HighWaterState & { gen: number };
    return typeof s.gen === 'number' && typeof s.batch === 'number' && typeof s.docs === 'object' ? s : undefined;
  } catch {
    return undefined;
  }
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** The damage line's words for what an open found missing. */
export function describeLost(lost: LostWrites): { doc: string; what: string }[] {
  const out = lost.docs.map(({ doc, acknowledged, stored }) => ({
    doc,
    what: `updates up to no. ${acknowledged} were acknowledged but the store holds them only up to no. ${stored}: the last ${acknowledged - stored} acknowledged update${acknowledged - stored === 1 ? ' is' : 's are'} lost (LevelDB dropped them: its newest log cut short, or a damaged table file)`,
  }));
  if (lost.counterUnreadable) out.push({ doc: 'store', what: `the store's count of written batches cannot be read (${lost.counterUnreadable}): a table file is damaged` });
  if (lost.batches > 0) {
    out.push({
      doc: 'store',
      what: `${lost.batches} acknowledged write batch${lost.batches === 1 ? ' is' : 'es are'} missing (LevelDB dropped them: its newest log cut short, or a damaged table file): records written in ${lost.batches === 1 ? 'it' : 'them'} (orders, idempotency keys, reservations, tokens) are lost`,
    });
  }
  return out;
}
