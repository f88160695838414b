import type { QaBoard, QaChange } from './qa-board.ts';

/**
 * The live Q&A feed (Server-Sent Events) to every shopper watching a drop page. Built for 10,000 watchers of
 * one event on one process (bench/qa.bench.ts):
 *  - changes are coalesced: everything that changed within `coalesceMs` goes out as one `qa` event, so a burst
 *    of moderation is one write per watcher, not one per click;
 *  - a message is serialised once, whatever the number of watchers (the same string is written to each);
 *  - watchers are written in slices of `sliceSize`, yielding to the event loop between slices (setImmediate),
 *    so a broadcast never blocks the requests, syncs and orders the server is also serving.
 * A watcher that stops reading is dropped by its SseStream (its buffer limit), not waited for.
 */
export interface QaFeedOptions {
  coalesceMs?: number;
  sliceSize?: number;
}

export interface QaWatcher {
  write(chunk: string): void;
}

export class QaFeed {
  private readonly watchers = new Map<string, Set<QaWatcher>>();
  private readonly pending = new Map<string, Map<string, QaChange>>();
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly coalesceMs: number;
  private readonly sliceSize: number;
  private readonly stop: () => void;
  private seq = 0;

  constructor(board: QaBoard, opts: QaFeedOptions = {}) {
    this.coalesceMs = opts.coalesceMs ?? 100;
    this.sliceSize = opts.sliceSize ?? 500;
    this.stop = board.onChange((eventId, change) => this.queue(eventId, change));
  }

  /** Adds a watcher of the event; returns its removal. */
  watch(eventId: string, w: QaWatcher): () => void {
    let set = this.watchers.get(eventId);
    if (!set) this.watchers.set(eventId, (set = new Set()));
    set.add(w);
    return () => {
      set.delete(w);
      if (set.size === 0 && this.watchers.get(eventId) === set) this.watchers.delete(eventId);
    };
  }

  watching(eventId: string): number {
    return this.watchers.get(eventId)?.size ?? 0;
  }

  close(): void {
    this.stop();
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    this.pending.clear();
  }

  private queue(eventId: string, change: QaChange): void {
    let p = this.pending.get(eventId);
    if (!p) this.pending.set(eventId, (p = new Map()));
    // The latest state of a question wins: an answer then a pin within the window is one change.
    p.set(change.id, change);
    if (this.timers.has(eventId)) return;
    const t = setTimeout(() => this.flush(eventId), this.coalesceMs);
    t.unref?.();
    this.timers.set(eventId, t);
  }

  private flush(eventId: string): void {
    this.timers.delete(eventId);
    const changes = this.pending.get(eventId);
    this.pending.delete(eventId);
    const set = this.watchers.get(eventId);
    if (!changes || !set || set.size === 0) return;
    const chunk = `event: qa\nid: ${++this.seq}\ndata: ${JSON.stringify({ changes: [...changes.values()], sentAt: Date.now() })}\n\n`;
    const all = [...set];
    const slice = (from: number) => {
      const end = Math.min(from + this.sliceSize, all.length);
      for (let i = from; i < end; i++) all[i]!.write(chunk);
      if (end < all.length) setImmediate(() => slice(end));
    };
    slice(0);
  }
}
