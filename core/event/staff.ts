import { PopupError, ValidationError } from '../base/errors.ts';
import { ID_PATTERN } from '../catalog/catalog.ts';
import { asObject, oneOf, str } from '../base/validate.ts';

/**
 * The people who work the tills. A cashier sells and refunds defects up to the event's limit; a supervisor
 * is a cashier with a higher discount cap (core/selling/discounts.ts); a manager
 * also approves overrides (selling beyond rights), returns that need approval, and price changes. PINs are
 * checked on the till, offline, against a salted slow hash kept in the event's setup document, which only the
 * roles that sign staff in may open (tills, hubs, the organiser, the admin: sync-server/permissions.ts).
 */
export const STAFF_ROLES = ['cashier', 'supervisor', 'manager'] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

export interface StaffMember {
  id: string;
  name: string;
  role: StaffRole;
  /** Hex salt of the PIN hash. */
  pinSalt: string;
  /** The PIN hash, naming its KDF and cost: `pbkdf2-sha256$<iterations>$<hex>` (see PinHash). */
  pinHash: string;
}

/**
 * How a PIN hash is written. The format names the KDF and its cost, so the cost can rise without breaking the
 * hashes already on the tills: each is checked with the iterations it names. A bare 64-hex hash is the first
 * format (PBKDF2-SHA-256, 100 000 iterations) and still verifies; a PIN set again is stored with today's cost.
 */
export interface PinHash {
  kdf: 'pbkdf2-sha256';
  iterations: number;
  hex: string;
}

/** The cost of a new PIN hash: OWASP's 2023 figure for PBKDF2-HMAC-SHA-256 (docs/sync-protocol.md, "Staff PINs"). */
export const PIN_ITERATIONS = 600_000;
/** What a bare hex hash (the first format) was made with. */
export const LEGACY_PIN_ITERATIONS = 100_000;
/**
 * The cost for the demo's staff. Their PINs (1234, 9999) are printed in the demo's screens and docs, so a slow
 * hash protects nothing there and only slows every demo start and sign-in; real staff get PIN_ITERATIONS.
 */
export const DEMO_PIN_ITERATIONS = LEGACY_PIN_ITERATIONS;

export function parsePinHash(text: string): PinHash {
  if (/^[0-9a-f]{64}$/.test(text)) return { kdf: 'pbkdf2-sha256', iterations: LEGACY_PIN_ITERATIONS, hex: text };
  const m = /^pbkdf2-sha256\$([1-9][0-9]{4,7})\$([0-9a-f]{64})$/.exec(text);
  // A cost below the first format's is refused: it could only make a stolen hash cheaper to guess.
  if (!m || Number(m[1]) < LEGACY_PIN_ITERATIONS) throw new ValidationError('pinHash', `must be pbkdf2-sha256$<iterations ≥ ${LEGACY_PIN_ITERATIONS}>$<64 hex digits>`);
  return { kdf: 'pbkdf2-sha256', iterations: Number(m[1]), hex: m[2]! };
}

export const formatPinHash = (h: PinHash): string => `${h.kdf}$${h.iterations}$${h.hex}`;

/** Whether a member's PIN hash was made with less than today's cost (set the PIN again to upgrade it). */
export const needsRehash = (member: StaffMember): boolean => parsePinHash(member.pinHash).iterations < PIN_ITERATIONS;

export function parseStaffMember(raw: unknown): StaffMember {
  const o = asObject(raw, 'staff');
  const pinHash = str(o, 'pinHash', { max: 128 });
  parsePinHash(pinHash);
  return {
    id: str(o, 'id', { max: 48, pattern: ID_PATTERN }),
    name: str(o, 'name', { max: 80 }),
    role: oneOf(o, 'role', STAFF_ROLES),
    pinSalt: str(o, 'pinSalt', { max: 64, pattern: /^[0-9a-f]{16,64}$/ }),
    pinHash,
  };
}

/** The platform's PBKDF2-SHA-256 (Web Crypto in the till and the server); the core only formats and compares. */
export interface PinHasher {
  /** Hex of the derived key; `iterations` defaults to the first format's cost. */
  hash(pin: string, saltHex: string, iterations?: number): Promise<string>;
}

/** Whether `pin` is this member's PIN, checked with the KDF cost the member's hash names. */
export async function verifyPin(hasher: PinHasher, member: StaffMember, pin: string): Promise<boolean> {
  const stored = parsePinHash(member.pinHash);
  const hex = await hasher.hash(pin, member.pinSalt, stored.iterations);
  // Constant-time compare: both are 64 hex digits.
  let diff = hex.length ^ stored.hex.length;
  for (let i = 0; i < stored.hex.length; i++) diff |= hex.charCodeAt(i) ^ stored.hex.charCodeAt(i);
  return diff === 0;
}

/** A new staff record with a random salt and today's KDF cost: the PIN itself is never stored. */
export async function newStaffMember(
  fields: { id: string; name: string; role: StaffRole; pin: string },
  hasher: PinHasher,
  random: { bytes(n: number): Uint8Array },
  iterations = PIN_ITERATIONS,
): Promise<StaffMember> {
  checkPinFormat(fields.pin);
  const pinSalt = [...random.bytes(16)].map((b) => b.toString(16).padStart(2, '0')).join('');
  const hex = await hasher.hash(fields.pin, pinSalt, iterations);
  return parseStaffMember({ id: fields.id, name: fields.name, role: fields.role, pinSalt, pinHash: formatPinHash({ kdf: 'pbkdf2-sha256', iterations, hex }) });
}

export class PinLockedError extends PopupError {}
export class WrongPinError extends PopupError {}

export function checkPinFormat(pin: string): void {
  if (!/^\d{4,8}$/.test(pin)) throw new ValidationError('pin', 'a PIN is 4 to 8 digits');
}

/**
 * Signs people in by PIN. After `maxAttempts` wrong PINs in a row the till locks for `lockMs`: a PIN of four
 * digits is only safe if it cannot be tried ten thousand times.
 */
export class PinGate {
  private failures = 0;
  private lockedUntil = 0;

  constructor(
    private readonly hasher: PinHasher,
    private readonly now: () => number,
    readonly maxAttempts = 3,
    readonly lockMs = 60_000,
  ) {}

  /** The staff member with this PIN (optionally only managers), or a WrongPinError / PinLockedError. */
  async signIn(staff: readonly StaffMember[], pin: string, opts: { role?: StaffRole } = {}): Promise<StaffMember> {
    const wait = this.lockedUntil - this.now();
    if (wait > 0) throw new PinLockedError(`Too many wrong PINs: try again in ${Math.ceil(wait / 1000)} s`);
    checkPinFormat(pin);
    for (const member of staff) {
      if (opts.role && member.role !== opts.role) continue;
      if (await verifyPin(this.hasher, member, pin)) {
        this.failures = 0;
        return member;
      }
    }
    this.failures++;
    if (this.failures >= this.maxAttempts) {
      this.failures = 0;
      this.lockedUntil = this.now() + this.lockMs;
      throw new PinLockedError(`Wrong PIN ${this.maxAttempts} times: the till is locked for ${Math.round(this.lockMs / 1000)} s`);
    }
    throw new WrongPinError(opts.role === 'manager' ? 'That is not a manager’s PIN' : 'Wrong PIN');
  }
}
