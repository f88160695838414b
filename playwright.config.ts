import { defineConfig } from '@playwright/test';

/**
 * End-to-end tests drive Debian's chromium (`apt-get install chromium`); Playwright's own browser download
 * is not used. Each test starts its own server on 127.0.0.1, port 0 (test/e2e/fixtures.ts).
 */
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];

export default defineConfig({
  testDir: 'test/e2e',
  timeout: 60_000,
  workers: 1,
  reporter: process.env.CI ? 'list' : 'line',
  use: {
    launchOptions: { executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS },
    viewport: { width: 1280, height: 800 },
    trace: 'retain-on-failure',
  },
});
