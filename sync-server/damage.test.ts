import { ClassicLevel } from 'classic-level';
import { readdir, readFile, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { DEMO_BRANDS, DEMO_EVENT_ID } from '../core/event/demo-event.ts';
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
  // The event-first layout (level-store.ts): the event's documents under `e!<eventId>!d!`.
  await db.put(`e!${DEMO_EVENT_ID}!d!${northThread}!u!999999999999`, Y.encodeStateAsUpdate(lost, before));
  await db.close();
}

/** The newest LevelDB log of a data dir, and its size now. */
async function newestLog(dataDir: string): Promise<{ path: string; size: number }> {
  const dir = join(dataDir, 'store');
  const logs = (await readdir(dir)).filter((f) => f.endsWith('.log')).sort();
  const path = join(dir, logs.at(-1)!);
  return { path, size: (await stat(path)).size };
}

describe('damaged stored data', () => {
  it('a newest log cut short is caught: the lost acknowledged sales are named, /healthz degraded, the document refused', async () => {
    const logs: string[] = [];
    const d = await demoWorld({ log: (level, message) => logs.push(`${level} ${message}`) });
    w = d;
    const till = await pairTill(d.server.url, d.demo.tills[0]!.code);
    const tillDoc = new Y.Doc();
    const tillClient = d.provider(northThread, till.token, tillDoc, { ack: '1' });
    await synced(tillClient);
    const writer = new TillWriter(till, 'north-thread', tillDoc, await copyOfServerDoc(d.server, setupDocName(DEMO_EVENT_ID)));
    // Where the log ends before the sales: everything after this point is the sales (and what closing wrote).
    const before = await newestLog(d.dataDir);
    const sales = [writer.sell('NT-CAP', 1).sale, writer.sell('NT-CAP', 1).sale];
    let serverCopy = new Y.Doc();
    // The server holds them (closing below makes them durable and acknowledged before it ends).
    for (let i = 0; !sales.every((s) => new BrandDoc(serverCopy).saleById(s.id)); i++) {
      if (i > 200) throw new Error('the server never received the sales');
      await new Promise((r) => setTimeout(r, 20));
      serverCopy = await copyOfServerDoc(d.server, northThread);
    }
    tillClient.destroy();
    await d.server.close();
    const after = await newestLog(d.dataDir);
    expect(after.path).toBe(before.path);
    expect(after.size).toBeGreaterThan(before.size);
    // Cut the log in the middle of the first sale's record: LevelDB takes that for a crash mid-write and
    // opens without a word, the acknowledged sales gone.
    await truncate(after.path, before.size + 20);
    await d.restart();

    const lines = logs.filter((l) => l.startsWith('error stored data damaged'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(northThread);
    expect(lines[0]).toMatch(/acknowledged update.* lost/);
    const health = await api(d.server.url, 'GET', '/healthz');
    expect(health.body).toMatchObject({ status: 'degraded', damaged: expect.arrayContaining([expect.objectContaining({ doc: northThread }), expect.objectContaining({ doc: 'store' })]) });
    expect(await metric(d.server.url, 'popup_documents_damaged')).toBeGreaterThanOrEqual(1);
    // Never served shorter: the document is refused until an admin rebuilds it from the tills.
    const organiser = rawClient(d, northThread, d.demo.organiserToken);
    expect((await organiser.closed).code).toBe(CloseCode.DocumentDamaged);
  });


  it('a damaged table file that makes LevelDB drop a document silently is caught: not ok, and each document refused or served whole', async () => {
    const logs: string[] = [];
    const d = await demoWorld({ log: (level, message) => logs.push(`${level} ${message}`) });
    w = d;
    const till = await pairTill(d.server.url, d.demo.tills[0]!.code);
    const tillDoc = new Y.Doc();
    const tillClient = d.provider(northThread, till.token, tillDoc, { ack: '1' });
    await synced(tillClient);
    const writer = new TillWriter(till, 'north-thread', tillDoc, await copyOfServerDoc(d.server, setupDocName(DEMO_EVENT_ID)));
    for (let i = 0; i < 5; i++) writer.sell('NT-CAP', 1);
    const names = [setupDocName(DEMO_EVENT_ID), ...DEMO_BRANDS.map((b) => brandDocName(DEMO_EVENT_ID, b.id))];
    await until(() => tillClient.synced, 'the sales');
    const before = new Map<string, string>();
    for (const n of names) before.set(n, JSON.stringify((await copyOfServerDoc(d.server, n)).toJSON()));
    tillClient.destroy();
    await d.server.close();
    // Push everything into table files, as a long-running store would be. Uncompressed, as LevelDB also
    // stores a block that snappy does not shrink: LevelDB then reads damaged bytes back without a word, as
    // classic-level does not verify block checksums.
    const db = new ClassicLevel(join(d.dataDir, 'store'), { compression: false });
    await db.open();
    await db.compactRange('\u0000', '\uffff');
    await db.close();
    const dir = join(d.dataDir, 'store');
    const tables = await Promise.all((await readdir(dir)).filter((f) => f.endsWith('.ldb')).map(async (f) => ({ f, bytes: await readFile(join(dir, f)) })));
    // Keys in a table share their prefix with the key before them: look for the part after the event's
    // shared `e!<eventId>!d!event/<eventId>/brand/`.
    const marker = Buffer.from('north-thread!');
    const table = tables.find((t) => t.bytes.includes(marker))!;
    const bytes = table.bytes;
    // In the middle of the brand document's stored data.
    const first = bytes.indexOf(marker);
    const last = bytes.lastIndexOf(marker);
    expect(first).toBeGreaterThan(0);
    const at = Math.floor((first + last) / 2);
    for (let i = at; i < at + 16; i++) bytes[i] = bytes[i]! ^ 0x5a;
    await writeFile(join(dir, table.f), bytes);
    await d.restart();

    const health = await api(d.server.url, 'GET', '/healthz');
    expect(logs.filter((l) => l.startsWith('error stored data damaged'))).toHaveLength(1);
    // Here LevelDB reads the damaged block as holding none of the document's keys, without an error: only
    // the high-water record outside LevelDB shows that acknowledged updates of it were stored.
    // Which document's keys the damaged block held depends on how LevelDB packed them: the one (or the
    // ones) it held are named, and no other.
    expect(health.body).toMatchObject({ status: 'degraded' });
    const damaged = new Set((health.body as { damaged: { doc: string }[] }).damaged.map((x) => x.doc));
    expect(damaged.size).toBeGreaterThanOrEqual(1);
    for (const doc of damaged) expect(names).toContain(doc);
    for (const n of names) {
      if (damaged.has(n)) expect((await rawClient(d, n, d.demo.organiserToken).closed).code).toBe(CloseCode.DocumentDamaged);
      else expect(JSON.stringify((await copyOfServerDoc(d.server, n)).toJSON())).toBe(before.get(n));
    }
  });

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
