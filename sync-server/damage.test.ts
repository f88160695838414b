import { ClassicLevel } from 'classic-level';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { DEMO_EVENT_ID } from '../core/event/demo-event.ts';
import { BrandDoc, brandDocName, setupDocName } from '../core/event/schema.ts';
import { CloseCode } from './close-codes.ts';
import { api, copyOfServerDoc, demoWorld, metric, pairTill, rawClient, synced, TillWriter, until, type World } from './test-support.ts';

/**
 * Damaged stored data: the server verifies what it stores on start, reports damage (one log line, /healthz
 * degraded, the popup_documents_damaged gauge), refuses a damaged document (4503 over sync, 503
 * DocumentDamaged over HTTP) instead of serving a shorter copy, and an admin rebuilds it from a till's copy.
 */
const northThread = brandDocName(DEMO_EVENT_ID, 'north-thread');
let w: World | undefined;
afterEach(async () => {
  await w?.stop();
  w = undefined;
});

/** Stores an update of `northThread` that depends on content the store does not have: writes in between were lost. */
async function damageBrandDoc(dataDir: string): Promise<void> {
  const db = new ClassicLevel<string, Uint8Array>(join(dataDir, 'store'), { keyEncoding: 'utf8', valueEncoding: 'view' });
  await db.open();
  const lost = new Y.Doc();
  lost.clientID = 424242;
  lost.getMap('sales').set('lost-1', '{}');
  const before = Y.encodeStateVector(lost);
  lost.getMap('sales').set('lost-2', '{}');
  await db.put(`d!${northThread}!u!999999999999`, Y.encodeStateAsUpdate(lost, before));
  await db.close();
}

describe('damaged stored data', () => {
  it('is reported on start, refused with 4503 and 503, and rebuilt from a till’s copy by an admin', async () => {
    const logs: string[] = [];
    const d = await demoWorld({ log: (level, message) => logs.push(`${level} ${message}`) });
    w = d;
    const till = await pairTill(d.server.url, d.demo.tills[0]!.code);
    const tillDoc = new Y.Doc();
    const tillClient = d.provider(northThread, till.token, tillDoc, { ack: '1' });
    await synced(tillClient);
    const { sale } = new TillWriter(till, 'north-thread', tillDoc, await copyOfServerDoc(d.server, setupDocName(DEMO_EVENT_ID))).sell('NT-CAP', 1);
    await until(() => tillClient.synced && tillDoc.getMap('sales').has(sale.id), 'the sale');
    tillClient.destroy();
    await d.server.close();
    await damageBrandDoc(d.dataDir);
    await d.restart();

    // One line naming the document and what is lost.
    const lines = logs.filter((l) => l.startsWith('error stored data damaged'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(northThread);
    expect(lines[0]).toContain('writes between them were lost');
    const health = await api(d.server.url, 'GET', '/healthz');
    expect(health.body).toMatchObject({ status: 'degraded', damaged: [{ doc: northThread }] });
    expect(await metric(d.server.url, 'popup_documents_damaged')).toBe(1);

    // Refused over sync, with the named code, and over HTTP, with 503 naming it; other documents still serve.
    const organiser = rawClient(d, northThread, d.demo.organiserToken);
    expect((await organiser.closed).code).toBe(CloseCode.DocumentDamaged);
    const summary = await api(d.server.url, 'GET', `/api/events/${DEMO_EVENT_ID}/summary`, { token: d.demo.organiserToken });
    expect(summary.status).toBe(503);
    expect(summary.body).toMatchObject({ type: 'DocumentDamaged' });
    const other = rawClient(d, brandDocName(DEMO_EVENT_ID, 'second-life'), d.demo.organiserToken);
    await other.joined();
    other.close();

    // Only an admin may rebuild.
    expect((await api(d.server.url, 'POST', '/api/admin/documents/rebuild', { token: d.demo.organiserToken, body: { doc: northThread } })).status).toBe(403);
    const rebuild = await api(d.server.url, 'POST', '/api/admin/documents/rebuild', { token: d.server.adminToken, body: { doc: northThread } });
    expect(rebuild.status).toBe(202);
    // The till reconnects with its copy: its sync step 2 carries every entry, the server's own included.
    const back = d.provider(northThread, till.token, tillDoc, { ack: '1' });
    await synced(back);
    const reader = d.provider(northThread, d.demo.organiserToken, new Y.Doc());
    await synced(reader);
    await until(() => new BrandDoc(reader.doc).saleById(sale.id) !== undefined, 'the rebuilt document to hold the till’s sale');
    expect([...reader.doc.getMap('ledger').keys()].sort()).toEqual([...tillDoc.getMap('ledger').keys()].sort());
    expect((await api(d.server.url, 'POST', '/api/admin/documents/rebuild/finish', { token: d.server.adminToken, body: { doc: northThread } })).status).toBe(200);
    expect((await api(d.server.url, 'GET', '/healthz')).body).toMatchObject({ status: 'ok' });
    expect(await metric(d.server.url, 'popup_documents_damaged')).toBe(0);
    expect((await api(d.server.url, 'GET', `/api/events/${DEMO_EVENT_ID}/summary`, { token: d.demo.organiserToken })).status).toBe(200);
  });
});
