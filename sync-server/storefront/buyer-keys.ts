import { createHash } from 'node:crypto';
import { normaliseEmail, normalisePhone } from '../../core/customers/customer.ts';

/**
 * The keys one buyer is recognised by, for the buyer limits (core/customers/buyer-limits.ts): SHA-256 of the
 * normalised e-mail, phone and payment reference, each tagged with what it is. A buyer matches another
 * when any key is shared, so varying the e-mail's case and spaces, or switching storefront tokens, does
 * not make a new buyer. Hashes only: the contact itself is never kept for this.
 */
export function buyerKeys(input: { email?: string | undefined; phone?: string | undefined; paymentReference?: string | undefined }): string[] {
  const keys: string[] = [];
  const hash = (s: string) => createHash('sha256').update(s).digest('hex');
  if (input.email?.trim()) keys.push(`email:${hash(normaliseEmail(input.email))}`);
  if (input.phone?.trim() && normalisePhone(input.phone).replace('+', '')) keys.push(`phone:${hash(normalisePhone(input.phone))}`);
  // References are the payment provider's ids: case and surrounding spaces carry no meaning.
  if (input.paymentReference?.trim()) keys.push(`payment:${hash(input.paymentReference.trim().toLowerCase())}`);
  return keys;
}

export function sharesKey(a: readonly string[] | undefined, b: readonly string[]): boolean {
  return !!a && a.some((k) => b.includes(k));
}
