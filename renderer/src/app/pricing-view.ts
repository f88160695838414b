import type { Cart } from '../../../core/selling/cart.ts';
import { productLabel, type Product } from '../../../core/catalog/catalog.ts';
import { cartDiscountShares, priceItems } from '../../../core/selling/checkout.ts';
import type { EventConfig } from '../../../core/event/event.ts';
import { resolveCoupons } from '../../../core/selling/checkout.ts';
import { mergeNamedDiscounts, namedDiscounts, type NamedDiscount } from '../../../core/selling/discount-names.ts';
import type { Coupon, ManualDiscount } from '../../../core/selling/discounts.ts';

/** The cart as the cashier sees it: priced by the same code that prices the sale (core/selling/checkout.ts). */
export interface PricedLine {
  brandId: string;
  sku: string;
  label: string;
  qty: number;
  serial?: string;
  unitPrice: number;
  listPrice: number;
  gross: number;
  /** The cashier's discount on this line, if any. */
  discount?: ManualDiscount;
  /** What the given discounts (line, coupon, cart) took off this line. */
  discounted: number;
  /** What the cashier's own discount on this line took off (the line shows it under its reason). */
  lineDiscounted: number;
}

export interface PricedCart {
  lines: PricedLine[];
  discount: number;
  /** Each discount under its own name (core/selling/discount-names.ts), as the receipt will show it. */
  discounts: NamedDiscount[];
  tax: number;
  total: number;
}

/**
 * Prices the cart per brand, as the checkout does (a coupon belongs to one brand; a cart discount in percent
 * applies to each brand's part, an amount is split over the brands' parts by cartDiscountShares, the
 * checkout's own split), so the cart shows what the sales will record.
 */
export function priceCart(cart: Cart, config: EventConfig, product: (b: string, s: string) => Product | undefined, now: number, coupon: (code: string) => Coupon | undefined = () => undefined): PricedCart {
  const brandIds = [...new Set(cart.lines.map((l) => l.brandId))];
  const coupons = resolveCoupons(cart, brandIds, coupon);
  const tierLabel = (id: string) => config.drop.tiers.find((t) => t.id === id)?.label;
  const lines: PricedLine[] = [];
  const named: NamedDiscount[][] = [];
  let discount = 0;
  let tax = 0;
  let total = 0;
  const shares = cartDiscountShares(cart, brandIds, coupons, (items, extra) => priceItems(items, config, product, now, extra), config.taxMode);
  brandIds.forEach((brandId, b) => {
    const items = cart.lines.filter((l) => l.brandId === brandId);
    const { rows, totals, discounts } = priceItems(items, config, product, now, { cart: shares[b], coupon: coupons.get(brandId) });
    rows.forEach((r, i) => {
      lines.push({
        brandId: r.item.brandId,
        sku: r.item.sku,
        label: productLabel(r.product),
        qty: r.item.qty,
        ...(r.item.serial ? { serial: r.item.serial } : {}),
        unitPrice: r.price.price,
        listPrice: r.price.list,
        gross: totals.lines[i]!.gross,
        ...(r.item.discount ? { discount: r.item.discount } : {}),
        discounted: discounts.off[i]!,
        lineDiscounted: discounts.given.find((g) => g.kind === 'line' && g.line === i)?.total ?? 0,
      });
    });
    named.push(
      namedDiscounts(
        { lines: rows.map((r) => ({ qty: r.item.qty, listPrice: r.price.list, unitPrice: r.price.price, tierId: r.price.tierId, priceSetBy: r.item.manualPrice?.managerId })), discounts: discounts.given },
        tierLabel,
      ),
    );
    discount += totals.discount;
    tax += totals.tax;
    total += totals.total;
  });
  // The cart's lines in the cart's order (the panel indexes them as the cart does).
  const ordered = cart.lines.map((l) => lines.find((p) => p.brandId === l.brandId && p.sku === l.sku && p.serial === l.serial)!);
  return { lines: ordered, discount, discounts: mergeNamedDiscounts(named), tax, total };
}
