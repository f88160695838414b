// ESLint flat config for Popup POS.
//
// typescript-eslint's recommended rules (syntax only: no type-aware linting, so no parserOptions.project and
// no type-checker start-up) plus the team guide's layer rules:
//
//   core/         pure TypeScript domain: imports only core/, yjs and lib0 (and lib0/*). No DOM, no Node,
//                 no Electron, no React. Its tests too, plus vitest and fast-check.
//   renderer/     React + zustand + Dexie UI: may import core/ and npm packages, not sync-server/ or electron/.
//                 It runs in a browser, so no Node builtins except in its tests and its *.config.ts.
//   sync-server/  Node: may import core/, not renderer/ or electron/. Inside it, the domain (orders,
//                 reservations, set-up, pairing, analytics, the document hub, storage: every file except the
//                 edge) knows nothing of HTTP and must not import sync-server/http/. The edge, which may, is
//                 sync-server/http/** (router, routes, error-map.ts: where domain errors become statuses),
//                 server.ts (wires the domain to the edge), ws-transport.ts (the WebSocket side of the
//                 HTTP server), cli.ts and static-files.ts, and the server's tests (*.test.ts, test-support.ts),
//                 which drive it over HTTP.
//   electron/     may import core/ and sync-server/ (the LAN hub), never renderer/.
//   renderer/     is imported by nothing outside renderer/ (the e2e tests drive it through a browser).
//   bench/, test/ are tools: they may import anything, and no app code (core/, renderer/, sync-server/,
//                 electron/) may import them.
//
// How: built-in `no-restricted-imports` regex patterns per folder for `import`/`export … from` (type-only
// imports included), mirrored by `no-restricted-syntax` for dynamic `import('…')` and type-level
// `import('…').T`, both generated from one table below so they cannot drift apart. The patterns match the
// import text, not the resolved file, so they also catch imports of files that do not exist yet. A relative
// path is taken to reach top-level folder X when it is `../`…`X/…` (`./X/…` from a root file). Limitation,
// accepted: a nested folder that shares a top-level folder's name (say electron/foo/../renderer/) would be
// flagged too; `../core/../renderer/x.ts`-style detours are not recognised.
// In core/ additionally `no-restricted-globals` / `no-restricted-properties` keep out platform globals.
import { builtinModules } from 'node:module';
import { defineConfig, globalIgnores } from 'eslint/config';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const TS_FILES = ['**/*.ts', '**/*.tsx', '**/*.mts', '**/*.cts'];
const CODE = '{ts,tsx,mts,cts,js,jsx,mjs,cjs}';
const inFolder = (folder) => [`${folder}/**/*.${CODE}`];
const testsIn = (folder) => [`${folder}/**/*.test.${CODE}`];

// The guide's rules, named in every message so a failure says which rule it breaks.
const GUIDE = {
  core: 'guide rule "core/ is pure: it imports only core/, yjs and lib0; no DOM, no Node, no Electron, no React"',
  coreTests: 'guide rule "tests follow the rules of the code they sit in; core tests may add only vitest and fast-check"',
  renderer: 'guide rule "renderer/ may import core/ and npm packages, not sync-server/ or electron/"',
  rendererBrowser: 'guide rule "renderer/ runs in the browser: Node builtins only in its tests and build config"',
  syncServer: 'guide rule "sync-server/ may import core/, not renderer/ or electron/"',
  syncServerDomain: 'guide rule "domain code knows nothing of HTTP: it throws domain errors, and the HTTP edge (sync-server/http/error-map.ts) maps them to status codes"',
  electron: 'guide rule "electron/ may import core/ and sync-server/, never renderer/"',
  noRenderer: 'guide rule "nothing imports renderer/ except renderer/ itself"',
  tools: 'guide rule "bench/ and test/ are tools: app code never imports them"',
};
const PLATFORM = 'core runs on every platform; inject it through core/base/platform.ts';

const escapeRe = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** A relative import that climbs into top-level folder `name`: `../name/…`, `../../name/…` (or `./name/…` at the root). */
const folderRe = (name, { root = false } = {}) =>
  String.raw`^(?:${root ? String.raw`\./(?:\.\./)*|` : String.raw`(?:\./)?`}(?:\.\./)+)${escapeRe(name)}(?:/|$)`;
const packageRe = (names) => `^(?:${names.map(escapeRe).join('|')})(?:/|$)`;

const NODE_BUILTINS = [...new Set(builtinModules.filter((m) => !m.startsWith('_')).map((m) => m.replace(/^node:/, '').split('/')[0]))];
const nodeRe = `^node:|${packageRe(NODE_BUILTINS)}`;

/**
 * The core's package rules. `allowed` are the packages it may use; the named ones get their own message,
 * every other bare specifier (anything not relative or absolute) the catch-all.
 */
function corePackages(allowed, guide) {
  const named = [
    { regex: nodeRe, message: `Node modules are not available everywhere: ${PLATFORM} (${guide}).` },
    { regex: packageRe(['electron']), message: `Electron belongs in electron/: ${PLATFORM} (${guide}).` },
    { regex: packageRe(['react', 'react-dom', 'zustand']), message: `React and UI state belong in renderer/ (${guide}).` },
    { regex: packageRe(['dexie', 'fake-indexeddb']), message: `Storage (Dexie/IndexedDB) belongs in renderer/: ${PLATFORM} (${guide}).` },
  ];
  const skip = [String.raw`\.{0,2}/`, String.raw`node:`, ...[...NODE_BUILTINS, 'electron', 'react', 'react-dom', 'zustand', 'dexie', 'fake-indexeddb', ...allowed].map((n) => `${escapeRe(n)}(?:/|$)`)];
  return [
    ...named,
    {
      regex: `^(?!${skip.join('|')})`,
      message: `core/ may use only these npm packages: ${allowed.join(', ')} (${guide}).`,
    },
  ];
}

/** Relative imports from `from` into each of the top-level folders `names`. */
const folders = (from, names, guide, opts) =>
  names.map((n) => ({ regex: folderRe(n, opts), message: `${from} must not import ${n}/ (${guide}).` }));

const CORE_FOLDERS = [
  ...folders('core/', ['renderer', 'sync-server', 'electron'], GUIDE.core),
  ...folders('core/', ['bench', 'test'], `${GUIDE.core}; ${GUIDE.tools}`),
];
const toolFolders = (from) => folders(from, ['bench', 'test'], GUIDE.tools);
const NODE_IN_RENDERER = { regex: nodeRe, message: `Node builtins do not exist in the browser (${GUIDE.rendererBrowser}).` };

/** The HTTP edge, from a sync-server/ file: `./http/…`, `../http/…`, `../../sync-server/http/…`. */
const HTTP_EDGE_RE = String.raw`^(?:\./|(?:\./)?(?:\.\./)+(?:sync-server/)?)http(?:/|$)`;
/** The files of sync-server/ that are the edge or drive it (see the header); every other one is domain. */
const SYNC_SERVER_EDGE = [
  ...inFolder('sync-server/http'),
  ...['server', 'ws-transport', 'cli', 'static-files', 'test-support'].map((f) => `sync-server/${f}.ts`),
  ...testsIn('sync-server'),
];

const SYNC_SERVER = [
  ...folders('sync-server/', ['renderer'], `${GUIDE.syncServer}; ${GUIDE.noRenderer}`),
  ...folders('sync-server/', ['electron'], GUIDE.syncServer),
  ...toolFolders('sync-server/'),
];

const RESTRICTIONS = {
  core: [...CORE_FOLDERS, ...corePackages(['yjs', 'lib0'], GUIDE.core)],
  coreTests: [...CORE_FOLDERS, ...corePackages(['yjs', 'lib0', 'vitest', 'fast-check'], GUIDE.coreTests)],
  renderer: [...folders('renderer/', ['sync-server', 'electron'], GUIDE.renderer), ...toolFolders('renderer/'), NODE_IN_RENDERER],
  rendererTests: [...folders('renderer/', ['sync-server', 'electron'], GUIDE.renderer), ...toolFolders('renderer/')],
  syncServer: SYNC_SERVER,
  syncServerDomain: [
    ...SYNC_SERVER,
    { regex: HTTP_EDGE_RE, message: `sync-server's domain must not import sync-server/http/: throw a domain error (server-errors.ts or one next to its domain) and let http/error-map.ts answer it (${GUIDE.syncServerDomain}).` },
  ],
  electron: [...folders('electron/', ['renderer'], `${GUIDE.electron}; ${GUIDE.noRenderer}`), ...toolFolders('electron/')],
  elsewhere: folders('Code outside renderer/, bench/ and test/', ['renderer'], GUIDE.noRenderer, { root: true }),
};

/** esquery regex literal: slashes escaped. */
const esqueryRe = (re) => `/${re.replace(/\//g, '\\/')}/`;

/** Both import rules from one list: static imports/re-exports, and `import('…')` / `import('…').T`. */
function importRules(list) {
  return {
    'no-restricted-imports': ['error', { patterns: list.map(({ regex, message }) => ({ regex, message })) }],
    'no-restricted-syntax': [
      'error',
      ...list.flatMap(({ regex, message }) =>
        ['ImportExpression', 'TSImportType'].map((type) => ({
          selector: `${type}[source.value=${esqueryRe(regex)}]`,
          message: `This import is restricted: ${message}`,
        })),
      ),
    ],
  };
}

const CORE_GLOBALS = {
  window: 'the DOM',
  document: 'the DOM',
  navigator: 'the browser',
  localStorage: 'the browser',
  indexedDB: 'the browser',
  process: 'Node',
  Buffer: 'Node',
  require: 'Node (CommonJS)',
  __dirname: 'Node (CommonJS)',
  setImmediate: 'Node',
};
const coreGlobalMessage = (name, where) => `\`${name}\` belongs to ${where}: ${PLATFORM} (${GUIDE.core}).`;

export default defineConfig([
  globalIgnores(['**/node_modules/', '**/dist/', '**/data/', '**/test-results/', '**/playwright-report/', 'bench/out/', 'dist-electron/', 'release/']),

  { name: 'eslint/recommended', files: [`**/*.${CODE}`], ...js.configs.recommended },
  ...tseslint.configs.recommended.map((c) => ({ ...c, files: c.files ?? TS_FILES })),
  {
    name: 'popup/typescript',
    files: TS_FILES,
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
    },
  },

  // Layer rules. Later blocks replace earlier ones for the same rule, so tests come after their folder.
  { name: 'popup/layers/elsewhere', files: [`**/*.${CODE}`], ignores: [...inFolder('renderer'), ...inFolder('bench'), ...inFolder('test')], rules: importRules(RESTRICTIONS.elsewhere) },
  { name: 'popup/layers/renderer', files: inFolder('renderer'), rules: importRules(RESTRICTIONS.renderer) },
  { name: 'popup/layers/renderer-tests-and-config', files: [...testsIn('renderer'), `renderer/*.config.${CODE}`], rules: importRules(RESTRICTIONS.rendererTests) },
  { name: 'popup/layers/sync-server', files: inFolder('sync-server'), rules: importRules(RESTRICTIONS.syncServer) },
  { name: 'popup/layers/sync-server-domain', files: inFolder('sync-server'), ignores: SYNC_SERVER_EDGE, rules: importRules(RESTRICTIONS.syncServerDomain) },
  { name: 'popup/layers/electron', files: inFolder('electron'), rules: importRules(RESTRICTIONS.electron) },
  {
    name: 'popup/layers/core',
    files: inFolder('core'),
    rules: {
      ...importRules(RESTRICTIONS.core),
      'no-restricted-globals': ['error', ...Object.entries(CORE_GLOBALS).map(([name, where]) => ({ name, message: coreGlobalMessage(name, where) }))],
      // The same globals reached through globalThis.
      'no-restricted-properties': [
        'error',
        ...Object.entries(CORE_GLOBALS).map(([property, where]) => ({ object: 'globalThis', property, message: coreGlobalMessage(property, where) })),
      ],
    },
  },
  { name: 'popup/layers/core-tests', files: testsIn('core'), rules: importRules(RESTRICTIONS.coreTests) },
]);
