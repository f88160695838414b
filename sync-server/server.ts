import { creatorKey } from '../core/event/event.ts';
import { mkdir } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Auth } from './auth.ts';
import { adminToken } from './admin-token.ts';
import { DocHub, type HubOptions } from './doc-hub.ts';
import { answerRefundClaims } from './refund-claims.ts';
import { EventService, type RelayMode } from './event-service.ts';
import { AlertCenter, type AlertCenterOptions } from './analytics/alert-center.ts';
import { adminRoutes } from './http/admin-routes.ts';
import { EXAMPLE_STOREFRONT_PATH, exampleStorefront } from './http/examples.ts';
import { stockRoutes } from './http/stock-routes.ts';
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
import { LevelStorage } from './storage/level-storage.ts';
import { verifyStore } from './storage/verify-store.ts';
import { recoveryRoutes } from './http/recovery-routes.ts';
import type { ServerStorage } from './storage/server-storage.ts';
import { Storefront } from './storefront/storefront.ts';
import { attachWebSockets } from './ws-transport.ts';
import { ClickCounter } from './creators/click-counter.ts';
import { redirectRoutes, type RedirectLimits } from './http/redirect-routes.ts';
import { setupRoutes } from './http/setup-routes.ts';
import { SetupService } from './setup-service.ts';
import type { MailConfig } from './mail/mail-config.ts';
import { ReceiptMailer } from './mail/receipt-mailer.ts';
import { receiptMailRoutes } from './http/receipt-mail-routes.ts';

/**
 * The sync server: one HTTP server carrying the y-websocket sync (`/sync/<doc>`), the JSON API (`/api/…`),
 * health and metrics, and the built till (`/`). Everything it stores lives in `dataDir`.
 */
export interface SyncServerOptions {
  /** Default 127.0.0.1: this machine only; 0.0.0.0 for a venue's LAN. */
  host?: string;
  /** Default 8787; 0 picks a free port (tests). */
  port?: number;
  dataDir: string;
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
}

export interface SyncServer {
  url: string;
  server: Server;
  adminToken: string;
  /** True when the admin token was made on this start (the CLI prints it once). */
  adminTokenCreated: boolean;
  hub: DocHub;
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
  storage: ServerStorage;
  metrics: Metrics;
  /** E-mail receipts, sent at most once per checkout. */
  mailer: ReceiptMailer;
  /** Flushes and closes everything; resolves when the data is safely on disk. */
  close(): Promise<void>;
}

export async function startSyncServer(opts: SyncServerOptions): Promise<SyncServer> {
  await mkdir(opts.dataDir, { recursive: true });
  const limits: Limits = { ...DEFAULT_LIMITS, ...opts.limits };
  const now = opts.now ?? Date.now;
  const admin = opts.adminToken ? { token: opts.adminToken, created: false } : await adminToken(opts.dataDir, process.env['POPUP_ADMIN_TOKEN']);
  const storage = await LevelStorage.open(`${opts.dataDir}/store`, {
    // The writes are durable; only the record that would reveal their later loss could not be written.
    onHighWaterError: (err) => opts.log?.('error', `store: the high-water record cannot be written (${err instanceof Error ? err.message : String(err)}); a later loss of acknowledged writes may go unreported`),
  });
  const metrics = new Metrics();
  // Verify what is stored before serving anything: damage is reported in one line, shown on /healthz and
  // /metrics, and the damaged documents are refused (4503 / 503) until an admin rebuilds them.
  const damageAtStart = await verifyStore(storage, `${opts.dataDir}/store`, storage.lostOnOpen);
  if (damageAtStart.length) {
    const line = `stored data damaged: ${damageAtStart.map((d) => `${d.doc}: ${d.what}`).join('; ')} — refused until rebuilt (docs/operations.md, "Damage and recovery")`;
    if (opts.log) opts.log('error', line);
    else console.error(`[error] ${line}`);
  }
  const storeDamage = damageAtStart.filter((d) => d.doc === 'store');
  const auth = new Auth(storage, admin.token, now);
  await auth.indexLegacyTokens();
  const hub = new DocHub({ storage, metrics, ...(opts.log ? { log: opts.log } : {}), ...opts.hub, now, awareness: limits, ...(opts.relay?.eventId ? { relayedEventId: opts.relay.eventId } : {}) });
  hub.markDamaged(damageAtStart);
  const events = new EventService(hub, auth, storage, { now }, opts.relay);
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
  adminRoutes(router, { events, auth, storage, now });
  stockRoutes(router, { events });
  recoveryRoutes(router, { hub });
  const storefront = new Storefront({ hub, events, storage, now, answerOf: errorReply, ...(opts.log ? { log: opts.log } : {}) });
  const tracking = new TrackingLinks(storage);
  const queue = new DropQueue({
    storage,
    now,
    dropOf: async (eventId) => {
      const { config } = await events.setup(eventId);
      if (!config) throw new EventNotFound(eventId);
      return config.drop;
    },
  });
  storefrontRoutes(router, { storefront, auth, events, origins: new StorefrontOrigins(storage), rateLimits, now, tracking, queue, streams: { perAddress: limits.stockStreamsPerAddress, total: limits.stockStreams } });
  trackingRoutes(router, { storefront, events, links: tracking, rateLimits, ...(opts.exampleStorefrontDir ? { trackingPage: `${EXAMPLE_STOREFRONT_PATH}track.html` } : {}) });
  summaryRoutes(router, { hub, events });
  sessionRoutes(router);
  const mailer = new ReceiptMailer({ hub, events, storage, now, config: opts.mail });
  receiptMailRoutes(router, { mailer });
  const setup = new SetupService(hub, events, storage);
  const clicks = new ClickCounter(storage, { ...(opts.redirects?.clickFlushMs !== undefined ? { flushMs: opts.redirects.clickFlushMs } : {}), ...(opts.log ? { log: opts.log } : {}) });
  setupRoutes(router, { events, setup, clicks });
  redirectRoutes(router, { events, setup, clicks, ...(opts.redirects ? { limits: opts.redirects } : {}) });
  const alerts = new AlertCenter({ hub, storage, now, ...(opts.log ? { log: opts.log } : {}), ...opts.alerts });
  // Clicks are counted under the lower-cased code; analytics matches sales by the code as the event spells it.
  const creatorClicks = async (eventId: string) => {
    const counts = await clicks.counts(eventId);
    return Object.fromEntries((await events.setup(eventId)).creators.map((c) => [c.code, counts.get(creatorKey(c.code)) ?? 0]));
  };
  analyticsRoutes(router, { hub, events, storage, now, alerts, auth, clicks: creatorClicks });
  const app = opts.appDir ? staticFiles(opts.appDir) : undefined;
  const example = opts.exampleStorefrontDir ? exampleStorefront(opts.exampleStorefrontDir) : undefined;
  const started = now();

  const server = createServer(EDGE_SERVER_OPTIONS, (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/healthz') {
      // Degraded, not down: every other document is served. 200 so that a liveness probe does not restart a
      // server whose damage a restart cannot mend; monitors read `status` or popup_documents_damaged.
      const damaged = [...storeDamage, ...hub.damage()];
      const recovering = hub.recoveringDocs();
      return send(res, { status: 200, body: { status: damaged.length ? 'degraded' : 'ok', uptimeMs: now() - started, documents: hub.loadedCount(), connections: metrics.connections, ...(damaged.length ? { damaged } : {}), ...(recovering.length ? { recovering } : {}) } });
    }
    if (path === '/metrics') return send(res, { status: 200, text: metrics.render(), headers: { 'content-type': 'text/plain; version=0.0.4' } });
    void (async () => {
      if (await router.handle(req, res)) return;
      if (example && (await example(req, res))) return;
      if (app && (await app(req, res))) return;
      send(res, { status: 404, body: { type: 'NotFound', message: `nothing at ${path}` } });
    })().catch((err: unknown) => send(res, { status: 500, body: { type: 'InternalError', message: String(err) } }));
  });
  applyEdgeTimeouts(server, limits);
  const ws = attachWebSockets(server, { hub, auth, limits, metrics });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 8787, opts.host ?? '127.0.0.1', () => resolve());
  });
  // Events with a webhook are watched from the start, and deliveries a restart interrupted are resumed.
  await alerts.start();
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${addr.port}`,
    server,
    adminToken: admin.token,
    adminTokenCreated: admin.created,
    hub,
    events,
    storefront,
    setup,
    clicks,
    alerts,
    auth,
    storage,
    metrics,
    mailer,
    close: () =>
      (closing ??= (async () => {
        storefront.close();
        mailer.close();
        await clicks.close();
        await alerts.close();
        await hub.close();
        ws.close();
        server.closeAllConnections();
        await new Promise<void>((r) => server.close(() => r()));
        await storage.close();
      })()),
  };
}
