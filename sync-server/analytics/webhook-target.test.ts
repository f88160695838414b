import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_EVENT_ID } from '../../core/event/demo-event.ts';
import { ONLINE, RESERVE } from '../../core/ledger/holders.ts';
import { brandDocName } from '../../core/event/schema.ts';
import { api, demoWorld, eventually, type World } from '../test-support.ts';
import { checkWebhookTarget, isPrivateAddress } from './webhook-target.ts';

/**
 * The alert webhook never reaches what only the server can reach unless the operator allows it. Regression:
 * an organiser token set http://127.0.0.1:<port>/ as the webhook and the server POSTed to it.
 */
const E = DEMO_EVENT_ID;
const SECRET = 'a-webhook-secret-of-some-length';

let w: (World & Awaited<ReturnType<typeof demoWorld>>) | undefined;
let receiver: Server | undefined;
afterEach(async () => {
  await w?.stop();
  w = undefined;
  await new Promise<void>((r) => (receiver ? receiver.close(() => r()) : r()));
  receiver = undefined;
});

async function loopbackReceiver() {
  const got: string[] = [];
  receiver = createServer((req, res) => {
    got.push(req.url ?? '');
    res.writeHead(200).end();
  });
  await new Promise<void>((r) => receiver!.listen(0, '127.0.0.1', () => r()));
  return { port: (receiver.address() as AddressInfo).port, got };
}

const PRIVATE = ['127.0.0.1', '127.8.9.10', '0.0.0.0', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1', '::', '::1', 'fd00::1', 'fc12::3', 'fe80::1', 'ff02::1', '::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:10.0.0.1', '::ffff:169.254.169.254', '64:ff9b::7f00:1', '::127.0.0.1'];
const PUBLIC = ['93.184.216.34', '8.8.8.8', '172.32.0.1', '2606:2800:220:1:248:1893:25c8:1946', '::ffff:93.184.216.34', '2a00:1450:4001:80b::200e'];

describe('which addresses the webhook may not reach', () => {
  it('refuses loopback, link-local and private IPv4 and IPv6, IPv4-mapped IPv6 included', () => {
    for (const ip of PRIVATE) expect([ip, isPrivateAddress(ip)]).toEqual([ip, true]);
    for (const ip of PUBLIC) expect([ip, isPrivateAddress(ip)]).toEqual([ip, false]);
  });

  it('judges a name by what it resolves to', async () => {
    const resolvesTo = (address: string) => async () => [{ address, family: address.includes(':') ? 6 : 4 }];
    await expect(checkWebhookTarget(new URL('https://hooks.example.com/x'), { allowPrivate: false, lookupAll: resolvesTo('127.0.0.1') })).rejects.toThrow(/resolves to 127\.0\.0\.1/);
    await expect(checkWebhookTarget(new URL('https://hooks.example.com/x'), { allowPrivate: false, lookupAll: resolvesTo('::ffff:10.0.0.7') })).rejects.toThrow(/resolves to ::ffff:10\.0\.0\.7/);
    await expect(checkWebhookTarget(new URL('https://hooks.example.com/x'), { allowPrivate: false, lookupAll: resolvesTo('93.184.216.34') })).resolves.toBeUndefined();
    await expect(checkWebhookTarget(new URL('https://hooks.example.com/x'), { allowPrivate: true, lookupAll: resolvesTo('127.0.0.1') })).resolves.toBeUndefined();
  });
});

describe('setting the webhook', () => {
  it('is refused with 400 naming the problem for private targets, and nothing is stored or sent', async () => {
    w = await demoWorld();
    const hook = await loopbackReceiver();
    const targets = [`http://127.0.0.1:${hook.port}/hook`, `http://localhost:${hook.port}/hook`, 'http://[::1]:9/hook', 'http://169.254.169.254/latest/meta-data', 'http://10.0.0.1/hook', 'http://192.168.1.20/hook', 'http://[fd00::1]/hook', `http://[::ffff:127.0.0.1]:${hook.port}/hook`];
    for (const url of targets) {
      const res = await api(w.server.url, 'PUT', `/api/events/${E}/alerts/webhook`, { token: w.demo.organiserToken, body: { url, secret: SECRET } });
      expect([url, res.status]).toEqual([url, 400]);
      expect((res.body as { message: string }).message).toMatch(/loopback, link-local or private/);
    }
    expect((await api(w.server.url, 'GET', `/api/events/${E}/alerts/webhook`, { token: w.demo.organiserToken })).body).toEqual({ configured: false });
    expect(hook.got).toEqual([]);
  });

  it('is accepted for a loopback receiver when the operator allows private webhooks', async () => {
    w = await demoWorld({ alerts: { webhook: { allowPrivate: true } } });
    const hook = await loopbackReceiver();
    const res = await api(w.server.url, 'PUT', `/api/events/${E}/alerts/webhook`, { token: w.demo.organiserToken, body: { url: `http://localhost:${hook.port}/hook`, secret: SECRET } });
    expect(res.status).toBe(200);
  });

  it('is checked again at send time: a name that now resolves to loopback is not sent to', async () => {
    w = await demoWorld({ alerts: { debounceMs: 20, rejectionPollMs: 100, webhook: { backoffMs: 40, maxAttempts: 1, timeoutMs: 1000 } } });
    const hook = await loopbackReceiver();
    // Stored as if its name had resolved to a public address when it was set (DNS rebinding).
    await w.server.alerts.webhooks.configure(E, { url: `http://localhost:${hook.port}/hook`, secret: SECRET, updatedAt: 0 });
    await w.server.alerts.watch(E);
    const qty = await w.server.hub.read(brandDocName(E, 'north-thread'), (_doc, view) => view!.rights(ONLINE, 'NT-CAP'));
    await w.server.events.transfer(E, ONLINE, RESERVE, [{ brandId: 'north-thread', sku: 'NT-CAP', qty }]);
    const log = await eventually(async () => {
      const d = await w!.server.alerts.webhooks.deliveries(E);
      expect(d.length).toBeGreaterThan(0);
      return d;
    });
    expect(log[0]).toMatchObject({ ok: false, outcome: 'given up', error: expect.stringMatching(/resolves to 127\.0\.0\.1, which is loopback, link-local or private/) });
    expect(hook.got).toEqual([]);
  });
});
