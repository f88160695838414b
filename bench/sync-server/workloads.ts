import { monitorEventLoopDelay } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import * as Y from 'yjs';
import { percentile, seededRandom } from '../stats.ts';
import { SyncClient } from './client.ts';
import { monitor, sample, type ServerProc, type WindowUse } from './procs.ts';
import { api, docOf, EVENT_ID, ONLINE_BRAND, pool, skuOf, TillWriter, type Till } from './world.ts';

/**
 * What the till's sync client declares (renderer/src/sync/till-sync.ts): it resends only its own changes, so
 * our server relays to it at once (docs/sync-protocol.md). The reference server ignores the parameter.
 */
const TILL_PARAMS = { resend: 'own' };

/**
 * The four workloads. Every client is a real paired till (or, for the reference, the same documents and the
 * same kind of updates); the server under test is a child process whose CPU and RSS come from /proc.
 */
const idOf = (client: number, clock: number): number => client * 4_194_304 + clock;

const wsBaseOf = (s: ServerProc): string => `${s.url.replace('http', 'ws')}/sync`;

/**
 * The server under test: one process, or a cluster of them (bench/cluster.bench.ts) that the clients are
 * spread over (client i on process i mod n) and whose CPU and RSS are added up.
 */
export type Servers = ServerProc | readonly ServerProc[];
const listOf = (s: Servers): readonly ServerProc[] => ('pid' in s ? [s] : s);
const pidsOf = (s: Servers): number[] => listOf(s).map((x) => x.pid);
/** Every process's event-loop delay since its last report; the worst process's figures. */
async function worstStats(s: Servers, timeoutMs: number, log?: (m: string) => void): Promise<{ loopP99: number; loopMax: number } | undefined> {
  const all = await Promise.all(
    listOf(s).map((x) =>
      x.stats(timeoutMs).catch((err: unknown) => {
        log?.(`  ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
        return undefined;
      }),
    ),
  );
  if (all.some((x) => x === undefined)) return undefined;
  return { loopP99: Math.max(...all.map((x) => x!.loopP99)), loopMax: Math.max(...all.map((x) => x!.loopMax)) };
}
const restartStats = (s: Servers): void => {
  for (const x of listOf(s)) x.stats().catch(() => undefined);
};

export interface ServerUse {
  cpuPct: number;
  peakRssMiB: number;
  endRssMiB: number;
  /** CPU of the load generator (this process) and of everything else on the machine, in cores. */
  loadgenCores: number;
  otherCores: number;
}

const MiB = 1024 * 1024;

// ---- 1. Propagation ----------------------------------------------------------------------------------

export interface PropagationResult extends ServerUse {
  updates: number;
  /** Every (update, receiving client) pair: send → that client has it. */
  p50: number;
  p99: number;
  max: number;
  /** Send → the last of the document's other clients has it. */
  allP99: number;
  ackP50?: number;
  ackP99?: number;
  undelivered: number;
  closedByServer: number;
  loadgenLoopP99: number;
  /** The server's own event-loop delay over the measured window. */
  serverLoopP99: number;
  serverLoopMax: number;
  achievedRate: number;
  /** Update messages that reached a till inside the measured window (whenever they were sent). */
  deliveredInWindow: number;
  /** The measured window, s. */
  windowS: number;
}

/** The tills' documents and writers, kept from one server to the next (their Yjs clocks go on). */
export class TillFleet {
  readonly docs = new Map<string, Y.Doc>();
  readonly writers = new Map<string, TillWriter>();

  constructor(readonly tills: readonly Till[]) {}

  writer(t: Till, doc: Y.Doc): TillWriter {
    let w = this.writers.get(t.tillId);
    if (!w) {
      w = new TillWriter(t, doc);
      this.writers.set(t.tillId, w);
    }
    return w;
  }
}

/** Told when the measured window starts and ends, to measure something else over it (PostgreSQL's CPU). */
export interface WindowWatch {
  start(): void;
  stop(): void;
}

export async function propagation(s: Servers, fleet: TillFleet, opts: { rate: number; warmupS: number; durationS: number; ack: boolean; log: (m: string) => void; watch?: WindowWatch }): Promise<PropagationResult> {
  const bases = listOf(s).map(wsBaseOf);
  const { tills } = fleet;
  const byDoc = new Map<string, number>();
  for (const t of tills) byDoc.set(t.brandId, (byDoc.get(t.brandId) ?? 0) + 1);
  const readersPerUpdate = (byDoc.get(tills[0]!.brandId) ?? 1) - 1;

  interface Rec {
    sentAt: number;
    got: number;
    measured: boolean;
  }
  const pending = new Map<number, Rec>();
  const samples: number[] = [];
  const allSamples: number[] = [];
  const ackSamples: number[] = [];
  const ackQueues: { end: number; sentAt: number; measured: boolean }[][] = tills.map(() => []);
  let closedByServer = 0;
  let stray = 0;
  let stopping = false;
  let deliveredInWindow = 0;
  // Set when the measured window starts and ends (declared here: the clients' handlers read them).
  let mon: ReturnType<typeof monitor> | undefined;
  let use: ReturnType<ReturnType<typeof monitor>['stop']> | undefined;

  const clients = await pool(tills, 32, async (t, i) => {
    const doc = fleet.docs.get(t.tillId) ?? new Y.Doc();
    fleet.docs.set(t.tillId, doc);
    const c: SyncClient = new SyncClient({
      wsBase: bases[i % bases.length]!,
      docName: docOf(t.brandId),
      params: { token: t.token, ...TILL_PARAMS, ...(opts.ack ? { ack: '1' } : {}) },
      doc,
      onUpdate: (client, clock, at) => {
        if (client === doc.clientID) return; // the reference echoes a writer's update back to it
        const rec = pending.get(idOf(client, clock));
        if (!rec) {
          stray++;
          return;
        }
        rec.got++;
        if (mon && !use) deliveredInWindow++;
        if (rec.measured) samples.push(at - rec.sentAt);
        if (rec.got === readersPerUpdate) {
          if (rec.measured) allSamples.push(at - rec.sentAt);
          pending.delete(idOf(client, clock));
        }
      },
      onAck: (sv, at) => {
        const have = sv.get(doc.clientID) ?? 0;
        const q = ackQueues[i]!;
        while (q.length && q[0]!.end <= have) {
          const a = q.shift()!;
          if (a.measured) ackSamples.push(at - a.sentAt);
        }
      },
      onClose: (code) => {
        if (!stopping && code !== 1005 && code !== 1006) closedByServer++;
      },
    });
    await c.whenSynced();
    return c;
  });
  const writers = tills.map((t, i) => fleet.writer(t, clients[i]!.doc));
  opts.log(`  ${clients.length} tills connected; sending ${opts.rate}/s for ${opts.warmupS} + ${opts.durationS} s`);

  // The k-th update is due at t0 + k/rate, from the writers in a fixed shuffled order.
  const order = tills.map((_, i) => i);
  const rnd = seededRandom(7);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const total = Math.round(opts.rate * (opts.warmupS + opts.durationS));
  const interval = 1000 / opts.rate;
  const loop = monitorEventLoopDelay({ resolution: 1 });
  let measuredSent = 0;
  const t0 = performance.now() + 50;
  const measureFrom = t0 + opts.warmupS * 1000;
  let measureEnd = 0;
  await new Promise<void>((resolve) => {
    let k = 0;
    const tick = () => {
      const now = performance.now();
      if (!mon && now >= measureFrom) {
        mon = monitor(pidsOf(s));
        opts.watch?.start();
        loop.enable();
        restartStats(s); // starts the servers' delay histograms afresh
      }
      while (k < total && t0 + k * interval <= now) {
        const i = order[k % order.length]!;
        const w = writers[i]!;
        const sold = w.sell();
        const measured = t0 + k * interval >= measureFrom;
        const sentAt = performance.now();
        pending.set(idOf(sold.client, sold.clock), { sentAt, got: 0, measured });
        if (opts.ack) ackQueues[i]!.push({ end: sold.end, sentAt, measured });
        clients[i]!.sendUpdate(sold.update);
        if (measured) measuredSent++;
        k++;
      }
      if (k < total) setTimeout(tick, 1);
      else {
        measureEnd = performance.now();
        use = mon?.stop();
        opts.watch?.stop();
        loop.disable();
        resolve();
      }
    };
    setTimeout(tick, Math.max(0, t0 - performance.now()));
  });
  const achievedRate = measuredSent / ((measureEnd - measureFrom) / 1000);
  // A server far behind its load answers late (the signal waits behind its backlog): give it 30 s, then report
  // the latencies without its delay figures rather than nothing at all.
  const serverStats = await worstStats(s, 30_000, opts.log);
  // Let the last updates and acks arrive.
  const drainEnd = performance.now() + 5000;
  while ((pending.size || (opts.ack && ackQueues.some((q) => q.length))) && performance.now() < drainEnd) await new Promise((r) => setTimeout(r, 20));
  stopping = true;
  for (const c of clients) c.close();
  if (stray) opts.log(`  ${stray} relayed updates matched nothing sent`);
  return {
    updates: measuredSent,
    p50: percentile(samples, 50),
    p99: percentile(samples, 99),
    max: percentile(samples, 100),
    allP99: percentile(allSamples, 99),
    ...(opts.ack ? { ackP50: percentile(ackSamples, 50), ackP99: percentile(ackSamples, 99) } : {}),
    undelivered: pending.size,
    closedByServer,
    loadgenLoopP99: loop.percentile(99) / 1e6,
    serverLoopP99: serverStats?.loopP99 ?? NaN,
    serverLoopMax: serverStats?.loopMax ?? NaN,
    achievedRate,
    deliveredInWindow,
    windowS: (measureEnd - measureFrom) / 1000,
    cpuPct: use?.cpuPct ?? NaN,
    peakRssMiB: (use?.peakRss ?? NaN) / MiB,
    endRssMiB: (use?.lastRss ?? NaN) / MiB,
    loadgenCores: use?.loadgenCores ?? NaN,
    otherCores: use?.otherCores ?? NaN,
  };
}

// ---- 2. Throughput ---------------------------------------------------------------------------------

export interface ThroughputResult extends ServerUse {
  /** Updates received by all 5 readers per second of wall time, in the measured window. */
  updatesPerS: number;
  /** CPU time / wall time of the server over the window (1.0 = one core busy). */
  coresUsed: number;
  updatesPerCoreS: number;
  windowS: number;
  updates: number;
  p99: number;
  serverLoopP99: number;
  closedByServer: number;
}

/** Sales made ahead of time by one till, so the run costs the load generator only the sending. */
export async function pregenerate(s: ServerProc, till: Till, count: number): Promise<{ updates: Uint8Array[]; client: number; clocks: number[]; ms: number }> {
  const doc = new Y.Doc();
  const c = new SyncClient({ wsBase: wsBaseOf(s), docName: docOf(till.brandId), params: { token: till.token }, doc });
  await c.whenSynced();
  c.close();
  const w = new TillWriter(till, doc);
  if (w.rights() < count) throw new Error(`the throughput writer holds ${w.rights()} units, ${count} needed`);
  const t = performance.now();
  const updates: Uint8Array[] = [];
  const clocks: number[] = [];
  for (let i = 0; i < count; i++) {
    const sold = w.sell();
    updates.push(sold.update);
    clocks.push(sold.clock);
  }
  return { updates, client: doc.clientID, clocks, ms: performance.now() - t };
}

export async function throughput(
  s: Servers,
  opts: { writer: Till; readers: readonly Till[]; work: { updates: Uint8Array[]; client: number; clocks: number[] }; window: number; warmupS: number; maxS: number; ack: boolean; watch?: WindowWatch },
): Promise<ThroughputResult> {
  // Reader i on process i mod n, the writer on the next one after the first (in a cluster, not the owner).
  const bases = listOf(s).map(wsBaseOf);
  const { updates, client, clocks } = opts.work;
  const sentAt = new Float64Array(updates.length);
  const got = new Uint8Array(updates.length);
  const index = new Map<number, number>();
  clocks.forEach((clock, i) => index.set(clock, i));
  const latencies: number[] = [];
  let completed = 0;
  let closedByServer = 0;
  let stopping = false;
  let onComplete: () => void = () => undefined;

  const readers = await pool(opts.readers, 8, async (t, ri) => {
    const c = new SyncClient({
      wsBase: bases[ri % bases.length]!,
      docName: docOf(t.brandId),
      params: { token: t.token, ...TILL_PARAMS },
      onUpdate: (c, clock, at) => {
        if (c !== client) return;
        const i = index.get(clock);
        if (i === undefined) return;
        got[i] = (got[i] ?? 0) + 1;
        if (got[i] === opts.readers.length) {
          completed++;
          latencies.push(at - sentAt[i]!);
          onComplete();
        }
      },
      onClose: (code) => {
        if (!stopping && code !== 1005 && code !== 1006) closedByServer++;
      },
    });
    await c.whenSynced();
    return c;
  });
  // The writer's document holds the pregenerated sales already; it joins with an empty one, as it only sends.
  const writer = new SyncClient({
    wsBase: bases[1 % bases.length]!,
    docName: docOf(opts.writer.brandId),
    params: { token: opts.writer.token, ...TILL_PARAMS, ...(opts.ack ? { ack: '1' } : {}) },
    onClose: (code) => {
      if (!stopping && code !== 1005 && code !== 1006) closedByServer++;
    },
  });
  await writer.whenSynced();

  let sent = 0;
  let mon: ReturnType<typeof monitor> | undefined;
  let completedAtStart = 0;
  const latencyFrom = { i: 0 };
  const t0 = performance.now();
  let lastProgress = performance.now();
  let watchdog: NodeJS.Timeout | undefined;
  const result = await new Promise<WindowUse & { count: number }>((resolve, reject) => {
    const finish = () => {
      clearInterval(watchdog);
      const use = mon!.stop();
      opts.watch?.stop();
      resolve({ ...use, count: completed - completedAtStart });
    };
    let done = false;
    // A server that stops relaying (it dropped its connections) would leave the run waiting for ever.
    watchdog = setInterval(() => {
      if (done || performance.now() - lastProgress < 20_000) return;
      done = true;
      clearInterval(watchdog);
      mon?.stop();
      reject(new Error(`no update reached all ${opts.readers.length} readers for 20 s (${completed} of ${updates.length} did; connections closed by the server: ${closedByServer})`));
    }, 1000);
    const pump = () => {
      while (sent < updates.length && sent - completed < opts.window) {
        sentAt[sent] = performance.now();
        writer.sendUpdate(updates[sent]!);
        sent++;
      }
    };
    onComplete = () => {
      if (done) return;
      const now = performance.now();
      lastProgress = now;
      if (!mon && now - t0 >= opts.warmupS * 1000) {
        mon = monitor(pidsOf(s));
        opts.watch?.start();
        restartStats(s);
        completedAtStart = completed;
        latencyFrom.i = latencies.length;
      }
      if (mon && (completed === updates.length || now - t0 >= opts.maxS * 1000 || (sent === updates.length && completed >= updates.length - opts.window))) {
        done = true;
        finish();
        return;
      }
      pump();
    };
    pump();
  }).catch((err: unknown) => {
    stopping = true;
    writer.close();
    for (const r of readers) r.close();
    throw err;
  });
  const serverStats = await worstStats(s, 30_000);
  stopping = true;
  writer.close();
  for (const r of readers) r.close();
  const coresUsed = result.cpuS / result.wallS;
  const updatesPerS = result.count / result.wallS;
  return {
    updatesPerS,
    coresUsed,
    updatesPerCoreS: updatesPerS / coresUsed,
    windowS: result.wallS,
    updates: result.count,
    loadgenCores: result.loadgenCores,
    otherCores: result.otherCores,
    p99: percentile(latencies.slice(latencyFrom.i), 99),
    serverLoopP99: serverStats?.loopP99 ?? NaN,
    closedByServer,
    cpuPct: coresUsed * 100,
    peakRssMiB: result.peakRss / MiB,
    endRssMiB: result.lastRss / MiB,
  };
}

// ---- 3. Idle connections -----------------------------------------------------------------------------

export interface IdleResult {
  /** RSS and V8 heap as connections were added (every `checkpoint` connections). */
  curve: { connections: number; rssMiB: number; heapMiB: number }[];
  connections: number;
  failed: number;
  rssBeforeMiB: number;
  rssAfterMiB: number;
  bytesPerConnection: number;
  connectPerS: number;
  /** The server's V8 heap and off-heap buffers before/after, MiB. */
  heapBeforeMiB: number;
  heapAfterMiB: number;
  buffersBeforeMiB: number;
  buffersAfterMiB: number;
}

export async function idleConnections(s: ServerProc, opts: { docs: readonly string[]; connections: number; tokens: readonly string[]; log: (m: string) => void }): Promise<IdleResult> {
  const wsBase = wsBaseOf(s);
  const settle = () => new Promise((r) => setTimeout(r, 2000));
  const plan = Array.from({ length: opts.connections }, (_, i) => ({ doc: opts.docs[i % opts.docs.length]!, token: opts.tokens[i % opts.tokens.length]! }));
  const clients: SyncClient[] = [];
  let failed = 0;
  const open = async (p: { doc: string; token: string }) => {
    const c = new SyncClient({ wsBase, docName: p.doc, params: { token: p.token } });
    try {
      await c.whenSynced(60_000);
      clients.push(c);
    } catch {
      failed++;
      c.close();
    }
  };
  try {
    // One connection per document first, so the "before" figure has every document loaded.
    await pool(plan.slice(0, opts.docs.length), 50, open);
    await settle();
    const before = sample(s.pid).rssBytes;
    const statsBefore = await s.stats();
    const curve: IdleResult['curve'] = [{ connections: clients.length, rssMiB: before / MiB, heapMiB: statsBefore.heapUsed / MiB }];
    const rest = plan.slice(opts.docs.length);
    const step = Math.ceil(rest.length / 5);
    let connectMs = 0;
    for (let i = 0; i < rest.length; i += step) {
      const t = performance.now();
      await pool(rest.slice(i, i + step), 100, open);
      connectMs += performance.now() - t;
      if (i + step >= rest.length) break;
      // A point of the memory-vs-connections curve (the last one is the settled figure below).
      await new Promise((r) => setTimeout(r, 500));
      curve.push({ connections: clients.length, rssMiB: sample(s.pid).rssBytes / MiB, heapMiB: (await s.stats()).heapUsed / MiB });
    }
    const connectS = connectMs / 1000;
    await settle();
    const after = sample(s.pid).rssBytes;
    const statsAfter = await s.stats();
    const added = opts.connections - opts.docs.length;
    opts.log(`  ${clients.length} connections open (${failed} failed), ${(added / connectS).toFixed(0)} connections/s`);
    curve.push({ connections: clients.length, rssMiB: after / MiB, heapMiB: statsAfter.heapUsed / MiB });
    return {
      curve,
      connections: clients.length,
      failed,
      rssBeforeMiB: before / MiB,
      rssAfterMiB: after / MiB,
      bytesPerConnection: (after - before) / Math.max(1, clients.length - opts.docs.length),
      connectPerS: added / connectS,
      heapBeforeMiB: statsBefore.heapUsed / MiB,
      heapAfterMiB: statsAfter.heapUsed / MiB,
      buffersBeforeMiB: statsBefore.external / MiB,
      buffersAfterMiB: statsAfter.external / MiB,
    };
  } finally {
    for (const c of clients) c.close();
  }
}

// ---- 4. Online-drop order burst --------------------------------------------------------------------

export type OrdersResult =
  | { available: false; reason: string }
  | {
      available: true;
      attempts: number;
      accepted: number;
      statuses: Record<string, number>;
      ordersPerS: number;
      p50: number;
      p99: number;
      /** Latency of the accepted orders alone. */
      acceptedP99: number;
      /** From the first request to the 1,000th acceptance. */
      sellOutS: number;
      wallS: number;
      /** Online rights left after the burst (should be 0). */
      leftOnline: number | undefined;
      cpuPct: number;
      otherCores: number;
    };

interface StockItemLike {
  brandId: string;
  sku: string;
  price: number;
  available: number;
}

export async function orderBurst(s: ServerProc, opts: { storefrontToken: string; attempts: number; parallel: number }): Promise<OrdersResult> {
  const stockOf = async (): Promise<StockItemLike | undefined> => {
    const r = await api(s.url, 'GET', `/api/events/${EVENT_ID}/stock`, { token: opts.storefrontToken });
    if (r.status !== 200) return undefined;
    return (r.body as { items?: StockItemLike[] }).items?.find((i) => i.brandId === ONLINE_BRAND && i.sku === skuOf(ONLINE_BRAND));
  };
  const item = await stockOf();
  if (!item) return { available: false, reason: 'GET /api/events/:id/stock did not list the product' };
  const run = randomBytes(6).toString('hex');
  const body = { lines: [{ brandId: ONLINE_BRAND, sku: item.sku, qty: 1 }], payment: { method: 'card', amount: item.price } };
  const latencies: number[] = [];
  const acceptedLatencies: number[] = [];
  let lastAccepted = 0;
  const statuses: Record<string, number> = {};
  const mon = monitor(s.pid);
  const t = performance.now();
  let missing = false;
  await pool(
    Array.from({ length: opts.attempts }, (_, i) => i),
    opts.parallel,
    async (i) => {
      if (missing) return;
      const t0 = performance.now();
      const r = await api(s.url, 'POST', `/api/events/${EVENT_ID}/orders`, { token: opts.storefrontToken, body, headers: { 'idempotency-key': `bench-${run}-${i}` } });
      const t1 = performance.now();
      latencies.push(t1 - t0);
      if (r.status === 201) {
        acceptedLatencies.push(t1 - t0);
        lastAccepted = t1;
      }
      statuses[r.status] = (statuses[r.status] ?? 0) + 1;
      if (r.status === 404 || r.status === 405) {
        const type = (r.body as { type?: string } | null)?.type;
        if (type === 'NotFound' || r.status === 405) missing = true;
      }
    },
  );
  const wallS = (performance.now() - t) / 1000;
  const use = mon.stop();
  if (missing) return { available: false, reason: `POST /api/events/:id/orders answered ${Object.keys(statuses).join(', ')}` };
  const after = await stockOf();
  return {
    available: true,
    attempts: opts.attempts,
    accepted: statuses['201'] ?? 0,
    statuses,
    ordersPerS: opts.attempts / wallS,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    acceptedP99: percentile(acceptedLatencies, 99),
    sellOutS: (lastAccepted - t) / 1000,
    wallS,
    leftOnline: after?.available,
    cpuPct: use.cpuPct,
    otherCores: use.otherCores,
  };
}
