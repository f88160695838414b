import { join } from 'node:path';
import pg from 'pg';
import { PgStore } from '../sync-server/storage/pg-store.ts';
import { ServerProcess, type DemoTokens } from './chaos/server-process.ts';
import { startEmbeddedPg, type EmbeddedPg } from './support/embedded-pg.ts';

/**
 * N real server processes (`tsx sync-server/cli.ts --store postgres://… `) on one PostgreSQL database, as
 * docs/operations.md runs a cluster: each its own data folder (for its admin token file only: the store is
 * the database) and its own port, advertised as http://127.0.0.1:<port>. The first is started with --demo
 * and so owns the demo event; the others start after it (the schema is made once, not by N racing starts).
 * Used by the cluster test (test/integration/cluster/) and by `npm run test:chaos -- --cluster 3`.
 */
export interface Cluster {
  procs: ServerProcess[];
  tokens: DemoTokens;
  /** Stops every process still running (SIGTERM, then SIGKILL). */
  stop(): Promise<void>;
}

export async function startCluster(opts: { n: number; storeUrl: string; workDir: string; serverArgs?: string[] }): Promise<Cluster> {
  if (!Number.isInteger(opts.n) || opts.n < 1) throw new RangeError(`a cluster has at least one process, got ${opts.n}`);
  await (await PgStore.open(opts.storeUrl)).close();
  const procs = Array.from({ length: opts.n }, (_v, i) => new ServerProcess(join(opts.workDir, `process-${i + 1}`), ['--store', opts.storeUrl, ...(opts.serverArgs ?? [])]));
  const stop = () => Promise.all(procs.map((p) => p.stop())).then(() => undefined);
  try {
    const tokens = await procs[0]!.startWithDemo();
    await Promise.all(procs.slice(1).map((p) => p.start()));
    return { procs, tokens, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** The process holding `eventId`'s lease now (asked to each running, not paused, process's /healthz). */
export async function ownerOf(procs: ServerProcess[], eventId: string): Promise<ServerProcess | undefined> {
  for (const p of procs) {
    if (!p.running || p.paused) continue;
    const events = await p.owned().catch(() => [] as string[]);
    if (events.includes(eventId)) return p;
  }
  return undefined;
}

/**
 * A throwaway PostgreSQL and a database on it, for a run outside vitest (the chaos CLI); vitest tests use
 * `freshDatabase()` (sync-server/storage/pg-test-support.ts) on the run's server instead.
 */
export async function throwawayDatabase(): Promise<{ url: string; stop(): Promise<void> }> {
  const server: EmbeddedPg = await startEmbeddedPg();
  const c = new pg.Client({ connectionString: server.url });
  await c.connect();
  await c.query('CREATE DATABASE popup_cluster');
  await c.end();
  const url = new URL(server.url);
  url.pathname = '/popup_cluster';
  return { url: url.toString(), stop: () => server.stop() };
}
