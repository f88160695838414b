import { createServer, type Server, type ServerResponse } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_EVENT_ID } from '../core/event/demo-event.ts';
import { ONLINE, RESERVE } from '../core/ledger/holders.ts';
import type { StockItem, StockSnapshot } from './storefront/stock.ts';
import { BROADCAST_SLICE_MS, MIN_EVENT_INTERVAL_MS } from './storefront/watcher.ts';
import { STOCK_CACHE_CONTROL } from './http/storefront-routes.ts';
import { BEHIND_BYTES, SseStream } from './http/sse.ts';
import { demoWorld, until, type World } from './test-support.ts';

/**
 * The live stock stream for a crowd (#15 item 3): streams bounded per client address and per server instead of
 * per token (a drop page's buyers share one storefront token), changes coalesced to at most 4 events a second,
 * and a change handed to the watchers in slices so one broadcast never holds the event loop.
 */
type Demo = Awaited<ReturnType<typeof demoWorld>>;
let w: World | undefined;
afterEach(async () => {
  await w?.stop();
  w = undefined;
});

const EVENT = DEMO_EVENT_ID;

async function start(opts: Parameters<typeof demoWorld>[0] = {}): Promise<Demo> {
  const d = await demoWorld(opts);
  w = d;
  return d;
}

interface Opened {
  status: number;
  body: () => Promise<{ type?: string; message?: string }>;
  retryAfter: string | null;
  /** Stock events received so far, with the time each arrived (performance.now()). */
  stock: { at: number; items: StockItem[] }[];
  snapshot: () => StockSnapshot | undefined;
  close: () => void;
}

async function openStream(d: Demo, token: string): Promise<Opened> {
  const ctrl = new AbortController();
  const res = await fetch(`${d.server.url}/api/events/${EVENT}/stock/stream?token=${encodeURIComponent(token)}`, { signal: ctrl.signal });
  const stock: Opened['stock'] = [];
  let snapshot: StockSnapshot | undefined;
  if (res.status === 200) {
    void (async () => {
      const decoder = new TextDecoder();
      let buf = '';
      try {
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
          buf += decoder.decode(chunk, { stream: true });
          let end: number;
          while ((end = buf.indexOf('\n\n')) >= 0) {
            const block = buf.slice(0, end);
            buf = buf.slice(end + 2);
            const name = /^event: (.*)$/m.exec(block)?.[1];
            const data = /^data: (.*)$/m.exec(block)?.[1];
            if (name === 'snapshot' && data) snapshot = JSON.parse(data) as StockSnapshot;
            if (name === 'stock' && data) stock.push({ at: performance.now(), items: (JSON.parse(data) as { items: StockItem[] }).items });
          }
        }
      } catch {
        /* aborted */
      }
    })();
  }
  return {
    status: res.status,
    body: async () => (await res.json()) as { type?: string; message?: string },
    retryAfter: res.headers.get('retry-after'),
    stock,
    snapshot: () => snapshot,
    close: () => ctrl.abort(),
  };
}

const cap = (d: Demo): Promise<void> => d.server.events.transfer(EVENT, RESERVE, ONLINE, [{ brandId: 'north-thread', sku: 'NT-CAP', qty: 1 }]).then(() => undefined);

describe('stock stream caps', () => {
  it('lets a crowd share one storefront token: 40 streams with the same token from different buyers are all served', async () => {
    // Every buyer of a drop page holds the page's token; 40 streams from here stand for them (the per-address
    // cap is lifted so this one test address can play the crowd).
    const d = await start({ limits: { stockStreamsPerAddress: 1000 } });
    const streams: Opened[] = [];
    for (let i = 0; i < 40; i++) streams.push(await openStream(d, d.demo.storefrontToken));
    expect(streams.map((s) => s.status)).toEqual(streams.map(() => 200));
    await until(() => streams.every((s) => s.snapshot() !== undefined), 'every snapshot');
    for (const s of streams) s.close();
  });

  it('refuses one address more than its streams, whatever tokens it uses, and frees a slot when one closes', async () => {
    const d = await start({ limits: { stockStreamsPerAddress: 3 } });
    const streams = [await openStream(d, d.demo.storefrontToken), await openStream(d, d.demo.storefrontToken), await openStream(d, d.demo.organiserToken)];
    expect(streams.map((s) => s.status)).toEqual([200, 200, 200]);
    // A fresh token does not buy a fresh allowance: the address is counted.
    const refused = await openStream(d, d.demo.organiserToken);
    expect(refused.status).toBe(429);
    expect(refused.retryAfter).toBe('10');
    expect(await refused.body()).toMatchObject({ type: 'TooManyStreams', message: 'at most 3 open stock streams from one address; close one first' });

    streams.pop()!.close();
    let again: Opened | undefined;
    const end = Date.now() + 3000;
    while (Date.now() < end) {
      again = await openStream(d, d.demo.storefrontToken);
      if (again.status === 200) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(again?.status).toBe(200);
    again?.close();
    for (const s of streams) s.close();
    // With every stream gone the watcher leaves the documents, and the hub unloads them when idle.
    await until(() => d.server.hub.loadedCount() === 0, 'the documents to unload', 5000);
  });

  it('answers 503 StreamsFull once the server holds its most streams, and serves again when one closes', async () => {
    const d = await start({ limits: { stockStreamsPerAddress: 100, stockStreams: 2 } });
    const a = await openStream(d, d.demo.storefrontToken);
    const b = await openStream(d, d.demo.storefrontToken);
    const full = await openStream(d, d.demo.storefrontToken);
    expect([a.status, b.status, full.status]).toEqual([200, 200, 503]);
    expect(full.retryAfter).toBe('5');
    expect((await full.body()).type).toBe('StreamsFull');
    a.close();
    let again: Opened | undefined;
    const end = Date.now() + 3000;
    while (Date.now() < end) {
      again = await openStream(d, d.demo.storefrontToken);
      if (again.status === 200) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(again?.status).toBe(200);
    again?.close();
    b.close();
  });
});

describe('stock stream broadcasts', () => {
  it('coalesces a burst of changes to at most 4 events a second, the last one carrying the final stock', async () => {
    const d = await start();
    const s = await openStream(d, d.demo.storefrontToken);
    await until(() => s.snapshot() !== undefined, 'the snapshot');
    const before = s.snapshot()!.items.find((i) => i.sku === 'NT-CAP')!.available;
    // 24 changes, one every ~50 ms: with the old 25 ms coalescing nearly every one was its own event.
    const t0 = performance.now();
    for (let i = 0; i < 24; i++) {
      await cap(d);
      await new Promise((r) => setTimeout(r, 50));
    }
    const burstMs = performance.now() - t0;
    await until(() => s.stock.at(-1)?.items.some((i) => i.sku === 'NT-CAP' && i.available === before + 24) === true, 'the final stock');
    // A window of `burstMs` holds at most one event per 250 ms interval it touches, plus the trailing one.
    expect(s.stock.length).toBeLessThanOrEqual(Math.ceil(burstMs / MIN_EVENT_INTERVAL_MS) + 2);
    expect(s.stock.length).toBeGreaterThan(1);
    for (let i = 1; i < s.stock.length; i++) expect(s.stock[i]!.at - s.stock[i - 1]!.at, `event ${i} came too soon after the one before`).toBeGreaterThan(MIN_EVENT_INTERVAL_MS - 60);
    s.close();
  });

  it('hands a change to thousands of watchers in slices, never holding the event loop 20 ms', async () => {
    const d = await start();
    const WATCHERS = 4000;
    // Each watcher spends ~25 µs (a slow socket write): 100 ms for all of them, which one synchronous loop
    // would hold the event loop for. A setImmediate ticker marks each turn of the loop: calls that see the same
    // tick ran without a yield between them, and their CPU time is that slice's block.
    let tick = 0;
    let ticking = true;
    const ticker = () => {
      tick++;
      if (ticking) setImmediate(ticker);
    };
    const calls: { tick: number; cpuUs: number }[] = [];
    const cpuUs = () => {
      const u = process.cpuUsage();
      return u.user + u.system;
    };
    const stops: (() => void)[] = [];
    for (let i = 0; i < WATCHERS; i++) {
      const { stop } = await d.server.storefront.watch(EVENT, {
        stock: () => {
          const until = performance.now() + 0.025;
          while (performance.now() < until);
          calls.push({ tick, cpuUs: cpuUs() });
        },
        closed: () => undefined,
      });
      stops.push(stop);
    }
    ticker();
    await cap(d);
    await until(() => calls.length >= WATCHERS, 'every watcher to get the change', 10_000);
    ticking = false;
    expect(calls.length).toBe(WATCHERS);
    const slices = new Map<number, { first: number; last: number; n: number }>();
    for (const c of calls) {
      const s = slices.get(c.tick);
      if (s) Object.assign(s, { last: c.cpuUs, n: s.n + 1 });
      else slices.set(c.tick, { first: c.cpuUs, last: c.cpuUs, n: 1 });
    }
    expect(slices.size).toBeGreaterThan(1);
    const longestMs = Math.max(...[...slices.values()].map((s) => (s.last - s.first) / 1000));
    expect(longestMs).toBeLessThanOrEqual(20);
    expect(longestMs).toBeGreaterThan(BROADCAST_SLICE_MS / 4);
    for (const stop of stops) stop();
  });
});

describe('stock endpoint caching', () => {
  it('lets a CDN keep GET …/stock a second (stale while revalidating), with its ETag, 304 and the server clock', async () => {
    let now = Date.now();
    const d = await start({ now: () => now });
    const url = `${d.server.url}/api/events/${EVENT}/stock`;
    const auth = { authorization: `Bearer ${d.demo.storefrontToken}` };
    const first = await fetch(url, { headers: auth });
    expect(first.status).toBe(200);
    expect(STOCK_CACHE_CONTROL).toMatch(/max-age=1\b/);
    expect(STOCK_CACHE_CONTROL).toMatch(/stale-while-revalidate=\d+/);
    expect(first.headers.get('cache-control')).toBe(STOCK_CACHE_CONTROL);
    expect(first.headers.get('server-time')).toBe(String(now));
    const etag = first.headers.get('etag')!;
    now += 1234;
    const again = await fetch(url, { headers: { ...auth, 'if-none-match': etag } });
    expect(again.status).toBe(304);
    expect(again.headers.get('etag')).toBe(etag);
    expect(again.headers.get('cache-control')).toBe(STOCK_CACHE_CONTROL);
    // The clock moves in the header, not the body: the ETag (and a CDN's copy) stays valid.
    expect(again.headers.get('server-time')).toBe(String(now));
  });
});

/** A bare HTTP server whose one route is an SseStream the test drives; the client is a raw socket. */
async function sseWorld(heartbeatMs = 60_000) {
  const streams: { stream: SseStream; res: ServerResponse }[] = [];
  const server: Server = createServer((_req, res) => {
    const stream = new SseStream(res);
    stream.start(heartbeatMs);
    streams.push({ stream, res });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  const sockets: Socket[] = [];
  const open = async (): Promise<{ socket: Socket; received: () => string; stream: SseStream; res: ServerResponse }> => {
    const socket = connect({ host: '127.0.0.1', port });
    sockets.push(socket);
    let text = '';
    socket.on('data', (b: Buffer) => (text += b.toString('latin1')));
    socket.on('error', () => undefined);
    const n = streams.length;
    socket.write('GET /stream HTTP/1.1\r\nhost: test\r\n\r\n');
    await until(() => streams.length > n && text.includes('retry: 3000'), 'the stream to open');
    return { socket, received: () => text, ...streams[n]! };
  };
  const stop = async () => {
    for (const s of sockets) s.destroy();
    for (const { stream } of streams) stream.finish();
    await new Promise((r) => server.close(r));
  };
  return { open, stop };
}

describe('SseStream writes for a crowd', () => {
  it('hands a broadcast frame to the kernel inside the call, so the slice that made it counts its cost', async () => {
    const sw = await sseWorld();
    try {
      const { stream, res, received } = await sw.open();
      const frame = Buffer.from('event: stock\ndata: {"items":[]}\n\n');
      stream.offer(frame, () => frame);
      // res.write alone corks the socket until the next tick: the 10,000 writes of a slice then all ran after
      // it, in one turn no budget saw (the 0.5–1.2 s blocks the benchmark measured).
      expect(res.socket!.writableCorked).toBe(0);
      expect(res.socket!.writableLength).toBe(0);
      await until(() => received().includes('data: {"items":[]}'), 'the frame');
    } finally {
      await sw.stop();
    }
  });

  it('keeps a reader that stops reading to a bounded backlog, then sends it the latest stock, not every change', async () => {
    const sw = await sseWorld();
    try {
      const { socket, stream, res, received } = await sw.open();
      socket.pause(); // an attacker (or a phone in a tunnel) holding the stream open and reading nothing
      const frameOf = (n: number) => Buffer.from(`event: stock\ndata: ${JSON.stringify({ n, pad: 'x'.repeat(32 * 1024) })}\n\n`);
      let latest = 0;
      let most = 0;
      // 2,000 changes of 32 KiB (64 MB offered): far more than the kernel's socket buffers take.
      for (let n = 1; n <= 2000; n++) {
        latest = n;
        stream.offer(frameOf(n), () => frameOf(latest));
        most = Math.max(most, stream.buffered);
        if (n % 100 === 0) await new Promise((r) => setImmediate(r));
      }
      expect(most).toBeLessThanOrEqual(BEHIND_BYTES + frameOf(0).length + 64);
      expect(res.destroyed).toBe(false);
      expect(stream.done).toBe(false);
      socket.resume();
      await until(() => received().includes(`"n":${latest},`), 'the latest stock once the reader reads again', 10_000);
      // It skipped most changes: what it was sent is bounded by what it could hold, not by what happened.
      const sent = received().split('event: stock').length - 1;
      expect(sent).toBeLessThan(500);
    } finally {
      await sw.stop();
    }
  });

  it('beats only streams that sent nothing since the last beat', async () => {
    const sw = await sseWorld(40);
    try {
      const busy = await sw.open();
      const idle = await sw.open();
      const frame = Buffer.from('event: stock\ndata: {}\n\n');
      busy.stream.offer(frame, () => frame);
      const from = { busy: busy.received().length, idle: idle.received().length };
      const t = setInterval(() => busy.stream.offer(frame, () => frame), 10);
      await new Promise((r) => setTimeout(r, 400));
      clearInterval(t);
      expect(idle.received().slice(from.idle)).toContain(': heartbeat');
      // A stream getting stock events is not idle: 10,000 heartbeats during a drop would be writes for nothing.
      expect(busy.received().slice(from.busy)).toContain('data: {}');
      expect(busy.received().slice(from.busy)).not.toContain(': heartbeat');
    } finally {
      await sw.stop();
    }
  });
});
