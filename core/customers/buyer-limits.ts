import { ValidationError } from '../base/errors.ts';
import { asObject } from '../base/validate.ts';

/**
 * Caps the organiser sets on what one storefront or one buyer may hold (reservations) and buy (orders) in
 * the online drop, so that no one can take the drop hostage. Optional on the event config (`buyerLimits`):
 * an event without them gets these defaults. Customers are recognised by their normalised e-mail, phone
 * and payment reference (core/customers/customer.ts), across storefront tokens.
 */
export interface BuyerLimits {
  /** Units one storefront token's unexpired reservations may hold at once (default 50). */
  heldUnitsPerToken: number;
  /** Units one customer's unexpired reservations may hold at once, whatever the token (default 10). */
  heldUnitsPerCustomer: number;
  /** Unexpired reservations in the whole drop (default 2000): bounds what the server keeps and sweeps. */
  holdsPerDrop: number;
  /** Longest a reservation may last while the drop is live, in seconds (default 600); longer ones are cut. */
  liveHoldSeconds: number;
  /** Units of one product one customer may buy in the drop; 0 means no limit (the default). */
  perCustomerPerProduct: number;
  /** Units one customer may buy in the whole drop; 0 means no limit (the default). */
  perCustomerPerDrop: number;
}

export const DEFAULT_BUYER_LIMITS: BuyerLimits = {
  heldUnitsPerToken: 50,
  heldUnitsPerCustomer: 10,
  holdsPerDrop: 2000,
  liveHoldSeconds: 600,
  perCustomerPerProduct: 0,
  perCustomerPerDrop: 0,
};

const BOUNDS: Record<keyof BuyerLimits, { min: number; max: number }> = {
  heldUnitsPerToken: { min: 1, max: 100_000 },
  heldUnitsPerCustomer: { min: 1, max: 10_000 },
  holdsPerDrop: { min: 1, max: 100_000 },
  liveHoldSeconds: { min: 30, max: 3600 },
  perCustomerPerProduct: { min: 0, max: 10_000 },
  perCustomerPerDrop: { min: 0, max: 100_000 },
};

/** Parses `buyerLimits` of an event config: any subset of the fields, whole numbers within bounds. */
export function parseBuyerLimits(raw: unknown): Partial<BuyerLimits> {
  const o = asObject(raw, 'buyerLimits');
  const out: Partial<BuyerLimits> = {};
  for (const key of Object.keys(o)) {
    if (!(key in BOUNDS)) throw new ValidationError(`buyerLimits.${key}`, `is not a buyer limit (${Object.keys(BOUNDS).join(', ')})`);
    const v = o[key];
    const { min, max } = BOUNDS[key as keyof BuyerLimits];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw new ValidationError(`buyerLimits.${key}`, `must be a whole number from ${min} to ${max}`);
    out[key as keyof BuyerLimits] = v;
  }
  return out;
}

/** The limits in force: the event's own, the defaults for the rest. */
export function buyerLimitsOf(config: { buyerLimits?: Partial<BuyerLimits> }): BuyerLimits {
  return { ...DEFAULT_BUYER_LIMITS, ...config.buyerLimits };
}
