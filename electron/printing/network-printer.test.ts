import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { ReceiptModel } from '../../core/selling/receipt.ts';
import { encodeDrawerKick, encodeReceipt, encodeZReport } from './escpos.ts';
import { decodeEscPos } from './escpos-decoder.test-support.ts';
import { loopbackPrinter, type LoopbackPrinter } from './loopback-printer.test-support.ts';
import { PrinterError, sendToNetworkPrinter } from './network-printer.ts';
import { PrintService } from './print-service.ts';
import { DEFAULT_PRINTER_SETTINGS, type PrinterSettings } from './printer-settings.ts';

const receipt: ReceiptModel = {
  eventName: 'Café Ñandú Market',
  receiptNumber: 'T1-00042',
  issuedAt: '23 Nov 2026, 14:05',
  tillId: 'till-1',
  sections: [
    {
      brand: 'Mellow Céramics',
      lines: [{ label: 'Bol émaillé Łódź', qty: 2, unitPrice: '12,50\u00a0€', total: '25,00\u00a0€', discount: '−30 % first 15 min: −10,70\u00a0€' }],
      total: '25,00\u00a0€',
    },
    { brand: 'North Thread', lines: [{ label: 'Hoodie M', qty: 1, unitPrice: '48,30\u00a0€', total: '48,30\u00a0€', serial: 'SN-1234' }], total: '48,30\u00a0€' },
  ],
  discounts: [],
  discount: '10,70\u00a0€',
  taxLines: [{ label: 'incl. tax 20 %', amount: '12,22\u00a0€' }],
  total: '73,30\u00a0€',
  payments: [{ label: 'Cash', amount: '73,30\u00a0€' }],
  change: '6,70\u00a0€',
  policy: 'Returns within 14 days with this receipt.',
  lookupCode: 'T1-00042',
};

let printer: LoopbackPrinter | undefined;
afterEach(async () => {
  await printer?.close();
  printer = undefined;
});

const GS_V_PARTIAL = [0x1d, 0x56, 0x01];

describe('a receipt sent to a network printer', () => {
  it('arrives as ESC/POS that prints the receipt text with its accents, then cuts and kicks the drawer', async () => {
    printer = await loopbackPrinter();
    const job = printer.nextJob();
    const sent = await sendToNetworkPrinter(printer.host, printer.port, encodeReceipt(receipt, { paperWidth: 80, openDrawer: true }));
    const d = decodeEscPos(await job);
    expect(d.statusQueries).toEqual([2, 4]);
    expect(sent.status.answered).toBe(true);
    const lines = d.text.split('\n').map((l) => l.trimEnd());
    // Centred on the 48 columns.
    expect(lines).toContain(`${' '.repeat(Math.floor((48 - 17) / 2))}Café Ñandú Market`);
    expect(lines.some((l) => l.trim() === 'Receipt T1-00042 · till-1')).toBe(true);
    expect(lines).toContain(`2 × Bol émaillé Łódź${' '.repeat(48 - 20 - 7)}25,00 €`);
    expect(lines).toContain('  -30 % first 15 min: -10,70 €');
    expect(lines).toContain('  Serial SN-1234');
    expect(lines.some((l) => /^TOTAL +73,30 €$/.test(l))).toBe(true);
    expect(lines).toContain(`Change${' '.repeat(48 - 6 - 6)}6,70 €`);
    expect(d.text).not.toContain('?');
    expect(d.barcodes).toEqual(['T1-00042']);
    // Every line fits the 80 mm roll's 48 columns (the double-width total counts twice).
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(48);
    // The cut comes after all the text, and the drawer pulse after the cut: ESC p 0 25 250 (50 ms / 500 ms).
    expect(d.cuts).toEqual([GS_V_PARTIAL]);
    expect(d.pulses).toEqual([{ pin: 0, on: 25, off: 250 }]);
    const bytes = [...(await Promise.resolve(encodeReceipt(receipt, { paperWidth: 80, openDrawer: true })))];
    const cutAt = bytes.findIndex((_, i) => bytes[i] === 0x1d && bytes[i + 1] === 0x56);
    const pulseAt = bytes.findIndex((_, i) => bytes[i] === 0x1b && bytes[i + 1] === 0x70);
    expect(cutAt).toBeGreaterThan(0);
    expect(pulseAt).toBeGreaterThan(cutAt);
  });

  it('fits a 58 mm roll: 32 columns, long names wrapped, no drawer kick unless asked', async () => {
    const d = decodeEscPos(encodeReceipt({ ...receipt, sections: [{ brand: 'B', lines: [{ label: 'A very long product name that cannot fit on one line', qty: 1, unitPrice: '1,00 €', total: '1,00 €' }], total: '1,00 €' }] }, { paperWidth: 58 }));
    const lines = d.text.split('\n').map((l) => l.trimEnd());
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(32);
    const first = lines.indexOf('1 × A very long product   1,00 €');
    expect(first).toBeGreaterThan(0);
    expect(lines.slice(first + 1, first + 3)).toEqual(['name that cannot fit on', 'one line']);
    expect(d.pulses).toEqual([]);
    expect(d.cuts).toHaveLength(1);
  });

  it('prints the Z report text line for line, in the small font on 58 mm paper', () => {
    const text = 'Z REPORT\nTill till-1                    2026-11-23\nCash sales                         12,00 €\n';
    const d = decodeEscPos(encodeZReport(text, { paperWidth: 58 }));
    expect(d.text.split('\n').slice(0, 3)).toEqual(['Z REPORT', 'Till till-1                    2026-11-23', 'Cash sales                         12,00 €']);
    expect(d.cuts).toHaveLength(1);
  });

  it('opens the drawer on its own with just the pulse', async () => {
    printer = await loopbackPrinter();
    const job = printer.nextJob();
    await sendToNetworkPrinter(printer.host, printer.port, encodeDrawerKick(), { skipStatus: true });
    const d = decodeEscPos(await job);
    expect(d.pulses).toEqual([{ pin: 0, on: 25, off: 250 }]);
    expect(d.text).toBe('');
    expect(d.statusQueries).toEqual([]);
  });
});

describe('a printer that cannot print', () => {
  it('out of paper: refused with a message saying so, and no job is sent', async () => {
    printer = await loopbackPrinter();
    printer.state = 'paper-out';
    const job = printer.nextJob();
    await expect(sendToNetworkPrinter(printer.host, printer.port, encodeReceipt(receipt, { paperWidth: 80 }))).rejects.toThrow(/out of paper: put in a new roll/);
    expect(decodeEscPos(await job).text).toBe('');
  });

  it('cover open: says to close it', async () => {
    printer = await loopbackPrinter();
    printer.state = 'cover-open';
    await expect(sendToNetworkPrinter(printer.host, printer.port, encodeReceipt(receipt, { paperWidth: 80 }))).rejects.toThrow(/cover open/);
  });

  it('a printer that does not answer status queries still prints', async () => {
    printer = await loopbackPrinter();
    printer.state = 'silent';
    const job = printer.nextJob();
    const sent = await sendToNetworkPrinter(printer.host, printer.port, encodeReceipt(receipt, { paperWidth: 80 }), { statusTimeoutMs: 100 });
    expect(sent.status.answered).toBe(false);
    expect(decodeEscPos(await job).text).toContain('Café Ñandú Market');
  });

  it('switched off (nothing listening): a clear message naming the address', async () => {
    const srv = createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as { port: number }).port;
    await new Promise<void>((r) => srv.close(() => r()));
    const err = await sendToNetworkPrinter('127.0.0.1', port, encodeDrawerKick()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PrinterError);
    expect((err as Error).message).toBe(`The printer at 127.0.0.1:${port} refused the connection: check the address and port (usually 9100) in the printer settings`);
  });

  it('jammed (stops taking data): gives up after the write time limit', async () => {
    printer = await loopbackPrinter();
    printer.stall = true;
    printer.state = 'silent';
    const big = new Uint8Array(8 * 1024 * 1024).fill(0x41);
    const started = Date.now();
    await expect(sendToNetworkPrinter(printer.host, printer.port, big, { statusTimeoutMs: 50, writeTimeoutMs: 300 })).rejects.toThrow(/stopped taking the receipt/);
    expect(Date.now() - started).toBeLessThan(3000);
  });
});

describe('the print service', () => {
  const settings = (s: Partial<PrinterSettings>): PrinterSettings => ({ ...DEFAULT_PRINTER_SETTINGS, ...s });

  it('prints on the network printer in the settings and passes on a low-paper warning', async () => {
    printer = await loopbackPrinter();
    printer.state = 'paper-low';
    const p = printer;
    const service = new PrintService({ settings: () => settings({ kind: 'network', host: p.host, port: p.port, paperWidth: 58 }), sendNetwork: sendToNetworkPrinter, printSystem: () => Promise.reject(new Error('not used')) });
    const job = p.nextJob();
    const outcome = await service.printReceipt(receipt, false);
    expect(outcome).toEqual({ printer: `127.0.0.1:${p.port}`, drawerOpened: false, warning: 'The printer paper is running low: have a new roll ready' });
    expect(decodeEscPos(await job).barcodes).toEqual(['T1-00042']);
  });

  it('without a printer set up, says where to set one', async () => {
    const service = new PrintService({ settings: () => settings({}), sendNetwork: sendToNetworkPrinter, printSystem: () => Promise.reject(new Error('not used')) });
    await expect(service.printReceipt(receipt, false)).rejects.toThrow(/No receipt printer is set up/);
    await expect(service.openDrawer()).rejects.toThrow(/cash drawer opens through a network receipt printer/);
  });

  it('sends a system printer the receipt as escaped HTML of the same lines', async () => {
    const pages: { html: string; device: string }[] = [];
    const service = new PrintService({
      settings: () => settings({ kind: 'system', deviceName: 'TM-T20', paperWidth: 80 }),
      sendNetwork: () => Promise.reject(new Error('not used')),
      printSystem: async (html, device) => void pages.push({ html, device }),
    });
    const outcome = await service.printReceipt({ ...receipt, eventName: '<script>x</script> Market' }, false);
    expect(outcome).toEqual({ printer: 'TM-T20', drawerOpened: false });
    expect(pages[0]!.device).toBe('TM-T20');
    expect(pages[0]!.html).toContain('&#60;script&#62;x&#60;/script&#62; Market');
    expect(pages[0]!.html).not.toContain('<script>');
    expect(pages[0]!.html).toContain('@page { size: 80mm auto');
  });
});
