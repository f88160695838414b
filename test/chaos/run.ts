import { chromium, type Browser } from '@playwright/test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { DEMO_EVENT_ID, DEMO_PRODUCTS } from '../../core/event/demo-event.ts';
import { tillHolder } from '../../core/ledger/holders.ts';
import { brandDocName, setupDocName, tillDocName } from '../../core/event/schema.ts';
import { CHROMIUM_ARGS } from '../../playwright.config.ts';
import { BrowserTill } from './browser-till.ts';
import { runChecks, type CheckResult, type ServerReplica, type TillReplica } from './checks.ts';
import { NodeTill } from './node-till.ts';
import { OnlineShop } from './online.ts';
import { Prng } from './prng.ts';
import { ChaosLink, DEFAULT_FAULTS, type LinkFaults } from './proxy.ts';
import { RunRecord } from './record.ts';
import { loadavg } from 'node:os';
import { ownerOf, startCluster, throwawayDatabase } from '../cluster-processes.ts';
import { ServerProcess, type DemoTokens } from './server-process.ts';

/**
 * One chaos run: a sync server in its own process, Node tills and browser tills each behind its own
 * ChaosLink, and the online drop, all acting at random from one seed while links are cut, the server is
 * SIGKILLed and restarted and tills reload in the middle of sales. Then everything is reconnected, the run
 * waits until every replica has caught up, and the invariants are checked (checks.ts).
 */
export interface ChaosOptions {
  seed: number;
  nodeTills: number;
  browserTills: number;
  /** How long the faults and the traffic last, before the settle. */
  durationMs: number;
  /** Mean gap between a Node till's actions. */
  nodeActionMs: [number, number];
  browserActionMs: [number, number];
  orderEveryMs: [number, number];
  /** Gap between server kills and how long it stays down. */
  killEveryMs: [number, number];
  /**
   * Instead of `killEveryMs`: exactly this many SIGKILLs, spread evenly over the chaos (each at a random point
   * of its own slot), each restart waiting until the server serves again. `--kills 20`.
   */
  kills?: number;
  /**
   * `--cluster N`: N server processes on one PostgreSQL (a throwaway embedded one), the links spread over them
   * as a load balancer would (moving to a live process while theirs is down), and each fault slot hits the
   * process that owns the event: a SIGKILL, or a stall (SIGSTOP past its lease, then SIGCONT) after which it
   * must not write. Undefined: one process on the embedded store.
   */
  cluster?: number;
  /** The server's `--compact-every` (default 500): lower makes compaction run often under the traffic. */
  compactEvery?: number;
  downMs: [number, number];
  /** Per link: gap between cuts and how long a cut lasts. */
  cutEveryMs: [number, number];
  cutMs: [number, number];
  nodeReloadChance: number;
  browserReloadMidSaleChance: number;
  browserReloadAfterSaleChance: number;
  overrideChance: number;
  faults: LinkFaults;
  settleTimeoutMs: number;
  log?: (line: string) => void;
}

export function chaosOptions(p: { seed: number; tills: number; browsers: number; minutes: number; kills?: number; cluster?: number }): ChaosOptions {
  const long = p.minutes >= 3;
  return {
    ...(p.kills !== undefined ? { kills: p.kills } : {}),
    ...(p.cluster !== undefined ? { cluster: p.cluster } : {}),
    // Compaction every 50 updates: a 10-minute run compacts each brand document many times between kills.
    compactEvery: 50,
    seed: p.seed,
    nodeTills: p.tills - p.browsers,
    browserTills: p.browsers,
    durationMs: Math.round(p.minutes * 60_000),
    nodeActionMs: [250, 1200],
    browserActionMs: [500, 2500],
    orderEveryMs: [300, 1500],
    killEveryMs: long ? [20_000, 60_000] : [8_000, 14_000],
    downMs: [300, 3000],
    cutEveryMs: [2_000, 10_000],
    cutMs: [200, 3000],
    nodeReloadChance: 0.06,
    browserReloadMidSaleChance: 0.1,
    browserReloadAfterSaleChance: 0.08,
    overrideChance: 0.01,
    faults: DEFAULT_FAULTS,
    settleTimeoutMs: 120_000,
  };
}

export interface ChaosReport {
  seed: number;
  options: ChaosOptions;
  checks: CheckResult[];
  passed: boolean;
  table: [string, string | number][];
  errors: string[];
  elapsedMs: number;
  /** The machine's load average (1, 5, 15 min) at the end: other sessions share these cores. */
  load: number[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function organiser(url: string, token: string, method: string, path: string, body: unknown): Promise<unknown> {
  const res = await fetch(`${url}${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${path} → ${res.status} ${text}`);
  return JSON.parse(text) as unknown;
}

const TILL_KINDS = [
  { locationId: 'booth-a', brandIds: ['north-thread', 'mellow-ceramics'] },
  { locationId: 'booth-b', brandIds: ['second-life'] },
  { locationId: 'booth-b', brandIds: ['second-life', 'north-thread'] },
];

export async function runChaos(o: ChaosOptions): Promise<ChaosReport> {
  const started = Date.now();
  const log = o.log ?? (() => undefined);
  const rng = new Prng(o.seed);
  const record = new RunRecord();
  const workDir = await mkdtemp(join(tmpdir(), 'popup-chaos-'));
  const serverArgs = o.compactEvery ? ['--compact-every', String(o.compactEvery)] : [];
  const db = o.cluster ? await throwawayDatabase() : undefined;
  let procs: ServerProcess[] = [];
  /** Any process that runs (the first when all are down): every one answers for the event. */
  const anyLive = () => procs.find((p) => p.running && !p.paused) ?? procs[0]!;
  const links: ChaosLink[] = [];
  const nodeTills: NodeTill[] = [];
  const browserTills: BrowserTill[] = [];
  let browser: Browser | undefined;
  const providers: WebsocketProvider[] = [];
  try {
    let tokens: DemoTokens;
    if (db) {
      const cluster = await startCluster({ n: o.cluster!, storeUrl: db.url, workDir, serverArgs });
      procs = cluster.procs;
      tokens = cluster.tokens;
      log(`${procs.length} server processes on PostgreSQL: ${procs.map((p) => p.url).join(', ')}`);
    } else {
      procs = [new ServerProcess(join(workDir, 'server-data'), serverArgs)];
      tokens = await procs[0]!.startWithDemo();
      log(`server on ${procs[0]!.url} (data ${workDir})`);
    }
    const server = () => anyLive();
    // Link k goes to process k (mod N) while it runs, else to one that does: what a load balancer does.
    const targetOf = (k: number) => () => {
      const mine = procs[k % procs.length]!;
      const up = procs.filter((p) => p.running);
      const p = mine.running || up.length === 0 ? mine : up[k % up.length]!;
      return { host: '127.0.0.1', port: p.port };
    };
    const newLink = async (name: string) => {
      const l = new ChaosLink(name, targetOf(links.length), rng.fork(`link:${name}`), o.faults);
      await l.listen();
      links.push(l);
      return l;
    };

    // Stock for the run: a large delivery into the reserve, then each till gets its share.
    const plenty = DEMO_PRODUCTS.map((p) => ({ brandId: p.brandId, sku: p.sku, qty: p.serialTracked ? 40 : 4000 }));
    await organiser(server().url, tokens.organiserToken, 'POST', `/api/events/${DEMO_EVENT_ID}/stock/receive`, { holder: 'reserve', lines: plenty, ref: 'chaos delivery' });
    const makeTill = async (name: string, kind: (typeof TILL_KINDS)[number], perSku: number) => {
      const code = (await organiser(server().url, tokens.organiserToken, 'POST', `/api/events/${DEMO_EVENT_ID}/pairing-codes`, { name, ...kind })) as { code: string; tillId: string };
      const lines = DEMO_PRODUCTS.filter((p) => kind.brandIds.includes(p.brandId) && !p.serialTracked).map((p) => ({ brandId: p.brandId, sku: p.sku, qty: perSku }));
      await organiser(server().url, tokens.organiserToken, 'POST', `/api/events/${DEMO_EVENT_ID}/stock/transfer`, { from: 'reserve', to: tillHolder(code.tillId), lines });
      return code;
    };

    for (let i = 0; i < o.nodeTills; i++) {
      const name = `node-${i + 1}`;
      const till = new NodeTill(name, await newLink(name), rng.fork(name), record);
      await till.open();
      const code = await makeTill(`Chaos ${name}`, TILL_KINDS[i % TILL_KINDS.length]!, 30);
      await till.pair(code.code);
      nodeTills.push(till);
    }
    if (o.browserTills > 0) {
      browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
      for (let i = 0; i < o.browserTills; i++) {
        const name = `browser-${i + 1}`;
        const till = new BrowserTill(name, await newLink(name), rng.fork(name), record);
        await till.open(browser);
        const code = await makeTill(`Chaos ${name}`, TILL_KINDS[0]!, 400);
        await till.pair(code.code);
        browserTills.push(till);
      }
    }
    const shopLink = await newLink('online');
    const shop = new OnlineShop(shopLink, DEMO_EVENT_ID, tokens.storefrontToken, rng.fork('online'), record);
    for (const t of nodeTills) await waitFor(() => t.ready && t.sync?.current.state === 'online', `${t.name} to download its event`, 60_000);
    log(`${nodeTills.length} Node tills, ${browserTills.length} browser tills paired; chaos for ${Math.round(o.durationMs / 1000)} s, seed ${o.seed}`);

    // ---- the chaos -------------------------------------------------------------------------------------
    const end = Date.now() + o.durationMs;
    const running = () => Date.now() < end;
    const loops: Promise<void>[] = [];
    const every = (r: Prng, [min, max]: [number, number]) => sleep(r.int(min, max));
    for (const t of nodeTills) {
      const r = rng.fork(`pace:${t.name}`);
      loops.push(
        (async () => {
          while (running()) {
            await every(r, o.nodeActionMs);
            await t.act({ reloadChance: o.nodeReloadChance, overrideChance: o.overrideChance });
          }
        })(),
      );
    }
    for (const t of browserTills) {
      const r = rng.fork(`pace:${t.name}`);
      loops.push(
        (async () => {
          while (running()) {
            await every(r, o.browserActionMs);
            await t.sell({ reloadMidSale: r.chance(o.browserReloadMidSaleChance), reloadAfter: r.chance(o.browserReloadAfterSaleChance) });
          }
        })(),
      );
    }
    {
      const r = rng.fork('pace:online');
      loops.push(
        (async () => {
          while (running()) {
            await every(r, o.orderEveryMs);
            await shop.checkout(end + o.settleTimeoutMs);
          }
        })(),
      );
    }
    for (const l of links) {
      const r = rng.fork(`cuts:${l.name}`);
      loops.push(
        (async () => {
          while (running()) {
            await every(r, o.cutEveryMs);
            l.cut();
            await every(r, o.cutMs);
            l.restore();
          }
        })(),
      );
    }
    {
      const r = rng.fork('kills');
      const killOnce = async () => {
        // In a cluster the fault hits the process serving the event (the others only forward).
        const victim = o.cluster ? ((await ownerOf(procs, DEMO_EVENT_ID)) ?? procs[0]!) : procs[0]!;
        if (o.cluster && r.chance(0.5)) {
          // A stall past the lease (3 s): another process takes the event; the stalled one must not write.
          victim.pause();
          record.counters.ownerStalls++;
          log(`SIGSTOP of the owner ${victim.url} at +${Math.round((Date.now() - started) / 1000)} s`);
          await sleep(r.int(3500, 6000));
          victim.resume();
          return;
        }
        await victim.kill();
        record.counters.serverKills++;
        log(`SIGKILL #${record.counters.serverKills}${o.cluster ? ` (the owner ${victim.url})` : ''} at +${Math.round((Date.now() - started) / 1000)} s`);
        await every(r, o.downMs);
        await victim.restart();
      };
      loops.push(
        o.kills !== undefined
          ? (async () => {
              // Slot k of `kills` equal slots: the kill lands at a random point of its slot, never before the
              // previous restart has finished (restart waits until the server serves again).
              const chaosStart = Date.now();
              const slot = o.durationMs / o.kills!;
              for (let k = 0; k < o.kills!; k++) {
                const at = chaosStart + slot * k + r.int(0, Math.max(0, Math.floor(slot * 0.6)));
                await sleep(Math.max(0, at - Date.now()));
                await killOnce();
              }
            })()
          : (async () => {
              for (;;) {
                await every(r, o.killEveryMs);
                if (!running()) return;
                await killOnce();
              }
            })(),
      );
    }
    await Promise.all(loops);

    // ---- acknowledged means durable: one last SIGKILL with every till cut off, then read the store -------
    // The tills stay cut until the server has been read, so none can resend what the store may have lost (a
    // till's sync step 2 would otherwise hide the loss).
    for (const l of links) l.cut();
    for (const p of procs) await p.kill();
    record.counters.serverKills++;
    await Promise.all(procs.map((p) => p.restart()));
    const durability = await checkAcknowledged(server().url, tokens.organiserToken, nodeTills, record);
    log(`after the final SIGKILL: ${durability.detail}`);

    // ---- settle: everything reconnected, wait until every replica has what the server has ---------------
    for (const l of links) l.restore();
    for (const p of procs) if (!p.running) await p.restart();
    log(`chaos over at +${Math.round((Date.now() - started) / 1000)} s; settling`);
    const docNames = [setupDocName(DEMO_EVENT_ID), ...['north-thread', 'second-life', 'mellow-ceramics'].map((b) => brandDocName(DEMO_EVENT_ID, b))];
    const tillIds = [...nodeTills.map((t) => t.profile!.tillId)];
    const serverDocs = new Map<string, Y.Doc>();
    // Each y-websocket provider listens for the process's exit: one per document read here.
    process.setMaxListeners(Math.max(process.getMaxListeners(), docNames.length + nodeTills.length + browserTills.length + 10));
    const readServer = (name: string) => {
      const doc = new Y.Doc();
      serverDocs.set(name, doc);
      providers.push(
        new WebsocketProvider(`${server().url.replace('http', 'ws')}/sync`, name, doc, {
          WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
          params: { token: tokens.organiserToken },
          disableBc: true,
          maxBackoffTime: 500,
        }),
      );
    };
    for (const n of docNames) readServer(n);
    for (const id of tillIds) readServer(tillDocName(DEMO_EVENT_ID, id));
    // Browser till ids come from their setup: the till documents the server has for them.
    await waitFor(() => providers.every((p) => p.synced), 'the organiser to read every document', 60_000);

    const svEqual = (a: Uint8Array, b: Uint8Array) => {
      const x = Y.decodeStateVector(a);
      const y = Y.decodeStateVector(b);
      return x.size === y.size && [...x].every(([c, n]) => y.get(c) === n);
    };
    const settled = async (): Promise<string | undefined> => {
      for (const t of nodeTills) {
        if ((await t.outboxSize()) > 0) return `${t.name} has an outbox`;
        for (const [name, sv] of t.stateVectors()) {
          const s = serverDocs.get(name);
          if (s && !svEqual(sv, Y.encodeStateVector(s))) return `${t.name} ${name} differs from the server`;
        }
      }
      for (const t of browserTills) {
        const r = await t.replica();
        if (r.outbox > 0) return `${t.name} has an outbox of ${r.outbox}`;
        for (const [name, sv] of r.stateVectors) {
          const s = serverDocs.get(name);
          if (s && !svEqual(sv, Y.encodeStateVector(s))) return `${t.name} ${name} differs from the server`;
        }
      }
      return undefined;
    };
    const settleEnd = Date.now() + o.settleTimeoutMs;
    let why = await settled();
    let said = Date.now();
    while (why && Date.now() < settleEnd) {
      await sleep(500);
      why = await settled();
      if (why && Date.now() - said > 5000) {
        log(`still settling: ${why}`);
        said = Date.now();
      }
    }
    if (why) record.errors.push(`not settled after ${o.settleTimeoutMs / 1000} s: ${why}`);
    log(`settled at +${Math.round((Date.now() - started) / 1000)} s${why ? ` (NOT: ${why})` : ''}`);

    // ---- read every replica and check ------------------------------------------------------------------
    const tills: TillReplica[] = [];
    for (const t of nodeTills) {
      t.stop();
      const r = await t.replica();
      tills.push({ name: t.name, tillId: t.profile!.tillId, ...r, reorderedToServer: t.link.stats.reorderedToServer });
    }
    for (const t of browserTills) {
      const r = await t.replica();
      const tillDoc = [...r.docs.keys()].find((n) => n.includes('/till/'));
      const tillId = tillDoc ? tillDoc.slice(tillDoc.lastIndexOf('/') + 1) : '?';
      if (tillDoc && !serverDocs.has(tillDoc)) {
        readServer(tillDoc);
      }
      tills.push({ name: t.name, tillId, docs: r.docs, sales: r.sales, stock: r.stock, reorderedToServer: t.link.stats.reorderedToServer });
    }
    await waitFor(() => providers.every((p) => p.synced), 'the organiser to read the browser tills’ documents', 60_000);
    const summary = (await fetchJson(`${server().url}/api/events/${DEMO_EVENT_ID}/summary`, tokens.organiserToken)) as ServerReplica['summary'];
    const rejections = ((await fetchJson(`${server().url}/api/events/${DEMO_EVENT_ID}/rejections`, tokens.organiserToken)) as { rejections: ServerReplica['rejections'] }).rejections;
    const checks = runChecks(
      { docs: serverDocs, brandIds: ['north-thread', 'second-life', 'mellow-ceramics'], brandDocName: (b) => brandDocName(DEMO_EVENT_ID, b), summary, rejections },
      tills,
      record,
    );
    checks.unshift(durability);
    if (why) checks.push({ name: 'settled', problems: [why], detail: '' });
    const c = record.counters;
    const sum = (k: keyof ChaosLink['stats']) => links.reduce((a, l) => a + l.stats[k], 0);
    const table: [string, string | number][] = [
      ['seed', o.seed],
      ['tills (Node + browser)', `${o.nodeTills} + ${o.browserTills}`],
      ['chaos duration', `${Math.round(o.durationMs / 1000)} s`],
      ['sales confirmed (browser)', `${c.sales} (${c.salesBrowser})`],
      ['manager overrides', c.overrides],
      ['refunds (of another till’s sale)', `${c.refunds} (${c.crossTillRefunds})`],
      ['refund rights claims / refund overrides', `${c.refundClaims} / ${c.refundOverrides}`],
      ['transfers to the hub', c.transfers],
      ['rights requests', c.rightsRequests],
      ['online orders 201 / refused', `${c.orders} / ${c.ordersRefused}`],
      ['order retries (same key)', c.orderRetries],
      ['duplicates suppressed (Idempotent-Replayed)', c.orderReplays],
      ...(o.cluster ? [['server processes on one PostgreSQL', o.cluster] as [string, number], ['owner stalls (SIGSTOP past its lease, then SIGCONT)', c.ownerStalls] as [string, number]] : []),
      [o.cluster ? 'SIGKILLs of the owner (the last: every process, every till cut off)' : 'server SIGKILLs (the last with every till cut off)', c.serverKills],
      ['acknowledged updates (Node tills) checked / lost', `${durability.acked} / ${durability.lostAcked}`],
      ['answered orders checked / lost', `${record.orders.length} / ${durability.lostOrders}`],
      ['sales or orders duplicated', duplicates(checks)],
      ['link cuts', sum('cuts')],
      ['connections refused while cut', sum('refused')],
      ['WebSocket messages duplicated', sum('duplicated')],
      ['WebSocket messages reordered (till → server)', `${sum('reordered')} (${sum('reorderedToServer')})`],
      ['WebSocket connections with a slow server start', sum('slowStarts')],
      ['frames through the links', sum('frames')],
      ['reloads (Node / browser)', `${c.reloadsNode} / ${c.reloadsBrowser}`],
      ['sales interrupted by a reload', c.interruptedSales],
      ['action errors', c.actionErrors],
    ];
    const errors = [...record.errorKinds].map(([kind, n]) => `${n} × ${record.errors.find((e) => e.replace(/[0-9]+/g, '#') === kind) ?? kind}`);
    return { seed: o.seed, options: o, checks, passed: checks.every((x) => x.problems.length === 0), table, errors: [...errors, ...record.errors.filter((e) => e.startsWith('not settled'))], elapsedMs: Date.now() - started, load: loadavg() };
  } catch (err) {
    const tail = procs.flatMap((p) => p.log.slice(-Math.ceil(20 / Math.max(1, procs.length)))).join('\n');
    throw new Error(`chaos run (seed ${o.seed}) failed: ${err instanceof Error ? err.stack : String(err)}\nserver log tail:\n${tail}`, { cause: err });
  } finally {
    for (const p of providers) p.destroy();
    for (const t of nodeTills) {
      try {
        t.stop();
      } catch {
        // already stopped
      }
    }
    for (const t of browserTills) await t.close();
    await browser?.close();
    for (const l of links) await l.close();
    for (const p of procs) await p.stop();
    await db?.stop();
    await rm(workDir, { recursive: true, force: true });
  }
}

/**
 * After the final restart, before any till reconnects: every outbox row a Node till had acknowledged is in
 * the server's store (each struct below the stored state vector), and every order answered 201 has its sales.
 */
async function checkAcknowledged(url: string, organiserToken: string, tills: NodeTill[], record: RunRecord): Promise<CheckResult & { acked: number; lostAcked: number; lostOrders: number }> {
  const names = new Set<string>(['north-thread', 'second-life', 'mellow-ceramics'].map((b) => brandDocName(DEMO_EVENT_ID, b)));
  for (const t of tills) for (const a of t.acked.values()) names.add(a.doc);
  const docs = new Map<string, Y.Doc>();
  const readers = [...names].map((name) => {
    const doc = new Y.Doc();
    docs.set(name, doc);
    return new WebsocketProvider(`${url.replace('http', 'ws')}/sync`, name, doc, { WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket, params: { token: organiserToken }, disableBc: true, maxBackoffTime: 500 });
  });
  try {
    await waitFor(() => readers.every((p) => p.synced), 'the organiser to read the store after the final restart', 60_000);
    const problems: string[] = [];
    let acked = 0;
    let lostAcked = 0;
    for (const t of tills) {
      for (const [seq, a] of t.acked) {
        acked++;
        const doc = docs.get(a.doc)!;
        const missing = Y.decodeUpdate(a.update).structs.filter((st) => st.id.clock + st.length > Y.getState(doc.store, st.id.client));
        if (missing.length) {
          lostAcked++;
          problems.push(`${t.name} row ${seq} of ${a.doc}: acknowledged, not in the store (client ${missing[0]!.id.client} clock ${missing[0]!.id.clock})`);
        }
      }
    }
    const sales = new Set<string>();
    for (const [name, doc] of docs) if (name.includes('/brand/')) for (const k of doc.getMap('sales').keys()) sales.add(k);
    const lostOrders = record.orders.filter((o) => o.sales.some((id) => !sales.has(id)));
    for (const o of lostOrders) problems.push(`order ${o.orderId} (${o.receiptNumber}) answered 201, its sales not in the store`);
    return {
      name: 'acknowledged updates and answered orders survive SIGKILL',
      problems,
      detail: `${acked} acknowledged outbox rows and ${record.orders.length} answered orders checked against the store right after the final SIGKILL: ${lostAcked} rows and ${lostOrders.length} orders missing`,
      acked,
      lostAcked,
      lostOrders: lostOrders.length,
    };
  } finally {
    for (const p of readers) p.destroy();
  }
}

/** Duplicates the exactly-once checks found (a sale twice, a receipt number reused, a key with two orders). */
function duplicates(checks: CheckResult[]): number {
  return checks
    .filter((c) => c.name.includes('exactly once'))
    .flatMap((c) => c.problems)
    .filter((p) => /found (?:[2-9]|\d{2,}) times|answered with \d+ orders|names \d+ checkouts/.test(p)).length;
}

async function fetchJson(url: string, token: string): Promise<unknown> {
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  if (res.status !== 200) throw new Error(`GET ${url} → ${res.status}`);
  return res.json();
}

async function waitFor(check: () => boolean, what: string, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** The report as text: the seed first (to replay), the table of what happened, each check. */
export function formatReport(r: ChaosReport): string {
  const w = Math.max(...r.table.map(([k]) => k.length));
  const out = [`Chaos run — seed ${r.seed} (replay: npm run test:chaos -- --seed ${r.seed} --tills ${r.options.nodeTills + r.options.browserTills} --browsers ${r.options.browserTills} --minutes ${Number((r.options.durationMs / 60_000).toFixed(2))}${r.options.kills !== undefined ? ` --kills ${r.options.kills}` : ''}${r.options.cluster ? ` --cluster ${r.options.cluster}` : ''})`, ''];
  for (const [k, v] of r.table) out.push(`  ${k.padEnd(w)}  ${v}`);
  out.push('');
  for (const c of r.checks) {
    out.push(`  ${c.problems.length ? 'FAIL' : 'ok  '} ${c.name}: ${c.detail}`);
    for (const p of c.problems.slice(0, 15)) out.push(`         - ${p}`);
    if (c.problems.length > 15) out.push(`         … and ${c.problems.length - 15} more`);
  }
  if (r.errors.length) {
    out.push('', '  unplanned errors (count × first example):');
    for (const e of r.errors.slice(0, 20)) out.push(`    ${e}`);
  }
  out.push('', `  ${r.passed ? 'PASSED' : 'FAILED'} in ${Math.round(r.elapsedMs / 1000)} s`);
  return out.join('\n');
}
