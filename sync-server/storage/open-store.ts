import { LevelStore } from './level-store.ts';
import { PgStore, type PgStoreOptions } from './pg-store.ts';
import type { Store } from './store.ts';

/**
 * Opens the store a server is configured with: `{ url }` for PostgreSQL (`--store postgres://…`,
 * `POPUP_STORE_URL`), `{ dataDir }` for the embedded LevelDB store (`--data ./data`).
 *
 * A store URL carries a password, and these errors end up in logs and on terminals: no message here repeats
 * the URL as given, only a form with the password replaced by `***`.
 */
export type StoreSpec = { dataDir: string } | { url: string };

/** The store's configuration names no store this server can open: says what is wrong, never the password. */
export class StoreSpecError extends Error {
  override readonly name = 'StoreSpecError';
}

export async function openStore(spec: StoreSpec, opts: PgStoreOptions = {}): Promise<Store> {
  if ('url' in spec) return openUrl(spec.url, opts);
  if (!spec.dataDir) throw new StoreSpecError('the data folder of the embedded store is empty: give a folder (--data ./data) or a postgres:// URL');
  return LevelStore.open(spec.dataDir);
}

async function openUrl(raw: string, opts: PgStoreOptions): Promise<Store> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new StoreSpecError(`store URL ${redact(raw)} is not a URL: expected postgres://user:password@host:port/database`);
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new StoreSpecError(`store URL ${redact(raw)} has scheme "${url.protocol}": only postgres:// and postgresql:// are supported`);
  }
  if (!url.hostname) throw new StoreSpecError(`store URL ${redact(raw)} names no host: expected postgres://user:password@host:port/database`);
  try {
    return await PgStore.open(raw, opts);
  } catch (err) {
    // pg's own messages (refused connection, failed authentication, missing database) name no password.
    const why = err instanceof Error ? err.message : String(err);
    throw new StoreSpecError(`could not open the PostgreSQL store at ${redact(raw)}: ${why}`, { cause: err });
  }
}

/**
 * The URL with its password replaced, parsable or not, scheme or not: everything from the first `:` after
 * the user name up to the last `@` (a password may hold an unescaped `@`; better to hide too much).
 */
export function redact(raw: string): string {
  return raw.replace(/^((?:[a-z][a-z0-9+.-]*:\/\/)?[^:/@]*):.*@/i, '$1:***@');
}
