import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as encoding from 'lib0/encoding';
import WebSocket from 'ws';
import { DEMO_EVENT_ID } from '../core/event/demo-event.ts';
import { brandDocName } from '../core/event/schema.ts';
import { sample } from './sync-server/procs.ts';

/**
 * `npm run bench:abuse`: the sync server under the abuse of issue #13, all at once, for `SECONDS`:
 *  - an awareness flood: 30 storefront connections each sending one 4 MiB awareness state, reconnecting
 *    whenever they are closed;
 *  - 300 TCP connections that never send a byte, reopened as they are closed;
 *  - 20 request bodies sent at one byte a second, reopened as they are closed.
 * It prints the server's RSS idle and at its peak under abuse (target: peak < 2 × idle) and the latency of
 * `/healthz` under abuse (target: p99 ≤ 50 ms). The server is the real CLI (sync-server/cli.ts --demo) in its
 * own process, so its RSS is its own. Prints figures; never fails on timing.
 */
const SECONDS = Number(process.env['ABUSE_SECONDS'] ?? 20);
const CLI = fileURLToPath(new URL('../sync-server/cli.ts', import.meta.url));
const MiB = 1024 * 1024;

async function startServer(dataDir: string): Promise<{ proc: ChildProcess; url: string; storefrontToken: string }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', CLI, '--port', '0', '--data', dataDir, '--demo'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  return new Promise((resolve, reject) => {
    proc.on('exit', (code) => reject(new Error(`the server exited (${code}) before it was ready:\n${out}`)));
    proc.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const url = /sync server on (http:\/\/[^\s/]+)/.exec(out)?.[1];
      const token = /Storefront token: (\S+)/.exec(out)?.[1];
      if (url && token) resolve({ proc, url, storefrontToken: token });
    });
  });
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

/** An awareness message with one client whose state is `bytes` long. */
function bigAwareness(bytes: number): Uint8Array {
  const state = JSON.stringify({ blob: 'x'.repeat(bytes) });
  const inner = encoding.createEncoder();
  encoding.writeVarUint(inner, 1);
  encoding.writeVarUint(inner, 4242);
  encoding.writeVarUint(inner, 1);
  encoding.writeVarString(inner, state);
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, 1);
  encoding.writeVarUint8Array(e, encoding.toUint8Array(inner));
  return encoding.toUint8Array(e);
}

async function healthz(url: string, ms: number): Promise<number[]> {
  const lat: number[] = [];
  const end = performance.now() + ms;
  while (performance.now() < end) {
    const t = performance.now();
    await (await fetch(`${url}/healthz`)).text();
    lat.push(performance.now() - t);
    await new Promise((r) => setTimeout(r, 20));
  }
  return lat.sort((a, b) => a - b);
}

async function main(): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'popup-abuse-'));
  const server = await startServer(dataDir);
  const pid = server.proc.pid!;
  try {
    await new Promise((r) => setTimeout(r, 3000));
    const idleLat = await healthz(server.url, 3000);
    const idleRss = sample(pid).rssBytes;

    // The attack runs in its own process: sending 4 MiB frames busies an event loop, and the /healthz timings
    // taken here must be the server's, not the attacker's.
    const attacker = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--attack', server.url, server.storefrontToken], { stdio: ['ignore', 'pipe', 'inherit'] });
    let attackReport = '';
    attacker.stdout!.on('data', (c: Buffer) => (attackReport += c.toString()));
    await new Promise((r) => setTimeout(r, 1000));
    let peakRss = idleRss;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, sample(pid).rssBytes)), 250);
    const abuseLat = await healthz(server.url, SECONDS * 1000);
    clearInterval(sampler);
    attacker.kill('SIGTERM');
    await new Promise((r) => attacker.once('exit', r));
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    const refused = /popup_awareness_refused_total (\d+)/.exec(metrics)?.[1] ?? '?';

    const f = (n: number) => n.toFixed(1);
    console.log(`\nSync server under abuse for ${SECONDS} s (awareness flood ×30, 300 silent connections, 20 slow bodies, at once)`);
    console.log(`  ${attackReport.trim()}; awareness refused (metric) ${refused}`);
    console.log(`  RSS idle ${f(idleRss / MiB)} MiB, peak under abuse ${f(peakRss / MiB)} MiB: ${f(peakRss / idleRss)} × idle (target < 2 ×: ${peakRss < 2 * idleRss ? 'met' : 'MISSED'})`);
    console.log(`  /healthz idle p50 ${f(percentile(idleLat, 50))} ms, p99 ${f(percentile(idleLat, 99))} ms (${idleLat.length} requests)`);
    console.log(`  /healthz under abuse p50 ${f(percentile(abuseLat, 50))} ms, p99 ${f(percentile(abuseLat, 99))} ms (${abuseLat.length} requests; target p99 ≤ 50 ms: ${percentile(abuseLat, 99) <= 50 ? 'met' : 'MISSED'})`);
  } finally {
    server.proc.kill('SIGTERM');
    await new Promise((r) => server.proc.once('exit', r));
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** The attacker's side (`--attack <url> <storefront token>`): runs until killed, then says what it did. */
function attack(url: string, storefrontToken: string): void {
  const { port, hostname } = new URL(url);
  let stopping = false;
  const state = bigAwareness(4 * MiB);
  let awarenessSent = 0;
  let awarenessClosed = 0;
  const flooder = () => {
    if (stopping) return;
    const ws = new WebSocket(`${url.replace('http', 'ws')}/sync/${brandDocName(DEMO_EVENT_ID, 'north-thread')}?token=${encodeURIComponent(storefrontToken)}`, { maxPayload: 64 * MiB });
    ws.on('open', () => {
      ws.send(state);
      awarenessSent++;
    });
    ws.on('error', () => undefined);
    ws.on('close', () => {
      awarenessClosed++;
      setTimeout(flooder, 100);
    });
  };
  let idleOpened = 0;
  const silent = () => {
    if (stopping) return;
    const s = connect(Number(port), hostname);
    idleOpened++;
    s.on('error', () => undefined);
    s.on('close', () => {
      setTimeout(silent, 100);
    });
  };
  let slowOpened = 0;
  const slow = () => {
    if (stopping) return;
    const s = connect(Number(port), hostname, () => s.write(`POST /api/pair HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n`));
    slowOpened++;
    const drip = setInterval(() => s.writable && s.write(' '), 1000);
    s.on('error', () => undefined);
    s.on('close', () => {
      clearInterval(drip);
      setTimeout(slow, 100);
    });
  };
  for (let i = 0; i < 30; i++) flooder();
  for (let i = 0; i < 300; i++) silent();
  for (let i = 0; i < 20; i++) slow();
  process.on('SIGTERM', () => {
    stopping = true;
    process.stdout.write(`awareness states sent ${awarenessSent} (connections closed ${awarenessClosed}), silent connections opened ${idleOpened}, slow bodies opened ${slowOpened}\n`, () => process.exit(0));
  });
}

const attackAt = process.argv.indexOf('--attack');
if (attackAt >= 0) attack(process.argv[attackAt + 1]!, process.argv[attackAt + 2]!);
else await main();
