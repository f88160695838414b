import { ValidationError } from './errors.ts';

/**
 * Money is an integer count of the currency's minor unit (cents for EUR, yen for JPY). Floats never hold
 * money: every operation that can produce a fraction takes an explicit rounding mode.
 */
export type Minor = number;

/** How a fraction of a minor unit becomes a whole one. `half-even` is banker's rounding. */
export type RoundingMode = 'half-up' | 'half-even' | 'floor' | 'ceil';

export function assertMinor(value: number, field = 'amount'): Minor {
  if (!Number.isSafeInteger(value)) throw new ValidationError(field, `must be a whole number of minor units, got ${value}`);
  return value;
}

/**
 * Divides two integers and rounds the quotient with `mode`. Exact for all safe integers: the remainder is
 * compared as integers, never as a float fraction.
 */
export function divRound(numerator: number, denominator: number, mode: RoundingMode): number {
  if (!Number.isSafeInteger(numerator) || !Number.isSafeInteger(denominator) || denominator === 0) {
    throw new ValidationError('divRound', `needs safe integers and a non-zero divisor, got ${numerator}/${denominator}`);
  }
  const negative = numerator < 0 !== denominator < 0;
  const n = Math.abs(numerator);
  const d = Math.abs(denominator);
  const q = Math.floor(n / d);
  const r = n - q * d;
  let magnitude = q;
  if (r !== 0) {
    switch (mode) {
      case 'floor':
        magnitude = negative ? q + 1 : q;
        break;
      case 'ceil':
        magnitude = negative ? q : q + 1;
        break;
      case 'half-up':
        magnitude = 2 * r >= d ? q + 1 : q;
        break;
      case 'half-even':
        magnitude = 2 * r > d || (2 * r === d && q % 2 === 1) ? q + 1 : q;
        break;
    }
  }
  // `-0` would print as "-€0.00": a zero quotient is always +0.
  return negative && magnitude !== 0 ? -magnitude : magnitude;
}

/** `amount × bp / 10 000`, rounded: percentages are held in basis points (1 % = 100 bp). */
export function applyBasisPoints(amount: Minor, bp: number, mode: RoundingMode): Minor {
  return divRound(amount * bp, 10_000, mode);
}

/**
 * Splits `amount` in proportion to `weights` so that the parts add up to `amount` exactly (largest
 * remainder method; ties go to the earlier weight). Used to spread a cart discount or a payment over lines.
 */
export function allocate(amount: Minor, weights: readonly number[]): Minor[] {
  assertMinor(amount);
  const total = weights.reduce((a, b) => a + b, 0);
  if (weights.length === 0 || total <= 0 || weights.some((w) => !Number.isSafeInteger(w) || w < 0)) {
    throw new ValidationError('weights', 'must be non-negative integers with a positive sum');
  }
  const sign = amount < 0 ? -1 : 1;
  const abs = Math.abs(amount);
  const parts = weights.map((w) => Math.floor((abs * w) / total));
  const remainders = weights.map((w, i) => ({ i, r: (abs * w) % total }));
  let left = abs - parts.reduce((a, b) => a + b, 0);
  remainders.sort((a, b) => b.r - a.r || a.i - b.i);
  for (const { i } of remainders) {
    if (left === 0) break;
    parts[i] = (parts[i] ?? 0) + 1;
    left--;
  }
  return parts.map((p) => p * sign);
}

/** Number of minor-unit digits of an ISO 4217 currency, as Intl knows it (EUR 2, JPY 0, KWD 3). */
export function minorDigits(currency: string): number {
  const digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits;
  return digits ?? 2;
}

const formatters = new Map<string, Intl.NumberFormat>();

/** Formats minor units for people, through Intl.NumberFormat (locale decides symbol and separators). */
export function formatMoney(amount: Minor, currency: string, locale = 'en'): string {
  assertMinor(amount);
  const key = `${locale}|${currency}`;
  let fmt = formatters.get(key);
  if (!fmt) {
    fmt = new Intl.NumberFormat(locale, { style: 'currency', currency });
    formatters.set(key, fmt);
  }
  return fmt.format(amount / 10 ** minorDigits(currency));
}

/**
 * Parses a decimal amount as typed by a person or found in a CSV ("12.5", "12,50", "-3") into minor units.
 * Rejects more decimals than the currency has rather than rounding silently, and rejects thousands
 * separators (ambiguous between locales).
 */
export function parseMoney(text: string, currency: string): Minor {
  const digits = minorDigits(currency);
  const t = text.trim();
  const m = /^([+-])?(\d+)(?:[.,](\d*))?$/.exec(t);
  if (!m) throw new ValidationError('amount', `"${text}" is not a decimal number`);
  const [, sign, whole = '0', frac = ''] = m;
  if (frac.length > digits) {
    throw new ValidationError('amount', `"${text}" has more than ${digits} decimal places for ${currency}`);
  }
  const minor = Number(whole) * 10 ** digits + Number(frac.padEnd(digits, '0') || '0');
  if (!Number.isSafeInteger(minor)) throw new ValidationError('amount', `"${text}" is too large`);
  return sign === '-' ? -minor : minor;
}
