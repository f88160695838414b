import { retentionReport, type EventSpan, type RetentionReport } from '../../core/ledger/retention.ts';
import type { StoredCustomer } from '../../core/customers/customer.ts';
import type { Refund } from '../../core/refunds/refund.ts';
import type { Sale } from '../../core/selling/sale.ts';
import { BrandDoc, brandDocName, parseDocName } from '../../core/event/schema.ts';
import type { DocHub } from '../doc-hub.ts';
import type { EventService } from '../event-service.ts';
import { EventNotFound, ForbiddenError } from '../server-errors.ts';
import type { Stores } from '../storage/store.ts';
import type { OrderRecord } from '../storefront/orders.ts';

/**
 * Post-drop analytics over the events that share a brand with the drop (brands are the same brand across
 * events when their ids are equal) AND that the caller may read: the drop's new and returning buyers, cohort
 * retention, LTV uplift and conversion by source (core/ledger/retention.ts). A brand id is only a name another
 * organiser can pick too, so it never widens what a token sees: an organiser's token reads its own event,
 * the admin's every event (permissions.ts).
 */
export interface AnalyticsDeps {
  hub: DocHub;
  events: EventService;
  stores: Stores;
  now: () => number;
  /** Clicks per creator code of an event's redirect links (the creators module); none known without it. */
  clicks?: (eventId: string) => Promise<Record<string, number>>;
}

export interface AnalyticsReport extends RetentionReport {
  brandIds: string[];
  /** The events the figures were computed across (the drop included), oldest first. */
  events: EventSpan[];
  clicksKnown: boolean;
}

export async function loadAnalytics(deps: AnalyticsDeps, eventId: string, mayRead: (eventId: string) => boolean): Promise<AnalyticsReport> {
  if (!mayRead(eventId)) throw new ForbiddenError(`this token may not read event "${eventId}"`);
  const drop = await deps.events.setup(eventId);
  if (!drop.config) throw new EventNotFound(eventId);
  const brandIds = drop.brands.map((b) => b.id);
  const eventIds = new Set<string>();
  // Only the events this token may read are opened; within each, its documents say which brands it had.
  for (const id of await deps.stores.eventIds()) {
    if (!mayRead(id)) continue;
    for (const name of await deps.stores.event(id).docNames()) {
      try {
        const ref = parseDocName(name);
        if (ref.kind === 'brand' && brandIds.includes(ref.brandId)) eventIds.add(id);
      } catch {
        // Not an event document: not part of any event.
      }
    }
  }
  eventIds.add(eventId);
  const spans: EventSpan[] = [];
  const sales: Sale[] = [];
  const refunds: Refund[] = [];
  for (const id of eventIds) {
    const setup = id === eventId ? drop : await deps.events.setup(id);
    if (!setup.config) continue;
    spans.push({ eventId: id, startsAt: setup.config.drop.startsAt, endsAt: setup.config.drop.endsAt });
    for (const b of setup.brands) {
      if (!brandIds.includes(b.id)) continue;
      await deps.hub.read(brandDocName(id, b.id), (doc) => {
        const brand = new BrandDoc(doc);
        sales.push(...brand.sales().items);
        refunds.push(...brand.refunds().items);
      });
    }
  }
  // Online orders placed before their sales carried the customer kept it on the order record only: join it.
  const customerOfSale = new Map<string, StoredCustomer>();
  const orders = [];
  for (const id of eventIds) orders.push(...(await deps.stores.event(id).list<Pick<OrderRecord, 'eventId' | 'sales' | 'customer'>>('orders')));
  for (const [, o] of orders) {
    const c = o.customer;
    if (!c?.consent) continue;
    if (!c.emailSha256 && !c.phoneSha256) continue;
    const stored: StoredCustomer = { consent: true, ...(c.emailSha256 ? { emailSha256: c.emailSha256 } : {}), ...(c.phoneSha256 ? { phoneSha256: c.phoneSha256 } : {}) };
    for (const id of o.sales) customerOfSale.set(id, stored);
  }
  const withCustomers = sales.map((s) => {
    const c = s.customer ?? customerOfSale.get(s.id);
    return c && !s.customer ? { ...s, customer: c } : s;
  });
  spans.sort((a, b) => a.startsAt - b.startsAt);
  const clicks = deps.clicks ? await deps.clicks(eventId) : undefined;
  const report = retentionReport({ eventId, events: spans, sales: withCustomers, refunds, brandIds, ...(clicks ? { clicks } : {}), now: deps.now() });
  return { ...report, brandIds, events: spans, clicksKnown: clicks !== undefined };
}
