import { mkdir } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Auth } from './auth.ts';
import { adminToken } from './admin-token.ts';
import { DocHub, type HubOptions } from './doc-hub.ts';
import { EventService, type RelayMode } from './event-service.ts';
import { adminRoutes } from './http/admin-routes.ts';
import { storefrontRoutes } from './http/storefront-routes.ts';
import { summaryRoutes } from './http/summary-routes.ts';
import { Router, send } from './http/router.ts';
import { DEFAULT_LIMITS, type Limits } from './limits.ts';
import { Metrics } from './metrics.ts';
import { staticFiles } from './static-files.ts';
import { LevelStorage } from './storage/level-storage.ts';
import type { ServerStorage } from './storage/server-storage.ts';
import { Storefront } from './storefront/storefront.ts';
import { attachWebSockets } from './ws-transport.ts';

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
  /** Default: POPUP_ADMIN_TOKEN, else a token kept in `<dataDir>/admin-token`. */
  adminToken?: string;
  limits?: Partial<Limits>;
  hub?: Partial<Pick<HubOptions, 'idleUnloadMs' | 'compactEvery'>>;
  log?: HubOptions['log'];
  now?: () => number;
  /** A LAN hub relaying to an upstream server (event-service.ts `RelayMode`). Default: this server is the authority. */
  relay?: RelayMode;
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
  auth: Auth;
  storage: ServerStorage;
  metrics: Metrics;
  /** Flushes and closes everything; resolves when the data is safely on disk. */
  close(): Promise<void>;
}

export async function startSyncServer(opts: SyncServerOptions): Promise<SyncServer> {
  await mkdir(opts.dataDir, { recursive: true });
  const limits: Limits = { ...DEFAULT_LIMITS, ...opts.limits };
  const now = opts.now ?? Date.now;
  const admin = opts.adminToken ? { token: opts.adminToken, created: false } : await adminToken(opts.dataDir, process.env['POPUP_ADMIN_TOKEN']);
  const storage = await LevelStorage.open(`${opts.dataDir}/store`);
  const metrics = new Metrics();
  const auth = new Auth(storage, admin.token, now);
  const hub = new DocHub({ storage, metrics, ...(opts.log ? { log: opts.log } : {}), ...opts.hub, now });
  const events = new EventService(hub, auth, storage, { now }, opts.relay);
  // A till running low asks; the server, holder of the reserve, grants what it can (docs/sync-protocol.md).
  // A relaying hub leaves that to the upstream server, whose grant comes back through the relay.
  if (!opts.relay) {
    hub.onRightsRequest((eventId, brandId, requestId) => {
      events.grantRightsRequest(eventId, brandId, requestId).catch((err: unknown) => opts.log?.('warn', 'could not answer a rights request', { eventId, brandId, requestId, err: String(err) }));
    });
  }
  const router = new Router(auth, limits.maxBodyBytes);
  adminRoutes(router, { events, auth, storage, now });
  const storefront = new Storefront({ hub, events, storage, now, ...(opts.log ? { log: opts.log } : {}) });
  storefrontRoutes(router, { storefront, auth });
  summaryRoutes(router, { hub, events });
  const app = opts.appDir ? staticFiles(opts.appDir) : undefined;
  const started = now();

  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/healthz') return send(res, { status: 200, body: { status: 'ok', uptimeMs: now() - started, documents: hub.loadedCount(), connections: metrics.connections } });
    if (path === '/metrics') return send(res, { status: 200, text: metrics.render(), headers: { 'content-type': 'text/plain; version=0.0.4' } });
    void (async () => {
      if (await router.handle(req, res)) return;
      if (app && (await app(req, res))) return;
      send(res, { status: 404, body: { type: 'NotFound', message: `nothing at ${path}` } });
    })().catch((err: unknown) => send(res, { status: 500, body: { type: 'InternalError', message: String(err) } }));
  });
  // Bounded time to send the request head (the WebSocket upgrade included): see limits.ts.
  server.headersTimeout = limits.handshakeTimeoutMs;
  server.requestTimeout = 60_000;
  const ws = attachWebSockets(server, { hub, auth, limits, metrics });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 8787, opts.host ?? '127.0.0.1', () => resolve());
  });
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
    auth,
    storage,
    metrics,
    close: () =>
      (closing ??= (async () => {
        storefront.close();
        await hub.close();
        ws.close();
        server.closeAllConnections();
        await new Promise<void>((r) => server.close(() => r()));
        await storage.close();
      })()),
  };
}
