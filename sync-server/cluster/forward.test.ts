import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import { connect, createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import pg from 'pg';
import { WebSocket, WebSocketServer } from 'ws';
import { PgStore } from '../storage/pg-store.ts';
import { freshDatabase, type TestDatabase } from '../storage/pg-test-support.ts';
import { ClusterFront } from './cluster-front.ts';
import { ClusterMetrics } from './cluster-metrics.ts';
import { EventOwnership } from './event-ownership.ts';
import { CLIENT_HEADER, FORWARD_AUTH_HEADER, forwardAuth, FORWARDED_HEADER, forwardedClientOf } from './forward.ts';
import { putFrontBefore } from './front-server.ts';

vi.setConfig({ testTimeout: 30_000 });

/** The cluster's secret, as cluster-secret.ts keeps it in the store for the real server. */
const SECRET = Buffer.alloc(32, 7);

let db: TestDatabase;
beforeAll(async () => {
  db = await freshDatabase();
  await (await PgStore.open(db.url)).close();
});
afterAll(() => db.drop());

/**
 * One cluster process: a real HTTP server on port 0 behind a ClusterFront, with real leases in PostgreSQL.
 * What it serves itself is an echo (who served, what came), so a test can see where a request ended up and
 * what arrived there.
 */
interface Node {
  name: string;
  url: string;
  server: Server;
  store: PgStore;
  own: EventOwnership;
  metrics: ClusterMetrics;
  /** `client`: the address a signed forward vouched for (undefined for a request straight from a client). */
  served: { url: string; body: string; headers: IncomingHttpHeaders; client: string | undefined }[];
  sockets: Set<WebSocket>;
  close(): Promise<void>;
}
const nodes: Node[] = [];

async function node(name: string): Promise<Node> {
  const store = await PgStore.open(db.url, { poolSize: 2 });
  const metrics = new ClusterMetrics();
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const own = new EventOwnership({ leases: store.leases, owner: `${name}-${Math.random().toString(36).slice(2)}`, url, ttlMs: 3000, renewEveryMs: 1000, metrics });
  const front = new ClusterFront({ ownership: own, secret: SECRET, clientAddress: (req) => forwardedClientOf(req) ?? req.socket.remoteAddress ?? 'unknown', lookup: async (what, key) => (what === 'tracking' && key === 'trk-1' ? 'ev-a' : undefined), metrics });
  const served: Node['served'] = [];
  const sockets = new Set<WebSocket>();
  const wss = new WebSocketServer({ noServer: true });
  // What a dropped event does to its clients (event-ownership.ts): they are closed with 4409.
  own.onDrop(() => {
    for (const s of sockets) s.close(4409, 'event moved');
  });
  // The server's own listeners, as its edge attaches them; the front is put before them below.
  server.on('request', (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      served.push({ url: req.url ?? '', body: Buffer.concat(chunks).toString(), headers: req.headers, client: forwardedClientOf(req) });
      if (req.url?.endsWith('/stream')) {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
        res.write(`data: first from ${name}\n\n`);
        setTimeout(() => res.end(`data: second from ${name}\n\n`), 400);
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json', 'x-served-by': name, connection: 'keep-alive, x-private', 'x-private': 'hop' });
      res.end(JSON.stringify({ servedBy: name, body: Buffer.concat(chunks).toString() }));
    });
  });
  server.on('upgrade', (req, socket, head) => {
    if (req.url?.includes('refuse')) return void socket.end('HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n');
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      ws.on('close', () => sockets.delete(ws));
      ws.send(`hello from ${name}`);
      ws.on('message', (m, binary) => ws.send(m, { binary }));
    });
  });
  putFrontBefore(server, front, (err) => console.error('front failed', err));
  const n: Node = {
    name,
    url,
    server,
    store,
    own,
    metrics,
    served,
    sockets,
    close: async () => {
      await own.close();
      for (const s of sockets) s.terminate();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await store.close();
    },
  };
  nodes.push(n);
  return n;
}
afterEach(async () => {
  for (const n of nodes.splice(0)) await n.close();
  // Each case starts with no leases (one of them leaves a stolen lease behind).
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  await c.query('TRUNCATE leases');
  await c.end();
});

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}
function call(url: string, method: string, path: string, opts: { body?: string; headers?: Record<string, string>; from?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { method, ...(opts.from ? { localAddress: opts.from } : {}), headers: { ...(opts.body ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(opts.body)) } : {}), ...opts.headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

function openWs(url: string, headers: Record<string, string> = {}): Promise<{ ws: WebSocket; first: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once('message', (m) => resolve({ ws, first: String(m) }));
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
  });
}

describe('ClusterFront: any process serves any request', () => {
  it('serves an event it owns, and forwards one another process owns, body and end-to-end headers kept, hop-by-hop dropped', async () => {
    const a = await node('a');
    const b = await node('b');
    // a takes ev-a by serving it first.
    expect(JSON.parse((await call(a.url, 'GET', '/api/events/ev-a/stock')).body)).toMatchObject({ servedBy: 'a' });
    const body = JSON.stringify({ items: [{ sku: 'hero', qty: 1 }] });
    const r = await call(b.url, 'POST', '/api/events/ev-a/orders', { body, headers: { authorization: 'Bearer tok', 'idempotency-key': 'k1', connection: 'keep-alive, x-hop', 'x-hop': 'drop me', te: 'trailers' } });
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toEqual({ servedBy: 'a', body });
    expect(r.headers['x-served-by']).toBe('a');
    expect(r.headers['x-private']).toBeUndefined();
    const there = a.served.at(-1)!;
    expect(there.headers).toMatchObject({ authorization: 'Bearer tok', 'idempotency-key': 'k1', [FORWARDED_HEADER]: b.own.owner, 'x-forwarded-for': '127.0.0.1' });
    expect(there.headers['x-hop']).toBeUndefined();
    expect(there.headers['te']).toBeUndefined();
    expect(b.served).toEqual([]);
    expect(b.metrics.forwards.get('http')).toBe(1);
    expect(a.metrics.forwards.size).toBe(0);
  });

  it('routes by the body (POST /api/events) and by a lookup (/t/<id>), and still hands the body to the local server', async () => {
    const a = await node('a');
    const b = await node('b');
    await call(a.url, 'GET', '/api/events/ev-a');
    const create = JSON.stringify({ config: { id: 'ev-a', name: 'Mall' } });
    expect(JSON.parse((await call(b.url, 'POST', '/api/events', { body: create })).body)).toEqual({ servedBy: 'a', body: create });
    expect(JSON.parse((await call(b.url, 'GET', '/t/trk-1')).body)).toMatchObject({ servedBy: 'a' });
    // An event nobody holds: b takes it and serves it itself, with the body it read to route it intact.
    const other = JSON.stringify({ config: { id: 'ev-new' } });
    expect(JSON.parse((await call(b.url, 'POST', '/api/events', { body: other })).body)).toEqual({ servedBy: 'b', body: other });
    expect(b.own.owned().map((o) => o.eventId)).toEqual(['ev-new']);
  });

  it('streams Server-Sent Events through as they come', async () => {
    const a = await node('a');
    const b = await node('b');
    await call(a.url, 'GET', '/api/events/ev-a');
    const arrivals = await new Promise<{ at: number; text: string }[]>((resolve, reject) => {
      const got: { at: number; text: string }[] = [];
      const started = Date.now();
      request(`${b.url}/api/events/ev-a/stock/stream`, (res) => {
        expect(res.headers['content-type']).toBe('text/event-stream');
        res.on('data', (c: Buffer) => got.push({ at: Date.now() - started, text: String(c) }));
        res.on('end', () => resolve(got));
      })
        .on('error', reject)
        .end();
    });
    expect(arrivals.map((x) => x.text).join('')).toBe('data: first from a\n\ndata: second from a\n\n');
    // The first event arrived on its own, well before the stream ended 400 ms later: nothing was buffered.
    expect(arrivals[0]!.text).toBe('data: first from a\n\n');
    expect(arrivals.at(-1)!.at - arrivals[0]!.at).toBeGreaterThanOrEqual(300);
  });

  it('pipes a WebSocket to the owner: frames both ways, and the close code of a dropped event reaches the client', async () => {
    const a = await node('a');
    const b = await node('b');
    await call(a.url, 'GET', '/api/events/ev-a');
    const { ws, first } = await openWs(`${b.url.replace('http', 'ws')}/sync/event%2Fev-a%2Fsetup?token=t`);
    expect(first).toBe('hello from a');
    const echoed = new Promise<Buffer>((r) => ws.once('message', (m) => r(m as Buffer)));
    ws.send(Buffer.from([0, 1, 2, 250]));
    expect([...(await echoed)]).toEqual([0, 1, 2, 250]);
    expect(b.metrics.forwards.get('websocket')).toBe(1);
    // a loses ev-a (here: its lease is taken by force): its clients close with 4409 and reconnect.
    const closed = new Promise<{ code: number; reason: string }>((r) => ws.once('close', (code, reason) => r({ code, reason: String(reason) })));
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    await c.query(`UPDATE leases SET owner = 'thief', epoch = epoch + 1, expires_at = clock_timestamp() + interval '1 minute' WHERE event_id = 'ev-a'`);
    await c.end();
    expect(await closed).toEqual({ code: 4409, reason: 'event moved' });
  });

  it("passes back the owner's refusal of an upgrade", async () => {
    const a = await node('a');
    const b = await node('b');
    await call(a.url, 'GET', '/api/events/ev-a');
    await expect(openWs(`${b.url.replace('http', 'ws')}/sync/event%2Fev-a%2Fbrand%2Frefuse`)).rejects.toThrow(/404/);
    expect(b.sockets.size).toBe(0);
  });

  it('refuses with 503 and Retry-After, serving nothing, when a forwarded request would be forwarded again', async () => {
    const a = await node('a');
    const b = await node('b');
    await call(a.url, 'GET', '/api/events/ev-a');
    const before = a.served.length;
    // Signed as a peer signs it: a forward that reached a process that does not own the event either.
    const signed = { [FORWARDED_HEADER]: 'someone', [CLIENT_HEADER]: '127.0.0.1', [FORWARD_AUTH_HEADER]: forwardAuth(SECRET, Date.now(), 'someone', '127.0.0.1', 'GET', '/api/events/ev-a/stock') };
    const r = await call(b.url, 'GET', '/api/events/ev-a/stock', { headers: signed });
    expect(r.status).toBe(503);
    expect(r.headers['retry-after']).toBe('1');
    expect(JSON.parse(r.body)).toMatchObject({ type: 'ForwardLoop' });
    expect(a.served.length).toBe(before);
    expect(b.served).toEqual([]);
    expect(b.metrics.forwardErrors.size).toBe(0);
  });

  it("passes the client's address to the owner, signed, and believes that address only from a peer: a client's own forwarding headers are refused 403, nothing served or forwarded", async () => {
    const a = await node('a');
    const b = await node('b');
    await call(a.url, 'GET', '/api/events/ev-a');
    // A client at 127.0.0.7 reaches b: the owner sees 127.0.0.7, not b's address.
    expect((await call(b.url, 'GET', '/api/events/ev-a/stock', { from: '127.0.0.7' })).status).toBe(200);
    expect(a.served.at(-1)).toMatchObject({ url: '/api/events/ev-a/stock', client: '127.0.0.7' });
    const before = a.served.length;
    const now = Date.now();
    const path = '/api/events/ev-a/stock';
    const forged: Record<string, string>[] = [
      // The marker alone (what a client could send before forwards were signed).
      { [FORWARDED_HEADER]: 'b' },
      // An address of its choosing, with no signature, or a made-up one.
      { [FORWARDED_HEADER]: 'b', [CLIENT_HEADER]: '10.9.9.9' },
      { [FORWARDED_HEADER]: 'b', [CLIENT_HEADER]: '10.9.9.9', [FORWARD_AUTH_HEADER]: `${now}.${'0'.repeat(64)}` },
      // Signed with another secret; a real signature for another address, another path, or from long ago.
      { [FORWARDED_HEADER]: 'b', [CLIENT_HEADER]: '10.9.9.9', [FORWARD_AUTH_HEADER]: forwardAuth(Buffer.alloc(32, 8), now, 'b', '10.9.9.9', 'GET', path) },
      { [FORWARDED_HEADER]: 'b', [CLIENT_HEADER]: '10.9.9.9', [FORWARD_AUTH_HEADER]: forwardAuth(SECRET, now, 'b', '127.0.0.7', 'GET', path) },
      { [FORWARDED_HEADER]: 'b', [CLIENT_HEADER]: '10.9.9.9', [FORWARD_AUTH_HEADER]: forwardAuth(SECRET, now, 'b', '10.9.9.9', 'GET', '/api/events/ev-a') },
      { [FORWARDED_HEADER]: 'b', [CLIENT_HEADER]: '10.9.9.9', [FORWARD_AUTH_HEADER]: forwardAuth(SECRET, now - 10 * 60_000, 'b', '10.9.9.9', 'GET', path) },
    ];
    for (const headers of forged) {
      for (const to of [a, b]) {
        const r = await call(to.url, 'GET', path, { headers });
        expect(r.status, JSON.stringify(headers)).toBe(403);
        expect(JSON.parse(r.body)).toMatchObject({ type: 'ForwardNotAuthenticated' });
      }
      await expect(openWs(`${a.url.replace('http', 'ws')}/sync/event%2Fev-a%2Fbrand%2Fb1`, headers)).rejects.toThrow(/403/);
    }
    expect(a.served.length).toBe(before);
    expect(b.served).toEqual([]);
    expect(a.sockets.size).toBe(0);
    expect(a.metrics.forwardErrors.get('not-authenticated')).toBe(forged.length * 2);
  });

  it('answers 503 EventOwnerUnreachable (HTTP and WebSocket) while a dead owner\'s lease runs out, then takes the event over', async () => {
    const a = await node('a');
    const b = await node('b');
    await call(a.url, 'GET', '/api/events/ev-a');
    // a dies without releasing: its server stops answering, its lease stays live until the TTL runs out.
    a.server.closeAllConnections();
    await new Promise<void>((r) => a.server.close(() => r()));
    const r = await call(b.url, 'GET', '/api/events/ev-a/stock');
    expect(r.status).toBe(503);
    expect(r.headers['retry-after']).toBe('1');
    expect(JSON.parse(r.body)).toMatchObject({ type: 'EventOwnerUnreachable' });
    await expect(openWs(`${b.url.replace('http', 'ws')}/sync/event%2Fev-a%2Fsetup`)).rejects.toThrow(/503/);
    expect(b.metrics.forwardErrors.get('unreachable')).toBe(2);
    // a's renewals stop too (its database connections go, as a dead process's would; nothing is released),
    // and b's clients retry as "Retry-After: 1" tells them, until the lease runs out and b takes over.
    await a.store.close();
    const killedAt = Date.now();
    let answer: Answer;
    do {
      await new Promise((res) => setTimeout(res, 200));
      answer = await call(b.url, 'GET', '/api/events/ev-a/stock');
    } while (answer.status === 503 && Date.now() - killedAt < 10_000);
    expect(JSON.parse(answer.body)).toMatchObject({ servedBy: 'b' });
    expect(b.metrics.takeovers).toBe(1);
  });
});

describe('forwardHttp', () => {
  it("survives a client resetting its WebSocket upgrade while the owner does not answer (stalled): no unhandled socket error", async () => {
    // A stalled owner: its port accepts connections (the kernel does) and never answers.
    const accepted: Socket[] = [];
    const stalled = createTcpServer((s) => accepted.push(s.on('error', () => undefined)));
    await new Promise<void>((r) => stalled.listen(0, '127.0.0.1', r));
    const b = await node('b');
    try {
      const c = new pg.Client({ connectionString: db.url });
      await c.connect();
      await c.query(`INSERT INTO leases (event_id, owner, url, epoch, expires_at) VALUES ('ev-a', 'stalled', $1, 1, now() + interval '1 hour')`, [`http://127.0.0.1:${(stalled.address() as AddressInfo).port}`]);
      await c.end();
      const client = connect((b.server.address() as AddressInfo).port, '127.0.0.1');
      await new Promise((r) => client.once('connect', r));
      client.write('GET /sync/event%2Fev-a%2Fbrand%2Fb1 HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n');
      await vi.waitFor(() => expect(accepted.length).toBe(1));
      // A reset (RST), as a cut link or a phone losing its network sends: ECONNRESET on b's side.
      client.resetAndDestroy();
      await new Promise((r) => setTimeout(r, 200));
      expect((await call(b.url, 'GET', '/api/events/ev-b')).status).toBe(200);
    } finally {
      for (const s of accepted) s.destroy();
      await new Promise<void>((r) => stalled.close(() => r()));
    }
  });

  it('bounds only the time to connect: a slow answer on a kept-alive socket is not cut', async () => {
    const owner = createServer((req, res) => {
      if (req.url === '/quick') return res.end('quick');
      // An owner slow to answer (a busy event): well past the connect bound before its first byte.
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write('data: 1\n\n');
        setTimeout(() => res.end('data: 2\n\n'), 300);
      }, 500);
    });
    await new Promise<void>((r) => owner.listen(0, '127.0.0.1', r));
    const ownerUrl = `http://127.0.0.1:${(owner.address() as AddressInfo).port}`;
    const { forwardHttp } = await import('./forward.ts');
    // A front that forwards everything to `owner` with a 200 ms connect bound.
    const front = createServer((req, res) => void forwardHttp(req, res, ownerUrl, { self: 'front', secret: SECRET, client: '127.0.0.1', connectTimeoutMs: 200 }).catch(() => res.destroy()));
    await new Promise<void>((r) => front.listen(0, '127.0.0.1', r));
    const frontUrl = `http://127.0.0.1:${(front.address() as AddressInfo).port}`;
    try {
      expect((await call(frontUrl, 'GET', '/quick')).body).toBe('quick');
      // The second forward reuses the kept-alive socket to the owner: it never "connects" again.
      expect((await call(frontUrl, 'GET', '/stream')).body).toBe('data: 1\n\ndata: 2\n\n');
    } finally {
      front.closeAllConnections();
      owner.closeAllConnections();
      await new Promise<void>((r) => front.close(() => r()));
      await new Promise<void>((r) => owner.close(() => r()));
    }
  });
});
