import * as Y from 'yjs';
import { parseRightsRequest, type RightsRequest } from '../../../core/ledger/rights-request.ts';
import { MuxSync } from './mux-sync.ts';
import type { Product } from '../../../core/catalog/catalog.ts';
import type { LedgerEntry } from '../../../core/ledger/ledger.ts';
import type { Refund } from '../../../core/refunds/refund.ts';
import type { Sale } from '../../../core/selling/sale.ts';
import { BrandDoc, brandDocName, decodeEntry, decodeValue, setupDocName, SetupDoc, TillDoc, tillDocName } from '../../../core/event/schema.ts';
import { parseShiftEvent, type ShiftEvent } from '../../../core/event/shift.ts';
import { parseVoidRecord, type VoidRecord } from '../../../core/reports/audit.ts';
import { parseProduct } from '../../../core/catalog/catalog.ts';
import { parseRefund } from '../../../core/refunds/refund.ts';
import { parseSale } from '../../../core/selling/sale.ts';
import { StockView } from '../../../core/ledger/stock-view.ts';
import type { Brand, Creator, EventConfig, Location, StockThreshold, Till } from '../../../core/event/event.ts';
import type { Coupon } from '../../../core/selling/discounts.ts';

/**
 * The organiser console's live copy of an event: the setup document, every brand document and every till's,
 * synced read-only over ONE WebSocket that carries them all (mux-sync.ts; one socket per document was about
 * 100 for 50 brands). Writes go through the HTTP API, where the server validates them. What the documents add is decoded once, as it arrives — never the whole map again —
 * so a dashboard over 100k sales stays cheap to keep current; listeners hear about changes at most every
 * `notifyMs`, which keeps "within a second of a sale anywhere" with room to spare.
 */
export interface BrandData {
  brandId: string;
  products: Map<string, Product>;
  sales: Sale[];
  refunds: Refund[];
  entries: LedgerEntry[];
  /** Tills' requests for more rights; what the server did not grant automatically is the organiser's. */
  requests: RightsRequest[];
  stock: StockView;
  /** Values that did not decode: shown to the organiser, never silently dropped. */
  invalid: string[];
}

/** What a till records for itself (core/event/schema.ts TillDoc): its shifts' cash events and voided carts. */
export interface TillData {
  tillId: string;
  shiftEvents: ShiftEvent[];
  voids: VoidRecord[];
}

export interface EventState {
  config: EventConfig | undefined;
  brands: Brand[];
  locations: Location[];
  tills: Till[];
  creators: Creator[];
  thresholds: StockThreshold[];
  /** The organiser's coupons (their uses past a limit raise an alert). */
  coupons?: Coupon[];
  /** Who signs in at the tills (never their PIN hashes: the console has no use for them). */
  staff?: { id: string; name: string; role: string }[];
  byBrand: Map<string, BrandData>;
  byTill: Map<string, TillData>;
  /** Documents connected and synced / total. */
  synced: number;
  total: number;
  online: boolean;
}

export interface EventDocsOptions {
  syncUrl: string;
  token: string;
  eventId: string;
  notifyMs?: number;
  WebSocket?: typeof WebSocket;
}

interface Link {
  doc: Y.Doc;
}

export class EventDocs {
  private readonly links = new Map<string, Link>();
  private readonly byBrand = new Map<string, BrandData>();
  private readonly byTill = new Map<string, TillData>();
  private readonly listeners = new Set<() => void>();
  private readonly setup: SetupDoc;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;
  private version = 0;
  private cached: { version: number; state: EventState } | undefined;
  private readonly sync: MuxSync;

  constructor(private readonly opts: EventDocsOptions) {
    this.sync = new MuxSync({ syncUrl: opts.syncUrl, token: opts.token, ...(opts.WebSocket ? { WebSocket: opts.WebSocket } : {}) });
    const link = this.open(setupDocName(opts.eventId));
    this.setup = new SetupDoc(link.doc);
    // A brand added to the event (by this console or another) gets its document opened as it appears.
    link.doc.getMap('brands').observe(() => this.openBrands());
    // Likewise each paired till's own document (shifts and voids), for Z reports and void alerts.
    link.doc.getMap('tills').observe(() => this.openTills());
    link.doc.on('update', () => this.changed());
  }

  private open(name: string): Link {
    const doc = new Y.Doc();
    const link: Link = { doc };
    this.links.set(name, link);
    this.sync.add(name, doc, () => this.changed());
    return link;
  }

  private openBrands(): void {
    for (const b of this.setup.brands().items) {
      const name = brandDocName(this.opts.eventId, b.id);
      if (this.links.has(name) || this.closed) continue;
      const link = this.open(name);
      this.byBrand.set(b.id, this.watchBrand(b.id, new BrandDoc(link.doc)));
    }
  }

  private openTills(): void {
    for (const t of this.setup.tills().items) {
      const name = tillDocName(this.opts.eventId, t.id);
      if (this.links.has(name) || this.closed) continue;
      const till = new TillDoc(this.open(name).doc);
      const data: TillData = { tillId: t.id, shiftEvents: [], voids: [] };
      this.byTill.set(t.id, data);
      const follow = <T>(map: Y.Map<unknown>, parse: (v: unknown) => T, into: T[]) =>
        map.observe((ev) => {
          for (const [key, change] of ev.changes.keys) {
            if (change.action !== 'add') continue;
            try {
              into.push(parse(decodeValue(map.get(key))));
            } catch {
              // The server refuses malformed till records; an old one is skipped, not fatal.
            }
          }
          this.changed();
        });
      follow(till.map('shifts'), parseShiftEvent, data.shiftEvents);
      follow(till.map('voids'), parseVoidRecord, data.voids);
    }
  }

  /** Decodes what each transaction adds to a brand document, and only that. */
  private watchBrand(brandId: string, brand: BrandDoc): BrandData {
    const data: BrandData = { brandId, products: new Map(), sales: [], refunds: [], entries: [], requests: [], stock: new StockView(), invalid: [] };
    const keep = <T>(map: Y.Map<unknown>, onAdd: (key: string, raw: unknown) => T | undefined, into: T[] | undefined, replace?: (key: string, v: T) => void) => {
      map.observe((ev) => {
        for (const [key, change] of ev.changes.keys) {
          if (change.action === 'delete') continue;
          try {
            const v = onAdd(key, map.get(key));
            if (v === undefined) continue;
            if (replace) replace(key, v);
            else if (change.action === 'add') into?.push(v);
          } catch (err) {
            data.invalid.push(`${key}: ${err instanceof Error ? err.message : String(err)}`);
          }
        }
        this.changed();
      });
    };
    keep(brand.map('products'), (_k, raw) => parseProduct(decodeValue(raw)), undefined, (k, p) => data.products.set(k, p));
    keep(brand.map('sales'), (_k, raw) => parseSale(decodeValue(raw)), data.sales);
    keep(brand.map('refunds'), (_k, raw) => parseRefund(decodeValue(raw)), data.refunds);
    keep(brand.map('requests'), (_k, raw) => parseRightsRequest(decodeValue(raw)), data.requests);
    keep(
      brand.map('ledger'),
      (k, raw) => {
        const e = decodeEntry(k, raw);
        if (data.stock.add(e)) return e;
        return undefined;
      },
      data.entries,
    );
    return data;
  }

  private changed(): void {
    this.version++;
    if (this.timer || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      for (const l of this.listeners) l();
    }, this.opts.notifyMs ?? 150);
  }

  onChange(cb: () => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  /** A consistent snapshot for rendering; the same object until something changes. */
  state(): EventState {
    if (this.cached?.version === this.version) return this.cached.state;
    const names = [...this.links.keys()];
    const state: EventState = {
      config: this.safe(() => this.setup.config()),
      brands: this.setup.brands().items.sort((a, b) => a.name.localeCompare(b.name)),
      locations: this.setup.locations().items.sort((a, b) => a.name.localeCompare(b.name)),
      tills: this.setup.tills().items.sort((a, b) => a.name.localeCompare(b.name)),
      creators: this.setup.creators().items.sort((a, b) => a.code.localeCompare(b.code)),
      thresholds: this.setup.thresholds().items,
      coupons: this.setup.coupons().items,
      staff: this.setup
        .staff()
        .items.map(({ id, name, role }) => ({ id, name, role }))
        .sort((a, b) => a.name.localeCompare(b.name)),
      byBrand: this.byBrand,
      byTill: this.byTill,
      synced: names.filter((n) => this.sync.synced(n)).length,
      total: names.length,
      online: this.sync.connected,
    };
    this.cached = { version: this.version, state };
    return state;
  }

  private safe<T>(f: () => T): T | undefined {
    try {
      return f();
    } catch {
      return undefined;
    }
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.sync.destroy();
    for (const l of this.links.values()) l.doc.destroy();
    this.links.clear();
    this.listeners.clear();
  }
}
