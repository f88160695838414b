import type { ServerStorage } from '../storage/server-storage.ts';

/**
 * Clicks on creator links, counted per event and code and kept in the server's store (not in a synced
 * document: a viral post must not cost every till a sync message per click). Clicks are added up in memory
 * and written in one batch per `flushMs` (default 1 s) and when the server stops, so a burst of a thousand
 * clicks costs a handful of writes. A crash loses at most the clicks of the last `flushMs`.
 */
const NS = 'creator-clicks';

export class ClickCounter {
  private readonly pending = new Map<string, number>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private flushing: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly storage: ServerStorage,
    private readonly opts: { flushMs?: number; log?: (level: 'warn', message: string, fields?: Record<string, unknown>) => void } = {},
  ) {}

  /** Counts one click; it is written with the next batch. */
  click(eventId: string, codeKey: string): void {
    const key = `${eventId}!${codeKey}`;
    this.pending.set(key, (this.pending.get(key) ?? 0) + 1);
    if (!this.timer && !this.closed) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        void this.flush();
      }, this.opts.flushMs ?? 1000);
      this.timer.unref?.();
    }
  }

  /** Clicks per code of an event (lower-case code → count), stored and not yet stored alike. */
  async counts(eventId: string): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for (const [key, n] of await this.storage.listRecords<number>(NS)) if (key.startsWith(`${eventId}!`)) out.set(key.slice(eventId.length + 1), n);
    for (const [key, n] of this.pending) if (key.startsWith(`${eventId}!`)) out.set(key.slice(eventId.length + 1), (out.get(key.slice(eventId.length + 1)) ?? 0) + n);
    return out;
  }

  /** Writes the clicks counted so far; batches run one after another, so no two add to the same stale total. */
  flush(): Promise<void> {
    const run = this.flushing.then(async () => {
      const batch = [...this.pending];
      this.pending.clear();
      for (const [key, n] of batch) {
        try {
          await this.storage.putRecord(NS, key, ((await this.storage.getRecord<number>(NS, key)) ?? 0) + n);
        } catch (err) {
          // Put them back for the next batch rather than lose them.
          this.pending.set(key, (this.pending.get(key) ?? 0) + n);
          this.opts.log?.('warn', 'could not store creator link clicks', { key, err: String(err) });
        }
      }
    });
    this.flushing = run.catch(() => undefined);
    return run;
  }

  /** Stops the timer and writes what is pending. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.flush();
  }
}
