import Dexie, { type EntityTable, type Table } from 'dexie';
import type { Product } from '../../../core/catalog/catalog.ts';
import type { Sale } from '../../../core/selling/sale.ts';
import type { LedgerEntry } from '../../../core/ledger/ledger.ts';
import type { SkuTotals } from '../../../core/ledger/stock-view.ts';
import type { DrawerRecord, VoidRecord } from '../../../core/reports/audit.ts';
import type { ShiftEvent } from '../../../core/event/shift.ts';

/**
 * The till's IndexedDB. The Yjs documents are the source of truth (`updates` + `snapshots`); the other
 * tables are views derived from them, kept in the same transactions so that a till starts and sells from
 * IndexedDB alone, without decoding the whole ledger.
 */
export interface UpdateRow {
  seq?: number;
  /** Document name, e.g. event/summer/brand/acme. */
  doc: string;
  /** A Yjs update (v1 encoding, the y-websocket wire format). */
  update: Uint8Array;
  /** 0 until the sync server has acknowledged it: the outbox is `where('synced').equals(0)`. */
  synced: 0 | 1;
  /** Made on this device (1) or received from a peer (0). */
  local: 0 | 1;
}

export interface SnapshotRow {
  doc: string;
  /** Whole document state, v2 encoding (smaller and faster to load). */
  state: Uint8Array;
  /** Highest `updates.seq` folded into the snapshot. */
  upTo: number;
}

export interface StockRow {
  brandId: string;
  holder: string;
  sku: string;
  sellable: number;
  quarantined: number;
}

export interface TotalsRow extends SkuTotals {
  brandId: string;
  sku: string;
}

export interface ProductRow extends Product {
  eventId: string;
}

export interface MetaRow {
  key: string;
  value: unknown;
}

export interface ExceptionRow extends LedgerEntry {
  brandId: string;
}

export class PosDatabase extends Dexie {
  meta!: EntityTable<MetaRow, 'key'>;
  updates!: EntityTable<UpdateRow, 'seq'>;
  snapshots!: EntityTable<SnapshotRow, 'doc'>;
  products!: Table<ProductRow, [string, string]>;
  stock!: Table<StockRow, [string, string, string]>;
  sales!: EntityTable<Sale, 'id'>;
  exceptions!: EntityTable<ExceptionRow, 'id'>;
  totals!: Table<TotalsRow, [string, string]>;
  voids!: EntityTable<VoidRecord, 'id'>;
  /** Every opening of the cash drawer (desktop app), for the audit log. */
  drawerOpenings!: EntityTable<DrawerRecord, 'id'>;
  /** The till's shift records (core/event/shift.ts); each is also in the till's own synced document (TillDoc). */
  shiftEvents!: EntityTable<ShiftEvent, 'id'>;

  constructor(name: string, options?: ConstructorParameters<typeof Dexie>[1]) {
    super(name, options);
    this.version(1).stores({
      meta: 'key',
      updates: '++seq, doc, synced',
      snapshots: 'doc',
      products: '[brandId+sku], *barcodes, name, eventId',
      stock: '[brandId+holder+sku], holder, [holder+sku]',
      sales: 'id, receiptNumber, checkoutId, wallTime',
      exceptions: 'id, brandId',
      totals: '[brandId+sku], brandId',
    });
    // Version 2 adds the shift records; the tables of version 1 are kept as they are.
    this.version(2).stores({
      shiftEvents: 'id, shiftId, tillId, wallTime',
    });
    // Version 3 adds voided carts, for the audit log.
    this.version(3).stores({
      voids: 'id, tillId, wallTime',
    });
    // Version 4 adds cash drawer openings, for the audit log.
    this.version(4).stores({
      drawerOpenings: 'id, tillId, wallTime',
    });
  }
}
