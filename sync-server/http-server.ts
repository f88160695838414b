import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { staticFiles } from './static-files.ts';

/**
 * The sync server's HTTP side. Today it serves the till and its health check; the y-websocket sync, auth
 * and the storefront API attach here (see docs/architecture.md).
 */
export interface ServerOptions {
  /** Default 127.0.0.1: reachable from this machine only; use 0.0.0.0 for a venue's LAN. */
  host?: string;
  /** Default 8787; 0 picks a free port (tests). */
  port?: number;
  /** The built till to serve. */
  appDir: string;
}

export interface RunningServer {
  url: string;
  server: Server;
  close(): Promise<void>;
}

export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const serveApp = staticFiles(opts.appDir);
  const started = Date.now();
  const server = createServer((req, res) => {
    if (req.url === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'ok', uptimeMs: Date.now() - started }));
      return;
    }
    serveApp(req, res)
      .then((handled) => {
        if (!handled) res.writeHead(405, { allow: 'GET, HEAD' }).end();
      })
      .catch((err: unknown) => {
        res.writeHead(500, { 'content-type': 'text/plain' }).end(`error: ${err instanceof Error ? err.message : String(err)}`);
      });
  });
  await new Promise<void>((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 8787, opts.host ?? '127.0.0.1', () => resolvePromise());
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return {
    url: `http://${host}:${addr.port}`,
    server,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
