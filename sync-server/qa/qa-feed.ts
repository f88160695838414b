import type { QaBoard, QaChange } from './qa-board.ts';
import type { EventSlot } from '../event-host.ts';
import type { EventHosts } from '../event-hosts.ts';

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
  /** Ends the watcher's stream (the process stopped serving the event: the shopper reconnects to its owner). */
  finish?(): void;
}

/** One event's feed, in the event's host: its watchers, the changes waiting to go out and their timer. */
interface EventFeed {
  watchers: Set<QaWatcher>;
  pending: Map<string, QaChange>;
  timer: ReturnType<typeof setTimeout> | undefined;
}

export class QaFeed {
  private readonly feeds: EventSlot<EventFeed>;
  private readonly coalesceMs: number;
  private readonly sliceSize: number;
  private readonly stop: () => void;
  private seq = 0;

  constructor(
    board: QaBoard,
    private readonly hosts: EventHosts,
    opts: QaFeedOptions = {},
  ) {
    // The host's timer is cleared with it; its watchers' streams end, so shoppers reconnect to the owner.
    this.feeds = hosts.slot('qa-feed', {
      busy: (feed) => feed.watchers.size > 0,
      dispose: (feed) => {
        for (const w of [...feed.watchers]) w.finish?.();
      },
    });
    this.coalesceMs = opts.coalesceMs ?? 100;
    this.sliceSize = opts.sliceSize ?? 500;
    this.stop = board.onChange((eventId, change) => this.queue(eventId, change));
  }

  /** Adds a watcher of the event; returns its removal. */
  watch(eventId: string, w: QaWatcher): () => void {
    const feed = this.feed(eventId);
    feed.watchers.add(w);
    return () => {
      feed.watchers.delete(w);
    };
  }

  watching(eventId: string): number {
    return this.feeds.get(eventId)?.watchers.size ?? 0;
  }

  close(): void {
    this.stop();
    for (const [eventId, feed] of this.feeds) {
      this.hosts.peek(eventId)?.clearTimeout(feed.timer);
      feed.timer = undefined;
      feed.pending.clear();
    }
  }

  private feed(eventId: string): EventFeed {
    return this.feeds.ensure(eventId, () => ({ watchers: new Set(), pending: new Map(), timer: undefined }));
  }

  private queue(eventId: string, change: QaChange): void {
    const feed = this.feed(eventId);
    // The latest state of a question wins: an answer then a pin within the window is one change.
    feed.pending.set(change.id, change);
    if (feed.timer !== undefined) return;
    feed.timer = this.hosts.of(eventId).setTimeout(() => this.flush(feed), this.coalesceMs);
  }

  private flush(feed: EventFeed): void {
    feed.timer = undefined;
    const changes = new Map(feed.pending);
    feed.pending.clear();
    const set = feed.watchers;
    if (changes.size === 0 || set.size === 0) return;
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
