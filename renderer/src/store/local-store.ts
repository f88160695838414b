import type { Table } from 'dexie';
import * as Y from 'yjs';
import type { Product } from '../../../core/catalog/catalog.ts';
import { buildCheckout, type CheckoutInput } from '../../../core/selling/checkout.ts';
import { couponUses, type Coupon, type CouponUse } from '../../../core/selling/discounts.ts';
import { managersOf } from '../../../core/ledger/entry-rules.ts';
import { ownerOfFor, thresholdMap, thresholdsAt, type Brand, type Creator, type EventConfig, type Location, type StockThreshold, type Till } from '../../../core/event/event.ts';
import type { HybridClock } from '../../../core/base/hlc.ts';
import { RESERVE, tillHolder, type HolderId, type OwnerOf } from '../../../core/ledger/holders.ts';
import { handBack, returnStatuses } from '../../../core/ledger/return-request.ts';
import { formatReceiptNumber, newId } from '../../../core/base/ids.ts';
import { auditLog, parseVoidRecord, type AuditItem, type DrawerRecord, type VoidRecord } from '../../../core/reports/audit.ts';
import { formatMoney } from '../../../core/base/money.ts';
import { parseRightsRequest, type RightsRequest } from '../../../core/ledger/rights-request.ts';
import type { LedgerEntry } from '../../../core/ledger/ledger.ts';
import { systemClock, webCryptoRandom, type Clock, type RandomSource } from '../../../core/base/platform.ts';
import { LedgerWriter } from '../../../core/ledger/rights.ts';
import type { Sale } from '../../../core/selling/sale.ts';
import type { Refund } from '../../../core/refunds/refund.ts';
import type { StaffMember } from '../../../core/event/staff.ts';
import { buildRefund, type RefundRequest } from '../../../core/refunds/refund-builder.ts';
import { claimFor, refundShortfall, releaseFor, saleRefundRights, type RefundRightsClaim, type RefundRightsLine } from '../../../core/refunds/refund-rights.ts';
import { parseShiftEvent, type ShiftEvent } from '../../../core/event/shift.ts';
import { BrandDoc, brandDocName, parseDocName, SetupDoc, setupDocName, TillDoc, tillDocName } from '../../../core/event/schema.ts';
import { StockView } from '../../../core/ledger/stock-view.ts';
import { PosDatabase, type StockRow, type TotalsRow, type UpdateRow } from './db.ts';
import { compactDoc, docNames, loadDoc, LOAD_ORIGIN } from './doc-persistence.ts';
import { loadClock, loadIdentity, type DeviceIdentity } from './identity.ts';
import { ViewWriter } from './view-writer.ts';

/**
 * The till's local store: the event's Yjs documents and their materialised views in IndexedDB. Every change
 * — a sale, a remote update — is applied to the documents and written, with its Yjs update and the views it
 * touches, in ONE IndexedDB transaction. Nothing is reported done before that transaction commits; if it
 * fails, the in-memory documents are thrown away and reloaded from disk, so memory never runs ahead of what
 * survives a crash.
 */
export interface LocalStoreOptions {
  /** One database per till profile. */
  dbName: string;
  clock?: Clock;
  random?: RandomSource;
  /** Device id from the platform (Electron keeps it in the user-data folder); made here if absent. */
  deviceId?: string;
  /** For Node tests: fake-indexeddb's factory and key range. */
  indexedDB?: IDBFactory;
  IDBKeyRange?: typeof IDBKeyRange;
}

/** What this till is within its event: given at pairing, or chosen when it runs stand-alone. */
export interface TillProfile {
  eventId: string;
  tillId: string;
  receiptPrefix: string;
  /** Sync server, token and the brands this till sells, once paired. */
  serverUrl?: string;
  token?: string;
  brandIds?: string[];
}

export const LOCAL_ORIGIN = 'local';
export const REMOTE_ORIGIN = 'remote';

interface BrandState {
  brand: BrandDoc;
  view: StockView;
  writer: LedgerWriter;
}

export class LocalStore {
  private brands = new Map<string, BrandState>();
  private setup: SetupDoc | undefined;
  /** This till's own document: its shift events and voids, synced for the organiser (core/event/schema.ts). */
  private till: TillDoc | undefined;
  /** The setup's threshold overrides and this till's location, read once per change (alerts ask per product). */
  private thresholdCache: { overrides: Map<string, StockThreshold>; locationId: string | undefined } | undefined;
  private products = new Map<string, Product>();
  private barcodes = new Map<string, string>();
  private views: ViewWriter;
  private queue: Promise<unknown> = Promise.resolve();
  private receiptSeq = 0;
  private listeners = new Set<(committed: readonly UpdateRow[]) => void>();
  private owners: OwnerOf | undefined;
  private configCache: { value: EventConfig | undefined } | undefined;

  private constructor(
    readonly db: PosDatabase,
    readonly identity: DeviceIdentity,
    readonly clock: HybridClock,
    private readonly wall: Clock,
    public profile: TillProfile | undefined,
  ) {
    this.views = new ViewWriter(db);
  }

  static async open(opts: LocalStoreOptions): Promise<LocalStore> {
    const dexieOpts = opts.indexedDB ? { indexedDB: opts.indexedDB, IDBKeyRange: opts.IDBKeyRange! } : undefined;
    const db = new PosDatabase(opts.dbName, dexieOpts);
    await db.open();
    const wall = opts.clock ?? systemClock;
    const identity = await loadIdentity(db, opts.random ?? webCryptoRandom, opts.deviceId);
    const clock = await loadClock(db, identity.deviceId, wall);
    const profile = (await db.meta.get('profile'))?.value as TillProfile | undefined;
    const store = new LocalStore(db, identity, clock, wall, profile);
    await store.loadAll();
    await store.backfillTillDoc();
    return store;
  }

  /** Asks the browser not to evict this origin's storage under pressure (a till's sales live here). */
  static async requestPersistence(): Promise<boolean> {
    const storage = (globalThis as { navigator?: { storage?: StorageManager } }).navigator?.storage;
    if (!storage?.persist) return false;
    return (await storage.persisted()) || storage.persist();
  }

  // ---- reading --------------------------------------------------------------------------------------

  get holder(): HolderId | undefined {
    return this.profile ? tillHolder(this.profile.tillId) : undefined;
  }

  /** The event's settings, parsed once per change of the setup document (not on every sale). */
  config(): EventConfig | undefined {
    if (!this.setup) return undefined;
    this.configCache ??= { value: this.setup.config() };
    return this.configCache.value;
  }

  brandList(): Brand[] {
    return this.setup?.brands().items ?? [];
  }

  tills(): Till[] {
    return this.setup?.tills().items ?? [];
  }

  /** The event's staff, for PIN sign-in on this till (offline too). */
  staff(): StaffMember[] {
    return this.setup?.staff().items ?? [];
  }

  /** Who is signed in on this till, kept so a reload or crash does not sign the cashier out. */
  async session(): Promise<string | undefined> {
    return (await this.db.meta.get('session'))?.value as string | undefined;
  }

  async setSession(staffId: string | undefined): Promise<void> {
    if (staffId) await this.db.meta.put({ key: 'session', value: staffId });
    else await this.db.meta.delete('session');
  }

  locations(): Location[] {
    return this.setup?.locations().items ?? [];
  }

  /** A coupon of the event by code, ignoring case (core/selling/discounts.ts). */
  coupon(code: string): Coupon | undefined {
    return this.setup?.coupon(code);
  }

  /** The uses of a coupon this till knows of: its brand document's sales that carry the code. */
  couponUses(brandId: string, code: string): CouponUse[] {
    return couponUses(this.brandState(brandId).brand.sales().items, code);
  }

  /** The event's creators, whose codes the cashier may enter as a sale's source. */
  creators(): Creator[] {
    return this.setup?.creators().items ?? [];
  }

  /**
   * A product's low-stock threshold and safety stock at this till's location: the organiser's per-location
   * override from the setup document when there is one, else the product's own.
   */
  thresholds(p: Product): { lowStockThreshold: number; safetyStock: number } {
    this.thresholdCache ??= {
      overrides: thresholdMap(this.setup?.thresholds().items ?? []),
      locationId: this.tills().find((t) => t.id === this.profile?.tillId)?.locationId,
    };
    return thresholdsAt(p, this.thresholdCache.locationId, this.thresholdCache.overrides);
  }

  product(brandId: string, sku: string): Product | undefined {
    return this.products.get(key(brandId, sku));
  }

  allProducts(): Product[] {
    return [...this.products.values()];
  }

  /** The product a scanner code names, or undefined: codes are unique per event. */
  byBarcode(code: string): Product | undefined {
    const k = this.barcodes.get(code.trim());
    return k ? this.products.get(k) : undefined;
  }

  /** This till's rights for a product: what it may sell without asking. */
  rights(brandId: string, sku: string): number {
    const h = this.holder;
    return h ? (this.brands.get(brandId)?.view.rights(h, sku) ?? 0) : 0;
  }

  /** Sellable units at this till's booth (all its tills). */
  boothStock(brandId: string, sku: string): number {
    const till = this.tills().find((t) => t.id === this.profile?.tillId);
    const view = this.brands.get(brandId)?.view;
    if (!till || !view) return 0;
    return this.tills()
      .filter((t) => t.locationId === till.locationId)
      .reduce((a, t) => a + view.rights(tillHolder(t.id), sku), 0);
  }

  stockView(brandId: string): StockView | undefined {
    return this.brands.get(brandId)?.view;
  }

  brandDoc(brandId: string): BrandDoc | undefined {
    return this.brands.get(brandId)?.brand;
  }

  /** Every document this store holds, by name: what the sync provider syncs. */
  docs(): Map<string, Y.Doc> {
    const out = new Map<string, Y.Doc>();
    if (this.setup && this.profile) out.set(setupDocName(this.profile.eventId), this.setup.doc);
    for (const [brandId, s] of this.brands) if (this.profile) out.set(brandDocName(this.profile.eventId, brandId), s.brand.doc);
    if (this.till && this.profile) out.set(tillDocName(this.profile.eventId, this.profile.tillId), this.till.doc);
    return out;
  }

  async salesByReceipt(receiptNumber: string): Promise<Sale[]> {
    return this.db.sales.where('receiptNumber').equals(receiptNumber.trim().toUpperCase()).toArray();
  }

  async recentSales(limit = 20): Promise<Sale[]> {
    return this.db.sales.orderBy('wallTime').reverse().limit(limit).toArray();
  }

  /** Wall time by this store's clock: what sales and shift events are stamped with. */
  wallTime(): number {
    return this.wall.now();
  }

  /** This till's shift records (core/event/shift.ts), oldest first. They stay on this till: see appendShiftEvent. */
  async shiftEvents(): Promise<ShiftEvent[]> {
    const tillId = this.profile?.tillId;
    if (!tillId) return [];
    const rows = await this.db.shiftEvents.where('tillId').equals(tillId).toArray();
    return rows.map(parseShiftEvent).sort((a, b) => (a.id < b.id ? -1 : 1));
  }

  /**
   * What this till did with a wall time in [from, to], for a Z report: its sales (from the sales view), its
   * refunds (from the brand documents), the sales those refunds name, the override entries to pick from, and
   * its voids.
   */
  async tillActivity(from: number, to: number): Promise<{ sales: Sale[]; refunds: Refund[]; refundedSales: Sale[]; overrides: LedgerEntry[]; voids: VoidRecord[] }> {
    const tillId = this.requireProfile().tillId;
    const sales = (await this.db.sales.where('wallTime').between(from, to, true, true).toArray()).filter((s) => s.tillId === tillId);
    const states = [...this.brands.values()];
    const refunds = states.flatMap((s) => s.brand.refunds().items).filter((r) => r.tillId === tillId && r.wallTime >= from && r.wallTime <= to);
    const refundedSales = (await this.db.sales.bulkGet([...new Set(refunds.map((r) => r.saleId))])).filter((s): s is Sale => s !== undefined);
    const voids = (await this.db.voids.where('wallTime').between(from, to, true, true).toArray()).filter((v) => v.tillId === tillId);
    return { sales, refunds, refundedSales, overrides: states.flatMap((s) => s.view.overrides()), voids };
  }

  /**
   * Records a cart (or a line) voided before payment, for the audit log: the local row and the till
   * document's copy (synced for the organiser) in one IndexedDB transaction.
   */
  async recordVoid(v: Omit<VoidRecord, 'id' | 'tillId'>): Promise<VoidRecord> {
    return this.serial(async () => {
      const record = parseVoidRecord({ ...v, id: newId('v', this.clock), tillId: this.requireProfile().tillId });
      await this.write([this.tillName()], () => this.tillDoc().appendVoid(record, LOCAL_ORIGIN), { rows: () => this.db.voids.add(record) });
      return record;
    });
  }

  /** Records an opening of the cash drawer (after a cash sale, or a manager's "Open drawer"), for the audit log. */
  async recordDrawerOpening(d: Omit<DrawerRecord, 'id' | 'tillId'>): Promise<DrawerRecord> {
    const record: DrawerRecord = { ...d, id: newId('dr', this.clock), tillId: this.requireProfile().tillId };
    await this.db.transaction('rw', this.db.drawerOpenings, this.db.meta, async () => {
      await this.db.drawerOpenings.add(record);
      await this.db.meta.put({ key: 'hlc', value: this.clock.lastIssued });
    });
    return record;
  }

  /** This till's audit log, newest first (core/reports/audit.ts). */
  async audit(): Promise<AuditItem[]> {
    const tillId = this.requireProfile().tillId;
    const [voids, drawer, shiftEvents, sales] = await Promise.all([
      this.db.voids.where('tillId').equals(tillId).toArray(),
      this.db.drawerOpenings.where('tillId').equals(tillId).toArray(),
      this.shiftEvents(),
      this.db.sales.filter((s) => s.tillId === tillId && s.lines.some((l) => l.priceSetBy !== undefined)).toArray(),
    ]);
    const states = [...this.brands.values()];
    const config = this.config();
    return auditLog(tillId, {
      voids,
      drawer,
      shiftEvents,
      sales,
      ...(config ? { money: (n: number) => formatMoney(n, config.currency, config.locale) } : {}),
      holder: tillHolder(tillId),
      overrides: states.flatMap((s) => s.view.overrides()),
      refunds: states.flatMap((s) => s.brand.refunds().items),
    });
  }

  /** Updates made here that the server has not acknowledged yet. */
  async outbox(): Promise<UpdateRow[]> {
    return this.db.updates.where('synced').equals(0).toArray();
  }

  /**
   * Called after every committed change with the Yjs updates it wrote (local and remote): the sync client
   * sends the local ones. Nothing is announced before it is durable.
   */
  onChange(cb: (committed: readonly UpdateRow[]) => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  /**
   * The server holds everything up to `stateVector` of a document: outbox rows it covers are acknowledged.
   * A row is covered when every struct in it is below the server's clock for its client.
   */
  async acknowledge(docName: string, stateVector: Uint8Array): Promise<number> {
    const sv = Y.decodeStateVector(stateVector);
    const rows = await this.db.updates.where('synced').equals(0).filter((r) => r.doc === docName).toArray();
    const covered = rows.filter((r) => Y.decodeUpdate(r.update).structs.every((s) => s.id.clock + s.length <= (sv.get(s.id.client) ?? 0)));
    if (covered.length) await this.markSynced(covered.map((r) => r.seq!));
    if (covered.length) for (const l of this.listeners) l([]);
    // The sales these rows carried are on the server now: their refund rights go to the server.
    const saleIds = covered.flatMap((r) => Y.decodeUpdate(r.update).structs.flatMap((s) => (s instanceof Y.Item && (s.parent as unknown) === 'sales' && s.parentSub ? [s.parentSub] : [])));
    await this.releaseRefundRights(docName, saleIds);
    return covered.length;
  }

  // ---- writing --------------------------------------------------------------------------------------

  /** Sets which till of which event this device is (pairing, or stand-alone set-up). */
  async setProfile(profile: TillProfile): Promise<void> {
    await this.serial(async () => {
      await this.db.meta.put({ key: 'profile', value: profile });
      this.profile = profile;
      await this.loadAll();
    });
    await this.backfillTillDoc();
  }

  /**
   * Writes to the event's setup document (stand-alone set-up, demo data). A paired till receives its setup
   * from the server instead.
   */
  async writeSetup(setup: Parameters<SetupDoc['write']>[0]): Promise<void> {
    const eventId = this.requireProfile().eventId;
    await this.mutate([setupDocName(eventId)], () => this.setupDoc().write(setup, LOCAL_ORIGIN));
  }

  async putProducts(brandId: string, products: readonly Product[]): Promise<void> {
    await this.mutate([this.brandName(brandId)], () => this.brandState(brandId).brand.putProducts(products, LOCAL_ORIGIN));
  }

  /** Appends ledger entries this device wrote with `writer(brandId).batch()`. */
  async appendEntries(brandId: string, entries: readonly LedgerEntry[]): Promise<void> {
    await this.mutate([this.brandName(brandId)], () => this.brandState(brandId).brand.appendEntries(entries, LOCAL_ORIGIN));
  }

  writer(brandId: string): LedgerWriter {
    return this.brandState(brandId).writer;
  }

  /**
   * Sells a cart. Rights are checked, the sales and ledger entries built, and everything — the Yjs updates
   * of every brand touched, the sales view, the stock view, the receipt counter and the clock — is written
   * in one IndexedDB transaction. Resolves only after that transaction has committed.
   */
  async commitSale(input: Omit<CheckoutInput, 'now'> & { now?: number }): Promise<Sale[]> {
    return this.serial(async () => {
      const profile = this.requireProfile();
      const config = this.config();
      if (!config) throw new Error('this till has no event set up yet');
      const seq = this.receiptSeq + 1;
      const result = buildCheckout(
        { ...input, now: input.now ?? this.wall.now() },
        {
          config,
          deviceId: this.identity.deviceId,
          tillId: profile.tillId,
          holder: tillHolder(profile.tillId),
          receiptNumber: formatReceiptNumber(profile.receiptPrefix, seq),
          clock: this.clock,
          product: (b, s) => this.product(b, s),
          writer: (b) => this.writer(b),
          isManager: managersOf(this.staff()),
          roleOf: (id) => this.staff().find((m) => m.id === id)?.role,
          coupon: (code) => this.coupon(code),
          couponUses: (brandId, code) => this.couponUses(brandId, code),
        },
      );
      const names = result.sales.map((s) => this.brandName(s.brandId));
      await this.write(names, () => {
        for (const sale of result.sales) {
          this.brandState(sale.brandId).brand.appendSale(sale, result.entries.get(sale.brandId) ?? [], LOCAL_ORIGIN);
        }
      }, { receiptSeq: seq });
      this.receiptSeq = seq;
      return result.sales;
    });
  }

  /**
   * Returns items of an earlier sale (offline too): the refund record and the ledger entries that bring the
   * units back to this till, in one transaction. Pre-authorised defects need no manager; see core/refund-builder.
   */
  async commitRefund(saleId: string, req: Omit<RefundRequest, 'now'> & { now?: number }): Promise<Refund> {
    return this.serial(async () => {
      const profile = this.requireProfile();
      const config = this.config();
      if (!config) throw new Error('this till has no event set up yet');
      const sale = await this.db.sales.get(saleId);
      if (!sale) throw new Error(`no sale ${saleId} on this till`);
      const state = this.brandState(sale.brandId);
      const earlier = state.brand.refunds().items.filter((r) => r.saleId === sale.id);
      const { refund, entries } = buildRefund(sale, earlier, { ...req, now: req.now ?? this.wall.now() }, {
        config,
        deviceId: this.identity.deviceId,
        tillId: profile.tillId,
        holder: tillHolder(profile.tillId),
        clock: this.clock,
        writer: state.writer,
        rightsRecords: state.brand.refundRights().items.filter((r) => r.saleId === sale.id),
      });
      await this.write([this.brandName(sale.brandId)], () => state.brand.appendRefund(refund, entries, LOCAL_ORIGIN), {});
      return refund;
    });
  }

  /**
   * Asks for the refund rights of units of a sale this till does not hold (written now, sent when online):
   * the server answers with a move naming the claim from what it holds (core/refunds/refund-rights.ts). Nothing is
   * written when this till holds them all already.
   */
  async claimRefundRights(saleId: string, lines: readonly RefundRightsLine[]): Promise<RefundRightsClaim | undefined> {
    return this.serial(async () => {
      const holder = this.holder;
      const sale = await this.db.sales.get(saleId);
      if (!holder || !sale) throw new Error(`no sale ${saleId} on this till`);
      const state = this.brandState(sale.brandId);
      const claim = claimFor(sale, this.refundsOf(sale), state.brand.refundRights().items.filter((r) => r.saleId === sale.id), holder, lines, this.identity.deviceId, this.clock);
      if (claim) await this.write([this.brandName(sale.brandId)], () => state.brand.appendRefundRights([claim], LOCAL_ORIGIN), {});
      return claim;
    });
  }

  /** Units of `lines` of a sale whose refund rights this till does not hold (0: it may refund them). */
  async refundRightsMissing(saleId: string, lines: readonly RefundRightsLine[]): Promise<number> {
    const holder = this.holder;
    const sale = await this.db.sales.get(saleId);
    if (!holder || !sale) return lines.reduce((a, l) => a + l.qty, 0);
    const records = this.brandState(sale.brandId).brand.refundRights().items.filter((r) => r.saleId === sale.id);
    return refundShortfall(saleRefundRights(sale, this.refundsOf(sale), records), holder, lines);
  }

  /**
   * Hands the refund rights of this till's own sales that the server now holds (named by an acknowledgement)
   * to the server, so any till of the event can claim them while online. Until the server has a sale, its
   * rights stay here: a sale made offline can be refunded offline at this till.
   */
  private async releaseRefundRights(docName: string, saleIds: readonly string[]): Promise<void> {
    const holder = this.holder;
    const state = [...this.brands.entries()].find(([brandId]) => this.brandName(brandId) === docName)?.[1];
    if (!holder || !state || saleIds.length === 0) return;
    await this.serial(async () => {
      const records = state.brand.refundRights().items;
      const moves = saleIds.flatMap((id) => {
        const sale = state.brand.saleById(id);
        if (!sale || sale.holder !== holder || sale.writer !== this.identity.deviceId) return [];
        const move = releaseFor(sale, this.refundsOf(sale), records.filter((r) => r.saleId === id), holder, this.identity.deviceId, this.clock);
        return move ? [move] : [];
      });
      if (moves.length) await this.write([docName], () => state.brand.appendRefundRights(moves, LOCAL_ORIGIN), {});
    });
  }

  /** Refunds already made against a sale (from any till of the brand this till has synced). */
  refundsOf(sale: Sale): Refund[] {
    return this.brands.get(sale.brandId)?.brand.refunds().items.filter((r) => r.saleId === sale.id) ?? [];
  }

  /**
   * Records a shift event (open with a float, cash in or out, close with the count) in one IndexedDB
   * transaction together with the clock that made its id. `make` is handed this till's events so far and
   * builds the next one from them (core/event/shift.ts refuses, say, a second open shift); it runs in the write
   * queue, so no sale or other shift event lands between what it read and what is written. The event also goes
   * into this till's document, in the same transaction, so the organiser can reconcile the Z reports.
   */
  async appendShiftEvent(make: (events: readonly ShiftEvent[]) => ShiftEvent | Promise<ShiftEvent>): Promise<ShiftEvent> {
    return this.serial(async () => {
      const event = parseShiftEvent(await make(await this.shiftEvents()));
      await this.write([this.tillName()], () => this.tillDoc().appendShiftEvent(event, LOCAL_ORIGIN), { rows: () => this.db.shiftEvents.add(event) });
      return event;
    });
  }

  /**
   * Copies this till's shift events and voids that are only in IndexedDB into its document: a till that
   * recorded them before the till document existed sends them to the organiser too. Runs on open and when
   * the profile changes; a record already there is left alone, so running it again adds nothing.
   */
  private async backfillTillDoc(): Promise<number> {
    const tillId = this.profile?.tillId;
    if (!tillId) return 0;
    return this.serial(async () => {
      const doc = this.till;
      const shifts = (await this.db.shiftEvents.where('tillId').equals(tillId).toArray()).filter((e) => !doc?.has('shifts', e.id));
      const voids = (await this.db.voids.where('tillId').equals(tillId).toArray()).filter((v) => !doc?.has('voids', v.id));
      if (shifts.length === 0 && voids.length === 0) return 0;
      // A row that no longer parses (it would be refused by the server) stays local, as it was before.
      const valid = <T,>(parse: (v: unknown) => T, rows: readonly unknown[]): T[] =>
        rows.flatMap((r) => {
          try {
            return [parse(r)];
          } catch {
            return [];
          }
        });
      const goodShifts = valid(parseShiftEvent, shifts);
      const goodVoids = valid(parseVoidRecord, voids);
      if (goodShifts.length === 0 && goodVoids.length === 0) return 0;
      await this.write([this.tillName()], () => {
        const till = this.tillDoc();
        till.doc.transact(() => {
          for (const e of goodShifts) till.appendShiftEvent(e, LOCAL_ORIGIN);
          for (const v of goodVoids) till.appendVoid(v, LOCAL_ORIGIN);
        }, LOCAL_ORIGIN);
      }, {});
      return goodShifts.length + goodVoids.length;
    });
  }

  /**
   * Asks the reserve for more rights (written now, sent when online). The server grants what the reserve
   * holds with a transfer naming this request; the till sees its rights grow when that syncs back.
   */
  async requestRights(brandId: string, sku: string, qty: number, note?: string): Promise<RightsRequest> {
    const holder = this.holder;
    if (!holder) throw new Error('this till is not set up');
    const id = newId('q', this.clock);
    const request = parseRightsRequest({ id, at: id.slice(2), writer: this.identity.deviceId, holder, sku, qty, ...(note ? { note } : {}) });
    await this.mutate([this.brandName(brandId)], () => this.brandState(brandId).brand.appendRequest(request, LOCAL_ORIGIN));
    return request;
  }

  /** Applies an update received from the sync server or a peer, durably, with the views it changes. */
  async applyRemote(docName: string, update: Uint8Array): Promise<void> {
    await this.serial(() =>
      this.write([docName], () => Y.applyUpdate(this.docFor(docName), update, REMOTE_ORIGIN), {}, REMOTE_ORIGIN),
    );
    // Remote updates arrive only while connected: an organiser's return request is answered while online.
    await this.answerReturns(docName);
  }

  /**
   * Units the cart in progress and the parked sales hold, per product (set by the app: renderer/src/app). A
   * return to the reserve leaves them here, so a cashier is never left with a cart the till can no longer sell.
   */
  heldInCarts: (brandId: string, sku: string) => number = () => 0;

  /**
   * Hands stock back to the reserve for the organiser's open return requests naming this till
   * (core/ledger/return-request.ts): a transfer from this till to `reserve` naming the request, of what is still
   * asked up to what this till holds and no cart holds. Only this till lowers its own rights, so a unit it sold
   * while offline is never also handed back. Returns the units handed back.
   */
  async answerReturns(docName: string): Promise<number> {
    const holder = this.holder;
    const found = [...this.brands.entries()].find(([brandId]) => this.brandName(brandId) === docName);
    if (!holder || !found) return 0;
    const [brandId, state] = found;
    return this.serial(async () => {
      const now = this.wall.now();
      // Cheap when nothing is asked of this till (the usual case): the ledger is read only for a live request.
      const requests = state.brand.returnRequests().items.filter((r) => r.holder === holder && r.expiresAt > now);
      if (requests.length === 0) return 0;
      const plan = handBack(returnStatuses(requests, state.brand.ledger().items, now), holder, (sku) => this.rights(brandId, sku) - this.heldInCarts(brandId, sku));
      if (plan.length === 0) return 0;
      const batch = state.writer.batch();
      for (const p of plan) batch.transfer(holder, RESERVE, p.sku, p.qty, p.requestId);
      await this.write([docName], () => state.brand.appendEntries(batch.entries, LOCAL_ORIGIN), {});
      return plan.reduce((a, p) => a + p.qty, 0);
    });
  }

  /** Marks outbox rows as acknowledged by the server. */
  async markSynced(seqs: readonly number[]): Promise<void> {
    await this.db.updates.where('seq').anyOf(seqs as number[]).modify({ synced: 1 });
  }

  async compact(): Promise<void> {
    await this.serial(async () => {
      for (const [name, doc] of this.docs()) await compactDoc(this.db, name, doc);
    });
  }

  close(): void {
    this.db.close();
  }

  // ---- internals ------------------------------------------------------------------------------------

  private async mutate(names: string[], change: () => void): Promise<void> {
    await this.serial(() => this.write(names, change, {}));
  }

  /**
   * The one way anything changes: run `change` against the in-memory documents, capture the Yjs updates it
   * produced and the views it touched, and persist all of it in one transaction. On failure, reload.
   */
  private async write(names: string[], change: () => void, meta: { receiptSeq?: number; rows?: () => Promise<unknown> }, origin = LOCAL_ORIGIN): Promise<void> {
    const docs = names.map((n) => [n, this.docFor(n)] as const);
    const captured: UpdateRow[] = [];
    const handlers = docs.map(([name, doc]) => {
      const h = (update: Uint8Array, o: unknown) => {
        if (o === LOAD_ORIGIN) return;
        captured.push({ doc: name, update, synced: origin === REMOTE_ORIGIN ? 1 : 0, local: origin === REMOTE_ORIGIN ? 0 : 1 });
      };
      doc.on('update', h);
      return () => doc.off('update', h);
    });
    this.views.begin();
    try {
      try {
        change();
      } finally {
        handlers.forEach((off) => off());
      }
      if (captured.length === 0) {
        this.views.discard();
        return;
      }
      const tables: Table[] = [this.db.updates, this.db.meta, this.db.products, this.db.stock, this.db.sales, this.db.exceptions, this.db.totals];
      // Local records kept beside their document copy (shift events, voids) join the same transaction.
      if (meta.rows) tables.push(this.db.shiftEvents, this.db.voids);
      await this.db.transaction('rw', tables, async () => {
        await meta.rows?.();
        await this.db.updates.bulkAdd(captured);
        await this.views.flush();
        await this.db.meta.put({ key: 'hlc', value: this.clock.lastIssued });
        if (meta.receiptSeq !== undefined) await this.db.meta.put({ key: 'receiptSeq', value: meta.receiptSeq });
      });
    } catch (err) {
      // Memory may now hold what the disk does not: start again from the disk, then report.
      await this.loadAll();
      throw err;
    }
    for (const l of this.listeners) l(captured);
  }

  /** Runs mutations one at a time, so compaction and commits never interleave with a half-done write. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async loadAll(): Promise<void> {
    this.brands = new Map();
    this.setup = undefined;
    this.till = undefined;
    this.thresholdCache = undefined;
    this.products = new Map();
    this.barcodes = new Map();
    this.views = new ViewWriter(this.db);
    this.owners = undefined;
    this.configCache = undefined;
    this.receiptSeq = ((await this.db.meta.get('receiptSeq'))?.value as number | undefined) ?? 0;
    if (!this.profile) return;
    const eventId = this.profile.eventId;
    for (const name of await docNames(this.db)) {
      const ref = parseDocName(name);
      if (ref.eventId !== eventId) continue;
      const doc = await loadDoc(this.db, name, this.identity.yClientId);
      if (ref.kind === 'setup') this.attachSetup(doc);
      else if (ref.kind === 'till') {
        if (ref.tillId === this.profile.tillId) this.till = new TillDoc(doc);
      } else this.attachBrand(ref.brandId, doc, await this.savedViews(ref.brandId));
    }
    for (const p of await this.db.products.where('eventId').equals(eventId).toArray()) this.indexProduct(p);
  }

  private setupDoc(): SetupDoc {
    if (!this.setup) this.attachSetup(new Y.Doc({ gc: true }));
    return this.setup!;
  }

  private attachSetup(doc: Y.Doc): void {
    doc.clientID = this.identity.yClientId;
    this.setup = new SetupDoc(doc);
    this.configCache = undefined;
    // Holder ownership comes from the setup's tills: recompute it when they change.
    doc.getMap('tills').observe(() => {
      this.owners = undefined;
      this.thresholdCache = undefined;
    });
    doc.getMap('event').observe(() => {
      this.configCache = undefined;
    });
    doc.getMap('thresholds').observe(() => {
      this.thresholdCache = undefined;
    });
  }

  /** The saved views of a brand, to restore instead of re-deriving them from the whole ledger. */
  private async savedViews(brandId: string): Promise<SavedViews> {
    const range = [[brandId, '', ''], [brandId, '\uffff', '\uffff']] as const;
    return {
      rows: await this.db.stock.where('[brandId+holder+sku]').between(range[0], range[1]).toArray(),
      totals: await this.db.totals.where('brandId').equals(brandId).toArray(),
      overrides: await this.db.exceptions.where('brandId').equals(brandId).toArray(),
    };
  }

  private attachBrand(brandId: string, doc: Y.Doc, saved?: SavedViews): BrandState {
    const brand = new BrandDoc(doc);
    const view = new StockView();
    if (saved) view.restore(saved.rows, saved.totals, saved.overrides);
    const state: BrandState = { brand, view, writer: this.makeWriter(view) };
    this.brands.set(brandId, state);
    // Views follow the document: whatever adds an entry, a product or a sale — this till or a peer —
    // also queues the matching view rows for the transaction that persists the change.
    brand.onLedger((added) => {
      for (const e of added) if (view.add(e)) this.views.touchEntry(brandId, e, view);
    });
    brand.map('products').observe((ev) => {
      for (const [sku, change] of ev.changes.keys) {
        const p = change.action === 'delete' ? undefined : brand.productBySku(sku);
        this.views.touchProduct(this.requireProfile().eventId, brandId, sku, p);
        if (p) this.indexProduct(p);
        else this.unindexProduct(brandId, sku);
      }
    });
    brand.map('sales').observe((ev) => {
      for (const [id, change] of ev.changes.keys) {
        const sale = change.action === 'add' ? brand.saleById(id) : undefined;
        if (sale) this.views.touchSale(sale);
      }
    });
    return state;
  }

  private makeWriter(view: StockView): LedgerWriter {
    return new LedgerWriter(this.identity.deviceId, this.clock, view, (h) => this.ownerOf(h));
  }

  /** Who writes for a holder, from the setup document's tills (cached until they change). */
  private ownerOf(holder: HolderId): string | undefined {
    this.owners ??= ownerOfFor(this.tills());
    return this.owners(holder);
  }

  private indexProduct(p: Product): void {
    this.unindexProduct(p.brandId, p.sku);
    const k = key(p.brandId, p.sku);
    this.products.set(k, p);
    for (const code of p.barcodes) this.barcodes.set(code, k);
  }

  private unindexProduct(brandId: string, sku: string): void {
    const k = key(brandId, sku);
    for (const code of this.products.get(k)?.barcodes ?? []) if (this.barcodes.get(code) === k) this.barcodes.delete(code);
    this.products.delete(k);
  }

  private brandState(brandId: string): BrandState {
    const existing = this.brands.get(brandId);
    if (existing) return existing;
    const doc = new Y.Doc();
    doc.clientID = this.identity.yClientId;
    return this.attachBrand(brandId, doc);
  }

  private docFor(name: string): Y.Doc {
    const ref = parseDocName(name);
    if (ref.eventId !== this.requireProfile().eventId) throw new Error(`${name} is not a document of this till's event`);
    if (ref.kind === 'setup') return this.setupDoc().doc;
    if (ref.kind === 'brand') return this.brandState(ref.brandId).brand.doc;
    if (ref.tillId !== this.requireProfile().tillId) throw new Error(`${name} is another till's document`);
    return this.tillDoc().doc;
  }

  private tillDoc(): TillDoc {
    if (!this.till) {
      const doc = new Y.Doc();
      doc.clientID = this.identity.yClientId;
      this.till = new TillDoc(doc);
    }
    return this.till;
  }

  private tillName(): string {
    const p = this.requireProfile();
    return tillDocName(p.eventId, p.tillId);
  }

  private brandName(brandId: string): string {
    return brandDocName(this.requireProfile().eventId, brandId);
  }

  private requireProfile(): TillProfile {
    if (!this.profile) throw new Error('this till is not set up: pair it or start it stand-alone first');
    return this.profile;
  }
}

const key = (brandId: string, sku: string) => `${brandId}\u0000${sku}`;

interface SavedViews {
  rows: StockRow[];
  totals: TotalsRow[];
  overrides: LedgerEntry[];
}
