import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';

/**
 * Serves the built till (renderer/dist) so any browser on the venue's network can run it. Paths are
 * resolved inside the root only (no `..` escapes); unknown paths get index.html, since the till is a
 * single-page app, and `/console` gets the organiser console's page.
 */
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.woff2': 'font/woff2',
};

/** Same policy as renderer/index.html's meta tag, sent as a header too (a header also covers frame-ancestors). */
export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; worker-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self' ws: wss: http: https:; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export function staticFiles(rootDir: string) {
  const root = resolve(rootDir);
  return async function serve(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    const url = new URL(req.url ?? '/', 'http://localhost');
    let path: string;
    try {
      path = decodeURIComponent(url.pathname);
    } catch {
      res.writeHead(400).end('bad path');
      return true;
    }
    let file = normalize(join(root, path));
    if (file !== root && !file.startsWith(root + sep)) {
      res.writeHead(403).end('forbidden');
      return true;
    }
    let info = await stat(file).catch(() => undefined);
    if (!info || info.isDirectory()) {
      // `/console` (and anything under it) is the organiser console's page; every other unknown path the till's.
      file = join(root, path === '/console' || path.startsWith('/console/') ? 'console.html' : 'index.html');
      info = await stat(file).catch(() => undefined);
      if (!info) {
        res.writeHead(503, { 'content-type': 'text/plain' }).end('The till is not built: run `npm run build:renderer`.');
        return true;
      }
    }
    const immutable = file.includes(`${sep}assets${sep}`);
    res.writeHead(200, {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'content-length': info.size,
      'content-security-policy': CONTENT_SECURITY_POLICY,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      // Hashed assets never change; index.html must be re-read to pick up a new build.
      'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
    return true;
  };
}
