import { ValidationError } from '../base/errors.ts';
import type { Cart, CartItem } from './cart.ts';
import type { StoredCustomer } from '../customers/customer.ts';
import { productLabel, type Product } from '../catalog/catalog.ts';
import { checkEntryRules } from '../ledger/entry-rules.ts';
import { ledgerLimits, type EventConfig } from '../event/event.ts';
import type { HybridClock } from '../base/hlc.ts';
import type { HolderId } from '../ledger/holders.ts';
import { newId } from '../base/ids.ts';
import type { LedgerEntry } from '../ledger/ledger.ts';
import { cartTotals, dropPhase, floorPrice, unitPrice, type CartTotals, type UnitPrice } from './pricing.ts';
import { allocate } from '../base/money.ts';
import type { StaffRole } from '../event/staff.ts';
import { applyDiscounts, couponKey, CouponNotApplicableError, CouponUsedUpError, DiscountTooLargeError, UnknownCouponError, type Coupon, type CouponUse, type DiscountResult, type DiscountRow, type ManualDiscount } from './discounts.ts';
import type { LedgerWriter } from '../ledger/rights.ts';
import { checkSaleRules } from './sale-rules.ts';
import { checkSaleTotals, type Payment, type Sale, type SaleLine } from './sale.ts';

/**
 * Turns a cart and its payments into sales and ledger entries, one sale per brand (each brand's document
 * holds only its own units and money), all sharing one checkout id and receipt number. Pure: the caller
 * appends the result to the brand documents in one storage transaction.
 */
export interface CheckoutInput {
  cart: Cart;
  payments: readonly Payment[];
  cashierId: string;
  /** Wall-clock time of the sale (ms); the tier in force is taken at this instant. */
  now: number;
  source?: string;
  /** The customer's hashed contact, with consent. */
  customer?: StoredCustomer;
  /** Manager approval to sell beyond rights; recorded on each entry that needed it. */
  override?: { managerId: string; reason: string };
}

export interface CheckoutContext {
  config: EventConfig;
  deviceId: string;
  tillId: string;
  holder: HolderId;
  receiptNumber: string;
  clock: HybridClock;
  product(brandId: string, sku: string): Product | undefined;
  writer(brandId: string): LedgerWriter;
  /**
   * Whether a staff id is a manager of the event (its setup's staff): overrides and price changes must
   * name one, or the server refuses the sale (core/ledger/entry-rules.ts, core/selling/sale-rules.ts).
   */
  isManager(staffId: string): boolean;
  /** The role of a staff member (the cashier's cap on discounts); undefined: not staff of this event. */
  roleOf?(staffId: string): StaffRole | undefined;
  /** A coupon of the event by code, ignoring case (the setup document's coupons). */
  coupon?(code: string): Coupon | undefined;
  /** The uses of a coupon this till knows of (its brand document's sales). */
  couponUses?(brandId: string, code: string): CouponUse[];
}

export interface CheckoutResult {
  checkoutId: string;
  sales: Sale[];
  entries: Map<string, LedgerEntry[]>;
}

export function buildCheckout(input: CheckoutInput, ctx: CheckoutContext): CheckoutResult {
  if (input.cart.lines.length === 0) throw new ValidationError('cart', 'is empty');
  const checkoutId = newId('c', ctx.clock);
  const brandIds = [...new Set(input.cart.lines.map((l) => l.brandId))];
  const couponsByBrand = resolveCoupons(input.cart, brandIds, ctx.coupon);
  // The till refuses a coupon it KNOWS is used up; the server's one-over-the-limit allowance is only for the
  // use a till could not have known about (core/selling/discounts.ts, checkCouponUse).
  for (const c of couponsByBrand.values()) {
    const known = ctx.couponUses?.(c.brandId, c.code).length ?? 0;
    if (c.usageLimit !== undefined && known >= c.usageLimit) throw new CouponUsedUpError(`coupon ${c.code} has been used ${known} of ${c.usageLimit} times`);
  }
  const itemsOf = (brandId: string) => input.cart.lines.filter((l) => l.brandId === brandId);
  const cartShares = cartDiscountShares(input.cart, brandIds, couponsByBrand, (items, extra) => priceItems(items, ctx.config, ctx.product, input.now, extra), ctx.config.taxMode);
  const parts = brandIds.map((brandId, i) => ({
    brandId,
    ...priceItems(itemsOf(brandId), ctx.config, ctx.product, input.now, { cart: cartShares[i], coupon: couponsByBrand.get(brandId) }),
  }));
  const grandTotal = parts.reduce((a, p) => a + p.totals.total, 0);
  for (const p of input.payments) {
    if (p.tendered !== undefined && p.tendered < p.amount) throw new ValidationError('tendered', `${p.tendered} handed over is less than the ${p.amount} it pays`);
  }
  const paid = input.payments.reduce((a, p) => a + p.amount, 0);
  if (paid !== grandTotal) throw new ValidationError('payments', `add up to ${paid}, the total is ${grandTotal}`);
  const paymentsByPart = splitPayments(input.payments, parts.map((p) => p.totals.total));

  // A coupon that carries a creator code attributes the sale to the creator, as their link would.
  const source = input.source ?? [...couponsByBrand.values()].find((c) => c.creatorCode !== undefined)?.creatorCode;
  const sales: Sale[] = [];
  const entries = new Map<string, LedgerEntry[]>();
  parts.forEach((part, i) => {
    const saleId = newId('s', ctx.clock);
    const batch = ctx.writer(part.brandId).batch();
    const lines: SaleLine[] = part.rows.map((p, j) => {
      const t = part.totals.lines[j]!;
      const entry = batch.sale(ctx.holder, p.item.sku, p.item.qty, saleId, input.override);
      return {
        sku: p.item.sku,
        name: productLabel(p.product),
        qty: p.item.qty,
        listPrice: p.price.list,
        unitPrice: p.price.price,
        tierId: p.price.tierId,
        taxRateBp: p.product.taxRateBp,
        net: t.net,
        tax: t.tax,
        gross: t.gross,
        entryId: entry.id,
        ...(part.discounts.off[j]! > 0 ? { lineDiscount: part.discounts.off[j]! } : {}),
        ...(p.item.manualPrice ? { priceSetBy: p.item.manualPrice.managerId } : {}),
        ...(p.item.serial ? { serial: p.item.serial } : {}),
      };
    });
    const sale: Sale = {
      id: saleId,
      receiptNumber: ctx.receiptNumber,
      at: saleId.slice(2),
      wallTime: input.now,
      writer: ctx.deviceId,
      eventId: ctx.config.id,
      brandId: part.brandId,
      tillId: ctx.tillId,
      holder: ctx.holder,
      checkoutId,
      cashierId: input.cashierId,
      lines,
      payments: paymentsByPart[i]!,
      discount: part.totals.discount,
      net: part.totals.net,
      tax: part.totals.tax,
      total: part.totals.total,
      ...(source ? { source } : {}),
      ...(part.discounts.given.length ? { discounts: part.discounts.given } : {}),
      ...(input.customer ? { customer: input.customer } : {}),
    };
    checkSaleTotals(sale);
    // The same rules the server judges the sale by, before anything is committed: a till never writes
    // what the server would refuse (and then resend it for ever).
    const limits = ledgerLimits(ctx.config);
    for (const e of batch.entries) checkEntryRules(e, { isManager: ctx.isManager, limits });
    checkSaleRules(sale, {
      config: ctx.config,
      product: (sku) => ctx.product(part.brandId, sku),
      entry: (id) => batch.entries.find((e) => e.id === id),
      isManager: ctx.isManager,
      ...(ctx.roleOf ? { roleOf: ctx.roleOf } : {}),
      ...(ctx.coupon ? { coupon: ctx.coupon } : {}),
      couponUses: (code) => ctx.couponUses?.(part.brandId, code) ?? [],
    });
    sales.push(sale);
    entries.set(part.brandId, batch.entries);
  });
  return { checkoutId, sales, entries };
}

/** What a brand's part of a cart carries beyond its lines: the cart discount (or its share) and the brand's coupon. */
export interface PartDiscounts {
  cart?: ManualDiscount | undefined;
  coupon?: Coupon | undefined;
}

export interface PricedItems {
  rows: { item: CartItem; product: Product; price: UnitPrice }[];
  totals: CartTotals;
  /** What each discount took off each line (core/selling/discounts.ts). */
  discounts: DiscountResult;
  /** The lines as the discounts saw them (amount after the tier or manual price, margin floor). */
  discountRows: DiscountRow[];
}

/**
 * A cart's items priced at the tier in force at `now`, with the discounts given at the till and the brand's
 * coupon applied (core/selling/discounts.ts), per-line tax and totals. The server prices a sale again with
 * this very function (core/selling/sale-rules.ts).
 */
export function priceItems(
  items: readonly CartItem[],
  config: EventConfig,
  product: (brandId: string, sku: string) => Product | undefined,
  now: number,
  extra: PartDiscounts = {},
): PricedItems {
  const phase = dropPhase(config.drop, now);
  const tier = phase.phase === 'live' ? phase.tier : null;
  const rows = items.map((item) => {
    const p = product(item.brandId, item.sku);
    if (!p) throw new ValidationError('sku', `${item.sku} is not in ${item.brandId}'s catalog`);
    return { item, product: p, price: unitPrice(p, { tier, taxMode: config.taxMode, rounding: config.rounding, manualPrice: item.manualPrice?.price }) };
  });
  const discountRows: DiscountRow[] = rows.map((r) => ({ sku: r.item.sku, base: r.price.price * r.item.qty, floor: floorPrice(r.product, config.taxMode) * r.item.qty }));
  const discounts = applyDiscounts(discountRows, { lines: rows.map((r) => r.item.discount), coupon: extra.coupon, cart: extra.cart });
  const totals = cartTotals(
    rows.map((r, i) => ({ sku: r.item.sku, qty: r.item.qty, unitPrice: r.price.price, listPrice: r.price.list, taxRateBp: r.product.taxRateBp, lineDiscount: discounts.off[i]! })),
    config.taxMode,
    config.rounding,
  );
  return { rows, totals, discounts, discountRows };
}

/**
 * The cart's coupon codes as coupons, by the brand each belongs to. Refuses a code that is no coupon of the
 * event (UnknownCouponError), one for a brand with nothing in the cart (CouponNotApplicableError) and two
 * coupons for one brand (a sale carries at most one).
 */
/**
 * The cart discount each brand's part of a cart takes, in `brandIds` order. A percent applies as it is to every
 * brand's part. An amount is split over the parts in proportion to what is left of each after its line
 * discounts and coupon, and each part's sale records its share as an amount (largest remainder: the shares add
 * up to the amount exactly). One function for the checkout and the till's cart, so the cart shows what the
 * sales will record (the cart used to put a whole amount on the first brand).
 */
export function cartDiscountShares(
  cart: Cart,
  brandIds: readonly string[],
  coupons: ReadonlyMap<string, Coupon>,
  price: (items: readonly CartItem[], extra: PartDiscounts) => PricedItems,
  taxMode: EventConfig['taxMode'],
): (ManualDiscount | undefined)[] {
  const cartDiscount = cart.discount;
  if (cartDiscount?.amount === undefined || brandIds.length < 2) return brandIds.map(() => cartDiscount);
  const left = brandIds.map((b) => price(cart.lines.filter((l) => l.brandId === b), { coupon: coupons.get(b) }).totals.lines.reduce((a, l) => a + (taxMode === 'inclusive' ? l.gross : l.net), 0));
  const totalLeft = left.reduce((a, b) => a + b, 0);
  if (cartDiscount.amount > totalLeft) throw new DiscountTooLargeError(`${cartDiscount.reason}: ${cartDiscount.amount} off is more than the cart's ${totalLeft}`);
  return allocate(cartDiscount.amount, left).map((amount) => (amount > 0 ? { ...cartDiscount, amount } : undefined));
}

export function resolveCoupons(cart: Cart, brandIds: readonly string[], lookup: ((code: string) => Coupon | undefined) | undefined): Map<string, Coupon> {
  const out = new Map<string, Coupon>();
  for (const code of cart.coupons ?? []) {
    const coupon = lookup?.(code);
    if (!coupon || couponKey(coupon.code) !== couponKey(code)) throw new UnknownCouponError(`"${code}" is not a coupon of this event`);
    if (!brandIds.includes(coupon.brandId)) throw new CouponNotApplicableError(`coupon ${coupon.code} is for ${coupon.brandId}, which has nothing in this cart`);
    const other = out.get(coupon.brandId);
    if (other) throw new ValidationError('coupons', `${other.code} and ${coupon.code} are both for ${coupon.brandId}: one coupon per brand`);
    out.set(coupon.brandId, coupon);
  }
  return out;
}

/**
 * Spreads the checkout's payments over the brand parts so that each part's payments add up to its total:
 * payments fill the parts in order. Cash tendered stays with the last piece of its payment, so the change
 * due over the whole checkout is unchanged.
 */
export function splitPayments(payments: readonly Payment[], partTotals: readonly number[]): Payment[][] {
  const out: Payment[][] = partTotals.map(() => []);
  const left = [...partTotals];
  let part = 0;
  for (const p of payments) {
    let remaining = p.amount;
    while (remaining > 0) {
      while (part < left.length && left[part] === 0) part++;
      if (part >= left.length) throw new ValidationError('payments', 'exceed the total');
      const take = Math.min(remaining, left[part]!);
      left[part] = left[part]! - take;
      remaining -= take;
      const piece: Payment = { method: p.method, amount: take };
      if (p.reference !== undefined) piece.reference = p.reference;
      if (remaining === 0 && p.tendered !== undefined) piece.tendered = take + (p.tendered - p.amount);
      out[part]!.push(piece);
    }
  }
  return out;
}
