import type { ReceiptModel } from '../../core/selling/receipt.ts';
import { encodeDrawerKick, encodeReceipt, encodeZReport } from './escpos.ts';
import { PrinterError, type NetworkPrinterOptions, type SendResult } from './network-printer.ts';
import { printHtml } from './print-html.ts';
import type { PrinterSettings } from './printer-settings.ts';
import { COLUMNS, receiptLines, type PrintLine } from './receipt-layout.ts';

/**
 * What the till asks of its printer, whichever kind it is. A failure is a `PrinterError` whose message the
 * cashier reads; it never undoes anything: a sale is committed before its receipt is printed.
 */
export interface PrintOutcome {
  /** Where it went: "192.168.1.50:9100", a system printer's name. */
  printer: string;
  /** The drawer was sent its pulse. */
  drawerOpened: boolean;
  /** The printer said its paper is running low: the cashier should have a roll ready. */
  warning?: string;
}

export interface PrintServiceDeps {
  settings: () => PrinterSettings;
  sendNetwork: (host: string, port: number, data: Uint8Array, opts?: NetworkPrinterOptions) => Promise<SendResult>;
  printSystem: (html: string, deviceName: string, paperWidth: PrinterSettings['paperWidth']) => Promise<void>;
}

export const NO_PRINTER = 'No receipt printer is set up on this till: a manager sets one in Day close → Printer and hub';
export const NO_DRAWER = 'The cash drawer opens through a network receipt printer (ESC/POS); this till has none set up';

export class PrintService {
  constructor(private readonly deps: PrintServiceDeps) {}

  async printReceipt(model: ReceiptModel, openDrawer: boolean): Promise<PrintOutcome> {
    const s = this.deps.settings();
    if (s.kind === 'network') return this.network(s, encodeReceipt(model, { paperWidth: s.paperWidth, openDrawer }), openDrawer);
    if (s.kind === 'system') return this.system(s, receiptLines(model, COLUMNS[s.paperWidth]), `Receipt ${model.receiptNumber}`);
    throw new PrinterError(NO_PRINTER);
  }

  async printZReport(text: string): Promise<PrintOutcome> {
    const s = this.deps.settings();
    if (s.kind === 'network') return this.network(s, encodeZReport(text, { paperWidth: s.paperWidth }), false);
    if (s.kind === 'system') return this.system(s, text.replace(/\n$/, '').split('\n').map((t) => ({ text: t })), 'Z report');
    throw new PrinterError(NO_PRINTER);
  }

  async openDrawer(): Promise<PrintOutcome> {
    const s = this.deps.settings();
    if (s.kind !== 'network') throw new PrinterError(NO_DRAWER);
    // The drawer needs no paper: no status query, so an empty roll does not keep the cash locked in.
    const result = await this.deps.sendNetwork(s.host, s.port, encodeDrawerKick(), { skipStatus: true });
    return { printer: `${s.host}:${s.port}`, drawerOpened: result.bytes > 0 };
  }

  private async network(s: PrinterSettings, data: Uint8Array, drawer: boolean): Promise<PrintOutcome> {
    const result = await this.deps.sendNetwork(s.host, s.port, data);
    return {
      printer: `${s.host}:${s.port}`,
      drawerOpened: drawer,
      ...(result.status.paperNearEnd ? { warning: 'The printer paper is running low: have a new roll ready' } : {}),
    };
  }

  private async system(s: PrinterSettings, lines: PrintLine[], title: string): Promise<PrintOutcome> {
    await this.deps.printSystem(printHtml(lines, s.paperWidth, title), s.deviceName, s.paperWidth);
    return { printer: s.deviceName, drawerOpened: false };
  }
}
