import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['core/**/*.test.ts', 'renderer/**/*.test.ts', 'sync-server/**/*.test.ts', 'electron/**/*.test.ts', 'test/unit/**/*.test.ts', 'test/integration/**/*.test.ts'],
    environment: 'node',
  },
});
