import { fork } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import * as Y from 'yjs';
import { BrandDoc, brandDocName, setupDocName, tillDocName } from '../core/event/schema.ts';
import { api } from '../sync-server/test-support.ts';
import { putMarkedSection } from './doc-sections.ts';
import { machine } from './machine.ts';
import { growth, type LatencyStats, type SoakSample } from './soak/analyse.ts';
import type { HostMessage, HostSample, SaleNote, StartMessage } from './soak/messages.ts';
import { soakCharts, soakMarkdown, type SoakRun } from './soak/report.ts';
import { buildSoakWorld } from './soak/world.ts';
import { percentile, seededRandom } from './stats.ts';
import { SyncClient } from './sync-server/client.ts';
import { buildLauncher, machineBusyS, sample as procSample, startOurs, type ServerProc } from './sync-server/procs.ts';

/**
 * `npm run soak -- --minutes <m>`: a long run at steady load, to catch memory that grows without bound in the
 * server or the till. A sync server in its own process (the bundled `startSyncServer`, LevelDB on disk); the
 * tills' real data layer in a second process (bench/soak/till-host.ts), selling at a steady rate; a
 * storefront placing orders over HTTP and an organiser-style reader holding every document, both here.
 * Every interval it samples the server's memory (/metrics and /proc), the tills' heap, sale commit and
 * propagation latency; at the end it fits memory against operations done and says whether anything grows
 * faster than the documents themselves. Samples go to bench/out/soak/, the summary and two charts to
 * docs/benchmarks.md and docs/bench/ (unless --no-write).
 */
const { values: args } = parseArgs({
  options: {
    minutes: { type: 'string', default: '5' },
    tills: { type: 'string', default: '10' },
    brands: { type: 'string', default: '5' },
    /** Sales per second over all tills. */
    rate: { type: 'string', default: '15' },
    /** Online orders per second. */
    orders: { type: 'string', default: '1' },
    /** Seconds between samples; default: about 40 samples over the run, at least 5 s apart. */
    interval: { type: 'string' },
    'no-write': { type: 'boolean', default: false },
  },
});
const num = (name: string, v: string | undefined, min: number): number => {
  const n = Number(v);
  if (!Number.isFinite(n) || n < min) throw new Error(`--${name} must be a number ≥ ${min}, got "${v}"`);
  return n;
};
const MINUTES = num('minutes', args.minutes, 0.5);
const TILLS = Math.round(num('tills', args.tills, 1));
const BRANDS = Math.min(TILLS, Math.round(num('brands', args.brands, 1)));
const RATE = num('rate', args.rate, 0.1);
const ORDERS = num('orders', args.orders, 0);
const INTERVAL_S = args.interval !== undefined ? num('interval', args.interval, 1) : Math.max(5, Math.round((MINUTES * 60) / 40));
const WARMUP_S = Math.max(INTERVAL_S, Math.min(120, MINUTES * 60 * 0.2));
const SKUS_PER_BRAND = 40;
const ADMIN = `soak-admin-${Date.now().toString(36)}-0123456789abcdef`;
const OUT = fileURLToPath(new URL('./out/soak/', import.meta.url));
const DOC = fileURLToPath(new URL('../docs/benchmarks.md', import.meta.url));
const IMAGES = fileURLToPath(new URL('../docs/bench/', import.meta.url));
const TILL_HOST = fileURLToPath(new URL('./soak/till-host.ts', import.meta.url));

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const stats = (xs: number[]): LatencyStats => ({ n: xs.length, p50: percentile(xs, 50), p95: percentile(xs, 95), p99: percentile(xs, 99), max: xs.length ? Math.max(...xs) : NaN });

/** Prometheus gauges and counters of our server, by name. */
async function metrics(url: string): Promise<Map<string, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return new Map([...text.matchAll(/^(popup_[a-z_]+) ([0-9.e+-]+)$/gm)].map((m) => [m[1]!, Number(m[2])]));
}

const log = (m: string) => console.log(m);
const MiB = 1024 * 1024;

async function main(): Promise<void> {
  const m = machine();
  log(`soak: ${MINUTES} min, ${TILLS} tills over ${BRANDS} brands, ${RATE} sales/s, ${ORDERS} orders/s, a sample every ${INTERVAL_S} s (warm-up ${WARMUP_S} s)`);
  await buildLauncher();
  const dataDir = await mkdtemp(join(tmpdir(), 'popup-soak-'));
  let server: ServerProc | undefined;
  let host: ReturnType<typeof fork> | undefined;
  const readers: SyncClient[] = [];
  try {
    server = await startOurs({ dataDir, adminToken: ADMIN });
    const s = server;
    const world = await buildSoakWorld(s.url, ADMIN, { brands: BRANDS, tills: TILLS, skusPerBrand: SKUS_PER_BRAND });
    log(`event set up on ${s.url}: ${world.brands.length} brands × ${SKUS_PER_BRAND} SKUs, ${world.codes.length} pairing codes`);

    // ---- The organiser-style reader: every document of the event, updates applied ----
    const notes = new Map<string, number>();
    const arrivals = new Map<string, number>();
    let propagation: number[] = [];
    let readerUpdates = 0;
    const key = (client: number, clock: number) => `${client}:${clock}`;
    // This process's forced collections (for the reader's heap) hold up 'message' events: an update in
    // flight across one is timed by the sampling, not the server, and is left out (and counted).
    const gcWindow = { start: 0, end: 0 };
    let pausedByGc = 0;
    const measure = (sentAt: number, arrivedAt: number) => {
      if (sentAt < gcWindow.end && arrivedAt > gcWindow.start) pausedByGc++;
      else propagation.push(arrivedAt - sentAt);
    };
    const wsBase = `${s.url.replace('http', 'ws')}/sync`;
    const docNames = [setupDocName(world.eventId), ...world.brands.map((b) => brandDocName(world.eventId, b)), ...world.codes.map((c) => tillDocName(world.eventId, c.tillId))];
    for (const name of docNames) {
      const c = new SyncClient({
        wsBase,
        docName: name,
        params: { token: world.organiserToken },
        apply: true,
        onUpdate: (client, clock, at) => {
          readerUpdates++;
          const abs = performance.timeOrigin + at;
          const k = key(client, clock);
          const sentAt = notes.get(k);
          if (sentAt === undefined) arrivals.set(k, abs);
          else {
            notes.delete(k);
            measure(sentAt, abs);
          }
        },
      });
      await c.whenSynced();
      readers.push(c);
    }
    const onNotes = (sales: SaleNote[]) => {
      for (const n of sales) {
        const k = key(n.client, n.clock);
        const got = arrivals.get(k);
        if (got === undefined) notes.set(k, n.at);
        else {
          arrivals.delete(k);
          measure(n.at, got);
        }
      }
    };

    // ---- The tills, in their own process ----
    const h = fork(TILL_HOST, [], { execArgv: ['--expose-gc', '--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    host = h;
    let sampleWaiter: ((s: HostSample) => void) | undefined;
    let stoppedWaiter: ((s: HostSample) => void) | undefined;
    const ready = new Promise<string[]>((resolve, reject) => {
      h.on('message', (raw) => {
        const msg = raw as HostMessage;
        if (msg.type === 'ready') resolve(msg.tillIds);
        else if (msg.type === 'failed') reject(new Error(`till host: ${msg.error}`));
        else if (msg.type === 'sales') onNotes(msg.sales);
        else if (msg.type === 'sample') sampleWaiter?.(msg);
        else if (msg.type === 'stopped') stoppedWaiter?.({ ...msg, type: 'sample' });
      });
      h.once('exit', (code) => reject(new Error(`till host exited with ${code}`)));
    });
    const start: StartMessage = { type: 'start', serverUrl: s.url, eventId: world.eventId, tills: world.codes.map((c) => ({ code: c.code, brandId: c.brandId })), skus: Object.fromEntries(world.skus), salesPerSecond: RATE, seed: 11 };
    h.send(start);
    const tillIds = await ready;
    log(`${tillIds.length} tills paired, synced and selling`);
    const askHost = () =>
      new Promise<HostSample>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error('the till host did not answer a sample request in 30 s')), 30_000);
        sampleWaiter = (x) => {
          clearTimeout(t);
          sampleWaiter = undefined;
          resolve(x);
        };
        h.send({ type: 'sample' });
      });

    // ---- The storefront: online orders at a steady rate ----
    const stock = (await api(s.url, 'GET', `/api/events/${world.eventId}/stock`, { token: world.storefrontToken })).body as { items: { brandId: string; sku: string; price: number }[] };
    const items = stock.items.filter((i) => world.brands.includes(i.brandId));
    if (!items.length) throw new Error('GET /stock lists none of the soak brands');
    let orderMs: number[] = [];
    let ordersAccepted = 0;
    const orderStatuses: Record<string, number> = {};
    let ordering = ORDERS > 0;
    const rnd = seededRandom(5);
    const ordersDone = (async () => {
      const t0 = performance.now();
      for (let k = 0; ordering; k++) {
        const due = t0 + (k * 1000) / ORDERS;
        await new Promise((r) => setTimeout(r, Math.max(0, due - performance.now())));
        if (!ordering) break;
        const item = items[Math.floor(rnd() * items.length)]!;
        const t = performance.now();
        const r = await api(s.url, 'POST', `/api/events/${world.eventId}/orders`, {
          token: world.storefrontToken,
          headers: { 'idempotency-key': `soak-${Date.now().toString(36)}-${k}` },
          body: { lines: [{ brandId: item.brandId, sku: item.sku, qty: 1 }], payment: { method: 'card', amount: item.price } },
        });
        orderMs.push(performance.now() - t);
        orderStatuses[r.status] = (orderStatuses[r.status] ?? 0) + 1;
        if (r.status === 201) ordersAccepted++;
      }
    })();

    // ---- Sampling ----
    const samples: SoakSample[] = [];
    let heapFloor = Infinity;
    const poll = setInterval(() => {
      metrics(s.url).then((x) => (heapFloor = Math.min(heapFloor, x.get('popup_process_heap_used_bytes') ?? Infinity)), () => undefined);
    }, 2000);
    const t0 = performance.now();
    let prev = { at: t0, server: procSample(s.pid).cpuS, host: procSample(h.pid!).cpuS, own: process.cpuUsage(), busy: machineBusyS() };
    const endAt = t0 + MINUTES * 60_000;
    log('\n    t   ops  server rss/heap MiB  tills heap  reader heap  commit p50/p99  propagation p50/p99  orders p99  other cores');
    while (performance.now() < endAt - 500) {
      await new Promise((r) => setTimeout(r, Math.min(INTERVAL_S * 1000, endAt - performance.now())));
      const hs = await askHost();
      const met = await metrics(s.url);
      gcWindow.start = performance.timeOrigin + performance.now();
      gc();
      gc();
      gcWindow.end = performance.timeOrigin + performance.now();
      const readerHeap = process.memoryUsage().heapUsed;
      const now = { at: performance.now(), server: procSample(s.pid).cpuS, host: procSample(h.pid!).cpuS, own: process.cpuUsage(), busy: machineBusyS() };
      const wall = (now.at - prev.at) / 1000;
      const ownS = (now.own.user + now.own.system - prev.own.user - prev.own.system) / 1e6;
      const serverS = now.server - prev.server;
      const hostS = now.host - prev.host;
      const other = Math.max(0, (now.busy - prev.busy - serverS - hostS - ownS) / wall);
      prev = now;
      // Arrivals that no sale note claimed within 30 s are the server's own writes (orders) or set-up.
      const stale = performance.timeOrigin + performance.now() - 30_000;
      for (const [k, at] of arrivals) if (at < stale) arrivals.delete(k);
      const row: SoakSample = {
        t: (now.at - t0) / 1000,
        ops: hs.sales + ordersAccepted,
        sales: hs.sales,
        orders: ordersAccepted,
        server: {
          rss: procSample(s.pid).rssBytes,
          heapUsed: met.get('popup_process_heap_used_bytes') ?? NaN,
          heapFloor: Math.min(heapFloor, met.get('popup_process_heap_used_bytes') ?? Infinity),
          heapTotal: met.get('popup_process_heap_total_bytes') ?? NaN,
          external: met.get('popup_process_external_bytes') ?? NaN,
          docs: met.get('popup_documents_loaded') ?? NaN,
          connections: met.get('popup_connections') ?? NaN,
          updatesIn: met.get('popup_updates_in_total') ?? NaN,
          updatesOut: met.get('popup_updates_out_total') ?? NaN,
          cores: serverS / wall,
        },
        tills: { heapUsed: hs.heapUsed, rss: hs.rss, outbox: hs.outbox, online: hs.online, errors: hs.errors, cores: hostS / wall },
        reader: { heapUsed: readerHeap, updates: readerUpdates },
        commit: stats(hs.commitMs),
        propagation: stats(propagation),
        order: stats(orderMs),
        otherCores: other,
      };
      heapFloor = Infinity;
      propagation = [];
      orderMs = [];
      samples.push(row);
      if (hs.firstError && hs.errors) log(`  till errors: ${hs.errors} (first: ${hs.firstError})`);
      const f1 = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : 'n/a');
      log(
        `${row.t.toFixed(0).padStart(5)} ${String(row.ops).padStart(5)}  ${f1(row.server.rss / MiB).padStart(7)} / ${f1(row.server.heapFloor / MiB).padEnd(7)}  ${f1(row.tills.heapUsed / MiB).padStart(9)}  ${f1(row.reader.heapUsed / MiB).padStart(10)}  ${f1(row.commit.p50).padStart(6)} / ${f1(row.commit.p99).padEnd(6)}  ${f1(row.propagation.p50).padStart(8)} / ${f1(row.propagation.p99).padEnd(9)}  ${f1(row.order.p99).padStart(9)}  ${row.otherCores.toFixed(2)}`,
      );
    }
    const loadS = (performance.now() - t0) / 1000;

    // ---- Stop, and check that everything arrived once ----
    ordering = false;
    clearInterval(poll);
    await ordersDone;
    const last = await new Promise<HostSample>((resolve) => {
      stoppedWaiter = resolve;
      h.send({ type: 'stop' });
    });
    await new Promise((r) => setTimeout(r, 1000));
    const undelivered = notes.size;
    let salesInDocs = 0;
    let onlineInDocs = 0;
    let invalidInDocs = 0;
    readers.forEach((r, i) => {
      if (!docNames[i]!.includes('/brand/')) return;
      const decoded = new BrandDoc(r.doc).sales();
      salesInDocs += decoded.items.length;
      onlineInDocs += decoded.items.filter((x) => x.tillId === 'online').length;
      invalidInDocs += decoded.invalid.length;
    });
    // The same documents fetched afresh (admin token): tells a relay gap from a write gap.
    let salesOnServer = 0;
    for (const name of docNames.filter((n) => n.includes('/brand/'))) {
      const fresh = new SyncClient({ wsBase, docName: name, params: { token: ADMIN }, doc: new Y.Doc() });
      await fresh.whenSynced();
      salesOnServer += new BrandDoc(fresh.doc).sales().items.length;
      fresh.close();
    }
    const docBytes = readers.reduce((a, r) => a + Y.encodeStateAsUpdate(r.doc).byteLength, 0);
    const finalMetrics = await metrics(s.url);

    const run: SoakRun = {
      date: new Date().toISOString(),
      machine: m,
      params: { minutes: MINUTES, tills: TILLS, brands: BRANDS, rate: RATE, orders: ORDERS, intervalS: INTERVAL_S, warmupS: WARMUP_S, skusPerBrand: SKUS_PER_BRAND },
      loadS,
      samples,
      totals: {
        sales: last.sales,
        ordersAccepted,
        orderStatuses,
        tillErrors: last.errors,
        firstTillError: last.firstError,
        outboxAtEnd: last.outbox,
        commitsPausedByGc: last.pausedByGc,
        propagationPausedByGc: pausedByGc,
        undelivered,
        salesInDocs,
        salesOnServer,
        onlineInDocs,
        invalidInDocs,
        docBytes,
        updatesIn: finalMetrics.get('popup_updates_in_total') ?? NaN,
        persistFailures: finalMetrics.get('popup_persist_failures_total') ?? NaN,
        updatesRejected: finalMetrics.get('popup_updates_rejected_total') ?? NaN,
      },
      growth: growth(samples, WARMUP_S, TILLS / BRANDS).rows,
    };
    await mkdir(OUT, { recursive: true });
    const stamp = run.date.slice(0, 16).replace(/[:T]/g, '-');
    await writeFile(`${OUT}soak-${stamp}.json`, JSON.stringify(run, null, 1));
    await writeFile(`${OUT}latest.json`, JSON.stringify(run, null, 1));
    log(`\nsamples written to ${OUT}soak-${stamp}.json`);
    const md = soakMarkdown(run);
    log(`\n${md}`);
    if (!args['no-write']) {
      await mkdir(IMAGES, { recursive: true });
      for (const [file, svg] of soakCharts(run)) await writeFile(`${IMAGES}${file}`, svg);
      // The samples behind the published section and charts, kept beside them.
      await writeFile(`${IMAGES}soak-samples.json`, JSON.stringify(run, null, 1));
      const doc = await readFile(DOC, 'utf8').catch(() => '# Benchmarks\n');
      await writeFile(DOC, putMarkedSection(doc, 'soak', md));
      log(`wrote the soak section into ${DOC} and its charts into ${IMAGES}`);
    }
  } finally {
    for (const r of readers) r.close();
    if (host && host.exitCode === null && host.signalCode === null) host.kill('SIGKILL');
    await server?.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

await main();
