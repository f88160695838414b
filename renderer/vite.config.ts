import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';

/** The till's UI and the organiser console. Built to renderer/dist, which Electron loads from its custom protocol and the sync server serves. */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // Two pages: the till (index.html) and the organiser console (console.html), sharing core and chunks.
    rollupOptions: { input: { till: fileURLToPath(new URL('./index.html', import.meta.url)), console: fileURLToPath(new URL('./console.html', import.meta.url)) } },
  },
  server: { host: '127.0.0.1' },
});
