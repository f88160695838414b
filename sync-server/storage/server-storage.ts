/**
 * What the sync server keeps on disk. The embedded default is LevelDB (level-storage.ts); the interface
 * leaves room for Postgres. Every method that writes resolves only once the write is durable (fsync'd).
 */
export interface StoredDoc {
  /** Compacted state (Yjs v2 encoding), if any. */
  snapshot: Uint8Array | undefined;
  /** Updates appended after the snapshot (v1 encoding), oldest first. */
  updates: Uint8Array[];
}

export interface ServerStorage {
  loadDoc(name: string): Promise<StoredDoc>;
  /** Appends one update; resolves when it is on disk. Concurrent appends are group-committed. */
  appendUpdate(name: string, update: Uint8Array): Promise<void>;
  /**
   * Where a snapshot taken now would end: every update appended so far is below the mark. Read it in the
   * same synchronous step as encoding the snapshot, so that the mark and the snapshot cover the same updates.
   */
  compactionMark(name: string): number;
  /**
   * Stores the snapshot and deletes the updates below `mark` (those it covers), atomically. Updates appended
   * after the mark are kept: they are in no snapshot yet.
   */
  compact(name: string, snapshot: Uint8Array, mark: number): Promise<void>;
  /** Number of updates stored after the snapshot (to decide when to compact). */
  updateCount(name: string): number | undefined;
  docNames(): Promise<string[]>;
  /** Deletes everything stored for a document (its snapshot and updates), atomically: the rebuild of a damaged one. */
  deleteDoc(name: string): Promise<void>;
  /** The namespaces that hold records (start-up verification reads every record of each). */
  recordNamespaces(): Promise<string[]>;

  /** Small JSON records (tokens, pairing codes, idempotency keys, reservations, orders), by namespace. */
  getRecord<T>(ns: string, key: string): Promise<T | undefined>;
  putRecord(ns: string, key: string, value: unknown): Promise<void>;
  deleteRecord(ns: string, key: string): Promise<void>;
  listRecords<T>(ns: string): Promise<[string, T][]>;

  close(): Promise<void>;
}
