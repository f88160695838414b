import type { Commit, EventStore, Fence, RecordSpace, Store, StoredDoc } from './store.ts';

/**
 * A store that passes every call to another one, through a hook tests set to hold, fail or count writes:
 * the way to put a slow disk, a failed write or a crash between two steps under a running server, without
 * touching the server's own objects. Production never uses it.
 */
export interface TapCall {
  op: 'put' | 'del' | 'commit' | 'appendUpdate' | 'compact' | 'deleteDoc';
  /** Undefined for the server-wide records. */
  eventId: string | undefined;
  /** The document, for document writes. */
  doc?: string;
  /** The record namespace, for put and del. */
  ns?: string;
  /** The commit, for commit. */
  commit?: Commit;
}

/** Runs the call (`proceed`) or not, and returns what the caller gets; the default is `proceed()`. */
export type Tap = (call: TapCall, proceed: () => Promise<void>) => Promise<void>;

export class TapStore implements Store {
  /** Set by a test; undefined passes every call through. */
  tap: Tap | undefined;

  constructor(readonly inner: Store) {}

  get leases() {
    return this.inner.leases;
  }

  event(eventId: string, fence?: Fence): EventStore {
    return new TapEventStore(this.inner.event(eventId, fence), this);
  }

  server(): RecordSpace {
    return new TapSpace(this.inner.server(), this, undefined);
  }

  eventIds(): Promise<string[]> {
    return this.inner.eventIds();
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  run(call: TapCall, proceed: () => Promise<void>): Promise<void> {
    return this.tap ? this.tap(call, proceed) : proceed();
  }
}

class TapSpace implements RecordSpace {
  constructor(
    protected readonly inner: RecordSpace,
    protected readonly store: TapStore,
    private readonly space: string | undefined,
  ) {}

  /** Undefined for the server-wide records. */
  get eventId(): string | undefined {
    return this.space;
  }

  get<T>(ns: string, key: string): Promise<T | undefined> {
    return this.inner.get<T>(ns, key);
  }
  list<T>(ns: string, prefix?: string): Promise<[string, T][]> {
    return this.inner.list<T>(ns, prefix);
  }
  namespaces(): Promise<string[]> {
    return this.inner.namespaces();
  }
  put(ns: string, key: string, value: unknown): Promise<void> {
    return this.store.run({ op: 'put', eventId: this.eventId, ns }, () => this.inner.put(ns, key, value));
  }
  del(ns: string, key: string): Promise<void> {
    return this.store.run({ op: 'del', eventId: this.eventId, ns }, () => this.inner.del(ns, key));
  }
  commit(c: Commit): Promise<void> {
    return this.store.run({ op: 'commit', eventId: this.eventId, commit: c }, () => this.inner.commit(c));
  }
}

class TapEventStore extends TapSpace implements EventStore {
  constructor(
    private readonly ev: EventStore,
    store: TapStore,
  ) {
    super(ev, store, ev.eventId);
  }

  override get eventId(): string {
    return this.ev.eventId;
  }

  loadDoc(doc: string): Promise<StoredDoc> {
    return this.ev.loadDoc(doc);
  }
  appendUpdate(doc: string, update: Uint8Array): Promise<void> {
    return this.store.run({ op: 'appendUpdate', eventId: this.eventId, doc }, () => this.ev.appendUpdate(doc, update));
  }
  compactionMark(doc: string): number {
    return this.ev.compactionMark(doc);
  }
  compact(doc: string, snapshot: Uint8Array, mark: number): Promise<void> {
    return this.store.run({ op: 'compact', eventId: this.eventId, doc }, () => this.ev.compact(doc, snapshot, mark));
  }
  updateCount(doc: string): number | undefined {
    return this.ev.updateCount(doc);
  }
  docNames(): Promise<string[]> {
    return this.ev.docNames();
  }
  deleteDoc(doc: string): Promise<void> {
    return this.store.run({ op: 'deleteDoc', eventId: this.eventId, doc }, () => this.ev.deleteDoc(doc));
  }
}
