/**
 * The store of record, one interface with three implementations: in memory (tests), LevelDB (the embedded
 * default: `npm start`, the desktop app's LAN hub) and PostgreSQL (a cluster of server processes).
 *
 * Everything an event owns is reached through `store.event(eventId, fence)`: its documents and its records.
 * An event's records are read by prefix within the event, never by scanning every event. Server-wide records
 * (tokens, pairing codes, server metadata) live in `store.server()`.
 *
 * Durability: every promise that writes resolves only once the write is durable (LevelDB batch with
 * `sync: true`, PostgreSQL commit with `synchronous_commit` on). A rejected write changed nothing.
 *
 * Atomicity: `commit` applies its record writes, record deletes and document updates as one unit, and only
 * if each of its conditions holds when it is applied (compare-and-set). An order is one commit: its record,
 * its idempotency key, the receipt counter and its sales' document updates.
 *
 * Fencing: in a cluster one process owns an event at a time through a lease (see `Leases`). A handle opened
 * with a fence carries the lease's epoch; every write through it checks, in the same transaction, that the
 * event's lease still has that epoch, and fails with `LeaseLostError` otherwise, so a process that stalled
 * past its lease cannot write. The embedded stores have one process and no leases: they take no fence.
 */

/** A document as stored: a compacted snapshot (Yjs v2 encoding) and the updates appended after it (v1), oldest first. */
export interface StoredDoc {
  snapshot: Uint8Array | undefined;
  updates: Uint8Array[];
}

/** A record's key within one event (or within the server-wide space): namespace plus key. */
export interface RecordKey {
  ns: string;
  key: string;
}

/**
 * A condition of a commit: the record's current value must equal `equals` (compared as JSON text), or be
 * absent when `equals` is `undefined`.
 */
export interface Expectation extends RecordKey {
  equals: unknown;
}

export interface Commit {
  /** Records to write (JSON-serialisable values). */
  put?: (RecordKey & { value: unknown })[];
  del?: RecordKey[];
  /** Document updates to append (v1 encoding), in order; the document must belong to this handle's event. */
  updates?: { doc: string; update: Uint8Array }[];
  /** All must hold when the commit is applied, or nothing is written and `ConditionFailedError` is thrown. */
  expect?: Expectation[];
}

/** Reads and writes of records in one space (an event's, or the server-wide one). */
export interface RecordSpace {
  get<T>(ns: string, key: string): Promise<T | undefined>;
  /** Every record of a namespace whose key starts with `prefix` (all when omitted), in key order. */
  list<T>(ns: string, prefix?: string): Promise<[string, T][]>;
  put(ns: string, key: string, value: unknown): Promise<void>;
  del(ns: string, key: string): Promise<void>;
  /** Atomic, conditional: see `Commit`. */
  commit(c: Commit): Promise<void>;
  /** Namespaces that hold at least one record (start-up verification reads them all). */
  namespaces(): Promise<string[]>;
}

/** One event's documents and records. */
export interface EventStore extends RecordSpace {
  readonly eventId: string;
  /** Document names are full names (`event/<id>/…`, core/event/schema.ts) of this event. */
  loadDoc(doc: string): Promise<StoredDoc>;
  /** Appends one update; resolves when durable. Concurrent appends may be group-committed. */
  appendUpdate(doc: string, update: Uint8Array): Promise<void>;
  /**
   * Where a snapshot taken now would end: every update appended (or being appended) so far is below the
   * mark. Read it in the same synchronous step as encoding the snapshot, so both cover the same updates.
   */
  compactionMark(doc: string): number;
  /** Stores the snapshot and deletes the updates below `mark`, atomically; later updates are kept. */
  compact(doc: string, snapshot: Uint8Array, mark: number): Promise<void>;
  /** Updates stored after the snapshot, as far as this process knows (to decide when to compact). */
  updateCount(doc: string): number | undefined;
  docNames(): Promise<string[]>;
  /** Deletes a document's snapshot and updates atomically (the rebuild of a damaged one). */
  deleteDoc(doc: string): Promise<void>;
}

/** A lease's fencing token: writes through a handle opened with it fail once the event's epoch moved on. */
export interface Fence {
  epoch: number;
}

export interface LeaseHolder {
  owner: string;
  /** The internal URL other processes forward requests to. */
  url: string;
  epoch: number;
  /** Epoch milliseconds. */
  expiresAt: number;
}

/** Ownership of events by processes (PostgreSQL only; the embedded stores have one process). */
export interface Leases {
  /**
   * Takes the event's lease when it is free or expired (the epoch goes up by one), or renews it when `owner`
   * already holds it (same epoch). Returns the holder after the attempt: compare `owner` to see who won.
   */
  acquire(eventId: string, owner: string, url: string, ttlMs: number): Promise<LeaseHolder>;
  /** Extends a lease held at `epoch`; false when it was lost (another process took it). */
  renew(eventId: string, owner: string, epoch: number, ttlMs: number): Promise<boolean>;
  release(eventId: string, owner: string, epoch: number): Promise<void>;
  holder(eventId: string): Promise<LeaseHolder | undefined>;
}

export interface Store {
  /** `fence` is required by a store with leases, refused by one without. */
  event(eventId: string, fence?: Fence): EventStore;
  server(): RecordSpace;
  /** Every event that has documents or records. */
  eventIds(): Promise<string[]>;
  readonly leases: Leases | undefined;
  close(): Promise<void>;
}

/**
 * What the server's modules see of the store: an event's documents and records through `event`, and the
 * server-wide records. The server builds the one instance every module shares (server.ts: `storesOf`, or `clusterStores` for a store with leases), so the
 * per-event access has one place where a cluster attaches the event's lease fence.
 */
export interface Stores {
  event(eventId: string): EventStore;
  server(): RecordSpace;
  /** Every event that has documents or records (start-up work that must visit each: recovery, verification). */
  eventIds(): Promise<string[]>;
  /**
   * In a cluster only: a document as committed in the store, read without loading it here and without taking
   * its event's lease (cluster/cluster-stores.ts). For reads across events (the events list), which must
   * neither fail because another process serves an event nor take over every idle event they look at.
   */
  committedDoc?(eventId: string, doc: string): Promise<StoredDoc>;
}

/** A commit's condition did not hold: nothing was written. */
export class ConditionFailedError extends Error {
  override readonly name = 'ConditionFailedError';
  constructor(readonly failed: RecordKey) {
    super(`commit refused: ${failed.ns}/${failed.key} is not what the writer expected`);
  }
}

/** A document name that is not one of the handle's event (`event/<eventId>/…`): refused, nothing written. */
export class DocumentOutsideEventError extends Error {
  override readonly name = 'DocumentOutsideEventError';
  constructor(
    readonly eventId: string,
    readonly doc: string,
  ) {
    super(`document ${doc} is not one of event ${eventId}'s documents (event/${eventId}/…)`);
  }
}

/** Refuses a document name that does not belong to `eventId` (every store calls it before touching a document). */
export function checkDocOfEvent(eventId: string, doc: string): void {
  if (!doc.startsWith(`event/${eventId}/`) || doc.length === `event/${eventId}/`.length) throw new DocumentOutsideEventError(eventId, doc);
}

/** The event's lease moved to another epoch: this process no longer owns it and must not write. */
export class LeaseLostError extends Error {
  override readonly name = 'LeaseLostError';
  constructor(
    readonly eventId: string,
    readonly epoch: number,
  ) {
    super(`event ${eventId}: lease epoch ${epoch} was taken over; this process no longer owns the event`);
  }
}
