import { lineChart } from './plot.ts';
import type { SyncCurves } from './sync-server.bench.ts';

/**
 * The sync-server benchmark's charts (docs/bench/sync-*.svg): ours against @y/websocket-server as load and
 * connections rise. Ours is drawn solid, the reference dashed, in the same colour per quantity.
 */
export const SYNC_CHARTS = {
  propagation: { file: 'sync-propagation-vs-load.svg', alt: 'Propagation latency against load, ours and the reference' },
  throughput: { file: 'sync-throughput-vs-load.svg', alt: 'Updates delivered per second against load, with each server\'s saturation' },
  cpu: { file: 'sync-cpu-vs-load.svg', alt: 'Server CPU against load' },
  memoryLoad: { file: 'sync-memory-vs-load.svg', alt: 'Server memory (RSS) against load' },
  memoryConnections: { file: 'sync-memory-vs-connections.svg', alt: 'Server memory against idle connections' },
} as const;

const OURS = '#1f77b4';
const REF = '#d62728';

export function syncCharts(c: SyncCurves): [string, string][] {
  const { ours, ref } = c.sweep;
  const x = 'sales per second over 300 tills (each relayed to the 5 other tills of its document)';
  const out: [string, string][] = [];
  out.push([
    SYNC_CHARTS.propagation.file,
    lineChart({
      title: 'Propagation latency against load (send → another till has it)',
      xLabel: x,
      yLabel: 'ms (log scale)',
      yLog: true,
      hLines: [{ y: 10, label: 'target: p99 ≤ 10 ms', color: '#555' }],
      series: [
        { name: 'ours p99', points: ours.map((p) => [p.rate, p.p99] as const), color: OURS },
        { name: 'ours p50', points: ours.map((p) => [p.rate, p.p50] as const), color: '#7fb3dd' },
        { name: 'reference p99', points: ref.map((p) => [p.rate, p.p99] as const), color: REF, dashed: true },
        { name: 'reference p50', points: ref.map((p) => [p.rate, p.p50] as const), color: '#eb9394', dashed: true },
      ],
    }),
  ]);
  const sat = (name: string, t: SyncCurves['throughput']['ours'], color: string) => (t ? [{ y: t.updatesPerS, label: `${name} saturates at ${Math.round(t.updatesPerS).toLocaleString('en-US')}/s (workload 2, one document)`, color }] : []);
  out.push([
    SYNC_CHARTS.throughput.file,
    lineChart({
      title: 'Throughput against load: sales delivered to all other tills per second',
      xLabel: x,
      yLabel: 'sales delivered per second',
      hLines: [...sat('ours', c.throughput.ours, OURS), ...sat('reference', c.throughput.ref, REF)],
      series: [
        { name: 'ours', points: ours.map((p) => [p.rate, p.deliveredPerS / 5] as const), color: OURS },
        { name: 'reference', points: ref.map((p) => [p.rate, p.deliveredPerS / 5] as const), color: REF, dashed: true },
        { name: 'offered', points: ours.map((p) => [p.rate, p.rate] as const), color: '#999', dashed: true, dots: false },
      ],
    }),
  ]);
  out.push([
    SYNC_CHARTS.cpu.file,
    lineChart({
      title: 'Server CPU against load',
      xLabel: x,
      yLabel: 'cores (1 = one core busy)',
      series: [
        { name: 'ours (persists every update, fsync)', points: ours.map((p) => [p.rate, p.cores] as const), color: OURS },
        { name: 'reference (in memory)', points: ref.map((p) => [p.rate, p.cores] as const), color: REF, dashed: true },
      ],
    }),
  ]);
  out.push([
    SYNC_CHARTS.memoryLoad.file,
    lineChart({
      title: 'Server memory against load (peak RSS in each step)',
      xLabel: x,
      yLabel: 'MiB',
      series: [
        { name: 'ours', points: ours.map((p) => [p.rate, p.peakRssMiB] as const), color: OURS },
        { name: 'reference', points: ref.map((p) => [p.rate, p.peakRssMiB] as const), color: REF, dashed: true },
      ],
    }),
  ]);
  out.push([
    SYNC_CHARTS.memoryConnections.file,
    lineChart({
      title: 'Server memory against idle connections (200 documents loaded)',
      xLabel: 'open WebSocket connections (synced, idle)',
      yLabel: 'MiB',
      series: [
        { name: 'ours RSS', points: c.idle.ours.map((p) => [p.connections, p.rssMiB] as const), color: OURS },
        { name: 'reference RSS', points: c.idle.ref.map((p) => [p.connections, p.rssMiB] as const), color: REF, dashed: true },
        { name: 'ours V8 heap', points: c.idle.ours.map((p) => [p.connections, p.heapMiB] as const), color: '#7fb3dd' },
        { name: 'reference V8 heap', points: c.idle.ref.map((p) => [p.connections, p.heapMiB] as const), color: '#eb9394', dashed: true },
      ],
    }),
  ]);
  return out;
}
