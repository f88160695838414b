import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { VitePWA } from 'vite-plugin-pwa';
import { fileURLToPath } from 'node:url';

/** The till's UI and the organiser console. Built to renderer/dist, which Electron loads from its custom protocol and the sync server serves. */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  plugins: [
    react(),
    // The browser till is an installable app whose shell a service worker keeps, so a paired till reloaded or
    // reopened while the server is unreachable still comes up at its PIN pad (docs/operations.md, "The till
    // offline"). Registration is ours (renderer/src/platform/service-worker.ts): only in a browser, never in
    // the desktop app, and a new version waits until the next start of the page (no skipWaiting here).
    VitePWA({
      injectRegister: null,
      registerType: 'prompt',
      filename: 'sw.js',
      manifest: {
        id: './',
        name: 'Popup POS till',
        short_name: 'Popup POS',
        description: 'The till of a pop-up shop: sells offline, syncs when the server is back.',
        start_url: './',
        scope: './',
        display: 'standalone',
        background_color: '#f6f7f5',
        theme_color: '#1f7a68',
        icons: [
          { src: 'icons/till-256.png', sizes: '256x256', type: 'image/png' },
          { src: 'icons/till-512.png', sizes: '512x512', type: 'image/png', purpose: 'any' },
        ],
      },
      workbox: {
        // The till's page and everything it loads, in one precache per version: a page is always served whole
        // from one build, never a mix. The console stays network-only: it shows the server's live figures and
        // is of no use without the server, and a cached console would show yesterday's figures as today's.
        globPatterns: ['**/*.{js,css,html}'],
        globIgnores: ['console.html', 'assets/console-*'],
        // Only the till's own page is served from the cache on a navigation; /console, /api, /r/<code>,
        // /examples and anything else the server answers still go to the server.
        navigateFallback: 'index.html',
        navigateFallbackAllowlist: [/^\/(index\.html)?(\?.*)?$/],
        cleanupOutdatedCaches: true,
        skipWaiting: false,
        clientsClaim: false,
      },
    }),
  ],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // Two pages: the till (index.html) and the organiser console (console.html), sharing core and chunks.
    rollupOptions: { input: { till: fileURLToPath(new URL('./index.html', import.meta.url)), console: fileURLToPath(new URL('./console.html', import.meta.url)) } },
  },
  server: { host: '127.0.0.1' },
});
