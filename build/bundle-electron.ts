import { build, type BuildOptions } from 'esbuild';
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

/**
 * `npm run build:electron`: bundles the desktop app's three entry points into dist-electron/.
 *
 *   main.cjs     the main process (electron/main.ts and everything it imports: core/, sync-server/ for the
 *                LAN hub's types, the printer encoder)
 *   preload.cjs  the preload. It runs sandboxed, where `require` reaches only `electron` and a few Node
 *                builtins, never our modules: so everything it imports is bundled into this one file.
 *   hub.cjs      the LAN hub's utility process (electron/hub/hub-main.ts with the whole sync server)
 *
 * CommonJS, because Electron's sandboxed preloads and utility processes load CommonJS. `electron` is
 * provided by the runtime; `classic-level` (the hub's LevelDB) is a native addon and stays in node_modules,
 * packaged by electron-builder.
 */
const root = fileURLToPath(new URL('..', import.meta.url));
const outdir = `${root}dist-electron`;

const common: BuildOptions = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  // Electron 45 runs Node 22 and Chromium 140.
  target: 'node22',
  sourcemap: 'linked',
  external: ['electron', 'classic-level'],
  logLevel: 'warning',
  absWorkingDir: root,
  // ws' optional native speed-ups are not installed; it falls back to JavaScript without them.
  define: { 'process.env.WS_NO_BUFFER_UTIL': '"1"', 'process.env.WS_NO_UTF_8_VALIDATE': '"1"' },
};

export async function bundleElectron(): Promise<string> {
  await rm(outdir, { recursive: true, force: true });
  await Promise.all([
    build({ ...common, entryPoints: { main: 'electron/main.ts' }, outdir, outExtension: { '.js': '.cjs' } }),
    build({ ...common, entryPoints: { preload: 'electron/preload.ts' }, outdir, outExtension: { '.js': '.cjs' } }),
    build({ ...common, entryPoints: { hub: 'electron/hub/hub-main.ts' }, outdir, outExtension: { '.js': '.cjs' } }),
  ]);
  return `${outdir}/main.cjs`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await bundleElectron();
  console.log('Bundled dist-electron/main.cjs, preload.cjs and hub.cjs');
}
