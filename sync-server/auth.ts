import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { newDeviceId } from '../core/ids.ts';
import type { ServerStorage } from './storage/server-storage.ts';

/**
 * Tokens and pairing codes. A token is shown once and stored only as its SHA-256 hash, so a copy of the
 * data folder does not hand out working tokens. Pairing codes are short (a person types them into a till),
 * single-use and expire.
 */
/**
 * `hub`: a LAN hub (a till app hosting the sync at a venue) relaying its tills' changes to this server. Issued
 * by the event's organiser; see permissions.ts and update-guard.ts for what it may relay.
 */
export const ROLES = ['admin', 'organiser', 'till', 'storefront', 'hub'] as const;
export type Role = (typeof ROLES)[number];

export interface Claims {
  role: Role;
  /** Every role but admin is bound to one event. */
  eventId?: string;
  /** till: the brands it sells. */
  brandIds?: string[];
  tillId?: string;
  locationId?: string;
  /** till: the device that paired; it must be the writer of every entry the till sends. */
  deviceId?: string;
  /** hub: the tag naming the tills its hub pairs (`H` + three, its relayTag); it writes only those tills. */
  hubTag?: string;
  label: string;
  createdAt: number;
}

export interface PairingGrant {
  eventId: string;
  tillId: string;
  name: string;
  locationId: string;
  brandIds: string[];
  receiptPrefix: string;
  expiresAt: number;
}

const TOKENS = 'tokens';
const PAIRING = 'pairing';
/** How long a pairing code works: long enough to set up a booth the evening before. */
export const PAIRING_TTL_MS = 24 * 3_600_000;

export const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');

export function newToken(): string {
  return `pp_${randomBytes(32).toString('base64url')}`;
}

export class Auth {
  private readonly adminHash: Buffer;

  constructor(
    private readonly storage: ServerStorage,
    adminToken: string,
    private readonly now: () => number = Date.now,
  ) {
    this.adminHash = Buffer.from(hashToken(adminToken), 'hex');
  }

  async verify(token: string | null | undefined): Promise<Claims | undefined> {
    if (!token || token.length > 200) return undefined;
    const hash = hashToken(token);
    if (timingSafeEqual(Buffer.from(hash, 'hex'), this.adminHash)) return { role: 'admin', label: 'admin', createdAt: 0 };
    return this.storage.getRecord<Claims>(TOKENS, hash);
  }

  /** Issues a token for these claims; the token itself is returned once and never stored. */
  async issue(claims: Claims): Promise<string> {
    const token = newToken();
    await this.storage.putRecord(TOKENS, hashToken(token), claims);
    return token;
  }

  async revoke(token: string): Promise<void> {
    await this.storage.deleteRecord(TOKENS, hashToken(token));
  }

  /** A code like `K7PX-M2QD` (40 random bits) that a till exchanges once for its token. */
  async createPairingCode(grant: Omit<PairingGrant, 'expiresAt'>, ttlMs = PAIRING_TTL_MS): Promise<{ code: string; expiresAt: number }> {
    const raw = newDeviceId({ bytes: (n) => new Uint8Array(randomBytes(n)) }).slice(0, 8);
    const code = `${raw.slice(0, 4)}-${raw.slice(4)}`;
    const expiresAt = this.now() + ttlMs;
    await this.storage.putRecord(PAIRING, hashToken(normaliseCode(code)), { ...grant, expiresAt });
    return { code, expiresAt };
  }

  /** Redeems a pairing code: returns its grant once; a second use, or a use after expiry, gets nothing. */
  async redeemPairingCode(code: string): Promise<PairingGrant | undefined> {
    const key = hashToken(normaliseCode(code));
    const grant = await this.storage.getRecord<PairingGrant>(PAIRING, key);
    if (!grant) return undefined;
    await this.storage.deleteRecord(PAIRING, key);
    return grant.expiresAt > this.now() ? grant : undefined;
  }
}

/** People type codes with or without the dash, in any case, and confuse O/0 and I/L/1. */
export function normaliseCode(code: string): string {
  return code.toUpperCase().replace(/[^0-9A-Z]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
}
