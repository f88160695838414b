import type { Product } from '../catalog/catalog.ts';
import { priceItems } from './checkout.ts';
import type { CartItem } from './cart.ts';
import { PopupError } from '../base/errors.ts';
import type { EventConfig } from '../event/event.ts';
import { parseReceiptNumber } from '../base/ids.ts';
import type { LedgerEntry } from '../ledger/ledger.ts';
import type { Sale } from './sale.ts';
import type { StaffRole } from '../event/staff.ts';
import { checkCouponUse, checkGivenDiscounts, couponKey, CouponNotApplicableError, discountCaps, DiscountError, UnknownCouponError, type Coupon, type CouponUse, type GivenDiscount, type ManualDiscount } from './discounts.ts';

/**
 * What a sale record must agree with before anyone counts its money: its own ledger entries (the units
 * really left the holder's rights), the catalog and the tier in force at the sale's time (priced by the
 * very code the till's checkout uses, `priceItems`), a sane bound on every amount, and the till's own
 * receipt prefix. Judged by the till before it commits (core/selling/checkout.ts) and by the server before it
 * accepts (sync-server/update-guard.ts). Table: docs/sync-protocol.md, "Sales: what the server checks".
 */
export class SaleRuleError extends PopupError {}

/**
 * The most one sale (and any amount on it) may be: 10^10 minor units (100 million in a two-decimal currency).
 * Far above any pop-up basket, far below 2^53: a year of such sales summed stays a safe integer.
 */
export const MAX_SALE_MINOR = 10_000_000_000;

/** Every field a stored sale, line or payment may carry: the schema is closed. */
const SALE_FIELDS = new Set(['id', 'at', 'wallTime', 'writer', 'eventId', 'brandId', 'tillId', 'holder', 'receiptNumber', 'checkoutId', 'cashierId', 'lines', 'payments', 'discount', 'net', 'tax', 'total', 'source', 'customer', 'discounts']);
const LINE_FIELDS = new Set(['sku', 'name', 'qty', 'listPrice', 'unitPrice', 'tierId', 'taxRateBp', 'net', 'tax', 'gross', 'serial', 'entryId', 'priceSetBy', 'lineDiscount']);
const PAYMENT_FIELDS = new Set(['method', 'amount', 'tendered', 'reference']);
const DISCOUNT_FIELDS = new Set(['kind', 'line', 'percentBp', 'amount', 'reason', 'code', 'approvedBy', 'total']);

export interface SaleRulesContext {
  config: EventConfig;
  /** The brand's catalog entry for a SKU. */
  product(sku: string): Product | undefined;
  /**
   * Earlier versions of a SKU's catalog entry (the brand document's `catalogHistory`). A till that sold
   * offline priced with the catalog it had; if the organiser re-priced the product meanwhile, its sale is
   * judged against the version whose list price it claims — a price the organiser really set — not refused
   * for ever (which would also stall everything the till sends after it).
   */
  productVersions?(sku: string): Product[];
  /** A ledger entry by id: written with the sale, or already in the document. */
  entry(entryId: string): LedgerEntry | undefined;
  isManager(staffId: string): boolean;
  /** A staff member's role (the cashier's discount cap); absent or undefined: no manual discount without a manager. */
  roleOf?(staffId: string): StaffRole | undefined;
  /** A coupon of the event by code, ignoring case; absent: every coupon is unknown. */
  coupon?(code: string): Coupon | undefined;
  /** The uses of a coupon already recorded in the brand's document (core/selling/discounts.ts, checkCouponUse). */
  couponUses?(code: string): CouponUse[];
  /** The receipt prefix of an event's till (setup document); omitted where the writer's prefix is its own. */
  receiptPrefix?: (tillId: string) => string | undefined;
}

export function checkSaleRules(sale: Sale, ctx: SaleRulesContext): void {
  const refuse = (what: string): never => {
    throw new SaleRuleError(`sale ${sale.id}: ${what}`);
  };
  checkAmounts(sale, refuse);
  if (sale.at !== sale.id.slice(sale.id.indexOf('_') + 1)) refuse('its "at" is not the time in its id');

  if (ctx.receiptPrefix) {
    const prefix = ctx.receiptPrefix(sale.tillId);
    if (prefix === undefined) refuse(`till ${sale.tillId} is not a till of this event`);
    let printed: string | undefined;
    try {
      printed = parseReceiptNumber(sale.receiptNumber).prefix;
    } catch {
      refuse(`"${sale.receiptNumber}" is not a receipt number`);
    }
    if (printed !== prefix || !sale.receiptNumber.startsWith(`${prefix}-`)) refuse(`receipt ${sale.receiptNumber} is not under ${sale.tillId}'s prefix ${prefix}`);
  }

  // Each line is backed by its own sale entry: same SKU and quantity, out of the sale's holder, by its writer.
  const used = new Set<string>();
  for (const line of sale.lines) {
    if (used.has(line.entryId)) refuse(`two lines name entry ${line.entryId}`);
    used.add(line.entryId);
    const e = ctx.entry(line.entryId);
    if (!e) refuse(`line ${line.sku} names entry ${line.entryId}, which is not in the ledger`);
    if (e!.kind !== 'sale' || e!.ref !== sale.id) refuse(`entry ${line.entryId} is not a sale entry of this sale`);
    if (e!.sku !== line.sku || e!.qty !== line.qty) refuse(`line ${line.sku} × ${line.qty} does not match its entry (${e!.sku} × ${e!.qty})`);
    if (e!.from !== sale.holder || e!.writer !== sale.writer) refuse(`entry ${line.entryId} does not take the units from ${sale.holder} as ${sale.writer}`);
    if (line.priceSetBy !== undefined && !ctx.isManager(line.priceSetBy)) refuse(`the price of ${line.sku} was set by "${line.priceSetBy}", who is not a manager of this event`);
  }

  // The discounts the sale says were given, as the checkout's input: at most one coupon and one cart
  // discount, at most one discount per line, and a coupon that really is one of this brand's.
  const given = sale.discounts ?? [];
  const lineDiscounts = new Map<number, ManualDiscount>();
  let cart: ManualDiscount | undefined;
  let coupon: Coupon | undefined;
  for (const d of given) {
    const manual = { ...(d.percentBp !== undefined ? { percentBp: d.percentBp } : { amount: d.amount! }), reason: d.reason, ...(d.approvedBy !== undefined ? { approvedBy: d.approvedBy } : {}) } as ManualDiscount;
    if (d.kind === 'line') {
      if (d.line! >= sale.lines.length || lineDiscounts.has(d.line!)) refuse(`its discounts name line ${d.line} twice or a line it does not have`);
      lineDiscounts.set(d.line!, manual);
    } else if (d.kind === 'cart') {
      if (cart) refuse('it carries two cart discounts');
      cart = manual;
    } else {
      if (coupon) refuse('it carries two coupons');
      const found = ctx.coupon?.(d.code!);
      if (!found || couponKey(found.code) !== couponKey(d.code!)) throw new UnknownCouponError(`sale ${sale.id}: "${d.code}" is not a coupon of this event`);
      if (found.brandId !== sale.brandId) throw new CouponNotApplicableError(`sale ${sale.id}: coupon ${found.code} is for ${found.brandId}, not ${sale.brandId}`);
      coupon = found;
    }
  }

  // Price the lines again, exactly as the till's checkout did, at the sale's own time.
  const items: CartItem[] = sale.lines.map((l, i) => ({
    brandId: sale.brandId,
    sku: l.sku,
    qty: l.qty,
    ...(l.serial !== undefined ? { serial: l.serial } : {}),
    ...(l.priceSetBy !== undefined ? { manualPrice: { price: l.unitPrice, managerId: l.priceSetBy } } : {}),
    ...(lineDiscounts.has(i) ? { discount: lineDiscounts.get(i)! } : {}),
  }));
  let priced: ReturnType<typeof priceItems>;
  try {
    priced = priceItems(items, ctx.config, (_brand, sku) => catalogEntryFor(sale, sku, ctx), sale.wallTime, { cart, coupon });
    checkGivenDiscounts(priced.discountRows, priced.discounts, { giverRole: ctx.roleOf?.(sale.cashierId), caps: discountCaps(ctx.config.policies), isManager: ctx.isManager });
    if (coupon) checkCouponUse(coupon, sale, ctx.couponUses?.(coupon.code) ?? [], ctx.config.timeZone);
  } catch (err) {
    // A discount refused keeps its name (DiscountCapError, UnknownCouponError, …) so the till and the
    // organiser's rejection list say which rule it broke.
    if (err instanceof DiscountError) {
      err.message = `sale ${sale.id}: ${err.message}`;
      throw err;
    }
    return refuse(err instanceof Error ? err.message : String(err));
  }
  const canon = (list: readonly GivenDiscount[]) => JSON.stringify(list.map((g) => [g.kind, g.line ?? null, g.percentBp ?? null, g.amount ?? null, g.reason, g.code ?? null, g.approvedBy ?? null, g.total]));
  if (canon(priced.discounts.given) !== canon(given)) refuse('its discounts do not take off what they say (or are not in the order they apply)');
  sale.lines.forEach((l, i) => {
    const row = priced.rows[i]!;
    const t = priced.totals.lines[i]!;
    if (l.listPrice !== row.price.list) refuse(`${l.sku} is listed at ${row.price.list}, not ${l.listPrice}`);
    if (l.unitPrice !== row.price.price || l.tierId !== row.price.tierId) {
      refuse(`${l.sku} costs ${row.price.price}${row.price.tierId ? ` (tier ${row.price.tierId})` : ''} at the sale's time, not ${l.unitPrice}${l.tierId ? ` (tier ${l.tierId})` : ''}`);
    }
    if ((l.lineDiscount ?? 0) !== priced.discounts.off[i]) refuse(`${l.sku}'s discounts come to ${priced.discounts.off[i]}, not ${l.lineDiscount ?? 0}`);
    if (l.taxRateBp !== row.product.taxRateBp || l.net !== t.net || l.tax !== t.tax || l.gross !== t.gross) refuse(`${l.sku}'s tax or line amounts are not what its price gives`);
  });
  const totals = priced.totals;
  if (sale.discount !== totals.discount || sale.net !== totals.net || sale.tax !== totals.tax || sale.total !== totals.total) {
    refuse(`its totals are not what its lines give (total ${totals.total}, discount ${totals.discount})`);
  }
}

/** The catalog entry a sale was priced with: the current one, or the earlier version whose list price it names. */
function catalogEntryFor(sale: Sale, sku: string, ctx: SaleRulesContext): Product | undefined {
  const current = ctx.product(sku);
  const claimed = sale.lines.find((l) => l.sku === sku)?.listPrice;
  if (claimed === undefined || current?.price === claimed) return current;
  return ctx.productVersions?.(sku).find((v) => v.price === claimed) ?? current;
}

/** Every amount a safe whole number within MAX_SALE_MINOR (parseSale has checked they are whole numbers). */
function checkAmounts(sale: Sale, refuse: (what: string) => never): void {
  const bounded = (v: number, what: string) => {
    if (!Number.isSafeInteger(v) || Math.abs(v) > MAX_SALE_MINOR) refuse(`${what} ${v} is beyond ${MAX_SALE_MINOR} minor units`);
  };
  for (const [k, v] of [['discount', sale.discount], ['net', sale.net], ['tax', sale.tax], ['total', sale.total]] as const) bounded(v, k);
  for (const l of sale.lines) for (const k of ['listPrice', 'unitPrice', 'net', 'tax', 'gross'] as const) bounded(l[k], `${l.sku} ${k}`);
  for (const p of sale.payments) {
    bounded(p.amount, 'payment');
    if (p.tendered !== undefined) bounded(p.tendered, 'tendered');
  }
}

/** Refuses a stored sale (before parsing) with fields its schema does not have, in it, its lines or payments. */
export function checkSaleFields(stored: unknown): void {
  if (typeof stored !== 'object' || stored === null) return;
  const unknown = (o: unknown, allowed: Set<string>, where: string) => {
    if (typeof o !== 'object' || o === null) return;
    for (const k of Object.keys(o)) if (!allowed.has(k)) throw new SaleRuleError(`${where}: unknown field "${k}"`);
  };
  unknown(stored, SALE_FIELDS, 'sale');
  const s = stored as { lines?: unknown; payments?: unknown; discounts?: unknown };
  if (Array.isArray(s.discounts)) s.discounts.forEach((d, i) => unknown(d, DISCOUNT_FIELDS, `sale discount ${i + 1}`));
  if (Array.isArray(s.lines)) s.lines.forEach((l, i) => unknown(l, LINE_FIELDS, `sale line ${i + 1}`));
  if (Array.isArray(s.payments)) s.payments.forEach((p, i) => unknown(p, PAYMENT_FIELDS, `sale payment ${i + 1}`));
}
