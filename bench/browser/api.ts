/** Scan to cart: a new sale after this many lines, as a queue of customers would; carts stay the size real ones are. */
export const LINES_PER_CART = 5;

/** What the benchmark page puts on `window`, shared with bench/browser.bench.ts which calls it. */
export interface SeedResult {
  products: number;
  entries: number;
  seedMs: number;
  /** navigator.storage.estimate(): the origin's usage, and Chromium's IndexedDB share of it. */
  usageBytes: number | undefined;
  indexedDbBytes: number | undefined;
}

/** Times since the page's navigation start (performance.timeOrigin), in ms. */
export interface StartResult {
  /** The bundle has been fetched, parsed and started. */
  moduleStart: number;
  /** LocalStore.open resolved. */
  opened: number;
  /** A barcode resolves to a product and the till has rights for it: a sale could be rung up. */
  sellReady: number;
  products: number;
}

/** Where a till start's time goes, replaying LocalStore.open's steps one by one (ms each). */
export interface StartProfile {
  dexieOpen: number;
  metaReads: number;
  docReads: number;
  yjsMerge: number;
  yjsApply: number;
  /** For comparison, not part of a start: the same rows applied one by one in one Yjs transaction. */
  yjsApplyRowByRow: number;
  viewReads: number;
  viewRestore: number;
  productReads: number;
  productIndex: number;
  updateRows: number;
  snapshotBytes: number;
}

/** Scan to cart on the rendered till, per scan in ms from the first keystroke. */
export interface ScanResult {
  /** Until the line is in the cart's DOM and laid out. */
  toDom: number[];
  /** Until the next animation frame after that (the line on screen at the display's 60 Hz). */
  toFrame: number[];
  products: number;
}

export interface BenchApi {
  /** Commits `count` one-unit sales one by one on a fresh stand-alone demo till; each one's time in ms. */
  saleCommit(count: number): Promise<number[]>;
  seedTill(dbName: string): Promise<SeedResult>;
  /** Marks every update acknowledged and compacts, as a till that has synced would be. */
  compactTill(dbName: string): Promise<{ updateRows: number }>;
}

export interface BenchWindow {
  bench: BenchApi;
  /** Set when the page was opened with ?start=<db>: the till start it ran. */
  benchStart?: Promise<StartResult>;
  /** Set when the page was opened with ?scan=<db>&n=<scans>: the till rendered and scanned into. */
  benchScan?: Promise<ScanResult>;
  /** Set when the page was opened with ?profile=<db>. */
  benchProfile?: Promise<StartProfile>;
}
