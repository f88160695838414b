import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { ValidationError } from '../../core/base/errors.ts';
import { PopupError } from '../../core/base/errors.ts';
import { ConditionFailedError, type Stores } from '../storage/store.ts';
import type { EventSlot } from '../event-host.ts';
import { EventHosts } from '../event-hosts.ts';

/**
 * The waiting room of a hype drop, served by the server itself (docs/storefront-queue in docs/api.md,
 * "Waiting room"). The organiser turns it on with an admission rate R (shoppers a second). A shopper's browser
 * makes a random key, keeps it, and asks for a ticket with it; the ticket is
 *   v1.<payload>.<HMAC-SHA256(server secret, "v1.<payload>")>,   payload = { e: event, p: place, k: SHA-256(key) }
 * so checking one needs no storage (any process holding the secret can), it cannot be forged, and it is
 * worth nothing without the browser key it was issued to (a ticket passed to another browser is refused).
 * Places are numbered by arrival (a counter in the event's store); admission is a pure function of time:
 * place p (from 1) is admitted from S + (p − 1) / R, S being the drop's start (or the moment the room was
 * turned on, if later). The page computes its estimate from the same numbers and the server's clock.
 *
 * A script gains nothing over a person: one ticket per browser key (asking again returns the same one),
 * tickets per client address rate-limited (a script's many keys from one address wait like anyone), a place
 * by arrival (no head start for opening many connections), and only an admitted ticket may reserve or order.
 */
export interface QueueSettings {
  enabled: boolean;
  /** Shoppers admitted a second, 1–10 000. */
  admitPerSecond: number;
  /** When the room was last turned on (epoch ms): admission starts at max(drop start, this). */
  enabledAt: number;
}

export interface Ticket {
  eventId: string;
  place: number;
  keyHash: string;
}

export const MAX_ADMIT_PER_SECOND = 10_000;
/** Tickets one client address may take a minute (a household behind one NAT fits; a script's 1000 keys do not). */
export const DEFAULT_TICKETS_PER_ADDRESS_PER_MINUTE = 10;
/** Browser keys: 32–128 base64url characters (at least 192 random bits). */
export const BROWSER_KEY_PATTERN = /^[A-Za-z0-9_-]{32,128}$/;

const SETTINGS = 'queue-settings';
const COUNTER = 'queue-counter';
const BY_KEY = 'queue-by-key';
const SECRETS = 'server-secrets';

/** 403: the waiting room is on and the request carries no ticket (headers `Queue-Ticket`, `Queue-Key`). */
export class QueueTicketRequired extends PopupError {
  constructor() {
    super('this drop has a waiting room: join it (POST …/queue/tickets) and send the Queue-Ticket and Queue-Key headers once admitted');
  }
}
/** 403: the ticket was not issued by this server for this event (forged, altered or another event's). */
export class QueueTicketInvalid extends PopupError {
  constructor() {
    super('this queue ticket is not valid for this drop; join the waiting room again');
  }
}
/** 403: a real ticket, presented with a key other than the browser's it was issued to. */
export class QueueTicketWrongBrowser extends PopupError {
  constructor() {
    super('this queue ticket belongs to another browser; join the waiting room from this one');
  }
}
/** 409: a real ticket whose place has not been reached yet; `details.admitAt` says when. */
export class QueueNotAdmitted extends PopupError {
  readonly details: { place: number; admitAt: number };
  constructor(place: number, admitAt: number) {
    super(`place ${place} in the waiting room is admitted at ${new Date(admitAt).toISOString()}; wait for your turn`);
    this.details = { place, admitAt };
  }
}
/** 429: too many tickets asked from one client address. */
export class QueueJoinLimited extends PopupError {
  readonly details: { retryAfterSeconds: number };
  constructor(retryAfterSeconds: number) {
    super('too many waiting-room tickets from this address; try again shortly');
    this.details = { retryAfterSeconds };
  }
}
/** 409: every unit of the drop is sold or held: the room lets no one more in (the page says "sold out"). */
export class QueueSoldOut extends PopupError {
  readonly details = { soldOut: true };
  constructor() {
    super('this drop is sold out: the waiting room lets no one more in');
  }
}
/** 409: tickets asked for a drop whose waiting room is off. */
export class QueueClosed extends PopupError {
  readonly details = { enabled: false };
  constructor() {
    super('this drop has no waiting room open; shop directly');
  }
}

const b64 = (b: Buffer | string) => Buffer.from(b).toString('base64url');
const sha256 = (s: string) => createHash('sha256').update(s).digest('base64url');

export interface DropQueueDeps {
  /** Settings, counter and places in the event's records; the ticket secret server-wide. */
  stores: Pick<Stores, 'event' | 'server'>;
  /** Where each event's settings, ticket counter and sold-out reading are kept (event-hosts.ts). */
  hosts?: EventHosts;
  now: () => number;
  /** The drop's window: admission starts at its start. */
  dropOf: (eventId: string) => Promise<{ startsAt: number; endsAt: number }>;
  ticketsPerAddressPerMinute?: number;
  /**
   * Whether nothing of the drop is left to sell (every unit sold or held). A sold-out drop takes no one more
   * into its waiting room: a shopper is told at once rather than queueing for nothing. Read at most every
   * `SOLD_OUT_CACHE_MS` per event, so a rush of tickets does not recompute the stock for each.
   */
  soldOut?: (eventId: string) => Promise<boolean>;
}

const SOLD_OUT_CACHE_MS = 500;

export class DropQueue {
  private secret: Promise<Buffer> | undefined;
  // Per event, in the event's host: forgotten (and read again from the store) when the process stops serving
  // it, so a process taking an event back numbers tickets after the ones another process gave meanwhile.
  private readonly settings: EventSlot<Promise<QueueSettings | undefined>>;
  private readonly counters: EventSlot<Promise<number>>;
  /** Issuance runs one at a time per event: a place is never given twice. */
  private readonly issuing: EventSlot<Promise<unknown>>;
  private readonly soldOutCache: EventSlot<{ at: number; value: Promise<boolean> }>;
  /** Per address, across events (the join rate limit). */
  private readonly joins = new Map<string, { windowStart: number; n: number }>();

  constructor(private readonly d: DropQueueDeps) {
    const hosts = d.hosts ?? new EventHosts();
    this.settings = hosts.slot('queue-settings');
    this.counters = hosts.slot('queue-counter');
    this.issuing = hosts.slot('queue-issuing');
    this.soldOutCache = hosts.slot('queue-sold-out');
  }

  // ---- the organiser's switch ----------------------------------------------------------------------------

  async getSettings(eventId: string): Promise<QueueSettings | undefined> {
    let s = this.settings.get(eventId);
    if (!s) {
      s = this.d.stores.event(eventId).get<QueueSettings>(SETTINGS, '');
      this.settings.set(eventId, s);
    }
    return s;
  }

  async setSettings(eventId: string, raw: unknown): Promise<QueueSettings> {
    const o = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
    if (typeof o['enabled'] !== 'boolean') throw new ValidationError('enabled', 'must be true or false');
    const rate = o['admitPerSecond'];
    if (typeof rate !== 'number' || !Number.isSafeInteger(rate) || rate < 1 || rate > MAX_ADMIT_PER_SECOND) {
      throw new ValidationError('admitPerSecond', `must be a whole number of shoppers a second from 1 to ${MAX_ADMIT_PER_SECOND}`);
    }
    const before = await this.getSettings(eventId);
    // Turning it on (again) starts admission now at the earliest; changing the rate keeps the start.
    const enabledAt = o['enabled'] && before?.enabled ? before.enabledAt : this.d.now();
    const next: QueueSettings = { enabled: o['enabled'], admitPerSecond: rate, enabledAt };
    await this.d.stores.event(eventId).put(SETTINGS, '', next);
    this.settings.set(eventId, Promise.resolve(next));
    return next;
  }

  /** Whether the drop has nothing left (see `DropQueueDeps.soldOut`); false when the server cannot tell. */
  isSoldOut(eventId: string): Promise<boolean> {
    if (!this.d.soldOut) return Promise.resolve(false);
    const now = this.d.now();
    const hit = this.soldOutCache.get(eventId);
    if (hit && now - hit.at < SOLD_OUT_CACHE_MS && now >= hit.at) return hit.value;
    const value = this.d.soldOut(eventId);
    this.soldOutCache.set(eventId, { at: now, value });
    return value;
  }

  /** When admission of the event starts: the drop's start, or the moment the room was turned on if later. */
  async admissionStart(eventId: string, s: QueueSettings): Promise<number> {
    return Math.max((await this.d.dropOf(eventId)).startsAt, s.enabledAt);
  }

  /** Place p is admitted from this moment (a pure function of the settings). */
  static admitAt(place: number, start: number, admitPerSecond: number): number {
    return start + Math.ceil(((place - 1) * 1000) / admitPerSecond);
  }

  // ---- tickets -------------------------------------------------------------------------------------------

  /**
   * A ticket for the browser holding `browserKey`: its place by arrival. The same key gets the same ticket
   * (a reload keeps its place; a script re-asking gains nothing). `address` is the client's, for the rate limit.
   */
  async issue(eventId: string, rawKey: unknown, address: string): Promise<{ ticket: string; place: number; fresh: boolean }> {
    if (typeof rawKey !== 'string' || !BROWSER_KEY_PATTERN.test(rawKey)) {
      throw new ValidationError('browserKey', 'must be 32–128 base64url characters: a random key the browser makes once and keeps (crypto.getRandomValues)');
    }
    const s = await this.getSettings(eventId);
    if (!s?.enabled) throw new QueueClosed();
    if (await this.isSoldOut(eventId)) throw new QueueSoldOut();
    const keyHash = sha256(rawKey);
    const run = (this.issuing.get(eventId) ?? Promise.resolve()).then(async () => {
      const known = await this.d.stores.event(eventId).get<number>(BY_KEY, keyHash);
      if (known !== undefined) return { place: known, fresh: false };
      this.limitJoin(address);
      for (let attempt = 1; ; attempt++) {
        const before = await this.counter(eventId);
        const place = before + 1;
        try {
          // The counter and the browser's place in one commit: a crash between them cannot give a place twice;
          // and only on the counter this process read (another writer's tickets are never numbered over).
          await this.d.stores.event(eventId).commit({
            put: [
              { ns: COUNTER, key: '', value: place },
              { ns: BY_KEY, key: keyHash, value: place },
            ],
            expect: [{ ns: COUNTER, key: '', equals: before === 0 ? undefined : before }],
          });
        } catch (err) {
          this.counters.delete(eventId);
          if (err instanceof ConditionFailedError && attempt < 3) continue;
          throw err;
        }
        this.counters.set(eventId, Promise.resolve(place));
        return { place, fresh: true };
      }
    });
    this.issuing.set(eventId, run.catch(() => undefined));
    const { place, fresh } = await run;
    return { ticket: await this.sign({ eventId, place, keyHash }), place, fresh };
  }

  /**
   * Checks a request's ticket and key for `eventId` when the room is on: the signature, the browser, and the
   * place reached. Returns the ticket (undefined when the room is off); throws the named refusal otherwise.
   */
  async admit(eventId: string, ticket: string | undefined, browserKey: string | undefined): Promise<Ticket | undefined> {
    const s = await this.getSettings(eventId);
    if (!s?.enabled) return undefined;
    if (!ticket || !browserKey) throw new QueueTicketRequired();
    const t = await this.verify(ticket);
    if (!t || t.eventId !== eventId) throw new QueueTicketInvalid();
    // Equal-length digests compared in constant time: a prober learns nothing from the timing.
    if (!timingSafeEqual(Buffer.from(sha256(browserKey)), Buffer.from(t.keyHash))) throw new QueueTicketWrongBrowser();
    const at = DropQueue.admitAt(t.place, await this.admissionStart(eventId, s), s.admitPerSecond);
    if (this.d.now() < at) throw new QueueNotAdmitted(t.place, at);
    return t;
  }

  /** The ticket's contents if this server signed it; undefined for anything else. */
  async verify(ticket: string): Promise<Ticket | undefined> {
    const parts = ticket.split('.');
    if (parts.length !== 3 || parts[0] !== 'v1' || ticket.length > 1000) return undefined;
    const expected = createHmac('sha256', await this.key()).update(`v1.${parts[1]}`).digest();
    const given = Buffer.from(parts[2]!, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    try {
      const p = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as { e?: unknown; p?: unknown; k?: unknown };
      if (typeof p.e !== 'string' || typeof p.p !== 'number' || typeof p.k !== 'string') return undefined;
      return { eventId: p.e, place: p.p, keyHash: p.k };
    } catch {
      return undefined;
    }
  }

  private async sign(t: Ticket): Promise<string> {
    const payload = b64(JSON.stringify({ e: t.eventId, p: t.place, k: t.keyHash }));
    return `v1.${payload}.${createHmac('sha256', await this.key()).update(`v1.${payload}`).digest('base64url')}`;
  }

  /** The server's ticket secret: made once, kept in storage, so tickets survive a restart. */
  private key(): Promise<Buffer> {
    return (this.secret ??= (async () => {
      const stored = await this.d.stores.server().get<string>(SECRETS, 'queue-hmac');
      if (stored) return Buffer.from(stored, 'base64url');
      const fresh = randomBytes(32);
      await this.d.stores.server().put(SECRETS, 'queue-hmac', fresh.toString('base64url'));
      return fresh;
    })());
  }

  private counter(eventId: string): Promise<number> {
    let c = this.counters.get(eventId);
    if (!c) {
      c = this.d.stores.event(eventId).get<number>(COUNTER, '').then((n) => n ?? 0);
      this.counters.set(eventId, c);
    }
    return c;
  }

  /** Fixed one-minute windows per address: cheap, and enough to make 1000 tickets from one address slow. */
  private limitJoin(address: string): void {
    const max = this.d.ticketsPerAddressPerMinute ?? DEFAULT_TICKETS_PER_ADDRESS_PER_MINUTE;
    const now = this.d.now();
    const w = this.joins.get(address);
    if (!w || now - w.windowStart >= 60_000) {
      if (this.joins.size > 100_000) this.joins.clear(); // bounded memory under an address-spraying attack
      this.joins.set(address, { windowStart: now, n: 1 });
      return;
    }
    if (w.n >= max) throw new QueueJoinLimited(Math.ceil((w.windowStart + 60_000 - now) / 1000));
    w.n++;
  }
}
