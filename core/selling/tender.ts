import { PopupError } from '../base/errors.ts';
import { formatMoney, minorDigits, type Minor } from '../base/money.ts';
import type { Payment, PaymentMethod } from './sale.ts';

/**
 * Taking money at the till: one payment or several (split), cash with change, quick-cash amounts. Pure, so
 * the rules a cashier meets are tested without a screen.
 */
/** A payment the till cannot take; the message is for the cashier. */
export class TenderError extends PopupError {}

export const remaining = (total: Minor, taken: readonly Payment[]): Minor => total - taken.reduce((a, p) => a + p.amount, 0);

export interface TenderInput {
  method: PaymentMethod;
  /** What this payment pays towards the total; the rest by default. */
  amount?: Minor;
  /** Cash handed over (≥ amount); the amount itself when absent. */
  tendered?: Minor;
  reference?: string;
}

/**
 * Adds one payment. Card and voucher pay at most what is left; cash may be more than its amount (the
 * difference is change). A cash amount handed over below what it must pay is refused with the shortfall.
 */
export function takePayment(total: Minor, taken: readonly Payment[], input: TenderInput, currency: string, locale: string): Payment[] {
  const money = (n: number) => formatMoney(n, currency, locale);
  const left = remaining(total, taken);
  if (left <= 0) throw new TenderError('The sale is already paid');
  const amount = input.amount ?? left;
  if (!Number.isSafeInteger(amount) || amount <= 0) throw new TenderError('A payment must be more than zero');
  if (amount > left) throw new TenderError(`Only ${money(left)} is left to pay`);
  const p: Payment = { method: input.method, amount };
  if (input.method === 'cash') {
    const tendered = input.tendered ?? amount;
    if (tendered < amount) throw new TenderError(`Amount tendered is ${money(amount - tendered)} short of ${money(amount)}`);
    if (tendered > amount) p.tendered = tendered;
  } else if (input.tendered !== undefined) {
    throw new TenderError('Only cash is tendered');
  }
  const ref = input.reference?.trim();
  if (ref) p.reference = ref.slice(0, 80);
  return [...taken, p];
}

/**
 * Quick-cash buttons: the exact amount, then the next round sums a customer is likely to hand over — the
 * amount rounded up to multiples of 5, 10, 20, 50, 100 … 10 000 currency units — smallest first, `count` in all.
 */
export function quickCash(amount: Minor, currency: string, count = 4): Minor[] {
  const unit = 10 ** minorDigits(currency);
  const rounded = [5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000].map((step) => Math.ceil(amount / (step * unit)) * step * unit);
  const above = [...new Set(rounded.filter((v) => v > amount))].sort((a, b) => a - b);
  return [amount, ...above].slice(0, count);
}
