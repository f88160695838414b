import { ValidationError } from '../base/errors.ts';
import { asObject, optStr } from '../base/validate.ts';

/**
 * What a sale keeps of its customer, for retention and LTV reports: nothing without consent, and with it
 * only SHA-256 hashes of the normalised e-mail and phone, so a returning buyer is recognised across events
 * and channels without the contact itself being stored.
 */
export interface StoredCustomer {
  consent: true;
  emailSha256?: string;
  phoneSha256?: string;
}

/** E-mail: trimmed, lower case. */
export const normaliseEmail = (email: string): string => email.trim().toLowerCase();

/** Phone: digits only, keeping a leading "+" (so "+33 6 12-34" and "+33612 34" hash alike). */
export const normalisePhone = (phone: string): string => {
  const t = phone.trim();
  return `${t.startsWith('+') ? '+' : ''}${t.replace(/\D/g, '')}`;
};

export function checkEmail(email: string): void {
  if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email.trim())) throw new ValidationError('email', `"${email}" is not an e-mail address`);
}

export function checkPhone(phone: string): void {
  if (!/^\+?[0-9 ().-]{4,40}$/.test(phone.trim())) throw new ValidationError('phone', `"${phone}" is not a phone number`);
}

/**
 * Builds the stored record from what a person typed; `sha256` is the platform's (Web Crypto on the till,
 * node:crypto on the server). Without consent, or with no contact, nothing is kept.
 */
export async function storedCustomer(input: { email?: string; phone?: string; consent: boolean }, sha256: (text: string) => Promise<string> | string): Promise<StoredCustomer | undefined> {
  const email = input.email?.trim() || undefined;
  const phone = input.phone?.trim() || undefined;
  if (email) checkEmail(email);
  if (phone) checkPhone(phone);
  if (!input.consent || (!email && !phone)) return undefined;
  const out: StoredCustomer = { consent: true };
  if (email) out.emailSha256 = await sha256(normaliseEmail(email));
  if (phone) out.phoneSha256 = await sha256(normalisePhone(phone));
  return out;
}

export function parseStoredCustomer(raw: unknown): StoredCustomer {
  const o = asObject(raw, 'customer');
  if (o['consent'] !== true) throw new ValidationError('customer', 'is kept only with consent');
  const out: StoredCustomer = { consent: true };
  const email = optStr(o, 'emailSha256', { pattern: /^[0-9a-f]{64}$/ });
  const phone = optStr(o, 'phoneSha256', { pattern: /^[0-9a-f]{64}$/ });
  if (email) out.emailSha256 = email;
  if (phone) out.phoneSha256 = phone;
  if (!email && !phone) throw new ValidationError('customer', 'needs an e-mail or phone hash');
  return out;
}
