import { test as base, chromium, type BrowserContext } from '@playwright/test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, type RunningServer } from '../../sync-server/http-server.ts';
import { CHROMIUM_ARGS } from '../../playwright.config.ts';

/**
 * Each test gets its own server (127.0.0.1, port 0, serving the built till) and its own browser profile
 * folder, so it can close the browser and start it again on the same profile, as a till restarts.
 */
export const test = base.extend<{ server: RunningServer; profileDir: string; launchTill: () => Promise<BrowserContext> }>({
  // eslint-disable-next-line no-empty-pattern
  server: async ({}, use) => {
    const server = await startServer({ host: '127.0.0.1', port: 0, appDir: fileURLToPath(new URL('../../renderer/dist', import.meta.url)) });
    await use(server);
    await server.close();
  },
  // eslint-disable-next-line no-empty-pattern
  profileDir: async ({}, use) => {
    const dir = await mkdtemp(join(tmpdir(), 'popup-till-'));
    await use(dir);
    await rm(dir, { recursive: true, force: true });
  },
  launchTill: async ({ profileDir }, use) => {
    const open: BrowserContext[] = [];
    await use(async () => {
      const ctx = await chromium.launchPersistentContext(profileDir, {
        executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
        args: CHROMIUM_ARGS,
        viewport: { width: 1280, height: 800 },
      });
      open.push(ctx);
      return ctx;
    });
    for (const ctx of open) await ctx.close().catch(() => undefined);
  },
});

export { expect } from '@playwright/test';
