import { PopupError, ValidationError } from '../base/errors.ts';
import { allocate, assertMinor, divRound, type Minor } from '../base/money.ts';
import { zonedLocalToEpoch } from '../base/zoned-time.ts';
import { ID_PATTERN, SKU_PATTERN } from '../catalog/catalog.ts';
import type { StaffRole } from '../event/staff.ts';
import { asObject, int, optInt, optStr, str, strArray } from '../base/validate.ts';

/**
 * Discounts a person gives at the till (per line or per cart, percent or amount, with a reason) and coupons
 * the organiser defines (docs/organiser.md, "Coupons and discount caps"; the rule table is in
 * docs/sync-protocol.md, "Sales: what the server checks").
 *
 * Order and rounding (decided, tested in discounts.test.ts):
 *  1. each line's own discount, on the line's amount after the tier or a manager's price;
 *  2. the coupon, on what is left of the lines it applies to;
 *  3. the cart discount, on what is left of every line.
 * A percent discount is worked out PER LINE and rounded HALF-UP on the amount taken off (half a cent goes to
 * the customer), whatever the event's `rounding`: the figure a cashier promises ("10 % off") must not move
 * with a setting the cashier never sees. An amount spread over several lines is split in proportion to what
 * is left of each line by the largest-remainder method, so the parts add up to the amount exactly.
 * A coupon never takes a line below its margin floor (it is clamped there, as a tier is); a cashier's
 * discount that would is refused unless a manager approves it.
 */

/** What a discount takes off: exactly one of a percentage (basis points, 1 % = 100) or an amount (parsers check). */
export interface DiscountValue {
  percentBp?: number;
  amount?: Minor;
}

/** A discount a cashier gives to a line or to the whole cart. */
export type ManualDiscount = DiscountValue & {
  /** Why ("damaged box", "staff"): shown on the receipt and in the figures. */
  reason: string;
  /** The manager who approved it with their PIN, when it goes beyond the cashier's cap or the margin floor. */
  approvedBy?: string;
};

/**
 * A discount as the sale records it, with what it took off. `line` is the index of the line for a line
 * discount. The server prices the sale again from these and refuses it unless every figure agrees.
 */
export interface GivenDiscount {
  kind: 'line' | 'cart' | 'coupon';
  line?: number;
  percentBp?: number;
  amount?: Minor;
  /** The cashier's reason, or the coupon's name: the discount's name on the receipt and in the figures. */
  reason: string;
  /** The coupon's code (kind 'coupon'). */
  code?: string;
  approvedBy?: string;
  /** What it took off this sale, in the event's tax mode (gross if inclusive, net if exclusive). */
  total: Minor;
}

/**
 * A coupon the organiser defines. It belongs to ONE brand: that brand's sale carries it and that brand
 * bears its cost in the settlement, and the server can count its uses in that brand's document alone.
 * (A multi-brand promotion is one coupon per brand.)
 */
export type Coupon = DiscountValue & {
  code: string;
  /** Its name on the receipt and in the figures ("Summer 10 %"). */
  name: string;
  brandId: string;
  /** The products it applies to; absent or empty: every product of the brand. */
  skus?: string[];
  /** Validity window in the event's time zone, `YYYY-MM-DDTHH:mm`, from inclusive, until exclusive. */
  validFrom: string;
  validUntil: string;
  /** Most sales that may use it; absent: no limit. */
  usageLimit?: number;
  /** The creator it attributes the sale to (the sale's `source`), as their `/r/<code>` link does. */
  creatorCode?: string;
};

/** Caps in basis points on what a cashier may give without a manager, per role (event policies). */
export interface DiscountCaps {
  cashier: number;
  supervisor: number;
}

/** The example the organiser's guide gives: a cashier up to 10 %, a supervisor up to 25 %. */
export const DEFAULT_DISCOUNT_CAPS: DiscountCaps = { cashier: 1000, supervisor: 2500 };

// ─── Errors: each names what was refused, on the till and on the server alike ─────────────────────────

export class DiscountError extends PopupError {}
/** Beyond the giver's role cap with no manager's approval. */
export class DiscountCapError extends DiscountError {}
/** Below the margin floor with no manager's approval. */
export class DiscountBelowFloorError extends DiscountError {}
/** More than what is left of the line or cart: the total would go negative. */
export class DiscountTooLargeError extends DiscountError {}
/** A code that is no coupon of this event (or not of this brand). */
export class UnknownCouponError extends DiscountError {}
/** A coupon used before or after its validity window. */
export class CouponNotValidError extends DiscountError {}
/** A coupon for none of the sale's lines (another brand's products). */
export class CouponNotApplicableError extends DiscountError {}
/** A coupon past its usage limit beyond what the offline race allows (see checkCouponUse). */
export class CouponUsedUpError extends DiscountError {}
/** A manual discount without a reason or naming someone who is not a manager. */
export class DiscountApprovalError extends DiscountError {}

// ─── Parsing ───────────────────────────────────────────────────────────────────────────────────────

export const COUPON_CODE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{1,31}$/;
export const couponKey = (code: string): string => code.trim().toLowerCase();
const LOCAL_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/;

function parseValue(o: Record<string, unknown>, what: string): DiscountValue {
  const percentBp = optInt(o, 'percentBp', { min: 1, max: 10_000 });
  const amount = optInt(o, 'amount', { min: 1 });
  if ((percentBp === undefined) === (amount === undefined)) throw new ValidationError(what, 'needs exactly one of percentBp (1..10000) or amount (minor units ≥ 1)');
  return percentBp !== undefined ? { percentBp } : { amount: amount! };
}

export function parseCoupon(raw: unknown): Coupon {
  const o = asObject(raw, 'coupon');
  const code = str(o, 'code', { max: 32 });
  if (!COUPON_CODE_PATTERN.test(code)) throw new ValidationError('code', `"${code}" must be 2–32 letters, digits, _ or -, starting with a letter or digit`);
  const validFrom = str(o, 'validFrom', { max: 16, pattern: LOCAL_TIME });
  const validUntil = str(o, 'validUntil', { max: 16, pattern: LOCAL_TIME });
  if (validUntil <= validFrom) throw new ValidationError('validUntil', `must be after validFrom (${validFrom})`);
  const coupon: Coupon = {
    ...parseValue(o, 'coupon'),
    code,
    name: str(o, 'name', { max: 80 }),
    brandId: str(o, 'brandId', { max: 48, pattern: ID_PATTERN }),
    validFrom,
    validUntil,
  };
  if (o['skus'] !== undefined) {
    const skus = strArray(o, 'skus', { max: 500, pattern: SKU_PATTERN });
    if (skus.length) coupon.skus = skus;
  }
  const usageLimit = optInt(o, 'usageLimit', { min: 1, max: 10_000_000 });
  if (usageLimit !== undefined) coupon.usageLimit = usageLimit;
  const creatorCode = optStr(o, 'creatorCode', { max: 32, pattern: COUPON_CODE_PATTERN });
  if (creatorCode !== undefined) coupon.creatorCode = creatorCode;
  return coupon;
}

export function parseManualDiscount(raw: unknown, field = 'discount'): ManualDiscount {
  const o = asObject(raw, field);
  const d: ManualDiscount = { ...parseValue(o, field), reason: str(o, 'reason', { max: 80 }).trim() };
  if (d.reason === '') throw new ValidationError('reason', 'a discount needs a reason');
  const approvedBy = optStr(o, 'approvedBy', { max: 80 });
  if (approvedBy !== undefined) d.approvedBy = approvedBy;
  return d;
}

export function parseGivenDiscount(raw: unknown): GivenDiscount {
  const o = asObject(raw, 'discount');
  const kind = o['kind'];
  if (kind !== 'line' && kind !== 'cart' && kind !== 'coupon') throw new ValidationError('kind', 'must be one of line, cart, coupon');
  const d: GivenDiscount = { kind, ...parseValue(o, 'discount'), reason: str(o, 'reason', { max: 80 }), total: int(o, 'total', { min: 0 }) };
  if (kind === 'line') d.line = int(o, 'line', { min: 0, max: 10_000 });
  else if (o['line'] !== undefined) throw new ValidationError('line', 'only a line discount names a line');
  const code = optStr(o, 'code', { max: 32 });
  if (kind === 'coupon') {
    if (code === undefined) throw new ValidationError('code', 'a coupon discount names its code');
    d.code = code;
  } else if (code !== undefined) throw new ValidationError('code', 'only a coupon discount names a code');
  const approvedBy = optStr(o, 'approvedBy', { max: 80 });
  if (approvedBy !== undefined) d.approvedBy = approvedBy;
  return d;
}

/** The event's caps, defaults where it sets none. */
export function discountCaps(policies: { discountCaps?: Partial<DiscountCaps> } | undefined): DiscountCaps {
  return { ...DEFAULT_DISCOUNT_CAPS, ...(policies?.discountCaps ?? {}) };
}

/** A role's cap: a manager approves, so has none; someone who is no staff member of the event has 0. */
export function capFor(role: StaffRole | undefined, caps: DiscountCaps): number {
  if (role === 'manager') return 10_000;
  if (role === undefined) return 0;
  return caps[role];
}

// ─── The arithmetic ────────────────────────────────────────────────────────────────────────────────

/** One line as the discounts see it: its amount after the tier or manual price, and its margin floor. */
export interface DiscountRow {
  sku: string;
  /** unitPrice × qty, in the event's tax mode. */
  base: Minor;
  /** floorPrice × qty: the least the line may come to without a manager. */
  floor: Minor;
}

export interface DiscountInput {
  /** Per row, the line's own discount. */
  lines: readonly (ManualDiscount | undefined)[];
  coupon?: Coupon | undefined;
  cart?: ManualDiscount | undefined;
}

export interface DiscountResult {
  /** Per row, what all the discounts took off it. */
  off: Minor[];
  given: GivenDiscount[];
  /** Per row, whether a manager approved a manual discount touching it (lifting the cap and the floor). */
  approved: boolean[];
  /** Per row, the manual (line + cart) part of `off`: what the role cap applies to. */
  manualOff: Minor[];
}

const percentOf = (amount: Minor, bp: number): Minor => divRound(amount * bp, 10_000, 'half-up');

/** Whether a coupon applies to a line of its brand. */
export const couponAppliesTo = (coupon: Coupon, sku: string): boolean => !coupon.skus || coupon.skus.includes(sku);

/**
 * Works out what each discount takes off each row (order and rounding: the module comment). Throws
 * DiscountTooLargeError when a manual discount is more than what is left, CouponNotApplicableError when the
 * coupon applies to none of the rows. Caps, approvals, floors and the coupon's validity are judged by
 * `checkGivenDiscounts` and `checkCouponUse`, which need the event's staff and the brand's records.
 */
export function applyDiscounts(rows: readonly DiscountRow[], input: DiscountInput): DiscountResult {
  const left = rows.map((r) => assertMinor(r.base, 'line amount'));
  const off = rows.map(() => 0);
  const manualOff = rows.map(() => 0);
  const approved = rows.map(() => false);
  const given: GivenDiscount[] = [];
  const take = (i: number, amount: Minor, manual: boolean) => {
    left[i] = left[i]! - amount;
    off[i] = off[i]! + amount;
    if (manual) manualOff[i] = manualOff[i]! + amount;
  };

  input.lines.forEach((d, i) => {
    if (!d) return;
    if (i >= rows.length) throw new ValidationError('discount', `line ${i} does not exist`);
    const amount = d.percentBp !== undefined ? percentOf(left[i]!, d.percentBp) : assertMinor(d.amount!, 'amount');
    if (amount > left[i]!) throw new DiscountTooLargeError(`${d.reason}: ${amount} off ${rows[i]!.sku} is more than the line's ${left[i]}`);
    take(i, amount, true);
    if (d.approvedBy !== undefined) approved[i] = true;
    given.push({ kind: 'line', line: i, ...valueOf(d), reason: d.reason, ...(d.approvedBy !== undefined ? { approvedBy: d.approvedBy } : {}), total: amount });
  });

  const coupon = input.coupon;
  if (coupon) {
    const eligible = rows.map((r) => couponAppliesTo(coupon, r.sku));
    if (!eligible.some(Boolean)) throw new CouponNotApplicableError(`coupon ${coupon.code} applies to none of this sale's products`);
    // Headroom: what the coupon may take before the line reaches its floor (a coupon never crosses it).
    const room = rows.map((r, i) => (eligible[i] ? Math.max(0, left[i]! - r.floor) : 0));
    let parts: Minor[];
    if (coupon.percentBp !== undefined) {
      parts = rows.map((_, i) => (eligible[i] ? Math.min(percentOf(left[i]!, coupon.percentBp!), room[i]!) : 0));
    } else {
      const totalRoom = room.reduce((a, b) => a + b, 0);
      parts = totalRoom === 0 ? rows.map(() => 0) : allocate(Math.min(coupon.amount!, totalRoom), room);
    }
    parts.forEach((p, i) => take(i, p, false));
    given.push({ kind: 'coupon', ...valueOf(coupon), reason: coupon.name, code: coupon.code, total: parts.reduce((a, b) => a + b, 0) });
  }

  const cart = input.cart;
  if (cart) {
    const totalLeft = left.reduce((a, b) => a + b, 0);
    let parts: Minor[];
    if (cart.percentBp !== undefined) parts = left.map((l) => percentOf(l, cart.percentBp!));
    else {
      const amount = assertMinor(cart.amount!, 'amount');
      if (amount > totalLeft) throw new DiscountTooLargeError(`${cart.reason}: ${amount} off is more than the cart's ${totalLeft}`);
      parts = totalLeft === 0 ? left.map(() => 0) : allocate(amount, left);
    }
    parts.forEach((p, i) => {
      take(i, p, true);
      if (cart.approvedBy !== undefined && p > 0) approved[i] = true;
    });
    given.push({ kind: 'cart', ...valueOf(cart), reason: cart.reason, ...(cart.approvedBy !== undefined ? { approvedBy: cart.approvedBy } : {}), total: parts.reduce((a, b) => a + b, 0) });
  }
  return { off, given, approved, manualOff };
}

const valueOf = (d: DiscountValue): DiscountValue => (d.percentBp !== undefined ? { percentBp: d.percentBp } : { amount: d.amount! });

export interface DiscountRulesContext {
  /** The role of the staff member who gave the discounts (the sale's cashier). */
  giverRole: StaffRole | undefined;
  caps: DiscountCaps;
  isManager(staffId: string): boolean;
}

/**
 * The rules on manual discounts, per line: a reason; an approver who really is a manager; within the giver's
 * cap (what manual discounts took off the line ≤ cap × the line's amount, rounded up to the minor unit so a
 * percentage AT the cap passes whatever its rounding); and the line never below its margin floor — unless a
 * manager approved a manual discount on that line, or the giver is a manager.
 */
export function checkGivenDiscounts(rows: readonly DiscountRow[], result: DiscountResult, ctx: DiscountRulesContext): void {
  for (const d of result.given) {
    if (d.kind === 'coupon') continue;
    if (d.reason.trim() === '') throw new DiscountApprovalError(`a ${d.kind} discount needs a reason`);
    if (d.approvedBy !== undefined && !ctx.isManager(d.approvedBy)) throw new DiscountApprovalError(`the ${d.kind} discount "${d.reason}" names "${d.approvedBy}" as approver, who is not a manager of this event`);
  }
  const cap = capFor(ctx.giverRole, ctx.caps);
  rows.forEach((r, i) => {
    if (result.approved[i] || ctx.giverRole === 'manager') return;
    const manual = result.manualOff[i]!;
    if (manual > 0 && manual > divRound(r.base * cap, 10_000, 'ceil')) {
      throw new DiscountCapError(`${manual} off ${r.sku} (of ${r.base}) is beyond the ${ctx.giverRole ?? 'unknown staff member'}'s cap of ${cap / 100} %: a manager must approve it`);
    }
    if (manual > 0 && r.base - result.off[i]! < Math.min(r.floor, r.base)) {
      throw new DiscountBelowFloorError(`${r.sku} would come to ${r.base - result.off[i]!}, below its margin floor ${r.floor}: a manager must approve it`);
    }
  });
}

/** A use of a coupon already recorded (a sale of the brand that carries its code). */
export interface CouponUse {
  saleId: string;
  tillId: string;
  /** The sale's hybrid-clock time: the order uses are counted in. */
  at: string;
}

/**
 * Whether a sale at `wallTime` from `tillId` may use `coupon`, given the uses already recorded.
 *  - Valid: validFrom ≤ the sale's time (in the event's time zone) < validUntil.
 *  - Usage: below the limit, yes. At or past it, the OFFLINE RACE rule: two tills that were offline can
 *    both have used the last use, and refusing the second sale for ever would stall its till's sync while
 *    the customer has long left with the goods. So past the limit each till may record ONE use (the one it
 *    could not have known was over) and the organiser is alerted (core/reports/alerts.ts, 'coupon-over-limit');
 *    a second over-limit use from the same till is refused (CouponUsedUpError), so the excess is bounded by
 *    the number of tills. Over-limit uses are those past the limit in hybrid-clock order.
 */
export function checkCouponUse(coupon: Coupon, sale: { id: string; tillId: string; wallTime: number }, uses: readonly CouponUse[], timeZone: string): { overLimit: boolean } {
  const from = zonedLocalToEpoch(coupon.validFrom, timeZone);
  const until = zonedLocalToEpoch(coupon.validUntil, timeZone);
  if (sale.wallTime < from) throw new CouponNotValidError(`coupon ${coupon.code} is valid from ${coupon.validFrom} (${timeZone})`);
  if (sale.wallTime >= until) throw new CouponNotValidError(`coupon ${coupon.code} expired at ${coupon.validUntil} (${timeZone})`);
  if (coupon.usageLimit === undefined) return { overLimit: false };
  const others = uses.filter((u) => u.saleId !== sale.id);
  if (others.length < coupon.usageLimit) return { overLimit: false };
  const ordered = [...others].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.saleId < b.saleId ? -1 : 1));
  const overByThisTill = ordered.slice(coupon.usageLimit).some((u) => u.tillId === sale.tillId);
  if (overByThisTill) throw new CouponUsedUpError(`coupon ${coupon.code} has been used ${others.length} times (limit ${coupon.usageLimit}) and till ${sale.tillId} already went over it once`);
  return { overLimit: true };
}

/** The uses a coupon's limit counts: sales carrying its code (any case). */
export function couponUses(sales: Iterable<{ id: string; tillId: string; at: string; discounts?: readonly GivenDiscount[] }>, code: string): CouponUse[] {
  const key = couponKey(code);
  const out: CouponUse[] = [];
  for (const s of sales) if (s.discounts?.some((d) => d.kind === 'coupon' && d.code !== undefined && couponKey(d.code) === key)) out.push({ saleId: s.id, tillId: s.tillId, at: s.at });
  return out;
}
