import { ConditionFailedError, type Stores } from '../storage/store.ts';
import type { EventSlot } from '../event-host.ts';
import type { EventHosts } from '../event-hosts.ts';

/**
 * Clicks on creator links, counted per event and code and kept in the server's store (not in a synced
 * document: a viral post must not cost every till a sync message per click). Clicks are added up in memory
 * and written in one batch per `flushMs` (default 1 s) and when the server stops, so a burst of a thousand
 * clicks costs a handful of writes. A crash loses at most the clicks of the last `flushMs`.
 */
const NS = 'creator-clicks';
/** A count written by another writer meanwhile (another process, in a cluster) makes the add read again. */
const ADD_ATTEMPTS = 5;

/** One event's clicks not yet written (per lower-case code), and the timer of its next batch. */
interface EventClicks {
  codes: Map<string, number>;
  timer: ReturnType<typeof setTimeout> | undefined;
}

export class ClickCounter {
  /** Per event, in the event's host: when the process stops serving an event, its clicks are written first. */
  private readonly pending: EventSlot<EventClicks>;
  private flushing: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly stores: Stores,
    private readonly hosts: EventHosts,
    private readonly opts: { flushMs?: number; log?: (level: 'warn', message: string, fields?: Record<string, unknown>) => void } = {},
  ) {
    this.pending = hosts.slot('creator-clicks', { dispose: (clicks, eventId) => this.write(() => [[eventId, take(clicks)]]) });
  }

  /** Counts one click; it is written with the next batch. */
  click(eventId: string, codeKey: string): void {
    const event = this.pending.ensure(eventId, () => ({ codes: new Map(), timer: undefined }));
    event.codes.set(codeKey, (event.codes.get(codeKey) ?? 0) + 1);
    if (!event.timer && !this.closed) {
      event.timer = this.hosts.of(eventId).setTimeout(() => {
        event.timer = undefined;
        void this.flush();
      }, this.opts.flushMs ?? 1000);
    }
  }

  /** Clicks per code of an event (lower-case code → count), stored and not yet stored alike. */
  counts(eventId: string): Promise<Map<string, number>> {
    // In line with the flushes: none runs while the stored counts are read, so a batch is counted either
    // in the store or in `pending`, never in neither (taken out of pending, not yet stored) nor in both.
    const run = this.flushing.then(async () => {
      const out = new Map(await this.stores.event(eventId).list<number>(NS));
      for (const [code, n] of this.pending.get(eventId)?.codes ?? []) out.set(code, (out.get(code) ?? 0) + n);
      return out;
    });
    this.flushing = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  /** Writes the clicks counted so far; batches run one after another. */
  flush(): Promise<void> {
    return this.write(() => [...this.pending].map(([eventId, event]) => [eventId, take(event)] as [string, Map<string, number>]));
  }

  /**
   * Writes the counts `take` takes out of `pending`, after the batches before (taken in line, so a count read
   * finds each click in the store or in `pending`); what fails goes back for the next batch.
   */
  private write(take: () => [string, Map<string, number>][]): Promise<void> {
    const run = this.flushing.then(async () => {
      for (const [eventId, codes] of take()) {
        for (const [code, n] of codes) {
          try {
            await this.add(eventId, code, n);
          } catch (err) {
            // Put them back for the next batch rather than lose them (while this process serves the event).
            const event = this.pending.get(eventId);
            event?.codes.set(code, (event.codes.get(code) ?? 0) + n);
            this.opts.log?.('warn', 'could not store creator link clicks', { eventId, code, err: String(err) });
          }
        }
      }
    });
    this.flushing = run.catch(() => undefined);
    return run;
  }

  /** Adds `n` to the stored count as a compare-and-set: a total written meanwhile is read again, never overwritten. */
  private async add(eventId: string, code: string, n: number): Promise<void> {
    const records = this.stores.event(eventId);
    for (let attempt = 1; ; attempt++) {
      const before = await records.get<number>(NS, code);
      try {
        await records.commit({ put: [{ ns: NS, key: code, value: (before ?? 0) + n }], expect: [{ ns: NS, key: code, equals: before }] });
        return;
      } catch (err) {
        if (!(err instanceof ConditionFailedError) || attempt >= ADD_ATTEMPTS) throw err;
      }
    }
  }

  /** Stops the timer and writes what is pending. */
  async close(): Promise<void> {
    this.closed = true;
    for (const [eventId, event] of this.pending) {
      this.hosts.peek(eventId)?.clearTimeout(event.timer);
      event.timer = undefined;
    }
    await this.flush();
  }
}

/** The event's counts not yet written, taken out of it. */
function take(event: EventClicks): Map<string, number> {
  const codes = new Map(event.codes);
  event.codes.clear();
  return codes;
}
