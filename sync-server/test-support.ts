import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as decoding from 'lib0/decoding';
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { buildCheckout, priceItems } from '../core/selling/checkout.ts';
import { managersOf } from '../core/ledger/entry-rules.ts';
import { HybridClock } from '../core/base/hlc.ts';
import { tillHolder, type HolderId, type OwnerOf } from '../core/ledger/holders.ts';
import { formatReceiptNumber, newDeviceId } from '../core/base/ids.ts';
import type { LedgerEntry } from '../core/ledger/ledger.ts';
import type { RandomSource } from '../core/base/platform.ts';
import { LedgerWriter } from '../core/ledger/rights.ts';
import type { Sale } from '../core/selling/sale.ts';
import { BrandDoc, SetupDoc } from '../core/event/schema.ts';
import { StockView } from '../core/ledger/stock-view.ts';
import { seedDemo } from './demo-seed.ts';
import type { PairedTill } from './event-service.ts';
import { decodeMessage, MessageType, type Incoming } from './protocol.ts';
import { startSyncServer, type SyncServer, type SyncServerOptions } from './server.ts';
import { LevelStore } from './storage/level-store.ts';
import { TapStore } from './storage/tap-store.ts';

/**
 * Test worlds for the sync server: each gets its own data folder and its own server on 127.0.0.1, port 0,
 * and `stop()` tears both down. Clients are stock y-websocket providers over `ws`.
 */
export interface World {
  server: SyncServer;
  dataDir: string;
  wsUrl: string;
  providers: WebsocketProvider[];
  provider(docName: string, token: string, doc?: Y.Doc, params?: Record<string, string>): WebsocketProvider;
  /** With `{ tap: true }`: the server's store, through which a test holds, fails or counts writes. */
  tap: TapStore | undefined;
  /** Restarts the server on the same data folder (and the same port). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export type WorldOptions = Partial<SyncServerOptions> & {
  /** Run the server on a TapStore around the LevelDB store in the data folder (a fresh tap on each restart). */
  tap?: boolean;
};

export async function world(options: WorldOptions = {}): Promise<World> {
  const { tap, ...opts } = options;
  const dataDir = await mkdtemp(join(tmpdir(), 'popup-sync-'));
  const base = { host: '127.0.0.1', port: 0, dataDir, adminToken: 'test-admin-token-0123456789', hub: { idleUnloadMs: 200 }, ...opts };
  const start = async (port: number): Promise<SyncServer> => {
    w.tap = tap ? new TapStore(await LevelStore.open(join(dataDir, 'store'))) : undefined;
    return startSyncServer({ ...base, port, ...(w.tap ? { store: w.tap } : {}) });
  };
  const w: World = {
    tap: undefined,
    server: undefined as unknown as SyncServer,
    dataDir,
    wsUrl: '',
    providers: [],
    provider(docName, token, doc = new Y.Doc(), params = {}) {
      const p = new WebsocketProvider(w.wsUrl, docName, doc, {
        WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
        params: { token, ...params },
        disableBc: true,
        maxBackoffTime: 200,
      });
      w.providers.push(p);
      return p;
    },
    async restart() {
      const port = Number(new URL(server.url).port);
      await server.close();
      server = await start(port);
      w.server = server;
    },
    async stop() {
      for (const p of w.providers) p.destroy();
      await server.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  let server = await start(base.port);
  w.server = server;
  w.wsUrl = server.url.replace('http', 'ws') + '/sync';
  return w;
}

export async function demoWorld(opts: WorldOptions = {}) {
  const w = await world(opts);
  const demo = await seedDemo(w.server, Date.now() - 5 * 60_000);
  // The same object, not a copy: restart() replaces `server` on it.
  return Object.assign(w, { demo });
}

/** Resolves when `check` holds, polling; fails with `what` after `ms`. */
export async function until(check: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export function synced(p: WebsocketProvider): Promise<void> {
  return until(() => p.synced, 'the provider to sync');
}

/** Retries an async check until it stops throwing; rethrows its last error after `ms`. */
export async function eventually<T>(check: () => Promise<T>, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > end) throw err;
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

// ---- HTTP ------------------------------------------------------------------------------------------

export interface ApiReply {
  status: number;
  body: unknown;
  headers: Headers;
}

/** One JSON request to the server under test (always 127.0.0.1). */
export async function api(baseUrl: string, method: string, path: string, opts: { token?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<ApiReply> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token !== undefined) headers['authorization'] = `Bearer ${opts.token}`;
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${baseUrl}${path}`, { method, headers, ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}) });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text) as unknown;
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, body, headers: res.headers };
}

export const nodeRandom: RandomSource = { bytes: (n) => new Uint8Array(randomBytes(n)) };

export function freshDeviceId(): string {
  return newDeviceId(nodeRandom);
}

/** Pairs a till over HTTP, as a real till does; throws unless the server answers 201. */
export async function pairTill(baseUrl: string, code: string, deviceId = freshDeviceId()): Promise<PairedTill> {
  const res = await api(baseUrl, 'POST', '/api/pair', { body: { code, deviceId } });
  if (res.status !== 201) throw new Error(`pairing failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as PairedTill;
}

/** The value of one Prometheus counter or gauge from GET /metrics. */
export async function metric(baseUrl: string, name: string): Promise<number> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  if (!line) throw new Error(`no metric ${name}`);
  return Number(line.slice(name.length + 1));
}

export interface RejectionRecord {
  at: number;
  doc: string;
  role: string;
  tillId?: string;
  deviceId?: string;
  reason: string;
}

export async function rejections(baseUrl: string, eventId: string, token: string): Promise<RejectionRecord[]> {
  const res = await api(baseUrl, 'GET', `/api/events/${eventId}/rejections`, { token });
  if (res.status !== 200) throw new Error(`rejections: ${res.status} ${JSON.stringify(res.body)}`);
  return (res.body as { rejections: RejectionRecord[] }).rejections;
}

// ---- Documents --------------------------------------------------------------------------------------

/** Everything a document holds, as plain data: compare two of these to prove nothing changed. */
export interface DocState {
  stateVector: number[];
  maps: Record<string, Record<string, unknown>>;
}

export function docState(doc: Y.Doc): DocState {
  const maps: Record<string, Record<string, unknown>> = {};
  // Maps that hold nothing are left out: a replica only has the maps it has seen content for.
  for (const name of [...doc.share.keys()].sort()) {
    const map = doc.getMap(name);
    if (map.size > 0) maps[name] = map.toJSON();
  }
  return { stateVector: [...Y.encodeStateVector(doc)], maps };
}

/** The server's copy of a document (what it has applied and persists). */
export function storedState(server: SyncServer, docName: string): Promise<DocState> {
  return server.hub.read(docName, (doc) => docState(doc));
}

/** A copy of the server's document, to craft updates against. */
export async function copyOfServerDoc(server: SyncServer, docName: string): Promise<Y.Doc> {
  const state = await server.hub.read(docName, (doc) => Y.encodeStateAsUpdate(doc));
  const doc = new Y.Doc();
  Y.applyUpdate(doc, state);
  return doc;
}

/** The update one change to `doc` produces (only that transaction's inserts and deletes). */
export function updateOf(doc: Y.Doc, change: (doc: Y.Doc) => void): Uint8Array {
  const updates: Uint8Array[] = [];
  const record = (u: Uint8Array) => updates.push(u);
  doc.on('update', record);
  try {
    doc.transact(() => change(doc));
  } finally {
    doc.off('update', record);
  }
  if (updates.length !== 1) throw new Error(`expected one update, got ${updates.length}`);
  return updates[0]!;
}

// ---- A till's writing side ---------------------------------------------------------------------------

/** The stock view a till builds from its synced brand document. */
export function viewOf(doc: Y.Doc): StockView {
  const view = new StockView();
  for (const e of new BrandDoc(doc).ledger().items) view.add(e);
  return view;
}

/**
 * A sale record that passes `parseSale` but is NOT priced from the catalog (one line at `unitPrice`, no tax,
 * receipt under no till's prefix): for tests of what the server refuses before it looks at prices. A sale
 * the server should accept is made by `TillWriter`, which checks out as the real till does.
 */
export function saleRecord(p: { saleId: string; deviceId: string; tillId: string; eventId: string; brandId: string; holder?: HolderId; entry: LedgerEntry; unitPrice?: number }): Sale {
  const price = p.unitPrice ?? 1000;
  const gross = price * p.entry.qty;
  return {
    id: p.saleId,
    receiptNumber: `T9-${p.saleId.slice(-16, -13).toUpperCase()}`,
    at: p.saleId.slice(2),
    wallTime: Date.now(),
    writer: p.deviceId,
    eventId: p.eventId,
    brandId: p.brandId,
    tillId: p.tillId,
    holder: p.holder ?? tillHolder(p.tillId),
    checkoutId: `c_${p.saleId.slice(2)}`,
    cashierId: 'cashier-1',
    lines: [{ sku: p.entry.sku, name: p.entry.sku, qty: p.entry.qty, listPrice: price, unitPrice: price, tierId: null, taxRateBp: 0, net: gross, tax: 0, gross, entryId: p.entry.id }],
    payments: [{ method: 'cash', amount: gross }],
    discount: 0,
    net: gross,
    tax: 0,
    total: gross,
  };
}

/**
 * A paired till's writing side over a synced brand document and its event's setup document: it checks out
 * with core `buildCheckout`, as the real till does (the catalog's price at the tier in force, its receipt
 * prefix from the setup, managers from the setup's staff, rights from its own view), and appends the sale
 * and its entries in one transaction. It believes it owns its till's holder: the server is the judge.
 */
export class TillWriter {
  readonly clock: HybridClock;
  readonly view: StockView;
  private readonly ownerOf: OwnerOf;
  private receiptSeq = 0;

  constructor(
    readonly till: Pick<PairedTill, 'deviceId' | 'tillId' | 'eventId'>,
    readonly brandId: string,
    readonly doc: Y.Doc,
    readonly setupDoc: Y.Doc,
  ) {
    this.clock = new HybridClock(till.deviceId, { now: () => Date.now() });
    this.view = viewOf(doc);
    const holder = tillHolder(till.tillId);
    this.ownerOf = (h) => (h === holder ? till.deviceId : undefined);
  }

  get holder(): HolderId {
    return tillHolder(this.till.tillId);
  }

  rights(sku: string): number {
    return this.view.rights(this.holder, sku);
  }

  /** Builds a sale (checked against the till's rights and the sale rules) without appending it. */
  buildSale(sku: string, qty: number, override?: { managerId: string; reason: string }, now = Date.now()): { sale: Sale; entries: LedgerEntry[] } {
    const setup = new SetupDoc(this.setupDoc);
    const config = setup.config();
    if (!config) throw new Error('the setup document has no event config');
    const prefix = setup.tills().items.find((t) => t.id === this.till.tillId)?.receiptPrefix;
    if (!prefix) throw new Error(`${this.till.tillId} is not in the setup document`);
    const brand = new BrandDoc(this.doc);
    const cart = { lines: [{ brandId: this.brandId, sku, qty }] };
    const total = priceItems(cart.lines, config, (_b, s) => brand.productBySku(s), now).totals.total;
    const result = buildCheckout(
      { cart, payments: total > 0 ? [{ method: 'cash', amount: total }] : [], cashierId: 'ana', now, ...(override ? { override } : {}) },
      {
        config,
        deviceId: this.till.deviceId,
        tillId: this.till.tillId,
        holder: this.holder,
        receiptNumber: formatReceiptNumber(prefix, ++this.receiptSeq),
        clock: this.clock,
        product: (_b, s) => brand.productBySku(s),
        writer: () => new LedgerWriter(this.till.deviceId, this.clock, this.view, this.ownerOf),
        isManager: managersOf(setup.staff().items),
      },
    );
    return { sale: result.sales[0]!, entries: result.entries.get(this.brandId) ?? [] };
  }

  /** Sells and appends to the document (one Yjs transaction, so one update on the wire). */
  sell(sku: string, qty = 1, override?: { managerId: string; reason: string }): { sale: Sale; entries: LedgerEntry[] } {
    const built = this.buildSale(sku, qty, override);
    new BrandDoc(this.doc).appendSale(built.sale, built.entries);
    for (const e of built.entries) this.view.add(e);
    return built;
  }
}

// ---- Acknowledgements -------------------------------------------------------------------------------

/**
 * Collects the server's durable acknowledgements (message type 100) on a stock WebsocketProvider: each is
 * the server's state vector once the sender's update was on disk. Registering the handler also keeps the
 * stock provider from logging "Unable to compute message" for the unknown type.
 */
export function collectAcks(provider: WebsocketProvider): Map<number, number>[] {
  const acks: Map<number, number>[] = [];
  provider.messageHandlers[MessageType.Ack] = (_encoder, decoder) => {
    acks.push(Y.decodeStateVector(decoding.readVarUint8Array(decoder)));
  };
  return acks;
}

/** The highest clock of `clientId` that any acknowledgement covers. */
export function ackedClock(acks: readonly Map<number, number>[], clientId: number): number {
  return acks.reduce((max, sv) => Math.max(max, sv.get(clientId) ?? 0), 0);
}

// ---- Raw WebSocket clients (hostile input) ---------------------------------------------------------

export interface RawClient {
  ws: WebSocket;
  /** Every message the server sent, decoded (undecodable ones as `undefined`). */
  messages: (Incoming | undefined)[];
  /** Resolves with the close code and reason, whoever closed. */
  closed: Promise<{ code: number; reason: string }>;
  send(data: Uint8Array): void;
  /** Resolves once the server's greeting (its sync step 1) has arrived, i.e. the peer has joined. */
  joined(): Promise<void>;
  close(): void;
}

/** A bare `ws` client on `/sync/<docName>`: sends only what the test tells it to. */
export function rawClient(w: Pick<World, 'wsUrl'>, docName: string, token: string | undefined, params: Record<string, string> = {}): RawClient {
  const q = new URLSearchParams({ ...(token !== undefined ? { token } : {}), ...params }).toString();
  const ws = new WebSocket(`${w.wsUrl}/${docName}${q ? `?${q}` : ''}`);
  const messages: (Incoming | undefined)[] = [];
  ws.binaryType = 'nodebuffer';
  ws.on('message', (data: Buffer) => {
    try {
      messages.push(decodeMessage(new Uint8Array(data)));
    } catch {
      messages.push(undefined);
    }
  });
  ws.on('error', () => undefined);
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  return {
    ws,
    messages,
    closed,
    send: (data) => ws.send(data),
    joined: () => until(() => messages.some((m) => m?.type === 'sync-step1'), `the server to greet ${docName}`),
    close: () => ws.close(),
  };
}

/** A raw client that has joined and asked for the server's state (sync step 1 with an empty state vector). */
export async function joinedRawClient(w: Pick<World, 'wsUrl'>, docName: string, token: string, params: Record<string, string> = {}): Promise<RawClient> {
  const c = rawClient(w, docName, token, params);
  await c.joined();
  return c;
}

