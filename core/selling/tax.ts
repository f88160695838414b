import { ValidationError } from '../base/errors.ts';
import { assertMinor, divRound, type Minor, type RoundingMode } from '../base/money.ts';

/**
 * Whether the event's prices include tax. `inclusive` (usual for consumer sales in the EU/UK): the tag
 * price is what the customer pays and the tax is carved out of it. `exclusive` (usual in the US): the tag
 * price is net and tax is added at the till.
 */
export type TaxMode = 'inclusive' | 'exclusive';

export interface LineTax {
  net: Minor;
  tax: Minor;
  gross: Minor;
}

function assertRate(rateBp: number): void {
  if (!Number.isSafeInteger(rateBp) || rateBp < 0 || rateBp > 10_000) {
    throw new ValidationError('taxRateBp', `must be a whole number of basis points in 0..10000, got ${rateBp}`);
  }
}

/**
 * Splits one line amount into net, tax and gross. Only one value is ever rounded (net for inclusive, tax
 * for exclusive) and the third is derived by subtraction or addition, so `gross = net + tax` holds exactly.
 *
 * Inclusive uses the "VAT fraction" rate / (1 + rate) (HMRC VAT Notice 700, "VAT fraction"):
 * net = round(gross × 10 000 / (10 000 + rate)). Rounding is symmetric for half-up/half-even, so a negative
 * line (a return) splits into exactly the negation of the sale.
 */
export function lineTax(amount: Minor, rateBp: number, taxMode: TaxMode, rounding: RoundingMode): LineTax {
  // `+ 0` turns -0 (0 × a negative qty, or divRound of a tiny negative) into 0, which Intl would
  // otherwise print as "-€0.00" and which Object.is/toBe tell apart from 0.
  const lineAmount = assertMinor(amount, 'lineAmount') + 0;
  assertRate(rateBp);
  if (taxMode === 'inclusive') {
    const net = divRound(lineAmount * 10_000, 10_000 + rateBp, rounding) + 0;
    return { net, tax: lineAmount - net, gross: lineAmount };
  }
  const tax = divRound(lineAmount * rateBp, 10_000, rounding) + 0;
  return { net: lineAmount, tax, gross: lineAmount + tax };
}

export interface CartLineInput {
  sku: string;
  /** Units; negative for a returned item in an exchange. */
  qty: number;
  /** The price charged per unit (after tier discount or manual override), in the event's tax mode. */
  unitPrice: Minor;
  /** The undiscounted list price per unit, in the event's tax mode. */
  listPrice: Minor;
  taxRateBp: number;
  /** What the discounts given at the till took off the whole line (core/selling/discounts.ts); 0 if absent. */
  lineDiscount?: Minor;
}

export interface CartLine {
  sku: string;
  qty: number;
  gross: Minor;
  net: Minor;
  tax: Minor;
  /** (list − unit price) × qty + the line's given discounts: all that was taken off, in the event's tax mode. */
  discount: Minor;
}

export interface TaxByRate {
  rateBp: number;
  net: Minor;
  tax: Minor;
}

export interface CartTotals {
  lines: CartLine[];
  /** Σ list × qty, in the event's tax mode (gross if inclusive, net if exclusive). */
  subtotalList: Minor;
  discount: Minor;
  net: Minor;
  tax: Minor;
  /** What the customer pays: Σ line gross, which equals net + tax. */
  total: Minor;
  /** One row per distinct rate, ascending: the breakdown a receipt/VAT invoice must show. */
  taxByRate: TaxByRate[];
}

/**
 * Totals a cart. Tax is computed and rounded PER LINE, then summed (never recomputed on the cart total).
 * Why: a later partial refund of one line then reproduces to the cent the tax that was charged on it, and
 * a line's figures never change when other items are added. Line-level calculation is accepted by tax
 * authorities when applied consistently (HMRC VAT Notice 700 §17.5–17.6; HMRC manual VATREC12010); the
 * cost is that the cart's tax may differ by a cent or two from `rate × cart net`.
 *
 * Invariants (all integers): per line gross = net + tax; totals are the sums of the lines;
 * total = net + tax; subtotalList − discount = Σ (unitPrice × qty − lineDiscount) (= total if inclusive, = net if exclusive).
 */
export function cartTotals(lines: readonly CartLineInput[], taxMode: TaxMode, rounding: RoundingMode): CartTotals {
  const out: CartLine[] = [];
  const byRate = new Map<number, TaxByRate>();
  let subtotalList = 0;
  let discount = 0;
  let net = 0;
  let tax = 0;
  for (const l of lines) {
    if (!Number.isSafeInteger(l.qty)) throw new ValidationError('qty', `must be a whole number for ${l.sku}, got ${l.qty}`);
    assertMinor(l.unitPrice, 'unitPrice');
    assertMinor(l.listPrice, 'listPrice');
    const lineList = assertMinor(l.listPrice * l.qty, 'line list amount') + 0; // no -0, see lineTax
    const t = lineTax(assertMinor(l.unitPrice * l.qty - (l.lineDiscount ?? 0), 'line amount'), l.taxRateBp, taxMode, rounding);
    const lineDiscount = lineList - t[taxMode === 'inclusive' ? 'gross' : 'net'];
    out.push({ sku: l.sku, qty: l.qty, gross: t.gross, net: t.net, tax: t.tax, discount: lineDiscount });
    subtotalList += lineList;
    discount += lineDiscount;
    net += t.net;
    tax += t.tax;
    const r = byRate.get(l.taxRateBp) ?? { rateBp: l.taxRateBp, net: 0, tax: 0 };
    r.net += t.net;
    r.tax += t.tax;
    byRate.set(l.taxRateBp, r);
  }
  const taxByRate = [...byRate.values()].sort((a, b) => a.rateBp - b.rateBp);
  return { lines: out, subtotalList, discount, net, tax, total: net + tax, taxByRate };
}
