import { createHash } from 'node:crypto';
import pg from 'pg';
import { PgLeases } from './pg-leases.ts';
import { migrate } from './pg-schema.ts';
import { checkDocOfEvent, ConditionFailedError, LeaseLostError, type Commit, type EventStore, type Expectation, type Fence, type RecordKey, type RecordSpace, type Store, type StoredDoc } from './store.ts';

/**
 * The PostgreSQL store (store.ts's contract): the store of record for a cluster of server processes.
 *
 * Durability: every write is one transaction that starts `BEGIN; SET LOCAL synchronous_commit TO on`, so its
 * promise resolves only after COMMIT returned, i.e. after the commit record reached the WAL on disk —
 * whatever the role's or database's default is, and also behind a transaction-mode pooler (PgBouncer), where
 * a session-level SET would not stick to the connection the next transaction gets.
 *
 * Fencing: a handle is opened with its lease's epoch. Every write for the event reads the event's lease row
 * `FOR SHARE` in the same transaction and fails with `LeaseLostError` unless the epoch is still the handle's.
 * The share lock also makes a takeover (an UPDATE of that row) wait for the writes in flight, so the cut is
 * clean: after `acquire` returned epoch n+1, nothing of epoch n commits any more.
 *
 * Conditions: row locks (`SELECT … FOR UPDATE`) cannot lock a row that does not exist yet, so two commits
 * that both expect a key absent would both pass their check; the primary key would stop only the one that
 * also writes that very key. So every record write takes a transaction advisory lock per record it touches
 * (a 64-bit hash of space, namespace and key): exclusive on each record a condition names, shared on each
 * record it only writes. A conditional commit is then alone on its records from its check to its commit,
 * and no plain write can slip in between; commits on different records (two orders, two idempotency keys)
 * run side by side and share their WAL flushes. Locks are taken in ascending key order in one statement,
 * so two commits cannot deadlock on them; a hash collision only makes two records wait for each other.
 * Why not a lock per event, or the lease row FOR UPDATE: that serialised every conditional commit of an
 * event behind the previous one's disk flush (54 commits/s in the benchmark, against 3,000 on LevelDB), the
 * server-wide space has no lease row, and renewals would queue behind commits.
 *
 * Sequence numbers: a document update's `seq` is given when the caller calls, not when the row is inserted,
 * so a compaction mark read in the same synchronous step as a snapshot is above every update that snapshot
 * holds, including appends still in flight (store.ts, compactionMark). Per event and per lease epoch, the
 * first write reads the event's highest stored seq once; updates then take `base + n` with n counted here.
 * Only the lease holder writes, so nobody else takes numbers meanwhile. (A database sequence would number
 * rows in the order they are inserted, which group commit and concurrent commits do not keep, and only after
 * the call: too late for the mark.)
 */
export interface PgStoreOptions {
  /** Connections in the pool (default 10): concurrent transactions this process runs against PostgreSQL. */
  poolSize?: number;
  /** Errors of idle connections (the server restarted, the network dropped); the pool replaces them. */
  onIdleError?: (err: Error) => void;
}

export class PgStore implements Store {
  readonly leases: PgLeases;
  private readonly states = new Map<string, EventState>();
  private readonly serverSpace: PgRecordSpace;
  private closed = false;

  private constructor(private readonly pool: pg.Pool) {
    this.leases = new PgLeases(pool);
    this.serverSpace = new PgRecordSpace(pool, SERVER_SCOPE, () => this.checkOpen());
  }

  /** Connects, creates or migrates the schema (pg-schema.ts), and returns the store. */
  static async open(url: string, opts: PgStoreOptions = {}): Promise<PgStore> {
    const poolSize = opts.poolSize ?? 10;
    if (!Number.isInteger(poolSize) || poolSize < 1) throw new RangeError(`PostgreSQL pool size must be a whole number of at least 1, got ${poolSize}`);
    const pool = new pg.Pool({ connectionString: url, max: poolSize, application_name: 'popup-pos' });
    // Without a listener an idle connection's error (the server restarted) would end the process.
    pool.on('error', opts.onIdleError ?? (() => undefined));
    try {
      await migrate(pool);
    } catch (err) {
      await pool.end();
      throw err;
    }
    return new PgStore(pool);
  }

  event(eventId: string, fence?: Fence): EventStore {
    this.checkOpen();
    if (!fence) throw new TypeError(`PgStore: event ${eventId} must be opened with the fence of its lease (store.leases.acquire), so its writes can be refused once another process takes it`);
    if (!Number.isSafeInteger(fence.epoch) || fence.epoch < 1) throw new RangeError(`PgStore: a lease epoch is a whole number from 1, got ${fence.epoch}`);
    // Per epoch: a process that lost the event and took it back starts its numbering from what is stored.
    let state = this.states.get(eventId);
    if (!state || state.epoch !== fence.epoch) this.states.set(eventId, (state = new EventState(eventId, fence.epoch)));
    return new PgEventStore(this.pool, state, () => this.checkOpen());
  }

  server(): RecordSpace {
    return this.serverSpace;
  }

  async eventIds(): Promise<string[]> {
    this.checkOpen();
    const { rows } = await this.pool.query<{ event_id: string }>(
      `SELECT event_id FROM doc_updates UNION SELECT event_id FROM doc_snapshots UNION SELECT event_id FROM event_records ORDER BY 1`,
    );
    return rows.map((r) => r.event_id);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Acknowledged-to-be appends still queued are written (or fail) before the pool goes.
    await Promise.all([...this.states.values()].map((s) => s.drained()));
    await this.pool.end();
  }

  private checkOpen(): void {
    if (this.closed) throw new Error('PgStore is closed');
  }
}

/** Where a record space's rows live: the server-wide table, or an event's rows (and its fence). */
interface Scope {
  table: 'server_records' | 'event_records';
  /** Prefix of the space's record lock keys (see the class comment). */
  lockTag: string;
  eventId?: string;
  fence?: Fence;
}

const SERVER_SCOPE: Scope = { table: 'server_records', lockTag: 's' };

/** A record's advisory lock: a signed 64-bit key (the one-key form; pg-schema.ts's lock is two-key, apart). */
interface RecordLock {
  key: bigint;
  exclusive: boolean;
}

/** One lock per record, exclusive where any condition names it, in ascending key order (no deadlocks). */
function recordLocks(tag: string, written: RecordKey[], expected: RecordKey[]): RecordLock[] {
  const locks = new Map<bigint, boolean>();
  const key = (r: RecordKey): bigint => createHash('sha256').update(`${tag}\u0000${r.ns}\u0000${r.key}`).digest().readBigInt64BE(0);
  for (const r of written) locks.set(key(r), locks.get(key(r)) ?? false);
  for (const r of expected) locks.set(key(r), true);
  return [...locks].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, exclusive]) => ({ key: k, exclusive }));
}

class PgRecordSpace implements RecordSpace {
  constructor(
    protected readonly pool: pg.Pool,
    protected readonly scope: Scope,
    protected readonly checkOpen: () => void,
  ) {}

  /** `$1` is the event id for an event's space; the server-wide space has no scope parameter. */
  private where(): { sql: string; params: unknown[] } {
    return this.scope.eventId === undefined ? { sql: 'TRUE', params: [] } : { sql: 'event_id = $1', params: [this.scope.eventId] };
  }

  async get<T>(ns: string, key: string): Promise<T | undefined> {
    this.checkOpen();
    const w = this.where();
    const n = w.params.length;
    const { rows } = await this.pool.query<{ value: string }>(`SELECT value FROM ${this.scope.table} WHERE ${w.sql} AND ns = $${n + 1} AND key = $${n + 2}`, [...w.params, ns, key]);
    return rows[0] ? (JSON.parse(rows[0].value) as T) : undefined;
  }

  async list<T>(ns: string, prefix = ''): Promise<[string, T][]> {
    this.checkOpen();
    const w = this.where();
    const n = w.params.length;
    // `key >= prefix` lets the primary key's index find the start; starts_with ends the range.
    const { rows } = await this.pool.query<{ key: string; value: string }>(
      `SELECT key, value FROM ${this.scope.table} WHERE ${w.sql} AND ns = $${n + 1} AND key >= $${n + 2} AND starts_with(key, $${n + 2}) ORDER BY key`,
      [...w.params, ns, prefix],
    );
    return rows.map((r) => [r.key, JSON.parse(r.value) as T]);
  }

  put(ns: string, key: string, value: unknown): Promise<void> {
    return this.commit({ put: [{ ns, key, value }] });
  }

  del(ns: string, key: string): Promise<void> {
    return this.commit({ del: [{ ns, key }] });
  }

  async namespaces(): Promise<string[]> {
    this.checkOpen();
    const w = this.where();
    const { rows } = await this.pool.query<{ ns: string }>(`SELECT DISTINCT ns FROM ${this.scope.table} WHERE ${w.sql} ORDER BY ns`, w.params);
    return rows.map((r) => r.ns);
  }

  async commit(c: Commit): Promise<void> {
    this.checkOpen();
    // Everything that can be refused without the database is refused before a connection is taken.
    const puts = lastWins((c.put ?? []).map((p) => ({ ns: p.ns, key: p.key, json: toJson(p.value, p.ns, p.key) })));
    const dels = c.del ?? [];
    const expects = c.expect ?? [];
    const updates = this.prepareUpdates(c.updates ?? []);
    // A condition that fails already fails here, in one read without a transaction or a lock: the commit is
    // refused as of this moment. Under contention (a counter many callers bump) most attempts end here.
    if (expects.length) await this.check(this.pool, expects);
    const locks = recordLocks(this.scope.lockTag, [...puts, ...dels], expects);
    await this.transact(locks, async (q) => {
      // Checked again under the records' exclusive locks: this is the check that counts.
      if (expects.length) await this.check(q, expects);
      const w = this.where();
      const n = w.params.length;
      const cols = this.scope.eventId === undefined ? '' : 'event_id, ';
      const scopeVals = this.scope.eventId === undefined ? '' : '$1, ';
      if (puts.length) {
        await q.query(
          `INSERT INTO ${this.scope.table} (${cols}ns, key, value)
           SELECT ${scopeVals}* FROM unnest($${n + 1}::text[], $${n + 2}::text[], $${n + 3}::text[])
           ON CONFLICT (${cols}ns, key) DO UPDATE SET value = excluded.value`,
          [...w.params, puts.map((p) => p.ns), puts.map((p) => p.key), puts.map((p) => p.json)],
        );
      }
      // Deletes after puts, as the other stores apply them: a key both put and deleted ends deleted.
      if (dels.length) {
        await q.query(`DELETE FROM ${this.scope.table} WHERE ${w.sql} AND (ns, key) IN (SELECT * FROM unnest($${n + 1}::text[], $${n + 2}::text[]))`, [
          ...w.params,
          dels.map((d) => d.ns),
          dels.map((d) => d.key),
        ]);
      }
      if (updates.length) await this.insertUpdates(q, updates);
    });
    this.updatesStored(updates);
  }

  /** Throws `ConditionFailedError` naming the first expectation (in the caller's order) that does not hold. */
  private async check(q: pg.Pool | pg.PoolClient, expects: Expectation[]): Promise<void> {
    const w = this.where();
    const n = w.params.length;
    const { rows } = await q.query<{ ns: string; key: string; value: string }>(
      `SELECT ns, key, value FROM ${this.scope.table} WHERE ${w.sql} AND (ns, key) IN (SELECT * FROM unnest($${n + 1}::text[], $${n + 2}::text[]))`,
      [...w.params, expects.map((e) => e.ns), expects.map((e) => e.key)],
    );
    const now = new Map(rows.map((r) => [`${r.ns}\u0000${r.key}`, r.value]));
    for (const e of expects) {
      // Compared as JSON text, as stored: the value exactly as written (see pg-schema.ts on text, not jsonb).
      const want = e.equals === undefined ? undefined : JSON.stringify(e.equals);
      if (now.get(`${e.ns}\u0000${e.key}`) !== want) throw new ConditionFailedError({ ns: e.ns, key: e.key });
    }
  }

  /** One write transaction, durable on commit and fenced for an event (see the class comment). */
  protected async transact(locks: RecordLock[], body: (q: pg.PoolClient) => Promise<void>): Promise<void> {
    const q = await this.pool.connect();
    let broken = false;
    try {
      await q.query('BEGIN; SET LOCAL synchronous_commit TO on');
      try {
        await this.fenceAndLock(q, locks);
        await body(q);
        await q.query('COMMIT');
      } catch (err) {
        await q.query('ROLLBACK').catch(() => (broken = true));
        throw err;
      }
    } finally {
      q.release(broken);
    }
  }

  /**
   * One round trip for both: the event's fence (fails with LeaseLostError unless the lease still has the
   * handle's epoch; the lease row stays held FOR SHARE until the end of the transaction) and the space's
   * records' locks. Their order does not matter: the lease row is only ever waited for by acquire and renew,
   * which hold no record locks.
   */
  private async fenceAndLock(q: pg.PoolClient, locks: RecordLock[]): Promise<void> {
    const { eventId, fence } = this.scope;
    const fenced = fence !== undefined && eventId !== undefined;
    if (!fenced && !locks.length) return;
    const params: unknown[] = [];
    const cols: string[] = [];
    if (locks.length) {
      // unnest yields rows in array order, so the locks are taken in the sorted order; bool_and makes
      // PostgreSQL evaluate every row (the functions return void, which is never NULL).
      const keys = `$${params.push(locks.map((l) => l.key.toString()))}::int8[]`;
      const modes = `$${params.push(locks.map((l) => l.exclusive))}::bool[]`;
      cols.push(
        `(SELECT bool_and((CASE WHEN x THEN pg_advisory_xact_lock(k) ELSE pg_advisory_xact_lock_shared(k) END) IS NULL) FROM unnest(${keys}, ${modes}) AS t(k, x)) AS locked`,
      );
    }
    if (fenced) cols.push(`(SELECT epoch FROM leases WHERE event_id = $${params.push(eventId)} FOR SHARE) AS epoch`);
    const { rows } = await q.query<{ epoch?: string | null }>(`SELECT ${cols.join(', ')}`, params);
    if (fenced && Number(rows[0]?.epoch ?? 0) !== fence.epoch) throw new LeaseLostError(eventId, fence.epoch);
  }

  /** The server-wide space has no documents; an event's space checks and numbers them. */
  protected prepareUpdates(updates: { doc: string; update: Uint8Array }[]): PreparedUpdate[] {
    if (updates.length) throw new TypeError('server-wide records have no documents: commit document updates through store.event(eventId)');
    return [];
  }

  protected insertUpdates(_q: pg.PoolClient, _updates: PreparedUpdate[]): Promise<void> {
    return Promise.resolve();
  }

  protected updatesStored(_updates: PreparedUpdate[]): void {}
}

interface PreparedUpdate {
  doc: string;
  /** Position within the event's numbering of this epoch (see the class comment); the stored seq is base + n. */
  n: number;
  data: Buffer;
}


/**
 * What this process knows of one event under one lease epoch: the numbering of its updates, the updates it
 * believes stored per document (updateCount), and the appends waiting for the next group commit.
 */
class EventState {
  /** Next update number; the stored seq is `base + next`. */
  next = 0;
  readonly counts = new Map<string, number>();
  queue: { u: PreparedUpdate; resolve: () => void; reject: (e: unknown) => void }[] = [];
  flushing: Promise<void> | undefined;
  private base: Promise<number> | undefined;

  constructor(
    readonly eventId: string,
    readonly epoch: number,
  ) {}

  /** The event's highest stored seq + 1, read once per epoch, before this process's first write. */
  baseOf(q: pg.Pool | pg.PoolClient): Promise<number> {
    this.base ??= q
      .query<{ base: string }>('SELECT coalesce(max(seq) + 1, 0) AS base FROM doc_updates WHERE event_id = $1', [this.eventId])
      .then((r) => Number(r.rows[0]!.base))
      .catch((err: unknown) => {
        this.base = undefined;
        throw err;
      });
    return this.base;
  }

  async drained(): Promise<void> {
    while (this.flushing) await this.flushing;
  }
}

class PgEventStore extends PgRecordSpace implements EventStore {
  readonly eventId: string;

  constructor(
    pool: pg.Pool,
    private readonly state: EventState,
    checkOpen: () => void,
  ) {
    super(pool, { table: 'event_records', lockTag: `e${state.eventId}`, eventId: state.eventId, fence: { epoch: state.epoch } }, checkOpen);
    this.eventId = state.eventId;
  }

  async loadDoc(doc: string): Promise<StoredDoc> {
    this.checkOpen();
    checkDocOfEvent(this.eventId, doc);
    // One statement, one snapshot of the database: the snapshot row and the update rows together, never
    // between a compaction's write of the one and its delete of the others.
    const { rows } = await this.pool.query<{ kind: 's' | 'u'; data: Buffer }>(
      `SELECT 's' AS kind, data, -1::bigint AS seq FROM doc_snapshots WHERE event_id = $1 AND doc = $2
       UNION ALL
       SELECT 'u', data, seq FROM doc_updates WHERE event_id = $1 AND doc = $2
       ORDER BY seq`,
      [this.eventId, doc],
    );
    const snap = rows.find((r) => r.kind === 's');
    const updates = rows.filter((r) => r.kind === 'u').map((r) => new Uint8Array(r.data));
    this.state.counts.set(doc, updates.length);
    return { snapshot: snap ? new Uint8Array(snap.data) : undefined, updates };
  }

  /** Group commit: appends made while a transaction is in flight go together in the next one. */
  async appendUpdate(doc: string, update: Uint8Array): Promise<void> {
    this.checkOpen();
    const [u] = this.prepareUpdates([{ doc, update }]);
    await new Promise<void>((resolve, reject) => {
      this.state.queue.push({ u: u!, resolve, reject });
      this.state.flushing ??= this.flush();
    });
  }

  private async flush(): Promise<void> {
    const s = this.state;
    while (s.queue.length) {
      const batch = s.queue;
      s.queue = [];
      try {
        await this.transact([], (q) => this.insertUpdates(q, batch.map((b) => b.u)));
        this.updatesStored(batch.map((b) => b.u));
        for (const b of batch) b.resolve();
      } catch (err) {
        for (const b of batch) b.reject(err);
      }
    }
    s.flushing = undefined;
  }

  compactionMark(_doc: string): number {
    // Numbers are per event, so the event's next number is above every update of this document so far.
    return this.state.next;
  }

  async compact(doc: string, snapshot: Uint8Array, mark: number): Promise<void> {
    this.checkOpen();
    checkDocOfEvent(this.eventId, doc);
    const data = Buffer.from(snapshot);
    let deleted = 0;
    await this.transact([], async (q) => {
      const base = await this.state.baseOf(q);
      await q.query(
        `INSERT INTO doc_snapshots (event_id, doc, data) VALUES ($1, $2, $3)
         ON CONFLICT (event_id, doc) DO UPDATE SET data = excluded.data`,
        [this.eventId, doc, data],
      );
      // Only the updates the snapshot holds: numbered below the mark. Rows stored before this epoch's first
      // write are below `base` and were loaded into the document the snapshot was encoded from.
      const r = await q.query('DELETE FROM doc_updates WHERE event_id = $1 AND doc = $2 AND seq < $3', [this.eventId, doc, base + mark]);
      deleted = r.rowCount ?? 0;
    });
    const count = this.state.counts.get(doc);
    if (count !== undefined) this.state.counts.set(doc, Math.max(0, count - deleted));
  }

  updateCount(doc: string): number | undefined {
    return this.state.counts.get(doc);
  }

  async docNames(): Promise<string[]> {
    this.checkOpen();
    const { rows } = await this.pool.query<{ doc: string }>(
      'SELECT doc FROM doc_updates WHERE event_id = $1 UNION SELECT doc FROM doc_snapshots WHERE event_id = $1 ORDER BY 1',
      [this.eventId],
    );
    return rows.map((r) => r.doc);
  }

  async deleteDoc(doc: string): Promise<void> {
    this.checkOpen();
    checkDocOfEvent(this.eventId, doc);
    await this.transact([], async (q) => {
      await q.query('DELETE FROM doc_snapshots WHERE event_id = $1 AND doc = $2', [this.eventId, doc]);
      await q.query('DELETE FROM doc_updates WHERE event_id = $1 AND doc = $2', [this.eventId, doc]);
    });
    // The numbering goes on: a later append never takes a number a mark was taken against.
    this.state.counts.set(doc, 0);
  }

  protected override prepareUpdates(updates: { doc: string; update: Uint8Array }[]): PreparedUpdate[] {
    for (const u of updates) checkDocOfEvent(this.eventId, u.doc);
    // Numbered now, at the call (see the class comment); copied now, so the caller may reuse its array.
    return updates.map((u) => ({ doc: u.doc, n: this.state.next++, data: Buffer.from(u.update) }));
  }

  protected override async insertUpdates(q: pg.PoolClient, updates: PreparedUpdate[]): Promise<void> {
    if (!updates.length) return;
    const base = await this.state.baseOf(q);
    await q.query(
      `INSERT INTO doc_updates (event_id, doc, seq, data)
       SELECT $1, * FROM unnest($2::text[], $3::bigint[], $4::bytea[])`,
      [this.eventId, updates.map((u) => u.doc), updates.map((u) => base + u.n), updates.map((u) => u.data)],
    );
  }

  protected override updatesStored(updates: PreparedUpdate[]): void {
    for (const u of updates) this.state.counts.set(u.doc, (this.state.counts.get(u.doc) ?? 0) + 1);
  }
}

/** Of several puts of one record in one commit the last is written, as the other stores do. */
function lastWins<T extends RecordKey>(puts: T[]): T[] {
  const byKey = new Map<string, T>();
  for (const p of puts) {
    byKey.delete(`${p.ns}\u0000${p.key}`);
    byKey.set(`${p.ns}\u0000${p.key}`, p);
  }
  return [...byKey.values()];
}

/** JSON text of a record's value; a value JSON cannot hold is refused naming the record. */
function toJson(value: unknown, ns: string, key: string): string {
  const json = JSON.stringify(value);
  if (json === undefined) throw new TypeError(`record ${ns}/${key}: its value cannot be stored as JSON`);
  return json;
}
