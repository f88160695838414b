import { PopupError, ValidationError } from './errors.ts';
import { ID_PATTERN } from './catalog.ts';
import { asObject, oneOf, str } from './validate.ts';

/**
 * The people who work the tills. A cashier sells and refunds defects up to the event's limit; a manager
 * also approves overrides (selling beyond rights), returns that need approval, and price changes. PINs are
 * checked on the till, offline, against a salted slow hash kept in the event's setup document.
 */
export const STAFF_ROLES = ['cashier', 'manager'] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

export interface StaffMember {
  id: string;
  name: string;
  role: StaffRole;
  /** Hex salt and hash of the PIN (see PinHasher). */
  pinSalt: string;
  pinHash: string;
}

export function parseStaffMember(raw: unknown): StaffMember {
  const o = asObject(raw, 'staff');
  return {
    id: str(o, 'id', { max: 48, pattern: ID_PATTERN }),
    name: str(o, 'name', { max: 80 }),
    role: oneOf(o, 'role', STAFF_ROLES),
    pinSalt: str(o, 'pinSalt', { max: 64, pattern: /^[0-9a-f]{16,64}$/ }),
    pinHash: str(o, 'pinHash', { max: 128, pattern: /^[0-9a-f]{64}$/ }),
  };
}

/** The platform's slow hash (PBKDF2 through Web Crypto in the till); the core only compares. */
export interface PinHasher {
  hash(pin: string, saltHex: string): Promise<string>;
}

/** A new staff record with a random salt: the PIN itself is never stored. */
export async function newStaffMember(
  fields: { id: string; name: string; role: StaffRole; pin: string },
  hasher: PinHasher,
  random: { bytes(n: number): Uint8Array },
): Promise<StaffMember> {
  checkPinFormat(fields.pin);
  const pinSalt = [...random.bytes(16)].map((b) => b.toString(16).padStart(2, '0')).join('');
  return parseStaffMember({ id: fields.id, name: fields.name, role: fields.role, pinSalt, pinHash: await hasher.hash(fields.pin, pinSalt) });
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
      if ((await this.hasher.hash(pin, member.pinSalt)) === member.pinHash) {
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
