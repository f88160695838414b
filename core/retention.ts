import type { Minor } from './money.ts';
import type { Refund } from './refund.ts';
import type { Sale } from './sale.ts';

/**
 * Post-drop analytics from consented customers (docs/organiser.md, "Post-drop analytics"). A sale keeps only
 * SHA-256 hashes of the customer's e-mail and phone (core/customer.ts), and only with consent; sales without
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

export function retentionReport(input: RetentionInput): RetentionReport {
  throw new Error(`retentionReport: not built yet (${input.eventId})`);
}
