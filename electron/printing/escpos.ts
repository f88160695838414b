import ReceiptPrinterEncoder from '@point-of-sale/receipt-printer-encoder';
import type { ReceiptModel } from '../../core/selling/receipt.ts';
import type { PaperWidth } from './printer-settings.ts';
import { COLUMNS, receiptLines, type PrintLine } from './receipt-layout.ts';

/**
 * ESC/POS bytes for the thermal printer, made with @point-of-sale/receipt-printer-encoder (maintained, and it
 * knows each codepage's tables) rather than hand-written command bytes.
 *
 * Accented names (Café, Ñandú, Łódź, €): the encoder picks, run by run, a codepage that holds the characters
 * and switches to it with ESC t n. `n` differs between printer makers; the table below is Epson's (TM-T20,
 * TM-T88, TM-m30 and the many printers that copy its command set), limited to the codepages those printers
 * all carry. A character in none of them prints as "?".
 */
export const EPSON_CODEPAGES: Record<string, number> = {
  cp437: 0,
  cp850: 2,
  cp860: 3,
  cp863: 4,
  cp865: 5,
  windows1252: 16,
  cp866: 17,
  cp852: 18,
  cp858: 19,
};

/**
 * Drawer kick: ESC p 0 t1 t2, a pulse on connector pin 2 of 50 ms on, 500 ms off. The encoder takes
 * milliseconds and sends them in the command's 2 ms units (ESC p 0 25 250, the usual drawer kick).
 */
export const DRAWER_PULSE = { device: 0, on: 50, off: 500 } as const;

/**
 * Typography the printer's codepages lack, as the nearest plain character: Intl's money formats use
 * no-break and narrow no-break spaces (fr-FR: "1 234,50 €") and core writes the minus sign U+2212.
 * Anything else outside every codepage still prints as "?".
 */
const PLAIN: Record<string, string> = { '\u2212': '-', '\u2013': '-', '\u2014': '-', '\u00a0': ' ', '\u202f': ' ', '\u2009': ' ', '\u2018': "'", '\u2019': "'", '\u201c': '"', '\u201d': '"', '\u2026': '...' };
export function plainText(s: string): string {
  return s.replace(/[\u2212\u2013\u2014\u00a0\u202f\u2009\u2018\u2019\u201c\u201d\u2026]/g, (c) => PLAIN[c] ?? c);
}
/** Lines fed before the cut, so the last printed line clears the cutter. */
const FEED_BEFORE_CUT = 4;

function encoder(paperWidth: PaperWidth): ReceiptPrinterEncoder {
  return new ReceiptPrinterEncoder({
    language: 'esc-pos',
    columns: COLUMNS[paperWidth],
    codepageMapping: EPSON_CODEPAGES,
    feedBeforeCut: FEED_BEFORE_CUT,
    newline: '\n',
  }).initialize().codepage('auto');
}

function writeLines(e: ReceiptPrinterEncoder, lines: readonly PrintLine[]): void {
  for (const l of lines) {
    e.align(l.align ?? 'left');
    if (l.bold) e.bold(true);
    if (l.large) e.size(2, 2);
    e.line(plainText(l.text));
    if (l.large) e.size(1, 1);
    if (l.bold) e.bold(false);
  }
  e.align('left');
}

export interface EscPosOptions {
  paperWidth: PaperWidth;
  /** Kick the cash drawer after the cut. */
  openDrawer?: boolean;
}

export function encodeReceipt(model: ReceiptModel, opts: EscPosOptions): Uint8Array {
  const e = encoder(opts.paperWidth);
  writeLines(e, receiptLines(model, COLUMNS[opts.paperWidth]));
  // The barcode is the receipt number: scanned at the refund screen, it finds the sale.
  e.newline().align('center').barcode(model.lookupCode, 'code128', { height: 60, text: 'below' }).align('left');
  e.cut('partial');
  if (opts.openDrawer) e.pulse(DRAWER_PULSE.device, DRAWER_PULSE.on, DRAWER_PULSE.off);
  return e.encode();
}

/** Width of core's Z report text (Z_TEXT_WIDTH): on 58 mm paper it is printed in the smaller font B, which fits 42. */
export function encodeZReport(text: string, opts: EscPosOptions): Uint8Array {
  const e = encoder(opts.paperWidth);
  if (opts.paperWidth === 58) e.font('B');
  for (const line of text.replace(/\n$/, '').split('\n')) e.line(plainText(line));
  if (opts.paperWidth === 58) e.font('A');
  e.cut('partial');
  if (opts.openDrawer) e.pulse(DRAWER_PULSE.device, DRAWER_PULSE.on, DRAWER_PULSE.off);
  return e.encode();
}

export function encodeDrawerKick(): Uint8Array {
  return new ReceiptPrinterEncoder({ language: 'esc-pos', codepageMapping: EPSON_CODEPAGES }).initialize().pulse(DRAWER_PULSE.device, DRAWER_PULSE.on, DRAWER_PULSE.off).encode();
}
