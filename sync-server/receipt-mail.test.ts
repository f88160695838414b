import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { DEMO_EVENT_ID } from '../core/event/demo-event.ts';
import { brandDocName, setupDocName } from '../core/event/schema.ts';
import type { MailConfig } from './mail/mail-config.ts';
import { mimePart, smtpSink, type SmtpSink } from './mail/smtp-sink.test-support.ts';
import { api, copyOfServerDoc, demoWorld, pairTill, synced, TillWriter, type World } from './test-support.ts';
import type { PairedTill } from './event-service.ts';

let w: World | undefined;
let smtp: SmtpSink | undefined;
afterEach(async () => {
  await w?.stop();
  await smtp?.close();
  w = undefined;
  smtp = undefined;
});

const NT = 'north-thread';
const path = `/api/events/${DEMO_EVENT_ID}/receipts/email`;
const mailConfig = (port: number, extra: Partial<MailConfig> = {}): MailConfig => ({ host: '127.0.0.1', port, secure: false, from: 'Demo Flash Mall <receipts@popup.example>', ...extra });

/** A demo world with an SMTP relay, booth A's till paired, and one synced sale of two caps from it. */
async function soldWorld(opts: { mail?: 'none' | 'auth'; refuse?: (to: string) => boolean } = {}) {
  smtp = await smtpSink({ ...(opts.mail === 'auth' ? { user: 'popup', pass: 's3cret' } : {}), ...(opts.refuse ? { refuse: opts.refuse } : {}) });
  const mail = opts.mail === 'none' ? {} : { mail: mailConfig(smtp.port, opts.mail === 'auth' ? { user: 'popup', pass: 's3cret' } : {}) };
  const d = await demoWorld(mail);
  w = d;
  const till = await pairTill(d.server.url, d.demo.tills[0]!.code);
  const doc = new Y.Doc();
  const p = d.provider(brandDocName(DEMO_EVENT_ID, NT), till.token, doc);
  await synced(p);
  const writer = new TillWriter(till, NT, doc, await copyOfServerDoc(d.server, setupDocName(DEMO_EVENT_ID)));
  const { sale } = writer.sell('NT-CAP', 2);
  await untilAsync(async () => (await d.server.hub.read(brandDocName(DEMO_EVENT_ID, NT), (doc) => doc.getMap('sales').has(sale.id))), 'the sale to reach the server');
  return { d, till, sale, writer, provider: p };
}

async function untilAsync(check: () => Promise<boolean>, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const mailRecords = async (d: World) => d.server.stores.event(DEMO_EVENT_ID).list('receipt-mail');
const ask = (d: World, till: Pick<PairedTill, 'token'> | string, body: unknown) => api(d.server.url, 'POST', path, { token: typeof till === 'string' ? till : till.token, body });

describe('e-mail receipts (POST /api/events/:id/receipts/email)', () => {
  it("sends the receipt rendered from the server's copy of the sale, once, whatever the till asks again", async () => {
    const { d, till, sale } = await soldWorld({ mail: 'auth' });
    const first = await ask(d, till, { sales: [{ brandId: NT, saleId: sale.id }], to: 'ana@example.com' });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ status: 'sent', receiptNumber: sale.receiptNumber });
    expect(smtp!.logins).toEqual(['popup']);
    expect(smtp!.mails).toHaveLength(1);
    const mail = smtp!.mails[0]!;
    expect(mail.to).toEqual(['ana@example.com']);
    expect(mail.from).toBe('receipts@popup.example');
    expect(mail.raw).toMatch(new RegExp(`^Subject: Your receipt ${sale.receiptNumber} from Demo Flash Mall`, 'm'));
    const text = mimePart(mail.raw, 'text/plain');
    const eur = (n: number) => new Intl.NumberFormat('en-IE', { style: 'currency', currency: 'EUR' }).format(n / 100);
    expect(text).toContain('Demo Flash Mall');
    expect(text).toContain(`Receipt ${sale.receiptNumber}`);
    expect(text).toContain('North Thread');
    expect(text).toContain(`2 × Five-panel Cap  ${eur(sale.lines[0]!.gross)}`);
    expect(text).toContain(`Total  ${eur(sale.total)}`);
    expect(text).toMatch(/tax \d+(\.\d+)? %/);
    expect(text).toContain(`Paid by cash  ${eur(sale.total)}`);
    if (sale.discount > 0) expect(text).toContain(`You saved  ${eur(sale.discount)}`);
    const html = mimePart(mail.raw, 'text/html');
    expect(html).toContain('<h2 style="font-size:1rem">North Thread</h2>');
    expect(html).toContain(sale.receiptNumber);

    // Asked again (a till that lost the answer, or a second tap): answered, not sent.
    const again = await ask(d, till, { sales: [{ brandId: NT, saleId: sale.id }], to: 'someone-else@example.com' });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ status: 'already-sent' });
    expect(smtp!.mails).toHaveLength(1);
    // What the server keeps: when, the receipt number and the relay's id; never the address.
    const records = await mailRecords(d);
    expect(records).toHaveLength(1);
    expect(JSON.stringify(records)).not.toContain('example.com');
    expect(records[0]![1]).toMatchObject({ state: 'sent', receiptNumber: sale.receiptNumber });
  });

  it('sends once when two requests for the same receipt race', async () => {
    const { d, till, sale } = await soldWorld();
    const body = { sales: [{ brandId: NT, saleId: sale.id }], to: 'ana@example.com' };
    const replies = await Promise.all([ask(d, till, body), ask(d, till, body), ask(d, till, body)]);
    expect(replies.map((r) => r.status).sort()).toEqual([200, 200, 201]);
    expect(smtp!.mails).toHaveLength(1);
  });

  it('refuses with MailNotConfiguredError (503) when the server has no SMTP relay, and keeps nothing', async () => {
    const { d, till, sale } = await soldWorld({ mail: 'none' });
    const res = await ask(d, till, { sales: [{ brandId: NT, saleId: sale.id }], to: 'ana@example.com' });
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ type: 'MailNotConfiguredError' });
    expect(smtp!.mails).toHaveLength(0);
    expect(await mailRecords(d)).toEqual([]);
  });

  it.each([
    ['not an address', 'ana'],
    ['two recipients', 'ana@example.com, victim@example.org'],
    ['a header smuggled in', 'ana@example.com\r\nBcc: victim@example.org'],
    ['a display name', 'Ana <ana@example.com>'],
    ['no address', undefined],
  ])('refuses %s with InvalidEmailAddressError (422), sending and keeping nothing', async (_what, to) => {
    const { d, till, sale } = await soldWorld();
    const res = await ask(d, till, { sales: [{ brandId: NT, saleId: sale.id }], to });
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ type: 'InvalidEmailAddressError', field: 'to' });
    expect(smtp!.mails).toHaveLength(0);
    expect(await mailRecords(d)).toEqual([]);
  });

  it("answers SaleNotOnServerError (409) for a sale the server does not have yet, and sends once it has", async () => {
    const { d, till, writer, provider } = await soldWorld();
    provider.disconnect();
    const { sale } = writer.sell('NT-TOTE', 1);
    const early = await ask(d, till, { sales: [{ brandId: NT, saleId: sale.id }], to: 'ana@example.com' });
    expect(early.status).toBe(409);
    expect(early.body).toMatchObject({ type: 'SaleNotOnServerError' });
    expect(await mailRecords(d)).toEqual([]);
    void provider.connect();
    await untilAsync(async () => d.server.hub.read(brandDocName(DEMO_EVENT_ID, NT), (doc) => doc.getMap('sales').has(sale.id)), 'the sale to sync');
    const late = await ask(d, till, { sales: [{ brandId: NT, saleId: sale.id }], to: 'ana@example.com' });
    expect(late.status).toBe(201);
    expect(smtp!.mails).toHaveLength(1);
  });

  it('refuses a recipient the relay refuses (RecipientRefusedError) and forgets the attempt', async () => {
    const { d, till, sale } = await soldWorld({ refuse: (to) => to.startsWith('nobody@') });
    const res = await ask(d, till, { sales: [{ brandId: NT, saleId: sale.id }], to: 'nobody@example.com' });
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ type: 'RecipientRefusedError' });
    expect(await mailRecords(d)).toEqual([]);
    // The cashier corrects the address: the receipt goes out.
    expect((await ask(d, till, { sales: [{ brandId: NT, saleId: sale.id }], to: 'ana@example.com' })).status).toBe(201);
    expect(smtp!.mails).toHaveLength(1);
  });

  describe('no open relay: what an attacker with a real token cannot mail', () => {
    it("another till's sale: a till of another brand, and a till selling the same brand elsewhere", async () => {
      const { d, sale } = await soldWorld();
      const boothB = await pairTill(d.server.url, d.demo.tills[1]!.code);
      const hubTill = await pairTill(d.server.url, d.demo.tills[2]!.code);
      const body = { sales: [{ brandId: NT, saleId: sale.id }], to: 'attacker@example.com' };
      const otherBrand = await ask(d, boothB, body);
      expect(otherBrand.status).toBe(403);
      expect(otherBrand.body).toMatchObject({ type: 'NotThisTillsSaleError' });
      const sameBrand = await ask(d, hubTill, body);
      expect(sameBrand.status).toBe(403);
      expect(sameBrand.body).toMatchObject({ type: 'NotThisTillsSaleError', message: `sale ${sale.id} was made by another till` });
      expect(smtp!.mails).toHaveLength(0);
      expect(await mailRecords(d)).toEqual([]);
    });

    it('as a storefront or an organiser token', async () => {
      const { d, sale } = await soldWorld();
      const body = { sales: [{ brandId: NT, saleId: sale.id }], to: 'attacker@example.com' };
      for (const token of [d.demo.storefrontToken, d.demo.organiserToken]) {
        const res = await ask(d, token, body);
        expect(res.status).toBe(403);
      }
      expect((await ask(d, '', body)).status).toBe(401);
      expect(smtp!.mails).toHaveLength(0);
    });

    it('arbitrary text: fields beyond the sale ids and the address change nothing in the message', async () => {
      const { d, till, sale } = await soldWorld();
      const res = await ask(d, till, { sales: [{ brandId: NT, saleId: sale.id }], to: 'ana@example.com', subject: 'WIN A PRIZE', text: 'click http://evil.example', total: 1, html: '<a href=x>' });
      expect(res.status).toBe(201);
      const raw = smtp!.mails[0]!.raw;
      expect(raw).not.toMatch(/WIN A PRIZE|evil\.example|<a href=x>/);
      expect(mimePart(raw, 'text/plain')).toContain(sale.receiptNumber);
    });

    it('an invented sale id, or one receipt stitched from two checkouts', async () => {
      const { d, till, sale, writer } = await soldWorld();
      const { sale: second } = writer.sell('NT-SOCKS', 1);
      await untilAsync(async () => d.server.hub.read(brandDocName(DEMO_EVENT_ID, NT), (doc) => doc.getMap('sales').has(second.id)), 'the second sale');
      const invented = await ask(d, till, { sales: [{ brandId: NT, saleId: 's_nope' }], to: 'ana@example.com' });
      expect(invented.status).toBe(409);
      const stitched = await ask(d, till, { sales: [{ brandId: NT, saleId: sale.id }, { brandId: NT, saleId: second.id }], to: 'ana@example.com' });
      expect(stitched.status).toBe(422);
      expect(stitched.body).toMatchObject({ type: 'NotOneReceiptError' });
      expect(smtp!.mails).toHaveLength(0);
    });
  });
});
