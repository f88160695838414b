import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { IMMUTABLE, REVALIDATE, staticFiles, type StaticFilesOptions } from './static-files.ts';
import { world, type World } from './test-support.ts';

/**
 * Edge caching of the front ends (item 5 of the drop issue): fingerprinted assets for a year, HTML always
 * revalidated with an ETag, and for a site with no build step (the example drop page) fingerprints made by
 * the server itself.
 */
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0)) await c();
});

async function site(files: Record<string, string>, opts: StaticFilesOptions = {}): Promise<{ url: string; dir: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'popup-static-'));
  for (const [name, text] of Object.entries(files)) {
    await mkdir(join(dir, name, '..'), { recursive: true });
    await writeFile(join(dir, name), text);
  }
  const serve = staticFiles(dir, opts);
  const server: Server = createServer((req, res) => void serve(req, res));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  cleanup.push(async () => {
    await new Promise<void>((r) => server.close(() => r()));
    await rm(dir, { recursive: true, force: true });
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, dir };
}

describe('static files at the edge', () => {
  it('serves hashed build assets for a year and HTML no-cache with an ETag that answers 304', async () => {
    const s = await site({ 'index.html': '<script type="module" src="/assets/app-Ab12Cd.js"></script>', 'assets/app-Ab12Cd.js': 'console.log(1)' });
    const asset = await fetch(`${s.url}/assets/app-Ab12Cd.js`);
    expect(asset.headers.get('cache-control')).toBe(IMMUTABLE);
    expect(asset.headers.get('etag')).toMatch(/^"[A-Za-z0-9_-]{27}"$/);
    const html = await fetch(`${s.url}/`);
    expect(html.headers.get('cache-control')).toBe(REVALIDATE);
    const etag = html.headers.get('etag')!;
    expect(etag).toMatch(/^"[A-Za-z0-9_-]{27}"$/);
    const again = await fetch(`${s.url}/index.html`, { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
    // The build changes: the same ETag no longer matches.
    await writeFile(join(s.dir, 'index.html'), '<script type="module" src="/assets/app-Zz99.js"></script>');
    const changed = await fetch(`${s.url}/index.html`, { headers: { 'if-none-match': etag } });
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).not.toBe(etag);
  });

  it('fingerprints a site with no build step: references carry the hash, a file asked by its hash is immutable, an old hash is not', async () => {
    const s = await site(
      {
        'index.html': '<link rel="stylesheet" href="site.css" /><script type="module" src="main.js"></script><a href="#top">top</a><a href="https://example.com/x.js">x</a>',
        'main.js': "import { hi } from './lib.js';\nhi();",
        'lib.js': 'export const hi = () => 1;',
        'site.css': 'body { color: red; }',
      },
      { fingerprint: true },
    );
    const html = await (await fetch(`${s.url}/index.html`)).text();
    const main = /src="main\.js\?v=([A-Za-z0-9_-]{16})"/.exec(html)?.[1];
    expect(main).toBeDefined();
    expect(html).toMatch(/href="site\.css\?v=[A-Za-z0-9_-]{16}"/);
    // Fragments and other sites' files are left alone.
    expect(html).toContain('href="#top"');
    expect(html).toContain('href="https://example.com/x.js"');
    const mainRes = await fetch(`${s.url}/main.js?v=${main}`);
    expect(mainRes.headers.get('cache-control')).toBe(IMMUTABLE);
    const lib = /from '\.\/lib\.js\?v=([A-Za-z0-9_-]{16})'/.exec(await mainRes.text())?.[1];
    expect((await fetch(`${s.url}/lib.js?v=${lib}`)).headers.get('cache-control')).toBe(IMMUTABLE);
    // Unversioned, the same file is revalidated every time.
    expect((await fetch(`${s.url}/main.js`)).headers.get('cache-control')).toBe(REVALIDATE);

    // A change deep in the imports changes every fingerprint above it (after the one-second reuse of the text).
    await writeFile(join(s.dir, 'lib.js'), 'export const hi = () => 2;');
    await new Promise((r) => setTimeout(r, 1100));
    const html2 = await (await fetch(`${s.url}/index.html`)).text();
    const main2 = /src="main\.js\?v=([A-Za-z0-9_-]{16})"/.exec(html2)?.[1];
    expect(main2).not.toBe(main);
    // A page from before the deploy asks for the old hash: it gets today's file, and nobody keeps it a year.
    const stale = await fetch(`${s.url}/main.js?v=${main}`);
    expect(stale.headers.get('cache-control')).toBe(REVALIDATE);
  });
});

describe('the example drop page, served by the sync server', () => {
  let w: World | undefined;
  afterEach(async () => {
    await w?.stop();
    w = undefined;
  });

  it('is fingerprinted: the page no-cache with an ETag, its modules and stylesheet immutable under their hashes', async () => {
    w = await world({ exampleStorefrontDir: fileURLToPath(new URL('../examples/storefront', import.meta.url)) });
    const page = await fetch(`${w.server.url}/examples/storefront/`);
    expect(page.headers.get('cache-control')).toBe(REVALIDATE);
    expect(page.headers.get('etag')).toBeTruthy();
    const html = await page.text();
    const script = /src="(storefront\.js\?v=[A-Za-z0-9_-]{16})"/.exec(html)?.[1];
    const css = /href="(storefront\.css\?v=[A-Za-z0-9_-]{16})"/.exec(html)?.[1];
    expect(script && css).toBeTruthy();
    const js = await fetch(`${w.server.url}/examples/storefront/${script}`);
    expect(js.headers.get('cache-control')).toBe(IMMUTABLE);
    expect((await fetch(`${w.server.url}/examples/storefront/${css}`)).headers.get('cache-control')).toBe(IMMUTABLE);
    // The modules it imports are fingerprinted too (qa.js, drop-clock.js…).
    expect(await js.text()).toMatch(/from '\.\/qa\.js\?v=[A-Za-z0-9_-]{16}'/);
    expect((await fetch(`${w.server.url}/examples/storefront/`, { headers: { 'if-none-match': page.headers.get('etag')! } })).status).toBe(304);
  });
});
