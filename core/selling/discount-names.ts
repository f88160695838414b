import type { Minor } from '../base/money.ts';
import type { GivenDiscount } from './discounts.ts';

/**
 * Every discount under its own name, for the cart, the receipt, the Z report and the organiser's figures:
 * the tier by its label ("−30 % first 15 min"), a manager's price by "Price change", and each discount given
 * at the till by its reason or coupon. One function, so the same sale reads the same everywhere.
 */
export type DiscountKind = 'tier' | 'price-change' | GivenDiscount['kind'];

export interface NamedDiscount {
  kind: DiscountKind;
  name: string;
  /** What it took off, minor units in the event's tax mode. */
  amount: Minor;
}

/** What a priced line needs for its name: list and charged unit price, tier, whether a manager set the price. */
export interface NamedLine {
  qty: number;
  listPrice: Minor;
  unitPrice: Minor;
  tierId: string | null;
  priceSetBy?: string | undefined;
}

export const PRICE_CHANGE_NAME = 'Price change';

/** The name a given discount shows under: its reason, the whole sale's reason, or its coupon. */
export function givenDiscountName(d: Pick<GivenDiscount, 'kind' | 'reason' | 'code'>): string {
  if (d.kind === 'coupon') return `Coupon ${d.code ?? ''} · ${d.reason}`.trim();
  if (d.kind === 'cart') return `${d.reason} · whole sale`;
  return d.reason;
}

/** The discounts of one sale (or priced cart), merged by name, in the order they apply. */
export function namedDiscounts(sale: { lines: readonly NamedLine[]; discounts?: readonly GivenDiscount[] | undefined }, tierLabel: (id: string) => string | undefined): NamedDiscount[] {
  const out: NamedDiscount[] = [];
  const add = (kind: DiscountKind, name: string, amount: Minor) => {
    if (amount === 0) return;
    const found = out.find((d) => d.kind === kind && d.name === name);
    if (found) found.amount += amount;
    else out.push({ kind, name, amount });
  };
  for (const l of sale.lines) {
    const off = (l.listPrice - l.unitPrice) * l.qty;
    if (l.priceSetBy !== undefined) add('price-change', PRICE_CHANGE_NAME, off);
    else if (l.tierId !== null) add('tier', tierLabel(l.tierId) ?? l.tierId, off);
  }
  for (const d of sale.discounts ?? []) add(d.kind, givenDiscountName(d), d.total);
  return out;
}

/** Several lists merged by kind and name (a receipt of several brands, a shift, a day). */
export function mergeNamedDiscounts(lists: Iterable<readonly NamedDiscount[]>): NamedDiscount[] {
  const out: NamedDiscount[] = [];
  for (const list of lists) {
    for (const d of list) {
      const found = out.find((o) => o.kind === d.kind && o.name === d.name);
      if (found) found.amount += d.amount;
      else out.push({ ...d });
    }
  }
  return out;
}
