import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { seedDemo } from './demo-seed.ts';
import { migrateCommand } from './storage/migrate-store.ts';
import { startSyncServer } from './server.ts';
import { redact, StoreSpecError } from './storage/open-store.ts';
import { AdvertiseUrlError } from './cluster/cluster-identity.ts';
import type { Limits } from './limits.ts';
import { mailConfigFrom, type MailConfig } from './mail/mail-config.ts';

/**
 * `npm run serve -- [--port 8787] [--host 127.0.0.1] [--data ./data] [--store postgres://… [--advertise http://host:port]] [--demo] [--allow-private-webhooks] [--trust-proxy] [limit flags, docs/api.md "Limits"]`
 * `npm run serve -- --data ./data --migrate-to postgres://… [--force]` copies the events into PostgreSQL and exits.
 * Runs the sync server with its embedded store in `<data>/store`, or on PostgreSQL with `--store` (or the
 * POPUP_STORE_URL environment variable; the flag wins); --demo seeds the demo mall and prints pairing codes.
 * `npm start` builds the till and runs this with --demo.
 */
const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '8787' },
    host: { type: 'string', default: '127.0.0.1' },
    data: { type: 'string', default: './data' },
    // The store of record: a postgres:// URL (docs/operations.md, "PostgreSQL"); default the embedded LevelDB store.
    store: { type: 'string' },
    // In a cluster (a --store shared by several processes): the URL the other processes reach this one at
    // (docs/operations.md, "A cluster of server processes"); default http://<--host>:<--port>.
    advertise: { type: 'string' },
    demo: { type: 'boolean', default: false },
    desktop: { type: 'boolean', default: false },
    'max-message-bytes': { type: 'string' },
    // The alert webhook may target loopback, link-local and private addresses (off: see analytics/webhook-target.ts).
    'allow-private-webhooks': { type: 'boolean', default: false },
    // The limits of docs/api.md ("Limits"); each flag is the setting of the same name in limits.ts.
    'max-body-bytes': { type: 'string' },
    'idle-connection-ms': { type: 'string' },
    'request-timeout-ms': { type: 'string' },
    'pair-per-minute': { type: 'string' },
    'storefront-per-token-per-second': { type: 'string' },
    'storefront-per-address-per-second': { type: 'string' },
    'stock-streams-per-address': { type: 'string' },
    'stock-streams': { type: 'string' },
    'awareness-bytes': { type: 'string' },
    'awareness-per-second': { type: 'string' },
    'trust-proxy': { type: 'boolean', default: false },
    // Fold a document's updates into a snapshot after this many (default 500): the durability tests and the
    // chaos suite lower it so that compaction runs often under traffic.
    'compact-every': { type: 'string' },
    // E-mail receipts (docs/operations.md, "E-mail receipts"); each falls back to POPUP_SMTP_<NAME>.
    'smtp-host': { type: 'string' },
    'smtp-port': { type: 'string' },
    'smtp-secure': { type: 'boolean' },
    'smtp-user': { type: 'string' },
    'smtp-pass': { type: 'string' },
    'smtp-from': { type: 'string' },
    // Moving an event (docs/operations.md): copy --data's events into PostgreSQL, verify, and exit.
    'migrate-to': { type: 'string' },
    force: { type: 'boolean', default: false },
  },
});
if (values['migrate-to'] !== undefined) process.exit(await migrateCommand(values.data, values['migrate-to'], values.force));

const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`--port must be a port number (0–65535), got "${values.port}"`);
  process.exit(2);
}
const maxMessageBytes = values['max-message-bytes'] === undefined ? undefined : Number(values['max-message-bytes']);
if (maxMessageBytes !== undefined && (!Number.isInteger(maxMessageBytes) || maxMessageBytes < 1024)) {
  console.error('--max-message-bytes must be a whole number of bytes, at least 1024');
  process.exit(2);
}

/** A whole-number flag, refused with its name when it is not one (at least `min`). */
function wholeFlag(name: string, min: number): number | undefined {
  const raw = (values as Record<string, string | boolean | undefined>)[name];
  if (raw === undefined || typeof raw === 'boolean') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) {
    console.error(`--${name} must be a whole number, at least ${min}; got "${raw}"`);
    process.exit(2);
  }
  return n;
}
const limitFlags: Partial<Limits> = {};
const setLimit = <K extends keyof Limits>(key: K, value: Limits[K] | undefined) => {
  if (value !== undefined) limitFlags[key] = value;
};
setLimit('maxMessageBytes', maxMessageBytes);
setLimit('maxBodyBytes', wholeFlag('max-body-bytes', 1024));
setLimit('idleConnectionMs', wholeFlag('idle-connection-ms', 1000));
setLimit('requestTimeoutMs', wholeFlag('request-timeout-ms', 1000));
setLimit('pairPerMinute', wholeFlag('pair-per-minute', 1));
setLimit('storefrontPerTokenPerSecond', wholeFlag('storefront-per-token-per-second', 1));
setLimit('storefrontPerAddressPerSecond', wholeFlag('storefront-per-address-per-second', 1));
setLimit('stockStreamsPerAddress', wholeFlag('stock-streams-per-address', 1));
setLimit('stockStreams', wholeFlag('stock-streams', 1));
setLimit('awarenessBytes', wholeFlag('awareness-bytes', 1024));
setLimit('awarenessPerSecond', wholeFlag('awareness-per-second', 1));
// Only behind a reverse proxy that sets X-Forwarded-For (docs/operations.md): otherwise clients could name any address.
if (values['trust-proxy']) limitFlags.trustProxy = true;
const compactEvery = values['compact-every'] === undefined ? undefined : Number(values['compact-every']);
if (compactEvery !== undefined && (!Number.isInteger(compactEvery) || compactEvery < 1)) {
  console.error(`--compact-every must be a whole number of updates, at least 1, got "${values['compact-every']}"`);
  process.exit(2);
}

let mail: MailConfig | undefined;
try {
  mail = mailConfigFrom(
    { host: values['smtp-host'], port: values['smtp-port'], secure: values['smtp-secure'], user: values['smtp-user'], pass: values['smtp-pass'], from: values['smtp-from'] },
    process.env,
  );
} catch (err) {
  console.error(`--${(err as Error).message}`);
  process.exit(2);
}

const storeUrl = values.store ?? process.env['POPUP_STORE_URL'];
if (storeUrl !== undefined && !storeUrl.trim()) {
  console.error('--store (or POPUP_STORE_URL) is empty: give a postgres://user:password@host:port/database URL, or leave it out for the embedded store');
  process.exit(2);
}

if (values.advertise !== undefined && !storeUrl) {
  console.error('--advertise is for a cluster of processes sharing a --store postgres://… URL; the embedded store has one process');
  process.exit(2);
}

let server: Awaited<ReturnType<typeof startSyncServer>>;
try {
  server = await startSyncServer({
    ...(storeUrl ? { store: { url: storeUrl } } : {}),
    ...(values.advertise ? { cluster: { advertise: values.advertise } } : {}),
    host: values.host,
    port,
    dataDir: values.data,
    appDir: fileURLToPath(new URL('../renderer/dist', import.meta.url)),
    exampleStorefrontDir: fileURLToPath(new URL('../examples/storefront', import.meta.url)),
    limits: limitFlags,
    ...(values['allow-private-webhooks'] ? { alerts: { webhook: { allowPrivate: true } } } : {}),
    ...(compactEvery ? { hub: { compactEvery } } : {}),
    ...(mail ? { mail } : {}),
    log: (level, message, fields) => console[level === 'info' ? 'log' : level](`[${level}] ${message}`, fields ? JSON.stringify(fields) : ''),
  });
} catch (err) {
  // A store that cannot be opened (StoreSpecError names the problem, never the password).
  if (err instanceof StoreSpecError || err instanceof AdvertiseUrlError) {
    console.error(err.message);
    process.exit(2);
  }
  throw err;
}
console.log(`Popup POS sync server on ${server.url}/ (${storeUrl ? `store ${redact(storeUrl)}` : `data in ${values.data}/store`})`);
console.log(mail ? `E-mail receipts through ${mail.host}:${mail.port} as ${mail.from}` : 'E-mail receipts off (no --smtp-host): tills are told the server cannot send them');
if (server.adminTokenCreated) console.log(`Admin token (shown once, kept in ${values.data}/admin-token): ${server.adminToken}`);

if (values.demo) {
  const demo = await seedDemo(server, Date.now() - 5 * 60_000);
  console.log(demo.created ? 'Demo mall created.' : 'Demo mall already present; fresh pairing codes:');
  for (const t of demo.tills) console.log(`  ${t.name}: pairing code ${t.code}`);
  console.log(`  Storefront token: ${demo.storefrontToken}`);
  console.log(`  Example storefront: ${server.url}/examples/storefront/?token=${encodeURIComponent(demo.storefrontToken)}`);
  console.log(`  Organiser token:  ${demo.organiserToken}`);
  console.log(`  Organiser console: ${server.url}/console (sign in with the organiser token)`);
}
if (values.desktop) console.log(desktopNote(server.url));
else if (values.demo) console.log(`Open ${server.url}/ in a browser to run a till (pair it with a code above, or start it stand-alone).`);

/** `npm start` asks for the desktop till; say in one line what this machine can do instead. */
function desktopNote(url: string): string {
  // electron/path.txt is written once its binary is installed; requiring the package would try to download it.
  let installed: boolean;
  try {
    installed = existsSync(join(dirname(createRequire(import.meta.url).resolve('electron/package.json')), 'path.txt'));
  } catch {
    installed = false;
  }
  if (!installed) return `Electron's binary is not installed on this machine, so there is no desktop window: open ${url}/ in a browser to run the till.`;
  return `Start the desktop till with \`npm run desktop\` (it has its own data), or open ${url}/ in a browser to run a till against this server.`;
}

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    console.log('Stopping: flushing to disk…');
    void server.close().then(() => process.exit(0));
  });
}
