import type { Machine } from '../machine.ts';
import { lineChart } from '../plot.ts';
import type { Growth, SoakSample } from './analyse.ts';

/** A finished soak run as bench/out/soak/*.json holds it, and its section of docs/benchmarks.md. */
export interface SoakRun {
  date: string;
  machine: Machine;
  params: { minutes: number; tills: number; brands: number; rate: number; orders: number; intervalS: number; warmupS: number; skusPerBrand: number };
  loadS: number;
  samples: SoakSample[];
  totals: {
    sales: number;
    ordersAccepted: number;
    orderStatuses: Record<string, number>;
    tillErrors: number;
    firstTillError: string | undefined;
    outboxAtEnd: number;
    /** Samples left out because a forced collection (for a heap reading) ran while they were timed. */
    commitsPausedByGc: number;
    propagationPausedByGc: number;
    undelivered: number;
    salesInDocs: number;
    /** Sales in the server's documents, read afresh at the end. */
    salesOnServer: number;
    /** Of which the storefront's (till `online`), and records that did not decode. */
    onlineInDocs: number;
    invalidInDocs: number;
    docBytes: number;
    updatesIn: number;
    persistFailures: number;
    updatesRejected: number;
  };
  growth: Growth[];
}

const MiB = 1024 * 1024;
const mib = (b: number) => (Number.isFinite(b) ? (b / MiB).toFixed(1) : 'n/a');
const ms = (v: number) => (Number.isFinite(v) ? v.toFixed(1) : 'n/a');
const int = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'n/a');

export const SOAK_CHARTS = { memory: 'soak-memory.svg', latency: 'soak-latency.svg' } as const;

export function soakCharts(run: SoakRun): [string, string][] {
  const min = (s: SoakSample) => s.t / 60;
  const series = (name: string, f: (s: SoakSample) => number, extra: { dashed?: boolean } = {}) => ({ name, points: run.samples.map((s) => [min(s), f(s)] as const), ...extra });
  const title = `Soak: ${run.params.tills} tills, ${run.params.rate} sales/s + ${run.params.orders} order/s, ${Math.round(run.loadS / 60)} min`;
  const warm = [{ x: run.params.warmupS / 60, label: 'end of warm-up' }];
  const memory = lineChart({
    title: `${title}: memory`,
    vLines: warm,
    xLabel: 'minutes since the load started',
    yLabel: 'MiB',
    series: [
      series('server RSS', (s) => s.server.rss / MiB),
      series('server V8 heap (floor)', (s) => s.server.heapFloor / MiB),
      series('tills heap (all tills)', (s) => s.tills.heapUsed / MiB),
      series('tills RSS', (s) => s.tills.rss / MiB, { dashed: true }),
      series('reader heap = the documents', (s) => s.reader.heapUsed / MiB),
    ],
  });
  const latency = lineChart({
    title: `${title}: latency per interval`,
    vLines: warm,
    xLabel: 'minutes since the load started',
    yLabel: 'ms (log scale)',
    yLog: true,
    series: [
      series('sale commit p50', (s) => s.commit.p50),
      series('sale commit p99', (s) => s.commit.p99, { dashed: true }),
      series('propagation p50', (s) => s.propagation.p50),
      series('propagation p99', (s) => s.propagation.p99, { dashed: true }),
      series('online order p99', (s) => s.order.p99, { dashed: true }),
    ],
  });
  return [
    [SOAK_CHARTS.memory, memory],
    [SOAK_CHARTS.latency, latency],
  ];
}

function verdict(g: Growth): string {
  if (!Number.isFinite(g.limit)) return 'reference';
  return g.flagged ? '**rising faster than its documents**' : 'flat beyond its documents';
}

export function soakMarkdown(run: SoakRun): string {
  const p = run.params;
  const t = run.totals;
  const after = run.samples.filter((s) => s.t >= p.warmupS);
  const all = (f: (s: SoakSample) => number) => after.map(f).filter(Number.isFinite);
  const worst = (f: (s: SoakSample) => number) => Math.max(...all(f));
  const median = (f: (s: SoakSample) => number) => {
    const xs = all(f).sort((a, b) => a - b);
    return xs.length ? xs[Math.floor((xs.length - 1) / 2)]! : NaN;
  };
  const flagged = run.growth.filter((g) => g.flagged);
  const step = Math.max(1, Math.ceil(run.samples.length / 16));
  const shown = run.samples.filter((_, i) => i % step === 0 || i === run.samples.length - 1);
  const lines = [
    `## Soak: ${p.tills} tills at steady load for ${(run.loadS / 60).toFixed(1)} minutes`,
    '',
    `Written by \`npm run soak -- --minutes ${p.minutes}\` (bench/soak.ts) on ${run.date.slice(0, 16).replace('T', ' ')} UTC; ${run.machine.cpu}, ${run.machine.cores} cores. Samples: [bench/soak-samples.json](bench/soak-samples.json) (and bench/out/soak/ of the machine that ran it).`,
    '',
    flagged.length
      ? `**Verdict: growth to look at** — ${flagged.map((g) => `${g.name}: ${mib(g.slope.per10k)} MiB per 10k operations (limit ${mib(g.limit)})`).join('; ')}.`
      : `**Verdict: no leak seen.** After the ${Math.round(p.warmupS)} s warm-up, no process's memory grew faster than the documents it holds (limits below).`,
    '',
    '| Figure | Value |',
    '|---|---:|',
    `| operations: till sales committed + online orders accepted | ${int(t.sales + t.ordersAccepted)} (${int(t.sales)} + ${int(t.ordersAccepted)}) |`,
    `| operations per second | ${((t.sales + t.ordersAccepted) / run.loadS).toFixed(1)} |`,
    `| sales in the documents at the end (reader): tills' + online / expected | ${int(t.salesInDocs - t.onlineInDocs)} + ${int(t.onlineInDocs)} / ${int(t.sales)} + ${int(t.ordersAccepted)}${t.invalidInDocs ? ` (${t.invalidInDocs} did not decode)` : ''} |`,
    `| sales in the server's documents, read afresh at the end | ${int(t.salesOnServer)} |`,
    `| till sales not seen by the reader | ${int(t.undelivered)} |`,
    `| till outbox at the end (updates not acknowledged) | ${int(t.outboxAtEnd)} |`,
    `| till errors / updates rejected by the server / persist failures | ${int(t.tillErrors)} / ${int(t.updatesRejected)} / ${int(t.persistFailures)} |`,
    `| documents' encoded size at the end | ${mib(t.docBytes)} MiB |`,
    `| sale commit p99, median / worst interval after warm-up | ${ms(median((s) => s.commit.p99))} / ${ms(worst((s) => s.commit.p99))} ms |`,
    `| propagation p99, median / worst interval after warm-up | ${ms(median((s) => s.propagation.p99))} / ${ms(worst((s) => s.propagation.p99))} ms |`,
    `| online order p99, median / worst interval after warm-up | ${ms(median((s) => s.order.p99))} / ${ms(worst((s) => s.order.p99))} ms |`,
    `| server CPU, median interval | ${(median((s) => s.server.cores) * 100).toFixed(0)} % of a core |`,
    `| other processes on the machine, median / worst interval | ${median((s) => s.otherCores).toFixed(2)} / ${worst((s) => s.otherCores).toFixed(2)} cores |`,
    '',
    'Memory against operations after warm-up (least-squares slope; r² says how straight the line is):',
    '',
    '| Process | first → last after warm-up | slope per 10k operations | r² | documents\' share | flagged above | Verdict |',
    '|---|---:|---:|---:|---:|---:|---|',
    ...run.growth.map((g) => `| ${g.name} | ${mib(g.first)} → ${mib(g.last)} MiB | ${mib(g.slope.per10k)} MiB | ${Number.isFinite(g.slope.r2) ? g.slope.r2.toFixed(2) : 'n/a'} | ${mib(g.expected)} MiB | ${Number.isFinite(g.limit) ? `${mib(g.limit)} MiB` : ''} | ${verdict(g)} |`),
    '',
    `![Soak memory over time](bench/${SOAK_CHARTS.memory})`,
    '',
    `![Soak latency over time](bench/${SOAK_CHARTS.latency})`,
    '',
    (step === 1 ? 'Over time (every sample' : `Over time (one sample in ${step}`) + `; a sample every ${p.intervalS} s; latencies are per interval):`,
    '',
    '| t (s) | ops | server RSS | server heap | docs loaded | conns | tills heap | reader heap | commit p50 / p95 / p99 | propagation p50 / p95 / p99 | order p99 | other cores |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...shown.map(
      (s) =>
        `| ${s.t.toFixed(0)} | ${int(s.ops)} | ${mib(s.server.rss)} | ${mib(s.server.heapFloor)} | ${int(s.server.docs)} | ${int(s.server.connections)} | ${mib(s.tills.heapUsed)} | ${mib(s.reader.heapUsed)} | ${ms(s.commit.p50)} / ${ms(s.commit.p95)} / ${ms(s.commit.p99)} | ${ms(s.propagation.p50)} / ${ms(s.propagation.p95)} / ${ms(s.propagation.p99)} | ${ms(s.order.p99)} | ${s.otherCores.toFixed(2)} |`,
    ),
    '',
    '(memory in MiB, latency in ms)',
    '',
    `- Load: ${p.tills} Node tills (the real LocalStore over fake-indexeddb and TillSync over \`ws\`, paired with pairing codes, ${p.tills / p.brands} per brand, ${p.brands} brands × ${p.skusPerBrand} SKUs) in one child process, selling ${p.rate} sales/s in all (each till on a fixed beat, staggered; 1 unit, or 2 in 15 %, card); a storefront placing ${p.orders} online order/s (POST …/orders, 1 unit); an organiser-token reader on every document (setup, brands, tills: ${p.brands + 1 + p.tills}), applying every update. The server is the bundled \`startSyncServer\` in its own process, LevelDB on disk, tills with \`ack=1\`.`,
    `- Sale commit = \`commitSale\` until its IndexedDB transaction committed (fake-indexeddb keeps the database in memory, so this is the data layer's own cost, without a disk). Propagation = from \`commitSale\` resolving in the till process to the reader receiving the update (the server persists, then relays), with \`performance.timeOrigin + now()\` on both sides. The heap readings force full collections in the till process and in the reader: a commit or an update in flight across one of those pauses is timed by the sampling, not by the system, and is left out (${int(t.commitsPausedByGc)} commits and ${int(t.propagationPausedByGc)} propagations in this run).`,
    `- Memory: server RSS from /proc, its V8 heap from /metrics (\`popup_process_heap_used_bytes\`; the lowest of the readings every 2 s in the interval, which is close to what survives a collection); tills' and reader's heap after two forced full collections. "Documents' share": the reader holds every document and nothing else that grows, so its heap slope is what the documents cost; the server holds each once, the tills ${p.tills / p.brands} copies of their brand's plus the same data again in (fake) IndexedDB, counted as ${(2 * p.tills) / p.brands}× the documents. A slope is flagged above 3× its documents' share + 2 MiB per 10k operations; documents only ever grow (a CRDT keeps its history), so growth with them is expected, growth beyond them is a leak.`,
    `- Order answers: ${Object.entries(t.orderStatuses).map(([k, v]) => `${v} × ${k}`).join(', ') || 'none'}.${t.firstTillError ? ` First till error: ${t.firstTillError}.` : ''}`,
  ];
  return lines.join('\n');
}
