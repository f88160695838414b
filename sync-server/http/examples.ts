import type { IncomingMessage, ServerResponse } from 'node:http';
import { staticFiles } from '../static-files.ts';

/**
 * Serves the example storefront (examples/storefront/) at `/examples/storefront/`, so a brand's web developer
 * can open it against a running server (`npm start`) with no other web server: same origin, so no CORS set-up
 * is needed there. Served with the till's security headers (static-files.ts).
 */
export const EXAMPLE_STOREFRONT_PATH = '/examples/storefront/';

export function exampleStorefront(dir: string): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  // No build step here: the server fingerprints the page's modules and stylesheet itself (static-files.ts).
  const serve = staticFiles(dir, { fingerprint: true });
  return async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === EXAMPLE_STOREFRONT_PATH.slice(0, -1)) {
      res.writeHead(308, { location: `${EXAMPLE_STOREFRONT_PATH}${url.search}` }).end();
      return true;
    }
    if (!url.pathname.startsWith(EXAMPLE_STOREFRONT_PATH)) return false;
    const inner = `/${url.pathname.slice(EXAMPLE_STOREFRONT_PATH.length)}${url.search}`;
    // staticFiles reads req.url only: hand it the path inside the example's folder.
    return serve(Object.assign(Object.create(req) as IncomingMessage, { url: inner, method: req.method }), res);
  };
}
