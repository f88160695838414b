import type { Cart } from '../../../core/selling/cart.ts';
import { productLabel, type Product } from '../../../core/catalog/catalog.ts';
import { priceItems } from '../../../core/selling/checkout.ts';
import type { EventConfig } from '../../../core/event/event.ts';

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
}

export interface PricedCart {
  lines: PricedLine[];
  discount: number;
  tax: number;
  total: number;
}

export function priceCart(cart: Cart, config: EventConfig, product: (b: string, s: string) => Product | undefined, now: number): PricedCart {
  const { rows, totals } = priceItems(cart.lines, config, product, now);
  return {
    lines: rows.map((r, i) => ({
      brandId: r.item.brandId,
      sku: r.item.sku,
      label: productLabel(r.product),
      qty: r.item.qty,
      ...(r.item.serial ? { serial: r.item.serial } : {}),
      unitPrice: r.price.price,
      listPrice: r.price.list,
      gross: totals.lines[i]!.gross,
    })),
    discount: totals.discount,
    tax: totals.tax,
    total: totals.total,
  };
}
