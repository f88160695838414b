import type { BuyerLimits } from '../../core/customers/buyer-limits.ts';
import { RequirementError } from '../server-errors.ts';
import { BuyerLimitError } from './storefront-errors.ts';
import type { Stores } from '../storage/store.ts';
import { skuKey } from './input.ts';
import type { PerEvent } from '../event-host.ts';
import type { EventHosts } from '../event-hosts.ts';

/**
 * What each buyer has bought in a drop, for the per-customer limits (core/customers/buyer-limits.ts). Built from the
 * stored orders on first use (each order keeps its buyer's keys: hashes, see buyer-keys.ts) and kept up to
 * date as orders are stored or forgotten, so a restart loses nothing. A buyer is every order sharing any key
 * with the new one: the same e-mail, phone or payment reference, whatever the storefront token.
 */
export interface TalliedOrder {
  orderId: string;
  eventId: string;
  buyerKeys?: string[];
  lines: { brandId: string; sku: string; qty: number }[];
}

export { BuyerLimitError };

export class BuyerTally {
  /** Per event, read from that event's orders on its first use: orders by id, and order ids by buyer key. */
  private readonly loaded: PerEvent<Promise<Tally>>;

  constructor(
    private readonly stores: Stores,
    private readonly ordersNs: string,
    // Kept in each event's host (event-host.ts): forgotten, and read again, when the process stops serving it.
    hosts: EventHosts,
  ) {
    this.loaded = hosts.slot('buyer-tally');
  }

  /** Refuses an order of `lines` by the buyer with `keys` that would pass the event's limits. */
  async check(eventId: string, keys: readonly string[], lines: readonly { brandId: string; sku: string; qty: number }[], limits: BuyerLimits): Promise<void> {
    if (!limits.perCustomerPerProduct && !limits.perCustomerPerDrop) return;
    if (keys.length === 0) {
      throw new RequirementError('this drop limits what one customer may buy: send customer.email, customer.phone or payment.reference so the limit can be checked', { limit: limits.perCustomerPerProduct ? 'perCustomerPerProduct' : 'perCustomerPerDrop' });
    }
    const event = await this.event(eventId);
    const ids = new Set<string>();
    for (const k of keys) for (const id of event?.byKey.get(k) ?? []) ids.add(id);
    const perSku = new Map<string, number>();
    let total = 0;
    for (const id of ids) {
      for (const l of event!.orders.get(id)!.lines) {
        perSku.set(skuKey(l.brandId, l.sku), (perSku.get(skuKey(l.brandId, l.sku)) ?? 0) + l.qty);
        total += l.qty;
      }
    }
    const wanted = new Map<string, { sku: string; qty: number }>();
    for (const l of lines) {
      const k = skuKey(l.brandId, l.sku);
      wanted.set(k, { sku: l.sku, qty: (wanted.get(k)?.qty ?? 0) + l.qty });
    }
    if (limits.perCustomerPerProduct) {
      for (const [k, w] of wanted) {
        const bought = perSku.get(k) ?? 0;
        if (bought + w.qty > limits.perCustomerPerProduct) {
          throw new BuyerLimitError('perCustomerPerProduct', limits.perCustomerPerProduct, bought, `${w.sku} is limited to ${limits.perCustomerPerProduct} per customer in this drop; this customer has bought ${bought} and asks for ${w.qty}`, w.sku);
        }
      }
    }
    const asked = [...wanted.values()].reduce((a, w) => a + w.qty, 0);
    if (limits.perCustomerPerDrop && total + asked > limits.perCustomerPerDrop) {
      throw new BuyerLimitError('perCustomerPerDrop', limits.perCustomerPerDrop, total, `this drop is limited to ${limits.perCustomerPerDrop} units per customer; this customer has bought ${total} and asks for ${asked}`);
    }
  }

  /** An order was stored (again, on recovery: idempotent). */
  async record(order: TalliedOrder): Promise<void> {
    add(await this.event(order.eventId), order);
  }

  /** An order was forgotten (none of its sales could be written). */
  async forget(eventId: string, orderId: string): Promise<void> {
    const event = await this.event(eventId);
    const order = event.orders.get(orderId);
    if (!order) return;
    event.orders.delete(orderId);
    for (const k of order.buyerKeys ?? []) event.byKey.get(k)?.delete(orderId);
  }

  /** Drops the event's tally: it is read from the stored orders again on its next use. */
  forgetEvent(eventId: string): void {
    this.loaded.delete(eventId);
  }

  private event(eventId: string): Promise<Tally> {
    let p = this.loaded.get(eventId);
    if (!p) {
      p = (async () => {
        const out: Tally = { orders: new Map(), byKey: new Map() };
        for (const [, o] of await this.stores.event(eventId).list<TalliedOrder>(this.ordersNs)) add(out, o);
        return out;
      })();
      // A failed read is tried again on the next order, not remembered.
      p.catch(() => this.loaded.delete(eventId));
      this.loaded.set(eventId, p);
    }
    return p;
  }
}

interface Tally {
  orders: Map<string, TalliedOrder>;
  byKey: Map<string, Set<string>>;
}

function add(event: Tally, o: TalliedOrder): void {
  if (!o.buyerKeys?.length) return;
  event.orders.set(o.orderId, { orderId: o.orderId, eventId: o.eventId, buyerKeys: o.buyerKeys, lines: o.lines.map((l) => ({ brandId: l.brandId, sku: l.sku, qty: l.qty })) });
  for (const k of o.buyerKeys) event.byKey.set(k, (event.byKey.get(k) ?? new Set()).add(o.orderId));
}
