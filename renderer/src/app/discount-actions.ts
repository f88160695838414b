import { setCartDiscount, setLineDiscount, withCoupon, type Cart } from '../../../core/selling/cart.ts';
import { priceItems, resolveCoupons } from '../../../core/selling/checkout.ts';
import { capFor, checkGivenDiscounts, couponKey, DiscountBelowFloorError, DiscountCapError, discountCaps, type ManualDiscount } from '../../../core/selling/discounts.ts';
import { managersOf } from '../../../core/ledger/entry-rules.ts';
import type { StaffMember } from '../../../core/event/staff.ts';
import { toTagged } from '../../../core/base/errors.ts';
import { usePos } from './pos-store.ts';

/**
 * The cart's discounts and codes (core/selling/discounts.ts). Each change is judged at once with the rules the
 * checkout and the server apply, so the cart never holds a discount the sale would refuse: beyond the
 * cashier's cap or below the margin floor, the form asks for a manager's PIN instead.
 */
const set = usePos.setState;
const get = usePos.getState;

export function openDiscount(target: number | 'cart' | undefined): void {
  set({ discountFor: target, priceFor: undefined, message: undefined });
}

/** What giving `discount` needs: nothing more ('ok'), or a manager ('manager', with why). Errors throw. */
export type DiscountVerdict = { ok: true } | { ok: false; needsManager: string };

/** Gives a discount to a line or the whole cart, with the manager who approved it when one did. */
export function giveDiscount(target: number | 'cart', discount: ManualDiscount, manager?: StaffMember): DiscountVerdict {
  const { cart, store, cashier, now } = get();
  const config = store?.config();
  if (!store || !config) return { ok: true };
  const given: ManualDiscount = manager ? { ...discount, approvedBy: manager.id } : discount;
  const next = target === 'cart' ? setCartDiscount(cart, given) : setLineDiscount(cart, target, given);
  try {
    judge(next);
  } catch (err) {
    // Said in the cashier's words (core's message names minor units and SKUs, for the rejection log).
    if (err instanceof DiscountCapError) return { ok: false, needsManager: `That is more than the ${capFor(cashier?.role, discountCaps(config.policies)) / 100} % you may give: a manager approves it with their PIN` };
    if (err instanceof DiscountBelowFloorError) return { ok: false, needsManager: 'That takes the price below its margin floor: a manager approves it with their PIN' };
    throw err;
  }
  set({ cart: next, discountFor: undefined, message: undefined });
  return { ok: true };

  /** Every brand's part priced and its manual discounts judged as the checkout will (the giver: who is signed in). */
  function judge(c: Cart): void {
    const brandIds = [...new Set(c.lines.map((l) => l.brandId))];
    const coupons = resolveCoupons(c, brandIds, (code) => store!.coupon(code));
    brandIds.forEach((brandId, b) => {
      const cartDiscount = c.discount && (c.discount.percentBp !== undefined || b === 0) ? c.discount : undefined;
      const priced = priceItems(c.lines.filter((l) => l.brandId === brandId), config!, (x, s) => store!.product(x, s), now, { cart: cartDiscount, coupon: coupons.get(brandId) });
      checkGivenDiscounts(priced.discountRows, priced.discounts, { giverRole: cashier?.role, caps: discountCaps(config!.policies), isManager: managersOf(store!.staff()) });
    });
  }
}

export function removeDiscount(target: number | 'cart'): void {
  const { cart } = get();
  set({ cart: target === 'cart' ? setCartDiscount(cart, undefined) : setLineDiscount(cart, target, undefined), discountFor: undefined });
}

/**
 * A code typed or scanned into the cart: a coupon goes on the cart (its brand's lines get the discount); a
 * creator's code becomes the sale's source, as their `/r/<code>` link would. Anything else is refused by
 * name, never kept silently.
 */
export function enterCode(typed: string): boolean {
  const { store, cart } = get();
  const code = typed.trim();
  if (!store || !code) return false;
  const coupon = store.coupon(code);
  if (coupon) {
    const next = withCoupon(cart, coupon.code, true);
    try {
      resolveCoupons(next, [...new Set(next.lines.map((l) => l.brandId))], (c) => store.coupon(c));
    } catch (err) {
      set({ message: { kind: 'error', text: toTagged(err).message } });
      return false;
    }
    set({ cart: next, message: { kind: 'info', text: `Coupon ${coupon.code} (${coupon.name}) added` }, ...(coupon.creatorCode ? { codeSource: coupon.creatorCode } : {}) });
    return true;
  }
  const creator = store.creators().find((c) => couponKey(c.code) === couponKey(code));
  if (creator) {
    set({ codeSource: creator.code, message: { kind: 'info', text: `Sale credited to ${creator.name} (${creator.code})` } });
    return true;
  }
  set({ message: { kind: 'error', text: `"${code}" is no coupon or creator code of this event` } });
  return false;
}

export function removeCoupon(code: string): void {
  set({ cart: withCoupon(get().cart, code, false) });
}
