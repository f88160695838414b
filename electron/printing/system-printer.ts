import type { BrowserWindow, BrowserWindowConstructorOptions, PrinterInfo, WebContentsPrintOptions } from 'electron';
import { printWindowOptions } from '../window/window-options.ts';
import { PrinterError } from './network-printer.ts';
import type { PaperWidth } from './printer-settings.ts';

/**
 * Prints a page on a printer the operating system knows (a USB receipt printer with its driver, an office
 * printer), silently: Chromium lays out the HTML in a hidden, script-less window and hands it to the
 * spooler. What the spooler does next (paper out on a USB printer) it reports only on its own queue, so
 * "printed" here means "the system took the job".
 */
export type WindowFactory = (options: BrowserWindowConstructorOptions) => Pick<BrowserWindow, 'loadURL' | 'destroy' | 'isDestroyed'> & { webContents: Pick<BrowserWindow['webContents'], 'print'> };

export async function printOnSystemPrinter(makeWindow: WindowFactory, html: string, deviceName: string, paperWidth: PaperWidth, knownPrinters: readonly PrinterInfo[]): Promise<void> {
  if (!knownPrinters.some((p) => p.name === deviceName)) {
    throw new PrinterError(`The printer "${deviceName}" is not installed on this computer (any more): choose another in the printer settings`);
  }
  const win = makeWindow(printWindowOptions());
  try {
    await win.loadURL(`data:text/html;charset=utf-8,${encodeURIComponent(html)}`);
    const options: WebContentsPrintOptions = {
      silent: true,
      deviceName,
      printBackground: false,
      margins: { marginType: 'none' },
      // Microns. The height is what one receipt needs at most; a roll printer cuts after the content.
      pageSize: { width: paperWidth * 1000, height: 297_000 },
    };
    await new Promise<void>((resolve, reject) => {
      win.webContents.print(options, (success, failureReason) => {
        if (success) resolve();
        else reject(new PrinterError(`The printer "${deviceName}" did not take the job (${failureReason || 'no reason given'}): check that it is on and has paper`));
      });
    });
  } finally {
    if (!win.isDestroyed()) win.destroy();
  }
}
