import type { Commit, EventStore, StoredDoc } from './store.ts';

/**
 * An event handle that passes every call to another handle chosen per call: the lease-holding wrappers of
 * store-access.ts (one process) and cluster/cluster-stores.ts (a cluster) differ only in how they reach that
 * handle, so the method-by-method forwarding lives here once.
 */
export abstract class DelegatingEventStore implements EventStore {
  constructor(readonly eventId: string) {}

  /** Runs a call that writes, or that needs the owner's handle (documents), on the right handle. */
  protected abstract via<T>(fn: (h: EventStore) => Promise<T>): Promise<T>;
  /** The handle usable at once, if any (the synchronous calls answer from it, or as for an untouched handle). */
  protected abstract current(): EventStore | undefined;
  /** Runs a read of records; the same as `via` unless a subclass can read without the lease. */
  protected read<T>(fn: (h: EventStore) => Promise<T>): Promise<T> {
    return this.via(fn);
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
    // No handle yet: nothing was loaded or appended through this one at the current epoch, so nothing to cover.
    return this.current()?.compactionMark(doc) ?? 0;
  }
  compact(doc: string, snapshot: Uint8Array, mark: number): Promise<void> {
    return this.via((h) => h.compact(doc, snapshot, mark));
  }
  updateCount(doc: string): number | undefined {
    return this.current()?.updateCount(doc);
  }
  docNames(): Promise<string[]> {
    return this.read((h) => h.docNames());
  }
  deleteDoc(doc: string): Promise<void> {
    return this.via((h) => h.deleteDoc(doc));
  }
}
