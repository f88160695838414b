import type * as Y from 'yjs';
import { evaluateAlerts, type Alert, type AlertThresholds, type RejectedWrite } from '../../core/reports/alerts.ts';
import type { VoidRecord } from '../../core/reports/audit.ts';
import { locationOfFor, thresholdOverride } from '../../core/event/event.ts';
import type { Refund } from '../../core/refunds/refund.ts';
import type { Sale } from '../../core/selling/sale.ts';
import { BrandDoc, brandDocName, decodeValue, SetupDoc, setupDocName, TillDoc, tillDocName } from '../../core/event/schema.ts';
import { parseRefund } from '../../core/refunds/refund.ts';
import { parseSale } from '../../core/selling/sale.ts';
import type { StockView } from '../../core/ledger/stock-view.ts';
import type { DocHandle } from '../doc-handle.ts';
import type { DocHub } from '../doc-hub.ts';
import { EventNotFound, MissingError } from '../server-errors.ts';
import type { Stores } from '../storage/store.ts';
import type { EventSlot } from '../event-host.ts';
import type { EventHosts } from '../event-hosts.ts';
import { WebhookSender, type WebhookOptions } from './webhook.ts';

/**
 * The server's alert watcher (docs/organiser.md, "Alerts"). Per event it holds a handle on the setup, brand
 * and till documents (DocHub.open: they stay loaded, and every change is in the hub's copy it reads), and on a
 * change — debounced, at most one evaluation per `debounceMs` — runs core `evaluateAlerts` over them.
 *
 * Bounded CPU: sales and refunds are decoded once each (a cache per brand keyed by record id; only new keys
 * are parsed), the stock comes from the hub's incrementally maintained StockView, and evaluation itself is
 * linear in the records. Rejected writes are read from the hub's `rejections` records every `rejectionPollMs`
 * (a rejected write changes no document, so no document change announces it).
 *
 * Raised alerts are kept in storage (the event's `alerts` records, by alert id), so a restart neither forgets
 * nor resends them. A condition alert (`ongoing`) that is no longer reported is deleted, so it is raised
 * again if the situation returns. Each newly raised alert goes to the event's SSE listeners and, when a
 * webhook is configured, to the webhook (webhook.ts).
 */
export interface AlertCenterOptions {
  hub: DocHub;
  stores: Stores;
  /** Each event's watcher lives in its host (event-hosts.ts): stopped when the process stops serving it. */
  hosts: EventHosts;
  now: () => number;
  log?: (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;
  /** Quiet time after a change before evaluating (default 250 ms). */
  debounceMs?: number;
  /** How often rejected writes are looked for (default 5 s). */
  rejectionPollMs?: number;
  thresholds?: Partial<AlertThresholds>;
  /** Extra voids to consider beside those in the tills' documents (tests). */
  voids?: (eventId: string) => Promise<readonly VoidRecord[]>;
  webhook?: Partial<WebhookOptions>;
}

export interface StoredAlert {
  eventId: string;
  alert: Alert;
  raisedAt: number;
}

export type AlertListener = (alerts: Alert[]) => void;

const ALERTS = 'alerts';

class EventWatch {
  readonly listeners = new Set<AlertListener>();
  readonly raised = new Map<string, StoredAlert>();
  private readonly handles = new Map<string, DocHandle>();
  private readonly brandOff = new Map<string, () => void>();
  private readonly cache = new Map<string, { sales: Map<string, Sale>; refunds: Map<string, Refund> }>();
  private setup: Y.Doc | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private poller: ReturnType<typeof setInterval> | undefined;
  private running: Promise<void> = Promise.resolve();
  private dirty = false;
  closed = false;

  constructor(
    readonly eventId: string,
    private readonly c: AlertCenter,
  ) {}

  async start(): Promise<void> {
    for (const [, v] of await this.c.opts.stores.event(this.eventId).list<StoredAlert>(ALERTS)) this.raised.set(v.alert.id, v);
    const setup = await this.hold(setupDocName(this.eventId));
    if (!setup) throw new EventNotFound(this.eventId);
    this.setup = setup;
    if (!new SetupDoc(this.setup).config()) {
      this.stop();
      throw new EventNotFound(this.eventId);
    }
    this.setup.on('update', this.poke);
    await this.syncBrands();
    this.poller = setInterval(this.poke, this.c.opts.rejectionPollMs ?? 5000);
    this.poller.unref?.();
    await this.evaluate();
  }

  readonly poke = (): void => {
    if (this.closed || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.running = this.running.then(() => this.evaluate()).catch((err: unknown) => this.c.log('error', 'alert evaluation failed', { eventId: this.eventId, err: String(err) }));
    }, this.c.opts.debounceMs ?? 250);
    this.timer.unref?.();
  };

  /** Evaluates now (after any evaluation under way) and resolves when the raised set is up to date. */
  refresh(): Promise<void> {
    this.running = this.running.then(() => this.evaluate());
    return this.running;
  }

  stop(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.timer);
    clearInterval(this.poller);
    this.setup?.off('update', this.poke);
    for (const off of this.brandOff.values()) off();
    for (const handle of this.handles.values()) handle.close();
    this.handles.clear();
  }

  /**
   * Holds a document open while the watch lives. When the hub refuses it (closing, damaged, gone) or later
   * drops it, the watch stops, as it did when it was told so as a peer; a damaged document is the hub's to
   * report (4503 / 503), not the alert watcher's.
   */
  private async hold(name: string): Promise<Y.Doc | undefined> {
    let handle: DocHandle;
    try {
      handle = await this.c.opts.hub.open(name);
    } catch (err) {
      this.c.log('warn', 'alert watcher could not open a document; it stops', { eventId: this.eventId, doc: name, err: String(err) });
      this.stop();
      if (err instanceof MissingError) return undefined;
      throw err;
    }
    if (this.closed) {
      handle.close();
      return undefined;
    }
    handle.onDropped(() => this.stop());
    this.handles.set(name, handle);
    return handle.doc;
  }

  /** Joins every brand document and every paired till's document (its voids) of the event, once each. */
  private async syncBrands(): Promise<void> {
    if (!this.setup) return;
    const setup = new SetupDoc(this.setup);
    const names = [...setup.brands().items.map((b) => brandDocName(this.eventId, b.id)), ...setup.tills().items.map((t) => tillDocName(this.eventId, t.id))];
    for (const name of names) {
      if (this.handles.has(name) || this.closed) continue;
      const doc = await this.hold(name).catch(() => undefined);
      if (!doc) return;
      doc.on('update', this.poke);
      this.brandOff.set(name, () => doc.off('update', this.poke));
    }
  }

  private async evaluate(): Promise<void> {
    if (this.closed || !this.setup) return;
    await this.syncBrands();
    const setup = new SetupDoc(this.setup);
    const config = setup.config();
    if (!config) return;
    const tills = setup.tills().items;
    const locationOf = locationOfFor(tills);
    const sales: Sale[] = [];
    const refunds: Refund[] = [];
    const products = [];
    const stock = [];
    const overrides = [];
    const adjustments = [];
    for (const b of setup.brands().items) {
      const { doc, view } = await this.c.opts.hub.read(brandDocName(this.eventId, b.id), (d, v) => ({ doc: d, view: v as StockView | undefined }));
      const brand = new BrandDoc(doc);
      const cache = this.cache.get(b.id) ?? { sales: new Map(), refunds: new Map() };
      this.cache.set(b.id, cache);
      decodeNew(brand.map('sales'), cache.sales, parseSale);
      decodeNew(brand.map('refunds'), cache.refunds, parseRefund);
      sales.push(...cache.sales.values());
      refunds.push(...cache.refunds.values());
      products.push(...brand.products().items);
      if (view) {
        stock.push({ brandId: b.id, byLocation: view.byLocation(locationOf) });
        overrides.push(...view.overrides());
        adjustments.push(...view.positiveAdjustments());
      }
    }
    const rejections = (await this.c.opts.stores.event(this.eventId).list<RejectedWrite>('rejections')).map(([, v]) => v);
    const voids = [...((await this.c.opts.voids?.(this.eventId)) ?? [])];
    for (const t of tills) voids.push(...(await this.c.opts.hub.read(tillDocName(this.eventId, t.id), (d) => new TillDoc(d).voids().items)));
    const now = this.c.opts.now();
    const alerts = evaluateAlerts(
      { config, tills, locations: setup.locations().items, products, sales, refunds, voids, overrides, adjustments, stock, rejections, now, thresholdFor: thresholdOverride(setup.thresholds().items), coupons: setup.coupons().items },
      this.c.opts.thresholds,
    );
    await this.apply(alerts, now);
  }

  private async apply(alerts: Alert[], now: number): Promise<void> {
    const current = new Set(alerts.map((a) => a.id));
    const fresh = alerts.filter((a) => !this.raised.has(a.id));
    for (const a of fresh) {
      const stored: StoredAlert = { eventId: this.eventId, alert: a, raisedAt: now };
      await this.c.opts.stores.event(this.eventId).put(ALERTS, a.id, stored);
      this.raised.set(a.id, stored);
    }
    // A condition that no longer holds is forgotten, so it is raised again if it returns.
    for (const [id, s] of this.raised) {
      if (s.alert.ongoing && !current.has(id)) {
        await this.c.opts.stores.event(this.eventId).del(ALERTS, id);
        this.raised.delete(id);
      }
    }
    if (fresh.length === 0) return;
    for (const l of this.listeners) l(fresh);
    for (const a of fresh) await this.c.webhooks.enqueue(this.eventId, a);
  }
}

/** Decodes the values of a map not decoded yet; a value that fails to parse is skipped (the summary counts those). */
function decodeNew<T>(map: Y.Map<unknown>, into: Map<string, T>, parse: (raw: unknown) => T): void {
  if (map.size === into.size) return;
  for (const [k, v] of map) {
    if (into.has(k)) continue;
    try {
      into.set(k, parse(decodeValue(v)));
    } catch {
      // Invalid stored records are reported by the summary's `invalidSales`; they raise no alert here.
    }
  }
}

export class AlertCenter {
  readonly webhooks: WebhookSender;
  private readonly watches: EventSlot<Promise<EventWatch>>;
  readonly log: NonNullable<AlertCenterOptions['log']>;

  constructor(readonly opts: AlertCenterOptions) {
    this.log = opts.log ?? (() => undefined);
    this.webhooks = new WebhookSender({ stores: opts.stores, now: opts.now, log: this.log, ...opts.webhook });
    // The watcher's timers and document handles end with its event's host.
    this.watches = opts.hosts.slot('alert-watch', { dispose: async (w) => (await w.catch(() => undefined))?.stop() });
  }

  /**
   * Starts watching the events that have a webhook, and resumes deliveries a restart interrupted: every
   * stored event, for a server that is the only one on its store. A cluster member calls `startEvent` for each
   * event it takes over instead (reading every event here would take every event's lease).
   */
  async start(): Promise<void> {
    for (const eventId of await this.webhooks.configuredEvents()) await this.startEvent(eventId);
    await this.webhooks.resume();
  }

  /**
   * The event is now served here (a start, or a lease taken over): with a webhook, its watcher starts (so
   * alerts raised from now on are delivered by this process) and its interrupted deliveries resume.
   */
  async startEvent(eventId: string, opts: { resume?: boolean } = {}): Promise<void> {
    if (!(await this.webhooks.config(eventId))) return;
    await this.watch(eventId).catch((err: unknown) => this.log('warn', 'could not watch an event for alerts', { eventId, err: String(err) }));
    if (opts.resume) await this.webhooks.resume(eventId);
  }

  /** The event's watcher, started on first use; it runs while this process serves the event. */
  watch(eventId: string): Promise<EventWatch> {
    let w = this.watches.get(eventId);
    if (!w) {
      const watch = new EventWatch(eventId, this);
      const started = watch.start().then(() => watch);
      started.catch(() => {
        if (this.watches.get(eventId) === started) this.watches.delete(eventId);
      });
      this.watches.set(eventId, started);
      w = started;
    }
    return w;
  }

  /** The alerts raised and still standing, newest first, after evaluating the documents as they are now. */
  async current(eventId: string): Promise<StoredAlert[]> {
    const w = await this.watch(eventId);
    await w.refresh();
    return [...w.raised.values()].sort((a, b) => b.raisedAt - a.raisedAt || b.alert.at - a.alert.at);
  }

  async subscribe(eventId: string, listener: AlertListener): Promise<{ alerts: StoredAlert[]; stop: () => void }> {
    const w = await this.watch(eventId);
    w.listeners.add(listener);
    return { alerts: [...w.raised.values()], stop: () => w.listeners.delete(listener) };
  }

  async close(): Promise<void> {
    this.webhooks.close();
    for (const [eventId, w] of [...this.watches]) {
      (await w.catch(() => undefined))?.stop();
      this.watches.delete(eventId);
    }
  }
}
