import * as Y from 'yjs';
import { ValidationError } from '../core/base/errors.ts';
import {
  creatorKey,
  parseBrand,
  parseCreator,
  parseEventConfig,
  parseLocation,
  parseThreshold,
  refuseSecretIn,
  type Brand,
  type Creator,
  type EventConfig,
  type Location,
  type StockThreshold,
} from '../core/event/event.ts';
import { asObject } from '../core/base/validate.ts';
import { couponKey, couponUses, parseCoupon, type Coupon } from '../core/selling/discounts.ts';
import { brandDocName, BrandDoc, SetupDoc, setupDocName } from '../core/event/schema.ts';
import type { DocHub } from './doc-hub.ts';
import type { EventService } from './event-service.ts';
import { ConflictError, MissingError } from './server-errors.ts';
import { ConditionFailedError, type StoredDoc, type Stores } from './storage/store.ts';

/**
 * Editing an event's set-up after it was created: its settings, brands, locations, creators and
 * per-location stock thresholds. Every change is validated in full (errors name the field) and written to
 * the setup document by the server, so tills and consoles receive it through sync. Creation of events stays
 * the admin's (EventService.createEvent).
 */
export interface EventSummary {
  id: string;
  name: string;
  currency: string;
  timeZone: string;
  startsAt: number;
  endsAt: number;
}

/** Fields of the event's settings that may change once it exists; the id and currency never do. */
const EDITABLE = ['name', 'timeZone', 'locale', 'taxMode', 'rounding', 'drop', 'policies', 'dropUrl', 'buyerLimits'] as const;

/** Which event holds a creator code: `/r/<code>` names no event, so codes are unique on the server. */
const CODE_INDEX = 'creator-codes';

export class SetupService {
  constructor(
    private readonly hub: DocHub,
    private readonly events: EventService,
    private readonly stores: Stores,
  ) {}

  /** Every event on this server (its setup document names it), by start time. */
  async listEvents(): Promise<EventSummary[]> {
    const out: EventSummary[] = [];
    for (const id of await this.stores.eventIds()) {
      // An event with records but no setup document (a token issued for an id never created) is no event.
      if (!(await this.stores.event(id).docNames()).includes(setupDocName(id))) continue;
      // In a cluster the list reads what is committed, so it neither fails (503) on an event another
      // process serves nor takes the lease of every idle event it names.
      const config = this.stores.committedDoc ? new SetupDoc(docOf(await this.stores.committedDoc(id, setupDocName(id)))).config() : (await this.events.setup(id)).config;
      if (config) out.push({ id, name: config.name, currency: config.currency, timeZone: config.timeZone, startsAt: config.drop.startsAt, endsAt: config.drop.endsAt });
    }
    return out.sort((a, b) => a.startsAt - b.startsAt || a.id.localeCompare(b.id));
  }

  /**
   * Changes the event's settings: the fields given replace the current ones (`policies` and `drop` as a
   * whole object each, `dropUrl: null` removes it). The id and currency are fixed: every amount already
   * recorded is in that currency.
   */
  async updateConfig(eventId: string, patch: unknown): Promise<EventConfig> {
    const body = asObject(patch, 'body');
    for (const k of Object.keys(body)) {
      if (k === 'id' || k === 'currency') {
        if (body[k] === undefined) continue;
        const current = await this.events.requireEvent(eventId);
        if (body[k] !== current[k]) throw new ValidationError(k, `cannot change once the event exists (it is "${current[k]}")`);
      } else if (!(EDITABLE as readonly string[]).includes(k)) throw new ValidationError(k, `is not a setting of an event (editable: ${EDITABLE.join(', ')})`);
    }
    if (typeof body['dropUrl'] === 'string') refuseSecretIn(body['dropUrl']);
    return this.events.serial(eventId, async () => {
      const current = await this.events.requireEvent(eventId);
      const next: Record<string, unknown> = { ...current };
      for (const k of EDITABLE) if (k in body) next[k] = body[k];
      if (next['dropUrl'] === null) delete next['dropUrl'];
      // Policies given in part keep the fields not given (a console form may send only what it shows).
      if (body['policies'] !== undefined) next['policies'] = { ...current.policies, ...asObject(body['policies'], 'policies') };
      const config = parseEventConfig(next);
      await this.hub.change(setupDocName(eventId), (doc) => new SetupDoc(doc).write({ config }));
      return config;
    });
  }

  /** Adds a brand or changes one (name, commission, booth fee); the id is the path's. */
  async putBrand(eventId: string, brandId: string, raw: unknown): Promise<Brand> {
    await this.events.requireEvent(eventId);
    const brand = parseBrand({ ...asObject(raw, 'body'), id: brandId });
    await this.hub.change(setupDocName(eventId), (doc) => new SetupDoc(doc).write({ brands: [brand] }));
    return brand;
  }

  /** Adds a location or changes one (kind, name, address, coordinates); the id is the path's. */
  async putLocation(eventId: string, locationId: string, raw: unknown): Promise<Location> {
    await this.events.requireEvent(eventId);
    const location = parseLocation({ ...asObject(raw, 'body'), id: locationId });
    await this.hub.change(setupDocName(eventId), (doc) => new SetupDoc(doc).write({ locations: [location] }));
    return location;
  }

  /**
   * Adds a coupon or changes one; the code is the path's. Checked against the server's own records: its
   * brand is a brand of the event, its products are in that brand's catalog, its creator code is a creator
   * of the event, and an existing coupon keeps its brand (its uses are counted in that brand's document).
   * There is no delete: a coupon ends at its validUntil, so offline sales made with it stay valid.
   */
  async putCoupon(eventId: string, code: string, raw: unknown): Promise<Coupon> {
    await this.events.requireEvent(eventId);
    const coupon = parseCoupon({ ...asObject(raw, 'body'), code });
    return this.events.serial(eventId, async () => {
      const { brands, creators, existing } = await this.hub.read(setupDocName(eventId), (doc) => {
        const s = new SetupDoc(doc);
        return { brands: s.brands().items, creators: s.creators().items, existing: s.coupon(code) };
      });
      if (!brands.some((b) => b.id === coupon.brandId)) throw new ValidationError('brandId', `${coupon.brandId} is not a brand of ${eventId}`);
      if (existing && existing.brandId !== coupon.brandId) throw new ConflictError(`coupon ${existing.code} belongs to ${existing.brandId}; its brand cannot change (make a new coupon)`);
      if (coupon.creatorCode !== undefined && !creators.some((c) => creatorKey(c.code) === creatorKey(coupon.creatorCode!))) {
        throw new ValidationError('creatorCode', `"${coupon.creatorCode}" is not a creator of ${eventId}`);
      }
      if (coupon.skus) {
        const missing = await this.hub.read(brandDocName(eventId, coupon.brandId), (doc) => coupon.skus!.filter((sku) => !new BrandDoc(doc).productBySku(sku)));
        if (missing.length) throw new ValidationError('skus', `not in ${coupon.brandId}'s catalog: ${missing.join(', ')}`);
      }
      await this.hub.change(setupDocName(eventId), (doc) => new SetupDoc(doc).write({ coupons: [coupon] }));
      return coupon;
    });
  }

  /** The event's coupons with the uses recorded so far (sales of the coupon's brand carrying its code). */
  async listCoupons(eventId: string): Promise<(Coupon & { uses: number })[]> {
    await this.events.requireEvent(eventId);
    const coupons = await this.hub.read(setupDocName(eventId), (doc) => new SetupDoc(doc).coupons().items);
    const out: (Coupon & { uses: number })[] = [];
    for (const c of coupons) {
      const uses = await this.hub.read(brandDocName(eventId, c.brandId), (doc) => couponUses(new BrandDoc(doc).sales().items, c.code).length);
      out.push({ ...c, uses });
    }
    return out.sort((a, b) => couponKey(a.code).localeCompare(couponKey(b.code)));
  }

  /**
   * Adds a creator or changes one. The code is the path's, in the case given (that is how receipts and
   * the console show it); it must not be taken by another event on this server, in any case.
   */
  async putCreator(eventId: string, code: string, raw: unknown): Promise<Creator> {
    await this.events.requireEvent(eventId);
    const creator = parseCreator({ ...asObject(raw, 'body'), code });
    const key = creatorKey(code);
    return this.events.serial(eventId, async () => {
      const owner = await this.stores.server().get<{ eventId: string }>(CODE_INDEX, key);
      if (owner && owner.eventId !== eventId) throw new ConflictError(`the creator code "${code}" is used by another event on this server`, { field: 'code' });
      // Conditional on what was read: two events claiming the same code at once (each in its own serial
      // section) cannot both take it.
      await this.stores
        .server()
        .commit({ put: [{ ns: CODE_INDEX, key, value: { eventId } }], expect: [{ ns: CODE_INDEX, key, equals: owner }] })
        .catch((err: unknown) => {
          if (err instanceof ConditionFailedError) throw new ConflictError(`the creator code "${code}" is used by another event on this server`, { field: 'code' });
          throw err;
        });
      await this.hub.change(setupDocName(eventId), (doc) => new SetupDoc(doc).write({ creators: [creator] }));
      return creator;
    });
  }

  /** Removes a creator: their link stops working; sales that name their code keep it. */
  async removeCreator(eventId: string, code: string): Promise<void> {
    await this.events.requireEvent(eventId);
    const key = creatorKey(code);
    await this.events.serial(eventId, async () => {
      const removed = await this.hub.change(setupDocName(eventId), (doc) => {
        const map = doc.getMap('creators');
        if (!map.has(key)) return false;
        map.delete(key);
        return true;
      });
      if (!removed) throw new MissingError(`${eventId} has no creator "${code}"`);
      const owner = await this.stores.server().get<{ eventId: string }>(CODE_INDEX, key);
      if (owner?.eventId === eventId) await this.stores.server().del(CODE_INDEX, key);
    });
  }

  /**
   * Removes a staff member: their PIN stops working on every till as soon as the till syncs. Sales and
   * refunds that name them keep the name (they are history). A manager still named by an unsettled override
   * keeps that record; the alert names them as they were.
   */
  async removeStaff(eventId: string, staffId: string): Promise<void> {
    await this.events.requireEvent(eventId);
    const removed = await this.events.serial(eventId, () =>
      this.hub.change(setupDocName(eventId), (doc) => {
        const map = doc.getMap('staff');
        if (!map.has(staffId)) return false;
        map.delete(staffId);
        return true;
      }),
    );
    if (!removed) throw new MissingError(`${eventId} has no staff member "${staffId}"`);
  }

  /** The event whose creator holds this code (any case), if any. */
  async eventOfCode(code: string): Promise<string | undefined> {
    return (await this.stores.server().get<{ eventId: string }>(CODE_INDEX, creatorKey(code)))?.eventId;
  }

  /**
   * Sets per-location thresholds for SKUs (each overrides the product's own low-stock threshold and safety
   * stock at that location). All are checked first: an unknown location or SKU refuses the whole list.
   */
  async putThresholds(eventId: string, raw: unknown): Promise<StockThreshold[]> {
    await this.events.requireEvent(eventId);
    if (!Array.isArray(raw) || raw.length === 0) throw new ValidationError('thresholds', 'send {"thresholds": [{"locationId", "sku", "lowStockThreshold", "safetyStock"}]}');
    if (raw.length > 5000) throw new ValidationError('thresholds', 'at most 5000 at once');
    const { locations, brands } = await this.events.setup(eventId);
    const skus = new Set<string>();
    for (const b of brands) for (const p of await this.hub.read(brandDocName(eventId, b.id), (doc) => new BrandDoc(doc).products().items)) skus.add(p.sku);
    const thresholds = raw.map((t: unknown, i) => {
      let parsed: StockThreshold;
      try {
        parsed = parseThreshold(t);
      } catch (err) {
        if (err instanceof ValidationError) throw new ValidationError(`thresholds[${i}].${err.field}`, err.message.slice(err.field.length + 2));
        throw err;
      }
      if (!locations.some((l) => l.id === parsed.locationId)) throw new ValidationError(`thresholds[${i}].locationId`, `"${parsed.locationId}" is not a location of ${eventId}`);
      if (!skus.has(parsed.sku)) throw new ValidationError(`thresholds[${i}].sku`, `"${parsed.sku}" is not in the event's catalog`);
      return parsed;
    });
    await this.hub.change(setupDocName(eventId), (doc) => new SetupDoc(doc).write({ thresholds }));
    return thresholds;
  }

  /** Removes a location's override for a SKU; the product's own thresholds apply there again. */
  async removeThreshold(eventId: string, locationId: string, sku: string): Promise<void> {
    await this.events.requireEvent(eventId);
    const removed = await this.hub.change(setupDocName(eventId), (doc) => new SetupDoc(doc).removeThreshold(locationId, sku));
    if (!removed) throw new MissingError(`${locationId} has no threshold override for ${sku}`);
  }
}

/** A stored document as a Y.Doc: the snapshot (v2), then the updates after it (v1). */
function docOf(stored: StoredDoc): Y.Doc {
  const doc = new Y.Doc();
  if (stored.snapshot) Y.applyUpdateV2(doc, stored.snapshot);
  for (const u of stored.updates) Y.applyUpdate(doc, u);
  return doc;
}
