import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserContext } from '@playwright/test';
import { newDeviceId } from '../../core/base/ids.ts';
import { webCryptoRandom } from '../../core/base/platform.ts';
import { HubController } from '../../electron/hub/hub-controller.ts';
import type { HubRequest } from '../../electron/hub/hub-protocol.ts';
import { API_NAMES, type ApiName } from '../../electron/ipc/api-names.ts';
import { createHandlers, type Handler } from '../../electron/ipc/handlers.ts';
import { invoke } from '../../electron/ipc/register.ts';
import { sendToNetworkPrinter } from '../../electron/printing/network-printer.ts';
import { PrintService } from '../../electron/printing/print-service.ts';
import { DEFAULT_PRINTER_SETTINGS, savePrinterSettings, type PrinterSettings } from '../../electron/printing/printer-settings.ts';

/**
 * The desktop app's main process without Electron, for the till in chromium: the real handler table, print
 * service (ESC/POS over TCP), printer settings file and LAN hub (its process forked for real) answer the
 * page's `window.popup` calls. Only Electron's IPC pipe is replaced — by a Playwright binding, with the
 * page standing in as the app:// frame — so the renderer's desktop code runs against the real main side.
 */
export interface DesktopBridge {
  settings(): PrinterSettings;
  stop(): Promise<void>;
}

const HUB_MAIN = fileURLToPath(new URL('../../electron/hub/hub-main.ts', import.meta.url));
const RENDERER_DIST = fileURLToPath(new URL('../../renderer/dist', import.meta.url));

export async function installDesktopBridge(context: BrowserContext, userData: string, initial: Partial<PrinterSettings> = {}): Promise<DesktopBridge> {
  let settings: PrinterSettings = { ...DEFAULT_PRINTER_SETTINGS, ...initial };
  const children: ChildProcess[] = [];
  // Made once, as the app does in device.json: every call answers the same id.
  const deviceId = newDeviceId(webCryptoRandom);
  const hub = new HubController({
    fork: () => {
      const child = fork(HUB_MAIN, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
      children.push(child);
      return {
        postMessage: (m: HubRequest) => void child.send(m),
        onMessage: (fn) => void child.on('message', fn),
        onExit: (fn) => void child.on('exit', (code) => fn(code)),
        kill: () => void child.kill(),
      };
    },
    base: { host: '127.0.0.1', dataDir: join(userData, 'hub'), appDir: RENDERER_DIST },
    log: () => undefined,
    timeoutMs: 30_000,
  });
  const handlers = createHandlers({
    printer: new PrintService({ settings: () => settings, sendNetwork: sendToNetworkPrinter, printSystem: () => Promise.reject(new Error('no system printers in this test')) }),
    printers: async () => [],
    settings: {
      get: () => settings,
      save: async (next) => {
        await savePrinterSettings(userData, next);
        settings = next;
      },
    },
    device: () => ({ deviceId, name: 'e2e till', platform: process.platform, kiosk: false }),
    version: () => ({ version: '0.1.0', electron: 'none (browser test)', chrome: '' }),
    hub,
  });
  await context.exposeBinding('__popupInvoke', async (_source, name: ApiName, input: unknown) => {
    if (!API_NAMES.includes(name)) return { ok: false, error: { type: 'Forbidden', message: `no desktop function ${String(name)}` } };
    return invoke(handlers[name] as Handler<unknown, unknown>, 'app://popup/index.html', input);
  });
  await context.addInitScript((names: readonly string[]) => {
    const call = (window as unknown as { __popupInvoke: (n: string, i: unknown) => Promise<unknown> }).__popupInvoke;
    Object.defineProperty(window, 'popup', { value: Object.freeze(Object.fromEntries(names.map((n) => [n, (input?: unknown) => call(n, input)]))) });
  }, API_NAMES);
  return {
    settings: () => settings,
    stop: async () => {
      await hub.dispose();
      for (const c of children) if (c.exitCode === null) c.kill();
    },
  };
}
