import { fork, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_EVENT_ID } from '../../core/event/demo-event.ts';
import { HubController, type HubChild } from '../../electron/hub/hub-controller.ts';
import type { HubRequest } from '../../electron/hub/hub-protocol.ts';
import { NodeTills } from './node-tills.ts';
import { until } from '../../sync-server/test-support.ts';

/**
 * The LAN hub as the desktop app runs it: its entry module forked as a separate Node process (in the app,
 * an Electron utility process), driven by the main process's controller over the message protocol. Two
 * tills — the real data layer over fake-indexeddb and the real sync client — pair with codes the hub makes
 * and see each other's sales through it, with no other server anywhere.
 */
const HUB_MAIN = fileURLToPath(new URL('../../electron/hub/hub-main.ts', import.meta.url));

const children: ChildProcess[] = [];
const tills = new NodeTills();
const dirs: string[] = [];
let controller: HubController | undefined;

afterEach(async () => {
  tills.stopAll();
  await controller?.dispose();
  controller = undefined;
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill();
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

function forkHub(): HubChild {
  const child = fork(HUB_MAIN, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  children.push(child);
  return {
    postMessage: (m: HubRequest) => void child.send(m),
    onMessage: (fn) => void child.on('message', fn),
    onExit: (fn) => void child.on('exit', (code) => fn(code)),
    kill: () => void child.kill(),
  };
}

async function hubController(): Promise<HubController> {
  const dataDir = await mkdtemp(join(tmpdir(), 'popup-hub-'));
  dirs.push(dataDir);
  const logs: string[] = [];
  controller = new HubController({ fork: forkHub, base: { host: '127.0.0.1', dataDir }, log: (level, message) => logs.push(`${level} ${message}`), timeoutMs: 30_000 });
  return controller;
}


const hoodie = { brandId: 'north-thread', sku: 'NT-HOODIE-M' };

describe('the LAN hub', () => {
  it('starts the sync server in its own process on a free port, and says where it is and what it holds', async () => {
    const hub = await hubController();
    expect(await hub.status()).toEqual({ running: false, urls: [], events: [] });
    const status = await hub.start({ port: 0, demo: true });
    expect(status.running).toBe(true);
    expect(status.port).toBeGreaterThan(0);
    expect(status.url).toBe(`http://127.0.0.1:${status.port}`);
    expect(status.events.map((e) => e.id)).toEqual([DEMO_EVENT_ID]);
    expect(status.events[0]!.locations.map((l) => l.id)).toContain('booth-a');
    const health = await fetch(`${status.url}/healthz`);
    expect(health.status).toBe(200);
    // The organiser sets events up on the hub through the HTTP API, with the admin token the status shows.
    expect((await fetch(`${status.url}/api/events/${DEMO_EVENT_ID}`, { headers: { authorization: `Bearer ${status.adminToken}` } })).status).toBe(200);
    const stopped = await hub.stop();
    expect(stopped.running).toBe(false);
    await expect(fetch(`${status.url}/healthz`)).rejects.toThrow();
  });

  it('makes pairing codes, and two tills paired with them sync their sales through the hub', async () => {
    const hub = await hubController();
    const status = await hub.start({ port: 0, demo: true });
    const codeA = await hub.pairingCode({ eventId: DEMO_EVENT_ID, name: 'Booth A till', locationId: 'booth-a', brandIds: ['north-thread'] });
    const codeB = await hub.pairingCode({ eventId: DEMO_EVENT_ID, name: 'Booth A second till', locationId: 'booth-a', brandIds: ['north-thread'] });
    expect(codeA.code).toMatch(/^[0-9A-Z]{4}-[0-9A-Z]{4}$/);
    expect(codeA.url).toBe(status.url);
    expect(codeA.tillId).not.toBe(codeB.tillId);
    const a = await tills.pair(status.url!, codeA.code);
    const b = await tills.pair(status.url!, codeB.code);

    // Give till A stock through the hub's organiser API (the hub is the event's server here).
    const res = await fetch(`${status.url}/api/events/${DEMO_EVENT_ID}/stock/transfer`, {
      method: 'POST',
      headers: { authorization: `Bearer ${status.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ from: 'reserve', to: `till:${a.paired.tillId}`, lines: [{ ...hoodie, qty: 5 }] }),
    });
    expect(res.status).toBeLessThan(300);
    await expect.poll(() => a.store.rights(hoodie.brandId, hoodie.sku), { timeout: 10_000 }).toBe(5);

    const [sale] = await a.store.commitSale({ cart: { lines: [{ ...hoodie, qty: 2 }] }, payments: [{ method: 'cash', amount: 2 * 4830 }], cashierId: 'ana' });
    await expect.poll(async () => (await a.store.outbox()).length, { timeout: 10_000 }).toBe(0);
    // Till B sees A's sale and A's stock going down, live.
    await expect.poll(() => b.store.stockView(hoodie.brandId)?.rights(`till:${a.paired.tillId}`, hoodie.sku), { timeout: 10_000 }).toBe(3);
    await expect.poll(async () => (await b.store.recentSales(10)).map((s) => s.receiptNumber), { timeout: 10_000 }).toContain(sale!.receiptNumber);
  });

  it('reports a hub that cannot start (its port is taken) and can start again afterwards', async () => {
    const first = await hubController();
    const running = await first.start({ port: 0 });
    const firstController = first;
    controller = undefined;
    try {
      const second = await hubController();
      await expect(second.start({ port: running.port! })).rejects.toThrow(/EADDRINUSE|address already in use/);
      const again = await second.start({ port: 0 });
      expect(again.running).toBe(true);
    } finally {
      await firstController.dispose();
    }
  });

  it('refuses a pairing code for an event it does not hold, saying what to do', async () => {
    const hub = await hubController();
    await hub.start({ port: 0 });
    await expect(hub.pairingCode({ eventId: 'other-event', name: 'T', locationId: 'booth-a', brandIds: ['x'] })).rejects.toThrow(/does not hold the event "other-event"/);
  });

  it('notices when its process dies, and says so in its status', async () => {
    const hub = await hubController();
    await hub.start({ port: 0 });
    children[0]!.kill('SIGKILL');
    await until(() => children[0]!.exitCode !== null || children[0]!.signalCode !== null, 'the hub process to die');
    await expect.poll(async () => (await hub.status()).running, { timeout: 5000 }).toBe(false);
    expect((await hub.status()).problem).toBe('the LAN hub stopped unexpectedly (killed): start it again');
  });
});
