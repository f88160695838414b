import { creatorKey } from '../core/event/event.ts';
import { mkdir } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Auth, CLUSTER_TOKEN_RECHECK_MS } from './auth.ts';
import { adminToken } from './admin-token.ts';
import { DocHub, type HubOptions } from './doc-hub.ts';
import { answerRefundClaims } from './refund-claims.ts';
import { EventService, type RelayMode } from './event-service.ts';
import { AlertCenter, type AlertCenterOptions } from './analytics/alert-center.ts';
import { adminRoutes } from './http/admin-routes.ts';
import { EXAMPLE_STOREFRONT_PATH, exampleStorefront } from './http/examples.ts';
import { stockRoutes } from './http/stock-routes.ts';
import { StockReturns } from './stock-returns.ts';
import { trackingRoutes } from './http/tracking-routes.ts';
import { TrackingLinks } from './storefront/tracking.ts';
import { DropQueue } from './storefront/queue.ts';
import { StorefrontOrigins } from './http/cors.ts';
import { analyticsRoutes } from './http/analytics-routes.ts';
import { storefrontRoutes } from './http/storefront-routes.ts';
import { sessionRoutes } from './http/session-routes.ts';
import { summaryRoutes } from './http/summary-routes.ts';
import { Router, send } from './http/router.ts';
import { errorReply } from './http/error-map.ts';
import { EventNotFound } from './server-errors.ts';
import { RateLimits } from './http/rate-limits.ts';
import { applyEdgeTimeouts, EDGE_SERVER_OPTIONS } from './http/edge.ts';
import { DEFAULT_LIMITS, type Limits } from './limits.ts';
import { Metrics } from './metrics.ts';
import { staticFiles } from './static-files.ts';
import { LevelStore } from './storage/level-store.ts';
import { openStore, type StoreSpec } from './storage/open-store.ts';
import type { Store, Stores } from './storage/store.ts';
import { storesOf } from './storage/store-access.ts';
import { ClusterFront } from './cluster/cluster-front.ts';
import { clusterIdentity } from './cluster/cluster-identity.ts';
import { clusterSecret } from './cluster/cluster-secret.ts';
import { ClusterMetrics } from './cluster/cluster-metrics.ts';
import { clusterStores } from './cluster/cluster-stores.ts';
import { EventOwnership } from './cluster/event-ownership.ts';
import { putFrontBefore } from './cluster/front-server.ts';
import { CloseCode } from './close-codes.ts';
import { verifyStore } from './storage/verify-store.ts';
import { recoveryRoutes } from './http/recovery-routes.ts';
import { Storefront } from './storefront/storefront.ts';
import { attachWebSockets } from './ws-transport.ts';
import { ClickCounter } from './creators/click-counter.ts';
import { redirectRoutes, type RedirectLimits } from './http/redirect-routes.ts';
import { setupRoutes } from './http/setup-routes.ts';
import { SetupService } from './setup-service.ts';
import type { MailConfig } from './mail/mail-config.ts';
import { ReceiptMailer } from './mail/receipt-mailer.ts';
import { receiptMailRoutes } from './http/receipt-mail-routes.ts';
import { QaBoard, type QaLimits } from './qa/qa-board.ts';
import { QaFeed } from './qa/qa-feed.ts';
import { EventHosts } from './event-hosts.ts';

/**
 * The sync server: one HTTP server carrying the y-websocket sync (`/sync/<doc>`), the JSON API (`/api/…`),
 * health and metrics, and the built till (`/`). What it stores lives in its store: by default the embedded
 * LevelDB store in `<dataDir>/store`, or the one given as `store` (a PostgreSQL URL, a folder, or an instance).
 */
export interface SyncServerOptions {
  /** Default 127.0.0.1: this machine only; 0.0.0.0 for a venue's LAN. */
  host?: string;
  /** Default 8787; 0 picks a free port (tests). */
  port?: number;
  /** The admin token file, and the embedded store's folder (`<dataDir>/store`) when `store` is not given. */
  dataDir: string;
  /**
   * Where records and documents are kept: a `{ url }` for PostgreSQL (`--store`, POPUP_STORE_URL), a
   * `{ dataDir }` for LevelDB in that folder, or an open Store (tests wrap one). The server closes it on close.
   */
  store?: Store | StoreSpec;
  /**
   * A store with leases (PostgreSQL) runs this process as one of a cluster (docs/operations.md, "A cluster
   * of server processes"): `advertise` is the URL the others reach it at (default http://<host>:<port>);
   * the lease timings are for tests (defaults 3 s and 1 s).
   */
  cluster?: { advertise?: string; ttlMs?: number; renewEveryMs?: number };
  /** The built till to serve at `/` (renderer/dist). */
  appDir?: string;
  /** The example storefront's folder (examples/storefront), served at /examples/storefront/; none by default. */
  exampleStorefrontDir?: string;
  /** Default: POPUP_ADMIN_TOKEN, else a token kept in `<dataDir>/admin-token`. */
  adminToken?: string;
  limits?: Partial<Limits>;
  hub?: Partial<Pick<HubOptions, 'idleUnloadMs' | 'compactEvery'>>;
  log?: HubOptions['log'];
  now?: () => number;
  /** Creator links (`/r/<code>`): per-address rate limit, and how often click counts are written (default 1 s). */
  redirects?: Partial<RedirectLimits> & { clickFlushMs?: number };
  /** The alert watcher's timing and webhook retries (tests shorten them); see analytics/alert-center.ts. */
  alerts?: Pick<AlertCenterOptions, 'debounceMs' | 'rejectionPollMs' | 'thresholds' | 'webhook'>;
  /** A LAN hub relaying to an upstream server (event-service.ts `RelayMode`). Default: this server is the authority. */
  relay?: RelayMode;
  /** The SMTP relay for e-mail receipts (mail/mail-config.ts); none: the server refuses to send them. */
  mail?: MailConfig;
  /** The live Q&A's limits (qa/qa-board.ts, http/qa-routes.ts); the bench lifts the per-address stream cap. */
  qa?: { limits?: Partial<QaLimits>; maxStreamsPerAddress?: number; maxStreams?: number; coalesceMs?: number };
}

export interface SyncServer {
  url: string;
  server: Server;
  adminToken: string;
  /** True when the admin token was made on this start (the CLI prints it once). */
  adminTokenCreated: boolean;
  hub: DocHub;
  /** The events this process serves, one host each (event-host.ts). */
  hosts: EventHosts;
  events: EventService;
  /** The online drop: stock, reservations, orders, the stock stream. */
  storefront: Storefront;
  /** Editing an event's set-up (settings, brands, locations, creators, thresholds). */
  setup: SetupService;
  /** Clicks on creator links, batched to storage. */
  clicks: ClickCounter;
  /** Stock and fraud alerts per event, their stream and webhook. */
  alerts: AlertCenter;
  auth: Auth;
  /** The store of record (closed with the server). */
  store: Store;
  /** The store as every module reaches it: `stores.event(eventId)` is the one per-event access. */
  stores: Stores;
  metrics: Metrics;
  /** E-mail receipts, sent at most once per checkout. */
  mailer: ReceiptMailer;
  /** The drop's live Q&A and its feed to watching shoppers. */
  qa: { board: QaBoard; feed: QaFeed };
  /** Flushes and closes everything; resolves when the data is safely on disk. */
  close(): Promise<void>;
}

export async function startSyncServer(opts: SyncServerOptions): Promise<SyncServer> {
  await mkdir(opts.dataDir, { recursive: true });
  const limits: Limits = { ...DEFAULT_LIMITS, ...opts.limits };
  const now = opts.now ?? Date.now;
  const admin = opts.adminToken ? { token: opts.adminToken, created: false } : await adminToken(opts.dataDir, process.env['POPUP_ADMIN_TOKEN']);
  const store = await openServerStore(opts);
  const metrics = new Metrics();
  // A store with leases is shared by a cluster: each event is served by the process holding its lease.
  // The port is known once listening (port 0 in tests); no lease is taken before that.
  const bound: { port?: number } = {};
  const identity = () => clusterIdentity({ host: opts.host ?? '127.0.0.1', port: bound.port ?? opts.port ?? 8787, advertise: opts.cluster?.advertise });
  const me = store.leases ? identity() : undefined;
  const clusterMetrics = store.leases ? new ClusterMetrics() : undefined;
  const ownership =
    store.leases && me
      ? new EventOwnership({
          leases: store.leases,
          owner: me.owner,
          url: () => (opts.cluster?.advertise ?? identity().url),
          ...(opts.cluster?.ttlMs ? { ttlMs: opts.cluster.ttlMs } : {}),
          ...(opts.cluster?.renewEveryMs ? { renewEveryMs: opts.cluster.renewEveryMs } : {}),
          ...(clusterMetrics ? { metrics: clusterMetrics } : {}),
          ...(opts.log ? { log: opts.log } : {}),
        })
      : undefined;
  const stores = ownership ? clusterStores(store, ownership) : storesOf(store);
  // The events this process serves, one host each (event-host.ts): in a cluster, a host belongs to the lease
  // epoch it was made under, so an event taken back never finds the memory of before it left.
  const hosts = new EventHosts({ ...(ownership ? { epochOf: (eventId: string) => ownership.fenceOf(eventId)?.epoch } : {}), ...(opts.log ? { log: opts.log } : {}) });
  // Verify what is stored before serving anything: damage is reported in one line, shown on /healthz and
  // /metrics, and the damaged documents are refused (4503 / 503) until an admin rebuilds them. On the
  // embedded store only: it is the one whose files a crash, a full disk or a bad copy can damage under the
  // server; PostgreSQL checks its own pages, and reading every event of a shared database at each start of
  // each process would not scale.
  const damageAtStart = store instanceof LevelStore ? await verifyStore(stores, store.dir, store.lostOnOpen) : [];
  if (damageAtStart.length) {
    const line = `stored data damaged: ${damageAtStart.map((d) => `${d.doc}: ${d.what}`).join('; ')} — refused until rebuilt (docs/operations.md, "Damage and recovery")`;
    if (opts.log) opts.log('error', line);
    else console.error(`[error] ${line}`);
  }
  const storeDamage = damageAtStart.filter((d) => d.doc === 'store');
  // Token records are answered from memory (auth.ts, TokenCacheOptions): always on one process; in a cluster only
  // for events whose lease this process holds, under that lease's epoch.
  const auth = new Auth(stores, admin.token, now, ownership ? { epochOf: (e) => ownership.fenceOf(e)?.epoch, recheckMs: CLUSTER_TOKEN_RECHECK_MS } : undefined);
  await auth.indexLegacyTokens();
  const hub = new DocHub({ stores, metrics, ...(opts.log ? { log: opts.log } : {}), ...opts.hub, now, awareness: limits, ...(opts.relay?.eventId ? { relayedEventId: opts.relay.eventId } : {}) });
  hub.markDamaged(damageAtStart);
  const events = new EventService(hub, auth, stores, hosts, { now }, opts.relay);
  // A till running low asks; the server, holder of the reserve, grants what it can (docs/sync-protocol.md).
  // A relaying hub leaves that to the upstream server, whose grant comes back through the relay.
  if (!opts.relay) {
    hub.onRightsRequest((eventId, brandId, requestId) => {
      events.grantRightsRequest(eventId, brandId, requestId).catch((err: unknown) => opts.log?.('warn', 'could not answer a rights request', { eventId, brandId, requestId, err: String(err) }));
    });
    hub.onRefundClaims((eventId, brandId, claimIds) => {
      answerRefundClaims(events, hub, eventId, brandId, claimIds).catch((err: unknown) => opts.log?.('warn', 'could not answer refund-rights claims', { eventId, brandId, err: String(err) }));
    });
  }
  const router = new Router(auth, limits.maxBodyBytes);
  const rateLimits = new RateLimits(limits, metrics);
  // Pairing codes must not be guessable by trying: per address (a pairing device has no token yet).
  router.before('POST', '/api/pair', (ctx) => rateLimits.take('pair-address', rateLimits.clientAddress(ctx.req)));
  adminRoutes(router, { events, auth, stores, now });
  stockRoutes(router, { events, returns: new StockReturns({ hub, events, now }) });
  recoveryRoutes(router, { hub });
  const storefront = new Storefront({ hub, events, stores, hosts, now, answerOf: errorReply, ...(opts.log ? { log: opts.log } : {}) });
  const tracking = new TrackingLinks(stores);
  const queue = new DropQueue({
    stores,
    hosts,
    now,
    dropOf: async (eventId) => {
      const { config } = await events.setup(eventId);
      if (!config) throw new EventNotFound(eventId);
      return config.drop;
    },
    soldOut: async (eventId) => {
      const { items } = await storefront.stock(eventId);
      return items.length > 0 && items.every((i) => i.available <= 0);
    },
  });
  const qaBoard = new QaBoard({
    records: (eventId) => stores.event(eventId),
    hosts,
    now,
    hasProduct: async (eventId, sku) => (await storefront.stock(eventId)).items.some((i) => i.sku === sku),
    ...(opts.qa?.limits ? { limits: opts.qa.limits } : {}),
  });
  const qaFeed = new QaFeed(qaBoard, hosts, opts.qa?.coalesceMs !== undefined ? { coalesceMs: opts.qa.coalesceMs } : {});
  const qa = { board: qaBoard, feed: qaFeed, ...(opts.qa?.maxStreamsPerAddress !== undefined ? { maxStreamsPerAddress: opts.qa.maxStreamsPerAddress } : {}), ...(opts.qa?.maxStreams !== undefined ? { maxStreams: opts.qa.maxStreams } : {}) };
  storefrontRoutes(router, { storefront, auth, events, origins: new StorefrontOrigins(stores, hosts), rateLimits, now, tracking, queue, qa, streams: { perAddress: limits.stockStreamsPerAddress, total: limits.stockStreams } });
  trackingRoutes(router, { storefront, events, links: tracking, rateLimits, ...(opts.exampleStorefrontDir ? { trackingPage: `${EXAMPLE_STOREFRONT_PATH}track.html` } : {}) });
  summaryRoutes(router, { hub, events });
  sessionRoutes(router);
  const mailer = new ReceiptMailer({ hub, events, stores, now, config: opts.mail });
  receiptMailRoutes(router, { mailer });
  const setup = new SetupService(hub, events, stores);
  const clicks = new ClickCounter(stores, hosts, { ...(opts.redirects?.clickFlushMs !== undefined ? { flushMs: opts.redirects.clickFlushMs } : {}), ...(opts.log ? { log: opts.log } : {}) });
  setupRoutes(router, { events, setup, clicks });
  redirectRoutes(router, { events, setup, clicks, clientAddress: (req) => rateLimits.clientAddress(req), ...(opts.redirects ? { limits: opts.redirects } : {}) });
  const alerts = new AlertCenter({ hub, stores, hosts, now, ...(opts.log ? { log: opts.log } : {}), ...opts.alerts });
  // Clicks are counted under the lower-cased code; analytics matches sales by the code as the event spells it.
  const creatorClicks = async (eventId: string) => {
    const counts = await clicks.counts(eventId);
    return Object.fromEntries((await events.setup(eventId)).creators.map((c) => [c.code, counts.get(creatorKey(c.code)) ?? 0]));
  };
  analyticsRoutes(router, { hub, events, stores, now, alerts, auth, clicks: creatorClicks });
  const app = opts.appDir ? staticFiles(opts.appDir) : undefined;
  const example = opts.exampleStorefrontDir ? exampleStorefront(opts.exampleStorefrontDir) : undefined;
  const started = now();
  // In a cluster: every request passes the front, which serves it here or forwards it to the event's owner;
  // an event this process stops owning leaves memory and its clients are sent to the owner (4409).
  const front = ownership
    ? new ClusterFront({
        ownership,
        secret: await clusterSecret(store.server()),
        clientAddress: (req) => rateLimits.clientAddress(req),
        ...(clusterMetrics ? { metrics: clusterMetrics } : {}),
        maxRoutingBodyBytes: limits.maxBodyBytes,
        ...(opts.log ? { log: opts.log } : {}),
        lookup: async (what, key) => {
          if (what === 'token') return (await auth.verify(key))?.eventId;
          if (what === 'pairing-code') return (await auth.peekPairingCode(key))?.eventId;
          if (what === 'creator-code') return setup.eventOfCode(key);
          return tracking.resolve(key).then(
            (t) => t.eventId,
            () => undefined,
          );
        },
      })
    : undefined;
  ownership?.onDrop((eventId) => {
    hub.dropEvent(eventId, CloseCode.EventMoved, `event ${eventId} is served by another server process now; reconnect`);
    // Its memory goes with it: taken back later, the event is read again from what the other owner wrote.
    void hosts.dispose(eventId);
    // Token records cached under the lease are stale from now on (auth.ts, TokenCacheOptions).
    auth.forget(eventId);
  });
  // An event taken over starts its host: its alert watcher (with a webhook) and its interrupted deliveries.
  ownership?.onTake((eventId) => hosts.start(eventId));
  hosts.onStart((host) => alerts.startEvent(host.eventId, { resume: true }));
  // An event whose documents all went idle is forgotten, and in a cluster its lease goes back at once, so
  // another process may take it without waiting for the lease to run out.
  hub.onEventIdle((eventId) => {
    void (async () => {
      if (!(await hosts.idle(eventId))) return;
      // Used again meanwhile (a request loaded a document or made a host): keep serving it.
      if (ownership && !hub.isEventLoaded(eventId) && !hosts.peek(eventId)) await ownership.release(eventId);
    })().catch((err: unknown) => opts.log?.('warn', 'could not release an idle event', { eventId, err: String(err) }));
  });

  const server = createServer(EDGE_SERVER_OPTIONS, (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/healthz') {
      // Degraded, not down: every other document is served. 200 so that a liveness probe does not restart a
      // server whose damage a restart cannot mend; monitors read `status` or popup_documents_damaged.
      const damaged = [...storeDamage, ...hub.damage()];
      const recovering = hub.recoveringDocs();
      return send(res, { status: 200, body: { status: damaged.length ? 'degraded' : 'ok', uptimeMs: now() - started, documents: hub.loadedCount(), connections: metrics.connections, ...(damaged.length ? { damaged } : {}), ...(recovering.length ? { recovering } : {}), ...(front ? { cluster: front.health() } : {}) } });
    }
    if (path === '/metrics') return send(res, { status: 200, text: metrics.render() + (clusterMetrics ? `${clusterMetrics.render().join('\n')}\n` : ''), headers: { 'content-type': 'text/plain; version=0.0.4' } });
    void (async () => {
      if (await router.handle(req, res)) return;
      if (example && (await example(req, res))) return;
      if (app && (await app(req, res))) return;
      send(res, { status: 404, body: { type: 'NotFound', message: `nothing at ${path}` } });
    })().catch((err: unknown) => send(res, { status: 500, body: { type: 'InternalError', message: String(err) } }));
  });
  applyEdgeTimeouts(server, limits);
  const ws = attachWebSockets(server, { hub, auth, limits, metrics });
  if (front) putFrontBefore(server, front, (err) => opts.log?.('error', 'cluster front failed', { err: String(err) }));

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 8787, opts.host ?? '127.0.0.1', () => resolve());
  });
  bound.port = (server.address() as AddressInfo).port;
  // Events with a webhook are watched from the start, and deliveries a restart interrupted are resumed. In a
  // cluster, each event's are when this process takes its lease (onTake above): reading every event here
  // would take every lease.
  if (!ownership) await alerts.start();
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${addr.port}`,
    server,
    adminToken: admin.token,
    adminTokenCreated: admin.created,
    hub,
    hosts,
    events,
    storefront,
    setup,
    clicks,
    alerts,
    auth,
    store,
    stores,
    metrics,
    mailer,
    qa: { board: qaBoard, feed: qaFeed },
    close: () =>
      (closing ??= (async () => {
        storefront.close();
        qaFeed.close();
        mailer.close();
        await clicks.close();
        await alerts.close();
        // Every event's timers stop and its work in flight (group commits) ends before the documents close.
        await hosts.close();
        await hub.close();
        // Every write is flushed: the leases go back, so other processes take these events at once.
        await ownership?.close();
        ws.close();
        server.closeAllConnections();
        await new Promise<void>((r) => server.close(() => r()));
        await stores.close();
        await store.close();
      })()),
  };
}

/** The store the options name, opened: the embedded LevelDB store in `<dataDir>/store` unless told otherwise. */
async function openServerStore(opts: SyncServerOptions): Promise<Store> {
  const given = opts.store ?? { dataDir: `${opts.dataDir}/store` };
  if (!('dataDir' in given) && !('url' in given)) return given;
  if ('url' in given) return openStore(given);
  return LevelStore.open(given.dataDir, {
    // The writes are durable; only the record that would reveal their later loss could not be written.
    onHighWaterError: (err) => opts.log?.('error', `store: the high-water record cannot be written (${err instanceof Error ? err.message : String(err)}); a later loss of acknowledged writes may go unreported`),
  });
}
