import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname, extname, join, normalize, relative, resolve, sep } from 'node:path';

/**
 * Serves a built front end: the till (renderer/dist), so any browser on the venue's network can run it, and
 * the example drop page (examples/storefront). Paths are resolved inside the root only (no `..` escapes);
 * unknown paths get index.html, since the till is a single-page app, and `/console` gets the organiser
 * console's page.
 *
 * Caching, for a CDN in front of a drop (docs/operations.md, "A CDN in front"):
 *  - every answer carries a strong `ETag` (a hash of the bytes served) and a matching `If-None-Match` gets 304;
 *  - a fingerprinted asset is cached for a year, `public, max-age=31536000, immutable`: Vite's hashed files under
 *    `assets/`, and with `fingerprint` any file asked for as `name?v=<its hash>`;
 *  - everything else, HTML above all, is `no-cache`: a browser or CDN revalidates it on every use (a 304 costs a
 *    few bytes), so a new build is seen at once, while the big files behind it are never downloaded twice.
 * With `fingerprint` (a hand-written site with no build step, like the example drop page) the server itself
 * rewrites the references in HTML, CSS and JavaScript modules (`src="storefront.js"`, `from './qa.js'`) to
 * `storefront.js?v=<hash>`; a file's hash covers its rewritten text, so changing `qa.js` changes the hash of
 * every module that imports it, and of the HTML. An old `?v=` (a page from before a deploy) gets today's file,
 * `no-cache`: it is never kept a year under the wrong name.
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

export const IMMUTABLE = 'public, max-age=31536000, immutable';
export const REVALIDATE = 'no-cache';

/** A rewritten file's text is reused this long: a drop's thousands of page loads a second read it once. */
const REWRITE_MEMO_MS = 1000;
/** Files whose references are rewritten; anything else is served as its bytes. */
const REWRITTEN = new Set(['.html', '.js', '.css']);
/** A reference to a file of the site: relative or root-relative, no scheme, query or fragment of its own. */
const HTML_REF = /\b(src|href)="((?![a-z][a-z0-9+.-]*:|\/\/|#)[^"?#]+\.(?:js|css|png|svg|ico|webmanifest|json|woff2))"/gi;
const JS_REF = /(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(['"])(\.{1,2}\/[^'"?#]+\.js)\2/g;
const CSS_REF = /url\(\s*(['"]?)((?![a-z][a-z0-9+.-]*:|\/\/|#)[^'")?#]+\.(?:png|svg|woff2|css))\1\s*\)/gi;

interface Served {
  body: Buffer;
  hash: string;
}

export interface StaticFilesOptions {
  /** Rewrite references to `?v=<hash>` and serve those for a year (a site with no build step). Default false. */
  fingerprint?: boolean;
}

export function staticFiles(rootDir: string, opts: StaticFilesOptions = {}) {
  const root = resolve(rootDir);
  const raw = new Map<string, { mtimeMs: number; size: number; body: Buffer; hash: string }>();
  const rewritten = new Map<string, { at: number; served: Promise<Served> }>();

  /** The file's bytes and hash, read again only when it changed on disk. */
  const readRaw = async (file: string): Promise<Served> => {
    const info = await stat(file);
    const hit = raw.get(file);
    if (hit && hit.mtimeMs === info.mtimeMs && hit.size === info.size) return hit;
    const body = await readFile(file);
    const entry = { mtimeMs: info.mtimeMs, size: info.size, body, hash: hashOf(body) };
    raw.set(file, entry);
    return entry;
  };

  /** The file as served: with `fingerprint`, its references carry their targets' hashes. */
  const served = (file: string, visiting: ReadonlySet<string> = new Set()): Promise<Served> => {
    if (!opts.fingerprint || !REWRITTEN.has(extname(file)) || visiting.has(file)) return readRaw(file);
    const hit = rewritten.get(file);
    if (hit && Date.now() - hit.at < REWRITE_MEMO_MS) return hit.served;
    const next = new Set(visiting).add(file);
    const made = (async () => {
      const text = (await readRaw(file)).body.toString('utf8');
      const versioned = async (ref: string): Promise<string> => {
        const target = ref.startsWith('/') ? join(root, ref) : join(dirname(file), ref);
        if (!inside(root, target)) return ref;
        const t = await served(target, next).catch(() => undefined);
        return t ? `${ref}?v=${t.hash.slice(0, 16)}` : ref;
      };
      const ext = extname(file);
      const out = ext === '.html' ? await replaceAsync(text, HTML_REF, async (m) => `${m[1]}="${await versioned(m[2]!)}"`) : ext === '.js' ? await replaceAsync(text, JS_REF, async (m) => `${m[1]}${m[2]}${await versioned(m[3]!)}${m[2]}`) : await replaceAsync(text, CSS_REF, async (m) => `url(${m[1]}${await versioned(m[2]!)}${m[1]})`);
      const body = Buffer.from(out, 'utf8');
      return { body, hash: hashOf(body) };
    })();
    rewritten.set(file, { at: Date.now(), served: made });
    made.catch(() => rewritten.delete(file));
    return made;
  };

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
    const { body, hash } = await served(file);
    const etag = `"${hash}"`;
    const asked = url.searchParams.get('v');
    // Vite's hashed assets never change; a `?v=` naming this very content cannot either. Anything else must be
    // re-read to pick up a new build.
    const immutable = file.includes(`${sep}assets${sep}`) || (opts.fingerprint === true && asked !== null && asked === hash.slice(0, 16));
    const headers = {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'content-security-policy': CONTENT_SECURITY_POLICY,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cache-control': immutable ? IMMUTABLE : REVALIDATE,
      etag,
    };
    if (matches(req.headers['if-none-match'], etag)) {
      res.writeHead(304, headers).end();
      return true;
    }
    res.writeHead(200, { ...headers, 'content-length': body.length });
    if (req.method === 'HEAD') res.end();
    else res.end(body);
    return true;
  };
}

function hashOf(body: Buffer): string {
  return createHash('sha256').update(body).digest('base64url').slice(0, 27);
}

function inside(root: string, file: string): boolean {
  const rel = relative(root, file);
  return rel !== '' && !rel.startsWith('..') && !rel.startsWith(sep);
}

function matches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(',').some((t) => t.trim() === '*' || t.trim().replace(/^W\//, '') === etag);
}

async function replaceAsync(text: string, re: RegExp, fn: (m: RegExpExecArray) => Promise<string>): Promise<string> {
  const parts: (string | Promise<string>)[] = [];
  let last = 0;
  for (const m of text.matchAll(re)) {
    parts.push(text.slice(last, m.index), fn(m as RegExpExecArray));
    last = m.index + m[0].length;
  }
  parts.push(text.slice(last));
  return (await Promise.all(parts)).join('');
}
