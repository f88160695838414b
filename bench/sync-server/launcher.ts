import { startSyncServer } from '../../sync-server/server.ts';
import type { Limits } from '../../sync-server/limits.ts';

/**
 * The sync server as the benchmark runs it: `startSyncServer` (what sync-server/cli.ts runs) in its own
 * process, bundled by esbuild so no TypeScript loader runs beside it. Options come as one JSON argument;
 * it prints `READY <url>` once listening and closes cleanly (flushing to disk) on SIGTERM or SIGINT, so a
 * `--cpu-prof` profile gets written.
 */
interface LaunchOptions {
  dataDir: string;
  adminToken: string;
  port?: number;
  limits?: Partial<Limits>;
  /** DocHub tuning (compactEvery, idleUnloadMs), for experiments; the benchmark runs the defaults. */
  hub?: { compactEvery?: number; idleUnloadMs?: number };
  /** A postgres:// store of record (`--store`) instead of the embedded store in `dataDir` (bench/cluster.bench.ts). */
  storeUrl?: string;
  /** In a cluster, the URL the other processes reach this one at (`--advertise`); default http://127.0.0.1:<port>. */
  advertise?: string;
  /** The event leases' time to live (renewed every third of it); default the server's (3 s). */
  leaseTtlMs?: number;
}

const opts = JSON.parse(process.argv[2] ?? '{}') as LaunchOptions;
const server = await startSyncServer({
  host: '127.0.0.1',
  port: opts.port ?? 0,
  dataDir: opts.dataDir,
  ...(opts.storeUrl ? { store: { url: opts.storeUrl } } : {}),
  ...(opts.advertise || opts.leaseTtlMs
    ? { cluster: { ...(opts.advertise ? { advertise: opts.advertise } : {}), ...(opts.leaseTtlMs ? { ttlMs: opts.leaseTtlMs, renewEveryMs: Math.floor(opts.leaseTtlMs / 3) } : {}) } }
    : {}),
  adminToken: opts.adminToken,
  // The abuse limits (issue #13) guard against one client doing too much; the benchmark is many tills paired
  // from one address, a bulk writer far above a till's pace and 10,000 order attempts from one address, on
  // purpose, to find the server's own ceiling. Lifted here, and only here: the figures are the server's.
  limits: { pairPerMinute: 1_000_000, messagesPerSecond: 1_000_000, storefrontPerTokenPerSecond: 1_000_000, storefrontPerAddressPerSecond: 1_000_000, ...opts.limits },
  ...(opts.hub ? { hub: opts.hub } : {}),
  log: (level, message, fields) => {
    if (level !== 'info') console.error(`[${level}] ${message}`, fields ? JSON.stringify(fields) : '');
  },
});
let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    void server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}
console.log(`READY ${server.url}`);
