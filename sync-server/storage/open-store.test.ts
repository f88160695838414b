import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LevelStore } from './level-store.ts';
import { openStore, redact, StoreSpecError } from './open-store.ts';
import { PgStore } from './pg-store.ts';
import { freshDatabase, type TestDatabase } from './pg-test-support.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await freshDatabase();
});
afterAll(() => db.drop());

/** The rejection of `p`, which must be a StoreSpecError whose message never shows `secret`. */
async function refusal(p: Promise<unknown>, secret: string): Promise<string> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(StoreSpecError);
  const message = (err as Error).message;
  expect(message).not.toContain(secret);
  return message;
}

describe('openStore', () => {
  it('opens a PgStore for postgres:// and postgresql:// URLs', async () => {
    for (const url of [db.url, db.url.replace(/^postgres:/, 'postgresql:')]) {
      const s = await openStore({ url });
      expect(s).toBeInstanceOf(PgStore);
      expect(s.leases).toBeDefined();
      await s.close();
    }
  });

  it('refuses other schemes, non-URLs and a missing host, naming the problem and not the password', async () => {
    expect(await refusal(openStore({ url: 'mysql://shop:hunter2@db.example/pos' }), 'hunter2')).toMatch(/scheme "mysql:".*postgres:\/\//);
    expect(await refusal(openStore({ url: 'shop:hunter2@localhost/pos' }), 'hunter2')).toMatch(/scheme|not a URL/);
    expect(await refusal(openStore({ url: 'not a url at all' }), 'hunter2')).toMatch(/not a URL/);
    expect(await refusal(openStore({ url: 'postgres://' }), 'hunter2')).toMatch(/no host|not a URL/);
  });

  it('a server that cannot be reached or refuses the password: a clear error, the password not in it', async () => {
    const wrong = new URL(db.url);
    wrong.password = 'definitely-wrong-pw';
    expect(await refusal(openStore({ url: wrong.toString() }), 'definitely-wrong-pw')).toMatch(/could not open the PostgreSQL store at postgres:\/\/postgres:\*\*\*@127\.0\.0\.1/);
    // Port 1 on loopback: nothing listens there.
    expect(await refusal(openStore({ url: 'postgres://u:topsecret@127.0.0.1:1/db' }), 'topsecret')).toMatch(/could not open/);
  });

  it('opens the embedded LevelDB store for a data folder, and refuses an empty folder name', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'popup-open-store-'));
    try {
      const s = await openStore({ dataDir: dir });
      expect(s).toBeInstanceOf(LevelStore);
      expect(s.leases).toBeUndefined();
      await s.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    await expect(openStore({ dataDir: '' })).rejects.toBeInstanceOf(StoreSpecError);
  });

  it('redacts the password whether or not the URL parses', () => {
    expect(redact('postgres://u:p%40ss@h:5432/db')).toBe('postgres://u:***@h:5432/db');
    expect(redact('postgres://u:a:b@c@h/db')).toBe('postgres://u:***@h/db');
    expect(redact('postgres://h/db')).toBe('postgres://h/db');
  });
});
