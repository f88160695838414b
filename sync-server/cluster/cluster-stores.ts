import { EventHeldElsewhereError, type StoreAccess } from '../storage/store-access.ts';
import { LeaseLostError, type Commit, type EventStore, type Store, type StoredDoc } from '../storage/store.ts';
import type { EventOwnership } from './event-ownership.ts';

/**
 * The server's `stores` in a cluster (store-access.ts's contract): every event handle carries the fence of
 * the lease `ownership` holds *now*. Each call takes the current fence in the same synchronous step (an
 * append's sequence number is given at the call, store.ts compactionMark), so a handle kept by a module
 * across a takeover and a take-back writes with the new epoch, never a stale one.
 *
 * An event this process does not own and cannot take (another live process holds it) is refused with
 * `EventHeldElsewhereError`: the cluster front forwards requests for it, so a module reaching it here is
 * a request that raced a lease move, answered 503 and retried. A write refused with `LeaseLostError` tells
 * `ownership` at once (`writeFenced`), which drops the event (unloads its documents, closes its clients with
 * 4409) before the caller even sees the error.
 */
export function clusterStores(store: Store, ownership: EventOwnership): StoreAccess {
  if (!store.leases) throw new TypeError('a cluster needs a store with leases (PostgreSQL)');
  const handles = new Map<string, EventStore>();
  return {
    event: (eventId) => {
      let h = handles.get(eventId);
      if (!h) handles.set(eventId, (h = new OwnedEventStore(eventId, store, ownership)));
      return h;
    },
    server: () => store.server(),
    eventIds: () => store.eventIds(),
    committedDoc: (eventId, doc) => new OwnedEventStore(eventId, store, ownership).committedDoc(doc),
    close: () => ownership.close(),
  };
}

class OwnedEventStore implements EventStore {
  constructor(
    readonly eventId: string,
    private readonly store: Store,
    private readonly ownership: EventOwnership,
  ) {}

  /** The fenced handle of the current epoch: at once when held, else after taking the lease. */
  private via<T>(fn: (h: EventStore) => Promise<T>): Promise<T> {
    const fence = this.ownership.fenceOf(this.eventId);
    const run = (epoch: number) =>
      fn(this.store.event(this.eventId, { epoch })).catch((err: unknown) => {
        if (err instanceof LeaseLostError) this.ownership.writeFenced(this.eventId, epoch);
        throw err;
      });
    if (fence) return run(fence.epoch);
    return this.ownership.place(this.eventId).then((placed) => {
      if (placed.kind === 'forward') throw new EventHeldElsewhereError(this.eventId, placed.holder.owner);
      return run(placed.fence.epoch);
    });
  }

  /**
   * A read of records (never of a document: a document held in memory must be the owner's): through the
   * fenced handle while this process owns the event, else straight from the store without taking the lease.
   * What it returns is committed; a decision taken on it is written through `via`, which needs the lease. So
   * a process starting up (reading every event's webhook record) or listing events takes no lease for that.
   */
  private read<T>(fn: (h: EventStore) => Promise<T>): Promise<T> {
    const fence = this.ownership.fenceOf(this.eventId);
    if (fence) return fn(this.store.event(this.eventId, fence));
    // The store wants some epoch to open a handle; reads never check it. The holder's, when there is one.
    return this.store.leases!.holder(this.eventId).then((holder) => fn(this.store.event(this.eventId, { epoch: holder?.epoch ?? 1 })));
  }

  /** The document as committed (Stores.committedDoc): a read like `read`'s, never a load to serve it. */
  committedDoc(doc: string): Promise<StoredDoc> {
    return this.read((h) => h.loadDoc(doc));
  }

  get<T>(ns: string, key: string): Promise<T | undefined> {
    return this.read((h) => h.get<T>(ns, key));
  }
  list<T>(ns: string, prefix?: string): Promise<[string, T][]> {
    return this.read((h) => h.list<T>(ns, prefix));
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
    return this.read((h) => h.namespaces());
  }
  loadDoc(doc: string): Promise<StoredDoc> {
    return this.via((h) => h.loadDoc(doc));
  }
  appendUpdate(doc: string, update: Uint8Array): Promise<void> {
    return this.via((h) => h.appendUpdate(doc, update));
  }
  compactionMark(doc: string): number {
    // Not held: nothing was appended through this process at the current epoch, so there is nothing to cover.
    const fence = this.ownership.fenceOf(this.eventId);
    return fence ? this.store.event(this.eventId, fence).compactionMark(doc) : 0;
  }
  compact(doc: string, snapshot: Uint8Array, mark: number): Promise<void> {
    return this.via((h) => h.compact(doc, snapshot, mark));
  }
  updateCount(doc: string): number | undefined {
    const fence = this.ownership.fenceOf(this.eventId);
    return fence ? this.store.event(this.eventId, fence).updateCount(doc) : undefined;
  }
  docNames(): Promise<string[]> {
    return this.read((h) => h.docNames());
  }
  deleteDoc(doc: string): Promise<void> {
    return this.via((h) => h.deleteDoc(doc));
  }
}
