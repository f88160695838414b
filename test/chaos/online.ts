import type { ChaosLink } from './proxy.ts';
import type { Prng } from './prng.ts';
import type { RunRecord } from './record.ts';

/**
 * The online drop during the chaos: a storefront backend placing orders over HTTP through its own link.
 * Each checkout has one Idempotency-Key; a request cut off (no answer, a reset, a 5xx while the server
 * restarts) is sent again with the same key and body until it gets an answer, and now and then the same key
 * is sent once more after a 201, as a storefront that lost the answer would. The server must answer every
 * repeat with the first order, never a second one.
 */
interface StockItem {
  brandId: string;
  sku: string;
  price: number;
  maxPerOrder: number;
}

export class OnlineShop {
  private seq = 0;

  constructor(
    private readonly link: ChaosLink,
    private readonly eventId: string,
    private readonly token: string,
    private readonly rng: Prng,
    private readonly record: RunRecord,
  ) {}

  private async call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: unknown; replayed: boolean }> {
    const res = await fetch(`${this.link.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${this.token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(8000),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text) as unknown;
    } catch {
      // not JSON
    }
    return { status: res.status, body: parsed, replayed: res.headers.get('idempotent-replayed') === 'true' };
  }

  /** One checkout: read the stock, pick an item, pay its price, place the order (retrying with the same key). */
  async checkout(until: number): Promise<void> {
    let stock: { items: StockItem[] };
    try {
      const res = await this.call('GET', `/api/events/${this.eventId}/stock`);
      if (res.status !== 200) return;
      stock = res.body as { items: StockItem[] };
    } catch {
      return; // the link or the server is down: try again later
    }
    const items = stock.items.filter((i) => i.maxPerOrder > 0);
    if (items.length === 0) return;
    const item = this.rng.pick(items);
    const qty = this.rng.int(1, Math.min(2, item.maxPerOrder));
    const key = `chaos-${this.rng.seed.toString(36)}-${++this.seq}-${this.rng.int(0, 1e9).toString(36)}`;
    const body = { lines: [{ brandId: item.brandId, sku: item.sku, qty }], payment: { method: 'card', amount: item.price * qty, reference: key.slice(0, 80) }, customer: { consent: false } };
    const first = await this.place(key, body, until);
    if (first?.status === 201 && this.rng.chance(0.2)) {
      // The storefront never saw the answer and sends the checkout again.
      await this.place(key, body, until, true);
    }
  }

  private async place(key: string, body: unknown, until: number, repeat = false): Promise<{ status: number } | undefined> {
    let attempt = 0;
    for (;;) {
      attempt++;
      if (attempt > 1) this.record.counters.orderRetries++;
      // Now and then the link drops just after the request went out: the answer is lost, the order may exist.
      const drop = attempt === 1 && this.rng.chance(0.15);
      if (drop) setTimeout(() => this.link.cut(), this.rng.int(1, 30));
      if (drop) setTimeout(() => this.link.restore(), 600);
      try {
        const res = await this.call('POST', `/api/events/${this.eventId}/orders`, body, { 'idempotency-key': key });
        if (res.status >= 500) throw new Error(`server answered ${res.status}`);
        if (res.status === 201) {
          const o = res.body as { orderId: string; receiptNumber: string; total: number; sales: string[] };
          const ids = this.record.orderIdsByKey.get(key) ?? new Set<string>();
          ids.add(o.orderId);
          this.record.orderIdsByKey.set(key, ids);
          if (res.replayed) this.record.counters.orderReplays++;
          if (!repeat && !this.record.orders.some((x) => x.key === key)) {
            this.record.orders.push({ key, orderId: o.orderId, receiptNumber: o.receiptNumber, total: o.total, sales: o.sales });
            this.record.counters.orders++;
          }
        } else if (!repeat) {
          this.record.counters.ordersRefused++;
        }
        return res;
      } catch (err) {
        // No answer: the order may or may not have been placed. Only the same key may find out.
        if (Date.now() > until) {
          this.record.counters.ordersUnanswered++;
          this.record.error('online', `order ${key} unanswered until the end: ${String(err)}`);
          return undefined;
        }
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  }
}
