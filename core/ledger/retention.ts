import { ValidationError } from '../base/errors.ts';
import { divRound, type Minor } from '../base/money.ts';
import type { Refund } from '../refunds/refund.ts';
import type { Sale } from '../selling/sale.ts';

/**
 * Post-drop analytics from consented customers (docs/organiser.md, "Post-drop analytics"). A sale keeps only
 * SHA-256 hashes of the customer's e-mail and phone (core/customers/customer.ts), and only with consent; sales without
 * them count for conversion but not for buyers, retention or LTV.
 *
 * Identity: a buyer is the set of hashes seen together — a sale with both an e-mail and a phone hash links
 * them, so a buyer who gives the e-mail at one event and the phone at another (having given both once) is
 * one buyer.
 *
 *  - Buyers of the drop: identities with a consented sale in the drop's event (of the brands looked at).
 *  - Returning buyer: one with a purchase in ANOTHER event (in person or online) before their first purchase
 *    in the drop; new otherwise. Online orders are sales of the online holder in their event's documents.
 *  - Cohort retention at 30/60/90 days: of the drop's new buyers whose window has fully passed (`now` ≥
 *    first purchase in the drop + N days), the share with a purchase in another event within those N days.
 *  - LTV: a buyer's spend with the brands looked at (sale totals less refunds), over all events. Uplift
 *    compares the drop's new buyers' average LTV with that of the brands' other buyers (every other
 *    identity that bought from them): (new − other) ÷ other, in basis points.
 *  - Conversion by source: the drop's orders (checkouts) with a creator code ÷ that code's clicks.
 */
export interface EventSpan {
  eventId: string;
  startsAt: number;
  endsAt: number;
}

export interface RetentionInput {
  /** The drop looked at. */
  eventId: string;
  /** Every event on record (this one and the others sharing its brands), for ordering and names. */
  events: readonly EventSpan[];
  /** Sales and refunds of every event on record (consented or not). */
  sales: readonly Sale[];
  refunds: readonly Refund[];
  /** Only these brands' sales count (the drop's brands); all when absent. */
  brandIds?: readonly string[];
  /** Clicks per creator code on the drop's redirect links. */
  clicks?: Readonly<Record<string, number>>;
  now: number;
}

export interface CohortWindow {
  days: 30 | 60 | 90;
  /** New buyers whose window has fully passed. */
  eligible: number;
  retained: number;
  /** retained ÷ eligible in basis points; null when none is eligible yet. */
  rateBp: number | null;
}

export interface LtvGroup {
  buyers: number;
  spend: Minor;
  /** spend ÷ buyers, rounded half-up; 0 with no buyers. */
  perBuyer: Minor;
}

export interface ConversionRow {
  source: string;
  clicks: number;
  orders: number;
  /** orders ÷ clicks in basis points; null with no clicks. */
  conversionBp: number | null;
}

export interface RetentionReport {
  eventId: string;
  /** Consented buyers of the drop, new and returning. */
  buyers: number;
  newBuyers: number;
  returningBuyers: number;
  /** Sales of the drop without a consented customer (not in the figures above). */
  anonymousSales: number;
  cohort: CohortWindow[];
  ltv: { newBuyers: LtvGroup; otherBuyers: LtvGroup; upliftBp: number | null };
  conversion: ConversionRow[];
}

const DAY_MS = 86_400_000;
const WINDOWS = [30, 60, 90] as const;

export function retentionReport(input: RetentionInput): RetentionReport {
  if (!input.events.some((e) => e.eventId === input.eventId)) throw new ValidationError('eventId', `"${input.eventId}" is not among the events given`);
  const brands = input.brandIds ? new Set(input.brandIds) : undefined;
  const sales = unique(input.sales).filter((s) => !brands || brands.has(s.brandId));
  const refunds = unique(input.refunds).filter((r) => !brands || brands.has(r.brandId));
  const identity = identities(sales);

  // Each buyer's purchases (one per checkout and event), and spend net of refunds.
  const purchases = new Map<string, { eventId: string; at: number }[]>();
  const spend = new Map<string, number>();
  const buyerOfSale = new Map<string, string>();
  let anonymousSales = 0;
  for (const s of sales) {
    const who = s.customer ? identity(s.customer.emailSha256 ?? s.customer.phoneSha256!) : undefined;
    if (!who) {
      if (s.eventId === input.eventId) anonymousSales++;
      continue;
    }
    buyerOfSale.set(s.id, who);
    const list = purchases.get(who) ?? [];
    list.push({ eventId: s.eventId, at: s.wallTime });
    purchases.set(who, list);
    spend.set(who, (spend.get(who) ?? 0) + s.total);
  }
  for (const r of refunds) {
    const who = buyerOfSale.get(r.saleId);
    if (who) spend.set(who, (spend.get(who) ?? 0) - r.total);
  }

  const newBuyers: { who: string; first: number }[] = [];
  let returning = 0;
  for (const [who, list] of purchases) {
    const here = list.filter((p) => p.eventId === input.eventId);
    if (here.length === 0) continue;
    const first = Math.min(...here.map((p) => p.at));
    if (list.some((p) => p.eventId !== input.eventId && p.at < first)) returning++;
    else newBuyers.push({ who, first });
  }

  const cohort: CohortWindow[] = WINDOWS.map((days) => {
    const eligible = newBuyers.filter((b) => input.now >= b.first + days * DAY_MS);
    const retained = eligible.filter((b) => purchases.get(b.who)!.some((p) => p.eventId !== input.eventId && p.at > b.first && p.at <= b.first + days * DAY_MS)).length;
    return { days, eligible: eligible.length, retained, rateBp: eligible.length ? divRound(retained * 10_000, eligible.length, 'half-up') : null };
  });

  const fresh = new Set(newBuyers.map((b) => b.who));
  const group = (filter: (who: string) => boolean): LtvGroup => {
    let buyers = 0;
    let total = 0;
    for (const [who, amount] of spend) {
      if (!filter(who)) continue;
      buyers++;
      total += amount;
    }
    return { buyers, spend: total, perBuyer: buyers ? divRound(total, buyers, 'half-up') : 0 };
  };
  const ltvNew = group((w) => fresh.has(w));
  const ltvOther = group((w) => !fresh.has(w));
  const upliftBp = ltvNew.buyers && ltvOther.buyers && ltvOther.perBuyer > 0 ? divRound((ltvNew.perBuyer - ltvOther.perBuyer) * 10_000, ltvOther.perBuyer, 'half-up') : null;

  // Conversion: the drop's checkouts per source (every sale, consented or not) ÷ clicks.
  const orders = new Map<string, Set<string>>();
  for (const s of sales) {
    if (s.eventId !== input.eventId || s.source === undefined) continue;
    orders.set(s.source, (orders.get(s.source) ?? new Set()).add(s.checkoutId));
  }
  const sources = [...new Set([...Object.keys(input.clicks ?? {}), ...orders.keys()])].sort();
  const conversion = sources.map((source) => {
    const clicks = input.clicks?.[source] ?? 0;
    const n = orders.get(source)?.size ?? 0;
    return { source, clicks, orders: n, conversionBp: clicks > 0 ? divRound(n * 10_000, clicks, 'half-up') : null };
  });

  return {
    eventId: input.eventId,
    buyers: newBuyers.length + returning,
    newBuyers: newBuyers.length,
    returningBuyers: returning,
    anonymousSales,
    cohort,
    ltv: { newBuyers: ltvNew, otherBuyers: ltvOther, upliftBp },
    conversion,
  };
}

/**
 * Union-find over the hashes: a sale carrying both an e-mail and a phone hash makes them one buyer. Returns
 * the buyer key (the root hash) of any hash.
 */
function identities(sales: readonly Sale[]): (hash: string) => string {
  const parent = new Map<string, string>();
  const find = (h: string): string => {
    let root = h;
    while (parent.has(root) && parent.get(root) !== root) root = parent.get(root)!;
    // Path compression: later look-ups are one step.
    let x = h;
    while (x !== root) {
      const next = parent.get(x)!;
      parent.set(x, root);
      x = next;
    }
    return root;
  };
  for (const s of sales) {
    const c = s.customer;
    if (!c) continue;
    for (const h of [c.emailSha256, c.phoneSha256]) if (h !== undefined && !parent.has(h)) parent.set(h, h);
    if (c.emailSha256 !== undefined && c.phoneSha256 !== undefined) {
      const a = find(c.emailSha256);
      const b = find(c.phoneSha256);
      if (a !== b) parent.set(a < b ? b : a, a < b ? a : b);
    }
  }
  return find;
}

function unique<T extends { id: string }>(items: readonly T[]): T[] {
  const seen = new Set<string>();
  return items.filter((i) => !seen.has(i.id) && Boolean(seen.add(i.id)));
}
