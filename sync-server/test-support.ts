import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { seedDemo } from './demo-seed.ts';
import { startSyncServer, type SyncServer, type SyncServerOptions } from './server.ts';

/**
 * Test worlds for the sync server: each gets its own data folder and its own server on 127.0.0.1, port 0,
 * and `stop()` tears both down. Clients are stock y-websocket providers over `ws`.
 */
export interface World {
  server: SyncServer;
  dataDir: string;
  wsUrl: string;
  providers: WebsocketProvider[];
  provider(docName: string, token: string, doc?: Y.Doc, params?: Record<string, string>): WebsocketProvider;
  /** Restarts the server on the same data folder (and the same port). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export async function world(opts: Partial<SyncServerOptions> = {}): Promise<World> {
  const dataDir = await mkdtemp(join(tmpdir(), 'popup-sync-'));
  const base = { host: '127.0.0.1', port: 0, dataDir, adminToken: 'test-admin-token-0123456789', hub: { idleUnloadMs: 200 }, ...opts };
  let server = await startSyncServer(base);
  const w: World = {
    server,
    dataDir,
    wsUrl: server.url.replace('http', 'ws') + '/sync',
    providers: [],
    provider(docName, token, doc = new Y.Doc(), params = {}) {
      const p = new WebsocketProvider(w.wsUrl, docName, doc, {
        WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
        params: { token, ...params },
        disableBc: true,
        maxBackoffTime: 200,
      });
      w.providers.push(p);
      return p;
    },
    async restart() {
      const port = Number(new URL(server.url).port);
      await server.close();
      server = await startSyncServer({ ...base, port });
      w.server = server;
    },
    async stop() {
      for (const p of w.providers) p.destroy();
      await server.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  return w;
}

export async function demoWorld(opts: Partial<SyncServerOptions> = {}) {
  const w = await world(opts);
  const demo = await seedDemo(w.server, Date.now() - 5 * 60_000);
  // The same object, not a copy: restart() replaces `server` on it.
  return Object.assign(w, { demo });
}

/** Resolves when `check` holds, polling; fails with `what` after `ms`. */
export async function until(check: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export function synced(p: WebsocketProvider): Promise<void> {
  return until(() => p.synced, 'the provider to sync');
}
