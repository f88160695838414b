/* global process */
// electron-builder configuration for the desktop till (`npm run dist`). A .cjs file rather than the
// package.json "build" key, so that ELECTRON_DIST can point it at a local Electron for offline builds.
//
//   npm run dist                          installers for this OS (Linux: AppImage + deb; Windows: NSIS; macOS: dmg)
//   ELECTRON_DIST=/opt/electron-v45 npm run dist
//                                         uses an unpacked Electron 45 folder instead of downloading one
//   npm run dist -- --linux --win         cross-builds where the host allows (see docs/desktop.md)
//
// Only production files go in: the bundled main process, preload and hub (dist-electron/*.cjs), the built
// till (renderer/dist) and the one native dependency the bundles leave out, classic-level (LevelDB for the
// LAN hub), with its own dependencies. Every other npm dependency is already inside the bundles or the
// renderer build, so it is left out of the package.

/** Dependencies in package.json that the bundles and renderer/dist already contain. */
const BUNDLED = ['@point-of-sale', '@canvas', 'canvas-dither', 'canvas-flatten', 'resize-image-data', 'chart.js', '@kurkle', 'dexie', 'jsbarcode', 'lib0', 'qrcode-generator', 'react', 'react-dom', 'scheduler', 'ws', 'y-protocols', 'y-websocket', 'yjs', 'zustand', 'isomorphic.js'];

/** @type {import('electron-builder').Configuration} */
module.exports = {
  appId: 'app.popuppos.till',
  productName: 'Popup POS',
  copyright: 'Popup POS',
  directories: { output: 'release', buildResources: 'build' },
  // package.json has no "main" (the project is also a web app and a server); the packaged app's has.
  extraMetadata: { main: 'dist-electron/main.cjs' },
  files: [
    'package.json',
    'dist-electron/*.cjs',
    'renderer/dist/**/*',
    ...BUNDLED.map((name) => `!node_modules/${name}{,/**/*}`),
    '!node_modules/**/{test,tests,doc,docs,example,examples,*.md,*.ts,*.map}',
    '!node_modules/classic-level/{deps,binding.cc,binding.gyp}{,/**/*}',
  ],
  // A native addon cannot be loaded from inside the asar archive.
  asarUnpack: ['node_modules/classic-level/**/*'],
  ...(process.env.ELECTRON_DIST ? { electronDist: process.env.ELECTRON_DIST } : {}),
  electronVersion: '45.4.1',
  npmRebuild: false,
  linux: {
    target: ['AppImage', 'deb'],
    category: 'Office',
    icon: 'build/icons',
    synopsis: 'Offline-first point of sale for pop-up shops',
    maintainer: 'Popup POS <till@popuppos.app>',
  },
  deb: { depends: ['libnss3', 'libgtk-3-0', 'libxss1', 'libasound2'] },
  win: { target: ['nsis'], icon: 'build/icon.ico' },
  nsis: { oneClick: false, perMachine: false, allowToChangeInstallationDirectory: true, createDesktopShortcut: true },
  mac: { target: ['dmg'], category: 'public.app-category.business', icon: 'build/icon.icns', hardenedRuntime: true, entitlements: 'build/entitlements.mac.plist', entitlementsInherit: 'build/entitlements.mac.plist' },
  dmg: { title: 'Popup POS' },
};
