import { ValidationError } from './errors.ts';
import { ONLINE, RESERVE, SERVER_WRITER, tillHolder, type HolderId, type OwnerOf } from './holders.ts';
import { isDeviceId } from './ids.ts';
import { ID_PATTERN } from './catalog.ts';
import type { RoundingMode } from './money.ts';
import { validateDrop, type Drop } from './pricing.ts';
import { asObject, int, oneOf, optStr, str, strArray, type Obj } from './validate.ts';

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
}

export interface Policies {
  returnsDays: number;
  /** Defective items up to this amount (minor units) are refunded without a manager. */
  defectRefundLimit: number;
  returnsText: string;
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
      returnsText: typeof pol['returnsText'] === 'string' ? pol['returnsText'] : '',
    },
  };
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
