import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seedDemo } from '../sync-server/demo-seed.ts';
import { startSyncServer } from '../sync-server/server.ts';

/**
 * The Q&A benchmark's server, in its own process (bench/qa.bench.ts starts it): the real sync server with the
 * demo drop, its per-address limits lifted, since every one of the 10,000 watching shoppers comes from
 * 127.0.0.1 here. Prints one JSON line `{ url, storefrontToken, organiserToken }` when ready.
 */
const dataDir = process.argv[2] ?? (await mkdtemp(join(tmpdir(), 'popup-qa-bench-')));
const server = await startSyncServer({
  host: '127.0.0.1',
  port: 0,
  dataDir,
  adminToken: 'qa-bench-admin-token-0123456789',
  limits: { storefrontPerTokenPerSecond: 1_000_000, storefrontPerAddressPerSecond: 1_000_000 },
  qa: { maxStreamsPerAddress: 50_000, maxStreams: 50_000 },
});
const demo = await seedDemo(server, Date.now() - 60_000);
process.stdout.write(`${JSON.stringify({ url: server.url, storefrontToken: demo.storefrontToken, organiserToken: demo.organiserToken })}\n`);
process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
