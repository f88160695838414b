import type pg from 'pg';
import type { LeaseHolder, Leases } from './store.ts';

/**
 * Leases on events in PostgreSQL (table `leases`, pg-schema.ts).
 *
 * Expiry is judged by the database's clock (`clock_timestamp()`), never a process's: the processes of a
 * cluster run on different machines whose clocks drift, and two of them judging the same row by their own
 * clocks could both believe it free. One clock, in the one place every process asks, cannot disagree with
 * itself. `clock_timestamp()` rather than `now()`, which is the start of the transaction: a statement that
 * waited for a row lock (a writer holds the lease row while it commits) would judge by a stale time.
 *
 * The epoch goes up by one whenever a different owner takes the lease; the same owner re-acquiring keeps its
 * epoch (nobody else wrote in between, or the row would name them). So `owner` must be unique to one run of
 * one process (say host, port and a random part): a restarted process that reused its predecessor's owner
 * id would inherit its epoch. Rows are never deleted (see pg-schema.ts), so epochs never go back.
 *
 * Writers hold the lease row `FOR SHARE` while they commit (pg-store.ts); a takeover's UPDATE waits for
 * them, so once `acquire` has returned a new epoch, no write of the old epoch can still commit.
 */
export class PgLeases implements Leases {
  constructor(private readonly pool: pg.Pool) {}

  async acquire(eventId: string, owner: string, url: string, ttlMs: number): Promise<LeaseHolder> {
    checkTtl(ttlMs);
    if (!owner) throw new TypeError('lease owner must be a non-empty string');
    const { rows } = await this.pool.query<Row>(
      `INSERT INTO leases AS l (event_id, owner, url, epoch, expires_at)
       VALUES ($1, $2, $3, 1, clock_timestamp() + $4 * interval '1 millisecond')
       ON CONFLICT (event_id) DO UPDATE SET
         epoch = CASE WHEN l.owner = excluded.owner THEN l.epoch ELSE l.epoch + 1 END,
         owner = excluded.owner, url = excluded.url, expires_at = excluded.expires_at
       WHERE l.owner = excluded.owner OR l.expires_at <= clock_timestamp()
       RETURNING ${COLUMNS}`,
      [eventId, owner, url, ttlMs],
    );
    if (rows[0]) return holderOf(rows[0]);
    // Held by another live owner. Read who (it may have changed since; the caller compares owners).
    const now = await this.holder(eventId);
    if (now) return now;
    // It expired or moved between the two statements: try once more rather than report no holder.
    return this.acquire(eventId, owner, url, ttlMs);
  }

  async renew(eventId: string, owner: string, epoch: number, ttlMs: number): Promise<boolean> {
    checkTtl(ttlMs);
    const r = await this.pool.query(
      `UPDATE leases SET expires_at = clock_timestamp() + $4 * interval '1 millisecond'
       WHERE event_id = $1 AND owner = $2 AND epoch = $3`,
      [eventId, owner, epoch, ttlMs],
    );
    return r.rowCount === 1;
  }

  async release(eventId: string, owner: string, epoch: number): Promise<void> {
    // Expire rather than delete: the row keeps the epoch (see above), and the next taker goes on from it.
    await this.pool.query(
      `UPDATE leases SET expires_at = clock_timestamp()
       WHERE event_id = $1 AND owner = $2 AND epoch = $3 AND expires_at > clock_timestamp()`,
      [eventId, owner, epoch],
    );
  }

  /** The live holder, or undefined when nobody holds the event or the lease ran out (by the database's clock). */
  async holder(eventId: string): Promise<LeaseHolder | undefined> {
    const { rows } = await this.pool.query<Row>(`SELECT ${COLUMNS} FROM leases WHERE event_id = $1 AND expires_at > clock_timestamp()`, [eventId]);
    return rows[0] ? holderOf(rows[0]) : undefined;
  }
}

const COLUMNS = `owner, url, epoch::float8 AS epoch, (extract(epoch FROM expires_at) * 1000)::float8 AS expires_ms`;

interface Row {
  owner: string;
  url: string;
  epoch: number;
  expires_ms: number;
}

function holderOf(r: Row): LeaseHolder {
  return { owner: r.owner, url: r.url, epoch: r.epoch, expiresAt: Math.round(r.expires_ms) };
}

function checkTtl(ttlMs: number): void {
  if (!Number.isInteger(ttlMs) || ttlMs <= 0) throw new RangeError(`lease ttlMs must be a positive whole number of milliseconds, got ${ttlMs}`);
}
