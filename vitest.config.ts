import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['core/**/*.test.ts', 'renderer/**/*.test.ts', 'renderer/**/*.test.tsx', 'sync-server/**/*.test.ts', 'electron/**/*.test.ts', 'test/unit/**/*.test.ts', 'test/integration/**/*.test.ts', 'test/chaos/**/*.test.ts'],
    // Node by default; component tests ask for happy-dom with a `// @vitest-environment happy-dom` docblock.
    environment: 'node',
    // A real PostgreSQL for the PostgreSQL store's tests: POPUP_TEST_PG_URL, or a throwaway embedded server.
    globalSetup: ['test/pg-global-setup.ts'],
  },
});
