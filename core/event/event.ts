import { parseBuyerLimits, type BuyerLimits } from '../customers/buyer-limits.ts';
import { ValidationError } from '../base/errors.ts';
import { ONLINE, RESERVE, SERVER_WRITER, tillHolder, type HolderId, type OwnerOf } from '../ledger/holders.ts';
import { isDeviceId } from '../base/ids.ts';
import { ID_PATTERN, SKU_PATTERN } from '../catalog/catalog.ts';
import type { RoundingMode } from '../base/money.ts';
import { validateDrop, type Drop } from '../selling/pricing.ts';
import type { DiscountCaps } from '../selling/discounts.ts';
import { asObject, int, oneOf, optInt, optStr, str, strArray, type Obj } from '../base/validate.ts';

/** An event's settings: one currency, one time zone, one tax mode for all its brands. */
export interface EventConfig {
  id: string;
  name: string;
  /** IANA time zone the event runs in: days, hours and "sales after close" are reckoned in it. */
  timeZone: string;
  /** ISO 4217 code; all money in the event is minor units of it. */
  currency: string;
  /** BCP 47 locale for formatting (receipts, screens). */
  locale: string;
  taxMode: 'inclusive' | 'exclusive';
  rounding: RoundingMode;
  drop: Drop;
  policies: Policies;
  /**
   * The drop's web page (the storefront), where creator links (`/r/<code>`) send people. Optional: an event
   * made before it existed, or one with no online drop, has none.
   */
  dropUrl?: string;
  /**
   * Caps on what one storefront or buyer may hold and buy online (core/customers/buyer-limits.ts). Optional: absent
   * fields take the documented defaults (docs/api.md).
   */
  buyerLimits?: Partial<BuyerLimits>;
}

export interface Policies {
  returnsDays: number;
  /** Defective items up to this amount (minor units) are refunded without a manager. */
  defectRefundLimit: number;
  returnsText: string;
  /** Printed on receipts and published to the storefront; '' when the event has none (older events). */
  warrantyText: string;
  /** How local pick-up works (where, when, what to bring), for the storefront; '' when not set. */
  pickupText: string;
  /**
   * Most units one manager override may sell beyond a till's rights, per ledger entry. Optional: older
   * events have none and get DEFAULT_LEDGER_LIMITS (see `ledgerLimits`).
   */
  maxOverrideUnits?: number;
  /** Most units one positive stock adjustment (a manager's recount) may add, per ledger entry. */
  maxAdjustUnits?: number;
  /** Most units the server grants automatically per rights request; the rest is left to the organiser. */
  maxAutoGrantUnits?: number;
  /**
   * Most a cashier / supervisor may take off a line without a manager, in basis points (core/selling/discounts.ts).
   * Optional: absent roles take DEFAULT_DISCOUNT_CAPS (10 % / 25 %).
   */
  discountCaps?: Partial<DiscountCaps>;
}

/**
 * The bounds on what one ledger entry or one automatic grant may move without the organiser. Defaults:
 * an override covers a customer at the counter (a few units the shelf has and the rights do not), not a
 * pallet; a recount finds a box, not a warehouse; 50 units is a booth's busy hour of a hero item, and the
 * reserve is the organiser's to hand out beyond that.
 */
export interface LedgerLimits {
  maxOverrideUnits: number;
  maxAdjustUnits: number;
  maxAutoGrantUnits: number;
}

export const DEFAULT_LEDGER_LIMITS: LedgerLimits = { maxOverrideUnits: 10, maxAdjustUnits: 50, maxAutoGrantUnits: 50 };

export function ledgerLimits(config: Pick<EventConfig, 'policies'> | undefined): LedgerLimits {
  const p = config?.policies;
  return {
    maxOverrideUnits: p?.maxOverrideUnits ?? DEFAULT_LEDGER_LIMITS.maxOverrideUnits,
    maxAdjustUnits: p?.maxAdjustUnits ?? DEFAULT_LEDGER_LIMITS.maxAdjustUnits,
    maxAutoGrantUnits: p?.maxAutoGrantUnits ?? DEFAULT_LEDGER_LIMITS.maxAutoGrantUnits,
  };
}

export interface Brand {
  id: string;
  name: string;
  commissionBp: number;
  boothFee: number;
}

export const LOCATION_KINDS = ['booth', 'hub', 'pickup', 'reserve', 'online'] as const;
export interface Location {
  id: string;
  kind: (typeof LOCATION_KINDS)[number];
  name: string;
  address?: string;
  lat?: number;
  lon?: number;
  /** When a shopper can collect there, as the organiser writes it ("Sat–Sun 10:00–19:00"): shown on order tracking. */
  openingHours?: string;
}

export interface Till {
  id: string;
  name: string;
  /** The device paired as this till: the only writer of the till's stock rights. */
  deviceId: string;
  locationId: string;
  brandIds: string[];
  /** Unique within the event; receipt numbers are `<prefix>-<seq>`. */
  receiptPrefix: string;
}

/** Intl throws a RangeError for a zone it does not know: that is the check. */
const isTimeZone = (tz: string): boolean => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
};

export function parseEventConfig(raw: unknown): EventConfig {
  const o = asObject(raw, 'event');
  const timeZone = str(o, 'timeZone', { max: 64 });
  if (!isTimeZone(timeZone)) throw new ValidationError('timeZone', `"${timeZone}" is not an IANA time zone`);
  const currency = str(o, 'currency', { pattern: /^[A-Z]{3}$/ });
  const drop = asObject(o['drop'], 'drop') as unknown as Drop;
  validateDrop(drop);
  const pol = asObject(o['policies'], 'policies');
  const text = (k: string) => {
    const v = pol[k];
    if (v === undefined) return '';
    if (typeof v !== 'string' || v.length > 2000) throw new ValidationError(k, 'must be a text of at most 2000 characters');
    return v;
  };
  // Optional limits (added later): absent means the default, kept absent so an older config round-trips.
  const limit = (k: 'maxOverrideUnits' | 'maxAdjustUnits' | 'maxAutoGrantUnits') => {
    const v = optInt(pol, k, { min: 0, max: 1_000_000 });
    return v === undefined ? {} : { [k]: v };
  };
  const dropUrl = optStr(o, 'dropUrl', { max: 500 });
  if (dropUrl !== undefined && !isWebUrl(dropUrl)) throw new ValidationError('dropUrl', `"${dropUrl}" is not an http(s) address`);
  return {
    id: str(o, 'id', { max: 48, pattern: ID_PATTERN }),
    name: str(o, 'name', { max: 120 }),
    timeZone,
    currency,
    locale: str(o, 'locale', { max: 35 }),
    taxMode: oneOf(o, 'taxMode', ['inclusive', 'exclusive'] as const),
    rounding: oneOf(o, 'rounding', ['half-up', 'half-even', 'floor', 'ceil'] as const),
    drop: { startsAt: drop.startsAt, endsAt: drop.endsAt, tiers: drop.tiers.map((t) => ({ ...t })) },
    policies: {
      returnsDays: int(pol, 'returnsDays', { min: 0, max: 365 }),
      defectRefundLimit: int(pol, 'defectRefundLimit', { min: 0 }),
      returnsText: text('returnsText'),
      warrantyText: text('warrantyText'),
      pickupText: text('pickupText'),
      ...limit('maxOverrideUnits'),
      ...limit('maxAdjustUnits'),
      ...limit('maxAutoGrantUnits'),
      ...parseDiscountCaps(pol['discountCaps']),
    },
    ...(dropUrl !== undefined ? { dropUrl } : {}),
    ...(o['buyerLimits'] !== undefined ? { buyerLimits: parseBuyerLimits(o['buyerLimits']) } : {}),
  };
}

/** The optional per-role discount caps; kept absent when not set, so an older config round-trips. */
function parseDiscountCaps(raw: unknown): { discountCaps?: Partial<DiscountCaps> } {
  if (raw === undefined) return {};
  const o = asObject(raw, 'discountCaps');
  const caps: Partial<DiscountCaps> = {};
  for (const k of Object.keys(o)) {
    if (k !== 'cashier' && k !== 'supervisor') throw new ValidationError('discountCaps', `"${k}" is not a role with a cap (cashier, supervisor; a manager approves)`);
    caps[k] = int(o, k, { min: 0, max: 10_000 });
  }
  return { discountCaps: caps };
}

/** An absolute http(s) address with a host and no spaces: what a browser can be redirected to. */
export function isWebUrl(s: string): boolean {
  return /^https?:\/\/[^\s/?#]+([/?#][^\s]*)?$/i.test(s);
}

/** Query parameters that carry credentials by their name. */
const SECRET_PARAM = /token|secret|passw|api[-_]?key|^key$|^auth|^sig(nature)?$|session|credential/i;
/** This server's own tokens (sync-server/auth.ts newToken), wherever they sit in an address. */
const SERVER_TOKEN = /pp_[A-Za-z0-9_-]{20,}/;

/**
 * What in a public address looks like a secret: a query parameter named like a credential (`token=`,
 * `api_key=`, …) or one of this server's tokens anywhere in it. A drop page's address is published to every
 * shopper (the policies, creator redirects), so it must never carry one.
 */
export function secretInUrl(url: string): string | undefined {
  if (SERVER_TOKEN.test(url)) return 'a token';
  const query = url.replace(/#.*$/, '').split('?')[1] ?? '';
  for (const pair of query.split('&')) {
    const name = decodeURIComponentSafe(pair.split('=')[0] ?? '');
    if (name && SECRET_PARAM.test(name)) return `"${name}="`;
  }
  return undefined;
}

/** A drop page's address is public (policies, creator redirects): refuses one that carries a credential. */
export function refuseSecretIn(dropUrl: string): void {
  const secret = secretInUrl(dropUrl);
  if (secret) throw new ValidationError('dropUrl', `carries ${secret}: the drop page's address is published to every shopper, so it must not hold a token or other secret`);
}

/** The address with every secret-looking query parameter (and any fragment) taken out; undefined if a token is left. */
export function withoutSecrets(url: string): string | undefined {
  const [base = '', query] = url.replace(/#.*$/, '').split('?');
  const kept = (query ?? '').split('&').filter((p) => p && !SECRET_PARAM.test(decodeURIComponentSafe(p.split('=')[0] ?? '')) && !SERVER_TOKEN.test(p));
  const out = kept.length ? `${base}?${kept.join('&')}` : base;
  return SERVER_TOKEN.test(out) ? undefined : out;
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

/**
 * The policies a storefront may publish: returns, warranty and pick-up. The pre-authorised defect refund
 * limit stays out: it is a till control (refunds up to it need no manager), and publishing it would tell
 * anyone how much can be refunded without a second person looking.
 */
export interface PublicPolicies {
  eventId: string;
  eventName: string;
  returnsDays: number;
  returnsText: string;
  warrantyText: string;
  pickupText: string;
  dropUrl: string | null;
}

export function publicPolicies(config: EventConfig): PublicPolicies {
  return {
    eventId: config.id,
    eventName: config.name,
    returnsDays: config.policies.returnsDays,
    returnsText: returnsPolicyText(config),
    warrantyText: config.policies.warrantyText,
    pickupText: config.policies.pickupText,
    // Never publish a secret: a config stored before secrets were refused may still carry one.
    dropUrl: (config.dropUrl !== undefined ? withoutSecrets(config.dropUrl) : undefined) ?? null,
  };
}

/** The returns policy in words: the organiser's text, or one made from the returns window. */
export function returnsPolicyText(config: EventConfig): string {
  return config.policies.returnsText || `Returns within ${config.policies.returnsDays} days with this receipt.`;
}

/**
 * A creator (an influencer, a partner shop) and the code people give at the till or arrive with through the
 * creator's link (`/r/<code>`). The sale records the code as its `source`, so conversion per creator is
 * orders ÷ clicks. Codes are unique per event ignoring case: the setup document keys them by `creatorKey`.
 */
export interface Creator {
  code: string;
  name: string;
  /** The creator's own page; when set, their link goes there instead of the drop's page. */
  url?: string;
}

/** Letters, digits, `_` and `-`, 2–32 characters, starting with a letter or digit: easy to say and type. */
export const CREATOR_CODE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{1,31}$/;

export const creatorKey = (code: string): string => code.trim().toLowerCase();

export function parseCreator(raw: unknown): Creator {
  const o = asObject(raw, 'creator');
  const code = str(o, 'code', { max: 32 });
  if (!CREATOR_CODE_PATTERN.test(code)) throw new ValidationError('code', `"${code}" must be 2–32 letters, digits, _ or -, starting with a letter or digit`);
  const creator: Creator = { code, name: str(o, 'name', { max: 120 }) };
  const url = optStr(o, 'url', { max: 500 });
  if (url !== undefined) {
    if (!isWebUrl(url)) throw new ValidationError('url', `"${url}" is not an http(s) address`);
    creator.url = url;
  }
  return creator;
}

/**
 * Per-location stock thresholds for one SKU, overriding the product's own `lowStockThreshold` and
 * `safetyStock` at that location (a booth sells faster than a hub holds). Keyed `<locationId>/<sku>`.
 */
export interface StockThreshold {
  locationId: string;
  sku: string;
  lowStockThreshold: number;
  safetyStock: number;
}

export const thresholdKey = (locationId: string, sku: string): string => `${locationId}/${sku}`;

export function parseThreshold(raw: unknown): StockThreshold {
  const o = asObject(raw, 'threshold');
  return {
    locationId: str(o, 'locationId', { max: 48, pattern: ID_PATTERN }),
    sku: str(o, 'sku', { max: 64, pattern: SKU_PATTERN }),
    lowStockThreshold: int(o, 'lowStockThreshold', { min: 0, max: 1_000_000 }),
    safetyStock: int(o, 'safetyStock', { min: 0, max: 1_000_000 }),
  };
}

/** Location overrides keyed by `<locationId>/<sku>`, as `thresholdsAt` reads them. */
export function thresholdMap(list: Iterable<StockThreshold>): Map<string, StockThreshold> {
  return new Map([...list].map((t) => [thresholdKey(t.locationId, t.sku), t]));
}

/** The lookup the alert and rebalancing rules take (`ThresholdLookup`): a location's override, if any. */
export function thresholdOverride(list: Iterable<StockThreshold>): (product: { sku: string }, locationId: string) => StockThreshold | undefined {
  const map = thresholdMap(list);
  return (product, locationId) => map.get(thresholdKey(locationId, product.sku));
}

/** A product's thresholds at a location: the location's override when there is one, else the product's. */
export function thresholdsAt(
  product: { sku: string; lowStockThreshold: number; safetyStock: number },
  locationId: string | undefined,
  overrides: ReadonlyMap<string, StockThreshold>,
): { lowStockThreshold: number; safetyStock: number } {
  const o = locationId === undefined ? undefined : overrides.get(thresholdKey(locationId, product.sku));
  return o ? { lowStockThreshold: o.lowStockThreshold, safetyStock: o.safetyStock } : { lowStockThreshold: product.lowStockThreshold, safetyStock: product.safetyStock };
}

export function parseBrand(raw: unknown): Brand {
  const o = asObject(raw, 'brand');
  return {
    id: str(o, 'id', { max: 48, pattern: ID_PATTERN }),
    name: str(o, 'name', { max: 120 }),
    commissionBp: int(o, 'commissionBp', { min: 0, max: 10_000 }),
    boothFee: int(o, 'boothFee', { min: 0 }),
  };
}

export function parseLocation(raw: unknown): Location {
  const o = asObject(raw, 'location');
  const loc: Location = {
    id: str(o, 'id', { max: 48, pattern: ID_PATTERN }),
    kind: oneOf(o, 'kind', LOCATION_KINDS),
    name: str(o, 'name', { max: 120 }),
  };
  const address = optStr(o, 'address', { max: 300 });
  if (address !== undefined) loc.address = address;
  const openingHours = optStr(o, 'openingHours', { max: 200 });
  if (openingHours !== undefined) loc.openingHours = openingHours;
  const coord = (k: 'lat' | 'lon', limit: number) => {
    const v = o[k];
    if (v === undefined) return;
    if (typeof v !== 'number' || !Number.isFinite(v) || Math.abs(v) > limit) throw new ValidationError(k, `must be a coordinate within ±${limit}`);
    loc[k] = v;
  };
  coord('lat', 90);
  coord('lon', 180);
  return loc;
}

export function parseTill(raw: unknown): Till {
  const o: Obj = asObject(raw, 'till');
  const deviceId = str(o, 'deviceId', { max: 12 });
  if (!isDeviceId(deviceId)) throw new ValidationError('deviceId', `"${deviceId}" is not a device id`);
  return {
    id: str(o, 'id', { max: 48, pattern: ID_PATTERN }),
    name: str(o, 'name', { max: 80 }),
    deviceId,
    locationId: str(o, 'locationId', { max: 48, pattern: ID_PATTERN }),
    brandIds: strArray(o, 'brandIds', { max: 50, pattern: ID_PATTERN }),
    receiptPrefix: str(o, 'receiptPrefix', { max: 12, pattern: /^[0-9A-Z]{1,12}$/ }),
  };
}

/**
 * Holder ownership for an event: each till's device owns its till holder; the server owns the reserve,
 * the hubs and the online channel (it grants rights and writes the storefront's orders).
 */
export function ownerOfFor(tills: Iterable<Till>): OwnerOf {
  const owners = new Map<HolderId, string>([
    [RESERVE, SERVER_WRITER],
    [ONLINE, SERVER_WRITER],
  ]);
  for (const t of tills) owners.set(tillHolder(t.id), t.deviceId);
  return (h) => owners.get(h) ?? (h.startsWith('hub:') ? SERVER_WRITER : undefined);
}

/** Where a holder physically is: a till is at its booth; a hub is its own location. */
export function locationOfFor(tills: Iterable<Till>): (h: HolderId) => string | undefined {
  const m = new Map<HolderId, string>();
  for (const t of tills) m.set(tillHolder(t.id), t.locationId);
  return (h) => m.get(h) ?? (h.startsWith('hub:') ? h.slice(4) : h === RESERVE ? 'reserve' : h === ONLINE ? 'online' : undefined);
}
