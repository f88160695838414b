import { CONSOLE_CONNECTION_FACTOR, connectionCap } from './limits.ts';
import * as encoding from 'lib0/encoding';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { Awareness, encodeAwarenessUpdate } from 'y-protocols/awareness';
import * as Y from 'yjs';
import { DEMO_EVENT_ID, DEMO_PRODUCTS } from '../core/demo-event.ts';
import { HybridClock } from '../core/hlc.ts';
import { tillHolder } from '../core/holders.ts';
import { newId } from '../core/ids.ts';
import { parseEntry, type LedgerEntry } from '../core/ledger.ts';
import { BrandDoc, brandDocName, encodeValue } from '../core/schema.ts';
import type { PairedTill } from './event-service.ts';
import { MessageType, syncStep1, syncUpdate } from './protocol.ts';
import type { SyncServerOptions } from './server.ts';
import {
  ackedClock,
  collectAcks,
  copyOfServerDoc,
  demoWorld,
  docState,
  eventually,
  joinedRawClient,
  metric,
  pairTill,
  rawClient,
  rejections,
  saleRecord,
  storedState,
  synced,
  TillWriter,
  until,
  updateOf,
  type RawClient,
  type World,
} from './test-support.ts';

/**
 * Hostile and broken input: each is refused with a named close code, nothing stored changes, and the other
 * clients — on the same document and on another — carry on as if nothing happened.
 */
const E = DEMO_EVENT_ID;
const NT = brandDocName(E, 'north-thread'); // the attacked document: till A (Booth A) sells this brand
const SL = brandDocName(E, 'second-life'); // another document: till B (Booth B) sells this one

let w: World | undefined;
afterEach(async () => {
  await w?.stop();
  w = undefined;
});

const clocks = new Map<string, HybridClock>();
const clockOf = (device: string) => clocks.get(device) ?? clocks.set(device, new HybridClock(device, { now: () => Date.now() })).get(device)!;

/** A well-formed ledger entry written as `writer` (not checked against rights or ownership). */
function entryBy(writer: string, fields: Omit<LedgerEntry, 'id' | 'at' | 'writer'>): LedgerEntry {
  const id = newId('e', clockOf(writer));
  return parseEntry({ id, at: id.slice(2), writer, ...fields });
}

/**
 * The demo event with two paired tills and four well-behaved clients: till A and an organiser on the
 * attacked document, till B and a storefront on another. Records the stored state before the attack.
 */
async function arena(opts: Partial<SyncServerOptions> = {}) {
  const d = await demoWorld(opts);
  w = d;
  const tillA = await pairTill(d.server.url, d.demo.tills[0]!.code);
  const tillB = await pairTill(d.server.url, d.demo.tills[1]!.code);
  const sameDocTill = d.provider(NT, tillA.token, new Y.Doc(), { ack: '1' });
  const sameDocWatcher = d.provider(NT, d.demo.organiserToken);
  const otherDocTill = d.provider(SL, tillB.token, new Y.Doc(), { ack: '1' });
  const otherDocWatcher = d.provider(SL, d.demo.storefrontToken);
  const bystanders = [sameDocTill, sameDocWatcher, otherDocTill, otherDocWatcher];
  const closes: string[] = [];
  for (const p of bystanders) p.on('connection-close', (e) => closes.push(`${p.roomname}: ${e?.code ?? 'local'}`));
  const acks = new Map([sameDocTill, otherDocTill].map((p) => [p, collectAcks(p)]));
  await Promise.all(bystanders.map(synced));
  const before = {
    nt: await storedState(d.server, NT),
    sl: await storedState(d.server, SL),
    rejected: await metric(d.server.url, 'popup_updates_rejected_total'),
    rejections: await rejections(d.server.url, E, d.demo.organiserToken),
  };
  expect(before.rejected).toBe(0);
  expect(before.rejections).toEqual([]);

  /** A replica of the attacked document to craft updates on (a Yjs client of its own). */
  const replica = () => copyOfServerDoc(d.server, NT);

  const sells = async (till: PairedTill, brandId: string, p: typeof sameDocTill, watcher: typeof sameDocWatcher, sku: string) => {
    const writer = new TillWriter(till, brandId, p.doc);
    const { sale } = writer.sell(sku, 1);
    const clock = Y.getState(p.doc.store, p.doc.clientID);
    await until(() => ackedClock(acks.get(p)!, p.doc.clientID) >= clock, `${till.tillId}'s sale to be acknowledged`);
    await until(() => new BrandDoc(watcher.doc).saleById(sale.id) !== undefined, `${till.tillId}'s sale to reach the watcher`);
    return sale;
  };

  return {
    d,
    tillA,
    tillB,
    sameDocTill,
    sameDocWatcher,
    replica,
    /** A raw connection as till A (unless told otherwise), joined to the attacked document. */
    hostile: (token = tillA.token, params: Record<string, string> = {}) => joinedRawClient(d, NT, token, params),

    /** Nothing the server holds changed: both documents are exactly as they were. */
    async expectNothingStored() {
      expect(await storedState(d.server, NT)).toEqual(before.nt);
      expect(await storedState(d.server, SL)).toEqual(before.sl);
    },

    /** A refused update: recorded for the organiser with its reason, and counted. */
    async expectRejectionRecorded(reason: string) {
      await eventually(async () => {
        const recorded = await rejections(d.server.url, E, d.demo.organiserToken);
        expect(recorded.map(({ doc, role, tillId, deviceId, reason: r }) => ({ doc, role, tillId, deviceId, reason: r }))).toEqual([
          { doc: NT, role: 'till', tillId: tillA.tillId, deviceId: tillA.deviceId, reason },
        ]);
      });
      expect(await metric(d.server.url, 'popup_updates_rejected_total')).toBe(before.rejected + 1);
    },

    /** Not an update (a protocol error, a size or rate limit): closed, but no update rejection is recorded. */
    async expectNoRejectionRecorded() {
      expect(await rejections(d.server.url, E, d.demo.organiserToken)).toEqual([]);
      expect(await metric(d.server.url, 'popup_updates_rejected_total')).toBe(before.rejected);
    },

    /** The bystanders were never disconnected, and both documents still take sales and relay them. */
    async expectOthersKeepWorking() {
      const a = await sells(tillA, 'north-thread', sameDocTill, sameDocWatcher, 'NT-SOCKS');
      const b = await sells(tillB, 'second-life', otherDocTill, otherDocWatcher, 'SL-CABLE');
      expect(await d.server.hub.read(NT, (doc) => new BrandDoc(doc).saleById(a.id))).toEqual(a);
      expect(await d.server.hub.read(SL, (doc) => new BrandDoc(doc).saleById(b.id))).toEqual(b);
      expect(docState(sameDocWatcher.doc)).toEqual(await storedState(d.server, NT));
      expect(docState(otherDocWatcher.doc)).toEqual(await storedState(d.server, SL));
      expect(closes).toEqual([]);
      return { a, b };
    },
  };
}

type Arena = Awaited<ReturnType<typeof arena>>;

/** The close frame carries the reason's first 120 characters, cut to the 123 bytes a close reason may have. */
function closeReason(reason: string): string {
  const bytes = Buffer.from(reason.slice(0, 120));
  let end = Math.min(bytes.length, 123);
  while (end < bytes.length && end > 0 && (bytes[end]! & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end).toString();
}

/** Sends an update as till A and expects it refused with 4422 for `reason`, then checks everything else. */
async function expectUpdateRejected(x: Arena, update: Uint8Array, reason: string): Promise<RawClient> {
  const c = await x.hostile();
  c.send(syncUpdate(update));
  expect(await c.closed).toEqual({ code: 4422, reason: closeReason(reason) });
  expect(c.messages.filter((m) => m?.type === 'auth')).toEqual([{ type: 'auth', denied: reason }]);
  expect(c.messages.filter((m) => m?.type === 'ack')).toEqual([]);
  await x.expectNothingStored();
  await x.expectRejectionRecorded(reason);
  await x.expectOthersKeepWorking();
  return c;
}

function bytes(write: (e: encoding.Encoder) => void): Uint8Array {
  const e = encoding.createEncoder();
  write(e);
  return encoding.toUint8Array(e);
}

/** A fixed pseudo-random byte string (so a failure can be replayed). */
function noise(n: number, seed = 0x2545f491): Uint8Array {
  const out = new Uint8Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    out[i] = s >>> 24;
  }
  return out;
}

describe('hostile input on the sync protocol', () => {
  /** A message of `type` whose payload is `payload` as one length-prefixed byte array (after `sub`, if given). */
  const framed = (type: number, payload: number[], sub?: number) =>
    bytes((e) => {
      encoding.writeVarUint(e, type);
      if (sub !== undefined) encoding.writeVarUint(e, sub);
      encoding.writeVarUint8Array(e, new Uint8Array(payload));
    });
  const junk: [string, Uint8Array][] = [
    ['random bytes', noise(256)],
    // Well framed, but the payload does not decode: these used to throw out of the socket handler.
    ['a sync step 1 whose state vector is garbage', framed(MessageType.Sync, [5, 0xff, 0xff, 0xff], 0)],
    ['an awareness message whose payload is garbage', framed(MessageType.Awareness, [1, 5, 1, 3, 0x7b, 0x7b, 0x7b])],
    ['a message of an unknown type', framed(42, [1, 2, 3])],
  ];
  for (const [what, message] of junk) {
    it(`closes a connection that sends ${what} with 4400 (protocol error)`, async () => {
      const x = await arena();
      const c = await x.hostile();
      c.send(message);
      expect((await c.closed).code).toBe(4400);
      await x.expectNothingStored();
      await x.expectNoRejectionRecorded();
      await x.expectOthersKeepWorking();
    });
  }

  it('closes a connection that sends a truncated sync message with 4400', async () => {
    const x = await arena();
    const replica = await x.replica();
    const writer = new TillWriter(x.tillA, 'north-thread', replica);
    const whole = syncUpdate(updateOf(replica, () => writer.sell('NT-CAP', 1)));
    const c = await x.hostile();
    c.send(whole.subarray(0, whole.length - 7));
    expect(await c.closed).toEqual({ code: 4400, reason: 'Unexpected end of array' });
    await x.expectNothingStored();
    await x.expectNoRejectionRecorded();
    await x.expectOthersKeepWorking();
  });

  it('refuses a well-framed sync message whose update is cut short with 4422', async () => {
    const x = await arena();
    const replica = await x.replica();
    const writer = new TillWriter(x.tillA, 'north-thread', replica);
    const update = updateOf(replica, () => writer.sell('NT-CAP', 1));
    await expectUpdateRejected(x, update.subarray(0, update.length - 9), 'the update could not be decoded');
  });

  it('closes a connection that sends a message over maxMessageBytes with 1009, after accepting one just under it', async () => {
    const x = await arena({ limits: { maxMessageBytes: 64 * 1024 } });
    const c = await x.hostile();
    // Just under the limit: a large awareness state is fine, and reaches the other client on the document.
    const awareness = new Awareness(new Y.Doc());
    awareness.setLocalState({ note: 'x'.repeat(60 * 1024) });
    c.send(
      bytes((e) => {
        encoding.writeVarUint(e, MessageType.Awareness);
        encoding.writeVarUint8Array(e, encodeAwarenessUpdate(awareness, [awareness.clientID]));
      }),
    );
    const watcher = x.sameDocWatcher;
    await until(() => (watcher.awareness.getStates().get(awareness.clientID)?.['note'] as string | undefined)?.length === 60 * 1024, 'the large awareness state');
    // Over the limit by one byte.
    c.send(new Uint8Array(64 * 1024 + 1));
    expect((await c.closed).code).toBe(1009);
    await x.expectNothingStored();
    await x.expectNoRejectionRecorded();
    await x.expectOthersKeepWorking();
    awareness.destroy();
  });

  it('refuses a ledger entry whose value is not JSON with 4422', async () => {
    const x = await arena();
    const replica = await x.replica();
    const key = newId('e', clockOf(x.tillA.deviceId));
    const update = updateOf(replica, (doc) => doc.getMap('ledger').set(key, 'this is not json {'));
    await expectUpdateRejected(x, update, `ledger/${key}: entry: must be an object`);
  });

  it('refuses a ledger entry with missing fields with 4422', async () => {
    const x = await arena();
    const replica = await x.replica();
    const key = newId('e', clockOf(x.tillA.deviceId));
    const update = updateOf(replica, (doc) => doc.getMap('ledger').set(key, JSON.stringify({ kind: 'sale', sku: 'NT-CAP' })));
    await expectUpdateRejected(x, update, `ledger/${key}: qty: must be a whole number`);
  });

  it('refuses an update that deletes a ledger entry with 4422', async () => {
    const x = await arena();
    const replica = await x.replica();
    const [key] = [...replica.getMap('ledger').keys()];
    const update = updateOf(replica, (doc) => doc.getMap('ledger').delete(key!));
    await expectUpdateRejected(x, update, 'the update deletes or overwrites content of a brand document');
  });

  it('refuses an update that overwrites an existing ledger entry, as Yjs replaces a value, with 4422', async () => {
    const x = await arena();
    const replica = await x.replica();
    const opening = new BrandDoc(replica).ledger().items.find((e) => e.kind === 'transfer' && e.to === tillHolder(x.tillA.tillId) && e.sku === 'NT-CAP')!;
    const update = updateOf(replica, (doc) => doc.getMap('ledger').set(opening.id, replica.getMap('ledger').get(opening.id)!.toString().replace('"qty":15', '"qty":1500')));
    await expectUpdateRejected(x, update, 'the update deletes or overwrites content of a brand document');
  });

  it("refuses an update that writes an existing ledger entry's key afresh (no deletion), raising the till's own stock, with 4422", async () => {
    const x = await arena();
    const server = await x.replica();
    const opening = new BrandDoc(server).ledger().items.find((e) => e.kind === 'transfer' && e.to === tillHolder(x.tillA.tillId) && e.sku === 'NT-CAP')!;
    expect(opening.qty).toBe(15);
    // A document that never saw the entry writes the same key: to Yjs a concurrent write, not a replacement.
    const fresh = new Y.Doc();
    const update = updateOf(fresh, (doc) => new BrandDoc(doc).appendEntries([{ ...opening, qty: 1500 }]));
    await expectUpdateRejected(x, update, `ledger/${opening.id} already exists: entries are never overwritten`);
  });

  it("refuses a ledger entry with a forged writer (another device's id) with 4422", async () => {
    const x = await arena();
    const replica = await x.replica();
    const saleId = newId('s', clockOf(x.tillB.deviceId));
    const forged = entryBy(x.tillB.deviceId, { kind: 'sale', sku: 'NT-CAP', qty: 1, from: tillHolder(x.tillA.tillId), ref: saleId });
    const update = updateOf(replica, (doc) => new BrandDoc(doc).appendEntries([forged]));
    await expectUpdateRejected(x, update, `entry ${forged.id} names writer ${x.tillB.deviceId}, but this connection is device ${x.tillA.deviceId}`);
  });

  it("refuses an entry by the till's own device that moves another till's stock with 4422", async () => {
    const x = await arena();
    const replica = await x.replica();
    const steal = entryBy(x.tillA.deviceId, { kind: 'transfer', sku: 'NT-CAP', qty: 1, from: tillHolder(x.tillB.tillId), to: tillHolder(x.tillA.tillId) });
    const update = updateOf(replica, (doc) => new BrandDoc(doc).appendEntries([steal]));
    await expectUpdateRejected(x, update, `${x.tillA.deviceId} may not write for ${tillHolder(x.tillB.tillId)} (owned by ${x.tillB.deviceId})`);
  });

  it('refuses a sale beyond the till’s rights without a manager override with 4422, and accepts it with one', async () => {
    const x = await arena();
    const replica = await x.replica();
    const holder = tillHolder(x.tillA.tillId);
    const saleId = newId('s', clockOf(x.tillA.deviceId));
    const entry = entryBy(x.tillA.deviceId, { kind: 'sale', sku: 'NT-CAP', qty: 16, from: holder, ref: saleId });
    const sale = saleRecord({ saleId, deviceId: x.tillA.deviceId, tillId: x.tillA.tillId, eventId: E, brandId: 'north-thread', entry });
    const update = updateOf(replica, (doc) => new BrandDoc(doc).appendSale(sale, [entry]));
    await expectUpdateRejected(x, update, `${holder} holds 15 of NT-CAP, 16 wanted`);
    expect(await x.d.server.hub.read(NT, (_doc, view) => view!.rights(holder, 'NT-CAP'))).toBe(15);

    // The same oversell through the till's own client, with a manager's override: allowed, and on record.
    const writer = new TillWriter(x.tillA, 'north-thread', x.sameDocTill.doc);
    const { entries } = writer.sell('NT-CAP', 16, { managerId: 'manager-1', reason: 'customer already paid' });
    expect(entries[0]!.override).toEqual({ managerId: 'manager-1', reason: 'customer already paid', shortfall: 1 });
    await eventually(async () => expect(await x.d.server.hub.read(NT, (_doc, view) => view!.negativeBalances())).toEqual([{ holder, sku: 'NT-CAP', sellable: -1 }]));
    expect(await x.d.server.hub.read(NT, (_doc, view) => view!.overrides().map((e) => e.id))).toEqual([entries[0]!.id]);
  });

  it('refuses two sales in one update that together exceed the till’s rights with 4422', async () => {
    const x = await arena();
    const replica = await x.replica();
    const holder = tillHolder(x.tillA.tillId);
    const sales = [9, 7].map((qty) => {
      const saleId = newId('s', clockOf(x.tillA.deviceId));
      const entry = entryBy(x.tillA.deviceId, { kind: 'sale', sku: 'NT-CAP', qty, from: holder, ref: saleId });
      return { sale: saleRecord({ saleId, deviceId: x.tillA.deviceId, tillId: x.tillA.tillId, eventId: E, brandId: 'north-thread', entry }), entry };
    });
    const update = updateOf(replica, (doc) => sales.forEach(({ sale, entry }) => new BrandDoc(doc).appendSale(sale, [entry])));
    await expectUpdateRejected(x, update, `${holder} holds 6 of NT-CAP, 7 wanted`);
  });

  it('refuses an update that leaves a gap in its writer’s history (Yjs would hold it back, unchecked) with 4422', async () => {
    const x = await arena();
    const replica = await x.replica();
    const writer = new TillWriter(x.tillA, 'north-thread', replica);
    // Two sales of all 15 caps, the second with an override; sent second-first, the first would be held back
    // as "pending" and land unchecked once the gap is filled.
    updateOf(replica, () => writer.sell('NT-CAP', 15));
    const second = updateOf(replica, () => writer.sell('NT-CAP', 15, { managerId: 'manager-1', reason: 'gap' }));
    await expectUpdateRejected(x, second, 'the update skips content the server does not have');
  });

  it('refuses a sale record for another till’s holder with 4422', async () => {
    const x = await arena();
    const replica = await x.replica();
    const saleId = newId('s', clockOf(x.tillA.deviceId));
    const entry = entryBy(x.tillA.deviceId, { kind: 'sale', sku: 'NT-CAP', qty: 1, from: tillHolder(x.tillA.tillId), ref: saleId });
    const sale = saleRecord({ saleId, deviceId: x.tillA.deviceId, tillId: x.tillB.tillId, holder: tillHolder(x.tillB.tillId), eventId: E, brandId: 'north-thread', entry });
    const update = updateOf(replica, (doc) => new BrandDoc(doc).append('sales', [[sale.id, sale]]));
    await expectUpdateRejected(x, update, `sales/${saleId} was not written by this till`);
  });

  it('refuses a sale record that names another brand, or another till of the same device’s token, with 4422', async () => {
    const x = await arena();
    const replica = await x.replica();
    const saleId = newId('s', clockOf(x.tillA.deviceId));
    const entry = entryBy(x.tillA.deviceId, { kind: 'sale', sku: 'NT-CAP', qty: 1, from: tillHolder(x.tillA.tillId), ref: saleId });
    const sale = saleRecord({ saleId, deviceId: x.tillA.deviceId, tillId: x.tillA.tillId, holder: tillHolder(x.tillA.tillId), eventId: E, brandId: 'second-life', entry });
    const update = updateOf(replica, (doc) => new BrandDoc(doc).append('sales', [[sale.id, sale]]));
    await expectUpdateRejected(x, update, `sales/${saleId} belongs to another event or brand`);
  });

  it('refuses a record under a key that is long in UTF-8 with 4422, its close reason cut to fit and recorded in full', async () => {
    const x = await arena();
    const replica = await x.replica();
    const key = '🙂'.repeat(80); // 320 bytes: quoted in the reason, it would not fit a close frame
    const update = updateOf(replica, (doc) => doc.getMap('sales').set(key, 'not a sale'));
    const reason = `sales/${key}: sale: must be an object`;
    expect(Buffer.byteLength(closeReason(reason))).toBeLessThanOrEqual(123);
    await expectUpdateRejected(x, update, reason);
  });

  it('refuses a till writing to the products map with 4422', async () => {
    const x = await arena();
    const replica = await x.replica();
    const product = { ...DEMO_PRODUCTS.find((p) => p.sku === 'NT-CAP')!, sku: 'NT-CAP-FREE', price: 0, barcodes: [] };
    const update = updateOf(replica, (doc) => doc.getMap('products').set(product.sku, encodeValue(product)));
    await expectUpdateRejected(x, update, 'only the organiser changes the catalog (through the HTTP API)');
  });

  it('closes a connection that sends more messages a second than allowed with 4429', async () => {
    const x = await arena({ limits: { messagesPerSecond: 20 } });
    const c = await x.hostile();
    for (let i = 0; i < 100; i++) c.send(new Uint8Array([MessageType.QueryAwareness]));
    expect(await c.closed).toEqual({ code: 4429, reason: 'more than 20 messages a second' });
    // A burst of twice the rate was served before the limit hit.
    const answered = c.messages.filter((m) => m?.type === 'awareness').length;
    expect(answered).toBeGreaterThanOrEqual(40);
    expect(answered).toBeLessThan(100);
    await x.expectNothingStored();
    await x.expectNoRejectionRecorded();
    await x.expectOthersKeepWorking();
  });

  it('refuses a connection beyond the per-token limit with 4429, keeps the others, and frees the slot when one closes', async () => {
    const x = await arena({ limits: { connectionsPerToken: 2 } });
    const token = await x.d.server.auth.issue({ role: 'storefront', eventId: E, label: 'greedy', createdAt: Date.now() });
    const first = await x.hostile(token);
    const second = await x.hostile(token);
    const third = rawClient(x.d, NT, token);
    expect(await third.closed).toEqual({ code: 4429, reason: 'at most 2 connections per token' });
    await x.expectNothingStored();
    await x.expectNoRejectionRecorded();
    const { a } = await x.expectOthersKeepWorking();
    // The two connections within the limit still receive the document's updates …
    for (const c of [first, second]) {
      await until(() => c.messages.some((m) => m?.type === 'update' && !m.step2), 'the sale to reach a connection within the limit');
      c.send(syncStep1(Y.encodeStateVector(new Y.Doc())));
      await until(() => c.messages.some((m) => m?.type === 'update' && m.step2), 'its sync step 2');
      const replica = new Y.Doc();
      for (const m of c.messages) if (m?.type === 'update') Y.applyUpdate(replica, m.update);
      expect(new BrandDoc(replica).saleById(a.id)).toEqual(a);
    }
    // … and once one closes, a new connection with the same token is let in.
    first.close();
    await first.closed;
    const fourth = await joinedRawClient(x.d, NT, token);
    expect(fourth.ws.readyState).toBe(fourth.ws.OPEN);
  });
});

describe('the WebSocket front door', () => {
  /** Makes every token check take 100 ms, so a test can act while a connection is being authenticated. */
  function slowAuth(x: Arena) {
    const auth = x.d.server.auth;
    const check = auth.check.bind(auth);
    auth.check = async (token) => {
      await new Promise((r) => setTimeout(r, 100));
      return check(token);
    };
  }

  it("does not count a connection that leaves while it is being authenticated against its token's limit", async () => {
    const x = await arena({ limits: { connectionsPerToken: 2 } });
    const open = await metric(x.d.server.url, 'popup_connections');
    expect(open).toBe(4); // the four bystanders
    const token = await x.d.server.auth.issue({ role: 'storefront', eventId: E, label: 'flaky', createdAt: Date.now() });
    slowAuth(x);
    for (let i = 0; i < 3; i++) {
      const ws = new WebSocket(`${x.d.wsUrl}/${NT}?token=${token}`);
      ws.on('error', () => undefined);
      ws.on('open', () => ws.terminate());
      await new Promise((r) => ws.on('close', r));
    }
    await new Promise((r) => setTimeout(r, 150)); // the server finishes authenticating the three
    expect(await metric(x.d.server.url, 'popup_connections')).toBe(open);
    const c = await joinedRawClient(x.d, NT, token);
    expect(c.ws.readyState).toBe(c.ws.OPEN);
    await x.expectNothingStored();
    await x.expectOthersKeepWorking();
  });

  it('closes a connection whose first frame is over the size limit with 1009 even while it is still being authenticated', async () => {
    const x = await arena({ limits: { maxMessageBytes: 64 * 1024 } });
    slowAuth(x);
    const c = rawClient(x.d, NT, x.tillA.token);
    c.ws.on('open', () => c.send(new Uint8Array(64 * 1024 + 1)));
    expect((await c.closed).code).toBe(1009);
    expect(c.messages).toEqual([]);
    expect((await fetch(`${x.d.server.url}/healthz`)).status).toBe(200);
    await x.expectNothingStored();
    await x.expectNoRejectionRecorded();
    await x.expectOthersKeepWorking();
  });

  it('closes a connection to a document name it cannot hold (unknown, very long, or badly encoded) with 4404', async () => {
    const x = await arena();
    for (const name of ['event/demo-flash-mall/brand', `event/${'a'.repeat(300)}/setup`]) {
      const c = rawClient(x.d, name, x.d.demo.organiserToken);
      const closed = await c.closed;
      expect(closed.code).toBe(4404);
      expect(closed.reason.startsWith(`docName: "${name.slice(0, 40)}`)).toBe(true);
      expect(Buffer.byteLength(closed.reason)).toBeLessThanOrEqual(123);
    }
    // A name that is not even valid percent-encoding.
    const garbled = rawClient(x.d, 'event/%E0%A4%A/setup', x.d.demo.organiserToken);
    expect(await garbled.closed).toEqual({ code: 4404, reason: 'the document name is not valid percent-encoding' });
    await x.expectNothingStored();
    await x.expectNoRejectionRecorded();
    await x.expectOthersKeepWorking();
  });

  it('answers an upgrade request whose URL cannot be parsed with 400 and keeps serving', async () => {
    const x = await arena();
    const socket = connect(Number(new URL(x.d.server.url).port), '127.0.0.1');
    let reply = '';
    socket.on('data', (b: Buffer) => (reply += b.toString('latin1')));
    socket.on('error', () => undefined);
    const ended = new Promise((r) => socket.on('close', r));
    socket.write(
      'GET http://[/sync/x HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
    );
    await ended;
    expect(reply.split('\r\n')[0]).toBe('HTTP/1.1 400 Bad Request');
    expect((await fetch(`${x.d.server.url}/healthz`)).status).toBe(200);
    await x.expectNothingStored();
    await x.expectOthersKeepWorking();
  });
});

describe('connection limits by role', () => {
  it('lets an organiser console hold more connections than a till or storefront token (one per document of a big event)', () => {
    const limits = { connectionsPerToken: 32 };
    expect(connectionCap({ role: 'storefront' }, limits)).toBe(32);
    expect(connectionCap({ role: 'till' }, limits)).toBe(32);
    expect(connectionCap({ role: 'organiser' }, limits)).toBe(32 * CONSOLE_CONNECTION_FACTOR);
    expect(connectionCap({ role: 'admin' }, limits)).toBe(32 * CONSOLE_CONNECTION_FACTOR);
  });
});
