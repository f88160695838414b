import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { DEMO_EVENT_ID } from '../core/event/demo-event.ts';
import { brandDocName, encodeValue, setupDocName } from '../core/event/schema.ts';
import { decodeMessage, decodeMuxFrame, muxFrame, syncStep1, syncUpdate, type Incoming } from '../core/base/wire.ts';
import { CloseCode } from './close-codes.ts';
import { api, demoWorld, until, type World } from './test-support.ts';

/**
 * `/sync-multi`: many documents on one WebSocket (the organiser console's). Each document is joined and judged
 * exactly as on its own connection; a refusal closes that document only, a revoked token the whole connection.
 */
let w: World | undefined;
const sockets: WebSocket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.terminate();
  await w?.stop();
  w = undefined;
});

interface Mux {
  ws: WebSocket;
  got: { docName: string; msg: Incoming }[];
  closed: Promise<{ code: number; reason: string }>;
  send(docName: string, message: Uint8Array): void;
}

async function mux(d: World, token: string): Promise<Mux> {
  const ws = new WebSocket(`${d.wsUrl}-multi?token=${encodeURIComponent(token)}`);
  sockets.push(ws);
  const got: Mux['got'] = [];
  ws.on('message', (data: Buffer) => {
    const frame = decodeMuxFrame(new Uint8Array(data));
    got.push({ docName: frame.docName, msg: decodeMessage(frame.message) });
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  return { ws, got, closed, send: (docName, message) => ws.send(muxFrame(docName, message)) };
}

const stepTwoFor = (m: Mux, docName: string) => m.got.find((g) => g.docName === docName && g.msg.type === 'update' && g.msg.step2);
const closedDoc = (m: Mux, docName: string) => m.got.find((g) => g.docName === docName && g.msg.type === 'doc-closed')?.msg as { code: number; reason: string } | undefined;

describe('many documents on one connection', () => {
  it('syncs an event’s setup and brands over one socket, and a refused document closes alone', async () => {
    const d = await demoWorld();
    w = d;
    const m = await mux(d, d.demo.organiserToken);
    const docs = [setupDocName(DEMO_EVENT_ID), ...['north-thread', 'second-life', 'mellow-ceramics'].map((b) => brandDocName(DEMO_EVENT_ID, b))];
    for (const name of docs) m.send(name, syncStep1(new Uint8Array([0])));
    await until(() => docs.every((n) => !!stepTwoFor(m, n)), 'each document’s state');
    const copy = new Y.Doc();
    const step2 = stepTwoFor(m, brandDocName(DEMO_EVENT_ID, 'north-thread'))!.msg as { update: Uint8Array };
    Y.applyUpdate(copy, step2.update);
    expect(copy.getMap('products').size).toBeGreaterThan(5);

    // Another event's document and a malformed name: refused by name, the connection stays.
    m.send('event/elsewhere/setup', syncStep1(new Uint8Array([0])));
    m.send('not a document', syncStep1(new Uint8Array([0])));
    await until(() => !!closedDoc(m, 'event/elsewhere/setup') && !!closedDoc(m, 'not a document'), 'both refusals');
    expect(closedDoc(m, 'event/elsewhere/setup')!.code).toBe(CloseCode.Forbidden);
    expect(closedDoc(m, 'not a document')!.code).toBe(CloseCode.UnknownDocument);

    // A write through a read-only document (the organiser reads brand documents) closes that document only.
    const brand = brandDocName(DEMO_EVENT_ID, 'north-thread');
    const forged = new Y.Doc();
    Y.applyUpdate(forged, step2.update);
    forged.getMap('ledger').set('e_forged', encodeValue({ qty: 1000 }));
    m.send(brand, syncUpdate(Y.encodeStateAsUpdate(forged, Y.encodeStateVector(copy))));
    await until(() => !!closedDoc(m, brand), 'the write refused');
    expect(closedDoc(m, brand)!.code).toBe(CloseCode.ReadOnly);
    expect(await d.server.hub.read(brand, (doc) => doc.getMap('ledger').has('e_forged'))).toBe(false);

    // The other documents still follow changes on the same socket.
    const before = m.got.length;
    const res = await api(d.server.url, 'POST', `/api/events/${DEMO_EVENT_ID}/stock/receive`, {
      token: d.demo.organiserToken,
      body: { holder: 'reserve', lines: [{ brandId: 'second-life', sku: 'SL-CASE-11', qty: 2 }] },
    });
    expect(res.status).toBe(201);
    await until(() => m.got.slice(before).some((g) => g.docName === brandDocName(DEMO_EVENT_ID, 'second-life') && g.msg.type === 'update'), 'the stock move relayed');
    expect(m.ws.readyState).toBe(WebSocket.OPEN);
  });

  it('closes the whole connection when its token is revoked, and on a frame that names no document', async () => {
    const d = await demoWorld();
    w = d;
    const issued = await api(d.server.url, 'POST', `/api/events/${DEMO_EVENT_ID}/tokens`, { token: d.demo.organiserToken, body: { role: 'storefront', label: 'mux shop' } });
    expect(issued.status).toBe(201);
    const shop = issued.body as { id: string; token: string };
    const m = await mux(d, shop.token);
    const brand = brandDocName(DEMO_EVENT_ID, 'north-thread');
    m.send(brand, syncStep1(new Uint8Array([0])));
    await until(() => !!stepTwoFor(m, brand), 'the brand document');
    expect((await api(d.server.url, 'POST', `/api/events/${DEMO_EVENT_ID}/tokens/${shop.id}/revoke`, { token: d.demo.organiserToken, body: { reason: 'test' } })).status).toBe(200);
    expect((await m.closed).code).toBe(CloseCode.TokenRevoked);

    const garbage = await mux(d, d.demo.organiserToken);
    garbage.ws.send(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]));
    expect((await garbage.closed).code).toBe(CloseCode.ProtocolError);
  });
});
