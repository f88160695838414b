import { ValidationError } from './errors.ts';
import type { HybridClock } from './hlc.ts';
import type { RandomSource } from './platform.ts';

/**
 * Identity generated on the device, never by a server, so that a till can create sales, entries and
 * receipts with no network and they can never collide with another till's.
 */
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** A device id: 12 Crockford base-32 characters (60 random bits), made once per device and kept. */
export function newDeviceId(random: RandomSource): string {
  const bytes = random.bytes(12);
  let out = '';
  for (const b of bytes) out += CROCKFORD[b & 31];
  return out;
}

export function isDeviceId(s: string): boolean {
  return /^[0-9A-HJKMNP-TV-Z]{12}$/.test(s);
}

/**
 * Yjs identifies each writing session by a 32-bit client id. Reusing one across two sessions that do not
 * share state corrupts the document (two different structs with the same id), so a device keeps its id only
 * together with its stored document state: if that state is lost, the device must take a fresh id.
 * See https://docs.yjs.dev/api/faq ("Can I reuse the clientID?").
 */
export function newYjsClientId(random: RandomSource): number {
  const b = random.bytes(4);
  // Yjs uses uint32 client ids; keep it non-zero.
  return (((b[0]! << 24) >>> 0) + (b[1]! << 16) + (b[2]! << 8) + b[3]!) || 1;
}

/**
 * Sortable, collision-free ids: the device's hybrid-clock timestamp (strictly increasing on a device, and
 * it names the device). `prefix` says what the id is for (`e` ledger entry, `s` sale, `r` refund …).
 */
export function newId(prefix: string, clock: HybridClock): string {
  if (!/^[a-z]{1,3}$/.test(prefix)) throw new ValidationError('prefix', 'must be 1–3 lower-case letters');
  return `${prefix}_${clock.tick()}`;
}

/** The device that generated an id made by `newId`. */
export function deviceOfId(id: string): string | undefined {
  const dash = id.lastIndexOf('-');
  return dash < 0 ? undefined : id.slice(dash + 1);
}

/**
 * Receipt numbers are `<prefix>-<sequence>`: the prefix is unique per till within an event (given at
 * pairing; a stand-alone till uses its device id), the sequence is kept on the device and incremented in the
 * same transaction as the sale. Two tills therefore never print the same number, online or not.
 */
export function formatReceiptNumber(prefix: string, seq: number): string {
  if (!/^[0-9A-Z]{1,12}$/.test(prefix)) throw new ValidationError('receiptPrefix', 'must be 1–12 upper-case letters or digits');
  if (!Number.isSafeInteger(seq) || seq < 1) throw new ValidationError('receiptSeq', 'must be a positive integer');
  return `${prefix}-${String(seq).padStart(5, '0')}`;
}

export function parseReceiptNumber(s: string): { prefix: string; seq: number } {
  const m = /^([0-9A-Z]{1,12})-(\d{5,})$/.exec(s.trim().toUpperCase());
  if (!m) throw new ValidationError('receiptNumber', `"${s}" is not a receipt number like T01-00042`);
  return { prefix: m[1]!, seq: Number(m[2]) };
}
