import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The PostgreSQL server of this test run (test/pg-global-setup.ts): POPUP_TEST_PG_URL or an embedded one. */
    pgUrl: string;
  }
}

export interface TestDatabase {
  /** Connection URL of a database no other test file uses. */
  url: string;
  /** One statement on a connection of its own (a test's look into, or change behind, the server's back). */
  query(text: string, params?: unknown[]): Promise<pg.QueryResultRow[]>;
  drop(): Promise<void>;
}

/**
 * A fresh, empty database on the run's PostgreSQL server, so test files run in parallel without sharing
 * rows: `const db = await freshDatabase()` in `beforeAll`, `db.drop()` in `afterAll`.
 */
export async function freshDatabase(): Promise<TestDatabase> {
  const base = inject('pgUrl');
  const name = `popup_test_${randomBytes(6).toString('hex')}`;
  await admin(base, (c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    query: async (text, params = []) => {
      const c = new pg.Client({ connectionString: url.toString() });
      await c.connect();
      try {
        return (await c.query(text, params)).rows;
      } finally {
        await c.end();
      }
    },
    // WITH (FORCE) ends connections a failed test left open, so the drop never hangs the run.
    drop: () => admin(base, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)),
  };
}

async function admin(url: string, run: (c: pg.Client) => Promise<unknown>): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await run(c);
  } finally {
    await c.end();
  }
}
