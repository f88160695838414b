/** What bench/soak.ts and its till host (bench/soak/till-host.ts) say to each other over IPC. */
export interface StartMessage {
  type: 'start';
  serverUrl: string;
  eventId: string;
  tills: { code: string; brandId: string }[];
  /** Every brand's SKUs, for the tills to choose from. */
  skus: Record<string, string[]>;
  /** Sales per second over all tills together. */
  salesPerSecond: number;
  seed: number;
}

/** A committed sale: its update's first struct id (this till's Yjs client and clock) and when it resolved. */
export interface SaleNote {
  client: number;
  clock: number;
  /** performance.timeOrigin + performance.now() when commitSale resolved: comparable across processes. */
  at: number;
}

export interface HostSample {
  type: 'sample';
  /** After two full collections. */
  heapUsed: number;
  heapTotal: number;
  rss: number;
  external: number;
  /** Sale commit latencies since the previous sample, ms. */
  commitMs: number[];
  /** Commits left out of `commitMs` because the forced collection ran while they did (counted since the start). */
  pausedByGc: number;
  /** How long the forced collections of this sample took, ms. */
  gcMs: number;
  sales: number;
  errors: number;
  firstError?: string;
  /** Local updates not yet acknowledged by the server, over all tills. */
  outbox: number;
  /** Tills whose sync is online. */
  online: number;
}

export type HostMessage =
  | { type: 'ready'; tillIds: string[] }
  | { type: 'failed'; error: string }
  | { type: 'sales'; sales: SaleNote[] }
  | HostSample
  | (Omit<HostSample, 'type'> & { type: 'stopped' });
