import { readFile, stat } from 'node:fs/promises';
import { extname, normalize, resolve, sep } from 'node:path';
import { CONTENT_SECURITY_POLICY } from '../sync-server/static-files.ts';

/**
 * The till's own origin, `app://popup/`, serving the built renderer (renderer/dist) from inside the app.
 * Not `file://`: a file origin can read any file the user can, shares one origin with every local page and
 * gets no CSP header (Electron security checklist, "Use a custom protocol instead of file://",
 * https://www.electronjs.org/docs/latest/tutorial/security#18-avoid-usage-of-the-file-protocol-and-prefer-usage-of-custom-protocols).
 *
 * Registered as standard (relative URLs and a real origin, so IndexedDB works and is kept per origin), secure
 * (treated like https: crypto.subtle, no mixed-content downgrade) and supportFetchAPI. The privileges must be
 * registered before the app is ready (main.ts does it first thing).
 */
export const APP_SCHEME = 'app';
export const APP_HOST = 'popup';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY = `${APP_ORIGIN}/index.html`;

export const APP_SCHEME_PRIVILEGES = {
  scheme: APP_SCHEME,
  privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: false, stream: false, bypassCSP: false },
} as const;

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.webmanifest': 'application/manifest+json',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};

/** Headers on every answer, errors included: the CSP travels as a header, which also covers frame-ancestors. */
export const APP_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
};

export interface FileReader {
  stat(path: string): Promise<{ isFile(): boolean }>;
  read(path: string): Promise<Uint8Array>;
}

const nodeFiles: FileReader = { stat: (p) => stat(p), read: (p) => readFile(p) };

/**
 * Answers one request for `app://popup/…` (Electron's `protocol.handle` gives a fetch Request and takes a
 * Response). Only GET and HEAD; only this host; the path is decoded and resolved inside `distDir`, and
 * anything that would leave it (`..`, an encoded `%2e%2e`, a backslash, a NUL) is refused. `/` is index.html.
 * Unknown files are a 404, not index.html: the till is one page and a missing asset must show as missing.
 */
export function createAppProtocolHandler(distDir: string, files: FileReader = nodeFiles): (request: Request) => Promise<Response> {
  const root = resolve(distDir);
  const answer = (status: number, body: string) => new Response(body, { status, headers: { ...APP_HEADERS, 'content-type': 'text/plain; charset=utf-8' } });
  return async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return answer(405, 'method not allowed');
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      return answer(400, 'bad url');
    }
    if (url.protocol !== `${APP_SCHEME}:` || url.host !== APP_HOST) return answer(404, 'unknown host');
    const file = resolveInside(root, url.pathname);
    if (!file) return answer(403, 'forbidden');
    const info = await files.stat(file).catch(() => undefined);
    if (!info?.isFile()) return answer(404, `not found: ${url.pathname}`);
    const body = new Uint8Array(await files.read(file));
    const immutable = file.includes(`${sep}assets${sep}`);
    return new Response(request.method === 'HEAD' ? null : (body as Uint8Array<ArrayBuffer>), {
      status: 200,
      headers: {
        ...APP_HEADERS,
        'content-type': TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
        'content-length': String(body.byteLength),
        'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
      },
    });
  };
}

/** The file a URL path names inside `root`, or undefined when it would escape it or is malformed. */
export function resolveInside(root: string, pathname: string): string | undefined {
  let path: string;
  try {
    path = decodeURIComponent(pathname);
  } catch {
    return undefined;
  }
  // Backslashes are separators on Windows; NUL truncates paths in some APIs. Neither belongs in a URL path here.
  if (path.includes('\\') || path.includes('\0')) return undefined;
  if (path === '/' || path === '') path = '/index.html';
  const file = normalize(resolve(root, `.${path}`));
  if (!file.startsWith(root + sep)) return undefined;
  return file;
}
