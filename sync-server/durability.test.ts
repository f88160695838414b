import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { DEMO_EVENT_ID, DEMO_PRODUCTS } from '../core/event/demo-event.ts';
import type { LedgerEntry } from '../core/ledger/ledger.ts';
import type { Sale } from '../core/selling/sale.ts';
import { BrandDoc, brandDocName, setupDocName } from '../core/event/schema.ts';
import { CloseCode } from './close-codes.ts';
import { ackedClock, collectAcks, copyOfServerDoc, demoWorld, pairTill, synced, TillWriter, until, viewOf, type World } from './test-support.ts';

/**
 * Durability: an update the server has acknowledged (message type 100, `?ack=1`) survives the server
 * process being killed outright. The first test runs the real CLI in a child process and SIGKILLs it in the
 * middle of a stream of sales; the second pins down, in-process, what an acknowledgement may claim.
 */
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const ADMIN_TOKEN = 'durability-admin-token-0123456789';
const northThread = brandDocName(DEMO_EVENT_ID, 'north-thread');

interface Cli {
  child: ChildProcess;
  /** Resolves with the exit code and signal (listened for from the start, so it is never missed). */
  exited: Promise<[number | null, NodeJS.Signals | null]>;
  url: string;
  pairingCodes: string[];
  organiserToken: string;
}

const children: { child: ChildProcess; exited: Promise<unknown> }[] = [];
const providers: WebsocketProvider[] = [];
const dirs: string[] = [];
let w: World | undefined;

afterEach(async () => {
  for (const p of providers.splice(0)) p.destroy();
  for (const { child, exited } of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  }
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
  await w?.stop();
  w = undefined;
});

/** Starts `sync-server/cli.ts --demo` on a free port (127.0.0.1) and reads what it prints. */
async function startCli(dataDir: string, extra: string[] = []): Promise<Cli> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'sync-server/cli.ts', '--host', '127.0.0.1', '--port', '0', '--data', dataDir, '--demo', ...extra], {
    cwd: ROOT,
    env: { ...process.env, POPUP_ADMIN_TOKEN: ADMIN_TOKEN },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  children.push({ child, exited });
  const lines: string[] = [];
  let stderr = '';
  createInterface({ input: child.stdout! }).on('line', (l) => lines.push(l));
  child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
  await until(() => lines.some((l) => l.includes('Organiser token:')) || child.exitCode !== null, 'the CLI to start and seed the demo', 20_000).catch((err: unknown) => {
    throw new Error(`${String(err)}\nstdout:\n${lines.join('\n')}\nstderr:\n${stderr}`);
  });
  if (child.exitCode !== null) throw new Error(`the CLI exited with ${child.exitCode}:\n${lines.join('\n')}\n${stderr}`);
  const url = /sync server on (http:\/\/127\.0\.0\.1:\d+)\//.exec(lines.join('\n'))?.[1];
  const organiserToken = /Organiser token:\s+(\S+)/.exec(lines.join('\n'))?.[1];
  const pairingCodes = lines.flatMap((l) => /pairing code (\S+)/.exec(l)?.[1] ?? []);
  // Two booth tills and the east hub's till (demo-seed.ts).
  if (!url || !organiserToken || pairingCodes.length !== 3) throw new Error(`unexpected CLI output:\n${lines.join('\n')}`);
  return { child, exited, url, pairingCodes, organiserToken };
}

function connect(baseUrl: string, docName: string, token: string, doc: Y.Doc, params: Record<string, string> = {}): WebsocketProvider {
  const p = new WebsocketProvider(`${baseUrl.replace('http', 'ws')}/sync`, docName, doc, {
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    params: { token, ...params },
    disableBc: true,
    maxBackoffTime: 200,
  });
  providers.push(p);
  return p;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('durability', () => {
  it('loses no acknowledged sale when the server process is killed with SIGKILL in the middle of a stream of sales', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'popup-durability-'));
    dirs.push(dataDir);
    const first = await startCli(dataDir);
    const till = await pairTill(first.url, first.pairingCodes[0]!);
    const tillDoc = new Y.Doc();
    const tillClient = connect(first.url, northThread, till.token, tillDoc, { ack: '1' });
    const acks = collectAcks(tillClient);
    await synced(tillClient);
    const me = tillDoc.clientID;
    const setup = connect(first.url, setupDocName(DEMO_EVENT_ID), till.token, new Y.Doc());
    await synced(setup);
    const writer = new TillWriter(till, 'north-thread', tillDoc, setup.doc);
    const skus = DEMO_PRODUCTS.filter((p) => p.brandId === 'north-thread').map((p) => p.sku);
    const opening = new Map(skus.map((sku) => [sku, writer.rights(sku)]));

    // 50 sales, one transaction (one update) each, sent without waiting for acknowledgements (yielding to
    // I/O between them) so that some are in flight when the process is killed, from inside the handler of
    // the acknowledgement that covers the 25th.
    const SALES = 50;
    const KILL_AFTER = 25;
    const sent: { sale: Sale; entries: LedgerEntry[]; clock: number }[] = [];
    let killed = false;
    const collect = tillClient.messageHandlers[100]!;
    tillClient.messageHandlers[100] = (...args) => {
      collect(...args);
      const target = sent[KILL_AFTER - 1];
      if (!killed && target && ackedClock(acks, me) >= target.clock) {
        killed = first.child.kill('SIGKILL');
      }
    };
    for (let i = 0; i < SALES && !killed; i++) {
      const { sale, entries } = writer.sell(skus[i % skus.length]!, 1);
      sent.push({ sale, entries, clock: Y.getState(tillDoc.store, me) });
      await new Promise((r) => setImmediate(r));
    }
    if (!killed) {
      // Everything was sent before the 25th acknowledgement came back: the handler still kills then.
      await until(() => killed, 'the 25th sale to be acknowledged', 10_000);
    }
    const [, signal] = await first.exited;
    expect(signal).toBe('SIGKILL');
    // Every acknowledgement the server managed to send counts, including any still in the socket when it died.
    await until(() => !tillClient.wsconnected, 'the till to notice the server is gone');
    tillClient.disconnect();
    const acknowledgedClock = ackedClock(acks, me);
    const acknowledged = sent.filter((s) => s.clock <= acknowledgedClock);
    expect(acknowledged.length).toBeGreaterThanOrEqual(KILL_AFTER);

    // Restart on the same data folder and read through an organiser client.
    const second = await startCli(dataDir);
    const organiser = connect(second.url, northThread, second.organiserToken, new Y.Doc());
    await synced(organiser);
    const brand = new BrandDoc(organiser.doc);
    for (const { sale, entries } of acknowledged) {
      expect(brand.saleById(sale.id)).toEqual(sale);
      expect(brand.ledger().items.filter((e) => e.id === entries[0]!.id)).toEqual(entries);
    }
    // What survived is exactly the first k sales sent (Yjs keeps a client's updates in order), k ≥ acknowledged.
    const survived = brand.sales().items.filter((s) => s.writer === till.deviceId).map((s) => s.id).sort();
    expect(survived.length).toBeGreaterThanOrEqual(acknowledged.length);
    expect(survived).toEqual(sent.slice(0, survived.length).map((s) => s.sale.id));
    expect(Y.getState(organiser.doc.store, me)).toBe(sent[survived.length - 1]!.clock);
    const view = viewOf(organiser.doc);
    for (const sku of skus) {
      const sold = sent.slice(0, survived.length).filter((s) => s.sale.lines[0]!.sku === sku).length;
      expect(view.rights(writer.holder, sku)).toBe(opening.get(sku)! - sold);
    }

    // The till reconnects with the same token and document: what was never acknowledged is sent again.
    connect(second.url, northThread, till.token, tillDoc, { ack: '1' });
    await until(() => new BrandDoc(organiser.doc).sales().items.filter((s) => s.writer === till.deviceId).length === sent.length, 'the unacknowledged sales to arrive', 10_000);
    expect(Y.getState(organiser.doc.store, me)).toBe(sent.at(-1)!.clock);
  }, 60_000);

  it('loses no acknowledged sale over repeated SIGKILLs while three tills sell with acknowledgements and the server compacts', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'popup-durability-'));
    dirs.push(dataDir);
    // Compaction after every 5 updates (and once the updates weigh as much as the snapshot): it runs many
    // times a second under this traffic, so kills land before, during and after compactions.
    const extra = ['--compact-every', '5'];
    let cli = await startCli(dataDir, extra);
    const brands = ['north-thread', 'second-life', 'north-thread'];
    const tills = await Promise.all(cli.pairingCodes.map((code) => pairTill(cli.url, code)));
    const docs = tills.map(() => new Y.Doc());
    // The tills' replica of the event's setup: prices, receipt prefixes and managers come from it.
    const setup = connect(cli.url, setupDocName(DEMO_EVENT_ID), tills[0]!.token, new Y.Doc());
    await synced(setup);
    const writers = tills.map((t, i) => new TillWriter(t, brands[i]!, docs[i]!, setup.doc));
    setup.destroy();
    // Every sale each till sent, with its clock; an acknowledgement covers the sales at or below its clock.
    const sent = tills.map(() => [] as { sale: Sale; clock: number }[]);
    const acked = tills.map(() => 0);
    const KILLS = 4;
    for (let round = 0; round <= KILLS; round++) {
      const clients = tills.map((t, i) => connect(cli.url, brandDocName(DEMO_EVENT_ID, brands[i]!), t.token, docs[i]!, { ack: '1' }));
      const acks = clients.map((c) => collectAcks(c));
      await Promise.all(clients.map((c) => synced(c)));
      if (round === KILLS) {
        for (const c of clients) c.destroy();
        break;
      }
      // Sell for a while (one sale every few ms per till, without waiting for acknowledgements), then kill.
      const end = Date.now() + 1200 + round * 150;
      while (Date.now() < end) {
        writers.forEach((wr, i) => {
          const skus = DEMO_PRODUCTS.filter((p) => p.brandId === brands[i]).map((p) => p.sku);
          // Beyond its rights a till sells with a manager's override (recorded), so the traffic never stops.
          const sku = skus.find((s) => wr.rights(s) > 0);
          const { sale } = sku ? wr.sell(sku, 1) : wr.sell(skus[0]!, 1, { managerId: 'mia', reason: 'durability test' });
          sent[i]!.push({ sale, clock: Y.getState(docs[i]!.store, docs[i]!.clientID) });
        });
        await sleep(10);
      }
      cli.child.kill('SIGKILL');
      await cli.exited;
      await Promise.all(clients.map((c) => until(() => !c.wsconnected, 'the till to notice the server is gone')));
      clients.forEach((c, i) => {
        acked[i] = Math.max(acked[i]!, ackedClock(acks[i]!, docs[i]!.clientID));
        c.destroy();
      });
      cli = await startCli(dataDir, extra);
      // Read what the restarted server holds BEFORE any till reconnects (they would resend what is missing).
      for (const brandId of new Set(brands)) {
        const organiser = connect(cli.url, brandDocName(DEMO_EVENT_ID, brandId), cli.organiserToken, new Y.Doc());
        await synced(organiser);
        const held = new Set(new BrandDoc(organiser.doc).sales().items.map((s) => s.id));
        const missing = tills.flatMap((_, i) => (brands[i] === brandId ? sent[i]!.filter((s) => s.clock <= acked[i]! && !held.has(s.sale.id)) : []));
        expect(missing.map((m) => m.sale.id), `acknowledged sales of ${brandId} missing after kill ${round + 1}`).toEqual([]);
        organiser.destroy();
      }
    }
    // The run did what it claims: many acknowledged sales, on every till.
    acked.forEach((clock, i) => expect(sent[i]!.filter((s) => s.clock <= clock).length, `till ${i} acknowledged sales`).toBeGreaterThan(20));
  }, 120_000);

  it('acknowledges an update with the state as of that update, never claiming a later one whose write is still in flight', async () => {
    const d = await demoWorld({ tap: true });
    w = d;
    const till = await pairTill(d.server.url, d.demo.tills[0]!.code);
    const tillClient = d.provider(northThread, till.token, new Y.Doc(), { ack: '1' });
    const acks = collectAcks(tillClient);
    await synced(tillClient);
    const me = tillClient.doc.clientID;

    // Hold the server's writes of the brand document until the test lets each one finish.
    const store = d.tap!;
    const held: (() => void)[] = [];
    store.tap = (call, proceed) => {
      const write = proceed();
      if (call.op !== 'appendUpdate' || call.doc !== northThread) return write;
      return new Promise<void>((resolve, reject) => held.push(() => void write.then(resolve, reject)));
    };
    try {
      const writer = new TillWriter(till, 'north-thread', tillClient.doc, await copyOfServerDoc(d.server, setupDocName(DEMO_EVENT_ID)));
      writer.sell('NT-CAP', 1);
      const firstClock = Y.getState(tillClient.doc.store, me);
      await until(() => held.length === 1, 'the first write to start');
      writer.sell('NT-TOTE', 1);
      const secondClock = Y.getState(tillClient.doc.store, me);
      await until(() => held.length === 2, 'the second write to start');
      expect(ackedClock(acks, me)).toBe(0);

      held[0]!();
      await until(() => ackedClock(acks, me) > 0, 'the first acknowledgement');
      await sleep(50);
      // The second sale is applied in memory but not on disk: no acknowledgement may cover it yet.
      expect(ackedClock(acks, me)).toBe(firstClock);

      held[1]!();
      await until(() => ackedClock(acks, me) >= secondClock, 'the second acknowledgement');
      expect(ackedClock(acks, me)).toBe(secondClock);
    } finally {
      store.tap = undefined;
      for (const release of held) release();
    }
  });

  it('survives a failed write while a till waits for its acknowledgement: no acknowledgement, the till is closed and its resend is kept', async () => {
    const d = await demoWorld({ tap: true });
    w = d;
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    const till = await pairTill(d.server.url, d.demo.tills[0]!.code);
    const tillClient = d.provider(northThread, till.token, new Y.Doc(), { ack: '1' });
    const acks = collectAcks(tillClient);
    const closes: number[] = [];
    tillClient.on('connection-close', (e) => closes.push(e?.code ?? 0));
    await synced(tillClient);
    const me = tillClient.doc.clientID;
    const store = d.tap!;
    let failNext = true;
    store.tap = (call, proceed) => {
      if (call.op === 'appendUpdate' && call.doc === northThread && failNext) {
        failNext = false;
        return Promise.reject(new Error('disk full (injected)'));
      }
      return proceed();
    };
    try {
      const writer = new TillWriter(till, 'north-thread', tillClient.doc, await copyOfServerDoc(d.server, setupDocName(DEMO_EVENT_ID)));
      const { sale } = writer.sell('NT-CAP', 1);
      const clock = Y.getState(tillClient.doc.store, me);
      await until(() => closes.includes(CloseCode.InternalError), 'the till to be closed after the failed write');
      // The provider reconnects and resends; this time the write lands and is acknowledged.
      await until(() => ackedClock(acks, me) >= clock, 'the resent sale to be acknowledged');
      expect(await d.server.hub.read(northThread, (doc) => new BrandDoc(doc).saleById(sale.id)?.id)).toBe(sale.id);
      await sleep(50);
      expect(unhandled).toEqual([]);
    } finally {
      store.tap = undefined;
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
