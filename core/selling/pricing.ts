import type { Product } from '../catalog/catalog.ts';
import { PopupError, ValidationError } from '../base/errors.ts';
import { assertMinor, divRound, type Minor, type RoundingMode } from '../base/money.ts';
import type { TaxMode } from './tax.ts';

export { cartTotals, lineTax, type CartLine, type CartLineInput, type CartTotals, type LineTax, type TaxByRate, type TaxMode } from './tax.ts';

const MINUTE_MS = 60_000;

// ─── Drop tiers ──────────────────────────────────────────────────────────────────────────────────────

/**
 * One step of a drop's falling discount. A tier runs from the previous tier's `untilMinute` (0 for the
 * first) up to, not including, its own `untilMinute` minutes after the drop starts; `null` = until the end.
 */
export interface DiscountTier {
  id: string;
  label: string;
  /** 3000 = 30 % off the list price. */
  percentOffBp: number;
  untilMinute: number | null;
}

/** A timed sale. Times are epoch milliseconds; the drop runs over [startsAt, endsAt). */
export interface Drop {
  startsAt: number;
  endsAt: number;
  tiers: DiscountTier[];
}

export type DropPhase =
  | { phase: 'before'; startsInMs: number }
  | { phase: 'live'; tier: DiscountTier; tierIndex: number; nextChangeInMs: number; nextTier: DiscountTier | null; endsInMs: number }
  | { phase: 'ended'; endedAgoMs: number };

/**
 * Checks a drop and throws a ValidationError naming the first problem. There must be at least one tier and
 * the last must have `untilMinute: null`, so that every instant of the drop has exactly one tier. A tier
 * boundary past `endsAt` is allowed (a drop may be cut short after its tiers were planned); the tiers
 * after it simply never run.
 */
export function validateDrop(drop: Drop): void {
  if (!Number.isSafeInteger(drop.startsAt)) throw new ValidationError('startsAt', 'must be epoch milliseconds');
  if (!Number.isSafeInteger(drop.endsAt)) throw new ValidationError('endsAt', 'must be epoch milliseconds');
  if (drop.endsAt <= drop.startsAt) throw new ValidationError('endsAt', 'must be after startsAt');
  if (drop.tiers.length === 0) throw new ValidationError('tiers', 'a drop needs at least one tier');
  const ids = new Set<string>();
  let previous = 0;
  drop.tiers.forEach((t, i) => {
    const at = `tiers[${i}]`;
    const last = i === drop.tiers.length - 1;
    if (typeof t.id !== 'string' || t.id === '') throw new ValidationError(`${at}.id`, 'must not be empty');
    if (ids.has(t.id)) throw new ValidationError(`${at}.id`, `duplicate tier id "${t.id}"`);
    ids.add(t.id);
    if (!Number.isSafeInteger(t.percentOffBp) || t.percentOffBp < 0 || t.percentOffBp > 10_000) {
      throw new ValidationError(`${at}.percentOffBp`, `must be a whole number in 0..10000, got ${t.percentOffBp}`);
    }
    if (t.untilMinute === null) {
      if (!last) throw new ValidationError(`${at}.untilMinute`, 'only the last tier may run until the end (null)');
      return;
    }
    if (last) throw new ValidationError(`${at}.untilMinute`, 'the last tier must be null (run until the end of the drop)');
    if (!Number.isSafeInteger(t.untilMinute) || t.untilMinute <= previous) {
      throw new ValidationError(`${at}.untilMinute`, `must be a whole number greater than ${previous}, got ${t.untilMinute}`);
    }
    previous = t.untilMinute;
  });
}

/**
 * Where the drop stands at `now`. Before the start and from the end on, no tier applies. `nextChangeInMs`
 * is the time to the next tier boundary or to the end, whichever comes first; `nextTier` is the tier that
 * takes over at that moment, so it is null when the drop ends first.
 */
export function dropPhase(drop: Drop, now: number): DropPhase {
  validateDrop(drop);
  if (now < drop.startsAt) return { phase: 'before', startsInMs: drop.startsAt - now };
  if (now >= drop.endsAt) return { phase: 'ended', endedAgoMs: now - drop.endsAt };
  const elapsed = now - drop.startsAt;
  const tierIndex = drop.tiers.findIndex((t) => t.untilMinute === null || elapsed < t.untilMinute * MINUTE_MS);
  const tier = drop.tiers[tierIndex];
  if (tier === undefined) throw new Error('unreachable: validateDrop guarantees a final open-ended tier');
  const boundary = tier.untilMinute === null ? Infinity : drop.startsAt + tier.untilMinute * MINUTE_MS;
  const endsInMs = drop.endsAt - now;
  const tierEndsFirst = boundary < drop.endsAt;
  return {
    phase: 'live',
    tier,
    tierIndex,
    nextChangeInMs: tierEndsFirst ? boundary - now : endsInMs,
    nextTier: tierEndsFirst ? (drop.tiers[tierIndex + 1] ?? null) : null,
    endsInMs,
  };
}

/**
 * "1:02:03" from one hour up, "14:59" / "0:05" below. Seconds round UP, as countdowns do, so the display
 * reaches 0:00 exactly when the change happens instead of showing 0:00 for the last second. Negative or
 * non-finite input shows 0:00.
 */
export function formatCountdown(ms: number): string {
  const total = Number.isFinite(ms) && ms > 0 ? Math.ceil(ms / 1000) : 0;
  // Over a day, seconds are noise and "49:12:07" makes a cashier count: days and hours read at a glance.
  if (total >= 86_400) {
    const days = Math.floor(total / 86_400);
    const hours = Math.floor((total % 86_400) / 3600);
    return `${days} d ${hours} h`;
  }
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

// ─── Margin floor and unit price ────────────────────────────────────────────────────────────────────

export type PricedProduct = Pick<Product, 'sku' | 'price' | 'cost' | 'marginFloorBp' | 'taxRateBp'>;

/** A manager tried to charge less than the product's margin floor. */
export class BelowMarginFloorError extends PopupError {
  constructor(
    readonly sku: string,
    readonly attempted: Minor,
    readonly floor: Minor,
  ) {
    super(`manual price ${attempted} for ${sku} is below its margin floor ${floor}`);
  }
}

function assertProduct(p: PricedProduct): void {
  assertMinor(p.price, 'price');
  assertMinor(p.cost, 'cost');
  if (p.price < 0 || p.cost < 0) throw new ValidationError('price', `price and cost must not be negative for ${p.sku}`);
  if (!Number.isSafeInteger(p.marginFloorBp) || p.marginFloorBp < 0 || p.marginFloorBp > 9_999) {
    throw new ValidationError('marginFloorBp', `must be in 0..9999 for ${p.sku}, got ${p.marginFloorBp}`);
  }
  if (!Number.isSafeInteger(p.taxRateBp) || p.taxRateBp < 0 || p.taxRateBp > 10_000) {
    throw new ValidationError('taxRateBp', `must be in 0..10000 for ${p.sku}, got ${p.taxRateBp}`);
  }
}

/**
 * The lowest price that keeps `marginFloorBp` of margin, WITHOUT the list-price cap (for reports that
 * flag products listed below their own floor). Margin is on the net price: (net − cost) / net ≥ floor,
 * i.e. net ≥ cost / (1 − floor). Both steps round UP so the floor is never crossed:
 *   netFloor   = ceil(cost × 10 000 / (10 000 − floorBp))
 *   grossFloor = ceil(netFloor × (10 000 + rate) / 10 000)      (inclusive events only)
 * Going through the whole-unit netFloor (rather than ceil(cost × (1 + rate) / (1 − floor)) in one step)
 * guarantees that `lineTax` — with ANY rounding mode — carves a net ≥ netFloor out of the gross floor.
 * Example: cost 1000, floor 25 %, tax 20 %: one step gives 1600, whose net 1333.33 rounds to 1333 (< 1334).
 */
export function marginFloorPrice(product: PricedProduct, taxMode: TaxMode): Minor {
  assertProduct(product);
  const netFloor = divRound(product.cost * 10_000, 10_000 - product.marginFloorBp, 'ceil');
  return taxMode === 'exclusive' ? netFloor : divRound(netFloor * (10_000 + product.taxRateBp), 10_000, 'ceil');
}

/**
 * The lowest price the till will charge: the margin floor, capped at the list price. Choice: if the list
 * price is already below its floor (a loss leader, or a catalog mistake), the floor becomes the list price
 * — the product sells at list with no discount — rather than being raised above list. Charging more than
 * the shelf tag is not something a till should do silently (price-indication rules, e.g. EU Directive
 * 98/6/EC); fixing the list price is a catalog decision. `marginFloorPrice` still reports the real floor.
 */
export function floorPrice(product: PricedProduct, taxMode: TaxMode): Minor {
  return Math.min(marginFloorPrice(product, taxMode), product.price);
}

export interface UnitPrice {
  list: Minor;
  price: Minor;
  /** list − price. */
  discount: Minor;
  /** The tier that was applied (even if clamped); null without a tier or with a manual price. */
  tierId: string | null;
  clampedToFloor: boolean;
  floor: Minor;
}

export interface UnitPriceOptions {
  tier: DiscountTier | null;
  taxMode: TaxMode;
  rounding: RoundingMode;
  /** Manager override; replaces the tier discount. Must lie within [floor, list]. */
  manualPrice?: Minor | undefined;
}

/**
 * The price of one unit, in the event's tax mode. The tier discount rounds the resulting PRICE with
 * `rounding` (so 'floor' means the customer's price rounds down): price = round(list × (1 − percent)),
 * then clamped up to `floorPrice`. A manual price below the floor throws BelowMarginFloorError; one above
 * list is refused too (the till never charges above the tag — change the catalog instead).
 */
export function unitPrice(product: PricedProduct, opts: UnitPriceOptions): UnitPrice {
  const list = product.price;
  const floor = floorPrice(product, opts.taxMode);
  if (opts.manualPrice !== undefined) {
    const manual = assertMinor(opts.manualPrice, 'manualPrice');
    if (manual < floor) throw new BelowMarginFloorError(product.sku, manual, floor);
    if (manual > list) throw new ValidationError('manualPrice', `${manual} for ${product.sku} is above its list price ${list}`);
    return { list, price: manual, discount: list - manual, tierId: null, clampedToFloor: false, floor };
  }
  if (opts.tier === null) return { list, price: list, discount: 0, tierId: null, clampedToFloor: false, floor };
  const pct = opts.tier.percentOffBp;
  if (!Number.isSafeInteger(pct) || pct < 0 || pct > 10_000) {
    throw new ValidationError('percentOffBp', `must be in 0..10000, got ${pct}`);
  }
  const discounted = divRound(list * (10_000 - pct), 10_000, opts.rounding);
  const price = Math.max(discounted, floor);
  return { list, price, discount: list - price, tierId: opts.tier.id, clampedToFloor: discounted < floor, floor };
}
