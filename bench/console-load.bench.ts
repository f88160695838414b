import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { ONLINE, RESERVE } from '../core/ledger/holders.ts';
import { brandDocName, setupDocName } from '../core/event/schema.ts';
import { EventDocs } from '../renderer/src/console/event-docs.ts';
import { putMarkedSection } from './doc-sections.ts';

/**
 * `npm run bench:console`: how long the organiser console takes to have a 50-brand event on screen (every
 * document synced), and on how many connections. The server is the real CLI in its own process; the event
 * has 50 brands of 30 products, each with its stock received into the reserve and some moved online (so each
 * brand document holds a catalog and a ledger). The console's EventDocs (one multiplexed connection) is timed
 * against the way it worked before: one y-websocket provider per document, in the same run.
 * Target (issue #15): on screen within 2 s, on at most 4 connections. Prints figures; never fails on timing.
 */
const CLI = fileURLToPath(new URL('../sync-server/cli.ts', import.meta.url));
const DOC = fileURLToPath(new URL('../docs/benchmarks.md', import.meta.url));
const BRANDS = 50;
const PRODUCTS = 30;
const RUNS = 5;
const EVENT = 'console-bench';
const ADMIN = 'console-bench-admin-token-0123456789';

async function startServer(dataDir: string): Promise<{ proc: ChildProcess; url: string }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', CLI, '--port', '0', '--host', '127.0.0.1', '--data', dataDir], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, POPUP_ADMIN_TOKEN: ADMIN } });
  let out = '';
  return new Promise((resolve, reject) => {
    proc.on('exit', (code) => reject(new Error(`the server exited (${code}) before it was ready:\n${out}`)));
    proc.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const url = /sync server on (http:\/\/[^\s/]+)/.exec(out)?.[1];
      if (url) resolve({ proc, url });
    });
  });
}

async function api(url: string, path: string, body: unknown): Promise<unknown> {
  const res = await fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN}` }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return res.json();
}

async function buildEvent(url: string): Promise<void> {
  const now = Date.now();
  const brands = Array.from({ length: BRANDS }, (_, i) => ({ id: `brand-${i}`, name: `Brand ${i}`, commissionBp: 1000, boothFee: 0 }));
  await api(url, '/api/events', {
    config: {
      id: EVENT, name: 'Console benchmark', timeZone: 'Europe/Paris', currency: 'EUR', locale: 'en-IE', taxMode: 'inclusive', rounding: 'half-up',
      drop: { startsAt: now - 3_600_000, endsAt: now + 86_400_000, tiers: [{ id: 'all-day', label: 'All day', percentOffBp: 0, untilMinute: null }] },
      policies: { returnsDays: 14, defectRefundLimit: 5000, returnsText: '' },
    },
    brands,
    locations: [{ id: 'reserve', kind: 'reserve', name: 'Reserve' }, { id: 'booth-1', kind: 'booth', name: 'Booth 1' }],
  });
  const products = brands.flatMap((b) =>
    Array.from({ length: PRODUCTS }, (_, p) => ({
      sku: `${b.id.toUpperCase()}-${p}`, brandId: b.id, name: `Product ${p} of ${b.name}`, variant: '', price: 1000 + p * 100, cost: 400,
      marginFloorBp: 1000, taxRateBp: 2000, hero: false, lowStockThreshold: 1, safetyStock: 0, serialTracked: false,
    })),
  );
  await api(url, `/api/events/${EVENT}/catalog`, { products });
  const lines = products.map((p) => ({ brandId: p.brandId, sku: p.sku, qty: 20 }));
  await api(url, `/api/events/${EVENT}/stock/receive`, { holder: 'reserve', lines });
  await api(url, `/api/events/${EVENT}/stock/transfer`, { from: RESERVE, to: ONLINE, lines: lines.map((l) => ({ ...l, qty: 5 })) });
}

/** Counts the sockets a client opens. */
function countingWebSocket(opened: string[]): typeof globalThis.WebSocket {
  class Counted extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols);
      opened.push(url);
    }
  }
  return Counted as unknown as typeof globalThis.WebSocket;
}

async function timeEventDocs(wsUrl: string): Promise<{ ms: number; sockets: number; docs: number }> {
  const opened: string[] = [];
  const t0 = performance.now();
  const docs = new EventDocs({ syncUrl: wsUrl, token: ADMIN, eventId: EVENT, notifyMs: 10, WebSocket: countingWebSocket(opened) });
  await new Promise<void>((resolve) => {
    const check = () => {
      const s = docs.state();
      if (s.total === BRANDS + 1 && s.synced === s.total) resolve();
      else setTimeout(check, 5);
    };
    check();
  });
  const ms = performance.now() - t0;
  docs.close();
  return { ms, sockets: opened.length, docs: BRANDS + 1 };
}

/** Before: one y-websocket provider per document (setup first, then each brand it names). */
async function timeProviders(wsUrl: string): Promise<{ ms: number; sockets: number }> {
  const opened: string[] = [];
  const Ws = countingWebSocket(opened);
  const t0 = performance.now();
  const open = (name: string) =>
    new Promise<WebsocketProvider>((resolve) => {
      const p = new WebsocketProvider(wsUrl, name, new Y.Doc(), { params: { token: ADMIN }, disableBc: true, WebSocketPolyfill: Ws });
      p.on('sync', (ok: boolean) => ok && resolve(p));
    });
  const setup = await open(setupDocName(EVENT));
  const brands = await Promise.all([...setup.doc.getMap('brands').keys()].map((id) => open(brandDocName(EVENT, id))));
  const ms = performance.now() - t0;
  for (const p of [setup, ...brands]) p.destroy();
  return { ms, sockets: opened.length };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const f = (n: number) => n.toFixed(0);

// Each y-websocket provider of the "before" run adds a process exit listener: 51 at once is expected here.
process.setMaxListeners(0);
const dataDir = await mkdtemp(join(tmpdir(), 'popup-console-bench-'));
const server = await startServer(dataDir);
try {
  await buildEvent(server.url);
  const wsUrl = `${server.url.replace('http', 'ws')}/sync`;
  const ours: Awaited<ReturnType<typeof timeEventDocs>>[] = [];
  const before: Awaited<ReturnType<typeof timeProviders>>[] = [];
  // Alternate, so both see the same machine; the first of each warms the server's copies of the documents.
  await timeEventDocs(wsUrl);
  for (let i = 0; i < RUNS; i++) {
    ours.push(await timeEventDocs(wsUrl));
    before.push(await timeProviders(wsUrl));
  }
  const oursMs = median(ours.map((r) => r.ms));
  const beforeMs = median(before.map((r) => r.ms));
  const sockets = Math.max(...ours.map((r) => r.sockets));
  const met = oursMs <= 2000 && sockets <= 4;
  console.log(`Console: a ${BRANDS}-brand event (${BRANDS + 1} documents, ${PRODUCTS} products each) on screen, median of ${RUNS}`);
  console.log(`  one multiplexed connection: ${f(oursMs)} ms on ${sockets} socket(s) (target ≤ 2,000 ms on ≤ 4: ${met ? 'met' : 'MISSED'})`);
  console.log(`  one provider per document:  ${f(beforeMs)} ms on ${before[0]!.sockets} sockets (ours / before: ${(oursMs / beforeMs).toFixed(2)} ×)`);
  const load = (await readFile('/proc/loadavg', 'utf8')).split(' ').slice(0, 3).join(', ');
  const section = [
    '## Console: a 50-brand event on screen',
    '',
    `\`npm run bench:console\` (bench/console-load.bench.ts), ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, load average ${load}. The real CLI in its own`,
    `process; an event of ${BRANDS} brands × ${PRODUCTS} products with stock received; the console's EventDocs timed from construction until`,
    `every document is synced, median of ${RUNS}, alternating with the way it worked before (one y-websocket provider per document).`,
    '',
    '<!-- at-a-glance:start -->',
    '| Figure | Measured | Target | | Reference | Ratio |',
    '|---|---:|---:|:---:|---:|---:|',
    `| console: ${BRANDS}-brand event on screen (\`npm run bench:console\`) | ${f(oursMs)} ms | ≤ 2,000 ms | ${oursMs <= 2000 ? 'met' : '**missed**'} | ${f(beforeMs)} ms (a socket per document) | ${(oursMs / beforeMs).toFixed(2)} × |`,
    `| console: connections for the event | ${sockets} | ≤ 4 | ${sockets <= 4 ? 'met' : '**missed**'} | ${before[0]!.sockets} | |`,
    '<!-- at-a-glance:end -->',
  ].join('\n');
  await writeFile(DOC, putMarkedSection(await readFile(DOC, 'utf8'), 'console', section));
} finally {
  server.proc.kill('SIGTERM');
  await new Promise((r) => server.proc.once('exit', r));
  await rm(dataDir, { recursive: true, force: true });
}
