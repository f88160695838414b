import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_EVENT_ID } from '../../core/event/demo-event.ts';
import { BrandDoc, brandDocName } from '../../core/event/schema.ts';
import { HubHost } from '../../electron/hub/hub-child.ts';
import { NodeTills } from './node-tills.ts';
import { api, demoWorld, type World } from '../../sync-server/test-support.ts';

/**
 * A LAN hub relaying to the event's upstream server: tills pair with the hub (no internet needed), and
 * whenever the hub reaches the upstream, everything goes both ways — the organiser's stock moves reach the
 * till, the till's sales reach the upstream (where the online drop sells from the same stock), and after
 * the upstream was unreachable only what it missed is sent.
 */
const E = DEMO_EVENT_ID;
const hoodie = { brandId: 'north-thread', sku: 'NT-HOODIE-M' };

let up: (World & Awaited<ReturnType<typeof demoWorld>>) | undefined;
let host: HubHost | undefined;
const tills = new NodeTills();
const dirs: string[] = [];
afterEach(async () => {
  tills.stopAll();
  await host?.stop();
  host = undefined;
  await up?.stop();
  up = undefined;
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function relayingHub() {
  up = await demoWorld();
  const issued = await api(up.server.url, 'POST', `/api/events/${E}/tokens`, { token: up.demo.organiserToken, body: { role: 'hub', label: 'venue hub', hubTag: 'HAB1' } });
  expect(issued.status).toBe(201);
  const dataDir = await mkdtemp(join(tmpdir(), 'popup-relay-'));
  dirs.push(dataDir);
  host = new HubHost(() => undefined);
  const status = await host.start({ host: '127.0.0.1', port: 0, dataDir, relayTag: 'HAB1', upstream: { url: up.server.url, token: (issued.body as { token: string }).token, eventId: E } });
  // The hub fetches the event from the upstream: setup first, then every brand.
  await expect.poll(async () => (await host!.status()).upstream?.connected, { timeout: 15_000 }).toBe(true);
  expect((await host.status()).upstream?.documents).toBe(4);
  return { hubUrl: status.url!, upUrl: up.server.url };
}


const upstreamSales = () => up!.server.hub.read(brandDocName(E, hoodie.brandId), (doc) => new BrandDoc(doc).sales().items.map((s) => s.receiptNumber).sort());

describe('a LAN hub relaying to the upstream server', () => {
  it('pairs a till under its own tag, and the upstream learns the till', async () => {
    const { hubUrl } = await relayingHub();
    const code = await host!.pairingCode({ eventId: E, name: 'Venue till', locationId: 'booth-a', brandIds: [hoodie.brandId] });
    expect(code.tillId).toBe('hab1-till-1');
    const till = await tills.pair(hubUrl, code.code);
    expect(till.paired.receiptPrefix).toBe('HAB11');
    await expect.poll(async () => (await up!.server.events.setup(E)).tills.find((t) => t.id === 'hab1-till-1')?.deviceId, { timeout: 10_000 }).toBe(till.store.identity.deviceId);
  });

  it('brings the organiser’s stock move to the till and the till’s sale to the upstream, and catches up after the upstream was down', async () => {
    const { hubUrl, upUrl } = await relayingHub();
    const code = await host!.pairingCode({ eventId: E, name: 'Venue till', locationId: 'booth-a', brandIds: [hoodie.brandId] });
    const till = await tills.pair(hubUrl, code.code);
    await expect.poll(async () => (await up!.server.events.setup(E)).tills.some((t) => t.id === code.tillId), { timeout: 10_000 }).toBe(true);

    // The organiser moves stock upstream; it reaches the till through the hub.
    const moved = await api(upUrl, 'POST', `/api/events/${E}/stock/transfer`, { token: up!.demo.organiserToken, body: { from: 'reserve', to: `till:${code.tillId}`, lines: [{ ...hoodie, qty: 4 }] } });
    expect(moved.status).toBe(201);
    await expect.poll(() => till.store.rights(hoodie.brandId, hoodie.sku), { timeout: 10_000 }).toBe(4);

    // A sale at the venue reaches the upstream, and its stock view there.
    const [first] = await till.store.commitSale({ cart: { lines: [{ ...hoodie, qty: 1 }] }, payments: [{ method: 'cash', amount: 4830 }], cashierId: 'ana' });
    expect(first!.receiptNumber).toBe('HAB11-00001');
    await expect.poll(upstreamSales, { timeout: 10_000 }).toEqual(['HAB11-00001']);
    await expect.poll(() => up!.server.hub.read(brandDocName(E, hoodie.brandId), (_d, view) => view!.rights(`till:${code.tillId}`, hoodie.sku)), { timeout: 10_000 }).toBe(3);

    // The upstream goes away; the venue keeps selling through the hub; the upstream gets it when it is back.
    await up!.server.close();
    await expect.poll(async () => (await host!.status()).upstream?.connected, { timeout: 10_000 }).toBe(false);
    await till.store.commitSale({ cart: { lines: [{ ...hoodie, qty: 2 }] }, payments: [{ method: 'card', amount: 9660 }], cashierId: 'ana' });
    await expect.poll(async () => (await till.store.outbox()).length, { timeout: 10_000 }).toBe(0);
    await up!.restart();
    await expect.poll(upstreamSales, { timeout: 20_000 }).toEqual(['HAB11-00001', 'HAB11-00002']);
    await expect.poll(() => up!.server.hub.read(brandDocName(E, hoodie.brandId), (_d, view) => view!.rights(`till:${code.tillId}`, hoodie.sku)), { timeout: 10_000 }).toBe(1);
    await expect.poll(async () => (await host!.status()).upstream?.connected, { timeout: 15_000 }).toBe(true);
    expect((await host!.status()).upstream?.problem).toBeUndefined();
  });

  it('passes a till’s request for more to the upstream, which grants it from the reserve', async () => {
    const { hubUrl } = await relayingHub();
    const code = await host!.pairingCode({ eventId: E, name: 'Venue till', locationId: 'booth-a', brandIds: [hoodie.brandId] });
    const till = await tills.pair(hubUrl, code.code);
    await expect.poll(async () => (await up!.server.events.setup(E)).tills.some((t) => t.id === code.tillId), { timeout: 10_000 }).toBe(true);
    expect(till.store.rights(hoodie.brandId, hoodie.sku)).toBe(0);
    await till.store.requestRights(hoodie.brandId, hoodie.sku, 6, 'asked at the till');
    await expect.poll(() => till.store.rights(hoodie.brandId, hoodie.sku), { timeout: 15_000 }).toBe(6);
  });

  it('leaves stock moves, grants and the catalog to the upstream', async () => {
    const { hubUrl } = await relayingHub();
    const status = await host!.status();
    const refused = await api(hubUrl, 'POST', `/api/events/${E}/stock/transfer`, { token: status.adminToken!, body: { from: 'reserve', to: 'till:till-1', lines: [{ ...hoodie, qty: 1 }] } });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ message: "This hub relays to the event's server: stock moves, orders and grants are made there" });
  });

  it('stops with a clear reason when the upstream refuses its token', async () => {
    up = await demoWorld();
    const dataDir = await mkdtemp(join(tmpdir(), 'popup-relay-'));
    dirs.push(dataDir);
    host = new HubHost(() => undefined);
    await host.start({ host: '127.0.0.1', port: 0, dataDir, relayTag: 'HAB1', upstream: { url: up.server.url, token: 'pp_never-issued', eventId: E } });
    await expect.poll(async () => (await host!.status()).upstream?.problem, { timeout: 10_000 }).toMatch(/the upstream server refused the hub token for event\/demo-flash-mall\/setup \(4401\)/);
    expect((await host.status()).upstream?.connected).toBe(false);
  });
});
