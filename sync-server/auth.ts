import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { ValidationError } from '../core/base/errors.ts';
import { newDeviceId } from '../core/base/ids.ts';
import { CloseCode } from './close-codes.ts';
import { LiveConnections } from './live-connections.ts';
import type { Stores } from './storage/store.ts';

/**
 * Tokens and pairing codes. A token is shown once and stored only as its SHA-256 hash, so a copy of the
 * data folder does not hand out working tokens. Pairing codes are short (a person types them into a till),
 * single-use and expire.
 *
 * A token can be revoked (its record is kept, marked, so that it is refused by name) and may carry an
 * expiry; either way its open connections close at once (live-connections.ts). Tokens are also indexed by
 * event (`tokens-by-event/<eventId>`), so an organiser's list reads only its own event's tokens.
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
  /** When the token stops working (ms since the epoch); none: until revoked. */
  expiresAt?: number;
}

/** What is stored under a token's hash: its claims, and when and why it was revoked. */
interface TokenRecord extends Claims {
  revokedAt?: number;
  revokedReason?: string;
}

/** A token as listed to an organiser: never the token itself, only an id (a prefix of its hash). */
export interface TokenInfo {
  id: string;
  role: Role;
  label: string;
  eventId?: string;
  tillId?: string;
  deviceId?: string;
  createdAt: number;
  expiresAt?: number;
  revokedAt?: number;
  revokedReason?: string;
  /** Last time it was accepted, to the minute (writes are throttled); absent if never used. */
  lastUsedAt?: number;
}

/** Why a presented token was refused; `type` is the tagged error's type over HTTP. */
export interface TokenRefusal {
  type: 'MissingToken' | 'UnknownToken' | 'TokenRevoked' | 'TokenExpired';
  message: string;
  /** The WebSocket close code that says the same. */
  closeCode: number;
}

export type TokenCheck = { ok: true; claims: Claims; key: string } | { ok: false; refusal: TokenRefusal };

export interface PairingGrant {
  eventId: string;
  tillId: string;
  name: string;
  locationId: string;
  brandIds: string[];
  receiptPrefix: string;
  expiresAt: number;
  /** A re-pair code: the device the till is paired with now, which redeeming the code retires. */
  replacesDeviceId?: string;
}

const TOKENS = 'tokens';
const PAIRING = 'pairing';
const USED = 'token-used';
/** In each event's space: the hashes of the event's tokens, so listing them never scans every token. */
const BY_EVENT = 'tokens-by-event';
/** How long a pairing code works: long enough to set up a booth the evening before. */
export const PAIRING_TTL_MS = 24 * 3_600_000;
/** Last-used times are written at most this often per token: a write per request would not be cheap. */
const USED_WRITE_EVERY_MS = 60_000;
/** Hex characters of a token's hash that make its listed id: 64 bits, unique enough within one event. */
const ID_LENGTH = 16;

export const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');
export const tokenId = (hash: string): string => hash.slice(0, ID_LENGTH);

export function newToken(): string {
  return `pp_${randomBytes(32).toString('base64url')}`;
}

/** Token records kept in memory at most (the oldest read is dropped first). */
export const TOKEN_CACHE_SIZE = 10_000;
/** In a cluster, a cached record is read again after this long (see TokenCacheOptions). */
export const CLUSTER_TOKEN_RECHECK_MS = 1_000;

/**
 * When a token's record may be answered from memory (Auth.check). Every request with a storefront or till
 * token read its record from storage: the largest storage cost of an order attempt. A record is cached under
 * the fence epoch of its event (`epochOf`): undefined means "not cacheable now". On one process serving every
 * event (no leases) that is always 0. In a cluster it is the epoch of the lease this process holds on the
 * token's event, so a record cached before the event moved away is never used after it comes back (a new
 * lease has a new epoch), and the token's revocation, which is made at the event's owner (the cluster routes
 * it there), is seen by the process that caches it. `recheckMs`: how long a cached record is trusted before it
 * is read again: the bound on a revocation that raced a lease move and was written by the process losing it.
 */
export interface TokenCacheOptions {
  epochOf: (eventId: string) => number | undefined;
  recheckMs?: number;
}

interface CachedToken {
  record: TokenRecord;
  epoch: number;
  readAt: number;
}

export class Auth {
  private readonly adminHash: Buffer;
  /** Open connections per token, closed when it is revoked or expires. */
  readonly live: LiveConnections;
  private readonly usedWritten = new Map<string, number>();
  /** Token records by hash (TokenCacheOptions); only ever of live, unrevoked tokens bound to an event. */
  private readonly cache = new Map<string, CachedToken>();
  /** Moves on every revocation: a read that started before one is not cached (it may predate it). */
  private revocations = 0;
  private readonly cacheOpts: TokenCacheOptions;

  constructor(
    private readonly stores: Stores,
    adminToken: string,
    private readonly now: () => number = Date.now,
    cacheOpts?: TokenCacheOptions,
  ) {
    this.cacheOpts = cacheOpts ?? { epochOf: () => 0 };
    this.adminHash = Buffer.from(hashToken(adminToken), 'hex');
    this.live = new LiveConnections(now, (key) => this.live.closeAll(key, CloseCode.TokenExpired, 'this token has expired'));
  }

  /** The token's claims if it is valid now; undefined otherwise (use `check` to know why). */
  async verify(token: string | null | undefined): Promise<Claims | undefined> {
    const c = await this.check(token);
    return c.ok ? c.claims : undefined;
  }

  /** Checks a presented token: valid, or refused with a reason (unknown, revoked, expired). */
  async check(token: string | null | undefined): Promise<TokenCheck> {
    if (!token) return refuse('MissingToken', 'a bearer token is required', CloseCode.Unauthorized);
    if (token.length > 200) return refuse('UnknownToken', 'this token is not one this server issued', CloseCode.Unauthorized);
    const key = hashToken(token);
    if (timingSafeEqual(Buffer.from(key, 'hex'), this.adminHash)) return { ok: true, claims: { role: 'admin', label: 'admin', createdAt: 0 }, key };
    const record = await this.record(key);
    if (!record) return refuse('UnknownToken', 'this token is not one this server issued', CloseCode.Unauthorized);
    if (record.revokedAt !== undefined) {
      const why = record.revokedReason ? ` (${record.revokedReason})` : '';
      return refuse('TokenRevoked', `this token was revoked at ${new Date(record.revokedAt).toISOString()}${why}: ask the organiser for a new one`, CloseCode.TokenRevoked);
    }
    if (record.expiresAt !== undefined && record.expiresAt <= this.now()) {
      return refuse('TokenExpired', `this token expired at ${new Date(record.expiresAt).toISOString()}: ask the organiser for a new one`, CloseCode.TokenExpired);
    }
    this.noteUsed(key);
    const { revokedAt: _r, revokedReason: _w, ...claims } = record;
    return { ok: true, claims, key };
  }

  /** The token's record: from memory when cached for the current epoch of its event, else from storage. */
  private async record(key: string): Promise<TokenRecord | undefined> {
    const hit = this.cache.get(key);
    if (hit) {
      const { recheckMs } = this.cacheOpts;
      const epoch = this.cacheOpts.epochOf(hit.record.eventId!);
      if (epoch === hit.epoch && (recheckMs === undefined || this.now() - hit.readAt < recheckMs)) return hit.record;
      this.cache.delete(key);
    }
    const seen = this.revocations;
    const readAt = this.now();
    const record = await this.stores.server().get<TokenRecord>(TOKENS, key);
    // Only a live token bound to an event, and only if no revocation happened while it was being read.
    if (record && record.revokedAt === undefined && record.eventId !== undefined && seen === this.revocations) {
      const epoch = this.cacheOpts.epochOf(record.eventId);
      if (epoch !== undefined) {
        if (this.cache.size >= TOKEN_CACHE_SIZE) this.cache.delete(this.cache.keys().next().value!);
        this.cache.set(key, { record, epoch, readAt });
      }
    }
    return record;
  }

  /** Drops the event's cached tokens (the event left this process). */
  forget(eventId: string): void {
    for (const [key, c] of this.cache) if (c.record.eventId === eventId) this.cache.delete(key);
  }

  /** Issues a token for these claims; the token itself is returned once and never stored. */
  async issue(claims: Claims): Promise<string> {
    if (claims.expiresAt !== undefined && (!Number.isSafeInteger(claims.expiresAt) || claims.expiresAt <= this.now())) {
      throw new ValidationError('expiresAt', 'must be a time in the future');
    }
    const token = newToken();
    const key = hashToken(token);
    await this.stores.server().put(TOKENS, key, claims);
    if (claims.eventId !== undefined) await this.stores.event(claims.eventId).put(BY_EVENT, key, { createdAt: claims.createdAt });
    return token;
  }

  /** The event's tokens (revoked ones too, so the organiser sees what was withdrawn), oldest first. */
  async list(eventId: string): Promise<TokenInfo[]> {
    const keys = await this.stores.event(eventId).list<unknown>(BY_EVENT);
    const out: TokenInfo[] = [];
    for (const [key] of keys) {
      const record = await this.stores.server().get<TokenRecord>(TOKENS, key);
      if (record) out.push(await this.info(key, record));
    }
    return out.sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
  }

  /** One token of the event by its listed id, or undefined if the event has no such token. */
  async find(eventId: string, id: string): Promise<TokenInfo | undefined> {
    if (!/^[0-9a-f]{16}$/.test(id)) return undefined;
    const keys = await this.stores.event(eventId).list<unknown>(BY_EVENT);
    const key = keys.map(([k]) => k).find((k) => tokenId(k) === id);
    if (!key) return undefined;
    const record = await this.stores.server().get<TokenRecord>(TOKENS, key);
    return record ? this.info(key, record) : undefined;
  }

  /**
   * Revokes one of the event's tokens by its listed id: it is refused from now on (TokenRevoked) and its
   * open connections close at once. Revoking a revoked token changes nothing. Undefined: no such token.
   */
  async revoke(eventId: string, id: string, reason: string): Promise<TokenInfo | undefined> {
    if (!/^[0-9a-f]{16}$/.test(id)) return undefined;
    const keys = await this.stores.event(eventId).list<unknown>(BY_EVENT);
    const key = keys.map(([k]) => k).find((k) => tokenId(k) === id);
    if (!key) return undefined;
    return this.revokeKey(key, reason);
  }

  /** Revokes every live token of one till of the event (it was paired with another device). */
  async revokeTill(eventId: string, tillId: string, reason: string): Promise<number> {
    let n = 0;
    for (const [key] of await this.stores.event(eventId).list<unknown>(BY_EVENT)) {
      const record = await this.stores.server().get<TokenRecord>(TOKENS, key);
      if (record?.role === 'till' && record.tillId === tillId && record.revokedAt === undefined) {
        await this.revokeKey(key, reason);
        n++;
      }
    }
    return n;
  }

  private async revokeKey(key: string, reason: string): Promise<TokenInfo | undefined> {
    // Out of memory before anything else, also when it is found revoked already (a revocation written by a
    // process that lost the event's lease is retried here, and must not leave a cached copy).
    this.uncache(key);
    const record = await this.stores.server().get<TokenRecord>(TOKENS, key);
    if (!record) return undefined;
    if (record.revokedAt === undefined) {
      const revoked: TokenRecord = { ...record, revokedAt: this.now(), revokedReason: reason };
      // Stored first, then the connections closed: a client that reconnects at once is refused.
      await this.stores.server().put(TOKENS, key, revoked);
      // And again: a check that read the record during the write must not keep it.
      this.uncache(key);
      this.live.closeAll(key, CloseCode.TokenRevoked, `token revoked: ${reason}`);
      return this.info(key, revoked);
    }
    return this.info(key, record);
  }

  private uncache(key: string): void {
    this.revocations++;
    this.cache.delete(key);
  }

  /**
   * Tokens issued before the by-event index existed get their index entry, once (a flag in `meta` says it
   * was done), so listing never has to scan every event's tokens.
   */
  async indexLegacyTokens(): Promise<void> {
    if (await this.stores.server().get<boolean>('meta', 'tokens-indexed')) return;
    for (const [key, record] of await this.stores.server().list<TokenRecord>(TOKENS)) {
      if (record.eventId !== undefined) await this.stores.event(record.eventId).put(BY_EVENT, key, { createdAt: record.createdAt });
    }
    await this.stores.server().put('meta', 'tokens-indexed', true);
  }

  /** A code like `K7PX-M2QD` (40 random bits) that a till exchanges once for its token. */
  async createPairingCode(grant: Omit<PairingGrant, 'expiresAt'>, ttlMs = PAIRING_TTL_MS): Promise<{ code: string; expiresAt: number }> {
    const raw = newDeviceId({ bytes: (n) => new Uint8Array(randomBytes(n)) }).slice(0, 8);
    const code = `${raw.slice(0, 4)}-${raw.slice(4)}`;
    const expiresAt = this.now() + ttlMs;
    await this.stores.server().put(PAIRING, hashToken(normaliseCode(code)), { ...grant, expiresAt });
    return { code, expiresAt };
  }

  /** The grant a code would give, without using it up (so a refused pairing leaves the code working). */
  async peekPairingCode(code: string): Promise<PairingGrant | undefined> {
    const grant = await this.stores.server().get<PairingGrant>(PAIRING, hashToken(normaliseCode(code)));
    return grant && grant.expiresAt > this.now() ? grant : undefined;
  }

  /** Redeems a pairing code: returns its grant once; a second use, or a use after expiry, gets nothing. */
  async redeemPairingCode(code: string): Promise<PairingGrant | undefined> {
    const key = hashToken(normaliseCode(code));
    const grant = await this.stores.server().get<PairingGrant>(PAIRING, key);
    if (!grant) return undefined;
    await this.stores.server().del(PAIRING, key);
    return grant.expiresAt > this.now() ? grant : undefined;
  }

  private async info(key: string, r: TokenRecord): Promise<TokenInfo> {
    const used = await this.stores.server().get<number>(USED, key);
    return {
      id: tokenId(key),
      role: r.role,
      label: r.label,
      ...(r.eventId !== undefined ? { eventId: r.eventId } : {}),
      ...(r.tillId !== undefined ? { tillId: r.tillId } : {}),
      ...(r.deviceId !== undefined ? { deviceId: r.deviceId } : {}),
      createdAt: r.createdAt,
      ...(r.expiresAt !== undefined ? { expiresAt: r.expiresAt } : {}),
      ...(r.revokedAt !== undefined ? { revokedAt: r.revokedAt } : {}),
      ...(r.revokedReason !== undefined ? { revokedReason: r.revokedReason } : {}),
      ...(used !== undefined ? { lastUsedAt: used } : {}),
    };
  }

  /**
   * Records when the token was last accepted, at most once a minute (kept apart from the token record, so it
   * never races a revocation). Not awaited: a request must not wait for a bookkeeping write. A failed write is
   * retried on the token's next use.
   */
  private noteUsed(key: string): void {
    const t = this.now();
    if (t - (this.usedWritten.get(key) ?? 0) < USED_WRITE_EVERY_MS) return;
    this.usedWritten.set(key, t);
    this.stores.server().put(USED, key, t).catch(() => this.usedWritten.delete(key));
  }
}

function refuse(type: TokenRefusal['type'], message: string, closeCode: number): TokenCheck {
  return { ok: false, refusal: { type, message, closeCode } };
}

/** People type codes with or without the dash, in any case, and confuse O/0 and I/L/1. */
export function normaliseCode(code: string): string {
  return code.toUpperCase().replace(/[^0-9A-Z]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
}
