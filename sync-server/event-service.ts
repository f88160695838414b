import { importCatalogCsv, type CsvRowError } from '../core/catalog/catalog-csv.ts';
import type { Product } from '../core/catalog/catalog.ts';
import { ValidationError } from '../core/base/errors.ts';
import { ledgerLimits, parseBrand, parseEventConfig, parseLocation, refuseSecretIn, type Brand, type Creator, type EventConfig, type Location, type StockThreshold, type Till } from '../core/event/event.ts';
import type { HybridClock } from '../core/base/hlc.ts';
import { holderKind, RESERVE, SERVER_WRITER, type HolderId } from '../core/ledger/holders.ts';
import { requestStatuses } from '../core/ledger/rights-request.ts';
import { isDeviceId } from '../core/base/ids.ts';
import type { LedgerEntry } from '../core/ledger/ledger.ts';
import { checkStockMoves, type PlacedMove } from '../core/ledger/stock-moves.ts';
import { FULFILMENT_KINDS } from '../core/ledger/routing.ts';
import { webCryptoPinHasher, webCryptoRandom, type Clock } from '../core/base/platform.ts';
import { newStaffMember, PIN_ITERATIONS, type StaffMember, type StaffRole } from '../core/event/staff.ts';
import { LedgerWriter, type LedgerBatch } from '../core/ledger/rights.ts';
import { BrandDoc, brandDocName, SetupDoc, setupDocName } from '../core/event/schema.ts';
import type { StockView } from '../core/ledger/stock-view.ts';
import type { Auth } from './auth.ts';
import { DeviceRegistry, ReservedDeviceIdError } from './device-registry.ts';
import type { DocHub } from './doc-hub.ts';
import { EventCatalog } from './event-catalog.ts';
import { EventSerial } from './event-serial.ts';
import { ConflictError, EventNotFound, MissingError } from './server-errors.ts';
import type { Stores } from './storage/store.ts';
import { GroupCommitter } from './storage/group-commit.ts';
import type { EventSlot } from './event-host.ts';
import type { EventHosts } from './event-hosts.ts';
import { CLOCK_RECORD, eventClock } from './event-clock.ts';

/**
 * What the server does to an event on an organiser's or a till's behalf. The server is the single writer of
 * the reserve, the hubs and the online channel, so every stock movement from those holders is written here,
 * through the same LedgerWriter rules a till uses, and persisted before the caller hears it is done.
 */
export interface StockLine {
  brandId: string;
  sku: string;
  qty: number;
}

export interface PairedTill {
  token: string;
  eventId: string;
  tillId: string;
  name: string;
  locationId: string;
  brandIds: string[];
  receiptPrefix: string;
  deviceId: string;
}

/** An event's set-up as the setup document holds it. */
export interface EventSetup {
  config: EventConfig | undefined;
  brands: Brand[];
  locations: Location[];
  tills: Till[];
  creators: Creator[];
  thresholds: StockThreshold[];
}

/** A till created by the organiser that no device has paired as yet (kept on the server, not synced). */
export interface PlannedTill {
  id: string;
  name: string;
  locationId: string;
  brandIds: string[];
  receiptPrefix: string;
  createdAt: number;
}

const TILL_PLANS = 'till-plans';
/** A re-pair code hands over a live till's stock rights, so it works for an hour, not a day. */
export const REPAIR_TTL_MS = 3_600_000;

/**
 * A LAN hub relaying to an upstream server (`relay`): the upstream is the event's authority, so this server
 * writes nothing as the server's writer (no stock moves, catalog, staff or event changes: two servers
 * spending the reserve would break the one-writer-per-holder rule) and names the tills it pairs with its own
 * tag, so they never clash with the upstream's (`till-<n>`, receipts `T<n>`).
 */
export interface RelayMode {
  /** Four characters, [0-9A-Z], starting with H: till ids `<tag>-till-<n>` (lower case), receipts `<TAG><n>`. */
  tag: string;
  /**
   * The event relayed: its documents may be opened by the admin (the bridge) before they exist here, since
   * the bridge fills them from the upstream (doc-hub.ts `join`). Others must exist, as on any server.
   */
  eventId?: string;
}

export class EventService {
  /** One store commit per group of the event's server writes (orders, and the clock's record with them). */
  readonly groups: GroupCommitter;
  /** Each event's server clock (event-clock.ts), kept in its host: read again after the event comes back. */
  private readonly clocks: EventSlot<{ ready: Promise<HybridClock>; clock?: HybridClock }>;
  /** The server-wide clock record of a store written before per-event clocks: read once, a floor for all. */
  private legacyFloor: Promise<unknown> | undefined;
  private readonly devices: DeviceRegistry;
  private readonly serialSection = new EventSerial();
  private readonly catalog: EventCatalog;

  constructor(
    private readonly hub: DocHub,
    private readonly auth: Auth,
    private readonly stores: Stores,
    hosts: EventHosts,
    private readonly wall: Clock = { now: () => Date.now() },
    private readonly relay?: RelayMode,
  ) {
    this.groups = new GroupCommitter((eventId) => stores.event(eventId));
    // Commits of an event still in flight when it is forgotten are finished first (they hold its clock).
    hosts.onDispose((eventId) => this.groups.settled(eventId));
    // An event with server work under way is not idle, whatever its documents do.
    hosts.keepWhile((eventId) => this.serialSection.busy(eventId) || this.groups.pending(eventId));
    this.clocks = hosts.slot('server-clock');
    this.devices = new DeviceRegistry(stores);
    this.catalog = new EventCatalog({ hub, setup: (e) => this.setup(e), requireEvent: (e) => this.requireEvent(e), authority: (what) => this.authority(what) });
    if (relay && !/^H[0-9A-Z]{3}$/.test(relay.tag)) throw new ValidationError('relay.tag', 'is H and three letters or digits');
  }

  /** Refuses what only the event's authority may do, on a hub that relays to one. */
  private authority(what: string): void {
    if (this.relay) throw new ConflictError(`This hub relays to the event's server: ${what} there`);
  }

  async setup(eventId: string): Promise<EventSetup> {
    return this.hub.read(setupDocName(eventId), (doc) => {
      const s = new SetupDoc(doc);
      return {
        config: s.config(),
        brands: s.brands().items,
        locations: s.locations().items,
        tills: s.tills().items,
        creators: s.creators().items,
        thresholds: s.thresholds().items,
      };
    });
  }

  /** Tills created for the event that no device has paired as yet (oldest first). */
  async plannedTills(eventId: string): Promise<PlannedTill[]> {
    const { tills } = await this.setup(eventId);
    const paired = new Set(tills.map((t) => t.id));
    const rows = await this.stores.event(eventId).list<PlannedTill>(TILL_PLANS);
    return rows
      .filter(([, p]) => !paired.has(p.id))
      .map(([, p]) => p)
      .sort((a, b) => a.createdAt - b.createdAt);
  }

  async requireEvent(eventId: string): Promise<EventConfig> {
    const { config } = await this.setup(eventId);
    if (!config) throw new EventNotFound(eventId);
    return config;
  }

  async createEvent(input: { config: unknown; brands?: unknown[]; locations?: unknown[] }): Promise<EventConfig> {
    this.authority('create events');
    const config = parseEventConfig(input.config);
    if (config.dropUrl !== undefined) refuseSecretIn(config.dropUrl);
    const brands = (input.brands ?? []).map(parseBrand);
    const locations = (input.locations ?? []).map(parseLocation);
    const existing = await this.setup(config.id);
    if (existing.config) throw new ConflictError(`event "${config.id}" already exists`);
    await this.hub.change(setupDocName(config.id), (doc) => new SetupDoc(doc).write({ config, brands, locations }));
    return config;
  }

  // The catalog (event-catalog.ts); these stay so that callers need not know where it lives.
  checkProduct(raw: unknown): Product {
    return this.catalog.check(raw);
  }

  putProducts(eventId: string, products: readonly Product[]): Promise<number> {
    return this.catalog.put(eventId, products);
  }

  /** CSV import: all rows are checked first; on any error nothing is imported and every error is returned. */
  async importCsv(eventId: string, csv: string): Promise<{ ok: true; imported: number; received: number } | { ok: false; errors: CsvRowError[] }> {
    const config = await this.requireEvent(eventId);
    const { brands } = await this.setup(eventId);
    const result = importCatalogCsv(csv, { currency: config.currency, existing: await this.products(eventId), allowedBrands: brands.map((b) => b.id) });
    if (!result.ok) return result;
    // receive_qty: the opening stock, received into the reserve right after its products exist. The rows were
    // checked above (whole numbers, known SKUs), and a receipt into the reserve of a catalogued SKU cannot fail.
    if (result.receive.length) this.authority('stock moves are made');
    const imported = await this.putProducts(eventId, result.products);
    if (result.receive.length) {
      const moved = await this.moveStock(eventId, result.receive.map((r, i) => ({ ...r, to: RESERVE, line: i + 1 })), 'catalog import');
      if (!moved.ok) throw new Error(`the catalog was imported but its receive_qty was refused: ${moved.errors.map((e) => e.message).join('; ')}`);
    }
    return { ok: true, imported, received: result.receive.reduce((a, r) => a + r.qty, 0) };
  }

  products(eventId: string): Promise<Product[]> {
    return this.catalog.list(eventId);
  }

  /** Stock arriving at a server-held holder (the reserve or a hub). */
  async receive(eventId: string, holder: HolderId, lines: readonly StockLine[], ref?: string): Promise<LedgerEntry[]> {
    if (!['reserve', 'hub'].includes(holderKind(holder))) throw new ValidationError('holder', 'stock is received into the reserve or a hub');
    return this.write(eventId, lines, (batch, line) => batch.receive(holder, line.sku, line.qty, ref));
  }

  /** Moves rights from a server-held holder to any other (a booth's till, a hub, the online channel). */
  async transfer(eventId: string, from: HolderId, to: HolderId, lines: readonly StockLine[], requestId?: string): Promise<LedgerEntry[]> {
    if (holderKind(from) === 'till') throw new ValidationError('from', 'a till gives stock away itself; the server moves only what it holds');
    return this.write(eventId, lines, (batch, line) => batch.transfer(from, to, line.sku, line.qty, requestId));
  }

  /**
   * Bulk stock moves (core/ledger/stock-moves.ts): deliveries and transfers from a CSV or a multi-line form,
   * checked as a whole against the event as it is now (brands, catalog, holders that exist, a till sent only
   * brands it sells, no holder below zero counting the rows above) and written all or none. Runs in the
   * event's queue, so no other server write spends the same rights between the check and the write.
   */
  async moveStock(eventId: string, moves: readonly PlacedMove[], ref?: string, unread: readonly CsvRowError[] = []): Promise<{ ok: true; entries: LedgerEntry[] } | { ok: false; errors: CsvRowError[] }> {
    this.authority('stock moves are made');
    await this.requireEvent(eventId);
    return this.serial(eventId, async () => {
      const { brands, locations, tills } = await this.setup(eventId);
      const planned = await this.plannedTills(eventId);
      const brandIds = new Set(brands.map((b) => b.id));
      const catalog = new Map<string, Set<string>>();
      const views = new Map<string, StockView | undefined>();
      for (const b of new Set(moves.map((m) => m.brandId))) {
        if (!brandIds.has(b)) continue;
        // Copies taken now: nothing else writes for the server's holders while this runs (the event's queue).
        const [skus, rights] = await this.hub.read(brandDocName(eventId, b), (doc, view) => [new Set(new BrandDoc(doc).products().items.map((p) => p.sku)), view] as const);
        catalog.set(b, skus);
        views.set(b, rights);
      }
      const errors = checkStockMoves(moves, {
        brands: brandIds,
        hasSku: (b, sku) => catalog.get(b)?.has(sku) ?? false,
        hubs: new Set(locations.filter((l) => FULFILMENT_KINDS.includes(l.kind)).map((l) => l.id)),
        // Planned tills count: the organiser stocks a booth's till before a device pairs as it.
        tills: new Map([...planned, ...tills].map((t) => [t.id, t.brandIds] as const)),
        rights: (b, h, sku) => views.get(b)?.rights(h, sku) ?? 0,
      });
      // Rows that could not even be read refuse the file too, listed with the others in line order.
      if (errors.length || unread.length) return { ok: false as const, errors: [...unread, ...errors].sort((a, b) => a.line - b.line) };
      const entries = await this.writeNow(eventId, moves, (batch, m) => (m.from === undefined ? batch.receive(m.to, m.sku, m.qty, ref) : batch.transfer(m.from, m.to, m.sku, m.qty, ref)));
      return { ok: true as const, entries };
    });
  }

  /**
   * Writes entries for the server's holders, brand by brand: the batch is checked in full (rights, ownership)
   * before anything is appended, so a refused line leaves every document as it was.
   */
  async write(eventId: string, lines: readonly StockLine[], add: (batch: LedgerBatch, line: StockLine) => void): Promise<LedgerEntry[]> {
    return this.serial(eventId, () => this.writeNow(eventId, lines, add));
  }

  /** Runs server writes of one event one at a time (event-serial.ts). */
  serial<T>(eventId: string, fn: () => Promise<T>): Promise<T> {
    return this.serialSection.run(eventId, fn);
  }

  private async writeNow<L extends StockLine>(eventId: string, lines: readonly L[], add: (batch: LedgerBatch, line: L) => void): Promise<LedgerEntry[]> {
    await this.requireEvent(eventId);
    const clock = await this.serverClock(eventId);
    const byBrand = new Map<string, L[]>();
    for (const l of lines) {
      if (!Number.isSafeInteger(l.qty) || l.qty < 1) throw new ValidationError('qty', `${l.sku}: must be a positive whole number`);
      byBrand.set(l.brandId, [...(byBrand.get(l.brandId) ?? []), l]);
    }
    // Check every brand's batch before writing any, so a multi-brand move is all or nothing.
    const planned: { brandId: string; entries: LedgerEntry[] }[] = [];
    for (const [brandId, brandLines] of byBrand) {
      const entries = await this.hub.read(brandDocName(eventId, brandId), (doc, view) => {
        const batch = this.writer(clock, view!, eventId).batch();
        const products = doc.getMap('products');
        for (const l of brandLines) {
          if (!products.has(l.sku)) throw new ValidationError('sku', `${l.sku} is not in ${brandId}'s catalog`);
          add(batch, l);
        }
        return batch.entries;
      });
      planned.push({ brandId, entries });
    }
    const written: LedgerEntry[] = [];
    for (const { brandId, entries } of planned) {
      await this.hub.change(brandDocName(eventId, brandId), (doc) => new BrandDoc(doc).appendEntries(entries));
      written.push(...entries);
    }
    await this.saveServerClock(eventId);
    return written;
  }

  /** Adds or replaces staff members (PINs are hashed here; only the hash is stored, in the setup document). */
  async putStaff(eventId: string, members: readonly { id: string; name: string; role: StaffRole; pin: string }[], iterations = PIN_ITERATIONS): Promise<StaffMember[]> {
    this.authority('change the staff');
    await this.requireEvent(eventId);
    const hashed = await Promise.all(members.map((m) => newStaffMember(m, webCryptoPinHasher, webCryptoRandom, iterations)));
    await this.hub.change(setupDocName(eventId), (doc) => new SetupDoc(doc).write({ staff: hashed }));
    return hashed;
  }

  /**
   * Answers a till's request for more rights from the reserve: as much as the reserve holds, up to what was
   * asked and up to the event's automatic-grant cap (`policies.maxAutoGrantUnits`, default 50), as one
   * transfer naming the request. A request for more than the cap stays partial: the rest is the organiser's
   * to give (it shows in the console's rebalancing list), so one till cannot empty the reserve by asking.
   * A request already answered (in full or in part) is left alone, so seeing it again after a restart grants
   * nothing twice.
   */
  async grantRightsRequest(eventId: string, brandId: string, requestId: string): Promise<number> {
    return this.serial(eventId, async () => {
      const doc = brandDocName(eventId, brandId);
      const { maxAutoGrantUnits } = ledgerLimits(await this.requireEvent(eventId));
      const plan = await this.hub.read(doc, (d, view) => {
        const brand = new BrandDoc(d);
        const request = brand.requests().items.find((r) => r.id === requestId);
        if (!request || !view) return undefined;
        const [status] = requestStatuses([request], brand.ledger().items);
        if (!status || status.state !== 'open') return undefined;
        const qty = Math.min(request.qty, view.rights(RESERVE, request.sku), maxAutoGrantUnits);
        return qty > 0 ? { request, qty } : undefined;
      });
      if (!plan) return 0;
      await this.writeNow(eventId, [{ brandId, sku: plan.request.sku, qty: plan.qty }], (batch, line) => batch.transfer(RESERVE, plan.request.holder, line.sku, line.qty, requestId));
      return plan.qty;
    });
  }

  /** A pairing code for a new till; the till id and its receipt prefix are fixed now, unique in the event. */
  async createPairingCode(eventId: string, input: { name: string; locationId: string; brandIds: string[] }): Promise<{ code: string; expiresAt: number; tillId: string; receiptPrefix: string; repair: boolean }> {
    const till = await this.createTill(eventId, input);
    const { code, expiresAt } = await this.pairingCodeFor(eventId, till.id);
    return { code, expiresAt, tillId: till.id, receiptPrefix: till.receiptPrefix, repair: false };
  }

  /**
   * Creates a till record before any device pairs as it: its id (`till-<n>`), name, location, brands and
   * receipt prefix (given, or `T<n>`), unique in the event. It joins the setup document's `tills` when a
   * device redeems a pairing code for it (the record there names that device).
   */
  async createTill(eventId: string, input: { name: string; locationId: string; brandIds: string[]; receiptPrefix?: string }): Promise<PlannedTill> {
    await this.requireEvent(eventId);
    const { locations, brands } = await this.setup(eventId);
    if (typeof input.name !== 'string' || !input.name.trim()) throw new ValidationError('name', 'a till needs a name');
    if (input.name.trim().length > 80) throw new ValidationError('name', 'must be at most 80 characters');
    if (!locations.some((l) => l.id === input.locationId)) throw new ValidationError('locationId', `"${input.locationId}" is not a location of ${eventId}`);
    if (input.brandIds.length === 0) throw new ValidationError('brandIds', 'a till sells at least one brand');
    for (const b of input.brandIds) if (!brands.some((x) => x.id === b)) throw new ValidationError('brandIds', `"${b}" is not a brand of ${eventId}`);
    if (input.receiptPrefix !== undefined && !/^[0-9A-Z]{1,12}$/.test(input.receiptPrefix)) throw new ValidationError('receiptPrefix', 'must be 1–12 capital letters or digits');
    // One at a time: two tills made at once must not read the same counter and take the same id or prefix.
    return this.serial(eventId, async () => {
      const { tills } = await this.setup(eventId);
      const planned = await this.plannedTills(eventId);
      const ids = new Set([...tills, ...planned].map((t) => t.id));
      const prefixes = new Map([...tills, ...planned].map((t) => [t.receiptPrefix, t.id]));
      if (input.receiptPrefix !== undefined && prefixes.has(input.receiptPrefix)) {
        throw new ValidationError('receiptPrefix', `"${input.receiptPrefix}" is already used by ${prefixes.get(input.receiptPrefix)}`);
      }
      // A relaying hub names its tills with its own tag so they never clash with the upstream's.
      const idOf = (n: number) => (this.relay ? `${this.relay.tag.toLowerCase()}-till-${n}` : `till-${n}`);
      const prefixOf = (n: number) => (this.relay ? `${this.relay.tag}${n}` : `T${n}`);
      let seq = (await this.stores.event(eventId).get<number>('till-seq', '')) ?? 0;
      do seq++;
      while (ids.has(idOf(seq)) || (input.receiptPrefix === undefined && prefixes.has(prefixOf(seq))));
      await this.stores.event(eventId).put('till-seq', '', seq);
      const till: PlannedTill = { id: idOf(seq), name: input.name.trim(), locationId: input.locationId, brandIds: [...input.brandIds], receiptPrefix: input.receiptPrefix ?? prefixOf(seq), createdAt: this.wall.now() };
      await this.stores.event(eventId).put(TILL_PLANS, till.id, till);
      return till;
    });
  }

  /**
   * A fresh single-use pairing code for a till created but not yet paired; or, with `repair`, a re-pair code
   * for a paired till: the device that redeems it becomes the till (a new receipt prefix, since its receipt
   * counter starts again) and the device paired now is retired, its tokens revoked. Re-pair codes work for
   * an hour only: one hands over a live till's stock rights.
   */
  async pairingCodeFor(eventId: string, tillId: string, opts: { repair?: boolean } = {}): Promise<{ code: string; expiresAt: number; tillId: string; receiptPrefix: string; repair: boolean }> {
    const { tills } = await this.setup(eventId);
    const paired = tills.find((t) => t.id === tillId);
    if (paired) {
      if (!opts.repair) throw new ConflictError(`${tillId} is paired already: ask for a re-pair code ({"repair": true}) to move it to another device`);
      const receiptPrefix = await this.repairPrefix(eventId, paired);
      const { code, expiresAt } = await this.auth.createPairingCode(
        { eventId, tillId, name: paired.name, locationId: paired.locationId, brandIds: paired.brandIds, receiptPrefix, replacesDeviceId: paired.deviceId },
        REPAIR_TTL_MS,
      );
      return { code, expiresAt, tillId, receiptPrefix, repair: true };
    }
    const till = await this.stores.event(eventId).get<PlannedTill>(TILL_PLANS, tillId);
    if (!till) throw new MissingError(`there is no till "${tillId}" in ${eventId}`);
    const { code, expiresAt } = await this.auth.createPairingCode({ eventId, tillId, name: till.name, locationId: till.locationId, brandIds: till.brandIds, receiptPrefix: till.receiptPrefix });
    return { code, expiresAt, tillId, receiptPrefix: till.receiptPrefix, repair: false };
  }

  /**
   * A till exchanges its pairing code: it joins the event's tills and gets its own token. The device id it
   * brings becomes its writer identity, so the server checks it first (device-registry.ts): never the
   * server's own, never one used in the event before. A refused pairing leaves the code unused and nothing
   * stored changed. Pairings of one event run one at a time, so two devices cannot both pass the check.
   */
  async pair(code: string, deviceId: string): Promise<PairedTill> {
    if (!isDeviceId(deviceId)) throw new ValidationError('deviceId', `"${deviceId}" is not a device id`);
    if (deviceId === SERVER_WRITER) throw new ReservedDeviceIdError(`${deviceId} is the server's own writer id: a till cannot pair as it`);
    const unknown = () => new MissingError('This pairing code is unknown, used or expired: ask the organiser for a new one');
    const first = await this.auth.peekPairingCode(code);
    if (!first) throw unknown();
    return this.serial(first.eventId, async () => {
      const { tills } = await this.setup(first.eventId);
      await this.devices.checkUnused(first.eventId, deviceId, tills);
      const current = tills.find((t) => t.id === first.tillId);
      if (first.replacesDeviceId === undefined && current) throw new ConflictError(`${first.tillId} is paired already: ask the organiser for a re-pair code`);
      if (first.replacesDeviceId !== undefined && current?.deviceId !== first.replacesDeviceId) {
        throw new ConflictError(`${first.tillId} was paired again since this re-pair code was made: ask the organiser for a new one`);
      }
      const grant = await this.auth.redeemPairingCode(code);
      if (!grant) throw unknown();
      const at = this.wall.now();
      const till: Till = { id: grant.tillId, name: grant.name, deviceId, locationId: grant.locationId, brandIds: grant.brandIds, receiptPrefix: grant.receiptPrefix };
      await this.devices.record(grant.eventId, deviceId, till.id, at);
      if (grant.replacesDeviceId !== undefined) await this.devices.retire(grant.eventId, grant.replacesDeviceId, till.id, at);
      // From this write on, the till's holder is the new device's: whatever the old one still sends is refused.
      await this.hub.change(setupDocName(grant.eventId), (doc) => new SetupDoc(doc).write({ tills: [till] }));
      if (grant.replacesDeviceId !== undefined) await this.auth.revokeTill(grant.eventId, till.id, `${till.id} was paired with another device`);
      const token = await this.auth.issue({ role: 'till', eventId: grant.eventId, brandIds: grant.brandIds, tillId: grant.tillId, locationId: grant.locationId, deviceId, label: grant.name, createdAt: at });
      return { token, eventId: grant.eventId, tillId: till.id, name: till.name, locationId: till.locationId, brandIds: till.brandIds, receiptPrefix: till.receiptPrefix, deviceId };
    });
  }

  /**
   * The receipt prefix a re-paired till takes: its base prefix with `R<n>` (T3 → T3R2 → T3R3), unique in the
   * event and at most 12 characters. The new device counts receipts from 1 again, so keeping the old prefix
   * would print receipt numbers the old device already printed.
   */
  private async repairPrefix(eventId: string, till: Till): Promise<string> {
    const { tills } = await this.setup(eventId);
    const taken = new Set([...tills, ...(await this.plannedTills(eventId))].map((t) => t.receiptPrefix));
    const base = till.receiptPrefix.replace(/R\d+$/, '');
    const from = Number(/R(\d+)$/.exec(till.receiptPrefix)?.[1] ?? '1') + 1;
    for (let n = from; ; n++) {
      const suffix = `R${n}`;
      const prefix = `${base.slice(0, 12 - suffix.length)}${suffix}`;
      if (!taken.has(prefix)) return prefix;
    }
  }

  /**
   * The event's server clock (event-clock.ts), continuing after the last timestamp stored for the event.
   * Public because every id the server makes for the event (entries, and the storefront's sales and orders)
   * must come from this one clock: two clocks for the same writer could issue the same timestamp.
   */
  serverClock(eventId: string): Promise<HybridClock> {
    // Every entry, sale and order the server writes takes its id from this clock: the one gate for them all.
    this.authority('stock moves, orders and grants are made');
    const held = this.clocks.ensure(eventId, () => {
      const entry: { ready: Promise<HybridClock>; clock?: HybridClock } = { ready: this.loadClock(eventId).then((c) => (entry.clock = c)) };
      entry.ready.catch(() => {
        if (this.clocks.get(eventId) === entry) this.clocks.delete(eventId);
      });
      return entry;
    });
    return held.ready;
  }

  private async loadClock(eventId: string): Promise<HybridClock> {
    // A group still being written may hold a later reading than the store has now.
    await this.groups.settled(eventId);
    if (!this.legacyFloor) {
      const read = this.stores.server().get<unknown>(CLOCK_RECORD.ns, CLOCK_RECORD.key);
      read.catch(() => {
        if (this.legacyFloor === read) this.legacyFloor = undefined;
      });
      this.legacyFloor = read;
    }
    const [own, floor] = await Promise.all([this.stores.event(eventId).get<unknown>(CLOCK_RECORD.ns, CLOCK_RECORD.key), this.legacyFloor]);
    return eventClock(this.wall, own, floor);
  }

  /**
   * The record of the event's clock as it is now, to go into a commit written with its timestamps (an
   * order's): none when the clock was not read (then nothing was issued from it).
   */
  clockRecord(eventId: string): { ns: string; key: string; value: string }[] {
    const clock = this.clocks.get(eventId)?.clock;
    return clock ? [{ ...CLOCK_RECORD, value: clock.lastIssued }] : [];
  }

  /**
   * Stores the event's clock reading (after writing with it), so a restart never repeats one: through the
   * event's group commits, in line with the orders' commits that carry it too, so the last write is the
   * latest reading.
   */
  async saveServerClock(eventId: string): Promise<void> {
    const put = this.clockRecord(eventId);
    if (put.length) await this.groups.add(eventId, { put });
  }

  private writer(clock: HybridClock, view: StockView, eventId: string): LedgerWriter {
    return new LedgerWriter(SERVER_WRITER, clock, view, this.hub.ownerOf(eventId));
  }
}
