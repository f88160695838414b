import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { browserBench, profileReport } from './browser.bench.ts';
import { markedSection } from './doc-sections.ts';
import { ledgerBench } from './ledger.bench.ts';
import { machine } from './machine.ts';
import { formatValue, meets, missedTarget, printReport, reportMarkdown, targetText, type BenchReport, type Figure } from './report.ts';
import { SYNC_CHARTS, syncCharts } from './sync-charts.ts';
import { syncServerBench } from './sync-server.bench.ts';

/**
 * `npm run bench`: runs every benchmark, prints the figures, and writes them to docs/benchmarks.md with the
 * machine they were measured on, and the charts to docs/bench/. Never fails on timing: a missed target is
 * written down, not thrown. The soak's and the chaos suite's sections (between their markers) are carried
 * over from the existing file unchanged: other commands write them.
 */
const DOC = fileURLToPath(new URL('../docs/benchmarks.md', import.meta.url));
const IMAGES = fileURLToPath(new URL('../docs/bench/', import.meta.url));

const t0 = performance.now();
const load0 = loadavg();
const m = machine();
console.log(`${m.os}; ${m.cpu}, ${m.cores} cores, ${m.ramGiB} GiB RAM; Node ${m.node}; load average ${load0.map((x) => x.toFixed(2)).join(' ')}`);

const stage: Record<string, number> = {};
const timed = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
  const t = performance.now();
  const out = await fn();
  stage[name] = (performance.now() - t) / 1000;
  return out;
};

const ledger = await timed('ledger', ledgerBench);
printReport(ledger);
const browser = await timed('browser', browserBench);
printReport(browser);
const profile = profileReport(browser.profile);
printReport(profile);
const syncServer = await timed('sync server', syncServerBench);
printReport(syncServer);

await mkdir(IMAGES, { recursive: true });
for (const [file, svg] of syncCharts(syncServer.curves)) await writeFile(`${IMAGES}${file}`, svg);

const reports: BenchReport[] = [ledger, browser, profile, syncServer];
const missed = reports.flatMap((r) => r.figures.filter((f) => meets(f) === false).map(missedTarget));
const totalMin = (performance.now() - t0) / 60_000;
const load1 = loadavg();

/** Every figure with a target, and beside it the reference's figure and the ratio when the reference ran. */
function targetsTable(): string[] {
  const rows: string[] = [];
  for (const r of reports) {
    for (const f of r.figures) {
      if (f.target === undefined) continue;
      const base = f.name.replace(/: ours( \/ reference)?$/, '');
      const peer = f.name.endsWith(': ours') ? r.figures.find((g) => g.name === `${base}: reference`) : undefined;
      const ratio = f.name.endsWith(': ours') ? r.figures.find((g) => g.name === `${base}: ours / reference`) : undefined;
      const show = (g: Figure | undefined) => (g ? formatValue(g.value, g.unit, g.digits) : '');
      rows.push(`| ${f.name} | ${formatValue(f.value, f.unit, f.digits)} | ${targetText(f)} | ${meets(f) ? 'met' : '**missed**'} | ${show(peer)} | ${show(ratio)} |`);
    }
  }
  return ['| Figure | Measured | Target | | Reference | Ratio |', '|---|---:|---:|:---:|---:|---:|', ...rows];
}

const charts = Object.values(SYNC_CHARTS).map((c) => `![${c.alt}](bench/${c.file})`);
const existing = await readFile(DOC, 'utf8').catch(() => '');
const kept = ['soak', 'chaos'].map((name) => markedSection(existing, name)).filter((s): s is string => s !== undefined);

const doc = [
  '# Benchmarks',
  '',
  'Written by `npm run bench` (bench/run-all.ts); do not edit by hand. Benchmarks print figures and never fail on timing.',
  'Figures move from run to run (a shared 2-core VM: ±15 % is common), so read a missed target near its limit as "at the limit".',
  'The soak section is written by `npm run soak` and the chaos section by `npm run test:chaos`; `npm run bench` keeps them as they are.',
  '',
  `- Date: ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`,
  `- Machine: ${m.os}; ${m.cpu}, ${m.cores} cores, ${m.ramGiB} GiB RAM`,
  `- Node ${m.node}; Chromium ${browser.browserVersion} (headless)`,
  `- \`npm run bench\` took ${totalMin.toFixed(1)} minutes (${Object.entries(stage).map(([k, v]) => `${k} ${v.toFixed(0)} s`).join(', ')}).`,
  `- Load average (1, 5, 15 min) at the start ${load0.map((x) => x.toFixed(2)).join(', ')}, at the end ${load1.map((x) => x.toFixed(2)).join(', ')}: other sessions share these 2 cores; the sync-server section says how much CPU others took in each measured window.`,
  '',
  missed.length ? ['**Targets missed on this run:**', '', ...missed.map((t) => `- ${t}`)].join('\n') : 'All targets met on this run.',
  '',
  '## Targets at a glance',
  '',
  ...targetsTable(),
  '',
  ...reports.map(reportMarkdown),
  '## Charts: the sync server against the reference as load rises',
  '',
  ...charts.flatMap((c) => [c, '']),
  ...kept.flatMap((k) => [k, '']),
].join('\n');
await writeFile(DOC, doc);
console.log(`\nwrote ${DOC} and ${Object.keys(SYNC_CHARTS).length} charts in ${IMAGES} (${totalMin.toFixed(1)} min)`);
