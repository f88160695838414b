import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { DEMO_EVENT_ID } from '../../core/event/demo-event.ts';
import { brandDocName, setupDocName } from '../../core/event/schema.ts';
import { mimePart, smtpSink, type SmtpSink } from '../../sync-server/mail/smtp-sink.test-support.ts';
import { copyOfServerDoc, demoWorld, eventually, pairTill, synced, TillWriter, type World } from '../../sync-server/test-support.ts';
import { MailOutbox } from '../../renderer/src/store/mail-outbox.ts';
import { drainMailOutbox } from '../../renderer/src/sync/receipt-mail-sender.ts';

let w: World | undefined;
let smtp: SmtpSink | undefined;
let outbox: MailOutbox | undefined;
afterEach(async () => {
  outbox?.close();
  await w?.stop();
  await smtp?.close();
  w = undefined;
  smtp = undefined;
  outbox = undefined;
});

const NT = 'north-thread';

/** A paired till with one synced sale, its e-mail queue on its own fake IndexedDB, and a local SMTP relay. */
async function tillWithSale(withMail = true) {
  smtp = await smtpSink();
  const d = await demoWorld(withMail ? { mail: { host: '127.0.0.1', port: smtp.port, secure: false, from: 'receipts@popup.example' } } : {});
  w = d;
  const till = await pairTill(d.server.url, d.demo.tills[0]!.code);
  const doc = new Y.Doc();
  await synced(d.provider(brandDocName(DEMO_EVENT_ID, NT), till.token, doc));
  const { sale } = new TillWriter(till, NT, doc, await copyOfServerDoc(d.server, setupDocName(DEMO_EVENT_ID))).sell('NT-CAP', 1);
  await eventually(async () => {
    if (!(await d.server.hub.read(brandDocName(DEMO_EVENT_ID, NT), (x) => x.getMap('sales').has(sale.id)))) throw new Error('the sale has not synced');
  });
  outbox = await MailOutbox.open({ dbName: 'till', indexedDB: new IDBFactory(), IDBKeyRange });
  await outbox.enqueue({ checkoutId: sale.checkoutId, receiptNumber: sale.receiptNumber, sales: [{ brandId: NT, saleId: sale.id }], to: 'ana@example.com', queuedAt: Date.now() });
  return { d, conn: { serverUrl: d.server.url, token: till.token, eventId: DEMO_EVENT_ID }, sale, outbox };
}

describe('the till drains its e-mail receipt queue through the server', () => {
  it('keeps a receipt queued while the server is down and sends it once on reconnect', async () => {
    const { d, conn, sale, outbox } = await tillWithSale();
    await d.server.close();
    const offline = await drainMailOutbox(outbox, conn);
    expect(offline).toMatchObject({ offline: true, waiting: 1, sent: [] });
    expect(await outbox.queued()).toHaveLength(1);

    await d.restart();
    const back = await drainMailOutbox(outbox, { ...conn, serverUrl: d.server.url });
    expect(back.sent).toEqual([sale.receiptNumber]);
    expect(await outbox.all()).toEqual([]);
    expect(smtp!.mails).toHaveLength(1);
    expect(smtp!.mails[0]!.to).toEqual(['ana@example.com']);
    expect(mimePart(smtp!.mails[0]!.raw, 'text/plain')).toContain(sale.receiptNumber);

    // The same receipt queued again (a second tap after the first was sent): the server answers, sends nothing.
    await outbox.enqueue({ checkoutId: sale.checkoutId, receiptNumber: sale.receiptNumber, sales: [{ brandId: NT, saleId: sale.id }], to: 'ana@example.com', queuedAt: Date.now() });
    expect((await drainMailOutbox(outbox, { ...conn, serverUrl: d.server.url })).sent).toEqual([sale.receiptNumber]);
    expect(smtp!.mails).toHaveLength(1);
  });

  it("shows the server's MailNotConfiguredError and forgets the address when the server has no SMTP relay", async () => {
    const { conn, sale, outbox } = await tillWithSale(false);
    const result = await drainMailOutbox(outbox, conn);
    expect(result.failed).toEqual([{ receiptNumber: sale.receiptNumber, error: expect.stringMatching(/^MailNotConfiguredError: this server has no SMTP relay/) as unknown }]);
    const [row] = await outbox.all();
    expect(row).toMatchObject({ state: 'failed', to: '' });
    expect(smtp!.mails).toHaveLength(0);
  });

  it('leaves a sale the server has not got yet queued (409) for the next drain', async () => {
    const { conn, outbox } = await tillWithSale();
    await outbox.enqueue({ checkoutId: 'c_unsynced', receiptNumber: 'T1-09999', sales: [{ brandId: NT, saleId: 's_not-yet-synced' }], to: 'ana@example.com', queuedAt: Date.now() + 1 });
    const result = await drainMailOutbox(outbox, conn);
    expect(result.sent).toHaveLength(1);
    expect(result.waiting).toBe(1);
    expect((await outbox.queued()).map((r) => r.checkoutId)).toEqual(['c_unsynced']);
  });
});
