import { app, BrowserWindow, dialog, ipcMain, protocol, screen, session, utilityProcess } from 'electron';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { APP_ENTRY, APP_SCHEME, APP_SCHEME_PRIVILEGES, createAppProtocolHandler } from './app-protocol.ts';
import { loadDeviceIdentity } from './device-identity.ts';
import { HubController } from './hub/hub-controller.ts';
import { isHubMessage } from './hub/hub-protocol.ts';
import { createHandlers } from './ipc/handlers.ts';
import { registerHandlers } from './ipc/register.ts';
import { parseLaunchOptions } from './launch-options.ts';
import { sendToNetworkPrinter } from './printing/network-printer.ts';
import { PrintService } from './printing/print-service.ts';
import { loadPrinterSettings, savePrinterSettings, type PrinterSettings } from './printing/printer-settings.ts';
import { printOnSystemPrinter } from './printing/system-printer.ts';
import { recoverRenderer } from './window/crash-recovery.ts';
import { guardContents, guardSession } from './window/navigation-guard.ts';
import { claimSingleInstance } from './window/single-instance.ts';
import { mainWindowOptions } from './window/window-options.ts';
import { loadWindowState, saveWindowState, trackWindowState } from './window/window-state.ts';

/**
 * The desktop app's main process: wiring only. Every decision lives in a module that takes its Electron
 * objects as parameters and is tested without the Electron binary (see docs/desktop.md). Bundled by
 * `npm run build:electron` to dist-electron/main.cjs, next to preload.cjs and hub.cjs.
 */
const log = (message: string, fields: Record<string, unknown> = {}) => console.log(`[popup] ${message}`, JSON.stringify(fields));

// Before `ready`: the till's origin must be privileged (standard, secure) from the first request, and the
// user-data folder chosen (the single-instance lock lives in it).
protocol.registerSchemesAsPrivileged([APP_SCHEME_PRIVILEGES]);
const launch = parseLaunchOptions(process.argv, process.env);
if (launch.userDataDir) app.setPath('userData', launch.userDataDir);

let win: BrowserWindow | undefined;
const focus = () => {
  if (!win) return;
  if (win.isMinimized()) win.restore();
  win.focus();
};

if (claimSingleInstance(app, focus)) {
  app.on('web-contents-created', (_event, contents) => guardContents(contents, log));
  app.on('window-all-closed', () => app.quit());
  app.whenReady().then(start, (err: unknown) => fatal(err));
}

async function start(): Promise<void> {
  const userData = app.getPath('userData');
  const identity = await loadDeviceIdentity(userData);
  const rendererDist = join(__dirname, '..', 'renderer', 'dist');
  protocol.handle(APP_SCHEME, createAppProtocolHandler(rendererDist));
  guardSession(session.defaultSession, log);

  const loaded = await loadPrinterSettings(userData);
  if (loaded.problem) log(loaded.problem);
  let settings: PrinterSettings = loaded.settings;
  const printer = new PrintService({
    settings: () => settings,
    sendNetwork: sendToNetworkPrinter,
    printSystem: async (html, deviceName, paperWidth) => {
      const printers = win ? await win.webContents.getPrintersAsync() : [];
      await printOnSystemPrinter((o) => new BrowserWindow(o), html, deviceName, paperWidth, printers);
    },
  });
  const hub = new HubController({
    fork: () => {
      const child = utilityProcess.fork(join(__dirname, 'hub.cjs'), [], { serviceName: 'Popup POS LAN hub', stdio: 'inherit' });
      return {
        postMessage: (m) => child.postMessage(m),
        onMessage: (fn) => child.on('message', (m: unknown) => (isHubMessage(m) ? fn(m) : undefined)),
        onExit: (fn) => child.on('exit', (code) => fn(code)),
        kill: () => void child.kill(),
      };
    },
    base: { host: '0.0.0.0', dataDir: join(userData, 'hub'), appDir: rendererDist, relayTag: `H${identity.deviceId.slice(0, 3)}` },
    log: (level, message, fields) => log(`hub ${level}: ${message}`, fields ?? {}),
  });
  registerHandlers(
    ipcMain,
    createHandlers({
      printer,
      printers: async () => (win ? win.webContents.getPrintersAsync() : []),
      settings: {
        get: () => settings,
        save: async (next) => {
          await savePrinterSettings(userData, next);
          settings = next;
        },
      },
      device: () => ({ deviceId: identity.deviceId, name: identity.name || hostname(), platform: process.platform, kiosk: launch.kiosk }),
      version: () => ({ version: app.getVersion(), electron: process.versions.electron ?? '', chrome: process.versions.chrome ?? '' }),
      hub,
    }),
    log,
  );
  // The hub's store is flushed to disk before the app goes: hold the quit until it has stopped.
  let hubStopped = false;
  app.on('before-quit', (event) => {
    if (hubStopped) return;
    event.preventDefault();
    void hub.dispose().finally(() => {
      hubStopped = true;
      app.quit();
    });
  });

  const displays = screen.getAllDisplays().map((d) => d.workArea);
  const state = launch.kiosk ? undefined : await loadWindowState(userData, displays);
  win = new BrowserWindow(mainWindowOptions({ preload: join(__dirname, 'preload.cjs'), kiosk: launch.kiosk, ...(state ? { bounds: state.bounds } : {}) }));
  const w = win;
  trackWindowState(w, (s) => saveWindowState(userData, s));
  w.once('ready-to-show', () => {
    if (state?.maximized) w.maximize();
    w.show();
  });
  w.on('closed', () => (win = undefined));
  recoverRenderer(w.webContents, {
    reload: () => w.loadURL(APP_ENTRY),
    giveUp: (reason) => dialog.showErrorBox('Popup POS', reason),
    log,
  });
  await w.loadURL(APP_ENTRY);
}

function fatal(err: unknown): void {
  const message = err instanceof Error ? err.message : String(err);
  log('could not start', { message });
  dialog.showErrorBox('Popup POS could not start', message);
  app.exit(1);
}
