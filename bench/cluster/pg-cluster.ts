import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startOurs, type ServerProc } from '../sync-server/procs.ts';

/**
 * N server processes on one PostgreSQL database, as `npm run serve -- --store postgres://… --advertise …`
 * runs them: each is the bench launcher (startSyncServer, what sync-server/cli.ts runs, bundled, with the
 * abuse limits lifted as for every other configuration of the benchmark), on 127.0.0.1, advertising its own
 * URL (the default: http://127.0.0.1:<port>). One of them owns the event (its lease); the others forward.
 */
export class PgCluster {
  private constructor(
    readonly procs: ServerProc[],
    private readonly opts: { storeUrl: string; adminToken: string; dataDir: string; leaseTtlMs?: number },
  ) {}

  /**
   * Starts `n` processes; `first` runs on the first before the others start (it creates or asks for the
   * event, so that process takes the lease and the others forward to it).
   */
  static async start(n: number, opts: { storeUrl: string; adminToken: string; leaseTtlMs?: number }, first: (p0: ServerProc, c: PgCluster) => Promise<void>): Promise<PgCluster> {
    // Each process still keeps its admin-token file in a data folder; nothing else goes there with --store.
    const dataDir = await mkdtemp(join(tmpdir(), 'popup-bench-cluster-'));
    const c = new PgCluster([], { ...opts, dataDir });
    try {
      c.procs.push(await c.launch(0));
      await first(c.procs[0]!, c);
      for (let i = 1; i < n; i++) c.procs.push(await c.launch(i));
      return c;
    } catch (err) {
      await c.stop();
      throw err;
    }
  }

  private launch(slot: number): Promise<ServerProc> {
    return startOurs({ dataDir: join(this.opts.dataDir, `p${slot}-${Date.now().toString(36)}`), adminToken: this.opts.adminToken, storeUrl: this.opts.storeUrl, ...(this.opts.leaseTtlMs ? { leaseTtlMs: this.opts.leaseTtlMs } : {}) });
  }

  /** A request naming the event, sent to process `i`: with no live owner, that process takes the lease. */
  async claim(p: ServerProc, eventId: string): Promise<void> {
    const r = await fetch(`${p.url}/api/events/${eventId}/stock`, { headers: { authorization: `Bearer ${this.opts.adminToken}` } });
    await r.arrayBuffer();
    if (r.status !== 200) throw new Error(`${p.url} answered ${r.status} for the event's stock`);
  }

  /** The index of the process whose /healthz lists the event, or -1 when none (yet) does. */
  async owner(eventId: string, among: readonly number[] = this.procs.map((_, i) => i)): Promise<number> {
    for (const i of among) {
      const owned = await ownedEvents(this.procs[i]!.url).catch(() => [] as string[]);
      if (owned.includes(eventId)) return i;
    }
    return -1;
  }

  /** SIGKILLs process `i` (no lease released, no socket closed cleanly: a crash) and starts a new one in its slot. */
  kill(i: number): void {
    this.procs[i]!.child.kill('SIGKILL');
  }

  async replace(i: number): Promise<void> {
    await this.procs[i]!.stop();
    this.procs[i] = await this.launch(i);
  }

  async stop(): Promise<void> {
    await Promise.all(this.procs.map((p) => p.stop().catch(() => undefined)));
    await rm(this.opts.dataDir, { recursive: true, force: true });
  }
}

/**
 * popup_lease_drops_total of a process by reason: 'released' is an idle event given up on purpose; the
 * others (renewal-timeout, renewal-refused, write-fenced) are a lease lost under the process's feet.
 */
export async function leaseDrops(url: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^popup_lease_drops_total\{reason="([^"]+)"\} (\d+)$/gm)) if (Number(m[2])) out[m[1]!] = Number(m[2]);
  return out;
}

export async function ownedEvents(url: string): Promise<string[]> {
  const r = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) });
  const h = (await r.json()) as { cluster?: { events?: { eventId: string }[] } };
  return (h.cluster?.events ?? []).map((e) => e.eventId);
}
