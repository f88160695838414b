import { test as base, chromium, type BrowserContext } from '@playwright/test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSyncServer, type SyncServer } from '../../sync-server/server.ts';
import { CHROMIUM_ARGS } from '../../playwright.config.ts';

/**
 * Each test gets its own folder, its own sync server (127.0.0.1, port 0, its own data, serving the built
 * till) and browser profiles it can close and start again, as a till restarts.
 */
/** A till's screen: 1280×800 by default; `hasTouch` for a touch screen. */
export interface TillScreen {
  viewport?: { width: number; height: number };
  hasTouch?: boolean;
}

export const test = base.extend<{ workDir: string; server: SyncServer; launchTill: (profile?: string, screen?: TillScreen) => Promise<BrowserContext> }>({
  // eslint-disable-next-line no-empty-pattern
  workDir: async ({}, use) => {
    const dir = await mkdtemp(join(tmpdir(), 'popup-e2e-'));
    await use(dir);
    await rm(dir, { recursive: true, force: true });
  },
  server: async ({ workDir }, use) => {
    const server = await startSyncServer({
      host: '127.0.0.1',
      port: 0,
      dataDir: join(workDir, 'server-data'),
      adminToken: 'e2e-admin-token-0123456789',
      appDir: fileURLToPath(new URL('../../renderer/dist', import.meta.url)),
      exampleStorefrontDir: fileURLToPath(new URL('../../examples/storefront', import.meta.url)),
    });
    await use(server);
    await server.close();
  },
  launchTill: async ({ workDir }, use) => {
    const open: BrowserContext[] = [];
    await use(async (profile = 'till', screen: TillScreen = {}) => {
      const ctx = await chromium.launchPersistentContext(join(workDir, `profile-${profile}`), {
        executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
        args: CHROMIUM_ARGS,
        viewport: screen.viewport ?? { width: 1280, height: 800 },
        hasTouch: screen.hasTouch ?? false,
      });
      open.push(ctx);
      return ctx;
    });
    for (const ctx of open) await ctx.close().catch(() => undefined);
  },
});

export { expect } from '@playwright/test';
