import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { promisify } from 'node:util';
import * as Y from 'yjs';
import { BrandDoc } from '../core/event/schema.ts';
import { StockView } from '../core/ledger/stock-view.ts';
import { writeLedger } from './ledger-workload.ts';
import { isMain, printReport, type BenchReport } from './report.ts';
import { median } from './stats.ts';

/**
 * 100k ledger entries from 5 tills (plus the server's top-ups), merged into one document and turned into
 * stock; then the document's cold load, in fresh processes. See ledger-workload.ts for the workload.
 */
const ENTRIES = 100_000;
const COLD_RUNS = 5;
const OUT = fileURLToPath(new URL('./out/', import.meta.url));
const COLD_LOAD = fileURLToPath(new URL('./cold-load.ts', import.meta.url));

// gc() without needing `node --expose-gc`, so `npx tsx bench/ledger.bench.ts` measures heap the same way.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const heapAfterGc = () => {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};

export async function ledgerBench(): Promise<BenchReport> {
  const heap0 = heapAfterGc();
  // The writers' documents live only inside this block: afterwards only their encoded states remain.
  const { states, work, heapWriters } = (() => {
    const work = writeLedger({ entries: ENTRIES, skus: 20_000, tills: 5, seed: 42 });
    const heapWriters = heapAfterGc() - heap0;
    return { states: work.docs.map((d) => Y.encodeStateAsUpdate(d)), work: { ...work, docs: [] }, heapWriters };
  })();

  const heap1 = heapAfterGc();
  let t0 = performance.now();
  const merged = new Y.Doc();
  for (const s of states) Y.applyUpdate(merged, s);
  const mergeMs = performance.now() - t0;
  const heapDoc = heapAfterGc() - heap1;

  t0 = performance.now();
  const view = new StockView();
  const ledger = new BrandDoc(merged).ledger();
  for (const e of ledger.items) view.add(e);
  const deriveMs = performance.now() - t0;
  const entries = ledger.items.length;
  if (entries !== ENTRIES || ledger.invalid.length) throw new Error(`merged ledger holds ${entries} valid, ${ledger.invalid.length} invalid entries`);
  if (view.negativeBalances().length) throw new Error('a holder went below zero: the workload broke the rights rule');
  ledger.items.length = 0;
  const heapView = heapAfterGc() - heap1 - heapDoc;

  const v1 = Y.encodeStateAsUpdate(merged);
  const v2 = Y.encodeStateAsUpdateV2(merged);
  await mkdir(OUT, { recursive: true });
  const files = { v1: `${OUT}ledger-100k.v1.bin`, v2: `${OUT}ledger-100k.v2.bin` };
  await writeFile(files.v1, v1);
  await writeFile(files.v2, v2);
  const cold = { v1: [] as number[], v2: [] as number[] };
  for (let i = 0; i < COLD_RUNS; i++) {
    for (const enc of ['v1', 'v2'] as const) cold[enc].push(await coldLoad(files[enc], enc, entries));
  }

  const MB = 1024 * 1024;
  return {
    title: 'Ledger: 100k entries, 5 tills, one merged document',
    figures: [
      { name: 'entries', value: entries, unit: '' },
      { name: '… sale', value: work.counts.sale, unit: '' },
      { name: '… receive (deliveries, reserve)', value: work.counts.receive, unit: '' },
      { name: '… transfer (reserve → till)', value: work.counts.transfer, unit: '' },
      { name: 'Yjs transactions written', value: work.counts.transactions, unit: '' },
      { name: 'write (checks + append)', value: work.writeMs, unit: 'ms' },
      { name: '… of which BrandDoc.appendEntries', value: work.appendMs, unit: 'ms' },
      { name: 'merge (apply 6 writer states)', value: mergeMs, unit: 'ms' },
      { name: 'derive (ledger() + StockView)', value: deriveMs, unit: 'ms' },
      { name: 'encoded doc, v1', value: v1.byteLength / MB, unit: 'MiB', digits: 2 },
      { name: 'encoded doc, v2', value: v2.byteLength / MB, unit: 'MiB', digits: 2 },
      { name: 'bytes per entry, v1', value: v1.byteLength / entries, unit: 'B', digits: 1 },
      { name: 'bytes per entry, v2', value: v2.byteLength / entries, unit: 'B', digits: 1 },
      { name: 'heap: 6 writer docs + shared view', value: heapWriters / MB, unit: 'MiB', digits: 1 },
      { name: 'heap: merged doc', value: heapDoc / MB, unit: 'MiB', digits: 1 },
      { name: 'heap: derived StockView', value: heapView / MB, unit: 'MiB', digits: 1 },
      { name: `cold load v1, median of ${COLD_RUNS}`, value: median(cold.v1), unit: 'ms', target: 200, digits: 1 },
      { name: `cold load v2, median of ${COLD_RUNS}`, value: median(cold.v2), unit: 'ms', target: 200, digits: 1 },
    ],
    method: [
      `Workload: 5 tills (5 Y.Docs, distinct clientIDs) own \`till:<id>\`; the server (a 6th Y.Doc) owns the reserve. Each till receives an opening delivery of its 4k-SKU range (200 lines per transaction), then sells carts of 1–3 random SKUs of its range (one transaction per sale); when a till is out of a SKU the server transfers 5 from the reserve, receiving 50 into it first if low. Every entry goes through LedgerWriter (rights and ownership checks) and BrandDoc.appendEntries.`,
      'Merge: a fresh Y.Doc applies the six writers\' v1 states (encoding them is not timed). Derive: `brand.ledger()` (JSON decode + validation of every entry) then StockView.add for each.',
      'Heap: process.memoryUsage().heapUsed after two forced GCs, as the difference before/after each step; Yjs keeps strings on the V8 heap, so the figure is what the document holds.',
      `Cold load: ${COLD_RUNS} runs per encoding, each in a new Node process (bench/cold-load.ts): new Y.Doc, applyUpdate / applyUpdateV2 of the merged state, read \`getMap('ledger').size\`; module load and file read are not timed.`,
    ],
  };
}

const run = promisify(execFile);

async function coldLoad(file: string, encoding: 'v1' | 'v2', expected: number): Promise<number> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', COLD_LOAD, file, encoding]);
  const { ms, size } = JSON.parse(stdout) as { ms: number; size: number };
  if (size !== expected) throw new Error(`cold load of ${encoding} found ${size} entries, expected ${expected}`);
  return ms;
}

if (isMain(import.meta.url)) printReport(await ledgerBench());
