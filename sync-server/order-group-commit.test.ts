import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_EVENT_ID } from '../core/event/demo-event.ts';
import { BrandDoc, brandDocName } from '../core/event/schema.ts';
import { mergeCommits, GroupConditionError } from './storage/group-commit.ts';
import type { Commit } from './storage/store.ts';
import type { StockSnapshot } from './storefront/stock.ts';
import { api, demoWorld, type World } from './test-support.ts';

type Demo = Awaited<ReturnType<typeof demoWorld>>;
let w: World | undefined;
afterEach(async () => {
  await w?.stop();
  w = undefined;
});

const EVENT = DEMO_EVENT_ID;
const base = `/api/events/${EVENT}`;

async function start(): Promise<Demo> {
  const d = await demoWorld({ tap: true });
  w = d;
  return d;
}

async function call(d: Demo, path: string, method = 'GET', body?: unknown, key?: string): Promise<{ status: number; body: { receiptNumber?: string; type?: string; items?: StockSnapshot['items'] } }> {
  const reply = await api(d.server.url, method, path, { token: d.demo.storefrontToken, body, ...(key ? { headers: { 'idempotency-key': key } } : {}) });
  return { status: reply.status, body: (reply.body || {}) as { receiptNumber?: string; type?: string; items?: StockSnapshot['items'] } };
}

async function capOffer(d: Demo): Promise<{ price: number; available: number }> {
  const cap = (await call(d, `${base}/stock`)).body.items!.find((i) => i.sku === 'NT-CAP')!;
  return { price: cap.price, available: cap.available };
}

const oneCap = (price: number) => ({ lines: [{ brandId: 'north-thread', sku: 'NT-CAP', qty: 1 }], payment: { method: 'card', amount: price } });
const writesOrders = (c: Commit | undefined) => c?.put?.some((p) => p.ns === 'orders') ?? false;

async function storedOnlineSales(d: Demo): Promise<number> {
  return d.server.hub.read(brandDocName(EVENT, 'north-thread'), (doc) => new BrandDoc(doc).sales().items.filter((s) => s.tillId === 'online').length);
}

describe('orders written in groups (group commit)', () => {
  it('accepts exactly the units on offer from a crowd of concurrent orders, in fewer commits than orders', async () => {
    const d = await start();
    const { price, available } = await capOffer(d);
    expect(available).toBe(20);
    let orderCommits = 0;
    d.tap!.tap = (call, proceed) => {
      if (call.op === 'commit' && writesOrders(call.commit)) orderCommits++;
      return proceed();
    };
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => call(d, `${base}/orders`, 'POST', oneCap(price), `crowd-${i}`)));
    const accepted = answers.filter((a) => a.status === 201);
    expect(accepted).toHaveLength(20);
    expect(answers.filter((a) => a.status === 409)).toHaveLength(20);
    // Every WEB number once, 1 to 20: the counter advanced in memory across each group.
    expect(accepted.map((a) => a.body.receiptNumber).sort()).toEqual(Array.from({ length: 20 }, (_, i) => `WEB-${String(i + 1).padStart(5, '0')}`));
    expect((await d.server.stores.event(EVENT).list('orders')).length).toBe(20);
    expect(await storedOnlineSales(d)).toBe(20);
    expect((await capOffer(d)).available).toBe(0);
    // Grouped: the 20 orders took fewer store commits than orders (one each before).
    expect(orderCommits).toBeLessThan(20);
  });

  it('fails every order of a failed group, writing none, and memory follows the store', async () => {
    const d = await start();
    const { price } = await capOffer(d);
    let failed = 0;
    d.tap!.tap = async (call, proceed) => {
      if (failed === 0 && call.op === 'commit' && writesOrders(call.commit)) {
        failed++;
        // A slow disk that then fails: the orders arriving meanwhile join the next group, built on this one.
        await new Promise((r) => setTimeout(r, 400));
        throw new Error('disk on fire (injected)');
      }
      return proceed();
    };
    const first = call(d, `${base}/orders`, 'POST', oneCap(price), 'g-0');
    await new Promise((r) => setTimeout(r, 100));
    const rest = await Promise.all(Array.from({ length: 5 }, (_, i) => call(d, `${base}/orders`, 'POST', oneCap(price), `g-${i + 1}`)));
    const all = [await first, ...rest];
    expect(failed).toBe(1);
    expect(all.map((a) => a.status)).toEqual([500, 500, 500, 500, 500, 500]);
    const records = d.server.stores.event(EVENT);
    expect(await records.list('orders')).toEqual([]);
    expect(await records.list('idempotency')).toEqual([]);
    expect(await records.list('web-receipt-seq')).toEqual([]);
    expect(await storedOnlineSales(d)).toBe(0);
    expect((await capOffer(d)).available).toBe(20);

    // Memory was rolled back with it: the next order is WEB-00001 and takes one unit; a retry places its order once.
    const next = await call(d, `${base}/orders`, 'POST', oneCap(price), 'g-3');
    expect(next.status).toBe(201);
    expect(next.body.receiptNumber).toBe('WEB-00001');
    expect((await call(d, `${base}/orders`, 'POST', oneCap(price), 'g-3')).body.receiptNumber).toBe('WEB-00001');
    expect(await storedOnlineSales(d)).toBe(1);
    expect((await capOffer(d)).available).toBe(19);
    expect((await records.list('orders')).length).toBe(1);
  });
});

describe('mergeCommits', () => {
  it('keeps the last write of a key, every update in order, and only the conditions on what was stored before', () => {
    const u = (n: number) => ({ doc: 'event/e/brand/b', update: new Uint8Array([n]) });
    const merged = mergeCommits([
      { put: [{ ns: 'seq', key: '', value: 1 }, { ns: 'orders', key: 'a', value: 'A' }], del: [{ ns: 'res', key: 'r1' }], updates: [u(1)], expect: [{ ns: 'seq', key: '', equals: undefined }] },
      { put: [{ ns: 'seq', key: '', value: 2 }, { ns: 'res', key: 'r1', value: 'back' }], updates: [u(2)], expect: [{ ns: 'seq', key: '', equals: 1 }] },
    ]);
    expect(merged.put).toEqual([
      { ns: 'orders', key: 'a', value: 'A' },
      { ns: 'seq', key: '', value: 2 },
      { ns: 'res', key: 'r1', value: 'back' },
    ]);
    expect(merged.del).toBeUndefined();
    expect(merged.updates!.map((x) => x.update[0])).toEqual([1, 2]);
    expect(merged.expect).toEqual([{ ns: 'seq', key: '', equals: undefined }]);
  });

  it('refuses a group one of whose conditions an earlier commit of it made false', () => {
    expect(() =>
      mergeCommits([
        { put: [{ ns: 'seq', key: '', value: 1 }], expect: [{ ns: 'seq', key: '', equals: undefined }] },
        { put: [{ ns: 'seq', key: '', value: 1 }], expect: [{ ns: 'seq', key: '', equals: undefined }] },
      ]),
    ).toThrow(GroupConditionError);
  });
});
