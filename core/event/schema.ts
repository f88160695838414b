import * as Y from 'yjs';
import { PopupError, ValidationError } from '../base/errors.ts';
import { parseProduct, type Product } from '../catalog/catalog.ts';
import { parseEntry, type LedgerEntry } from '../ledger/ledger.ts';
import { parseSale, type Sale } from '../selling/sale.ts';
import {
  creatorKey,
  parseBrand,
  parseCreator,
  parseEventConfig,
  parseLocation,
  parseThreshold,
  parseTill,
  thresholdKey,
  type Brand,
  type Creator,
  type EventConfig,
  type Location,
  type StockThreshold,
  type Till,
} from './event.ts';
import { parseVoidRecord, type VoidRecord } from '../reports/audit.ts';
import { parseShiftEvent, type ShiftEvent } from './shift.ts';
import { parseReturnRequest, type ReturnRequest } from '../ledger/return-request.ts';
import { parseRightsRequest, type RightsRequest } from '../ledger/rights-request.ts';
import { parseRefund, type Refund } from '../refunds/refund.ts';
import { parseRefundRightsRecord, type RefundRightsRecord } from '../refunds/refund-rights.ts';
import { parseStaffMember, type StaffMember } from './staff.ts';
import { couponKey, parseCoupon, type Coupon } from '../selling/discounts.ts';

/**
 * The Yjs documents of an event (see docs/sync-protocol.md):
 *   event/<eventId>/setup              the event's settings, brands, locations and tills (organiser writes)
 *   event/<eventId>/brand/<brandId>    one brand's catalog, ledger, sales, refunds and rights requests
 *   event/<eventId>/till/<tillId>      one till's shift events and voids (only that till's device writes)
 * Every value is a JSON string under a string key in a top-level Y.Map. Ledger entries, sales, refunds and
 * rights requests are append-only: a key is written once and never changed or deleted.
 * A Y.Map keyed by id (not a Y.Array) keeps appends O(1) however long the ledger grows. Values are JSON
 * strings rather than Yjs-encoded objects because they are never edited in place, and Yjs decodes a string
 * about three times faster than a nested object: 100k entries load in ~0.2 s instead of ~0.6 s (measured
 * here, docs/benchmarks.md).
 */
export const SCHEMA_VERSION = 1;

export class AppendOnlyError extends PopupError {}

const NAME = /^event\/([a-z0-9][a-z0-9-]{0,47})\/(setup|(brand|till)\/([a-z0-9][a-z0-9-]{0,47}))$/;

export type DocRef =
  | { eventId: string; kind: 'setup' }
  | { eventId: string; kind: 'brand'; brandId: string }
  | { eventId: string; kind: 'till'; tillId: string };

export const setupDocName = (eventId: string): string => `event/${eventId}/setup`;
export const brandDocName = (eventId: string, brandId: string): string => `event/${eventId}/brand/${brandId}`;
export const tillDocName = (eventId: string, tillId: string): string => `event/${eventId}/till/${tillId}`;

export function parseDocName(name: string): DocRef {
  const m = NAME.exec(name);
  if (!m) throw new ValidationError('docName', `"${name}" is not event/<id>/setup, event/<id>/brand/<id> or event/<id>/till/<id>`);
  if (m[3] === 'brand') return { eventId: m[1]!, kind: 'brand', brandId: m[4]! };
  if (m[3] === 'till') return { eventId: m[1]!, kind: 'till', tillId: m[4]! };
  return { eventId: m[1]!, kind: 'setup' };
}

/** The append-only maps of a brand document. */
export const APPEND_ONLY_MAPS = ['ledger', 'sales', 'refunds', 'requests', 'refundRights', 'catalogHistory', 'returns'] as const;
export type AppendOnlyMap = (typeof APPEND_ONLY_MAPS)[number];

/** The append-only maps of a till document: shift events (core/event/shift.ts) and voids (core/reports/audit.ts). */
export const TILL_MAPS = ['shifts', 'voids'] as const;
export type TillMap = (typeof TILL_MAPS)[number];

export interface Decoded<T> {
  items: T[];
  /** Values that failed validation, with why: reported, never silently dropped. */
  invalid: { key: string; error: string }[];
}

/** How a value is stored in a map: as JSON text (see above). */
export function encodeValue(value: object): string {
  return JSON.stringify(value);
}

/** Reads a stored value; a value that is not JSON text is passed on as it is, for the parser to refuse. */
export function decodeValue(raw: unknown): unknown {
  if (typeof raw !== 'string') return raw;
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

/**
 * Ledger entries are stored without what their key already says: the id is the key, and the key's
 * hybrid-clock timestamp gives `at` and names the `writer`. That is ~100 of an entry's ~190 bytes, and
 * what Yjs has to decode on every load.
 */
export function encodeEntry(e: LedgerEntry): string {
  const { id: _id, at: _at, writer: _writer, ...rest } = e;
  return JSON.stringify(rest);
}

/** Rebuilds an entry from its key and stored value; the key wins over anything the value claims. */
export function decodeEntry(key: string, raw: unknown): LedgerEntry {
  if (!/^[a-z]{1,3}_[0-9a-z]{15}-[0-9A-Za-z]+$/.test(key)) throw new ValidationError('key', `"${key}" is not a ledger entry id`);
  const v = decodeValue(raw);
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return parseEntry(v);
  const dash = key.lastIndexOf('-');
  return parseEntry({ ...v, id: key, at: key.slice(key.indexOf('_') + 1), writer: dash > 0 ? key.slice(dash + 1) : '' });
}

/** Parses a stored value of a map; `key` is where it is stored. */
type StoredParser<T> = (raw: unknown, key: string) => T;
const json =
  <T>(parse: (v: unknown) => T): StoredParser<T> =>
  (raw) =>
    parse(decodeValue(raw));

/** One value, or undefined when it is missing or invalid (`decodeMap` reports the invalid ones). */
function decodeOne<T>(raw: unknown, key: string, parse: StoredParser<T>): T | undefined {
  if (raw === undefined) return undefined;
  try {
    return parse(raw, key);
  } catch {
    return undefined;
  }
}

function decodeMap<T>(map: Y.Map<unknown>, parse: StoredParser<T>, keyOf: (t: T) => string): Decoded<T> {
  const out: Decoded<T> = { items: [], invalid: [] };
  for (const [key, value] of map) {
    try {
      const item = parse(value, key);
      if (keyOf(item) !== key) throw new ValidationError('key', `stored under "${key}" but names "${keyOf(item)}"`);
      out.items.push(item);
    } catch (err) {
      out.invalid.push({ key, error: err instanceof Error ? err.message : String(err) });
    }
  }
  return out;
}

/** Typed access to a brand document. */
export class BrandDoc {
  constructor(readonly doc: Y.Doc) {}

  map(name: AppendOnlyMap | 'products' | 'meta'): Y.Map<unknown> {
    return this.doc.getMap(name);
  }

  /** Adds entries in one Yjs transaction; refuses an id that is already there (append-only). */
  appendEntries(entries: readonly LedgerEntry[], origin: unknown = null): void {
    const map = this.map('ledger');
    for (const e of entries) if (map.has(e.id)) throw new AppendOnlyError(`ledger already holds ${e.id}: entries are never overwritten`);
    this.doc.transact(() => {
      for (const e of entries) map.set(e.id, encodeEntry(e));
    }, origin);
  }

  appendSale(sale: Sale, entries: readonly LedgerEntry[], origin: unknown = null): void {
    this.doc.transact(() => {
      this.append('sales', [[sale.id, sale]], origin);
      this.appendEntries(entries, origin);
    }, origin);
  }

  appendRequest(req: RightsRequest, origin: unknown = null): void {
    this.append('requests', [[req.id, req]], origin);
  }

  append(name: AppendOnlyMap, items: readonly (readonly [string, object])[], origin: unknown = null): void {
    const map = this.map(name);
    for (const [key] of items) if (map.has(key)) throw new AppendOnlyError(`${name} already holds ${key}: entries are never overwritten`);
    this.doc.transact(() => {
      for (const [key, value] of items) map.set(key, encodeValue(value));
    }, origin);
  }

  putProducts(products: readonly Product[], origin: unknown = null): void {
    const map = this.map('products');
    const history = this.map('catalogHistory');
    this.doc.transact(() => {
      for (const p of products) {
        const before = map.get(p.sku);
        const next = encodeValue(p);
        // The version being replaced is kept: a till that sold offline at it is judged by it (core/selling/sale-rules.ts).
        if (typeof before === 'string' && before !== next) {
          let n = history.size;
          while (history.has(`${p.sku}!${n.toString(36)}`)) n++;
          history.set(`${p.sku}!${n.toString(36)}`, before);
        }
        map.set(p.sku, next);
      }
    }, origin);
  }

  /** Earlier catalog entries of a SKU, as the organiser set them (never changed, only added). */
  productVersions(sku: string): Product[] {
    const out: Product[] = [];
    for (const [key, raw] of this.map('catalogHistory').entries()) {
      if (!key.startsWith(`${sku}!`)) continue;
      const p = decodeOne(raw, key, json(parseProduct));
      if (p) out.push(p);
    }
    return out;
  }

  productBySku(sku: string): Product | undefined {
    return decodeOne(this.map('products').get(sku), sku, json(parseProduct));
  }

  saleById(id: string): Sale | undefined {
    return decodeOne(this.map('sales').get(id), id, json(parseSale));
  }

  ledger(): Decoded<LedgerEntry> {
    return decodeMap(this.map('ledger'), (raw, key) => decodeEntry(key, raw), (e) => e.id);
  }

  products(): Decoded<Product> {
    return decodeMap(this.map('products'), json(parseProduct), (p) => p.sku);
  }

  sales(): Decoded<Sale> {
    return decodeMap(this.map('sales'), json(parseSale), (s) => s.id);
  }

  refunds(): Decoded<Refund> {
    return decodeMap(this.map('refunds'), json(parseRefund), (r) => r.id);
  }

  appendRefund(refund: Refund, entries: readonly LedgerEntry[], origin: unknown = null): void {
    this.doc.transact(() => {
      this.append('refunds', [[refund.id, refund]], origin);
      this.appendEntries(entries, origin);
    }, origin);
  }

  /** Refund rights claims and moves (core/refunds/refund-rights.ts). */
  refundRights(): Decoded<RefundRightsRecord> {
    return decodeMap(this.map('refundRights'), json(parseRefundRightsRecord), (r) => r.id);
  }

  appendRefundRights(records: readonly RefundRightsRecord[], origin: unknown = null): void {
    this.append('refundRights', records.map((r) => [r.id, r]), origin);
  }

  requests(): Decoded<RightsRequest> {
    return decodeMap(this.map('requests'), json(parseRightsRequest), (r) => r.id);
  }

  /** The organiser's requests for stock back from a till (core/ledger/return-request.ts), written by the server. */
  appendReturnRequest(req: ReturnRequest, origin: unknown = null): void {
    this.append('returns', [[req.id, req]], origin);
  }

  returnRequests(): Decoded<ReturnRequest> {
    return decodeMap(this.map('returns'), json(parseReturnRequest), (r) => r.id);
  }

  /**
   * Calls back with the ledger entries each transaction adds (local or remote), decoded. Invalid values are
   * passed separately so the caller can report them.
   */
  onLedger(cb: (added: LedgerEntry[], invalid: { key: string; error: string }[]) => void): () => void {
    const map = this.map('ledger');
    const handler = (ev: Y.YMapEvent<unknown>) => {
      const added: LedgerEntry[] = [];
      const invalid: { key: string; error: string }[] = [];
      for (const [key, change] of ev.changes.keys) {
        if (change.action !== 'add') continue;
        try {
          added.push(decodeEntry(key, map.get(key)));
        } catch (err) {
          invalid.push({ key, error: err instanceof Error ? err.message : String(err) });
        }
      }
      if (added.length || invalid.length) cb(added, invalid);
    };
    map.observe(handler);
    return () => map.unobserve(handler);
  }
}

/** What applying something to a brand document changed in its append-only maps. */
export interface AppendOnlyReport {
  added: { map: AppendOnlyMap | TillMap; key: string; value: unknown }[];
  /** Keys that were changed or deleted: forbidden in an append-only map. */
  violations: string[];
}

/**
 * Runs `apply` (typically Y.applyUpdate on a scratch copy of the document) and reports what it added to the
 * append-only maps and what it changed or deleted there. The server uses it to refuse an update before the
 * real document sees it; replicas use it to report a peer that broke the rules.
 */
export function watchAppendOnly(doc: Y.Doc, apply: () => void, maps: readonly (AppendOnlyMap | TillMap)[] = APPEND_ONLY_MAPS): AppendOnlyReport {
  const report: AppendOnlyReport = { added: [], violations: [] };
  const unobserve = maps.map((name) => {
    const map = doc.getMap(name);
    const handler = (ev: Y.YMapEvent<unknown>) => {
      for (const [key, change] of ev.changes.keys) {
        if (change.action === 'add') report.added.push({ map: name, key, value: decodeValue(map.get(key)) });
        else report.violations.push(`${name}/${key} ${change.action === 'delete' ? 'deleted' : 'overwritten'}`);
      }
    };
    map.observe(handler);
    return () => map.unobserve(handler);
  });
  try {
    apply();
  } finally {
    for (const u of unobserve) u();
  }
  return report;
}

/** Typed access to an event's setup document. */
export class SetupDoc {
  constructor(readonly doc: Y.Doc) {}

  write(
    setup: { config?: EventConfig; brands?: Brand[]; locations?: Location[]; tills?: Till[]; staff?: StaffMember[]; creators?: Creator[]; thresholds?: StockThreshold[]; coupons?: Coupon[] },
    origin: unknown = null,
  ): void {
    this.doc.transact(() => {
      if (setup.config) this.doc.getMap('event').set('config', encodeValue(parseEventConfig(setup.config)));
      for (const b of setup.brands ?? []) this.doc.getMap('brands').set(b.id, encodeValue(parseBrand(b)));
      for (const l of setup.locations ?? []) this.doc.getMap('locations').set(l.id, encodeValue(parseLocation(l)));
      for (const t of setup.tills ?? []) this.doc.getMap('tills').set(t.id, encodeValue(parseTill(t)));
      for (const m of setup.staff ?? []) this.doc.getMap('staff').set(m.id, encodeValue(parseStaffMember(m)));
      for (const c of setup.creators ?? []) this.doc.getMap('creators').set(creatorKey(c.code), encodeValue(parseCreator(c)));
      for (const c of setup.coupons ?? []) this.doc.getMap('coupons').set(couponKey(c.code), encodeValue(parseCoupon(c)));
      for (const t of setup.thresholds ?? []) this.doc.getMap('thresholds').set(thresholdKey(t.locationId, t.sku), encodeValue(parseThreshold(t)));
    }, origin);
  }

  /** Removes a location's threshold override for a SKU (the product's own thresholds apply again). */
  removeThreshold(locationId: string, sku: string, origin: unknown = null): boolean {
    const map = this.doc.getMap('thresholds');
    const key = thresholdKey(locationId, sku);
    if (!map.has(key)) return false;
    this.doc.transact(() => map.delete(key), origin);
    return true;
  }

  creators(): Decoded<Creator> {
    return decodeMap(this.doc.getMap('creators'), json(parseCreator), (c) => creatorKey(c.code));
  }

  /** A creator by code, ignoring case. */
  creator(code: string): Creator | undefined {
    const key = creatorKey(code);
    return decodeOne(this.doc.getMap('creators').get(key), key, json(parseCreator));
  }

  /** The organiser's coupons (core/selling/discounts.ts), keyed by their code in lower case. */
  coupons(): Decoded<Coupon> {
    return decodeMap(this.doc.getMap('coupons'), json(parseCoupon), (c) => couponKey(c.code));
  }

  /** A coupon by code, ignoring case. */
  coupon(code: string): Coupon | undefined {
    const key = couponKey(code);
    return decodeOne(this.doc.getMap('coupons').get(key), key, json(parseCoupon));
  }

  thresholds(): Decoded<StockThreshold> {
    return decodeMap(this.doc.getMap('thresholds'), json(parseThreshold), (t) => thresholdKey(t.locationId, t.sku));
  }

  config(): EventConfig | undefined {
    const raw = this.doc.getMap('event').get('config');
    return raw === undefined ? undefined : parseEventConfig(decodeValue(raw));
  }

  brands(): Decoded<Brand> {
    return decodeMap(this.doc.getMap('brands'), json(parseBrand), (b) => b.id);
  }

  locations(): Decoded<Location> {
    return decodeMap(this.doc.getMap('locations'), json(parseLocation), (l) => l.id);
  }

  staff(): Decoded<StaffMember> {
    return decodeMap(this.doc.getMap('staff'), json(parseStaffMember), (m) => m.id);
  }

  tills(): Decoded<Till> {
    return decodeMap(this.doc.getMap('tills'), json(parseTill), (t) => t.id);
  }
}

/**
 * Typed access to a till's document: its shift events and voids, append-only, written by the till's own
 * device alone (the server checks: sync-server/update-guard.ts) and read by the organiser to reconcile
 * Z reports and spot repeated voids.
 */
export class TillDoc {
  constructor(readonly doc: Y.Doc) {}

  map(name: TillMap): Y.Map<unknown> {
    return this.doc.getMap(name);
  }

  has(name: TillMap, id: string): boolean {
    return this.map(name).has(id);
  }

  appendShiftEvent(event: ShiftEvent, origin: unknown = null): void {
    this.appendTo('shifts', event.id, parseShiftEvent(event), origin);
  }

  appendVoid(record: VoidRecord, origin: unknown = null): void {
    this.appendTo('voids', record.id, parseVoidRecord(record), origin);
  }

  shiftEvents(): Decoded<ShiftEvent> {
    return decodeMap(this.map('shifts'), json(parseShiftEvent), (e) => e.id);
  }

  voids(): Decoded<VoidRecord> {
    return decodeMap(this.map('voids'), json(parseVoidRecord), (v) => v.id);
  }

  private appendTo(name: TillMap, key: string, value: object, origin: unknown): void {
    const map = this.map(name);
    if (map.has(key)) throw new AppendOnlyError(`${name} already holds ${key}: records are never overwritten`);
    this.doc.transact(() => map.set(key, encodeValue(value)), origin);
  }
}
