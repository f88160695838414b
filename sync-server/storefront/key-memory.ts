import type { PerEvent } from '../event-host.ts';
import type { Stores } from '../storage/store.ts';
import { IDEMPOTENCY, type IdempotencyRecord } from './order-record.ts';

/** Refusals remembered per event at most; the oldest is forgotten first (its key is then judged anew). */
export const MAX_REMEMBERED_REFUSALS = 100_000;

/**
 * What the order path knows of an event's Idempotency-Keys, so that a new key costs no storage read and a
 * refusal no storage write:
 *
 * - `stored`: every key with a stored answer (read once, on the event's first order, from `idempotency/*`,
 *   then kept up to date as orders are applied). A key not in it has no stored answer, so a new key is known
 *   new without asking the store; a key seen for the first time after a restart is in it (loaded), so its
 *   stored answer is read and replayed.
 * - `refused`: the answers of refused keys, kept in memory only (a refusal changes nothing, so nothing needs
 *   to survive a restart: see docs/api.md, "Idempotency"), up to MAX_REMEMBERED_REFUSALS per event.
 *
 * What it knows is derived from this process's own writes, so it is forgotten (`forget`) whenever they may not
 * be the whole story: a group commit failed, or the event left this process (a cluster's lease moved). The
 * order's commit also expects its key absent from the store, so a stale `stored` can never place one key twice.
 */
export class KeyMemory {
  constructor(
    private readonly stores: Stores,
    // Kept in each event's host (event-host.ts): forgotten with it when the process stops serving the event.
    private readonly events: PerEvent<Promise<EventKeys>>,
  ) {}

  /** The event's keys, read from the store on first use (a failed read is tried again next time). */
  of(eventId: string): Promise<EventKeys> {
    let p = this.events.get(eventId);
    if (!p) {
      p = this.stores
        .event(eventId)
        .list<unknown>(IDEMPOTENCY)
        .then((rows) => new EventKeys(new Set(rows.map(([k]) => k))));
      p.catch(() => {
        if (this.events.get(eventId) === p) this.events.delete(eventId);
      });
      this.events.set(eventId, p);
    }
    return p;
  }

  forget(eventId: string): void {
    this.events.delete(eventId);
  }
}

export class EventKeys {
  private readonly refusals = new Map<string, IdempotencyRecord>();

  constructor(private readonly stored: Set<string>) {}

  /** True when the store holds (or a commit on its way holds) this key's answer. */
  isStored(key: string): boolean {
    return this.stored.has(key);
  }

  storing(key: string): void {
    this.stored.add(key);
  }

  refusal(key: string): IdempotencyRecord | undefined {
    return this.refusals.get(key);
  }

  refused(key: string, rec: IdempotencyRecord): void {
    if (this.refusals.size >= MAX_REMEMBERED_REFUSALS) {
      const oldest = this.refusals.keys().next();
      if (!oldest.done) this.refusals.delete(oldest.value);
    }
    this.refusals.set(key, rec);
  }
}
