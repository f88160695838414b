import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';

/** The benchmark page: the real LocalStore in a browser, built to bench/out/browser (git-ignored). */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  logLevel: 'warn',
  // The scan-to-cart benchmark renders the till's React UI.
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('../out/browser', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    reportCompressedSize: false,
  },
});
