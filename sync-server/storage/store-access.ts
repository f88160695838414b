import { randomUUID } from 'node:crypto';
import type { Commit, EventStore, Fence, Leases, Store, StoredDoc, Stores } from './store.ts';

/**
 * The one place where the server's modules get an event's store (`Stores.event`): every per-event read and
 * write of every module goes through the object made here, so a fence is attached in one spot.
 *
 * A store without leases (LevelDB, memory: one process owns the data) hands out its event handles as they are.
 *
 * A store with leases (PostgreSQL) requires every event handle to carry the fence of the event's lease. This
 * process then takes each event's lease the first time it touches the event, renews it while it runs and
 * releases it on close: one server process on one database. Running several processes on one database (who
 * owns which event, forwarding to the owner, failover) is the cluster's work, which replaces this holder;
 * until then a second process touching an event this one holds is refused with `EventHeldElsewhereError`.
 */
export interface StoreAccess extends Stores {
  /** Stops renewing and releases the leases taken (before the store itself is closed). */
  close(): Promise<void>;
}

/** Another live process holds the event's lease: this process may not read or write the event. */
export class EventHeldElsewhereError extends Error {
  override readonly name = 'EventHeldElsewhereError';
  constructor(
    readonly eventId: string,
    readonly owner: string,
  ) {
    super(`event ${eventId} is served by another server process (${owner}) on this database`);
  }
}

export interface LeaseOptions {
  /** This process's lease owner id (default: a random one per start). */
  owner?: string;
  /** The URL other processes would reach this one at (recorded in the lease row). */
  url?: string;
  /** How long a lease lasts without renewal (default 15 s); it is renewed every third of that. */
  ttlMs?: number;
}

export function storesOf(store: Store, opts: LeaseOptions = {}): StoreAccess {
  const leases = store.leases;
  if (!leases) {
    return {
      event: (eventId) => store.event(eventId),
      server: () => store.server(),
      eventIds: () => store.eventIds(),
      close: async () => undefined,
    };
  }
  const holder = new LeaseHolder(store, leases, opts);
  return {
    event: (eventId) => holder.event(eventId),
    server: () => store.server(),
    eventIds: () => store.eventIds(),
    close: () => holder.close(),
  };
}

class LeaseHolder {
  private readonly owner: string;
  private readonly ttlMs: number;
  private readonly handles = new Map<string, FencedEventStore>();
  private readonly held = new Map<string, { epoch: number; timer: NodeJS.Timeout }>();

  constructor(
    private readonly store: Store,
    private readonly leases: Leases,
    private readonly opts: LeaseOptions,
  ) {
    this.owner = opts.owner ?? `popup-${randomUUID()}`;
    this.ttlMs = opts.ttlMs ?? 15_000;
  }

  event(eventId: string): EventStore {
    let h = this.handles.get(eventId);
    if (!h) this.handles.set(eventId, (h = new FencedEventStore(eventId, () => this.take(eventId))));
    return h;
  }

  private async take(eventId: string): Promise<EventStore> {
    const got = await this.leases.acquire(eventId, this.owner, this.opts.url ?? '', this.ttlMs);
    if (got.owner !== this.owner) throw new EventHeldElsewhereError(eventId, got.owner);
    // Renewed well before it runs out; a renewal refused means another process took the event: the handle's
    // writes then fail with LeaseLostError (the store checks the epoch), and the next use takes it again.
    const timer = setInterval(() => {
      this.leases.renew(eventId, this.owner, got.epoch, this.ttlMs).then(
        (kept) => {
          if (!kept) this.forget(eventId);
        },
        () => undefined,
      );
    }, this.ttlMs / 3);
    timer.unref();
    this.held.set(eventId, { epoch: got.epoch, timer });
    return this.store.event(eventId, { epoch: got.epoch } satisfies Fence);
  }

  private forget(eventId: string): void {
    const h = this.held.get(eventId);
    if (h) clearInterval(h.timer);
    this.held.delete(eventId);
    this.handles.delete(eventId);
  }

  async close(): Promise<void> {
    const held = [...this.held];
    for (const id of this.held.keys()) this.forget(id);
    await Promise.all(held.map(([eventId, { epoch }]) => this.leases.release(eventId, this.owner, epoch).catch(() => undefined)));
  }
}

/**
 * An event handle whose lease is taken on first use. Once taken, calls go straight to the fenced handle in
 * the same synchronous step (an append's sequence number is given at the call, see store.ts compactionMark).
 */
class FencedEventStore implements EventStore {
  private inner: EventStore | undefined;
  private taking: Promise<EventStore> | undefined;

  constructor(
    readonly eventId: string,
    private readonly take: () => Promise<EventStore>,
  ) {}

  private ready(): Promise<EventStore> {
    if (this.inner) return Promise.resolve(this.inner);
    this.taking ??= this.take().then(
      (h) => (this.inner = h),
      (err: unknown) => {
        this.taking = undefined;
        throw err;
      },
    );
    return this.taking;
  }

  private via<T>(fn: (h: EventStore) => Promise<T>): Promise<T> {
    return this.inner ? fn(this.inner) : this.ready().then(fn);
  }

  get<T>(ns: string, key: string): Promise<T | undefined> {
    return this.via((h) => h.get<T>(ns, key));
  }
  list<T>(ns: string, prefix?: string): Promise<[string, T][]> {
    return this.via((h) => h.list<T>(ns, prefix));
  }
  put(ns: string, key: string, value: unknown): Promise<void> {
    return this.via((h) => h.put(ns, key, value));
  }
  del(ns: string, key: string): Promise<void> {
    return this.via((h) => h.del(ns, key));
  }
  commit(c: Commit): Promise<void> {
    return this.via((h) => h.commit(c));
  }
  namespaces(): Promise<string[]> {
    return this.via((h) => h.namespaces());
  }
  loadDoc(doc: string): Promise<StoredDoc> {
    return this.via((h) => h.loadDoc(doc));
  }
  appendUpdate(doc: string, update: Uint8Array): Promise<void> {
    return this.via((h) => h.appendUpdate(doc, update));
  }
  compactionMark(doc: string): number {
    // Before the lease is taken nothing was loaded or appended through this handle: nothing to cover.
    return this.inner?.compactionMark(doc) ?? 0;
  }
  compact(doc: string, snapshot: Uint8Array, mark: number): Promise<void> {
    return this.via((h) => h.compact(doc, snapshot, mark));
  }
  updateCount(doc: string): number | undefined {
    return this.inner?.updateCount(doc);
  }
  docNames(): Promise<string[]> {
    return this.via((h) => h.docNames());
  }
  deleteDoc(doc: string): Promise<void> {
    return this.via((h) => h.deleteDoc(doc));
  }
}
