import { InsufficientRightsError } from '../ledger/rights.ts';
import { ValidationError } from '../base/errors.ts';
import type { Product } from '../catalog/catalog.ts';
import type { HolderId } from '../ledger/holders.ts';
import type { ManualDiscount } from './discounts.ts';

/**
 * A till's cart. It never holds more of a SKU than the till's stock rights: the check happens when a line
 * is added, not at payment, so the cashier learns at once and can ask for more rights or a manager.
 */
export interface CartItem {
  brandId: string;
  sku: string;
  qty: number;
  /** Serial-tracked products: one line per unit, with its serial. */
  serial?: string;
  /** A price a manager set for this line (never below the margin floor, never above list). */
  manualPrice?: { price: number; managerId: string };
  /** A discount the cashier gave this line (core/selling/discounts.ts). */
  discount?: ManualDiscount;
}

export interface Cart {
  lines: CartItem[];
  /** A discount on the whole cart. */
  discount?: ManualDiscount;
  /** Coupon codes typed or scanned, at most one per brand (a coupon belongs to one brand). */
  coupons?: string[];
}

export const emptyCart = (): Cart => ({ lines: [] });

/** Units of a SKU already in the cart. */
export function inCart(cart: Cart, brandId: string, sku: string): number {
  return cart.lines.reduce((a, l) => a + (l.brandId === brandId && l.sku === sku ? l.qty : 0), 0);
}

/**
 * Adds `qty` of a product. `available` is the till's rights for it; `allowBeyondRights` is set once a
 * manager has approved an override for this cart.
 */
export function addToCart(
  cart: Cart,
  product: Pick<Product, 'brandId' | 'sku' | 'serialTracked'>,
  qty: number,
  available: number,
  opts: { holder: HolderId; serial?: string; allowBeyondRights?: boolean },
): Cart {
  if (!Number.isSafeInteger(qty) || qty < 1) throw new ValidationError('qty', 'must be a positive whole number');
  const want = inCart(cart, product.brandId, product.sku) + qty;
  if (want > available && !opts.allowBeyondRights) {
    throw new InsufficientRightsError(opts.holder, product.sku, want, Math.max(0, available));
  }
  if (product.serialTracked) {
    if (!opts.serial) throw new ValidationError('serial', `${product.sku} is serial-tracked: scan or type the unit's serial`);
    if (qty !== 1) throw new ValidationError('qty', 'a serial-tracked unit is sold one per line');
    if (cart.lines.some((l) => l.serial === opts.serial && l.sku === product.sku)) {
      throw new ValidationError('serial', `serial ${opts.serial} is already in the cart`);
    }
    return { ...cart, lines: [...cart.lines, { brandId: product.brandId, sku: product.sku, qty: 1, serial: opts.serial }] };
  }
  const i = cart.lines.findIndex((l) => l.brandId === product.brandId && l.sku === product.sku && l.serial === undefined);
  if (i < 0) return { ...cart, lines: [...cart.lines, { brandId: product.brandId, sku: product.sku, qty }] };
  return { ...cart, lines: cart.lines.map((l, j) => (j === i ? { ...l, qty: l.qty + qty } : l)) };
}

/** Sets a manager's price on a line; the price itself is checked when the line is priced (core/selling/pricing.ts). */
export function setManualPrice(cart: Cart, index: number, price: number, managerId: string): Cart {
  if (!cart.lines[index]) throw new ValidationError('line', `no line ${index}`);
  return { ...cart, lines: cart.lines.map((l, j) => (j === index ? { ...l, manualPrice: { price, managerId } } : l)) };
}

/** Sets a line's quantity (0 removes it); growing it is checked against the rights like an add. */
export function setQty(cart: Cart, index: number, qty: number, available: number, opts: { holder: HolderId; allowBeyondRights?: boolean }): Cart {
  const line = cart.lines[index];
  if (!line) throw new ValidationError('line', `no line ${index}`);
  if (qty === 0) return { ...cart, lines: cart.lines.filter((_, j) => j !== index) };
  if (line.serial !== undefined && qty !== 1) throw new ValidationError('qty', 'a serial-tracked unit is sold one per line');
  const others = inCart(cart, line.brandId, line.sku) - line.qty;
  if (others + qty > available && !opts.allowBeyondRights) {
    throw new InsufficientRightsError(opts.holder, line.sku, others + qty, Math.max(0, available));
  }
  return { ...cart, lines: cart.lines.map((l, j) => (j === index ? { ...l, qty } : l)) };
}

/** Gives (or, with undefined, takes back) a line's discount; checked when the cart is priced and at checkout. */
export function setLineDiscount(cart: Cart, index: number, discount: ManualDiscount | undefined): Cart {
  if (!cart.lines[index]) throw new ValidationError('line', `no line ${index}`);
  return {
    ...cart,
    lines: cart.lines.map((l, j) => {
      if (j !== index) return l;
      const { discount: _old, ...rest } = l;
      return discount ? { ...rest, discount } : rest;
    }),
  };
}

/** Gives (or takes back) the discount on the whole cart. */
export function setCartDiscount(cart: Cart, discount: ManualDiscount | undefined): Cart {
  const { discount: _old, ...rest } = cart;
  return discount ? { ...rest, discount } : rest;
}

/** The cart with a coupon code added (ignoring case, once) or removed. */
export function withCoupon(cart: Cart, code: string, add: boolean): Cart {
  const key = code.trim().toLowerCase();
  const others = (cart.coupons ?? []).filter((c) => c.trim().toLowerCase() !== key);
  const coupons = add ? [...others, code.trim()] : others;
  const { coupons: _old, ...rest } = cart;
  return coupons.length ? { ...rest, coupons } : rest;
}
