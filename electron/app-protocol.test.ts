import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppProtocolHandler, resolveInside } from './app-protocol.ts';

let dir: string;
let serve: (r: Request) => Promise<Response>;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'popup-app-'));
  await mkdir(join(dir, 'dist', 'assets'), { recursive: true });
  await writeFile(join(dir, 'dist', 'index.html'), '<!doctype html><title>till</title>');
  await writeFile(join(dir, 'dist', 'assets', 'index-abc.js'), 'console.log(1)');
  await writeFile(join(dir, 'dist', 'assets', 'index-abc.css'), 'body{}');
  await writeFile(join(dir, 'secret.txt'), 'do not serve');
  serve = createAppProtocolHandler(join(dir, 'dist'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const get = (url: string, method = 'GET') => serve(new Request(url, { method }));

describe('the app:// protocol', () => {
  it('serves index.html at / with the CSP header and its MIME type', async () => {
    const res = await get('app://popup/');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('content-security-policy')).toMatch(/default-src 'self'; script-src 'self';.*object-src 'none'.*frame-ancestors 'none'/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await res.text()).toContain('<title>till</title>');
  });

  it('serves assets with their types, cacheable for good', async () => {
    const js = await get('app://popup/assets/index-abc.js');
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(js.headers.get('cache-control')).toContain('immutable');
    expect((await get('app://popup/assets/index-abc.css')).headers.get('content-type')).toBe('text/css; charset=utf-8');
  });

  it('never serves a file outside the renderer’s folder, however the path is written', async () => {
    for (const path of ['/../secret.txt', '/%2e%2e/secret.txt', '/assets/%2e%2e/%2e%2e/secret.txt', '/..%2fsecret.txt', '/%2e%2e%5csecret.txt', '/index.html%00.js', '/%E0%A4%A']) {
      const res = await get(`app://popup${path}`);
      expect(res.status, path).toBeGreaterThanOrEqual(400);
      expect(await res.text(), path).not.toContain('do not serve');
    }
    expect(resolveInside(join(dir, 'dist'), '/../secret.txt')).toBeUndefined();
    expect(resolveInside(join(dir, 'dist'), '/%2e%2e/secret.txt')).toBeUndefined();
  });

  it('answers 404 for what is not there, another host or a directory, with the CSP still on', async () => {
    const missing = await get('app://popup/nope.js');
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-security-policy')).toBeTruthy();
    expect((await get('app://elsewhere/index.html')).status).toBe(404);
    expect((await get('app://popup/assets')).status).toBe(404);
  });

  it('takes GET and HEAD only', async () => {
    expect((await get('app://popup/index.html', 'POST')).status).toBe(405);
    const head = await get('app://popup/index.html', 'HEAD');
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });
});
