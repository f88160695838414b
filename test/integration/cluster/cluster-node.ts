import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { WebSocketServer, type WebSocket } from 'ws';
import * as Y from 'yjs';
import { ClusterFront } from '../../../sync-server/cluster/cluster-front.ts';
import { ClusterMetrics } from '../../../sync-server/cluster/cluster-metrics.ts';
import { EventOwnership } from '../../../sync-server/cluster/event-ownership.ts';
import { putFrontBefore } from '../../../sync-server/cluster/front-server.ts';
import { PgStore } from '../../../sync-server/storage/pg-store.ts';
import { ConditionFailedError, LeaseLostError, type EventStore, type Fence } from '../../../sync-server/storage/store.ts';

/**
 * One cluster process for cluster.test.ts, run as its own OS process so that the test can SIGKILL it.
 *
 * The cluster machinery is the product's (sync-server/cluster/: ownership, front, forwarding) on the
 * product's PostgreSQL store with its leases and fences. What it serves per event is a small stand-in for
 * the sync server's event host, kept to what the cluster must guarantee: documents relayed and stored with
 * acknowledgements once durable, and orders that take one unit of a counted stock exactly once per
 * idempotency key, each event's orders in one serial section. Every write goes through the lease's fence.
 *
 * `tsx cluster-node.ts --store <postgres url> [--port 0] [--ttl-ms 3000]`; prints `READY <url> <owner>`.
 *
 * WebSocket `/sync/<doc>`: binary frames. Client → server: 4-byte id + a Yjs update. Server → client:
 * 4 zero bytes + a Yjs update (the document's state on join, others' updates after), or 4-byte id (the
 * acknowledgement: that update is durable).
 */
const { values } = parseArgs({ options: { store: { type: 'string' }, port: { type: 'string', default: '0' }, 'ttl-ms': { type: 'string', default: '3000' } } });
if (!values.store) throw new Error('--store <postgres url> is required');
const ttlMs = Number(values['ttl-ms']);

const store = await PgStore.open(values.store, { poolSize: 8 });
const metrics = new ClusterMetrics();
const server = createServer();
await new Promise<void>((r) => server.listen(Number(values.port), '127.0.0.1', r));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
const owner = `node-${(server.address() as AddressInfo).port}-${randomBytes(4).toString('hex')}`;
const ownership = new EventOwnership({ leases: store.leases, owner, url, ttlMs, renewEveryMs: Math.floor(ttlMs / 3), metrics });
const front = new ClusterFront({ ownership, lookup: async () => undefined, metrics });

/** The event's state on this process while it owns it (the stand-in for the server's event host). */
class EventHost {
  readonly store: EventStore;
  private serial: Promise<unknown> = Promise.resolve();
  readonly docs = new Map<string, Promise<{ doc: Y.Doc; peers: Set<WebSocket> }>>();
  closed = false;

  constructor(
    readonly eventId: string,
    readonly fence: Fence,
  ) {
    this.store = store.event(eventId, fence);
  }

  /** One at a time, like the server's serial section per event. */
  run<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.serial.then(fn);
    this.serial = p.catch(() => undefined);
    return p;
  }

  doc(name: string): Promise<{ doc: Y.Doc; peers: Set<WebSocket> }> {
    let d = this.docs.get(name);
    if (!d) {
      d = this.store.loadDoc(name).then((stored) => {
        const doc = new Y.Doc();
        if (stored.snapshot) Y.applyUpdateV2(doc, stored.snapshot);
        for (const u of stored.updates) Y.applyUpdate(doc, u);
        return { doc, peers: new Set<WebSocket>() };
      });
      this.docs.set(name, d);
    }
    return d;
  }

  close(): void {
    this.closed = true;
    for (const d of this.docs.values()) void d.then(({ peers }) => peers.forEach((p) => p.close(4409, 'event moved')));
  }
}

const hosts = new Map<string, EventHost>();
ownership.onDrop((eventId) => {
  hosts.get(eventId)?.close();
  hosts.delete(eventId);
});

/** The host of an event this process owns now, or undefined (it just lost it: the client retries). */
function hostOf(eventId: string): EventHost | undefined {
  const fence = ownership.fenceOf(eventId);
  if (!fence) return undefined;
  let h = hosts.get(eventId);
  if (!h || h.fence.epoch !== fence.epoch) {
    h?.close();
    hosts.set(eventId, (h = new EventHost(eventId, fence)));
  }
  return h;
}

function fenced(h: EventHost, err: unknown): boolean {
  if (!(err instanceof LeaseLostError)) return false;
  ownership.writeFenced(h.eventId, h.fence.epoch);
  return true;
}

function reply(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString() || '{}') as Record<string, unknown>;
}

async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = (req.url ?? '/').split('?')[0]!;
  if (path === '/healthz') return reply(res, 200, { status: 'ok', cluster: front.health() });
  if (path === '/metrics') return reply(res, 200, { text: metrics.render().join('\n') });
  const m = /^\/api\/events\/([a-z0-9-]+)\/(orders|stock)$/.exec(path);
  if (!m || req.method !== 'POST') return reply(res, 404, { type: 'NotFound' });
  const h = hostOf(m[1]!);
  if (!h) return reply(res, 503, { type: 'EventMoved' }, { 'retry-after': '1' });
  const body = await readJson(req);
  try {
    if (m[2] === 'stock') {
      await h.run(() => h.store.put('stock', 'units', body['units']));
      return reply(res, 200, { units: body['units'] });
    }
    const key = String(body['key']);
    // A replay or a sold-out answer needs no serial section: each is true of the records as read.
    const known = await h.store.get<{ key: string; unit: number }>('orders', key);
    if (known) return reply(res, 200, known);
    if (((await h.store.get<number>('stock', 'units')) ?? 0) <= 0) return reply(res, 409, { type: 'SoldOut', servedBy: owner });
    const answer = await h.run(async () => {
      const again = await h.store.get<{ key: string; unit: number }>('orders', key);
      if (again) return { status: 200, body: again };
      const units = (await h.store.get<number>('stock', 'units')) ?? 0;
      if (units <= 0) return { status: 409, body: { type: 'SoldOut', servedBy: owner } };
      const order = { key, unit: units, servedBy: owner };
      // Conditional even inside the serial section: it is the record, not this process, that decides.
      await h.store.commit({
        put: [
          { ns: 'stock', key: 'units', value: units - 1 },
          { ns: 'orders', key, value: order },
        ],
        expect: [
          { ns: 'stock', key: 'units', equals: units },
          { ns: 'orders', key, equals: undefined },
        ],
      });
      return { status: 201, body: order };
    });
    reply(res, answer.status, answer.body);
  } catch (err) {
    if (fenced(h, err)) return reply(res, 503, { type: 'EventMoved' }, { 'retry-after': '1' });
    if (err instanceof ConditionFailedError) return reply(res, 409, { type: err.name });
    reply(res, 500, { type: 'InternalError', message: String(err) });
  }
}

const wss = new WebSocketServer({ noServer: true });
server.on('request', (req, res) => void serve(req, res).catch((err: unknown) => reply(res, 500, { type: 'InternalError', message: String(err) })));
server.on('upgrade', (req, socket, head) => {
  const name = decodeURIComponent((req.url ?? '').split('?')[0]!.slice('/sync/'.length));
  const eventId = /^event\/([a-z0-9-]+)\//.exec(name)?.[1];
  wss.handleUpgrade(req, socket, head, (ws) => void join(ws, name, eventId));
});
// As the server would: its own listeners first, then the cluster front before them.
putFrontBefore(server, front, (err) => console.error('cluster front failed', err));

async function join(ws: WebSocket, name: string, eventId: string | undefined): Promise<void> {
  const h = eventId ? hostOf(eventId) : undefined;
  ws.on('error', () => ws.terminate());
  if (!h) return ws.close(4409, 'event moved');
  const early: Buffer[] = [];
  ws.on('message', (m) => early.push(m as Buffer));
  const { doc, peers } = await h.doc(name);
  if (h.closed) return ws.close(4409, 'event moved');
  peers.add(ws);
  ws.on('close', () => peers.delete(ws));
  ws.send(frame(0, Y.encodeStateAsUpdate(doc)));
  const onMessage = (data: Buffer) => {
    const id = data.readUInt32BE(0);
    const update = new Uint8Array(data.subarray(4));
    // Not in the orders' serial section: appends to a document are group-committed side by side, and
    // Yjs applies updates in any order. Relayed and acknowledged once durable.
    (async () => {
      if (h.closed) return;
      await h.store.appendUpdate(name, update);
      if (h.closed) return;
      Y.applyUpdate(doc, update);
      for (const p of peers) if (p !== ws) p.send(frame(0, update));
      ws.send(frame(id));
    })().catch((err: unknown) => {
      if (!fenced(h, err)) ws.close(1011, 'could not store');
    });
  };
  ws.removeAllListeners('message');
  ws.on('message', (m) => onMessage(m as Buffer));
  for (const m of early) onMessage(m);
}

function frame(id: number, update?: Uint8Array): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt32BE(id);
  return update ? Buffer.concat([head, update]) : head;
}

process.on('SIGTERM', () => {
  void (async () => {
    server.closeAllConnections();
    await ownership.close();
    await store.close();
    process.exit(0);
  })();
});
console.log(`READY ${url} ${owner}`);
