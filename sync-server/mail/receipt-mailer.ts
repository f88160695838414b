import { createTransport } from 'nodemailer';
import { parseEmailAddress } from '../../core/customers/email-address.ts';
import { receiptModel } from '../../core/selling/receipt.ts';
import type { Sale } from '../../core/selling/sale.ts';
import { BrandDoc, brandDocName } from '../../core/event/schema.ts';
import type { Claims } from '../auth.ts';
import type { DocHub } from '../doc-hub.ts';
import type { EventService } from '../event-service.ts';
import { PopupError, ValidationError } from '../../core/base/errors.ts';
import { EventNotFound } from '../server-errors.ts';
import type { Stores } from '../storage/store.ts';
import type { MailConfig } from './mail-config.ts';
import { receiptMessage } from './receipt-message.ts';

/** The server has no SMTP relay configured (--smtp-host): it cannot send, and says so. */
export class MailNotConfiguredError extends PopupError {
  constructor() {
    super('this server has no SMTP relay configured, so it cannot e-mail receipts (docs/operations.md, "E-mail receipts")');
  }
}

/** The sale has not reached the server yet (the till is still syncing it): ask again once it has. */
export class SaleNotOnServerError extends PopupError {
  constructor(saleId: string) {
    super(`the server does not have sale ${saleId} yet: send the receipt again once the sale has synced`);
  }
}

/** A till may mail only the receipts of its own sales. */
export class NotThisTillsSaleError extends PopupError {
  constructor(message: string) {
    super(message);
  }
}

/** The named sales are not one receipt (one checkout). */
export class NotOneReceiptError extends PopupError {
  constructor(message: string) {
    super(message);
  }
}

/** The relay refused the recipient for good (an SMTP 5xx): sending again would not help. */
export class RecipientRefusedError extends PopupError {
  constructor(message: string) {
    super(`the mail server refused the address: ${message}`);
  }
}

/** The relay could not be reached or failed for now (an SMTP 4xx, a timeout): the till tries again later. */
export class MailDeliveryFailedError extends PopupError {
  constructor(message: string) {
    super(`the receipt could not be sent just now: ${message}`);
  }
}

export interface ReceiptMailRequest {
  sales: { brandId: string; saleId: string }[];
  to: string;
}

/** What the server keeps per receipt it mailed: when, and the relay's message id. Never the address. */
interface MailRecord {
  state: 'sending' | 'sent';
  at: number;
  receiptNumber: string;
  messageId?: string;
}

export type MailOutcome = { status: 'sent' | 'already-sent'; receiptNumber: string; sentAt: number };

const NS = 'receipt-mail';
const MAX_SALES = 20;

/**
 * Mails a till's receipt, rendered from the sales the server holds (never from anything the till claims),
 * at most once per checkout. Why at most once: a receipt sent twice is a nuisance a customer notices and an
 * open door to mail-bombing; one lost receipt can be printed. So the record "sending" is on disk before the
 * relay is asked, and a crash between the two leaves it "sending", which is answered as sent.
 */
export class ReceiptMailer {
  private readonly inFlight = new Map<string, Promise<MailOutcome>>();
  private readonly transport;

  constructor(
    private readonly deps: { hub: DocHub; events: EventService; stores: Stores; now: () => number; config: MailConfig | undefined },
  ) {
    const c = deps.config;
    this.transport = c
      ? createTransport({
          host: c.host,
          port: c.port,
          secure: c.secure,
          ...(c.user ? { auth: { user: c.user, pass: c.pass ?? '' } } : {}),
          // A relay that does not answer must not hold the till's request for minutes.
          connectionTimeout: 10_000,
          greetingTimeout: 10_000,
          socketTimeout: 20_000,
        })
      : undefined;
  }

  /** Checks the request against the server's records, then sends (once). */
  async send(eventId: string, claims: Claims, input: unknown): Promise<MailOutcome> {
    const req = parseRequest(input);
    if (claims.role !== 'till' || !claims.tillId) throw new NotThisTillsSaleError('only a till e-mails receipts, and only its own');
    for (const s of req.sales) {
      if (!claims.brandIds?.includes(s.brandId)) throw new NotThisTillsSaleError(`this till does not sell brand "${s.brandId}"`);
    }
    // The address is checked before the configuration, so a till learns of a typo even on a server without mail.
    const to = parseEmailAddress(req.to);
    if (!this.transport || !this.deps.config) throw new MailNotConfiguredError();
    const sales = await this.salesOnServer(eventId, req.sales);
    for (const sale of sales) {
      if (sale.tillId !== claims.tillId) throw new NotThisTillsSaleError(`sale ${sale.id} was made by another till`);
    }
    const checkoutId = sales[0]!.checkoutId;
    if (sales.some((s) => s.checkoutId !== checkoutId)) throw new NotOneReceiptError('the sales named are not the parts of one receipt');
    const key = `${eventId}!${checkoutId}`;
    const running = this.inFlight.get(key);
    if (running) return running.then((o) => ({ ...o, status: 'already-sent' as const }));
    const job = this.sendOnce(key, eventId, sales, to).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, job);
    return job;
  }

  private async sendOnce(key: string, eventId: string, sales: Sale[], to: string): Promise<MailOutcome> {
    const receiptNumber = sales[0]!.receiptNumber;
    // In the event's records, keyed by the checkout: `key` is `<eventId>!<checkoutId>`.
    const records = this.deps.stores.event(eventId);
    const checkout = key.slice(eventId.length + 1);
    const before = await records.get<MailRecord>(NS, checkout);
    if (before) return { status: 'already-sent', receiptNumber, sentAt: before.at };
    const setup = await this.deps.events.setup(eventId);
    if (!setup.config) throw new EventNotFound(eventId);
    const message = receiptMessage(receiptModel(sales, setup.config, setup.brands));
    const at = this.deps.now();
    await records.put(NS, checkout, { state: 'sending', at, receiptNumber } satisfies MailRecord);
    let messageId: string;
    try {
      const info = await this.transport!.sendMail({ from: this.deps.config!.from, to, subject: message.subject, text: message.text, html: message.html });
      messageId = info.messageId;
    } catch (err) {
      // Not sent: forget the attempt so the till may try again (or, refused for good, tell the cashier).
      await records.del(NS, checkout);
      const e = err as { responseCode?: number; message?: string };
      if (typeof e.responseCode === 'number' && e.responseCode >= 500 && e.responseCode < 600) throw new RecipientRefusedError(e.message ?? String(err));
      throw new MailDeliveryFailedError(e.message ?? String(err));
    }
    await records.put(NS, checkout, { state: 'sent', at, receiptNumber, messageId } satisfies MailRecord);
    return { status: 'sent', receiptNumber, sentAt: at };
  }

  private async salesOnServer(eventId: string, refs: ReceiptMailRequest['sales']): Promise<Sale[]> {
    const out: Sale[] = [];
    for (const r of refs) {
      const sale = await this.deps.hub.read(brandDocName(eventId, r.brandId), (doc) => new BrandDoc(doc).saleById(r.saleId));
      if (!sale) throw new SaleNotOnServerError(r.saleId);
      out.push(sale);
    }
    return out;
  }

  close(): void {
    this.transport?.close();
  }
}

function parseRequest(input: unknown): ReceiptMailRequest {
  const o = input as { sales?: unknown; to?: unknown };
  if (!Array.isArray(o.sales) || o.sales.length === 0 || o.sales.length > MAX_SALES) throw new ValidationError('sales', `must list the receipt's sales (1 to ${MAX_SALES} of {brandId, saleId})`);
  const sales = o.sales.map((s: unknown, i) => {
    const r = s as { brandId?: unknown; saleId?: unknown } | null;
    if (!r || typeof r.brandId !== 'string' || typeof r.saleId !== 'string' || r.saleId.length > 120 || r.brandId.length > 48) throw new ValidationError(`sales[${i}]`, 'must be {brandId, saleId}');
    return { brandId: r.brandId, saleId: r.saleId };
  });
  if (new Set(sales.map((s) => `${s.brandId}/${s.saleId}`)).size !== sales.length) throw new ValidationError('sales', 'names a sale twice');
  return { sales, to: o.to as string };
}
