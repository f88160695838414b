import type pg from 'pg';

/**
 * The PostgreSQL store's schema, created and migrated by the server itself when it opens the store.
 *
 * Versioned migrations, applied in order, each in its own transaction together with its row in
 * `schema_migrations`, so a migration is either wholly applied and recorded or not at all. A session-level
 * advisory lock is held for the whole run, so two processes starting together against an empty database
 * do not both try to create the tables (CREATE TABLE IF NOT EXISTS still races on the catalog); the second
 * waits, then finds everything applied. A process killed mid-migration loses its connection and with it the
 * lock and the open transaction.
 *
 * Migrations are append-only: a released one is never edited; a change is a new version.
 *
 * Text columns that are keys use COLLATE "C": byte order of UTF-8, the order LevelDB sorts keys in and the
 * in-memory store imitates, so `list` returns the same order on every store and a prefix range uses the index.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'documents, records and leases by event',
    sql: `
      -- Document updates, append-only. seq is given by the lease holder (see pg-store.ts, sequence numbers):
      -- epoch * 2^32 + the process's counter, so a new owner's updates sort after its predecessors'.
      CREATE TABLE doc_updates (
        event_id text COLLATE "C" NOT NULL,
        doc      text COLLATE "C" NOT NULL,
        seq      bigint NOT NULL,
        data     bytea NOT NULL,
        PRIMARY KEY (event_id, doc, seq)
      );
      CREATE TABLE doc_snapshots (
        event_id text COLLATE "C" NOT NULL,
        doc      text COLLATE "C" NOT NULL,
        data     bytea NOT NULL,
        PRIMARY KEY (event_id, doc)
      );
      -- Values are JSON text, not jsonb: jsonb reorders keys, so a value would not come back as written and
      -- a commit's condition ("equals this JSON") would compare differently here than on the other stores.
      CREATE TABLE event_records (
        event_id text COLLATE "C" NOT NULL,
        ns       text COLLATE "C" NOT NULL,
        key      text COLLATE "C" NOT NULL,
        value    text NOT NULL,
        PRIMARY KEY (event_id, ns, key)
      );
      CREATE TABLE server_records (
        ns    text COLLATE "C" NOT NULL,
        key   text COLLATE "C" NOT NULL,
        value text NOT NULL,
        PRIMARY KEY (ns, key)
      );
      -- One row per event ever leased, never deleted: a deleted row would restart the epoch at 1 and let a
      -- stalled holder of an old epoch 1 write again.
      CREATE TABLE leases (
        event_id   text COLLATE "C" PRIMARY KEY,
        owner      text NOT NULL,
        url        text NOT NULL,
        epoch      bigint NOT NULL CHECK (epoch > 0),
        expires_at timestamptz NOT NULL
      );
    `,
  },
];

/** The database was migrated by a newer server than this one: refuse to run on a schema it does not know. */
export class SchemaTooNewError extends Error {
  override readonly name = 'SchemaTooNewError';
  constructor(
    readonly found: number,
    readonly known: number,
  ) {
    super(`the database's schema is at version ${found}, this server knows up to ${known}: upgrade the server before pointing it at this database`);
  }
}

/** Advisory lock keys (two-int form): the first names the use, so they never meet the store's record locks. */
export const MIGRATION_LOCK: readonly [number, number] = [0x504f5055, 1];

/** Applies every migration the database lacks; returns the schema version it ends at. */
export async function migrate(pool: pg.Pool, migrations: readonly Migration[] = MIGRATIONS): Promise<number> {
  const known = Math.max(0, ...migrations.map((m) => m.version));
  const c = await pool.connect();
  let broken = false;
  try {
    await c.query('SELECT pg_advisory_lock($1, $2)', [...MIGRATION_LOCK]);
    try {
      await c.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
        version    integer PRIMARY KEY,
        name       text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`);
      const { rows } = await c.query<{ version: number }>('SELECT version FROM schema_migrations');
      const applied = new Set(rows.map((r) => r.version));
      const found = Math.max(0, ...applied);
      if (found > known) throw new SchemaTooNewError(found, known);
      for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
        if (applied.has(m.version)) continue;
        try {
          await c.query('BEGIN; SET LOCAL synchronous_commit TO on');
          await c.query(m.sql);
          await c.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
          await c.query('COMMIT');
        } catch (err) {
          await c.query('ROLLBACK').catch(() => (broken = true));
          throw new Error(`schema migration ${m.version} (${m.name}) failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
        }
      }
      return Math.max(found, known);
    } finally {
      await c.query('SELECT pg_advisory_unlock($1, $2)', [...MIGRATION_LOCK]).catch(() => (broken = true));
    }
  } finally {
    // A connection whose state is unknown (failed rollback or unlock) is closed rather than reused.
    c.release(broken);
  }
}
