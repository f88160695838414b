import type { PrinterInfo } from 'electron';
import type { HubController } from '../hub/hub-controller.ts';
import type { PrintOutcome, PrintService } from '../printing/print-service.ts';
import { parsePrinterSettings, type PrinterSettings } from '../printing/printer-settings.ts';
import type { ApiName } from './api-names.ts';
import { noInput, parseHubPairing, parseHubStart, parseOpenDrawer, parsePrintReceipt, parsePrintZReport } from './validate.ts';

/**
 * The main process's side of `window.popup`: one handler per function, each a validator for what the
 * renderer sends and the action it takes. The renderer's type for the API is derived from this table
 * (popup-api.ts), so the two can never disagree.
 */
export interface Handler<I, O> {
  parse(input: unknown): I;
  run(input: I): Promise<O>;
}

const handler = <I, O>(parse: (input: unknown) => I, run: (input: I) => Promise<O>): Handler<I, O> => ({ parse, run });

export interface DeviceInfo {
  deviceId: string;
  name: string;
  platform: string;
  kiosk: boolean;
}

export interface AppVersion {
  version: string;
  electron: string;
  chrome: string;
}

export interface DrawerOutcome extends PrintOutcome {
  /** Why the drawer did not open when that is expected (a till with no drawer, or one turned off). */
  skipped?: string;
}

export interface HandlerDeps {
  printer: PrintService;
  printers: () => Promise<PrinterInfo[]>;
  settings: { get(): PrinterSettings; save(next: PrinterSettings): Promise<void> };
  device: () => DeviceInfo;
  version: () => AppVersion;
  hub: HubController;
}

export function createHandlers(d: HandlerDeps) {
  return {
    printReceipt: handler(parsePrintReceipt, ({ receipt, openDrawer }) => d.printer.printReceipt(receipt, openDrawer === true)),
    printZReport: handler(parsePrintZReport, ({ text }) => d.printer.printZReport(text)),
    openDrawer: handler(parseOpenDrawer, async ({ reason }): Promise<DrawerOutcome> => {
      const s = d.settings.get();
      // After a cash sale the drawer opens by itself only where there is one and it is wanted; a manager's
      // "Open drawer" always tries, and says why it cannot.
      if (reason === 'cash-sale' && (s.kind !== 'network' || !s.drawerOnCash)) {
        return { printer: s.kind === 'network' ? `${s.host}:${s.port}` : s.deviceName, drawerOpened: false, skipped: s.kind !== 'network' ? 'no network receipt printer' : 'turned off in the printer settings' };
      }
      return d.printer.openDrawer();
    }),
    listPrinters: handler(noInput, async () => (await d.printers()).map((p) => ({ name: p.name, displayName: p.displayName, isDefault: (p as { isDefault?: boolean }).isDefault === true }))),
    printerSettings: handler(noInput, async () => d.settings.get()),
    savePrinterSettings: handler(parsePrinterSettings, async (next) => {
      await d.settings.save(next);
      return next;
    }),
    deviceInfo: handler(noInput, async () => d.device()),
    appVersion: handler(noInput, async () => d.version()),
    hubStart: handler(parseHubStart, (input) => d.hub.start(input)),
    hubStop: handler(noInput, () => d.hub.stop()),
    hubStatus: handler(noInput, () => d.hub.status()),
    hubPairingCode: handler(parseHubPairing, (input) => d.hub.pairingCode(input)),
  };
}

export type Handlers = ReturnType<typeof createHandlers>;

// Exactly one handler per exposed name, both ways: a name without a handler, or a handler the preload does
// not expose, fails to compile.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
export const HANDLERS_MATCH_NAMES: Same<keyof Handlers, ApiName> = true;
