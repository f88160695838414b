import { afterEach, describe, expect, it, vi } from 'vitest';
import { DEMO_EVENT_ID } from '../core/event/demo-event.ts';
import { formatHlc, parseHlc } from '../core/base/hlc.ts';
import { RESERVE } from '../core/ledger/holders.ts';
import { EventHosts } from './event-hosts.ts';
import { api, demoWorld, eventually, type World } from './test-support.ts';

/**
 * The event as a named unit (event-host.ts): its memory and timers live in its host and go with it; the
 * server's clock is the event's own, stored with the event's writes.
 */
vi.setConfig({ testTimeout: 30_000 });

const E = DEMO_EVENT_ID;
let w: World | undefined;
afterEach(async () => {
  await w?.stop();
  w = undefined;
});

describe('event hosts', () => {
  it('dispose stops the host’s timers, lets each part stop and forgets every value', async () => {
    const hosts = new EventHosts();
    const stopped: string[] = [];
    const counts = hosts.slot<Map<string, number>>('counts', { dispose: (m, eventId) => void stopped.push(`${eventId}:${m.size}`) });
    counts.set('e1', new Map([['a', 1]]));
    counts.set('e2', new Map());
    let fired = 0;
    hosts.of('e1').setTimeout(() => fired++, 20);
    expect(hosts.of('e1').timerCount()).toBe(1);

    await hosts.dispose('e1');
    await new Promise((r) => setTimeout(r, 60));
    expect(fired).toBe(0);
    expect(stopped).toEqual(['e1:1']);
    expect(counts.get('e1')).toBeUndefined();
    // Another event is untouched; a new use makes a fresh host.
    expect(counts.get('e2')).toEqual(new Map());
    expect(hosts.eventIds()).toEqual(['e2']);
    await hosts.close();
    expect(stopped).toEqual(['e1:1', 'e2:0']);
  });

  it('a host reached under another lease epoch is disposed and replaced: nothing of the earlier epoch is served', async () => {
    let epoch: number | undefined = 3;
    const hosts = new EventHosts({ epochOf: () => epoch });
    const seq = hosts.slot<number>('seq');
    seq.set('e', 41);
    expect(seq.get('e')).toBe(41);
    epoch = undefined; // lost the lease
    expect(seq.get('e')).toBeUndefined();
    seq.set('e', 7); // a value made while not holding it…
    epoch = 4; // …is not served once the lease is taken again
    expect(seq.get('e')).toBeUndefined();
    expect(hosts.of('e').epoch).toBe(4);
  });

  it('waits for work in flight before its parts stop, and keeps a busy host when its documents go idle', async () => {
    const hosts = new EventHosts();
    const order: string[] = [];
    let finish!: () => void;
    hosts.onDispose(() => new Promise<void>((r) => (finish = () => (order.push('group written'), r()))));
    const watchers = hosts.slot<Set<string>>('watchers', { busy: (s) => s.size > 0, dispose: () => void order.push('parts stopped') });
    watchers.set('e', new Set(['shopper']));
    expect(await hosts.idle('e')).toBe(false);
    expect(hosts.eventIds()).toEqual(['e']);
    watchers.get('e')!.clear();
    // Server work under way (an order's group commit in flight) keeps it too.
    let working = true;
    hosts.keepWhile(() => working);
    expect(await hosts.idle('e')).toBe(false);
    working = false;
    const idle = hosts.idle('e');
    await Promise.resolve();
    expect(order).toEqual([]);
    finish();
    expect(await idle).toBe(true);
    expect(order).toEqual(['group written', 'parts stopped']);
  });
});

describe('a server’s event hosts', () => {
  it('an event whose documents go idle leaves memory: its pending creator clicks are written first, and the server closes at once', async () => {
    w = await demoWorld({ hub: { idleUnloadMs: 100 }, redirects: { clickFlushMs: 600_000 } });
    const res = await fetch(`${w.server.url}/r/LENA10`, { redirect: 'manual' });
    expect(res.status).toBe(302);
    // Not written by the batch timer (10 minutes away): by the host's dispose when the event went idle.
    await eventually(async () => expect(await w!.server.stores.event(E).get('creator-clicks', 'lena10')).toBe(1), 10_000);
    expect(w.server.hosts.eventIds()).toEqual([]);
    const started = Date.now();
    await w.server.close();
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

describe('the server clock of an event', () => {
  const priceOf = async (d: World & { demo: { storefrontToken: string } }, sku: string) =>
    ((await api(d.server.url, 'GET', `/api/events/${E}/stock`, { token: d.demo.storefrontToken })).body as { items: { sku: string; price: number }[] }).items.find((i) => i.sku === sku)!.price;

  it('is stored in the event, in the order’s own commit, and continues after a restart', async () => {
    const d = await demoWorld({ tap: true });
    w = d;
    const price = await priceOf(d, 'NT-CAP');
    const order = (key: string) =>
      api(d.server.url, 'POST', `/api/events/${E}/orders`, { token: d.demo.storefrontToken, headers: { 'idempotency-key': key }, body: { lines: [{ brandId: 'north-thread', sku: 'NT-CAP', qty: 1 }], payment: { method: 'card', amount: price } } });
    const commits: { put: string[] }[] = [];
    d.tap!.tap = (call, proceed) => {
      if (call.op === 'commit') commits.push({ put: (call.commit?.put ?? []).map((p) => `${p.ns}/${p.key}`) });
      return proceed();
    };
    const first = await order('clock-1');
    expect(first.status).toBe(201);
    const at = (first.body as { orderId: string }).orderId.slice(2);
    // The order's commit carries the clock; the record is the event's, and at or after the order's ids.
    const orderCommit = commits.find((c) => c.put.some((k) => k.startsWith('orders/')));
    expect(orderCommit?.put).toContain('meta/hlc');
    const stored = await d.server.stores.event(E).get<string>('meta', 'hlc');
    expect(stored! >= at).toBe(true);
    expect(await d.server.stores.server().get('meta', 'hlc')).toBeUndefined();

    await d.restart();
    const second = await order('clock-2');
    expect(second.status).toBe(201);
    expect((second.body as { orderId: string }).orderId.slice(2) > stored!).toBe(true);
  });

  it('starts after an old store’s server-wide clock, even one ahead of the wall clock', async () => {
    const d = await demoWorld();
    w = d;
    // A store of the earlier server: one server-wide clock record, none in the event; that clock ran ahead.
    const ahead = formatHlc({ wall: Date.now() + 10 * 60_000, counter: 5, node: 'SERVER000000' });
    await d.server.stores.server().put('meta', 'hlc', ahead);
    await d.server.stores.event(E).del('meta', 'hlc');
    await d.restart();
    const [entry] = await d.server.events.receive(E, RESERVE, [{ brandId: 'north-thread', sku: 'NT-CAP', qty: 1 }]);
    expect(entry!.at > ahead).toBe(true);
    expect(parseHlc(entry!.at).wall).toBe(parseHlc(ahead).wall);
    // Saved in the event, with the server's stock move: the next process continues after it.
    await eventually(async () => expect(await d.server.stores.event(E).get('meta', 'hlc')).toBe(entry!.at));
  });
});
