import type * as Y from 'yjs';
import { holderKind, type HolderId } from '../../core/ledger/holders.ts';
import { dropPhase } from '../../core/selling/pricing.ts';
import { fulfilmentSources } from '../../core/ledger/routing.ts';
import { BrandDoc, brandDocName, SetupDoc, setupDocName } from '../../core/event/schema.ts';
import type { StockView } from '../../core/ledger/stock-view.ts';
import type { DocHandle } from '../doc-handle.ts';
import type { DocHub } from '../doc-hub.ts';
import { EventNotFound, ServerClosing, UnavailableError } from '../server-errors.ts';
import { skuKey } from './input.ts';
import type { ReservationStore } from './reservations.ts';
import { reservedFrom } from './route.ts';
import { forEachInSlices } from '../time-slices.ts';
import { brandStock, computeStock, type StockItem, type StockSnapshot } from './stock.ts';

/**
 * Watches one event's online stock for the live streams: it holds a handle on the event's setup and brand
 * documents (DocHub.open: they stay loaded while a stream is open, and every change is in the hub's copy it
 * reads), observes the ledger and the catalog, and tells its listeners which
 * SKUs changed. It recomputes on a ledger entry that moves stock of a server-written holder (the online
 * allocation, a hub), a catalog or location change, a reservation change, a reservation's expiry and a
 * discount tier boundary; a till selling its own stock is ignored.
 * Changes are coalesced: the first waits 25 ms for the rest of its burst, and an event's stock is sent at most
 * 4 times a second (a drop selling out moves stock hundreds of times a second, and 10,000 watchers each get
 * every event). Only items whose JSON differs from the last emitted are sent. A change goes to the listeners in
 * slices of at most ~5 ms of work, yielding to the event loop between them (setImmediate), so a crowd's
 * broadcast never holds up the tills' sync or the orders (docs/api.md, "Live stock stream").
 */
export interface StockListener {
  /**
   * The items that changed (the same array for every listener: encode it once), and the whole stock they
   * belong to (for a listener that skipped changes and sends the latest instead: SseStream.offer).
   */
  stock(items: StockItem[], snapshot: StockSnapshot): void;
  closed(reason: string): void;
}

interface WatchedBrand {
  doc: Y.Doc;
  view: StockView | undefined;
  off: () => void;
}

const COALESCE_MS = 25;
/** At most 4 stock events a second per event (per drop). */
export const MIN_EVENT_INTERVAL_MS = 250;
/**
 * A broadcast yields to the event loop after this much time spent calling listeners (each listener's socket
 * write reaches the kernel inside its call, so this is the slice's real cost). 5 ms leaves room under the
 * 20 ms target for a slice stretched by a machine that runs other work meanwhile.
 */
export const BROADCAST_SLICE_MS = 5;
const MAX_TIMER_MS = 2 ** 31 - 1;

export class StockWatcher {
  closed = false;
  private readonly handles = new Map<string, DocHandle>();
  private readonly brands = new Map<string, WatchedBrand>();
  private readonly listeners = new Set<StockListener>();
  private readonly last = new Map<string, string>();
  private setup: Y.Doc | undefined;
  private offSetup: (() => void) | undefined;
  private brandSync: Promise<void> = Promise.resolve();
  private pokeTimer: ReturnType<typeof setTimeout> | undefined;
  private wakeTimer: ReturnType<typeof setTimeout> | undefined;
  /** The stock as last sent (what a new subscriber starts from): the listeners get changes against it. */
  private snapshot: StockSnapshot | undefined;
  /** performance.now() of the last flush, for the 4-a-second bound. */
  private lastFlushAt = -Infinity;
  /** A broadcast is still going out in slices; a change meanwhile waits for it (each stream keeps its order). */
  private broadcasting = false;
  private pokedWhileBroadcasting = false;

  constructor(
    readonly eventId: string,
    private readonly deps: { hub: DocHub; reservations: ReservationStore; now: () => number; onClose: (w: StockWatcher) => void },
  ) {}

  async start(): Promise<void> {
    // The server's own reader: it reads the setup document, which a storefront token may not open (it holds
    // the staff's PIN hashes; permissions.ts), and sends nothing of it but the stock.
    const setup = (await this.join(setupDocName(this.eventId))).doc;
    if (!new SetupDoc(setup).config()) {
      this.close('no such event');
      throw new EventNotFound(this.eventId);
    }
    this.setup = setup;
    const onConfig = () => this.poke();
    const onBrands = () => {
      this.brandSync = this.brandSync.then(() => this.syncBrands()).catch((err: unknown) => this.close(String(err)));
      void this.brandSync.then(() => this.poke());
    };
    setup.getMap('event').observe(onConfig);
    setup.getMap('locations').observe(onConfig);
    setup.getMap('brands').observe(onBrands);
    this.offSetup = () => {
      setup.getMap('event').unobserve(onConfig);
      setup.getMap('locations').unobserve(onConfig);
      setup.getMap('brands').unobserve(onBrands);
    };
    this.brandSync = this.syncBrands();
    await this.brandSync;
    if (this.closed) throw new ServerClosing();
    this.snapshot = this.compute();
    for (const item of this.snapshot.items) this.last.set(skuKey(item.brandId, item.sku), JSON.stringify(item));
    this.scheduleWake();
  }

  /**
   * The stock as the listeners have it: the last flush's snapshot, not a fresh computation, so 10,000
   * subscribers joining at a drop's opening cost one computation, and each starts exactly where the next
   * change it is sent starts from.
   */
  current(): StockSnapshot {
    return (this.snapshot ??= this.compute());
  }

  /** The whole stock, now (the documents are loaded: no I/O). */
  compute(): StockSnapshot {
    const setup = this.setup ? new SetupDoc(this.setup) : undefined;
    const config = setup?.config();
    if (!setup || !config) throw new EventNotFound(this.eventId);
    const brands = [...this.brands].map(([brandId, b]) => brandStock(brandId, b.doc, b.view));
    return computeStock(config, brands, fulfilmentSources(setup.locations().items), reservedFrom(this.deps.reservations.heldAt(this.eventId)), this.deps.now());
  }

  subscribe(listener: StockListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.close('no more listeners');
    };
  }

  /** Something that may change the stock happened: recompute soon, and no sooner than 250 ms after the last. */
  poke(): void {
    if (this.closed || this.pokeTimer) return;
    if (this.broadcasting) {
      this.pokedWhileBroadcasting = true;
      return;
    }
    const wait = Math.max(COALESCE_MS, this.lastFlushAt + MIN_EVENT_INTERVAL_MS - performance.now());
    this.pokeTimer = setTimeout(() => {
      this.pokeTimer = undefined;
      this.flush();
    }, wait);
    this.pokeTimer.unref?.();
  }

  close(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.pokeTimer);
    clearTimeout(this.wakeTimer);
    this.offSetup?.();
    for (const b of this.brands.values()) b.off();
    this.brands.clear();
    for (const handle of this.handles.values()) handle.close();
    this.handles.clear();
    for (const l of [...this.listeners]) l.closed(reason);
    this.listeners.clear();
    this.deps.onClose(this);
  }

  private flush(): void {
    if (this.closed) return;
    if (this.broadcasting) {
      this.pokedWhileBroadcasting = true;
      return;
    }
    this.lastFlushAt = performance.now();
    let snapshot: StockSnapshot;
    try {
      snapshot = this.compute();
    } catch (err) {
      this.close(err instanceof Error ? err.message : String(err));
      return;
    }
    this.snapshot = snapshot;
    const changed: StockItem[] = [];
    for (const item of snapshot.items) {
      const k = skuKey(item.brandId, item.sku);
      const json = JSON.stringify(item);
      if (this.last.get(k) === json) continue;
      this.last.set(k, json);
      changed.push(item);
    }
    if (changed.length) this.broadcast(changed, snapshot);
    this.scheduleWake();
  }

  /**
   * Hands one change (the same array to all: the stream route encodes it once) to every listener subscribed
   * now, in slices of BROADCAST_SLICE_MS with a setImmediate between them, so sockets, tills and orders are
   * served between slices. A listener that left meanwhile is skipped; one that joined meanwhile already
   * started from this change (`current`).
   */
  private broadcast(changed: StockItem[], snapshot: StockSnapshot): void {
    this.broadcasting = true;
    const send = (l: StockListener) => {
      if (!this.closed && this.listeners.has(l)) l.stock(changed, snapshot);
    };
    void forEachInSlices([...this.listeners], send, { budgetMs: BROADCAST_SLICE_MS }).then(() => {
      this.broadcasting = false;
      if (this.pokedWhileBroadcasting) {
        this.pokedWhileBroadcasting = false;
        this.poke();
      }
    });
  }

  /** Wakes at the next tier boundary or reservation expiry, whichever is first. */
  private scheduleWake(): void {
    clearTimeout(this.wakeTimer);
    if (this.closed) return;
    const now = this.deps.now();
    const times: number[] = [];
    const config = this.setup ? new SetupDoc(this.setup).config() : undefined;
    if (config) {
      const phase = dropPhase(config.drop, now);
      if (phase.phase === 'before') times.push(phase.startsInMs);
      if (phase.phase === 'live') times.push(phase.nextChangeInMs);
    }
    const expiry = this.deps.reservations.nextExpiry(this.eventId);
    if (expiry !== undefined) times.push(expiry - now);
    if (times.length === 0) return;
    this.wakeTimer = setTimeout(() => this.poke(), Math.min(Math.max(0, Math.min(...times)) + 5, MAX_TIMER_MS));
    this.wakeTimer.unref?.();
  }

  private async syncBrands(): Promise<void> {
    if (this.closed || !this.setup) return;
    for (const brand of new SetupDoc(this.setup).brands().items) {
      if (this.closed) return;
      if (this.brands.has(brand.id)) continue;
      const name = brandDocName(this.eventId, brand.id);
      const { doc, view } = await this.join(name);
      if (this.closed) return;
      const offLedger = new BrandDoc(doc).onLedger((added) => {
        if (added.some((e) => serverHeld(e.from) || serverHeld(e.to))) this.poke();
      });
      const products = doc.getMap('products');
      const onProducts = () => this.poke();
      products.observe(onProducts);
      this.brands.set(brand.id, {
        doc,
        view,
        off: () => {
          offLedger();
          products.unobserve(onProducts);
        },
      });
    }
  }

  /** Holds `name` open while the watcher lives; a refusal (no such event, damaged, closing) closes the watcher. */
  private async join(name: string): Promise<DocHandle> {
    if (this.closed) throw new UnavailableError('the stream closed while starting');
    let handle: DocHandle;
    try {
      handle = await this.deps.hub.open(name);
    } catch (err) {
      this.close(err instanceof Error ? err.message : String(err));
      throw err;
    }
    if (this.closed) {
      handle.close();
      throw new UnavailableError('the stream closed while starting');
    }
    // The hub is shutting down or dropped a document it could not persist: end the streams; clients reconnect.
    handle.onDropped((_code, reason) => this.close(reason));
    this.handles.set(name, handle);
    return handle;
  }
}

/** Holders whose stock the storefront may offer (core/ledger/routing.ts): the online allocation and the hubs. */
function serverHeld(h: HolderId | undefined): boolean {
  if (h === undefined) return false;
  const kind = holderKind(h);
  return kind === 'online' || kind === 'hub';
}
